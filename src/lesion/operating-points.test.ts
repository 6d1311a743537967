import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../platform/errors.ts';
import { LESION_CLASSES } from './model-card.ts';
import { parseModelCard } from './model-card.ts';
import { wilson } from './metrics.ts';
import {
  MIN_CONFIRMED_CASES,
  MIN_CONFIRMED_MELANOMAS,
  assertEnoughCases,
  clinicStatistics,
  melanomaProbabilityAt,
  referenceStandard,
  validateOperatingPointRequest,
  type ClinicCase,
} from './operating-points.ts';

const card = parseModelCard(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../models/lesion/model-card.json'), 'utf8')));

/** Logits whose melanoma logit is `m`, the rest 0 except nv at 1. */
const logits = (m: number) => [m, 1, 0, 0, 0, 0, 0];

function histo(i: number, melanoma: boolean, m: number): ClinicCase {
  return {
    examId: `e${i}`,
    model: { logits: logits(m) },
    histopathology: { diagnosis: melanoma ? 'mel' : 'nv', malignant: melanoma },
    decision: null,
    followedUpDaysWithoutChange: null,
  };
}

/** A clinic where the model overestimates melanoma: melanomas at logit 2..4, nevi at 0..2.5. */
function clinic(nMel: number, nBenign: number): ClinicCase[] {
  const cases: ClinicCase[] = [];
  for (let i = 0; i < nMel; i++) cases.push(histo(i, true, 2 + (2 * i) / nMel));
  for (let i = 0; i < nBenign; i++) cases.push(histo(1000 + i, false, (2.5 * i) / nBenign));
  return cases;
}

describe('the reference standard', () => {
  const base = { examId: 'x', model: { logits: logits(0) }, histopathology: null, decision: null, followedUpDaysWithoutChange: null } satisfies ClinicCase;
  it('histopathology always counts', () => {
    expect(referenceStandard({ ...base, histopathology: { diagnosis: 'mel', malignant: true } })).toEqual({ melanoma: true, by: 'histopathology' });
    expect(referenceStandard({ ...base, histopathology: { diagnosis: 'bkl', malignant: false } })).toEqual({ melanoma: false, by: 'histopathology' });
  });
  it('a clinically benign lesion counts as a negative only after 3 months of follow-up', () => {
    const benign = { ...base, decision: { diagnosis: 'nv' as const, action: 'monitor' as const } };
    expect(referenceStandard({ ...benign, followedUpDaysWithoutChange: 95 })).toEqual({ melanoma: false, by: 'follow-up' });
    expect(referenceStandard({ ...benign, followedUpDaysWithoutChange: 30 })).toEqual({ excluded: 'benign-not-followed-up' });
  });
  it('a clinical melanoma or a referral without histopathology never counts', () => {
    expect(referenceStandard({ ...base, decision: { diagnosis: 'mel', action: 'refer' }, followedUpDaysWithoutChange: 400 })).toEqual({
      excluded: 'clinical-melanoma-without-histopathology',
    });
    expect(referenceStandard({ ...base, decision: { diagnosis: 'nv', action: 'refer' } })).toEqual({ excluded: 'referred-without-histopathology' });
    expect(referenceStandard(base)).toEqual({ excluded: 'no-outcome' });
  });
});

describe('model output under another temperature', () => {
  it('probabilities given under T0 give the same P(mel) as the logits they came from', () => {
    const z = [1.2, 0.3, -2, -1, 0.5, -3, -4];
    const t0 = 1.46;
    const e = z.map((v) => Math.exp(v / t0));
    const s = e.reduce((a, b) => a + b, 0);
    const probabilities = Object.fromEntries(LESION_CLASSES.map((c, i) => [c, e[i]! / s])) as Record<(typeof LESION_CLASSES)[number], number>;
    for (const t of [0.7, 1, 2.5]) {
      expect(melanomaProbabilityAt({ probabilities, temperature: t0 }, t)).toBeCloseTo(melanomaProbabilityAt({ logits: z }, t), 10);
    }
  });
});

describe('clinic statistics', () => {
  it('the minimum is justified by the Wilson half-width at 30 vs 10 melanomas', () => {
    const half = (k: number, n: number) => (wilson(k, n)![1] - wilson(k, n)![0]) / 2;
    expect(half(9, 10)).toBeGreaterThan(0.19);
    expect(half(27, MIN_CONFIRMED_MELANOMAS)).toBeLessThan(0.12);
    expect(MIN_CONFIRMED_CASES).toBe(100);
  });

  it('below the minimum: numbers at the card points, no proposal, and a change is refused naming what is missing', () => {
    const stats = clinicStatistics(clinic(12, 60), card);
    expect(stats.counts).toMatchObject({ confirmed: 72, melanomas: 12, nonMelanomas: 60, byHistopathology: 72 });
    expect(stats.minimum).toMatchObject({ cases: 100, melanomas: 30, met: false, missingCases: 28, missingMelanomas: 18 });
    expect(stats.proposal).toBeNull();
    const [refer, monitor] = stats.atCard;
    expect(refer!.action).toBe('refer');
    expect(refer!.threshold).toBe(card.operating_points[0]!.melanoma_threshold);
    expect(refer!.card?.sensitivity).toBe(card.operating_points[0]!.test_split.sensitivity);
    expect(refer!.sensitivity.n).toBe(12);
    expect(refer!.specificity.n).toBe(60);
    expect(monitor!.action).toBe('monitor');
    try {
      assertEnoughCases(stats);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('CONFLICT');
      expect((e as Error).message).toMatch(/at least 100 confirmed cases including 30 melanomas; it has 72 including 12/);
    }
  });

  it('a shifted clinic: the card points lose specificity; the proposal restores it at the target sensitivity', () => {
    const stats = clinicStatistics(clinic(40, 160), card);
    expect(stats.minimum.met).toBe(true);
    expect(() => assertEnoughCases(stats)).not.toThrow();
    // The card's low thresholds flag nearly every benign lesion on this clinic.
    const cardSpec = stats.atCard[0]!.specificity.value!;
    expect(cardSpec).toBeLessThan(0.2);
    expect(stats.atCard[0]!.specificity.ci95![1]).toBeGreaterThan(cardSpec);
    const p = stats.proposal!;
    expect(p.referThreshold).toBeGreaterThan(card.operating_points[0]!.melanoma_threshold);
    expect(p.referThreshold).toBeGreaterThanOrEqual(p.monitorThreshold);
    expect(p.points[0]!.sensitivity.value!).toBeGreaterThanOrEqual(0.9);
    expect(p.points[1]!.sensitivity.value!).toBeGreaterThanOrEqual(0.95);
    expect(p.points[0]!.specificity.value!).toBeGreaterThan(cardSpec + 0.3);
    expect(p.temperature).toBeGreaterThan(0);
    expect(p.note).toMatch(/200 confirmed cases/);
  });

  it('shows the calibration in force beside the card when the clinic has its own', () => {
    const stats = clinicStatistics(clinic(40, 160), card, { source: 'clinic v1', temperature: 1.5, referThreshold: 0.5, monitorThreshold: 0.4 });
    expect(stats.atInForce![0]!.threshold).toBe(0.5);
    expect(stats.atInForce![0]!.specificity.value).not.toBe(stats.atCard[0]!.specificity.value);
    expect(clinicStatistics(clinic(5, 5), card, null).atInForce).toBeNull();
    const cardCal = { source: 'model-card', temperature: card.calibration.temperature, referThreshold: card.operating_points[0]!.melanoma_threshold, monitorThreshold: card.operating_points[1]!.melanoma_threshold };
    expect(clinicStatistics(clinic(5, 5), card, cardCal).atInForce).toBeNull();
  });
});

describe("validating an admin's change", () => {
  const ok = { referThreshold: 0.3, monitorThreshold: 0.2, temperature: 1.8, reason: 'Recalibrated on 240 confirmed cases' };
  const fieldOf = (body: unknown): string | undefined => {
    try {
      validateOperatingPointRequest(body);
      return undefined;
    } catch (e) {
      return isAppError(e) ? e.field : 'not an AppError';
    }
  };
  it('accepts a sound change and a revert', () => {
    expect(validateOperatingPointRequest({ ...ok, reason: '  trimmed  ' })).toEqual({ ...ok, reason: 'trimmed' });
    expect(validateOperatingPointRequest({ revertToModelCard: true, reason: 'back' })).toEqual({ revertToModelCard: true, reason: 'back' });
  });
  it('names the bad field', () => {
    expect(fieldOf({ ...ok, referThreshold: 1 })).toBe('referThreshold');
    expect(fieldOf({ ...ok, monitorThreshold: 0 })).toBe('monitorThreshold');
    expect(fieldOf({ ...ok, monitorThreshold: '0.2' })).toBe('monitorThreshold');
    expect(fieldOf({ ...ok, referThreshold: 0.1 })).toBe('referThreshold');
    expect(fieldOf({ ...ok, temperature: 0 })).toBe('temperature');
    expect(fieldOf({ ...ok, temperature: 250 })).toBe('temperature');
    expect(fieldOf({ ...ok, reason: '   ' })).toBe('reason');
    expect(fieldOf({ revertToModelCard: true, referThreshold: 0.3, reason: 'x' })).toBe('referThreshold');
    expect(fieldOf([])).toBe('(body)');
  });
});
