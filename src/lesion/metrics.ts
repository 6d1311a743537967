/**
 * The model card's metrics, as pure functions, with the same definitions as
 * training/train_lesion.py (so a folder scored by `wellage lesion evaluate`, the live
 * performance view and the card can be read side by side):
 *
 * - ROC AUC as the Mann-Whitney U statistic: the probability that a random positive scores
 *   above a random negative, ties counting one half (Hanley & McNeil, Radiology 1982);
 *   reported only with at least 5 positives and 5 negatives, as the trainer does.
 * - 95 % CI of the AUC by a lesion-grouped percentile bootstrap (Efron & Tibshirani 1993):
 *   whole lesions are resampled, because images of one lesion are not independent.
 * - Sensitivity and specificity at a threshold (flag = score >= threshold) with Wilson score
 *   intervals (Wilson, JASA 1927; recommended for proportions by Brown, Cai & DasGupta 2001).
 * - Balanced multi-class accuracy: mean recall over the classes present.
 * - Expected calibration error of the top label, 15 equal-width bins (Guo et al., ICML 2017).
 * - Temperature: the T minimising the negative log-likelihood of softmax(logits / T)
 *   (Guo et al. 2017), found by a 1-D search.
 */
import type { Rng } from '../platform/seed/prng.ts';
import { LESION_CLASSES, type LesionClass } from './model-card.ts';

/** Classes counted as malignant: the usual HAM10000 grouping (Tschandl et al., Sci Data 2018). */
export const MALIGNANT_CLASSES: readonly LesionClass[] = ['mel', 'bcc', 'akiec'];

/** The trainer refuses an AUC on fewer than 5 positives or 5 negatives (train_lesion.py mel_auc). */
export const MIN_PER_CLASS_FOR_AUC = 5;

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

/** Wilson score 95 % interval for k successes out of n; null when n = 0. */
export function wilson(k: number, n: number, z = Z95): [number, number] | null {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new RangeError(`wilson: need integers 0 <= k <= n, got k=${k}, n=${n}`);
  }
  if (n === 0) return null;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * ROC AUC by ranks (Mann-Whitney U / (n+ n-)), ties counted one half. Null when either
 * class is empty.
 */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number | null {
  if (scores.length !== positive.length) throw new RangeError('rocAuc: scores and labels differ in length');
  const order = scores.map((s, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    // A run of tied scores shares the mean of its ranks (1-based).
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const meanRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]!]) {
        nPos++;
        rankSumPos += meanRank;
      }
    }
    i = j + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** numpy.percentile's default (linear interpolation between closest ranks) on sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of nothing');
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** An AUC with its lesion-grouped bootstrap interval, in the card's shape. */
export interface AucWithCi {
  value: number;
  ci95: [number, number];
  bootstrap: string;
}

/**
 * AUC and its 95 % percentile-bootstrap CI, resampling whole groups (lesions) with
 * replacement `reps` times from `rng`. Null with fewer than 5 positives or negatives.
 * Resamples that hold only one class are skipped, as the trainer does.
 */
export function aucWithCi(
  scores: readonly number[],
  positive: readonly boolean[],
  groups: readonly string[],
  rng: Rng,
  reps = 1000,
): AucWithCi | null {
  const nPos = positive.filter(Boolean).length;
  if (nPos < MIN_PER_CLASS_FOR_AUC || positive.length - nPos < MIN_PER_CLASS_FOR_AUC) return null;
  const value = rocAuc(scores, positive)!;
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const lesions = [...members.values()];
  const boots: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s: number[] = [];
    const p: boolean[] = [];
    for (let i = 0; i < lesions.length; i++) {
      for (const idx of lesions[rng.int(0, lesions.length - 1)]!) {
        s.push(scores[idx]!);
        p.push(positive[idx]!);
      }
    }
    const a = rocAuc(s, p);
    if (a !== null) boots.push(a);
  }
  boots.sort((a, b) => a - b);
  const ci95: [number, number] = boots.length > 0 ? [percentile(boots, 2.5), percentile(boots, 97.5)] : [value, value];
  return { value, ci95, bootstrap: `${reps} lesion-level resamples` };
}

/** The counts and rates at one threshold. */
export interface ThresholdMetrics {
  threshold: number;
  tp: number;
  fn: number;
  tn: number;
  fp: number;
  sensitivity: number | null;
  sensitivity_ci95: [number, number] | null;
  specificity: number | null;
  specificity_ci95: [number, number] | null;
}

/** Sensitivity and specificity of `score >= threshold` for the positive class, with Wilson CIs. */
export function atThreshold(scores: readonly number[], positive: readonly boolean[], threshold: number): ThresholdMetrics {
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  scores.forEach((s, i) => {
    const flag = s >= threshold;
    if (positive[i]) flag ? tp++ : fn++;
    else flag ? fp++ : tn++;
  });
  return fromCounts(threshold, tp, fn, tn, fp);
}

/** The same from counts already made (a clinician's yes/no has no threshold: pass NaN). */
export function fromCounts(threshold: number, tp: number, fn: number, tn: number, fp: number): ThresholdMetrics {
  return {
    threshold,
    tp,
    fn,
    tn,
    fp,
    sensitivity: tp + fn > 0 ? tp / (tp + fn) : null,
    sensitivity_ci95: wilson(tp, tp + fn),
    specificity: tn + fp > 0 ? tn / (tn + fp) : null,
    specificity_ci95: wilson(tn, tn + fp),
  };
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Mean recall over the classes that occur in `labels` (class indices). Null when empty. */
export function balancedAccuracy(probabilities: readonly (readonly number[])[], labels: readonly number[]): number | null {
  const hit = new Map<number, [number, number]>();
  labels.forEach((y, i) => {
    const h = hit.get(y) ?? [0, 0];
    h[1]++;
    if (argmax(probabilities[i]!) === y) h[0]++;
    hit.set(y, h);
  });
  if (hit.size === 0) return null;
  let sum = 0;
  for (const [k, n] of hit.values()) sum += k / n;
  return sum / hit.size;
}

/** One reliability-diagram bin (only non-empty bins are listed, as the trainer writes them). */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  confidence: number;
  accuracy: number;
}

/** Top-label expected calibration error over `bins` equal-width bins (lo, hi]. */
export function expectedCalibrationError(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  bins = 15,
): { ece: number; bins: ReliabilityBin[] } {
  const n = labels.length;
  const acc = Array.from({ length: bins }, () => ({ n: 0, conf: 0, correct: 0 }));
  labels.forEach((y, i) => {
    const row = probabilities[i]!;
    const top = argmax(row);
    const conf = row[top]!;
    // (lo, hi] bins; a confidence of exactly 0 falls in no bin, as in the trainer.
    const b = Math.min(bins - 1, Math.ceil(conf * bins) - 1);
    if (b < 0) return;
    acc[b]!.n++;
    acc[b]!.conf += conf;
    acc[b]!.correct += top === y ? 1 : 0;
  });
  let ece = 0;
  const out: ReliabilityBin[] = [];
  acc.forEach((a, b) => {
    if (a.n === 0) return;
    const confidence = a.conf / a.n;
    const accuracy = a.correct / a.n;
    ece += (a.n / n) * Math.abs(accuracy - confidence);
    out.push({ lo: b / bins, hi: (b + 1) / bins, n: a.n, confidence, accuracy });
  });
  return { ece, bins: out };
}

/** softmax(logits * beta) (beta = 1 / temperature), stable. */
export function softmaxScaled(logits: readonly number[], beta: number): number[] {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l * beta);
  const e = logits.map((l) => Math.exp(l * beta - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function logSumExp(values: readonly number[], beta: number): number {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v * beta);
  let s = 0;
  for (const v of values) s += Math.exp(v * beta - max);
  return max + Math.log(s);
}

/** log softmax(logits * beta)[k], stable. */
function logSoftmaxAt(logits: readonly number[], beta: number, k: number): number {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l * beta);
  let s = 0;
  for (const l of logits) s += Math.exp(l * beta - max);
  return logits[k]! * beta - max - Math.log(s);
}

/**
 * Minimise f over [lo, hi]: a grid of 61 points (so a non-convex f does not trap it in a
 * far local minimum), then golden-section search in the best cell.
 */
export function minimize1d(f: (x: number) => number, lo: number, hi: number, tolerance = 1e-7): number {
  const steps = 60;
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i <= steps; i++) {
    const v = f(lo + ((hi - lo) * i) / steps);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  let a = lo + ((hi - lo) * Math.max(0, best - 1)) / steps;
  let b = lo + ((hi - lo) * Math.min(steps, best + 1)) / steps;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/** The temperature search range: the card schema allows (0, 100]; 0.05 is already 20x sharper. */
export const TEMPERATURE_RANGE: [number, number] = [0.05, 100];

/** Mean multi-class negative log-likelihood of softmax(logits / T) at the true labels. */
export function multiclassNll(logits: readonly (readonly number[])[], labels: readonly number[], temperature: number): number {
  let s = 0;
  labels.forEach((y, i) => {
    s -= logSoftmaxAt(logits[i]!, 1 / temperature, y);
  });
  return s / labels.length;
}

/**
 * The temperature minimising the multi-class NLL (the trainer's fit_temperature; searched
 * on log T, the trainer's own parameterisation). Throws on no data: nothing to fit.
 */
export function fitTemperature(logits: readonly (readonly number[])[], labels: readonly number[]): number {
  if (labels.length === 0 || labels.length !== logits.length) {
    throw new RangeError('fitTemperature: need as many logit rows as labels, at least one');
  }
  const [lo, hi] = TEMPERATURE_RANGE;
  const logT = minimize1d((lt) => multiclassNll(logits, labels, Math.exp(lt)), Math.log(lo), Math.log(hi));
  return Math.exp(logT);
}

/**
 * Mean binary NLL of the melanoma-vs-rest probability softmax(logits / T)[mel] against a
 * melanoma yes/no truth: what a clinic's confirmed cases can check (histopathology says
 * melanoma or not, not always which of the other six classes).
 */
export function melanomaNll(logits: readonly (readonly number[])[], melanoma: readonly boolean[], temperature: number): number {
  const mel = LESION_CLASSES.indexOf('mel');
  let s = 0;
  melanoma.forEach((isMel, i) => {
    const row = logits[i]!;
    const beta = 1 / temperature;
    if (isMel) {
      s -= logSoftmaxAt(row, beta, mel);
    } else {
      // log(1 - p_mel) = logsumexp(other classes) - logsumexp(all), exact even when p_mel -> 1.
      s -= logSumExp(row.filter((_, k) => k !== mel), beta) - logSumExp(row, beta);
    }
  });
  return s / melanoma.length;
}

/** The temperature minimising the melanoma-vs-rest NLL (for the clinic's recalibration). */
export function fitMelanomaTemperature(logits: readonly (readonly number[])[], melanoma: readonly boolean[]): number {
  if (melanoma.length === 0 || melanoma.length !== logits.length) {
    throw new RangeError('fitMelanomaTemperature: need as many logit rows as labels, at least one');
  }
  const [lo, hi] = TEMPERATURE_RANGE;
  return Math.exp(minimize1d((lt) => melanomaNll(logits, melanoma, Math.exp(lt)), Math.log(lo), Math.log(hi)));
}

/**
 * The highest threshold whose sensitivity on these positives still reaches `target`
 * (the trainer's rule: sort positives' scores descending, take the ceil(target * n)-th).
 * Null without positives.
 */
export function thresholdForSensitivity(scores: readonly number[], positive: readonly boolean[], target: number): number | null {
  const pos = scores.filter((_, i) => positive[i]).sort((a, b) => b - a);
  if (pos.length === 0) return null;
  return pos[Math.max(0, Math.ceil(target * pos.length) - 1)]!;
}

/** Everything the card reports for one subset (the trainer's metric_set), rounded nowhere. */
export interface MetricSet {
  n_images: number;
  n_lesions: number;
  n_melanoma: number;
  melanoma_auc: AucWithCi | null;
  malignant_auc: AucWithCi | null;
  balanced_accuracy: number | null;
  operating_points: Record<'refer' | 'monitor', Omit<ThresholdMetrics, 'tp' | 'fn' | 'tn' | 'fp'> & { tp: number; fn: number; tn: number; fp: number }>;
}

/** One scored image with its truth, for {@link metricSet}. */
export interface ScoredImage {
  /** Calibrated class probabilities in LESION_CLASSES order. */
  probabilities: readonly number[];
  /** The true class. */
  label: LesionClass;
  /** The lesion (or duplicate group) it belongs to: the bootstrap resamples these. */
  group: string;
}

/** The card's metric set for one subset of scored images. */
export function metricSet(
  images: readonly ScoredImage[],
  thresholds: { refer: number; monitor: number },
  rng: Rng,
  reps = 1000,
): MetricSet {
  const mel = LESION_CLASSES.indexOf('mel');
  const malIdx = MALIGNANT_CLASSES.map((c) => LESION_CLASSES.indexOf(c));
  const pMel = images.map((im) => im.probabilities[mel]!);
  const isMel = images.map((im) => im.label === 'mel');
  const pMal = images.map((im) => malIdx.reduce((s, k) => s + im.probabilities[k]!, 0));
  const isMal = images.map((im) => MALIGNANT_CLASSES.includes(im.label));
  const groups = images.map((im) => im.group);
  return {
    n_images: images.length,
    n_lesions: new Set(groups).size,
    n_melanoma: isMel.filter(Boolean).length,
    melanoma_auc: aucWithCi(pMel, isMel, groups, rng.fork('melanoma'), reps),
    malignant_auc: aucWithCi(pMal, isMal, groups, rng.fork('malignant'), reps),
    balanced_accuracy: balancedAccuracy(
      images.map((im) => im.probabilities),
      images.map((im) => LESION_CLASSES.indexOf(im.label)),
    ),
    operating_points: {
      refer: atThreshold(pMel, isMel, thresholds.refer),
      monitor: atThreshold(pMel, isMel, thresholds.monitor),
    },
  };
}

/** A proportion with its counts and Wilson 95 % CI (views.ts RateSchema); value and ci95 null when n = 0. */
export interface Rate {
  value: number | null;
  ci95: [number, number] | null;
  k: number;
  n: number;
}

export function rate(k: number, n: number): Rate {
  return { value: n > 0 ? k / n : null, ci95: wilson(k, n), k, n };
}

/** Sensitivity and specificity for melanoma at one operating point, beside the card's (views.ts PointStatsSchema). */
export interface PointStats {
  action: 'refer' | 'monitor';
  threshold: number;
  sensitivity: Rate;
  specificity: Rate;
  card: { sensitivity: number | null; specificity: number | null } | null;
}

/** PointStats from scores at a threshold. */
export function pointStats(
  action: 'refer' | 'monitor',
  scores: readonly number[],
  positive: readonly boolean[],
  threshold: number,
  card: PointStats['card'],
): PointStats {
  const m = atThreshold(scores, positive, threshold);
  return { action, threshold, sensitivity: rate(m.tp, m.tp + m.fn), specificity: rate(m.tn, m.tn + m.fp), card };
}
