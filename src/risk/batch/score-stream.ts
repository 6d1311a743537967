/**
 * Streaming batch scorer behind `wellage risk score` and the batch API: reads a panel (CSV or
 * NDJSON), scores every row with the chosen models, and writes one output row per input row,
 * model and outcome slot. Memory stays bounded whatever the file size: input is pulled chunk by
 * chunk, and output waits for the writable to drain (backpressure).
 *
 * A bad row never stops the run: its error goes in its own output rows. Only a header without
 * the required columns (or an NDJSON line that is not an object, which cannot be attributed)
 * is handled as a row error too; a missing header rejects the whole run before anything is written.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { MODEL_IDS, type ModelId, type ScoreOptions } from '../types.ts';
import { CsvReader, csvField, type CsvRecord } from './csv.ts';
import { BASE_COLUMNS, EXTRA_COLUMNS, OUTPUT_COLUMNS, REQUIRED_COLUMNS, rowError, scoreRow, type OutputRow } from './rows.ts';

export type BatchFormat = 'csv' | 'ndjson';

export interface BatchProgress {
  /** Input rows read (blank lines not counted). */
  readonly rows: number;
  readonly outputRows: number;
  /** Output rows carrying an error. */
  readonly errorRows: number;
  readonly bytesRead: number;
  readonly done: boolean;
}

export interface ScoreStreamOptions {
  /** Models to run, or 'all' (every model, SCORE2 and SCORE2-OP both; one refuses by age). */
  readonly models: readonly ModelId[] | 'all';
  /** Input format; the output uses the same format unless `outputFormat` says otherwise. */
  readonly format: BatchFormat;
  readonly outputFormat?: BatchFormat;
  readonly onProgress?: (p: BatchProgress) => void;
  /** Input rows between progress calls (default 10,000); a last call always comes at the end. */
  readonly progressEvery?: number;
  readonly scoreOptions?: Pick<ScoreOptions, 'allowExtrapolation' | 'pceCoefficients' | 'preventModel'>;
  /** End the output stream when done (default true; pass false for process.stdout). */
  readonly endOutput?: boolean;
}

/** The run could not start (no header, or a header without id, sex and age). */
export class BatchInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BatchInputError';
  }
}

const FLUSH_CHARS = 64 * 1024;
const KNOWN_COLUMNS = new Set<string>([...BASE_COLUMNS, ...EXTRA_COLUMNS]);

function formatCsv(r: OutputRow): string {
  return (
    `${csvField(r.id)},${r.model},${r.outcome},${r.horizonYears},${r.riskPercent === null ? '' : String(r.riskPercent)},` +
    `${r.category},${r.warnings.length ? csvField(r.warnings.join('; ')) : ''},${r.error ? csvField(r.error) : ''}\n`
  );
}

function formatNdjson(r: OutputRow): string {
  return `${JSON.stringify({
    id: r.id, model: r.model, outcome: r.outcome, horizon_years: r.horizonYears, risk_percent: r.riskPercent,
    category: r.category || null, warnings: r.warnings, error: r.error || null,
  })}\n`;
}

/**
 * Scores a whole panel from `input` to `output`. Resolves with the final progress when all
 * output is written (the output stream is ended). Rejects only for a run that cannot start
 * (BatchInputError) or a stream failure.
 */
export async function scoreStream(input: Readable, output: Writable, options: ScoreStreamOptions): Promise<BatchProgress> {
  const models = options.models === 'all' ? [...MODEL_IDS] : [...options.models];
  if (models.length === 0) throw new BatchInputError('models', 'models: choose at least one model');
  for (const m of models) {
    if (!MODEL_IDS.includes(m)) throw new BatchInputError('models', `models: '${String(m)}' is not one of ${MODEL_IDS.join(', ')}`);
  }
  const outFormat = options.outputFormat ?? options.format;
  const format = outFormat === 'csv' ? formatCsv : formatNdjson;
  const every = Math.max(1, options.progressEvery ?? 10_000);
  const scoreOptions = options.scoreOptions ?? {};

  let rows = 0;
  let outputRows = 0;
  let errorRows = 0;
  let bytesRead = 0;
  let buffer = '';
  const progress = (done: boolean): BatchProgress => ({ rows, outputRows, errorRows, bytesRead, done });

  const flush = async () => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!output.write(chunk)) await once(output, 'drain');
  };
  const emit = (out: OutputRow[]) => {
    for (const r of out) {
      buffer += format(r);
      if (r.error) errorRows++;
    }
    outputRows += out.length;
    rows++;
    if (rows % every === 0) options.onProgress?.(progress(false));
  };

  if (outFormat === 'csv') buffer += `${OUTPUT_COLUMNS.join(',')}\n`;

  const decoder = new TextDecoder('utf-8');
  if (options.format === 'csv') {
    const reader = new CsvReader();
    let header: string[] | undefined;
    const handle = (rec: CsvRecord) => {
      if (rec.fields.length === 1 && rec.fields[0] === '' && !rec.error) return; // blank line
      if (!header) {
        if (rec.error) throw new BatchInputError('header', `header (line ${rec.line}): ${rec.error}`);
        header = rec.fields.map((h) => h.trim());
        const missing = REQUIRED_COLUMNS.filter((c) => !header?.includes(c));
        if (missing.length) throw new BatchInputError('header', `header: missing column(s) ${missing.join(', ')}`);
        return;
      }
      const idAt = header.indexOf('id');
      const id = rec.fields[idAt]?.trim() ?? '';
      if (rec.error) return emit(rowError(id, models, `line ${rec.line}: ${rec.error}`));
      if (rec.fields.length !== header.length) {
        return emit(rowError(id, models, `line ${rec.line}: ${rec.fields.length} fields, the header has ${header.length}`));
      }
      const row: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) row[header[i] as string] = rec.fields[i] as string;
      emit(scoreRow(row, models, scoreOptions));
    };
    for await (const chunk of input) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
      bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
      for (const rec of reader.push(text)) handle(rec);
      if (buffer.length >= FLUSH_CHARS) await flush();
    }
    for (const rec of reader.push(decoder.decode())) handle(rec);
    for (const rec of reader.end()) handle(rec);
    if (!header) throw new BatchInputError('header', 'header: the input is empty');
  } else {
    let pending = '';
    let line = 0;
    let skipping = false; // inside an over-long line already reported
    const handle = (text: string) => {
      line++;
      if (text.trim() === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        return emit(rowError('', models, `line ${line}: not valid JSON`));
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return emit(rowError('', models, `line ${line}: not a JSON object`));
      const row: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (v === null || v === undefined) continue;
        if (typeof v === 'object') return emit(rowError(String((obj as Record<string, unknown>).id ?? ''), models, `line ${line}: ${k}: nested values are not accepted`));
        row[k] = String(v);
      }
      emit(scoreRow(row, models, scoreOptions));
    };
    for await (const chunk of input) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
      bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
      pending += text;
      let nl: number;
      let start = 0;
      while ((nl = pending.indexOf('\n', start)) !== -1) {
        if (skipping) {
          skipping = false;
          line++;
        } else handle(pending.slice(start, nl).replace(/\r$/, ''));
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (skipping) pending = '';
      else if (pending.length > 1_000_000) {
        emit(rowError('', models, `line ${line + 1}: longer than 1,000,000 characters`));
        pending = '';
        skipping = true;
      }
      if (buffer.length >= FLUSH_CHARS) await flush();
    }
    pending += decoder.decode();
    if (!skipping && pending.trim() !== '') handle(pending.replace(/\r$/, ''));
  }
  await flush();
  options.onProgress?.(progress(true));
  if (options.endOutput !== false) {
    output.end();
    await once(output, 'finish');
  }
  return progress(true);
}

/** Columns the batch reader understands; others are ignored (so a panel may carry names, notes). */
export function isKnownColumn(name: string): boolean {
  return KNOWN_COLUMNS.has(name);
}
