/**
 * The same lesion over time: what changed between consecutive exams, and the "evolution"
 * flags a clinician should look at. Pure; the exams are passed in, dated.
 *
 * Evolution is the "E" of the ABCDE rule and the strongest single sign of melanoma in
 * follow-up (Abbasi et al., JAMA 2004;292:2771). In sequential digital dermoscopy any
 * enlargement, change of shape (asymmetric growth) or new colour is a reason to excise
 * (Kittler et al., Arch Dermatol 2006;142:1113; Menzies et al., Arch Dermatol
 * 2001;137:1583). The thresholds below are this product's choices for measured features,
 * set above what remeasuring the same lesion gives, and said as such on each flag.
 */
import type { LesionAction } from './model-card.ts';
import type { LesionFeatures } from './types.ts';

/**
 * Growth in millimetres: 1 mm, the resolution of the ruler a clinician would check it with;
 * smaller differences are within re-segmentation noise.
 */
export const GROWTH_MM = 1;
/**
 * Without a scale only a relative change can be read, and zoom differs between captures:
 * 20 % of the longest diameter, well beyond what a slightly different framing gives.
 */
export const GROWTH_RELATIVE = 0.2;
/** A rise of asymmetry (0 = symmetric ... 1) of 0.1 or more: a change of shape, not noise. */
export const ASYMMETRY_RISE = 0.1;

/** One exam of the lesion, as evolution needs it. */
export interface EvolutionInput {
  examId: string;
  /** ISO date or date-time of the capture. */
  takenAt: string;
  /** Null when the image was rejected (cannot assess). */
  features: LesionFeatures | null;
  melanomaProbability: number | null;
}

export type EvolutionFlagCode = 'growing' | 'new-colour' | 'more-asymmetric' | 'probability-crossed-operating-point';

/** A flag with a sentence for the clinician (views.ts EvolutionFlagSchema). */
export interface EvolutionFlag {
  code: EvolutionFlagCode;
  message: string;
}

interface Change {
  before: number;
  after: number;
  delta: number;
}

/** One consecutive pair of assessable exams (views.ts EvolutionChangeSchema). */
export interface EvolutionChange {
  fromExamId: string;
  toExamId: string;
  intervalDays: number;
  diameter: (Change & { unit: 'mm' | 'px' }) | null;
  colourCount: Change | null;
  coloursGained: string[];
  asymmetry: Change | null;
  melanomaProbability: Change | null;
  flags: EvolutionFlag[];
  /** Why a measure is indicative only or missing (no scale, unreliable outline, rejected image). */
  notes: string[];
}

export interface Evolution {
  /** Exam ids, oldest first. */
  order: string[];
  changes: EvolutionChange[];
  /** Every flag raised by any consecutive pair (the latest message of each code). */
  flags: EvolutionFlag[];
  evolving: boolean;
}

const URGENCY: Record<LesionAction, number> = { 'benign-appearing': 0, monitor: 1, refer: 2 };

/** The suggested action for a probability at these thresholds (the same rule as calibration.ts suggest). */
export function actionAt(p: number, t: { refer: number; monitor: number }): LesionAction {
  return p >= t.refer ? 'refer' : p >= t.monitor ? 'monitor' : 'benign-appearing';
}

function parseTime(iso: string, examId: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`exam ${examId}: takenAt '${iso}' is not a date`);
  return t;
}

const change = (before: number, after: number): Change => ({ before, after, delta: after - before });
const pct = (p: number): string => `${(p * 100).toFixed(1)} %`;

/** Compare one exam with the next. */
export function compareExams(a: EvolutionInput, b: EvolutionInput, thresholds: { refer: number; monitor: number }): EvolutionChange {
  const flags: EvolutionFlag[] = [];
  const notes: string[] = [];
  const fa = a.features;
  const fb = b.features;
  const intervalDays = Math.round((parseTime(b.takenAt, b.examId) - parseTime(a.takenAt, a.examId)) / 86_400_000);
  let diameter: EvolutionChange['diameter'] = null;
  let colourCount: Change | null = null;
  let coloursGained: string[] = [];
  let asymmetry: Change | null = null;
  if (!fa || !fb) {
    notes.push('One of the two images could not be assessed: no features to compare.');
  } else {
    const reliable = fa.segmentationReliable && fb.segmentationReliable;
    if (!reliable) notes.push('The lesion outline is unreliable on at least one image: changes are indicative only and raise no flag.');
    if (fa.diameterMm !== null && fb.diameterMm !== null) {
      diameter = { ...change(fa.diameterMm, fb.diameterMm), unit: 'mm' };
      if (reliable && diameter.delta >= GROWTH_MM) {
        flags.push({
          code: 'growing',
          message: `Diameter grew ${diameter.delta.toFixed(1)} mm (${fa.diameterMm.toFixed(1)} to ${fb.diameterMm.toFixed(1)} mm) in ${intervalDays} days.`,
        });
      }
    } else {
      diameter = { ...change(fa.diameterPx, fb.diameterPx), unit: 'px' };
      notes.push('Diameter in pixels: no scale (pixels per mm) on both images, and pixels depend on zoom and framing.');
      const relative = fa.diameterPx > 0 ? diameter.delta / fa.diameterPx : 0;
      if (reliable && relative >= GROWTH_RELATIVE) {
        flags.push({
          code: 'growing',
          message: `Diameter grew ${Math.round(relative * 100)} % in pixels (${Math.round(fa.diameterPx)} to ${Math.round(fb.diameterPx)} px) in ${intervalDays} days; no scale, so check with a ruler.`,
        });
      }
    }
    coloursGained = fb.colours.filter((c) => !fa.colours.includes(c));
    colourCount = change(fa.colourCount, fb.colourCount);
    if (reliable && coloursGained.length > 0) {
      flags.push({ code: 'new-colour', message: `New colour${coloursGained.length > 1 ? 's' : ''}: ${coloursGained.join(', ')}.` });
    }
    asymmetry = change(fa.asymmetry, fb.asymmetry);
    if (reliable && asymmetry.delta >= ASYMMETRY_RISE) {
      flags.push({ code: 'more-asymmetric', message: `More asymmetric: ${fa.asymmetry.toFixed(2)} to ${fb.asymmetry.toFixed(2)}.` });
    }
  }
  let melanomaProbability: Change | null = null;
  if (a.melanomaProbability !== null && b.melanomaProbability !== null) {
    melanomaProbability = change(a.melanomaProbability, b.melanomaProbability);
    const from = actionAt(a.melanomaProbability, thresholds);
    const to = actionAt(b.melanomaProbability, thresholds);
    if (URGENCY[to] > URGENCY[from]) {
      flags.push({
        code: 'probability-crossed-operating-point',
        message: `The AI melanoma probability rose from ${pct(a.melanomaProbability)} (${from}) to ${pct(b.melanomaProbability)} (${to}).`,
      });
    }
  }
  return { fromExamId: a.examId, toExamId: b.examId, intervalDays, diameter, colourCount, coloursGained, asymmetry, melanomaProbability, flags, notes };
}

/**
 * The lesion's evolution: exams sorted oldest first (by takenAt, then examId), each
 * assessable exam compared with the previous assessable one, so one rejected photo does not
 * hide a change.
 */
export function lesionEvolution(exams: readonly EvolutionInput[], thresholds: { refer: number; monitor: number }): Evolution {
  const sorted = [...exams].sort((x, y) => parseTime(x.takenAt, x.examId) - parseTime(y.takenAt, y.examId) || x.examId.localeCompare(y.examId));
  const assessed = sorted.filter((e) => e.features !== null || e.melanomaProbability !== null);
  const changes: EvolutionChange[] = [];
  for (let i = 1; i < assessed.length; i++) changes.push(compareExams(assessed[i - 1]!, assessed[i]!, thresholds));
  const byCode = new Map<EvolutionFlagCode, EvolutionFlag>();
  for (const c of changes) for (const f of c.flags) byCode.set(f.code, f);
  return { order: sorted.map((e) => e.examId), changes, flags: [...byCode.values()], evolving: byCode.size > 0 };
}
