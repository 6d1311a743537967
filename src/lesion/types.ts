/**
 * What one lesion image analysis returns, shared by the engine (analyzer.ts), the service,
 * the HTTP API, the CLI and the web app. Dependency-free on purpose: the web imports it.
 */
import type { LesionAction, LesionClass } from './model-card.ts';

/**
 * Why an image was not assessed. The model never guesses on an image it cannot read well:
 * it says which of these applies, in words a clinician can act on (retake, refocus, ...).
 */
export const REJECTION_REASONS = [
  'unreadable', // not an image, corrupt, truncated
  'too-large', // beyond the pixel limit (decompression bomb)
  'too-small', // shorter side below the minimum
  'grayscale', // no colour information: dermoscopy needs colour
  'transparent', // see-through areas: a cut-out or edited image, part of the photograph missing
  'blurred', // out of focus or motion-blurred
  'over-exposed',
  'under-exposed',
  'not-dermoscopic', // not a dermoscopic image of skin: a document, a cat, a face, a landscape
  'hair-obscured', // dermoscopy, but hair covers so much that the content gate cannot tell
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** One quality measurement with the limit it was held to (shown when rejected). */
export interface QualityCheck {
  name: string;
  value: number;
  limit: number;
  /** 'min' when the value must be at least the limit, 'max' when at most. */
  kind: 'min' | 'max';
  passed: boolean;
}

export interface QualityReport {
  passed: boolean;
  /** The first failing reason, in REJECTION_REASONS order; null when passed. */
  reason: RejectionReason | null;
  /** One sentence for the clinician, e.g. "The image is blurred (sharpness 12, needs 40): refocus and retake." */
  message: string | null;
  checks: QualityCheck[];
  /** Conversions applied on decode ("converted from CMYK", "16-bit reduced to 8-bit", "alpha flattened"). */
  notes: string[];
  width: number;
  height: number;
}

/** Test-time augmentation: how much the answer moves under views the model should be invariant to. */
export interface Uncertainty {
  /** Number of views scored (1 = no TTA). */
  views: number;
  /** Standard deviation of the melanoma probability across views. */
  melanomaSd: number;
  /** Min and max melanoma probability across views. */
  melanomaRange: [number, number];
  /** Mean over views of the predictive entropy of the 7-class distribution, in nats (max ln 7). */
  entropy: number;
  /** 'low' | 'moderate' | 'high', from melanomaSd and whether the range crosses an operating point. */
  level: 'low' | 'moderate' | 'high';
  /** True when the views disagree about the suggested action. */
  crossesOperatingPoint: boolean;
}

/** ABCD-style features of the segmented lesion (Stolz et al. 1994 ABCD rule, measured, not scored). */
export interface LesionFeatures {
  /** Fraction of the image the lesion mask covers. */
  areaFraction: number;
  /** 0 = perfectly symmetric; mean of the two principal-axis mismatch ratios. */
  asymmetry: number;
  /** Border irregularity: perimeter^2 / (4 pi area); 1 = a circle. */
  borderIrregularity: number;
  /** Number of the six dermoscopic colours present (white, red, light brown, dark brown, blue-grey, black). */
  colourCount: number;
  colours: string[];
  /** Longest diameter (Feret) in pixels of the original image. */
  diameterPx: number;
  /** In millimetres when the caller gave the scale (pixels per mm), else null. */
  diameterMm: number | null;
  /** False when the segmentation is unreliable (touches most of the border, tiny, or empty): features then are indicative only. */
  segmentationReliable: boolean;
}

/** A PNG picture returned with an analysis (base64 in JSON, bytes on disk). */
export interface LesionPicture {
  kind: 'outline' | 'heatmap';
  mediaType: 'image/png';
  width: number;
  height: number;
  /** Base64 PNG. */
  data: string;
}

export interface ModelRef {
  name: string;
  version: string;
  sha256: string;
}

/** The clinic calibration in force for this result (see operating-points.ts). */
export interface CalibrationInForce {
  /** 'model-card' or 'clinic v<N>'. */
  source: string;
  temperature: number;
  referThreshold: number;
  monitorThreshold: number;
}

export interface AcceptedAnalysis {
  status: 'ok';
  quality: QualityReport;
  /** Calibrated (temperature from the calibration in force), mean over TTA views. */
  probabilities: Record<LesionClass, number>;
  melanomaProbability: number;
  malignantProbability: number;
  uncertainty: Uncertainty;
  suggestion: { action: LesionAction; text: string };
  features: LesionFeatures;
  calibration: CalibrationInForce;
  model: ModelRef;
  /** sha256 of the image bytes as received. */
  inputSha256: string;
  pictures: LesionPicture[];
}

export interface RejectedAnalysis {
  status: 'rejected';
  reason: RejectionReason;
  message: string;
  quality: QualityReport | null;
  model: ModelRef;
  inputSha256: string;
}

export type LesionAnalysis = AcceptedAnalysis | RejectedAnalysis;
