/**
 * Lesion analysis benchmark: what one exam costs, and how much of it is ours.
 *
 *   npx tsx bench/lesion.bench.ts [--iterations 20] [--batch 32] [--threads 1]
 *
 * For each case, the full pipeline (`analyzer.analyze` on the encoded JPEG: decode, quality
 * and content gate, preprocessing, TTA, calibration, segmentation and ABCD features,
 * occlusion heatmap and PNG overlays as asked) is timed beside onnxruntime's own
 * `session.run` on already prepared tensors, in the same process, with the same model bytes
 * and thread count, for exactly the batches the pipeline sent to the model (counted by
 * wrapping the runner's `predict`). The ratio of the two is the overhead we add; absolute
 * numbers depend on the machine.
 *
 * Cases: single image without TTA, with TTA (8 views), without TTA + heatmap, and the full
 * exam (TTA + heatmap + outline); then images per second for a batch of N images analysed
 * one after the other (as the CLI does), without and with TTA.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { openLesionAnalyzer, type AnalyzeOptions } from '../src/lesion/analyzer.ts';
import { preprocessImage } from '../src/lesion/preprocess.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number >= 1`);
  return v;
};
const ITER = arg('--iterations', 20);
const BATCH = arg('--batch', 32);
const THREADS = arg('--threads', 1);

const ROOT = path.resolve(import.meta.dirname, '..');
const FIX = path.join(ROOT, 'test/fixtures/lesion');
const IMAGES = ['ham-mel.jpg', 'ham-nv.jpg', 'isic-bkl.jpg', 'large-640x480.jpg'].map((f) => new Uint8Array(fs.readFileSync(path.join(FIX, f))));

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

const analyzer = await openLesionAnalyzer({ threads: THREADS });
const { card } = analyzer.runner;
const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(ROOT, 'models/lesion', card.model.file))), {
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const [, c, h, w] = card.model.input.shape;
const perImage = c * h * w;
const prepared = (await preprocessImage(IMAGES[0]!, analyzer.runner.spec)).tensor;

// Count the batches the pipeline sends to the model, so the baseline runs the same ones.
let batches: number[] = [];
const predict = analyzer.runner.predict.bind(analyzer.runner);
(analyzer.runner as { predict: typeof predict }).predict = (batch, n) => {
  batches.push(n);
  return predict(batch, n);
};

/** session.run on prepared tensors for the given batch sizes; ms. */
async function baseline(sizes: number[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (const n of sizes) {
    const data = new Float32Array(n * perImage);
    for (let i = 0; i < n; i++) data.set(prepared, i * perImage);
    await session.run({ [card.model.input.name]: new ort.Tensor('float32', data, [n, c, h, w]) });
  }
  return ms(t0);
}

interface Row {
  case: string;
  'ours p50 ms': string;
  'ours p95 ms': string;
  'ort p50 ms': string;
  'ort p95 ms': string;
  'model inputs / image': number;
  'ratio (p50)': string;
}
const rows: Row[] = [];

async function single(label: string, options: AnalyzeOptions, iterations: number): Promise<void> {
  // One warm-up: session creation and first-run allocations are not what a clinic waits for.
  await analyzer.analyze(IMAGES[0]!, options);
  const ours: number[] = [];
  const ort_: number[] = [];
  let inputs = 0;
  for (let i = 0; i < iterations; i++) {
    batches = [];
    const t0 = process.hrtime.bigint();
    const a = await analyzer.analyze(IMAGES[0]!, options);
    ours.push(ms(t0));
    if (a.status !== 'ok') throw new Error(`the benchmark image was rejected: ${a.reason}`);
    const sizes = batches;
    inputs = sizes.reduce((s, n) => s + n, 0);
    ort_.push(await baseline(sizes));
  }
  const p50 = quantile(ours, 0.5);
  const b50 = quantile(ort_, 0.5);
  rows.push({
    case: label,
    'ours p50 ms': p50.toFixed(1),
    'ours p95 ms': quantile(ours, 0.95).toFixed(1),
    'ort p50 ms': b50.toFixed(1),
    'ort p95 ms': quantile(ort_, 0.95).toFixed(1),
    'model inputs / image': inputs,
    'ratio (p50)': `${(p50 / b50).toFixed(2)}x`,
  });
}

async function throughput(label: string, options: AnalyzeOptions): Promise<void> {
  await analyzer.analyze(IMAGES[1]!, options);
  batches = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) {
    const a = await analyzer.analyze(IMAGES[i % IMAGES.length]!, options);
    if (a.status !== 'ok') throw new Error(`benchmark image ${i % IMAGES.length} was rejected: ${a.reason}`);
  }
  const ours = ms(t0);
  const inputs = batches.reduce((s, n) => s + n, 0);
  // onnxruntime's best case: the same number of model inputs, prepared, in batches of up to 32.
  const sizes: number[] = [];
  for (let left = inputs; left > 0; left -= 32) sizes.push(Math.min(32, left));
  await baseline(sizes.slice(0, 1));
  const base = await baseline(sizes);
  const perS = (BATCH / ours) * 1000;
  const basePerS = (BATCH / base) * 1000;
  rows.push({
    case: label,
    'ours p50 ms': `${perS.toFixed(1)} img/s`,
    'ours p95 ms': '',
    'ort p50 ms': `${basePerS.toFixed(1)} img/s`,
    'ort p95 ms': '',
    'model inputs / image': inputs / BATCH,
    'ratio (p50)': `${(basePerS / perS).toFixed(2)}x`,
  });
}

const started = process.hrtime.bigint();
await single('single, no TTA', { tta: false }, ITER);
await single('single, TTA', { tta: true }, ITER);
await single('single, no TTA + heatmap', { tta: false, heatmap: true }, Math.max(3, Math.ceil(ITER / 4)));
await single('full exam: TTA + heatmap + outline', { tta: true, heatmap: true, outline: true }, Math.max(3, Math.ceil(ITER / 4)));
await throughput(`batch of ${BATCH}, no TTA`, { tta: false });
await throughput(`batch of ${BATCH}, TTA`, { tta: true });

console.log(
  `\nlesion model ${card.name} ${card.version} (${card.model.architecture}, ${card.preprocessing.resize.size} px), ` +
    `onnxruntime-node CPU, ${THREADS} intra-op thread(s), ${ITER} iterations (heatmap cases ${Math.max(3, Math.ceil(ITER / 4))})`,
);
console.table(rows);
console.log('ratio = ours / onnxruntime session.run on prepared tensors for the same model inputs (batch rows: onnxruntime img/s / ours).');
console.log(`total ${(ms(started) / 1000).toFixed(0)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
await session.release();
await analyzer.close();
