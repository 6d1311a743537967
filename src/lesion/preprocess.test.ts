/**
 * Parity: the TypeScript tensor must be the one training computed (training/fixtures.py
 * wrote expected.json from training/lesion_preprocess.py for the same files).
 *
 * Tolerance 1e-4 on normalised values: both sides decode JPEG with libjpeg-turbo and run
 * the same written-out resize, so what is left is float32 summation order and the 5-decimal
 * rounding of expected.json (5e-6). One 8-bit grey level is 1/255/0.225 = 0.017, so 1e-4 is
 * far below anything the model could notice, and any real divergence (a different kernel,
 * crop offset, missed EXIF rotation or colour step) shows up at 1e-2 or more.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { fieldOfView } from './field-of-view.ts';
import { decodeImage, DEFAULT_SPEC, preprocessImage, toModelInput } from './preprocess.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/lesion');
interface Expected {
  sample_stride: number;
  fixtures: { file: string; width: number; height: number; channel_mean: number[]; sample: number[] }[];
}
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected;
const TOLERANCE = 1e-4;

function channelMeans(t: Float32Array): number[] {
  const plane = t.length / 3;
  return [0, 1, 2].map((c) => t.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane);
}

/** Every sampled value and each channel mean within TOLERANCE of what Python computed. */
function expectPythonTensor(tensor: Float32Array, sample: number[], stride: number, channelMean: number[]): void {
  let worst = 0;
  sample.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(tensor[i * stride]! - v));
  });
  expect(worst).toBeLessThan(TOLERANCE);
  channelMeans(tensor).forEach((m, c) => expect(Math.abs(m - channelMean[c]!)).toBeLessThan(TOLERANCE));
}

async function expectInvalidImage(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe('VALIDATION_FAILED');
  expect((e as AppError).field).toBe('image');
  return e as AppError;
}

describe('preprocessing matches training (Python) on the fixtures', () => {
  it('has the fixtures the parity test needs', () => {
    expect(expected.fixtures.length).toBeGreaterThanOrEqual(4);
  });

  for (const f of expected.fixtures) {
    it(`${f.file}: every sampled value within ${TOLERANCE}`, async () => {
      const { tensor, width, height } = await preprocessImage(fs.readFileSync(path.join(FIXTURES, f.file)));
      expect([width, height]).toEqual([f.width, f.height]);
      expect(tensor.length).toBe(3 * 224 * 224);
      expectPythonTensor(tensor, f.sample, expected.sample_stride, f.channel_mean);
    });
  }

  it('applies the EXIF orientation (a rotated file with Orientation 6 looks like the upright one)', async () => {
    const upright = (await preprocessImage(fs.readFileSync(path.join(FIXTURES, 'isic-bkl.jpg')))).tensor;
    const exifBytes = fs.readFileSync(path.join(FIXTURES, 'exif-orientation-6.jpg'));
    const rotated = (await preprocessImage(exifBytes)).tensor;
    // The same pixels read without EXIF: what a decoder that ignores orientation would see.
    const raw = await sharp(exifBytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const ignored = toModelInput({ width: raw.info.width, height: raw.info.height, data: new Uint8Array(raw.data) });
    const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(meanAbs(rotated, upright)).toBeLessThan(0.05); // only JPEG re-encoding noise
    expect(meanAbs(ignored, upright)).toBeGreaterThan(4 * meanAbs(rotated, upright));
  });
});

describe("preprocessing matches training (Python) on a phone attachment's round field", () => {
  interface FieldExpected {
    file: string;
    width: number;
    height: number;
    box: { top: number; left: number; height: number; width: number };
    sample_stride: number;
    channel_mean: number[];
    sample: number[];
  }
  const field = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'field-of-view.json'), 'utf8')) as FieldExpected;

  it('finds the same field as Python (step 1b)', async () => {
    const img = await decodeImage(fs.readFileSync(path.join(FIXTURES, field.file)));
    expect([img.width, img.height]).toEqual([field.width, field.height]);
    expect(fieldOfView(img)).toEqual(field.box);
  });

  it(`gives the same tensor as Python, every sampled value within ${TOLERANCE}`, async () => {
    const { tensor } = await preprocessImage(fs.readFileSync(path.join(FIXTURES, field.file)));
    expectPythonTensor(tensor, field.sample, field.sample_stride, field.channel_mean);
  });

  it('shows the model the lesion at the scale of the plain image, not shrunk inside the frame', async () => {
    const plain = (await preprocessImage(fs.readFileSync(path.join(FIXTURES, 'ham-nv.jpg')))).tensor;
    const framed = (await preprocessImage(fs.readFileSync(path.join(FIXTURES, field.file)))).tensor;
    // Without step 1b the frame would fill about 45 % of each side: most centre pixels would differ.
    const centre = (t: Float32Array) => {
      const out: number[] = [];
      for (let y = 80; y < 144; y++) for (let x = 80; x < 144; x++) out.push(t[y * 224 + x]!);
      return out;
    };
    const a = centre(plain);
    const b = centre(framed);
    const meanAbs = a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(meanAbs).toBeLessThan(0.15);
  });
});

describe('preprocessing arithmetic', () => {
  it('a uniform grey image becomes a constant tensor: colour constancy leaves neutral grey alone', () => {
    const img = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).fill(128) };
    const t = toModelInput(img);
    for (let c = 0; c < 3; c++) {
      const v = (128 / 255 - DEFAULT_SPEC.mean[c]!) / DEFAULT_SPEC.std[c]!;
      expect(t[c * 224 * 224]).toBeCloseTo(v, 5);
      expect(t[(c + 1) * 224 * 224 - 1]).toBeCloseTo(v, 5);
    }
  });

  it('removes a colour cast: a reddish grey comes out neutral', () => {
    const data = new Uint8Array(224 * 224 * 3);
    for (let i = 0; i < data.length; i += 3) {
      data[i] = 160;
      data[i + 1] = 120;
      data[i + 2] = 120;
    }
    const t = toModelInput({ width: 224, height: 224, data });
    const unnorm = [0, 1, 2].map((c) => t[c * 224 * 224]! * DEFAULT_SPEC.std[c]! + DEFAULT_SPEC.mean[c]!);
    expect(unnorm[0]).toBeCloseTo(unnorm[1]!, 4);
    expect(unnorm[1]).toBeCloseTo(unnorm[2]!, 4);
  });

  it('crops the central square of a wide image (the sides do not matter)', () => {
    const w = 400;
    const h = 200;
    const a = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = x < 100 || x >= 300 ? 255 : (x * 7 + y * 3) % 200;
        a.fill(v, (y * w + x) * 3, (y * w + x) * 3 + 3);
      }
    }
    const b = Uint8Array.from(a);
    for (let y = 0; y < h; y++) {
      // Change only the cropped-away margins (to grey: a black margin would be a frame, step 1b).
      b.fill(128, y * w * 3, (y * w + 100) * 3);
    }
    expect(toModelInput({ width: w, height: h, data: b })).toEqual(toModelInput({ width: w, height: h, data: a }));
  });

  it('refers a pixel buffer of the wrong length to the image field', () => {
    expect(() => toModelInput({ width: 10, height: 10, data: new Uint8Array(299) })).toThrow(/image/);
  });
});

describe('decoding bad and unusual images', () => {
  it('refuses bytes that are not an image, naming the field', async () => {
    await expectInvalidImage(decodeImage(new TextEncoder().encode('this is a text file, not a photo')));
    await expectInvalidImage(decodeImage(new Uint8Array(0)));
  });

  it('refuses a truncated JPEG', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'ham-mel.jpg'));
    await expectInvalidImage(decodeImage(bytes.subarray(0, Math.floor(bytes.length / 2))));
  });

  it('refuses a decompression bomb before decoding it', async () => {
    const bomb = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000); // tiny file, 48 megapixels
    const e = await expectInvalidImage(decodeImage(bomb));
    expect(e.message).toMatch(/pixel/i);
  });

  it('turns grayscale, RGBA and 16-bit images into 8-bit RGB', async () => {
    const grey = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).toColourspace('b-w').png().toBuffer();
    const rgba = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } }).png().toBuffer();
    const deep = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c86432' } }).toColourspace('rgb16').png().toBuffer();
    for (const bytes of [grey, rgba, deep]) {
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([40, 30, 40 * 30 * 3]);
    }
    const g = await decodeImage(grey);
    expect([g.data[0], g.data[1], g.data[2]]).toEqual([128, 128, 128]);
    const d = await decodeImage(deep);
    expect([d.data[0], d.data[1], d.data[2]]).toEqual([200, 100, 50]);
  });
});
