/**
 * One dermoscopic image in, one LesionAnalysis out: decode -> quality gate -> content gate
 * -> model input -> TTA batch -> calibration in force -> suggestion -> ABCD features ->
 * pictures. A bad image never throws: it comes back 'rejected' with the reason and a
 * sentence for the clinician. Bad options (a negative scale, an impossible calibration) are
 * the caller's error and throw VALIDATION_FAILED; a model failure throws too.
 *
 * Not an engine: it drives the runner (onnxruntime) and sharp, but holds no clinical
 * arithmetic of its own; that lives in tta.ts, calibration.ts, segment.ts, abcd.ts,
 * occlusion.ts and overlay.ts.
 */
import path from 'node:path';
import { invalidField } from '../platform/errors.ts';
import { lesionFeatures } from './abcd.ts';
import { suggestAt } from './calibration.ts';
import { gateRefusal, openContentGate, type ContentGate } from './content-gate.ts';
import { decodeForAnalysis } from './decode.ts';
import { decodedFieldOfView } from './field-of-view.ts';
import { sha256Hex, type ModelCard } from './model-card.ts';
import { occludedBatch, occlusionGrid, occlusionMap, OCCLUSION_BATCH } from './occlusion.ts';
import { heatmapOverlay, outlineOverlay } from './overlay.ts';
import { encodePicture } from './pictures.ts';
import { fieldToModelInput, preprocessImage } from './preprocess.ts';
import { assessQuality, rejectionMessage } from './quality.ts';
import { openLesionModel, type ModelRunner } from './runner.ts';
import { segmentLesion } from './segment.ts';
import { aggregateViews, dihedralViews, TTA_VIEWS, type TtaResult } from './tta.ts';
import type { CalibrationInForce, LesionAnalysis, LesionPicture, ModelRef, QualityReport, RejectedAnalysis } from './types.ts';

export interface AnalyzeOptions {
  /** Default true: the 8 dihedral views (4 rotations x horizontal flip). */
  tta?: boolean;
  /** Default false: the occlusion map (169 extra model runs). */
  heatmap?: boolean;
  /** Default true: the segmentation outline PNG. */
  outline?: boolean;
  /** When the dermoscope's scale is known (pixels per mm of the file as uploaded): gives diameterMm. */
  pixelsPerMm?: number;
  /** Default: the model card's temperature and refer/monitor thresholds. */
  calibration?: CalibrationInForce;
}

export interface LesionAnalyzer {
  readonly runner: ModelRunner;
  /** Never throws for a bad image: returns status 'rejected'. */
  analyze(bytes: Uint8Array, options?: AnalyzeOptions): Promise<LesionAnalysis>;
  /**
   * The model alone on one encoded image, as the trainer measured the card: the card's
   * preprocessing, the 8 dihedral views averaged (or the plain view), the card's calibration.
   * No quality gate, no segmentation: for evaluation, not for patients. Throws for an image
   * that cannot be decoded.
   */
  scoreModelOnly(bytes: Uint8Array, options: { tta: boolean }): Promise<TtaResult>;
  close(): Promise<void>;
}

/** See {@link LesionAnalyzer.scoreModelOnly}. */
async function scoreModelOnly(runner: ModelRunner, bytes: Uint8Array, tta: boolean): Promise<TtaResult> {
  const { tensor } = await preprocessImage(bytes, runner.spec);
  const preds = await runner.predict(tta ? dihedralViews(tensor, runner.spec.size) : tensor, tta ? TTA_VIEWS : 1);
  return aggregateViews(
    preds.map((p) => p.logits),
    cardCalibration(runner.card),
  );
}

/** The model card's calibration: its temperature and its refer and monitor thresholds. */
export function cardCalibration(card: ModelCard): CalibrationInForce {
  const refer = card.operating_points.find((o) => o.action === 'refer');
  const monitor = card.operating_points.find((o) => o.action === 'monitor');
  if (!refer || !monitor) throw new Error('the model card lacks the refer or monitor operating point');
  return { source: 'model-card', temperature: card.calibration.temperature, referThreshold: refer.melanoma_threshold, monitorThreshold: monitor.melanoma_threshold };
}

function checkOptions(options: AnalyzeOptions): void {
  const { pixelsPerMm, calibration } = options;
  if (pixelsPerMm !== undefined && !(Number.isFinite(pixelsPerMm) && pixelsPerMm > 0)) {
    throw invalidField('pixelsPerMm', `must be a positive number of pixels per millimetre, got ${pixelsPerMm}`);
  }
  if (calibration) {
    const { temperature, referThreshold, monitorThreshold } = calibration;
    if (!(Number.isFinite(temperature) && temperature > 0)) throw invalidField('calibration.temperature', `must be a positive number, got ${temperature}`);
    for (const [name, v] of [['referThreshold', referThreshold], ['monitorThreshold', monitorThreshold]] as const) {
      if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw invalidField(`calibration.${name}`, `must be a probability from 0 to 1, got ${v}`);
    }
    if (referThreshold < monitorThreshold) {
      throw invalidField('calibration.referThreshold', `must not be below the monitor threshold (${referThreshold} < ${monitorThreshold})`);
    }
  }
}

/** Build an analyzer on a runner and (optionally) the content gate; null skips the "is it dermoscopy?" check. */
export function createLesionAnalyzer(runner: ModelRunner, gate: ContentGate | null): LesionAnalyzer {
  const model: ModelRef = { name: runner.identity.name, version: runner.identity.version, sha256: runner.identity.sha256 };
  const size = runner.spec.size;

  /** The occlusion map of the unturned model input (view 0), scored OCCLUSION_BATCH copies at a time. */
  async function occlusionHeatmap(input: Float32Array, baselineLogits: number[], calibration: CalibrationInForce): Promise<Float32Array> {
    const grid = occlusionGrid(size);
    const baseline = aggregateViews([baselineLogits], calibration).melanomaProbability;
    const scores: number[] = [];
    for (let start = 0; start < grid.count; start += OCCLUSION_BATCH) {
      const n = Math.min(OCCLUSION_BATCH, grid.count - start);
      const preds = await runner.predict(occludedBatch(input, grid, start, n), n);
      for (const p of preds) scores.push(aggregateViews([p.logits], calibration).melanomaProbability);
    }
    return occlusionMap(baseline, scores, grid);
  }

  async function analyze(bytes: Uint8Array, options: AnalyzeOptions = {}): Promise<LesionAnalysis> {
    checkOptions(options);
    const calibration = options.calibration ?? cardCalibration(runner.card);
    const inputSha256 = sha256Hex(bytes);
    const rejected = (reason: RejectedAnalysis['reason'], message: string, quality: QualityReport | null): RejectedAnalysis => ({
      status: 'rejected',
      reason,
      message,
      quality,
      model,
      inputSha256,
    });

    const decoded = await decodeForAnalysis(bytes);
    if (!decoded.ok) return rejected(decoded.reason, decoded.message, null);
    // Everything from here on sees the dermatoscope's field, not a black frame around it.
    const image = decodedFieldOfView(decoded.image);
    let quality = assessQuality(image);
    if (!quality.passed) return rejected(quality.reason!, quality.message!, quality);
    if (gate) {
      const looked = await gate.check(image);
      quality = { ...quality, checks: [...quality.checks, looked.check, ...(looked.hair ? [looked.hair] : [])] };
      const refusal = gateRefusal(looked);
      if (refusal) {
        const message = rejectionMessage(refusal.reason, [refusal.failed]);
        return rejected(refusal.reason, message, { ...quality, passed: false, reason: refusal.reason, message });
      }
    }

    const input = fieldToModelInput(image, runner.spec);
    const tta = options.tta ?? true;
    const n = tta ? TTA_VIEWS : 1;
    const preds = await runner.predict(tta ? dihedralViews(input, size) : input, n);
    const result = aggregateViews(
      preds.map((p) => p.logits),
      calibration,
    );
    const { action, text } = suggestAt(result.melanomaProbability, calibration);

    const seg = segmentLesion(image);
    // The decoder may have shrunk a very large file: lengths go back to the file's own pixels.
    const features = lesionFeatures(seg, options.pixelsPerMm, image.originalWidth / image.width);

    const pictures: LesionPicture[] = [];
    if (options.outline ?? true) pictures.push(await encodePicture('outline', outlineOverlay(image, seg)));
    if (options.heatmap ?? false) {
      const map = await occlusionHeatmap(input, preds[0]!.logits, calibration);
      pictures.push(await encodePicture('heatmap', heatmapOverlay(image, map, size)));
    }

    return {
      status: 'ok',
      quality,
      probabilities: result.probabilities,
      melanomaProbability: result.melanomaProbability,
      malignantProbability: result.malignantProbability,
      uncertainty: result.uncertainty,
      suggestion: { action, text },
      features,
      calibration,
      model,
      inputSha256,
      pictures,
    };
  }

  return {
    runner,
    analyze,
    scoreModelOnly: (bytes, { tta }) => scoreModelOnly(runner, bytes, tta),
    async close() {
      await Promise.all([runner.close(), gate?.close()]);
    },
  };
}

/** The shipped models, found beside the source whatever the working directory. */
const DEFAULT_MODEL_DIR = path.resolve(import.meta.dirname, '../../models/lesion');

/** Open the lesion model and the content gate (defaults: models/lesion, models/image-gate). */
export async function openLesionAnalyzer(options: { modelDir?: string; gateDir?: string; threads?: number } = {}): Promise<LesionAnalyzer> {
  const runner = await openLesionModel(options.modelDir ?? DEFAULT_MODEL_DIR, { threads: options.threads });
  let gate: ContentGate;
  try {
    gate = await openContentGate(options.gateDir);
  } catch (e) {
    await runner.close();
    throw e;
  }
  return createLesionAnalyzer(runner, gate);
}
