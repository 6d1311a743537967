import { describe, expect, it } from 'vitest';
import { calibrate } from './calibration.ts';
import { actionAt, aggregateViews, dihedralViews, TTA_VIEWS } from './tta.ts';
import type { CalibrationInForce } from './types.ts';

const CAL: CalibrationInForce = { source: 'model-card', temperature: 1, referThreshold: 0.3, monitorThreshold: 0.1 };

/** A 3 x s x s tensor whose value encodes channel, row and column, so every view is tellable. */
function coded(s: number): Float32Array {
  const t = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++) for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) t[c * s * s + y * s + x] = c * 1000 + y * 10 + x;
  return t;
}
const at = (batch: Float32Array, s: number, view: number, c: number, y: number, x: number) => batch[view * 3 * s * s + c * s * s + y * s + x];

/** Logits whose calibrated P(mel) (T = 1) is p, with the rest on nv. */
function logitsFor(p: number): number[] {
  return [Math.log(p), Math.log(1 - p), -50, -50, -50, -50, -50];
}

describe('dihedralViews', () => {
  const s = 4;
  const views = dihedralViews(coded(s), s);

  it('returns 8 views, the first unchanged, all different from each other', () => {
    expect(views.length).toBe(TTA_VIEWS * 3 * s * s);
    expect(Array.from(views.subarray(0, 3 * s * s))).toEqual(Array.from(coded(s)));
    const keys = new Set(Array.from({ length: TTA_VIEWS }, (_, v) => Array.from(views.subarray(v * 3 * s * s, (v + 1) * 3 * s * s)).join(',')));
    expect(keys.size).toBe(8);
  });

  it('turns clockwise, flips horizontally, and moves all three channels together', () => {
    // The top-left source pixel (value 0 in channel 0) lands top-right after a quarter turn,
    // bottom-right after a half turn, bottom-left after three quarters.
    expect(at(views, s, 1, 0, 0, s - 1)).toBe(0);
    expect(at(views, s, 2, 0, s - 1, s - 1)).toBe(0);
    expect(at(views, s, 3, 0, s - 1, 0)).toBe(0);
    // View 4 is the mirror image: row 1, column 0 holds source row 1, column 3.
    expect(at(views, s, 4, 0, 1, 0)).toBe(13);
    expect(at(views, s, 4, 2, 1, 0)).toBe(2013);
    expect(at(views, s, 1, 1, 0, s - 1)).toBe(1000);
  });

  it('refuses a tensor of the wrong length', () => {
    expect(() => dihedralViews(new Float32Array(10), 4)).toThrow(/3x4x4/);
  });
});

describe('aggregateViews', () => {
  it('averages calibrated probabilities (not logits) and sums to 1', () => {
    const logits = [logitsFor(0.2), logitsFor(0.6)];
    const r = aggregateViews(logits, CAL);
    expect(r.melanomaProbability).toBeCloseTo(0.4, 6);
    expect(Object.values(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(r.malignantProbability).toBeCloseTo(r.probabilities.mel + r.probabilities.bcc + r.probabilities.akiec, 12);
    expect(r.uncertainty.melanomaSd).toBeCloseTo(0.2, 6);
    expect(r.uncertainty.melanomaRange[0]).toBeCloseTo(0.2, 6);
    expect(r.uncertainty.melanomaRange[1]).toBeCloseTo(0.6, 6);
    expect(r.uncertainty.views).toBe(2);
  });

  it('uses the temperature of the calibration in force', () => {
    const l = [2, 0, 0, 0, 0, 0, 0];
    const hot = aggregateViews([l], { ...CAL, temperature: 3 });
    expect(hot.melanomaProbability).toBeCloseTo(calibrate(l, 3).melanomaProbability, 12);
    expect(hot.melanomaProbability).toBeLessThan(aggregateViews([l], CAL).melanomaProbability);
  });

  it('agreeing views are low uncertainty; entropy is the mean over views in nats', () => {
    const r = aggregateViews(Array.from({ length: 8 }, () => logitsFor(0.5)), CAL);
    expect(r.uncertainty.melanomaSd).toBeCloseTo(0, 9);
    expect(r.uncertainty.level).toBe('low');
    expect(r.uncertainty.crossesOperatingPoint).toBe(false);
    expect(r.uncertainty.entropy).toBeCloseTo(Math.log(2), 6);
    const uniform = aggregateViews([[0, 0, 0, 0, 0, 0, 0]], CAL);
    expect(uniform.uncertainty.entropy).toBeCloseTo(Math.log(7), 9);
  });

  it('views that straddle one operating point are at least moderate; both points, high', () => {
    const one = aggregateViews([logitsFor(0.29), logitsFor(0.31), logitsFor(0.3), logitsFor(0.305)], CAL);
    expect(one.uncertainty.crossesOperatingPoint).toBe(true);
    expect(one.uncertainty.melanomaSd).toBeLessThan(0.03);
    expect(one.uncertainty.level).toBe('moderate');
    const both = aggregateViews([logitsFor(0.05), logitsFor(0.12), logitsFor(0.31)], CAL);
    expect(both.uncertainty.level).toBe('high');
  });

  it('a wide spread is high even without crossing an operating point', () => {
    const r = aggregateViews([logitsFor(0.4), logitsFor(0.9)], CAL);
    expect(r.uncertainty.crossesOperatingPoint).toBe(false);
    expect(r.uncertainty.level).toBe('high');
  });

  it('refuses zero views', () => {
    expect(() => aggregateViews([], CAL)).toThrow(/at least one/);
  });
});

describe('actionAt', () => {
  it('follows the thresholds, inclusive', () => {
    expect(actionAt(0.3, CAL)).toBe('refer');
    expect(actionAt(0.1, CAL)).toBe('monitor');
    expect(actionAt(0.0999, CAL)).toBe('benign-appearing');
  });
});
