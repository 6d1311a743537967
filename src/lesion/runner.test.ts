/**
 * The shipped model through onnxruntime-node gives what PyTorch gave for the same fixture
 * files (expected.json, written at training time), and the card's own self-test.
 * Tolerance 1e-3 on probabilities: ONNX Runtime and PyTorch fuse and order float32
 * operations differently (observed differences are around 1e-5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { LESION_CLASSES } from './model-card.ts';
import { openLesionModel, type ModelRunner } from './runner.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODEL_DIR = path.join(ROOT, 'models/lesion');
const FIXTURES = path.join(ROOT, 'test/fixtures/lesion');
interface Expected {
  fixtures: { file: string; probabilities: number[]; melanoma_probability: number; malignant_probability: number; action: string }[];
}
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

let runner: ModelRunner;
beforeAll(async () => {
  runner = await openLesionModel(MODEL_DIR);
});
afterAll(async () => {
  await runner.close();
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('lesion ModelRunner on the shipped model', () => {
  it('reports its identity from the card and becomes ready once, even when asked twice at once', async () => {
    const [a, b] = await Promise.all([runner.ready(), runner.ready()]);
    expect(a).toEqual({ ready: true, model: runner.identity });
    expect(b.ready).toBe(true);
    expect(runner.identity.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(runner.identity.version).toBe(runner.card.version);
  });

  for (const f of expected.fixtures) {
    it(`${f.file}: calibrated probabilities and suggestion as in training`, async () => {
      const r = await runner.predictImage(fs.readFileSync(path.join(FIXTURES, f.file)));
      LESION_CLASSES.forEach((c, i) => expect(Math.abs(r.probabilities[c] - f.probabilities[i]!)).toBeLessThan(1e-3));
      expect(Math.abs(r.melanomaProbability - f.melanoma_probability)).toBeLessThan(1e-3);
      expect(Math.abs(r.malignantProbability - f.malignant_probability)).toBeLessThan(1e-3);
      expect(r.suggestion.action).toBe(f.action);
      expect(r.suggestion.text).toMatch(/^Suggestion: /);
      expect(r.model).toEqual(runner.identity);
    });
  }

  it("passes the model card's own self-test", async () => {
    const st = runner.card.self_test;
    expect(st).not.toBeNull();
    const r = await runner.predictImage(fs.readFileSync(path.join(ROOT, st!.input)));
    for (const c of LESION_CLASSES) {
      expect(Math.abs(r.probabilities[c] - st!.probabilities[c])).toBeLessThan(st!.tolerance);
    }
    expect(r.suggestion.action).toBe(st!.action);
  });

  it('scores a batch the same as one image at a time', async () => {
    const files = expected.fixtures.slice(0, 3).map((f) => fs.readFileSync(path.join(FIXTURES, f.file)));
    const singles = await Promise.all(files.map((b) => runner.predictImage(b)));
    const { preprocessImage } = await import('./preprocess.ts');
    const tensors = await Promise.all(files.map(async (b) => (await preprocessImage(b, runner.spec)).tensor));
    const batch = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
    tensors.forEach((t, i) => batch.set(t, i * t.length));
    const many = await runner.predict(batch, 3);
    many.forEach((r, i) => expect(Math.abs(r.melanomaProbability - singles[i]!.melanomaProbability)).toBeLessThan(1e-4));
  });

  it('refuses a tensor of the wrong shape, a bad count and non-finite values, naming the field', async () => {
    const e1 = await rejection(runner.predict(new Float32Array(3 * 100 * 100), 1));
    expect([e1.code, e1.field]).toEqual(['VALIDATION_FAILED', 'image']);
    expect(e1.message).toMatch(/150528/);
    expect((await rejection(runner.predict(new Float32Array(0), 0))).field).toBe('n');
    const nan = new Float32Array(3 * 224 * 224);
    nan[5] = Number.NaN;
    expect((await rejection(runner.predict(nan, 1))).message).toMatch(/finite/);
  });

  it('refuses a file that is not an image, and keeps serving', async () => {
    const e = await rejection(runner.predictImage(new TextEncoder().encode('%PDF-1.4 not an image')));
    expect([e.code, e.field]).toEqual(['VALIDATION_FAILED', 'image']);
    const again = await runner.predictImage(fs.readFileSync(path.join(FIXTURES, expected.fixtures[0]!.file)));
    expect(again.suggestion.action).toBe(expected.fixtures[0]!.action);
  });
});

describe('opening a model folder', () => {
  it('refuses an ONNX file that does not match its card', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-model-'));
    try {
      fs.copyFileSync(path.join(MODEL_DIR, 'model-card.json'), path.join(dir, 'model-card.json'));
      const onnx = fs.readFileSync(path.join(MODEL_DIR, 'model.onnx'));
      onnx[onnx.length - 1] = onnx[onnx.length - 1]! ^ 0x01;
      fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
      const e = await rejection(openLesionModel(dir));
      expect([e.code, e.field]).toEqual(['NOT_READY', 'model.sha256']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder without a card', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-model-'));
    try {
      const e = await rejection(openLesionModel(dir));
      expect(e.code).toBe('NOT_READY');
      expect(e.message).toMatch(/no model card/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
