/**
 * Risk engines benchmark: scores N synthetic patients (default 1,000,000) with every model,
 * in-process, and prints patient-model evaluations per second and peak memory, beside a plain
 * loop that only parses the same CSV (the ratio is the figure; absolute numbers depend on the
 * machine). Also times the engines alone, without CSV in or out.
 *
 *   npx tsx bench/risk.bench.ts [--rows 1000000] [--keep]
 *
 * Also runs `wellage risk score --model all` on the same file as a separate process (what an
 * operator runs), timed from outside, with the peak memory the CLI reports.
 *
 * The synthetic panel is written to a temporary file first (seeded, so every run scores the
 * same patients) and streamed from disk, so peak RSS shows the streaming memory bound.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvReader } from '../src/risk/batch/csv.ts';
import { rowToInput } from '../src/risk/batch/rows.ts';
import { scoreStream } from '../src/risk/batch/score-stream.ts';
import { MODEL_IDS, scoreModel } from '../src/risk/index.ts';

const args = process.argv.slice(2);
const rowsArg = args.indexOf('--rows');
const ROWS = rowsArg >= 0 ? Number(args[rowsArg + 1]) : 1_000_000;
const KEEP = args.includes('--keep');

/** mulberry32: a tiny seeded generator, so the panel is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER =
  'id,sex,age,race,region,total_cholesterol,hdl_cholesterol,cholesterol_unit,systolic_bp,bp_treated,smoker,diabetes,egfr,bmi,statin,sbp_sd,townsend,qrisk3_smoking,diabetes_type\n';

async function writePanel(file: string, rows: number): Promise<void> {
  const r = rng(20240601);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const out = fs.createWriteStream(file);
  out.write(HEADER);
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const mmol = r() < 0.3;
    const tc = 140 + r() * 160;
    const hdl = 30 + r() * 50;
    const smoker = r() < 0.2;
    const diabetes = r() < 0.12;
    const fmt = (mgdl: number) => (mmol ? (mgdl / 38.67).toFixed(2) : mgdl.toFixed(0));
    buf +=
      `p${i},${pick(['female', 'male'])},${30 + Math.floor(r() * 55)},${pick(['white', 'black', 'other'])},${pick(['low', 'moderate', 'high', 'very-high'])},` +
      `${fmt(tc)},${fmt(hdl)},${mmol ? 'mmol/L' : 'mg/dL'},${Math.round(100 + r() * 80)},${r() < 0.3},${smoker},${diabetes},` +
      `${Math.round(45 + r() * 70)},${(19 + r() * 20).toFixed(1)},${r() < 0.25},${(r() * 15).toFixed(1)},${(r() * 10 - 4).toFixed(2)},` +
      `${smoker ? pick(['light', 'moderate', 'heavy']) : pick(['never', 'ex'])},${diabetes ? pick(['type1', 'type2']) : 'none'}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** Samples RSS while `fn` runs; returns its result, seconds and the peak RSS in MiB. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakMiB: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, seconds, peakMiB: peak / 2 ** 20 };
}

class NullSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

/** Runs the CLI on `file`; wall time includes process start-up (tsx loading the sources). */
async function runCli(file: string, out: string): Promise<{ rows: number; seconds: number; peakMiB: number }> {
  const bin = path.resolve(import.meta.dirname, '../bin/wellage.mjs');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, 'risk', 'score', '--model', 'all', '--in', file, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number];
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`wellage risk score exited ${code}: ${stderr}`);
  const rows = Number(/Scored ([\d,]+) rows/.exec(stderr)?.[1]?.replace(/,/g, '') ?? NaN);
  const peakMiB = Number(/peak memory (\d+) MiB/.exec(stderr)?.[1] ?? NaN);
  return { rows, seconds, peakMiB };
}

async function main(): Promise<void> {
  const file = path.join(os.tmpdir(), `wellage-risk-bench-${ROWS}.csv`);
  if (!fs.existsSync(file)) {
    process.stdout.write(`writing ${ROWS.toLocaleString('en')} synthetic rows to ${file} ... `);
    await writePanel(file, ROWS);
    process.stdout.write('done\n');
  }
  const size = fs.statSync(file).size;

  // 1. Parse only: the same reader and decoding the scorer uses, nothing else.
  const parse = await measure(async () => {
    const reader = new CsvReader();
    const decoder = new TextDecoder('utf-8');
    let n = 0;
    await pipeline(fs.createReadStream(file), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) n += reader.push(decoder.decode(chunk, { stream: true })).length;
      n += reader.end().length;
      yield '';
    });
    return n - 1; // minus the header
  });

  // 2. Full batch: parse, score every model, format the output CSV (to a null sink).
  const sink = new NullSink();
  const batch = await measure(() => scoreStream(fs.createReadStream(file), sink, { models: 'all', format: 'csv' }));

  // 3. Engines alone: the first 100,000 patients as RiskInput, every model, no I/O.
  // Read only the head of the file: enough bytes for 100,000 rows, not the whole panel.
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(Math.min(size, 16 * 2 ** 20));
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const sample = head.toString('utf8').split('\n', 100_001).slice(1, 100_001).filter((l, i, a) => l && (i < a.length - 1 || head.length === size));
  const header = HEADER.trim().split(',');
  const inputs = sample.map((line) => rowToInput(Object.fromEntries(line.split(',').map((v, i) => [header[i] as string, v]))));
  const engines = await measure(async () => {
    let results = 0;
    for (const input of inputs) for (const m of MODEL_IDS) results += scoreModel(m, input, { explain: false }).entries.length;
    return results;
  });

  // 4. Through the CLI: a real process, file in, file out.
  const cliOut = path.join(os.tmpdir(), `wellage-risk-bench-${ROWS}-scored.csv`);
  const cli = await runCli(file, cliOut);
  fs.rmSync(cliOut, { force: true });

  const evals = batch.result.rows * MODEL_IDS.length;
  const table = [
    { case: 'parse CSV only', rows: parse.result, seconds: parse.seconds, 'rows/s': parse.result / parse.seconds, 'patient-model evals/s': NaN, 'peak RSS MiB': parse.peakMiB },
    { case: `score ${MODEL_IDS.length} models (CSV in, CSV out)`, rows: batch.result.rows, seconds: batch.seconds, 'rows/s': batch.result.rows / batch.seconds, 'patient-model evals/s': evals / batch.seconds, 'peak RSS MiB': batch.peakMiB },
    { case: 'wellage risk score --model all (CLI process)', rows: cli.rows, seconds: cli.seconds, 'rows/s': cli.rows / cli.seconds, 'patient-model evals/s': (cli.rows * MODEL_IDS.length) / cli.seconds, 'peak RSS MiB': cli.peakMiB },
    { case: `engines only (${inputs.length.toLocaleString('en')} patients, no I/O)`, rows: inputs.length, seconds: engines.seconds, 'rows/s': inputs.length / engines.seconds, 'patient-model evals/s': (inputs.length * MODEL_IDS.length) / engines.seconds, 'peak RSS MiB': engines.peakMiB },
  ];
  console.log(`\ninput ${(size / 2 ** 20).toFixed(1)} MiB, ${batch.result.outputRows.toLocaleString('en')} output rows (${(sink.bytes / 2 ** 20).toFixed(0)} MiB), ${batch.result.errorRows.toLocaleString('en')} refused (outside a model's population)`);
  console.table(
    table.map((r) => ({
      ...r,
      seconds: Number(r.seconds.toFixed(2)),
      'rows/s': Math.round(r['rows/s']),
      'patient-model evals/s': Number.isNaN(r['patient-model evals/s']) ? '-' : Math.round(r['patient-model evals/s']),
      'peak RSS MiB': Math.round(r['peak RSS MiB']),
    })),
  );
  console.log(`batch / parse-only time ratio: ${(batch.seconds / parse.seconds).toFixed(1)}x`);
  if (!KEEP) fs.rmSync(file);
}

await main();
