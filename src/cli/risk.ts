/**
 * `wellage risk score`: scores a whole panel (CSV, NDJSON or a FHIR Bundle) with the risk
 * engines, streaming, with no database. Output rows go to --out (or stdout); a progress bar
 * (on a terminal) and a summary line go to stderr. A bad row does not stop the run; an input
 * that cannot be read at all exits with status 1.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { MODEL_IDS, QRISK3_DISCLAIMER, isModelId, type ModelId } from '../risk/index.ts';
import { BatchInputError, scoreStream, type BatchFormat, type BatchProgress } from '../risk/batch/score-stream.ts';
import { BundleInputError, bundleToRows } from '../risk/batch/fhir-bundle.ts';

export interface RiskScoreOptions {
  model: string;
  in?: string | undefined;
  out?: string | undefined;
  format?: string | undefined;
  outFormat?: string | undefined;
  asOf?: string | undefined;
  country?: string | undefined;
  allowExtrapolation?: boolean | undefined;
}

type InputFormat = BatchFormat | 'fhir';

const say = (text: string): void => void process.stderr.write(`${text}\n`);

/** Refuses the run with a message and exit status 1. */
class CannotRun extends Error {}

function formatFromExtension(file: string | undefined): InputFormat | undefined {
  if (!file || file === '-') return undefined;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.json') return 'fhir';
  return undefined;
}

function parseModels(raw: string): ModelId[] | 'all' {
  if (raw === 'all') return 'all';
  const models = raw.split(',').map((m) => m.trim());
  for (const m of models) {
    if (!isModelId(m)) throw new CannotRun(`--model: '${m}' is not one of ${MODEL_IDS.join(', ')}, all`);
  }
  return models as ModelId[];
}

function rate(rows: number, seconds: number): string {
  return seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : '-';
}

/** A one-line progress bar, redrawn in place (a terminal only). */
function progressBar(total: number | undefined, started: number): (p: BatchProgress) => void {
  return (p) => {
    const seconds = (Date.now() - started) / 1000;
    const width = 24;
    const share = total ? Math.min(1, p.bytesRead / total) : undefined;
    const bar = share === undefined ? '' : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${(share * 100).toFixed(0).padStart(3)}% `;
    process.stderr.write(`\r${bar}${p.rows.toLocaleString('en-US')} rows  ${rate(p.rows, seconds)} rows/s  ${p.errorRows.toLocaleString('en-US')} errors\x1b[K`);
    if (p.done) process.stderr.write('\n');
  };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function riskScoreCommand(opts: RiskScoreOptions): Promise<void> {
  try {
    await run(opts);
  } catch (e) {
    if (e instanceof CannotRun || e instanceof BatchInputError || e instanceof BundleInputError) {
      say(`wellage risk score: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

async function run(opts: RiskScoreOptions): Promise<void> {
  const models = parseModels(opts.model);
  // QRISK3's authors require their notice wherever its score is shown; stdout is data, so
  // the notice goes to stderr, once, before any score.
  if (models === 'all' || models.includes('qrisk3')) say(`QRISK3 notice: ${QRISK3_DISCLAIMER}`);
  const inFile = opts.in && opts.in !== '-' ? opts.in : undefined;
  const outFile = opts.out && opts.out !== '-' ? opts.out : undefined;
  const format = (opts.format ?? formatFromExtension(inFile) ?? 'csv') as InputFormat;
  if (!['csv', 'ndjson', 'fhir'].includes(format)) throw new CannotRun(`--format: '${format}' is not csv, ndjson or fhir`);
  const outExt = formatFromExtension(outFile);
  const outFormat = (opts.outFormat ?? (outExt === 'csv' || outExt === 'ndjson' ? outExt : format === 'fhir' ? 'csv' : format)) as BatchFormat;
  if (outFormat !== 'csv' && outFormat !== 'ndjson') throw new CannotRun(`--out-format: '${String(outFormat)}' is not csv or ndjson`);
  const asOf = opts.asOf ? new Date(opts.asOf) : new Date();
  if (Number.isNaN(asOf.getTime())) throw new CannotRun(`--as-of: '${opts.asOf}' is not a date`);

  let size: number | undefined;
  if (inFile) {
    try {
      const st = fs.statSync(inFile);
      if (!st.isFile()) throw new CannotRun(`--in: ${inFile} is not a file`);
      size = st.size;
    } catch (e) {
      if (e instanceof CannotRun) throw e;
      throw new CannotRun(`--in: cannot read ${inFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  const source: Readable = inFile ? fs.createReadStream(inFile) : process.stdin;

  let input: Readable = source;
  let batchFormat: BatchFormat = format === 'fhir' ? 'ndjson' : format;
  if (format === 'fhir') {
    // A Bundle is one JSON document: it is read whole, then fed to the scorer row by row.
    let bundle: unknown;
    try {
      bundle = JSON.parse(await readAll(source));
    } catch (e) {
      throw new CannotRun(`the input is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const rows = bundleToRows(bundle, { asOf, country: opts.country });
    input = Readable.from(rows.map((r) => `${JSON.stringify(r)}\n`));
    batchFormat = 'ndjson';
    size = undefined;
  }

  let output: Writable = process.stdout;
  if (outFile) {
    const ws = fs.createWriteStream(outFile);
    try {
      await once(ws, 'open');
    } catch (e) {
      throw new CannotRun(`--out: cannot write ${outFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    output = ws;
  }

  const started = Date.now();
  const bar = process.stderr.isTTY ? progressBar(size, started) : undefined;
  const progress = await scoreStream(input, output, {
    models,
    format: batchFormat,
    outputFormat: outFormat,
    onProgress: bar,
    progressEvery: 1000,
    scoreOptions: opts.allowExtrapolation ? { allowExtrapolation: true } : {},
    endOutput: output !== process.stdout,
  });
  const seconds = (Date.now() - started) / 1000;
  say(
    `Scored ${progress.rows.toLocaleString('en-US')} rows into ${progress.outputRows.toLocaleString('en-US')} output rows ` +
      `(${progress.errorRows.toLocaleString('en-US')} with errors) in ${seconds.toFixed(1)} s, ${rate(progress.rows, seconds)} rows/s, ` +
      `peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB.`,
  );
}
