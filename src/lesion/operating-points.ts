/**
 * A clinic's own operating points. The model was tuned on HAM10000; elsewhere it
 * overestimates melanoma and its 95 %-sensitivity threshold can cost most of the
 * specificity (issue 4). So each clinic sees the model's sensitivity and specificity on ITS
 * confirmed cases, beside the card's, and may adopt a recalibrated temperature and
 * thresholds once it has enough cases. Pure.
 *
 * What counts as a confirmed case (the reference standard):
 * - histopathology, melanoma or not: always (it is the reference standard for melanoma);
 * - without histopathology, a lesion the clinician signed as not melanoma and not 'refer'
 *   counts as a NEGATIVE only when it was followed up for at least 3 months without
 *   change (short-term sequential digital dermoscopy is 3 months: Menzies et al., Arch
 *   Dermatol 2001;137:1583; Kittler et al., Arch Dermatol 2006;142:1113). This is the usual
 *   "verified by follow-up" standard for benign lesions in dermoscopy studies
 *   (e.g. HAM10000's dx_type follow_up, Tschandl et al., Sci Data 2018);
 * - a clinical diagnosis of melanoma without histopathology never counts: a melanoma is
 *   only confirmed by histopathology;
 * - everything else (no outcome yet, not followed up) is left out and counted as such.
 */
import { AppError, invalidField } from '../platform/errors.ts';
import { LESION_CLASSES, type LesionAction, type LesionClass, type ModelCard } from './model-card.ts';
import { fitMelanomaTemperature, pointStats, softmaxScaled, thresholdForSensitivity, type PointStats } from './metrics.ts';
import type { CalibrationInForce } from './types.ts';

/** Follow-up that confirms a clinically benign lesion: 3 months (Menzies 2001, see above). */
export const FOLLOW_UP_MIN_DAYS = 90;

/**
 * The minimum before a clinic's own points may apply: 100 confirmed cases including 30
 * melanomas. Why: the Wilson 95 % interval of a sensitivity of 90 % is 60-98 % at 10
 * melanomas (9/10) but 74-97 % at 30 (27/30), about +-0.11, the least that still tells a
 * 90 % point from a 75 % one; and 100 cases leave at least 70 negatives, so the specificity
 * interval is about +-0.1 too (Wilson, metrics.ts; a test holds these numbers).
 */
export const MIN_CONFIRMED_CASES = 100;
export const MIN_CONFIRMED_MELANOMAS = 30;

/** The targets the card's points were chosen for (training/train_lesion.py: refer 0.90, monitor 0.95). */
export const TARGET_SENSITIVITY = { refer: 0.9, monitor: 0.95 } as const;

/**
 * What the model said about one case. Either the raw logits, or the 7 calibrated
 * probabilities with the temperature they were given under: log(p) * T equals the logits up
 * to a constant per row, which softmax ignores, so any other temperature can be applied.
 * (With test-time augmentation the mean of probabilities is not one softmax; log of the mean
 * is then a close stand-in.)
 */
export type ModelOutput = { logits: readonly number[] } | { probabilities: Readonly<Record<LesionClass, number>>; temperature: number };

/** One exam of the clinic with whatever outcome is known. */
export interface ClinicCase {
  examId: string;
  model: ModelOutput;
  /** Histopathology, when a result was attached. */
  histopathology: { diagnosis: LesionClass | 'other'; malignant: boolean } | null;
  /** The clinician's signed decision, when signed. */
  decision: { diagnosis: LesionClass | 'other'; action: LesionAction } | null;
  /** Days from this exam to the latest later exam of the same lesion without evolution flags; null if none. */
  followedUpDaysWithoutChange: number | null;
}

export type Truth = { melanoma: boolean; by: 'histopathology' | 'follow-up' };
export type Exclusion = 'no-outcome' | 'clinical-melanoma-without-histopathology' | 'benign-not-followed-up' | 'referred-without-histopathology';

/** The reference standard for one case, or why it is left out (see the file comment). */
export function referenceStandard(c: Pick<ClinicCase, 'histopathology' | 'decision' | 'followedUpDaysWithoutChange'>): Truth | { excluded: Exclusion } {
  if (c.histopathology) return { melanoma: c.histopathology.diagnosis === 'mel', by: 'histopathology' };
  if (!c.decision) return { excluded: 'no-outcome' };
  if (c.decision.diagnosis === 'mel') return { excluded: 'clinical-melanoma-without-histopathology' };
  if (c.decision.action === 'refer') return { excluded: 'referred-without-histopathology' };
  if ((c.followedUpDaysWithoutChange ?? 0) >= FOLLOW_UP_MIN_DAYS) return { melanoma: false, by: 'follow-up' };
  return { excluded: 'benign-not-followed-up' };
}

/** Logits (or a stand-in equal up to a per-row constant) for one case. */
export function pseudoLogits(m: ModelOutput): number[] {
  if ('logits' in m) {
    if (m.logits.length !== LESION_CLASSES.length) throw invalidField('logits', `expected ${LESION_CLASSES.length} values, got ${m.logits.length}`);
    return [...m.logits];
  }
  // Floor at 1e-12 so a probability rounded to 0 stays finite.
  return LESION_CLASSES.map((k) => Math.log(Math.max(1e-12, m.probabilities[k])) * m.temperature);
}

/** P(mel) under a temperature. */
export function melanomaProbabilityAt(m: ModelOutput, temperature: number): number {
  return softmaxScaled(pseudoLogits(m), 1 / temperature)[LESION_CLASSES.indexOf('mel')]!;
}

/** A set of points to evaluate. */
export interface Calibration {
  source: string;
  temperature: number;
  referThreshold: number;
  monitorThreshold: number;
}

/** The card's own calibration. */
export function cardCalibrationOf(card: Pick<ModelCard, 'calibration' | 'operating_points'>): Calibration {
  const t = (a: 'refer' | 'monitor') => card.operating_points.find((o) => o.action === a)!.melanoma_threshold;
  return { source: 'model-card', temperature: card.calibration.temperature, referThreshold: t('refer'), monitorThreshold: t('monitor') };
}

/** Counts of the clinic's cases. */
export interface CaseCounts {
  /** Exams with an AI result. */
  total: number;
  confirmed: number;
  melanomas: number;
  nonMelanomas: number;
  byHistopathology: number;
  byFollowUp: number;
  excluded: Record<Exclusion, number>;
}

/** Whether the minimum for the clinic's own points is reached, and what is missing. */
export interface Minimum {
  cases: number;
  melanomas: number;
  met: boolean;
  missingCases: number;
  missingMelanomas: number;
  message: string;
}

/** A recalibration suggested from the clinic's cases. */
export interface Proposal {
  referThreshold: number;
  monitorThreshold: number;
  temperature: number;
  /** The clinic's numbers at the proposed points (in-sample: optimistic, said in `note`). */
  points: PointStats[];
  note: string;
}

/** The clinic block, minimum and proposal of views.ts OperatingPointsView. */
export interface ClinicStatistics {
  counts: CaseCounts;
  /** At the card's points; at the calibration in force when it differs from the card's (else null). */
  atCard: PointStats[];
  atInForce: PointStats[] | null;
  minimum: Minimum;
  proposal: Proposal | null;
}

function confirmed(cases: readonly ClinicCase[]): { cases: ClinicCase[]; truth: Truth[]; counts: CaseCounts } {
  const counts: CaseCounts = {
    total: cases.length,
    confirmed: 0,
    melanomas: 0,
    nonMelanomas: 0,
    byHistopathology: 0,
    byFollowUp: 0,
    excluded: { 'no-outcome': 0, 'clinical-melanoma-without-histopathology': 0, 'benign-not-followed-up': 0, 'referred-without-histopathology': 0 },
  };
  const kept: ClinicCase[] = [];
  const truth: Truth[] = [];
  for (const c of cases) {
    const t = referenceStandard(c);
    if ('excluded' in t) {
      counts.excluded[t.excluded]++;
      continue;
    }
    kept.push(c);
    truth.push(t);
    counts.confirmed++;
    if (t.melanoma) counts.melanomas++;
    else counts.nonMelanomas++;
    if (t.by === 'histopathology') counts.byHistopathology++;
    else counts.byFollowUp++;
  }
  return { cases: kept, truth, counts };
}

/** The card's validated (test split) numbers at its own point. */
export function cardPoint(card: Pick<ModelCard, 'operating_points'>, action: 'refer' | 'monitor'): PointStats['card'] {
  const o = card.operating_points.find((x) => x.action === action);
  return o ? { sensitivity: o.test_split.sensitivity, specificity: o.test_split.specificity } : null;
}

function evaluate(cases: readonly ClinicCase[], truth: readonly Truth[], cal: Calibration, card: ModelCard): PointStats[] {
  const p = cases.map((c) => melanomaProbabilityAt(c.model, cal.temperature));
  const y = truth.map((t) => t.melanoma);
  return [
    pointStats('refer', p, y, cal.referThreshold, cardPoint(card, 'refer')),
    pointStats('monitor', p, y, cal.monitorThreshold, cardPoint(card, 'monitor')),
  ];
}

/**
 * The clinic's statistics: counts, the card's points and the calibration in force on the
 * confirmed cases, and a proposal: a temperature refitted on the melanoma-vs-rest likelihood
 * and the highest thresholds reaching the card's target sensitivities (the trainer's rule),
 * offered only once the minimum is reached.
 */
export function clinicStatistics(cases: readonly ClinicCase[], card: ModelCard, inForce: CalibrationInForce | null = null): ClinicStatistics {
  const { cases: kept, truth, counts } = confirmed(cases);
  const cardCal = cardCalibrationOf(card);
  const differs =
    inForce !== null &&
    (inForce.temperature !== cardCal.temperature || inForce.referThreshold !== cardCal.referThreshold || inForce.monitorThreshold !== cardCal.monitorThreshold);
  const met = counts.confirmed >= MIN_CONFIRMED_CASES && counts.melanomas >= MIN_CONFIRMED_MELANOMAS;
  const missingCases = Math.max(0, MIN_CONFIRMED_CASES - counts.confirmed);
  const missingMelanomas = Math.max(0, MIN_CONFIRMED_MELANOMAS - counts.melanomas);
  let proposal: Proposal | null = null;
  if (met && counts.nonMelanomas > 0) {
    const logits = kept.map((c) => pseudoLogits(c.model));
    const y = truth.map((t) => t.melanoma);
    const temperature = fitMelanomaTemperature(logits, y);
    const mel = LESION_CLASSES.indexOf('mel');
    const p = logits.map((l) => softmaxScaled(l, 1 / temperature)[mel]!);
    const refer = thresholdForSensitivity(p, y, TARGET_SENSITIVITY.refer)!;
    const monitor = Math.min(refer, thresholdForSensitivity(p, y, TARGET_SENSITIVITY.monitor)!);
    proposal = {
      referThreshold: refer,
      monitorThreshold: monitor,
      temperature,
      points: evaluate(kept, truth, { source: 'proposal', temperature, referThreshold: refer, monitorThreshold: monitor }, card),
      note:
        `Fitted on the same ${counts.confirmed} confirmed cases it is measured on, so the sensitivity shown is the target by construction; ` +
        'expect the intervals, not the point values, on future cases.',
    };
  }
  return {
    counts,
    atCard: evaluate(kept, truth, cardCal, card),
    atInForce: differs && inForce ? evaluate(kept, truth, inForce, card) : null,
    minimum: {
      cases: MIN_CONFIRMED_CASES,
      melanomas: MIN_CONFIRMED_MELANOMAS,
      met,
      missingCases,
      missingMelanomas,
      message: met
        ? `Enough confirmed cases (${counts.confirmed}, ${counts.melanomas} melanomas) for the clinic's own operating points.`
        : `The clinic's own operating points need at least ${MIN_CONFIRMED_CASES} confirmed cases including ${MIN_CONFIRMED_MELANOMAS} melanomas; ` +
          `it has ${counts.confirmed} including ${counts.melanomas}.`,
    },
    proposal,
  };
}

/** An admin's requested change, as received. */
export type OperatingPointRequest =
  | { referThreshold: number; monitorThreshold: number; temperature?: number; reason: string }
  | { revertToModelCard: true; reason: string };

/**
 * Validate an admin's requested change; throws VALIDATION_FAILED naming the field.
 * Returns the normalised request (reason trimmed).
 */
export function validateOperatingPointRequest(body: unknown): OperatingPointRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('(body)', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.reason !== 'string' || b.reason.trim().length === 0) throw invalidField('reason', 'say why the operating points change (non-empty text)');
  const reason = b.reason.trim();
  if (reason.length > 2000) throw invalidField('reason', 'at most 2000 characters');
  if ('revertToModelCard' in b) {
    if (b.revertToModelCard !== true) throw invalidField('revertToModelCard', 'must be true when given');
    for (const f of ['referThreshold', 'monitorThreshold', 'temperature']) {
      if (f in b) throw invalidField(f, 'cannot be combined with revertToModelCard');
    }
    return { revertToModelCard: true, reason };
  }
  const unit = (f: 'referThreshold' | 'monitorThreshold'): number => {
    const v = b[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidField(f, 'must be a number');
    if (!(v > 0 && v < 1)) throw invalidField(f, `must be strictly between 0 and 1, got ${v}`);
    return v;
  };
  const referThreshold = unit('referThreshold');
  const monitorThreshold = unit('monitorThreshold');
  if (referThreshold < monitorThreshold) {
    throw invalidField('referThreshold', `must not be below monitorThreshold (${referThreshold} < ${monitorThreshold}): 'refer' is the more urgent action`);
  }
  if (b.temperature === undefined) return { referThreshold, monitorThreshold, reason };
  if (typeof b.temperature !== 'number' || !Number.isFinite(b.temperature) || !(b.temperature > 0)) {
    throw invalidField('temperature', 'must be a positive number');
  }
  // The card schema's own bound (model-card.ts): a temperature above 100 flattens every answer.
  if (b.temperature > 100) throw invalidField('temperature', `must be at most 100, got ${b.temperature}`);
  return { referThreshold, monitorThreshold, temperature: b.temperature, reason };
}

/**
 * Refuse a clinic calibration while the minimum of confirmed cases is not reached
 * (reverting to the card is always allowed). CONFLICT: the request is valid, the clinic's
 * state does not allow it yet.
 */
export function assertEnoughCases(stats: Pick<ClinicStatistics, 'counts' | 'minimum'>): void {
  if (stats.minimum.met) return;
  throw new AppError('CONFLICT', stats.minimum.message, {
    field: 'referThreshold',
    details: { ...stats.minimum, confirmed: stats.counts.confirmed, melanomas: stats.counts.melanomas },
  });
}
