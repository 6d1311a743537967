import { describe, expect, it } from 'vitest';
import { calibrate, suggest, suggestAt } from './calibration.ts';

const ops = (refer: number, monitor: number) => ({
  operating_points: [
    { action: 'refer' as const, melanoma_threshold: refer, chosen_for: 'x', calibration_split: op(0.9, 0.6), test_split: op(0.88, 0.62) },
    { action: 'monitor' as const, melanoma_threshold: monitor, chosen_for: 'x', calibration_split: op(0.95, 0.4), test_split: op(0.94, 0.41) },
  ],
});
function op(sensitivity: number, specificity: number) {
  return { sensitivity, specificity, sensitivity_ci95: null, specificity_ci95: null };
}

describe('calibrate', () => {
  it('is softmax(logits / T): probabilities sum to 1 and follow the hand computation', () => {
    const r = calibrate([2, 1, 0, 0, 0, 0, 0], 2);
    const e = [Math.exp(1), Math.exp(0.5), 1, 1, 1, 1, 1];
    const z = e.reduce((a, b) => a + b, 0);
    expect(r.probabilities.mel).toBeCloseTo(e[0]! / z, 12);
    expect(r.probabilities.nv).toBeCloseTo(e[1]! / z, 12);
    expect(Object.values(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(r.melanomaProbability).toBe(r.probabilities.mel);
    expect(r.malignantProbability).toBeCloseTo(r.probabilities.mel + r.probabilities.bcc + r.probabilities.akiec, 12);
  });

  it('a temperature above 1 softens, below 1 sharpens', () => {
    const logits = [3, 0, 0, 0, 0, 0, 0];
    expect(calibrate(logits, 2).melanomaProbability).toBeLessThan(calibrate(logits, 1).melanomaProbability);
    expect(calibrate(logits, 0.5).melanomaProbability).toBeGreaterThan(calibrate(logits, 1).melanomaProbability);
  });

  it('stays finite for huge logits', () => {
    const r = calibrate([1000, -1000, 0, 0, 0, 0, 0], 1);
    expect(r.melanomaProbability).toBe(1);
  });

  it('refuses the wrong number of logits and a non-positive temperature', () => {
    expect(() => calibrate([1, 2, 3], 1)).toThrow(/7 logits/);
    expect(() => calibrate([0, 0, 0, 0, 0, 0, 0], 0)).toThrow(/temperature/);
  });
});

describe('suggest', () => {
  const card = ops(0.3, 0.1);

  it('refers at and above the refer threshold, with the validated sensitivity', () => {
    const s = suggest(0.3, card);
    expect(s.action).toBe('refer');
    expect(s.operatingPoint).toEqual({ action: 'refer', melanomaThreshold: 0.3, sensitivity: 0.88, specificity: 0.62 });
    expect(s.text).toMatch(/^Suggestion: consider referral/);
    expect(s.text).toContain('not a diagnosis');
    expect(s.text).toContain('30%');
  });

  it('suggests follow-up between the thresholds and benign-appearing below', () => {
    expect(suggest(0.2999, card).action).toBe('monitor');
    expect(suggest(0.1, card).action).toBe('monitor');
    const low = suggest(0.0999, card);
    expect(low.action).toBe('benign-appearing');
    expect(low.operatingPoint).toBeNull();
    expect(low.text).toContain('judgement decides');
  });

  it('never words an output as a diagnosis', () => {
    for (const p of [0.01, 0.2, 0.9]) {
      expect(suggest(p, card).text).toMatch(/^Suggestion: /);
      expect(suggest(p, card).text).not.toMatch(/\byou have\b|\bis (a )?melanoma\b/i);
    }
  });
});

describe('suggestAt (the calibration in force, e.g. a clinic recalibration)', () => {
  it('uses the given thresholds and says they are the clinic\'s', () => {
    const clinic = { referThreshold: 0.5, monitorThreshold: 0.2, source: 'clinic v2' };
    expect(suggestAt(0.3, clinic).action).toBe('monitor');
    expect(suggestAt(0.5, clinic).action).toBe('refer');
    expect(suggestAt(0.19, clinic).action).toBe('benign-appearing');
    expect(suggestAt(0.3, clinic).text).toContain("the clinic's 'monitor' operating point (clinic v2)");
    expect(suggestAt(0.3, clinic).operatingPoint).toEqual({ action: 'monitor', melanomaThreshold: 0.2, sensitivity: null, specificity: null });
  });

  it('words the model card\'s thresholds as before', () => {
    const card = ops(0.3, 0.1);
    expect(suggestAt(0.35, { referThreshold: 0.3, monitorThreshold: 0.1 }).text).toBe(suggest(0.35, card).text);
  });
});
