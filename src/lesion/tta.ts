/**
 * Test-time augmentation (TTA): the model was trained with random rotations and flips, so a
 * lesion's answer should not depend on which way up the image was taken. We score the 8
 * dihedral views of the model input (4 quarter turns, each with and without a horizontal
 * flip) in one batch, average the calibrated probabilities, and report how far the views
 * disagree as the uncertainty. Pure.
 *
 * Averaging TTA probabilities and reading their spread as uncertainty: Wang et al.,
 * "Aleatoric uncertainty estimation with test-time augmentation for medical image
 * segmentation with convolutional neural networks", Neurocomputing 338 (2019) 34-45;
 * for dermoscopy, Perez et al., "Data augmentation for skin lesion analysis", ISIC
 * Skin Image Analysis Workshop (MICCAI 2018).
 */
import { calibrate, type LesionProbabilities } from './calibration.ts';
import { LESION_CLASSES, type LesionAction, type LesionClass } from './model-card.ts';
import type { CalibrationInForce, Uncertainty } from './types.ts';

/** The number of dihedral views. */
export const TTA_VIEWS = 8;

/**
 * The 8 dihedral views of one CHW tensor (3 x size x size), laid end to end in one batch.
 * View v = (k = v mod 4 quarter turns clockwise) after (a horizontal flip when v >= 4);
 * view 0 is the tensor unchanged.
 */
export function dihedralViews(chw: Float32Array, size: number): Float32Array {
  const plane = size * size;
  if (!Number.isInteger(size) || size < 1 || chw.length !== 3 * plane) {
    throw new Error(`expected a 3x${size}x${size} tensor (${3 * plane} floats), got ${chw.length}`);
  }
  const out = new Float32Array(TTA_VIEWS * 3 * plane);
  const last = size - 1;
  for (let v = 0; v < TTA_VIEWS; v++) {
    const k = v % 4;
    const flip = v >= 4;
    const base = v * 3 * plane;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        // Output (y, x) of a k-quarter clockwise turn reads the (possibly flipped) source at (sy, sx).
        let sy: number;
        let sx: number;
        if (k === 0) [sy, sx] = [y, x];
        else if (k === 1) [sy, sx] = [last - x, y];
        else if (k === 2) [sy, sx] = [last - y, last - x];
        else [sy, sx] = [x, last - y];
        if (flip) sx = last - sx;
        const src = sy * size + sx;
        const dst = base + y * size + x;
        out[dst] = chw[src]!;
        out[dst + plane] = chw[src + plane]!;
        out[dst + 2 * plane] = chw[src + 2 * plane]!;
      }
    }
  }
  return out;
}

/** The suggested action a melanoma probability falls in, at the calibration's thresholds. */
export function actionAt(melanomaProbability: number, calibration: Pick<CalibrationInForce, 'referThreshold' | 'monitorThreshold'>): LesionAction {
  if (melanomaProbability >= calibration.referThreshold) return 'refer';
  if (melanomaProbability >= calibration.monitorThreshold) return 'monitor';
  return 'benign-appearing';
}

/**
 * Cut-offs on the SD of P(mel) across views. Our choice, not a validated figure: the views
 * are nominally the same image, so an SD under 0.03 (three percentage points) is read as
 * noise, while 0.10 or more means the views tell materially different stories. Whether the
 * views straddle an operating point matters more to a clinician than the SD itself, so it
 * raises the level too (one operating point: at least moderate; both: high).
 */
export const UNCERTAINTY_SD_MODERATE = 0.03;
export const UNCERTAINTY_SD_HIGH = 0.1;

/** Mean calibrated probabilities over the views, and their spread. */
export interface TtaResult extends LesionProbabilities {
  uncertainty: Uncertainty;
  /** P(mel) of each view, in view order. */
  melanomaByView: number[];
}

function entropyNats(p: Record<LesionClass, number>): number {
  let h = 0;
  for (const c of LESION_CLASSES) {
    const q = p[c];
    if (q > 0) h -= q * Math.log(q);
  }
  return h;
}

/**
 * Calibrate each view's logits with the calibration in force and aggregate: the mean of the
 * calibrated probabilities (not of the logits), the population SD and range of P(mel), the
 * mean predictive entropy, and the uncertainty level.
 */
export function aggregateViews(logits: readonly (readonly number[])[], calibration: CalibrationInForce): TtaResult {
  if (logits.length < 1) throw new Error('at least one view is needed');
  const views = logits.map((l) => calibrate(l, calibration.temperature));
  const n = views.length;
  const probabilities = Object.fromEntries(LESION_CLASSES.map((c) => [c, views.reduce((s, v) => s + v.probabilities[c], 0) / n])) as Record<LesionClass, number>;
  const mel = views.map((v) => v.melanomaProbability);
  const meanMel = probabilities.mel;
  const sd = Math.sqrt(mel.reduce((s, p) => s + (p - meanMel) ** 2, 0) / n);
  const lo = Math.min(...mel);
  const hi = Math.max(...mel);
  const entropy = views.reduce((s, v) => s + entropyNats(v.probabilities), 0) / n;
  const actions = new Set(mel.map((p) => actionAt(p, calibration)));
  const crossesOperatingPoint = actions.size > 1;
  const level: Uncertainty['level'] =
    sd >= UNCERTAINTY_SD_HIGH || actions.size === 3 ? 'high' : sd >= UNCERTAINTY_SD_MODERATE || crossesOperatingPoint ? 'moderate' : 'low';
  return {
    probabilities,
    melanomaProbability: meanMel,
    malignantProbability: probabilities.mel + probabilities.bcc + probabilities.akiec,
    melanomaByView: mel,
    uncertainty: { views: n, melanomaSd: sd, melanomaRange: [lo, hi], entropy, level, crossesOperatingPoint },
  };
}
