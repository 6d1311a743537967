/**
 * The analyzer end to end on the shipped model and content gate. No probability of the
 * current model is hard-coded (the model is retrained): the assertions are the contract's.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { cardCalibration, createLesionAnalyzer, openLesionAnalyzer, type LesionAnalyzer } from './analyzer.ts';
import type { ContentGate } from './content-gate.ts';
import { sha256Hex } from './model-card.ts';
import { pictureBytes } from './pictures.ts';
import type { AcceptedAnalysis, LesionAnalysis } from './types.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/lesion');
const MEL = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'ham-mel.jpg')));

let analyzer: LesionAnalyzer;
let base: AcceptedAnalysis;

function accepted(a: LesionAnalysis): AcceptedAnalysis {
  if (a.status !== 'ok') throw new Error(`expected an accepted analysis, got ${a.reason}: ${a.message}`);
  return a;
}

beforeAll(async () => {
  analyzer = await openLesionAnalyzer();
  base = accepted(await analyzer.analyze(MEL));
});
afterAll(async () => {
  await analyzer?.close();
});

describe('analyzer on ham-mel.jpg (HAM10000 melanoma, 200x150)', () => {
  it('returns calibrated probabilities over 8 TTA views, with their spread', () => {
    const sum = Object.values(base.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 6);
    expect(base.melanomaProbability).toBe(base.probabilities.mel);
    expect(base.malignantProbability).toBeCloseTo(base.probabilities.mel + base.probabilities.bcc + base.probabilities.akiec, 12);
    const u = base.uncertainty;
    expect(u.views).toBe(8);
    expect(u.melanomaRange[0]).toBeLessThanOrEqual(base.melanomaProbability);
    expect(u.melanomaRange[1]).toBeGreaterThanOrEqual(base.melanomaProbability);
    expect(u.melanomaSd).toBeGreaterThanOrEqual(0);
    expect(u.entropy).toBeGreaterThan(0);
    expect(u.entropy).toBeLessThanOrEqual(Math.log(7) + 1e-9);
    expect(['low', 'moderate', 'high']).toContain(u.level);
  });

  it('scores the model alone as the card was measured: the same 8-view average, the plain view when asked', async () => {
    const eight = await analyzer.scoreModelOnly(MEL, { tta: true });
    expect(eight.melanomaProbability).toBeCloseTo(base.melanomaProbability, 5);
    expect(eight.uncertainty.views).toBe(8);
    const one = await analyzer.scoreModelOnly(MEL, { tta: false });
    expect(one.uncertainty.views).toBe(1);
    expect(one.melanomaProbability).toBeCloseTo(eight.melanomaByView[0]!, 6); // view 0 is the plain image
    expect(one.melanomaProbability).toBeGreaterThanOrEqual(base.uncertainty.melanomaRange[0] - 1e-9);
    expect(one.melanomaProbability).toBeLessThanOrEqual(base.uncertainty.melanomaRange[1] + 1e-9);
    await expect(analyzer.scoreModelOnly(new TextEncoder().encode('not an image'), { tta: true })).rejects.toThrow();
  });

  it('records the model, the input hash and the calibration in force (the card by default)', () => {
    expect(base.model).toEqual({ name: analyzer.runner.identity.name, version: analyzer.runner.identity.version, sha256: analyzer.runner.identity.sha256 });
    expect(base.inputSha256).toBe(sha256Hex(MEL));
    expect(base.calibration).toEqual(cardCalibration(analyzer.runner.card));
    expect(base.quality.passed).toBe(true);
    expect(base.quality.checks.map((c) => c.name)).toContain('dermoscopy-likeness');
  });

  it('words the suggestion as a suggestion, at the card thresholds', () => {
    const { referThreshold, monitorThreshold } = base.calibration;
    const want = base.melanomaProbability >= referThreshold ? 'refer' : base.melanomaProbability >= monitorThreshold ? 'monitor' : 'benign-appearing';
    expect(base.suggestion.action).toBe(want);
    expect(base.suggestion.text).toMatch(/^Suggestion: /);
  });

  it('measures the lesion: a reliable mask, ABCD features in range, no mm without a scale', () => {
    const f = base.features;
    expect(f.segmentationReliable).toBe(true);
    expect(f.areaFraction).toBeGreaterThan(0.02);
    expect(f.areaFraction).toBeLessThan(0.85);
    expect(f.asymmetry).toBeGreaterThanOrEqual(0);
    expect(f.asymmetry).toBeLessThan(1);
    expect(f.borderIrregularity).toBeGreaterThan(0.9);
    expect(f.colourCount).toBe(f.colours.length);
    expect(f.colourCount).toBeGreaterThanOrEqual(1);
    expect(f.diameterPx).toBeGreaterThan(10);
    expect(f.diameterPx).toBeLessThanOrEqual(Math.hypot(200, 150) + 1);
    expect(f.diameterMm).toBeNull();
  });

  it('returns the outline PNG at the image size, and no heatmap unless asked', async () => {
    expect(base.pictures.map((p) => p.kind)).toEqual(['outline']);
    const outline = base.pictures[0]!;
    const meta = await sharp(pictureBytes(outline)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 200, 150]);
    expect([outline.width, outline.height]).toEqual([200, 150]);
  });

  it('gives the diameter in mm with pixelsPerMm, and skips the outline when told', async () => {
    const r = accepted(await analyzer.analyze(MEL, { pixelsPerMm: 20, outline: false, tta: false }));
    expect(r.features.diameterMm).toBeCloseTo(r.features.diameterPx / 20, 9);
    expect(r.pictures).toEqual([]);
    expect(r.uncertainty.views).toBe(1);
    expect(r.uncertainty.melanomaSd).toBe(0);
  });

  it('follows a clinic calibration: thresholds move the suggestion, temperature the probabilities', async () => {
    const p = base.melanomaProbability;
    const referAll = accepted(await analyzer.analyze(MEL, { outline: false, calibration: { ...base.calibration, source: 'clinic v1', referThreshold: p / 2, monitorThreshold: p / 4 } }));
    expect(referAll.suggestion.action).toBe('refer');
    expect(referAll.suggestion.text).toContain("the clinic's 'refer' operating point (clinic v1)");
    expect(referAll.calibration.source).toBe('clinic v1');
    const referNone = accepted(await analyzer.analyze(MEL, { outline: false, calibration: { ...base.calibration, referThreshold: 1, monitorThreshold: 1 } }));
    expect(referNone.suggestion.action).toBe('benign-appearing');
    const hot = accepted(await analyzer.analyze(MEL, { outline: false, calibration: { ...base.calibration, temperature: base.calibration.temperature * 5 } }));
    expect(Math.max(...Object.values(hot.probabilities))).toBeLessThan(Math.max(...Object.values(base.probabilities)));
  });

  it('draws the occlusion heatmap on the model crop when asked', async () => {
    const t0 = performance.now();
    const r = accepted(await analyzer.analyze(MEL, { heatmap: true, outline: false }));
    const ms = performance.now() - t0;
    console.info(`analysis with heatmap (8 TTA views + 169 occlusions): ${ms.toFixed(0)} ms`);
    expect(r.pictures.map((p) => p.kind)).toEqual(['heatmap']);
    const meta = await sharp(pictureBytes(r.pictures[0]!)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 150, 150]);
    expect(r.probabilities).toEqual(base.probabilities);
  }, 120_000);
});

describe("analyzer on a phone attachment's picture (field-of-view.jpg: ham-nv.jpg in a black frame)", () => {
  it('crops to the round field, says so, and scores the lesion as it scores the plain image', async () => {
    const nv = accepted(await analyzer.analyze(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'ham-nv.jpg')))));
    const framed = accepted(await analyzer.analyze(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'field-of-view.jpg')))));
    expect(framed.quality.notes.some((n) => /^cropped to the dermatoscope's round field \(\d+×\d+ of 364×273 pixels\)$/.test(n))).toBe(true);
    // The outline is drawn on the field, not on the frame.
    const outline = await sharp(pictureBytes(framed.pictures.find((p) => p.kind === 'outline')!)).metadata();
    expect(outline.width).toBeLessThan(200);
    // The frame adds JPEG noise and black corners only: the verdict stays the plain image's.
    expect(Math.abs(framed.melanomaProbability - nv.melanomaProbability)).toBeLessThan(0.1);
    expect(framed.suggestion.action).toBe(nv.suggestion.action);
    // The frame's black corners are not part of the lesion: the same colours, about the same size.
    expect(framed.features.segmentationReliable).toBe(true);
    expect(framed.features.colours).toEqual(nv.features.colours);
    expect(Math.abs(framed.features.diameterPx - nv.features.diameterPx) / nv.features.diameterPx).toBeLessThan(0.15);
  });
});

describe('analyzer refuses what it cannot assess, without throwing', () => {
  it('a 10x10 image is too small', async () => {
    const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: { r: 150, g: 100, b: 80 } } }).png().toBuffer();
    const r = await analyzer.analyze(new Uint8Array(tiny));
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.reason).toBe('too-small');
    expect(r.message).toMatch(/10×10/);
    expect(r.inputSha256).toBe(sha256Hex(tiny));
    expect(r.model.sha256).toBe(analyzer.runner.identity.sha256);
  });

  it('a corrupt (truncated) JPEG is unreadable', async () => {
    const r = await analyzer.analyze(MEL.subarray(0, 600));
    expect(r.status).toBe('rejected');
    if (r.status === 'rejected') expect(r.reason).toBe('unreadable');
  });

  it('text is unreadable', async () => {
    const r = await analyzer.analyze(new TextEncoder().encode('not an image at all'));
    expect(r).toMatchObject({ status: 'rejected', reason: 'unreadable' });
  });

  it('an image the content gate finds not dermoscopic is rejected with the gate\'s measurement', async () => {
    const check = { name: 'dermoscopy-likeness', value: 0.02, limit: 0.3, kind: 'min' as const, passed: false };
    const refusing = { check: async () => ({ check, topLabels: [{ label: 'tabby', p: 0.9 }] }), close: async () => {} } as unknown as ContentGate;
    const r = await createLesionAnalyzer(analyzer.runner, refusing).analyze(MEL);
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.reason).toBe('not-dermoscopic');
    expect(r.message).toMatch(/dermoscopic/);
    expect(r.quality?.passed).toBe(false);
    expect(r.quality?.reason).toBe('not-dermoscopic');
    expect(r.quality?.checks).toContainEqual(check);
  });

  it('a lesion under heavy hair is refused for the hair, with what to do about it', async () => {
    const r = await analyzer.analyze(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'hair-covered.jpg'))));
    expect(r.status).toBe('rejected');
    if (r.status !== 'rejected') return;
    expect(r.reason).toBe('hair-obscured');
    expect(r.message).toMatch(/^Hair covers too much of the image to read the lesion \(hair cover 0\.\d+, allowed at most 0\.05\): part or trim the hair/);
    expect(r.message).toMatch(/immersion fluid/);
    expect(r.quality?.reason).toBe('hair-obscured');
    expect(r.quality?.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['dermoscopy-likeness', 'hair-cover']));
  });

  it('bad options are the caller\'s error and name the field', async () => {
    await expect(analyzer.analyze(MEL, { pixelsPerMm: -3 })).rejects.toThrow(AppError);
    await expect(analyzer.analyze(MEL, { pixelsPerMm: 0 })).rejects.toThrow(/pixelsPerMm/);
    await expect(analyzer.analyze(MEL, { calibration: { ...base.calibration, referThreshold: 0.01, monitorThreshold: 0.5 } })).rejects.toThrow(/calibration.referThreshold/);
    await expect(analyzer.analyze(MEL, { calibration: { ...base.calibration, temperature: 0 } })).rejects.toThrow(/calibration.temperature/);
  });
});
