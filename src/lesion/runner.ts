/**
 * The lesion ModelRunner: one verified ONNX model behind a lazily created onnxruntime
 * session (one shared promise, so concurrent first calls create it once), input-shape
 * checks, and calibrated output per the model card. It does I/O (the ONNX runtime) and is
 * not an engine; the clinical arithmetic lives in calibration.ts.
 */
import * as ort from 'onnxruntime-node';
import { invalidField } from '../platform/errors.ts';
import { calibrate, suggest, type LesionProbabilities, type LesionSuggestion } from './calibration.ts';
import { LESION_CLASSES, type ModelCard } from './model-card.ts';
import { loadModelFolder, type LoadedModel } from './model-files.service.ts';
import { preprocessImage, type PreprocessSpec } from './preprocess.ts';

/** Who the runner is: recorded with every AI output. */
export interface ModelIdentity {
  name: string;
  version: string;
  task: string;
  sha256: string;
}

/** One image's result. */
export interface LesionPrediction extends LesionProbabilities {
  suggestion: LesionSuggestion;
  /** Raw logits, before temperature (kept for audit and recalibration). */
  logits: number[];
  model: ModelIdentity;
}

/** What a readiness probe reports. */
export interface Readiness {
  ready: boolean;
  model: ModelIdentity;
  /** Set when loading failed. */
  error?: string;
}

/** A loaded model that can score preprocessed tensors and image files. */
export interface ModelRunner {
  readonly identity: ModelIdentity;
  readonly card: ModelCard;
  /** The preprocessing the card prescribes. */
  readonly spec: PreprocessSpec;
  /** Creates the session if needed; resolves once the model can serve. */
  ready(): Promise<Readiness>;
  /** Score `n` CHW tensors laid end to end (n * 3 * size * size floats). */
  predict(batch: Float32Array, n: number): Promise<LesionPrediction[]>;
  /** Decode, preprocess and score one encoded image. */
  predictImage(bytes: Uint8Array): Promise<LesionPrediction>;
  /** Release the session. */
  close(): Promise<void>;
}

/** Options for {@link createLesionRunner}. */
export interface RunnerOptions {
  /** onnxruntime intra-op threads (default 1: the server scores many requests side by side). */
  threads?: number;
}

/** The largest batch one call may send: bounds memory at about 100 MB of input. */
export const MAX_BATCH = 128;

/** Build a runner from an already verified model (see {@link openLesionModel}). */
export function createLesionRunner(model: LoadedModel, options: RunnerOptions = {}): ModelRunner {
  const { card } = model;
  const identity: ModelIdentity = { name: card.name, version: card.version, task: card.task, sha256: card.model.sha256 };
  const spec: PreprocessSpec = {
    size: card.preprocessing.resize.size,
    ccP: card.preprocessing.colour_constancy.p,
    mean: card.preprocessing.mean,
    std: card.preprocessing.std,
  };
  const [, channels, height, width] = card.model.input.shape;
  const perImage = channels * height * width;
  let session: Promise<ort.InferenceSession> | null = null;

  function getSession(): Promise<ort.InferenceSession> {
    session ??= ort.InferenceSession.create(model.onnx, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    }).catch((e: unknown) => {
      session = null; // a later call may retry
      throw e;
    });
    return session;
  }

  async function predict(batch: Float32Array, n: number): Promise<LesionPrediction[]> {
    if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH) {
      throw invalidField('n', `must be an integer from 1 to ${MAX_BATCH}, got ${n}`);
    }
    if (batch.length !== n * perImage) {
      throw invalidField('image', `expected ${n} x ${channels}x${height}x${width} = ${n * perImage} floats, got ${batch.length}`);
    }
    for (let i = 0; i < batch.length; i++) {
      if (!Number.isFinite(batch[i])) {
        throw invalidField('image', `value ${i} is not a finite number`);
      }
    }
    const s = await getSession();
    const feeds = { [card.model.input.name]: new ort.Tensor('float32', batch, [n, channels, height, width]) };
    const out = await s.run(feeds);
    const logits = out[card.model.output.name];
    if (!logits || logits.dims.length !== 2 || logits.dims[0] !== n || logits.dims[1] !== LESION_CLASSES.length) {
      throw new Error(`model output ${card.model.output.name} has shape [${logits?.dims.join(', ')}], expected [${n}, ${LESION_CLASSES.length}]`);
    }
    const data = logits.data as Float32Array;
    const results: LesionPrediction[] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from(data.subarray(i * LESION_CLASSES.length, (i + 1) * LESION_CLASSES.length));
      const probs = calibrate(row, card.calibration.temperature);
      results.push({ ...probs, suggestion: suggest(probs.melanomaProbability, card), logits: row, model: identity });
    }
    return results;
  }

  return {
    identity,
    card,
    spec,
    async ready() {
      try {
        await getSession();
        return { ready: true, model: identity };
      } catch (e) {
        return { ready: false, model: identity, error: e instanceof Error ? e.message : String(e) };
      }
    },
    predict,
    async predictImage(bytes) {
      const { tensor } = await preprocessImage(bytes, spec);
      const [result] = await predict(tensor, 1);
      return result!;
    },
    async close() {
      const s = session;
      session = null;
      if (s) {
        await (await s).release();
      }
    },
  };
}

/** Load a model folder (card + verified ONNX) and return its runner; the session starts lazily. */
export async function openLesionModel(dir: string, options: RunnerOptions = {}): Promise<ModelRunner> {
  return createLesionRunner(await loadModelFolder(dir), options);
}
