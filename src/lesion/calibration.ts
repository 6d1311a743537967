/**
 * From the model's logits to what a clinician reads: temperature-calibrated probabilities,
 * melanoma and malignant probability, and a suggested action at the card's validated
 * operating points, worded as a suggestion. Pure.
 *
 * Temperature scaling: Guo et al., "On Calibration of Modern Neural Networks", ICML 2017.
 * Malignant = mel + bcc + akiec, the usual HAM10000 grouping (Tschandl et al., Sci Data 2018).
 */
import { LESION_CLASSES, type LesionAction, type LesionClass, type ModelCard } from './model-card.ts';

/** Calibrated output for one image. */
export interface LesionProbabilities {
  /** Calibrated probability of each class; they sum to 1. */
  probabilities: Record<LesionClass, number>;
  /** P(mel). */
  melanomaProbability: number;
  /** P(mel) + P(bcc) + P(akiec). */
  malignantProbability: number;
}

/** The suggestion shown beside the probabilities: never a diagnosis. */
export interface LesionSuggestion {
  action: LesionAction;
  /** One sentence for the clinician. */
  text: string;
  /** The operating point that decided it, with its validated sensitivity. */
  operatingPoint: { action: 'refer' | 'monitor'; melanomaThreshold: number; sensitivity: number | null; specificity: number | null } | null;
}

/** softmax(logits / temperature), computed stably. */
export function calibrate(logits: ArrayLike<number>, temperature: number): LesionProbabilities {
  if (logits.length !== LESION_CLASSES.length) {
    throw new Error(`expected ${LESION_CLASSES.length} logits, got ${logits.length}`);
  }
  if (!(temperature > 0)) {
    throw new Error(`temperature must be positive, got ${temperature}`);
  }
  const scaled = Array.from(logits, (l) => l / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const probabilities = Object.fromEntries(LESION_CLASSES.map((c, i) => [c, exps[i]! / total])) as Record<LesionClass, number>;
  return {
    probabilities,
    melanomaProbability: probabilities.mel,
    malignantProbability: probabilities.mel + probabilities.bcc + probabilities.akiec,
  };
}

function pct(p: number): string {
  return `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
}

/** The two melanoma thresholds a suggestion is made at, and whose they are. */
export interface SuggestionThresholds {
  referThreshold: number;
  monitorThreshold: number;
  /** 'model-card' (the default) or a clinic's recalibration, e.g. 'clinic v2'. */
  source?: string;
}

/** Validated sensitivity and specificity of each operating point, when known for these thresholds. */
type PointMetrics = { sensitivity: number | null; specificity: number | null };

/**
 * The suggested action for a melanoma probability at the given thresholds (a clinic may
 * have recalibrated them): at or above 'refer' -> refer; at or above 'monitor' -> monitor;
 * else benign-appearing.
 */
export function suggestAt(
  melanomaProbability: number,
  thresholds: SuggestionThresholds,
  validated: { refer?: PointMetrics; monitor?: PointMetrics } = {},
): LesionSuggestion {
  const { referThreshold, monitorThreshold } = thresholds;
  const whose = thresholds.source && thresholds.source !== 'model-card' ? `the clinic's` : 'its';
  const from = whose === 'its' ? '' : ` (${thresholds.source})`;
  const point = (action: 'refer' | 'monitor', melanomaThreshold: number) => ({
    action,
    melanomaThreshold,
    sensitivity: validated[action]?.sensitivity ?? null,
    specificity: validated[action]?.specificity ?? null,
  });
  const p = pct(melanomaProbability);
  if (melanomaProbability >= referThreshold) {
    return {
      action: 'refer',
      text: `Suggestion: consider referral or excision. The model's melanoma probability (${p}) is at or above ${whose} 'refer' operating point${from}; this is a second opinion, not a diagnosis.`,
      operatingPoint: point('refer', referThreshold),
    };
  }
  if (melanomaProbability >= monitorThreshold) {
    return {
      action: 'monitor',
      text: `Suggestion: consider dermoscopic follow-up. The model's melanoma probability (${p}) is at or above ${whose} 'monitor' operating point${from}; this is a second opinion, not a diagnosis.`,
      operatingPoint: point('monitor', monitorThreshold),
    };
  }
  return {
    action: 'benign-appearing',
    text: `Suggestion: benign-appearing to the model (melanoma probability ${p}, below ${whose} 'monitor' operating point${from}). Your clinical judgement decides; the model misses some melanomas.`,
    operatingPoint: null,
  };
}

/**
 * The suggested action for a melanoma probability at the card's operating points, with
 * their validated (test split) sensitivity and specificity.
 */
export function suggest(melanomaProbability: number, card: Pick<ModelCard, 'operating_points'>): LesionSuggestion {
  const refer = card.operating_points.find((o) => o.action === 'refer');
  const monitor = card.operating_points.find((o) => o.action === 'monitor');
  if (!refer || !monitor) {
    throw new Error('the model card lacks the refer or monitor operating point');
  }
  return suggestAt(
    melanomaProbability,
    { referThreshold: refer.melanoma_threshold, monitorThreshold: monitor.melanoma_threshold, source: 'model-card' },
    { refer: refer.test_split, monitor: monitor.test_split },
  );
}
