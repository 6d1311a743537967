import { describe, expect, it } from 'vitest';
import { createRng } from '../platform/seed/prng.ts';
import {
  atThreshold,
  aucWithCi,
  balancedAccuracy,
  expectedCalibrationError,
  fitMelanomaTemperature,
  fitTemperature,
  metricSet,
  percentile,
  rocAuc,
  thresholdForSensitivity,
  wilson,
} from './metrics.ts';

describe('rocAuc (Mann-Whitney)', () => {
  it('counts the share of positive-negative pairs ranked right', () => {
    // Pairs: (0.35 vs 0.1) right, (0.35 vs 0.4) wrong, (0.8 vs both) right: 3 of 4.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
  });
  it('counts ties as one half', () => {
    expect(rocAuc([0.5, 0.5], [true, false])).toBe(0.5);
    // pos 0.5 vs neg 0.5 (tie 0.5) and vs neg 0.2 (1): 1.5 / 2.
    expect(rocAuc([0.5, 0.5, 0.2], [true, false, false])).toBeCloseTo(0.75, 12);
  });
  it('is null when a class is missing, and refuses mismatched lengths', () => {
    expect(rocAuc([0.1, 0.2], [true, true])).toBeNull();
    expect(() => rocAuc([0.1], [true, false])).toThrow(/length/);
  });
});

describe('wilson', () => {
  it('matches the published 9/10 interval', () => {
    const [lo, hi] = wilson(9, 10)!;
    expect(lo).toBeCloseTo(0.5958, 4);
    expect(hi).toBeCloseTo(0.9821, 4);
  });
  it('is not degenerate at 0 successes and is null on no trials', () => {
    const [lo, hi] = wilson(0, 10)!;
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.2775, 4);
    expect(wilson(0, 0)).toBeNull();
    expect(() => wilson(3, 2)).toThrow(/k <= n/);
  });
});

describe('sensitivity and specificity at a threshold', () => {
  it('flags score >= threshold', () => {
    const m = atThreshold([0.9, 0.5, 0.2, 0.5, 0.1], [true, true, true, false, false], 0.5);
    expect([m.tp, m.fn, m.tn, m.fp]).toEqual([2, 1, 1, 1]);
    expect(m.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(m.specificity).toBe(0.5);
    expect(m.sensitivity_ci95).toEqual(wilson(2, 3));
  });
  it('the highest threshold reaching a target sensitivity (the trainer rule)', () => {
    const scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const pos = scores.map((_, i) => i < 10);
    // 10 positives, 90 %: the 9th highest positive, 0.2; 95 %: ceil(9.5) = the 10th, 0.1.
    expect(thresholdForSensitivity(scores, pos, 0.9)).toBe(0.2);
    expect(thresholdForSensitivity(scores, pos, 0.95)).toBe(0.1);
    expect(atThreshold(scores, pos, 0.2).sensitivity).toBe(0.9);
    expect(thresholdForSensitivity([0.3], [false], 0.9)).toBeNull();
  });
});

describe('balanced accuracy and ECE', () => {
  it('averages recall over the classes present', () => {
    const p = [
      [0.9, 0.1],
      [0.2, 0.8],
      [0.3, 0.7],
      [0.4, 0.6],
      [0.6, 0.4],
    ];
    expect(balancedAccuracy(p, [0, 0, 1, 1, 1])).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
    expect(balancedAccuracy([], [])).toBeNull();
  });
  it('ECE is the weighted gap between confidence and accuracy per bin', () => {
    // Two at confidence 0.9 (one right), two at 0.6 (both right): 0.5 * 0.4 + 0.5 * 0.4.
    const p = [
      [0.9, 0.1],
      [0.9, 0.1],
      [0.6, 0.4],
      [0.4, 0.6],
    ];
    const { ece, bins } = expectedCalibrationError(p, [0, 1, 0, 1]);
    expect(ece).toBeCloseTo(0.4, 12);
    expect(bins).toHaveLength(2);
    expect(bins[1]).toMatchObject({ n: 2, accuracy: 0.5 });
    expect(bins[1]!.confidence).toBeCloseTo(0.9, 12);
  });
});

describe('temperature fits', () => {
  it('multi-class NLL: three [2, 0] rows, two of class 0, give p = 2/3, T = 2 / ln 2', () => {
    const t = fitTemperature(
      [
        [2, 0],
        [2, 0],
        [2, 0],
      ],
      [0, 0, 1],
    );
    expect(t).toBeCloseTo(2 / Math.log(2), 4);
  });
  it('melanoma-vs-rest NLL: 1 melanoma in 4 at logits [3,0,...] gives p = 1/4, T = 3 / ln 2', () => {
    const row = [3, 0, 0, 0, 0, 0, 0];
    const t = fitMelanomaTemperature([row, row, row, row], [true, false, false, false]);
    expect(t).toBeCloseTo(3 / Math.log(2), 4);
  });
  it('refuses empty input', () => {
    expect(() => fitTemperature([], [])).toThrow(/at least one/);
  });
});

describe('bootstrap CI and the metric set', () => {
  const scores = [0.9, 0.8, 0.75, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1, 0.7, 0.35];
  const pos = [true, true, true, true, true, false, false, false, false, false, false, true];
  const groups = scores.map((_, i) => `L${i}`);
  it('is reproducible from the seed and brackets the AUC', () => {
    const a = aucWithCi(scores, pos, groups, createRng(7), 500)!;
    const b = aucWithCi(scores, pos, groups, createRng(7), 500)!;
    expect(a).toEqual(b);
    expect(a.value).toBeCloseTo(rocAuc(scores, pos)!, 12);
    expect(a.ci95[0]).toBeLessThanOrEqual(a.value);
    expect(a.ci95[1]).toBeGreaterThanOrEqual(a.value);
    expect(a.ci95[1] - a.ci95[0]).toBeGreaterThan(0.05);
    expect(a.bootstrap).toBe('500 lesion-level resamples');
  });
  it('resamples lesions, not images: one lesion with all images gives a zero-width CI', () => {
    const sep = aucWithCi(scores, pos, scores.map(() => 'one lesion'), createRng(1), 200)!;
    expect(sep.ci95).toEqual([sep.value, sep.value]);
  });
  it('is null below 5 positives or negatives', () => {
    expect(aucWithCi([0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5], [true, true, false, false, false, false, false], groups, createRng(1))).toBeNull();
  });
  it('percentile interpolates like numpy', () => {
    expect(percentile([1, 2, 3, 4], 2.5)).toBeCloseTo(1.075, 12);
    expect(percentile([1, 2, 3, 4], 97.5)).toBeCloseTo(3.925, 12);
  });
  it('metricSet counts images, lesions and melanomas and scores the operating points', () => {
    const images = scores.map((s, i) => ({
      probabilities: [s, (1 - s) / 2, pos[i] ? 0 : 0.1, 0, (1 - s) / 2 - (pos[i] ? 0 : 0.1), 0, 0],
      label: pos[i] ? ('mel' as const) : ('nv' as const),
      group: `L${Math.floor(i / 2)}`,
    }));
    const m = metricSet(images, { refer: 0.5, monitor: 0.3 }, createRng(3), 100);
    expect(m.n_images).toBe(12);
    expect(m.n_lesions).toBe(6);
    expect(m.n_melanoma).toBe(6);
    expect(m.melanoma_auc!.value).toBeCloseTo(rocAuc(scores, pos)!, 12);
    expect(m.operating_points.refer.sensitivity).toBeCloseTo(5 / 6, 12);
    expect(m.operating_points.monitor.sensitivity).toBe(1);
  });
});
