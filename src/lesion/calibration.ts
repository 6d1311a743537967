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

/**
 * The suggested action for a melanoma probability at the card's operating points:
 * at or above 'refer' -> refer; at or above 'monitor' -> monitor; else benign-appearing.
 */
export function suggest(melanomaProbability: number, card: Pick<ModelCard, 'operating_points'>): LesionSuggestion {
  const refer = card.operating_points.find((o) => o.action === 'refer');
  const monitor = card.operating_points.find((o) => o.action === 'monitor');
  if (!refer || !monitor) {
    throw new Error('the model card lacks the refer or monitor operating point');
  }
  const point = (o: typeof refer) => ({
    action: o.action,
    melanomaThreshold: o.melanoma_threshold,
    sensitivity: o.test_split.sensitivity,
    specificity: o.test_split.specificity,
  });
  const p = pct(melanomaProbability);
  if (melanomaProbability >= refer.melanoma_threshold) {
    return {
      action: 'refer',
      text: `Suggestion: consider referral or excision. The model's melanoma probability (${p}) is at or above its 'refer' operating point; this is a second opinion, not a diagnosis.`,
      operatingPoint: point(refer),
    };
  }
  if (melanomaProbability >= monitor.melanoma_threshold) {
    return {
      action: 'monitor',
      text: `Suggestion: consider dermoscopic follow-up. The model's melanoma probability (${p}) is at or above its 'monitor' operating point; this is a second opinion, not a diagnosis.`,
      operatingPoint: point(monitor),
    };
  }
  return {
    action: 'benign-appearing',
    text: `Suggestion: benign-appearing to the model (melanoma probability ${p}, below its 'monitor' operating point). Your clinical judgement decides; the model misses some melanomas.`,
    operatingPoint: null,
  };
}
