/**
 * The content gate: is this a dermoscopic image of skin at all, or a cat, a face, a
 * document? An ImageNet classifier (MobileNetV2, float32 ONNX, models/image-gate/) knows
 * none of the lesion classes, but dermoscopic images land on a small, stable set of its
 * 1000 classes; config.json holds that set, learned on a seeded sample of real dermoscopy
 * by scripts/measure-quality-gate.ts --fit, and the least probability mass an image must
 * put on it. A photo of something else puts its mass elsewhere (tabby, wig, envelope, ...).
 *
 * Hair fools it: long dark hairs across a lesion pull the classifier towards "chainlink
 * fence" and "spider web" (on copies of the test split with 5 or 10 synthetic hairs the gate
 * refused 16 % and 46 %). An image whose first look fails is looked at a second time with
 * thin dark lines removed (a greyscale closing, the idea of DullRazor; segment.ts's
 * greyClose), and passes if that look finds dermoscopy clearly (SECOND_LOOK_MIN). Normal
 * pictures pay for one look; real dermoscopy can only gain. When the second look finds
 * dermoscopy, but not clearly (or a third look, closing thicker lines, finds some), and dark
 * lines cover much of the picture (HAIR_COVER_MAX), the refusal says hair is the problem, so
 * the nurse parts or shaves it instead of wondering why a lesion is "not dermoscopic".
 *
 * I/O (model file, onnxruntime): listed in test/architecture.test.ts's IO_LAYER.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { z } from 'zod';
import { AppError } from '../platform/errors.ts';
import type { RgbImage } from './preprocess.ts';
import type { QualityCheck } from './types.ts';
import { greyClose } from './segment.ts';
import { longLineCover } from './hair-cover.ts';

/** The second look's closing radius at the 224 px input: removes dark lines up to 5 px wide (hairs), keeps lesions. */
const HAIR_RADIUS = 2;

/**
 * Thick or crowded hair can hide the skin from the second look too. When that look finds no
 * dermoscopy at all, a third look closes lines up to 7 px wide; it never accepts an image, it
 * only decides whether hair may be named as the reason (with the hair cover below). Measured
 * 2026-11-28: of the 46 test-split copies with 25 hairs that the second look found nothing in,
 * 37 reach the first look's limit at this radius, each with hair cover 0.065-0.27. Of the
 * non-dermoscopic pictures, a cat (0.100), the document (0.164) and an immunohistochemistry
 * slide (0.26) reach it too, but their hair cover is 0, 0 and 0.023, so none is called hair.
 */
const THICK_HAIR_RADIUS = 3;

/**
 * The dermoscopy mass the second look must find, three times the first look's limit: closing
 * also removes text, and a page of notes without its text looks like plain skin (measured
 * 2026-11-28: a document 0.184, an immunohistochemistry slide 0.180, other pictures at most
 * 0.09; first-look failures with 5 or 10 hairs: 10th percentile 0.34 and 0.43).
 */
const SECOND_LOOK_MIN = 0.3;

/**
 * Hair cover: the share of the 224 px crop under long thin dark lines (hair-cover.ts): pixels
 * the closing lifts by more than HAIR_LIFT grey levels, in runs spanning at least HAIR_SPAN
 * pixels (hairs cross the picture; letters and cell nuclei do not). Measured 2026-11-28 on
 * the gate's refusals among the 636 test-split images with synthetic hair whose second look
 * finds some dermoscopy: 25 hairs, 5th percentile 0.13 (145 images); 8 hairs, median 0.087
 * (12). Refused pictures of other things: the document fixture 0 (its text lifts 0.26 of the
 * crop, in short runs), an immunohistochemistry slide 0.022; a motorcycle or a china pattern
 * never get here (their second look finds no dermoscopy).
 */
const HAIR_COVER_MAX = 0.05;
const HAIR_LIFT = 25;
const HAIR_SPAN = 80;

export const DEFAULT_GATE_DIR = path.resolve(import.meta.dirname, '../../models/image-gate');

/** The check's name in QualityReport-style output. */
export const GATE_CHECK = 'dermoscopy-likeness';
/** The hair check's name: only measured for images the gate refuses. */
export const HAIR_CHECK = 'hair-cover';

const ConfigSchema = z.object({
  model: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), input: z.string(), output: z.string() }),
  labels: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** torchvision's ImageNet evaluation transform: resize shorter side, centre crop, normalise. */
  preprocessing: z.object({
    resize: z.number().int().positive(),
    crop: z.number().int().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  }),
  /** ImageNet class indices where dermoscopic images land. */
  dermoscopyClasses: z.array(z.number().int().min(0).max(999)).min(1),
  /** Least softmax mass on dermoscopyClasses for an image to pass. */
  minDermoscopyMass: z.number().min(0).max(1),
});
export type GateConfig = z.infer<typeof ConfigSchema>;

export interface GateResult {
  check: QualityCheck;
  /**
   * Only for a refused image whose second look, without hair, finds some dermoscopy: how much
   * of it lies under thin dark lines. Failed means hair, not the subject, is why it was refused.
   */
  hair?: QualityCheck;
  /** The five most probable ImageNet labels: what the gate thinks the picture shows. */
  topLabels: { label: string; p: number }[];
}

/** Why the gate refused an image, and the check that says so; undefined when it passed. */
export function gateRefusal({ check, hair }: GateResult): { reason: 'not-dermoscopic' | 'hair-obscured'; failed: QualityCheck } | undefined {
  if (check.passed) return undefined;
  return hair && !hair.passed ? { reason: 'hair-obscured', failed: hair } : { reason: 'not-dermoscopic', failed: check };
}

export interface ContentGate {
  readonly config: GateConfig;
  check(img: RgbImage): Promise<GateResult>;
  /** The 1000 ImageNet probabilities (for calibration); `withoutHair` is the second look's input. */
  probabilities(img: RgbImage, withoutHair?: boolean): Promise<Float32Array>;
  close(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readVerified(dir: string, file: string, expected: string, field: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(path.join(dir, file)));
  } catch (e) {
    throw new AppError('NOT_READY', `the image gate file ${file} cannot be read`, { field, cause: e });
  }
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new AppError('NOT_READY', `the image gate file ${file} has sha256 ${actual}, config.json expects ${expected}`, { field });
  }
  return bytes;
}

/** Load models/image-gate (or `dir`), verifying both files' sha256 against config.json. */
export async function openContentGate(dir: string = DEFAULT_GATE_DIR): Promise<ContentGate> {
  let config: GateConfig;
  try {
    const parsed = ConfigSchema.safeParse(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('NOT_READY', `image gate config.json: ${issue.path.join('.')}: ${issue.message}`, { field: issue.path.join('.') });
    }
    config = parsed.data;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('NOT_READY', `image gate config.json in ${dir} cannot be read`, { field: 'config.json', cause: e });
  }
  const onnx = await readVerified(dir, config.model.file, config.model.sha256, 'model.file');
  const labels = JSON.parse(new TextDecoder().decode(await readVerified(dir, config.labels.file, config.labels.sha256, 'labels.file'))) as string[];
  if (!Array.isArray(labels) || labels.length !== 1000) {
    throw new AppError('NOT_READY', `the image gate labels must be 1000 ImageNet class names`, { field: 'labels.file' });
  }
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const inSet = new Uint8Array(1000);
  for (const c of config.dermoscopyClasses) inSet[c] = 1;
  const { resize, crop, mean, std } = config.preprocessing;
  const dermoscopyMass = (p: Float32Array): number => {
    let mass = 0;
    for (let i = 0; i < 1000; i++) if (inSet[i]) mass += p[i]!;
    return mass;
  };

  /** Shorter side to `resize`, then the central `crop` square: torchvision's eval transform. */
  async function centreCrop(img: RgbImage): Promise<Buffer> {
    const s = Math.min(img.width, img.height);
    const w = Math.max(crop, Math.round((img.width * resize) / s));
    const h = Math.max(crop, Math.round((img.height * resize) / s));
    return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .resize(w, h, { fit: 'fill' })
      .extract({ left: Math.floor((w - crop) / 2), top: Math.floor((h - crop) / 2), width: crop, height: crop })
      .raw()
      .toBuffer();
  }

  /** ImageNet class probabilities of a centre crop; with a `closeRadius`, dark lines up to 2r+1 px wide are closed away first. */
  async function classify(data: Buffer, closeRadius = 0): Promise<Float32Array> {
    const plane = crop * crop;
    const x = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      let channel: Float32Array = new Float32Array(plane);
      for (let i = 0; i < plane; i++) channel[i] = data[3 * i + c]!;
      if (closeRadius > 0) channel = greyClose(channel, crop, crop, closeRadius);
      for (let i = 0; i < plane; i++) x[c * plane + i] = (channel[i]! / 255 - mean[c]!) / std[c]!;
    }
    const out = await session.run({ [config.model.input]: new ort.Tensor('float32', x, [1, 3, crop, crop]) });
    const logits = out[config.model.output]!.data as Float32Array;
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const p = new Float32Array(1000);
    let sum = 0;
    for (let i = 0; i < 1000; i++) {
      p[i] = Math.exp(logits[i]! - max);
      sum += p[i]!;
    }
    for (let i = 0; i < 1000; i++) p[i]! /= sum;
    return p;
  }

  async function probabilities(img: RgbImage, withoutHair = false): Promise<Float32Array> {
    return classify(await centreCrop(img), withoutHair ? HAIR_RADIUS : 0);
  }

  return {
    config,
    probabilities,
    async check(img) {
      const data = await centreCrop(img);
      const p = await classify(data);
      const top = [...p.keys()].sort((a, b) => p[b]! - p[a]!).slice(0, 5);
      let mass = dermoscopyMass(p);
      let hair: QualityCheck | undefined;
      if (mass < config.minDermoscopyMass) {
        const second = dermoscopyMass(await classify(data, HAIR_RADIUS));
        if (second >= SECOND_LOOK_MIN) mass = second;
        else if (second >= config.minDermoscopyMass || dermoscopyMass(await classify(data, THICK_HAIR_RADIUS)) >= config.minDermoscopyMass) {
          const cover = Math.round(longLineCover({ data, width: crop, height: crop }, { radius: HAIR_RADIUS, lift: HAIR_LIFT, span: HAIR_SPAN }) * 1000) / 1000;
          hair = { name: HAIR_CHECK, value: cover, limit: HAIR_COVER_MAX, kind: 'max', passed: cover <= HAIR_COVER_MAX };
        }
      }
      const value = Math.round(mass * 1000) / 1000;
      return {
        check: { name: GATE_CHECK, value, limit: config.minDermoscopyMass, kind: 'min', passed: value >= config.minDermoscopyMass },
        ...(hair ? { hair } : {}),
        topLabels: top.map((i) => ({ label: labels[i]!, p: Math.round(p[i]! * 1000) / 1000 })),
      };
    },
    async close() {
      await session.release();
    },
  };
}
