/**
 * The content gate: dermoscopy passes, a cat, a face, a coffee cup and a document do not,
 * and a tampered or missing model file is refused on load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { DEFAULT_GATE_DIR, GATE_CHECK, HAIR_CHECK, gateRefusal, openContentGate, type ContentGate } from './content-gate.ts';
import { decodeForAnalysis, type DecodedImage } from './decode.ts';
import { assessQuality } from './quality.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/lesion');
const DERMOSCOPY = ['ham-mel.jpg', 'ham-nv.jpg', 'isic-bkl.jpg', 'large-640x480.jpg', 'exif-orientation-6.jpg'];

async function load(rel: string): Promise<DecodedImage> {
  const o = await decodeForAnalysis(fs.readFileSync(path.join(FIXTURES, rel)));
  if (!o.ok) throw new Error(`${rel}: ${o.message}`);
  return o.image;
}

let gate: ContentGate;
let dermoscopyLabels: Set<string>;
beforeAll(async () => {
  gate = await openContentGate();
  const labels = JSON.parse(fs.readFileSync(path.join(DEFAULT_GATE_DIR, 'imagenet-labels.json'), 'utf8')) as string[];
  dermoscopyLabels = new Set(gate.config.dermoscopyClasses.map((i) => labels[i]!));
});
afterAll(async () => {
  await gate.close();
});

describe('content gate', () => {
  for (const f of DERMOSCOPY) {
    it(`${f}: dermoscopy passes`, async () => {
      const { check, topLabels } = await gate.check(await load(f));
      expect(check).toMatchObject({ name: GATE_CHECK, kind: 'min', passed: true });
      expect(check.value).toBeGreaterThanOrEqual(check.limit);
      expect(topLabels).toHaveLength(5);
    });
  }

  // Each picture passes the quality checks (sharp, well exposed, colourful, warm enough),
  // so only the content gate stands between it and the lesion model.
  for (const file of ['quality/cat.jpg', 'quality/face.jpg', 'quality/coffee.jpg', 'quality/document.jpg']) {
    it(`${file}: passes the quality checks but the gate calls it not dermoscopic`, async () => {
      const img = await load(file);
      expect(assessQuality(img).passed).toBe(true);
      const { check, topLabels } = await gate.check(img);
      expect(check.passed).toBe(false);
      expect(check.value).toBeLessThan(check.limit);
      // It lands outside the learned dermoscopy classes: the labels say what it looks like.
      expect(dermoscopyLabels.has(topLabels[0]!.label)).toBe(false);
    });
  }

  it('a hairy lesion (hairy.jpg) passes on the second look, with the hairs removed', async () => {
    const img = await load('hairy.jpg');
    // The first look alone: the hairs read as a fence or a pole, not as skin.
    const inSet = new Set(gate.config.dermoscopyClasses);
    const firstLook = (await gate.probabilities(img)).reduce((s, p, i) => s + (inSet.has(i) ? p : 0), 0);
    expect(firstLook).toBeLessThan(gate.config.minDermoscopyMass);
    const { check } = await gate.check(img);
    expect(check.passed).toBe(true);
    expect(check.value).toBeGreaterThan(firstLook);
  });

  it('names hair, not the subject, when long hairs hide a lesion (hair-covered.jpg)', async () => {
    const { check, hair } = await gate.check(await load('hair-covered.jpg'));
    expect(check.passed).toBe(false);
    expect(hair).toMatchObject({ name: HAIR_CHECK, kind: 'max', passed: false });
    expect(hair!.value).toBeGreaterThan(3 * hair!.limit);
  });

  it('names hair when hair is so thick that even the second look sees no skin (thick-hair.jpg)', async () => {
    const img = await load('thick-hair.jpg');
    const inSet = new Set(gate.config.dermoscopyClasses);
    const secondLook = (await gate.probabilities(img, true)).reduce((s, p, i) => s + (inSet.has(i) ? p : 0), 0);
    expect(secondLook, 'the 5 px closing leaves too much hair to see dermoscopy').toBeLessThan(gate.config.minDermoscopyMass);
    const { check, hair } = await gate.check(img);
    expect(check.passed).toBe(false);
    expect(gateRefusal({ check, hair, topLabels: [] })?.reason).toBe('hair-obscured');
  });

  it('does not call text or other pictures hair: their dark strokes are short', async () => {
    // The document's text is thin dark strokes too, and its second look finds some dermoscopy.
    for (const file of ['quality/document.jpg', 'quality/cat.jpg', 'quality/face.jpg', 'quality/coffee.jpg']) {
      const { check, hair } = await gate.check(await load(file));
      expect(check.passed, file).toBe(false);
      expect(hair?.passed ?? true, file).toBe(true);
    }
    const { hair } = await gate.check(await load('quality/document.jpg'));
    expect(hair, 'the document is measured, and its text is not long lines').toMatchObject({ value: 0, passed: true });
  });

  it('says what the cat and the document look like', async () => {
    expect((await gate.check(await load('quality/cat.jpg'))).topLabels[0]!.label).toMatch(/cat|tabby/);
    expect((await gate.check(await load('quality/document.jpg'))).topLabels[0]!.label).toBe('web site');
  });

  it('runs in float32: no int8 operators, whose kernels and answers differ from CPU to CPU', () => {
    const bytes = fs.readFileSync(path.join(DEFAULT_GATE_DIR, gate.config.model.file));
    for (const op of ['QLinearConv', 'QLinearMatMul', 'QLinearAdd', 'DequantizeLinear', 'ConvInteger']) {
      expect(bytes.includes(Buffer.from(op)), op).toBe(false);
    }
    expect(bytes.includes(Buffer.from('Conv'))).toBe(true); // the check reads operator names at all
  });

  it('is deterministic', async () => {
    const img = await load('ham-nv.jpg');
    expect(await gate.check(img)).toEqual(await gate.check(img));
  });

  it('the config holds a learned class set and a threshold', () => {
    expect(gate.config.dermoscopyClasses.length).toBeGreaterThan(5);
    expect(gate.config.minDermoscopyMass).toBeGreaterThan(0);
    expect(gate.config.minDermoscopyMass).toBeLessThan(0.5);
  });
});

describe('content gate: loading', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-gate-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function copyGate(name: string, edit: (dir: string) => void): string {
    const dir = path.join(tmp, name);
    fs.cpSync(DEFAULT_GATE_DIR, dir, { recursive: true });
    edit(dir);
    return dir;
  }

  async function refusal(dir: string): Promise<AppError> {
    const e = await openContentGate(dir).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('NOT_READY');
    return e as AppError;
  }

  it('refuses a model file whose sha256 does not match', async () => {
    const dir = copyGate('tampered', (d) => {
      const f = path.join(d, JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')).model.file as string);
      const bytes = fs.readFileSync(f);
      const at = bytes.length - 10;
      bytes[at] = bytes[at]! ^ 0xff;
      fs.chmodSync(f, 0o644); // the copy keeps the original's mode
      fs.writeFileSync(f, bytes);
    });
    const e = await refusal(dir);
    expect(e.field).toBe('model.file');
    expect(e.message).toMatch(/sha256/);
  });

  it('refuses edited labels', async () => {
    const dir = copyGate('labels', (d) => {
      const f = path.join(d, 'imagenet-labels.json');
      fs.chmodSync(f, 0o644);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('tabby', 'dermoscopy'));
    });
    expect((await refusal(dir)).field).toBe('labels.file');
  });

  it('refuses a config without the learned classes, naming the field', async () => {
    const dir = copyGate('config', (d) => {
      const f = path.join(d, 'config.json');
      const cfg = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
      delete cfg.dermoscopyClasses;
      fs.chmodSync(f, 0o644);
      fs.writeFileSync(f, JSON.stringify(cfg));
    });
    expect((await refusal(dir)).field).toBe('dermoscopyClasses');
  });

  it('refuses a folder with no config', async () => {
    const e = await refusal(path.join(tmp, 'missing'));
    expect(e.field).toBe('config.json');
  });
});
