/**
 * How the AI and the clinicians do together, from the clinic's own signed exams. Pure.
 *
 * Per clinician: reads, agreement of the blinded first impression with the AI suggestion
 * (action level), overrides, and "switches to the AI" (first impression differed, final
 * decision followed the AI): a rising switch rate with no gain in accuracy is the automation
 * bias the issue warns about (faulty AI misleads even experts: Tschandl et al., Nat Med
 * 2020;26:1229). Where histopathology exists: sensitivity and specificity for melanoma of
 * the clinician's first impression, the AI and the final decision, and who was right when
 * the impression and the AI disagreed.
 *
 * "Flags melanoma" is the action 'refer' for all three (a clinician's 'refer' and the AI's
 * refer operating point both mean "excise or send to a specialist"), so the three are
 * compared on the same decision. The per-clinician comparison uses histopathology only
 * (diagnosis 'mel'); the live view of the model uses the clinic's reference standard
 * (operating-points.ts), so it counts the same cases as the operating-points view.
 */
import type { Rng } from '../platform/seed/prng.ts';
import type { LesionAction, LesionClass, ModelCard } from './model-card.ts';
import { aucWithCi, pointStats, rate, type PointStats, type Rate } from './metrics.ts';
import { cardPoint, referenceStandard } from './operating-points.ts';

/** One exam as the performance view needs it. */
export interface ExamRead {
  examId: string;
  lesionId: string;
  /** Who recorded the impression / signed the decision. */
  clinicianId: string;
  clinicianName?: string;
  /** Whether the impression was recorded before the AI result was shown. */
  blinded: boolean;
  impression: { diagnosis: LesionClass | 'other'; action: LesionAction } | null;
  /** Null when the image could not be assessed. */
  ai: { action: LesionAction; melanomaProbability: number } | null;
  decision: { agreesWithAi: boolean; diagnosis: LesionClass | 'other'; action: LesionAction } | null;
  histopathology: { diagnosis: LesionClass | 'other'; malignant: boolean } | null;
  /** Days this lesion was followed up without change after the exam (see operating-points.ts); null if not. */
  followedUpDaysWithoutChange?: number | null;
}

/** One yes/no call against the truth: sensitivity and specificity as rates. */
export interface CallStats {
  sensitivity: Rate;
  specificity: Rate;
}

/** views.ts ClinicianPerformanceSchema. */
export interface ClinicianPerformance {
  clinician: { id: string; name: string | null };
  /** Impressions recorded. */
  reads: number;
  /** Impression's action equal to the AI's suggested action, over impressions with an AI result. */
  agreement: Rate;
  /** Signed decisions that disagreed with the AI (said so, or took another action), over signed decisions with an AI result. */
  overrides: Rate;
  /** Blinded impression differed from the AI, final decision took the AI's action. */
  switchedToAi: Rate;
  /** Histopathology-confirmed exams where the impression and the AI disagreed about 'refer', and who was right. */
  disagreements: { total: number; clinicianRight: number; aiRight: number };
  /** Against histopathology; null when none of this clinician's exams has one. */
  confirmed: { cases: number; impression: CallStats; ai: CallStats; decision: CallStats } | null;
}

function call(flags: boolean[], truth: boolean[]): CallStats {
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  flags.forEach((f, i) => {
    if (truth[i]) f ? tp++ : fn++;
    else f ? fp++ : tn++;
  });
  return { sensitivity: rate(tp, tp + fn), specificity: rate(tn, tn + fp) };
}

/** Per-clinician agreement, overrides and accuracy. Sorted by number of reads, most first. */
export function clinicianPerformance(reads: readonly ExamRead[]): ClinicianPerformance[] {
  const by = new Map<string, ExamRead[]>();
  for (const r of reads) {
    const list = by.get(r.clinicianId);
    if (list) list.push(r);
    else by.set(r.clinicianId, [r]);
  }
  const out: ClinicianPerformance[] = [];
  for (const [clinicianId, rs] of by) {
    const withAi = rs.filter((r) => r.impression && r.ai);
    const agree = withAi.filter((r) => r.impression!.action === r.ai!.action).length;
    const signed = rs.filter((r) => r.decision && r.ai);
    const overrides = signed.filter((r) => !r.decision!.agreesWithAi || r.decision!.action !== r.ai!.action).length;
    const differed = rs.filter((r) => r.blinded && r.impression && r.ai && r.decision && r.impression.action !== r.ai.action);
    const switched = differed.filter((r) => r.decision!.action === r.ai!.action).length;
    const complete = rs.filter((r) => r.histopathology && r.impression && r.ai && r.decision);
    const truth = complete.map((r) => r.histopathology!.diagnosis === 'mel');
    const flagImp = complete.map((r) => r.impression!.action === 'refer');
    const flagAi = complete.map((r) => r.ai!.action === 'refer');
    const flagDec = complete.map((r) => r.decision!.action === 'refer');
    let total = 0;
    let clinicianRight = 0;
    let aiRight = 0;
    complete.forEach((_, i) => {
      if (flagImp[i] === flagAi[i]) return;
      total++;
      if (flagImp[i] === truth[i]) clinicianRight++;
      else aiRight++;
    });
    out.push({
      clinician: { id: clinicianId, name: rs.find((r) => r.clinicianName)?.clinicianName ?? null },
      reads: rs.filter((r) => r.impression).length,
      agreement: rate(agree, withAi.length),
      overrides: rate(overrides, signed.length),
      switchedToAi: rate(switched, differed.length),
      disagreements: { total, clinicianRight, aiRight },
      confirmed:
        complete.length === 0
          ? null
          : { cases: complete.length, impression: call(flagImp, truth), ai: call(flagAi, truth), decision: call(flagDec, truth) },
    });
  }
  return out.sort((a, b) => b.reads - a.reads || a.clinician.id.localeCompare(b.clinician.id));
}

/** views.ts PerformanceView.live. */
export interface LivePerformance {
  /** Exams with a reference standard (histopathology, or benign followed up without change). */
  confirmedCases: number;
  melanomas: number;
  /** Null below 5 melanomas or 5 non-melanomas (the card's own rule). */
  melanomaAuc: { value: number; ci95: [number, number] | null } | null;
  cardMelanomaAuc: { value: number; ci95: [number, number] } | null;
  points: PointStats[];
}

/**
 * Live performance: the AI's melanoma probability (as shown to the clinician) on exams with a
 * reference standard (operating-points.ts referenceStandard: histopathology, or clinically
 * benign and followed up without change), at the thresholds in force, beside the card. The
 * AUC CI resamples lesions.
 */
export function livePerformance(
  reads: readonly ExamRead[],
  thresholds: { refer: number; monitor: number },
  card: Pick<ModelCard, 'metrics' | 'operating_points'>,
  rng: Rng,
  reps = 1000,
): LivePerformance {
  const confirmed: { read: ExamRead; melanoma: boolean }[] = [];
  for (const r of reads) {
    if (!r.ai) continue;
    const t = referenceStandard({
      histopathology: r.histopathology,
      decision: r.decision,
      followedUpDaysWithoutChange: r.followedUpDaysWithoutChange ?? null,
    });
    if (!('excluded' in t)) confirmed.push({ read: r, melanoma: t.melanoma });
  }
  const p = confirmed.map((c) => c.read.ai!.melanomaProbability);
  const y = confirmed.map((c) => c.melanoma);
  const auc = aucWithCi(
    p,
    y,
    confirmed.map((c) => c.read.lesionId),
    rng,
    reps,
  );
  const cardAuc = card.metrics.overall.melanoma_auc;
  return {
    confirmedCases: confirmed.length,
    melanomas: y.filter(Boolean).length,
    melanomaAuc: auc ? { value: auc.value, ci95: auc.ci95 } : null,
    cardMelanomaAuc: cardAuc ? { value: cardAuc.value, ci95: cardAuc.ci95 } : null,
    points: [
      pointStats('refer', p, y, thresholds.refer, cardPoint(card, 'refer')),
      pointStats('monitor', p, y, thresholds.monitor, cardPoint(card, 'monitor')),
    ],
  };
}
