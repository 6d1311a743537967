/**
 * `wellage lesion analyze` and `wellage lesion evaluate`: the lesion model on image files,
 * with no database. Thin: the analyzer does the work (src/lesion/analyzer.ts), the metrics
 * are src/lesion/metrics.ts. Results go to stdout, progress and messages to stderr.
 *
 * Exit status: 0 every image assessed; 1 at least one image could not be assessed (its
 * line says why) or the run failed; 2 bad arguments (nothing analysed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv } from '../risk/batch/csv.ts';
// Type-only: the analyzer (onnxruntime, sharp) is loaded when a lesion command runs, not for every command.
import type { AnalyzeOptions, LesionAnalyzer } from '../lesion/analyzer.ts';
import { LESION_CLASSES, type LesionClass, type ModelCard } from '../lesion/model-card.ts';
import { metricSet, type MetricSet, type ScoredImage } from '../lesion/metrics.ts';
import type { LesionAnalysis, LesionFeatures, ModelRef, Uncertainty } from '../lesion/types.ts';
import { createRng } from '../platform/seed/prng.ts';
import { parseNote } from '../lesion/notes.ts';

const say = (text: string): void => void process.stderr.write(`${text}\n`);

/** Bad arguments: message on stderr, exit status 2. */
export class UsageError extends Error {}

/** Files above this are refused before reading: no dermoscope writes a 64 MiB image. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

// --------------------------------------------------------------------------- output shape

/** One output line of `lesion analyze --json`, keys as issue 4 names them. */
export interface AnalyzeLine {
  file: string;
  status: 'ok' | 'rejected';
  reason: string | null;
  probabilities: Record<LesionClass, number> | null;
  melanoma_probability: number | null;
  malignant_probability: number | null;
  uncertainty: {
    views: number;
    melanoma_sd: number;
    melanoma_range: [number, number];
    entropy: number;
    level: Uncertainty['level'];
    crosses_operating_point: boolean;
  } | null;
  suggestion: { action: string; text: string } | null;
  features: {
    area_fraction: number;
    asymmetry: number;
    border_irregularity: number;
    colour_count: number;
    colours: string[];
    diameter_px: number;
    diameter_mm: number | null;
    segmentation_reliable: boolean;
  } | null;
  model: ModelRef;
}

const round = (x: number, k = 6): number => Math.round(x * 10 ** k) / 10 ** k;

function featuresLine(f: LesionFeatures): NonNullable<AnalyzeLine['features']> {
  return {
    area_fraction: round(f.areaFraction, 4),
    asymmetry: round(f.asymmetry, 4),
    border_irregularity: round(f.borderIrregularity, 4),
    colour_count: f.colourCount,
    colours: f.colours,
    diameter_px: round(f.diameterPx, 1),
    diameter_mm: f.diameterMm === null ? null : round(f.diameterMm, 2),
    segmentation_reliable: f.segmentationReliable,
  };
}

/** The JSON line for one analysis. */
export function toLine(file: string, a: LesionAnalysis): AnalyzeLine {
  if (a.status === 'rejected') {
    return {
      file,
      status: 'rejected',
      reason: a.reason,
      probabilities: null,
      melanoma_probability: null,
      malignant_probability: null,
      uncertainty: null,
      suggestion: null,
      features: null,
      model: a.model,
    };
  }
  const u = a.uncertainty;
  return {
    file,
    status: 'ok',
    reason: null,
    probabilities: Object.fromEntries(LESION_CLASSES.map((c) => [c, round(a.probabilities[c])])) as Record<LesionClass, number>,
    melanoma_probability: round(a.melanomaProbability),
    malignant_probability: round(a.malignantProbability),
    uncertainty: {
      views: u.views,
      melanoma_sd: round(u.melanomaSd),
      melanoma_range: [round(u.melanomaRange[0]), round(u.melanomaRange[1])],
      entropy: round(u.entropy, 4),
      level: u.level,
      crosses_operating_point: u.crossesOperatingPoint,
    },
    suggestion: { action: a.suggestion.action, text: a.suggestion.text },
    features: featuresLine(a.features),
    model: a.model,
  };
}

const pct = (p: number): string => `${(p * 100).toFixed(1)} %`;

/** The short human summary of one analysis (without --json). */
export function toSummary(file: string, a: LesionAnalysis): string {
  if (a.status === 'rejected') return `${file}: cannot assess (${a.reason}). ${a.message}`;
  const f = a.features;
  const diameter = f.diameterMm !== null ? `${f.diameterMm.toFixed(1)} mm` : `${Math.round(f.diameterPx)} px (no scale)`;
  return [
    `${file}: ${a.suggestion.action.toUpperCase()} suggested; melanoma ${pct(a.melanomaProbability)}, malignant ${pct(a.malignantProbability)}, ` +
      (a.uncertainty.views > 1
        ? `uncertainty ${a.uncertainty.level} (${a.uncertainty.views} views, melanoma sd ${a.uncertainty.melanomaSd.toFixed(3)})`
        : 'uncertainty not measured (1 view: --no-tta)'),
    `  ABCD: asymmetry ${f.asymmetry.toFixed(2)}, border ${f.borderIrregularity.toFixed(2)}, ${f.colourCount} colour${f.colourCount === 1 ? '' : 's'}` +
      `${f.colours.length ? ` (${f.colours.join(', ')})` : ''}, diameter ${diameter}${f.segmentationReliable ? '' : ' [outline unreliable: indicative only]'}`,
    `  ${a.suggestion.text}`,
  ].join('\n');
}

// --------------------------------------------------------------------------- helpers

function positiveNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0) throw new UsageError(`${name}: must be a positive number, got '${raw}'`);
  return v;
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < 1) throw new UsageError(`${name}: must be a whole number of at least 1, got '${raw}'`);
  return v;
}

/** A one-line progress bar on a terminal, redrawn in place. */
function progress(total: number, label: string): ((done: number) => void) | undefined {
  if (!process.stderr.isTTY || total < 2) return undefined;
  const started = Date.now();
  return (done) => {
    const width = 24;
    const share = done / total;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? (done / seconds).toFixed(1) : '-';
    process.stderr.write(`\r[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ${done}/${total} ${label}  ${rate}/s\x1b[K`);
    if (done === total) process.stderr.write('\n');
  };
}

type Read = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

function readImage(file: string): Read {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return { ok: false, message: `${file} is not a file` };
    if (st.size > MAX_FILE_BYTES) return { ok: false, message: `${file} is ${(st.size / 1048576).toFixed(0)} MiB; the limit is ${MAX_FILE_BYTES / 1048576} MiB` };
    return { ok: true, bytes: new Uint8Array(fs.readFileSync(file)) };
  } catch (e) {
    return { ok: false, message: `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
}

function unreadable(analyzer: LesionAnalyzer, message: string): LesionAnalysis {
  const { card } = analyzer.runner;
  return {
    status: 'rejected',
    reason: 'unreadable',
    message,
    quality: null,
    model: { name: card.name, version: card.version, sha256: card.model.sha256 },
    inputSha256: '',
  };
}

async function withAnalyzer<T>(modelDir: string | undefined, fn: (a: LesionAnalyzer) => Promise<T>): Promise<T> {
  const { openLesionAnalyzer } = await import('../lesion/analyzer.ts');
  const analyzer = await openLesionAnalyzer({ ...(modelDir ? { modelDir } : {}), threads: Math.max(1, Math.min(4, os.availableParallelism())) });
  try {
    return await fn(analyzer);
  } finally {
    await analyzer.close();
  }
}

function reportUsage(command: string, e: unknown): boolean {
  if (e instanceof UsageError) {
    say(`wellage lesion ${command}: ${e.message}`);
    process.exitCode = 2;
    return true;
  }
  return false;
}

// --------------------------------------------------------------------------- analyze

export interface AnalyzeCliOptions {
  json?: boolean;
  heatmap?: string;
  tta?: boolean;
  pixelsPerMm?: string;
  model?: string;
}

export async function lesionAnalyzeCommand(files: string[], opts: AnalyzeCliOptions): Promise<void> {
  try {
    await analyze(files, opts);
  } catch (e) {
    if (!reportUsage('analyze', e)) throw e;
  }
}

async function analyze(files: string[], opts: AnalyzeCliOptions): Promise<void> {
  if (files.length === 0) throw new UsageError('give at least one image file');
  const pixelsPerMm = positiveNumber('--pixels-per-mm', opts.pixelsPerMm);
  const heatmapDir = opts.heatmap;
  if (heatmapDir !== undefined) {
    try {
      fs.mkdirSync(heatmapDir, { recursive: true });
      fs.accessSync(heatmapDir, fs.constants.W_OK);
    } catch (e) {
      throw new UsageError(`--heatmap: cannot write to ${heatmapDir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  const options: AnalyzeOptions = {
    tta: opts.tta !== false,
    heatmap: heatmapDir !== undefined,
    outline: heatmapDir !== undefined,
    ...(pixelsPerMm !== undefined ? { pixelsPerMm } : {}),
  };
  let failed = 0;
  const used = new Set<string>();
  await withAnalyzer(opts.model, async (analyzer) => {
    const bar = progress(files.length, 'images');
    for (const [i, file] of files.entries()) {
      const read = readImage(file);
      const analysis = read.ok ? await analyzer.analyze(read.bytes, options) : unreadable(analyzer, read.message);
      if (analysis.status !== 'ok') failed++;
      // Clear the bar's line before writing a result to a terminal that shows both.
      if (bar && process.stdout.isTTY) process.stderr.write('\r\x1b[K');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(toLine(file, analysis))}\n`);
        if (analysis.status === 'rejected') say(`${file}: cannot assess (${analysis.reason}): ${analysis.message}`);
      } else {
        process.stdout.write(`${toSummary(file, analysis)}\n`);
      }
      if (heatmapDir !== undefined && analysis.status === 'ok') writePictures(heatmapDir, file, analysis, used);
      bar?.(i + 1);
    }
  });
  if (failed > 0) {
    say(`${failed} of ${files.length} image${files.length === 1 ? '' : 's'} could not be assessed.`);
    process.exitCode = 1;
  }
}

function writePictures(dir: string, file: string, a: Extract<LesionAnalysis, { status: 'ok' }>, used: Set<string>): void {
  let base = path.basename(file, path.extname(file));
  // Two inputs with the same name from different folders must not overwrite each other.
  for (let k = 2; used.has(base); k++) base = `${path.basename(file, path.extname(file))}-${k}`;
  used.add(base);
  for (const p of a.pictures) {
    fs.writeFileSync(path.join(dir, `${base}.${p.kind}.png`), Buffer.from(p.data, 'base64'));
  }
}

// --------------------------------------------------------------------------- evaluate

export interface EvaluateCliOptions {
  data?: string;
  limit?: string;
  json?: boolean;
  tta?: boolean;
  gate?: boolean;
  seed?: string;
  bootstrap?: string;
  model?: string;
}

/** One labelled image of a folder in the ../shared/data/dermoscopy layout. */
export interface LabelledImage {
  imageId: string;
  path: string;
  label: LesionClass;
  histopathology: boolean;
  source: string;
  group: string;
}

/**
 * Read `<dir>/labels.csv` (image_id, lesion_id, dx, dx_type, ..., source, and optionally
 * exact_duplicate_of / near_duplicates). Rows whose dx is not one of the 7 classes are
 * skipped and counted. Images without a lesion id are grouped with their duplicates (as the
 * trainer does), so the bootstrap resamples whole lesions.
 */
export function readLabelledFolder(dir: string): { images: LabelledImage[]; skipped: number } {
  const csvPath = path.join(dir, 'labels.csv');
  let text: string;
  try {
    text = fs.readFileSync(csvPath, 'utf8');
  } catch (e) {
    throw new UsageError(`--data: no labels.csv in ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const records = parseCsv(text).filter((r) => r.error !== undefined || r.fields.some((f) => f.trim() !== ''));
  const bad = records.find((r) => r.error !== undefined);
  if (bad) throw new UsageError(`--data: ${csvPath} line ${bad.line} is not valid CSV (${bad.error})`);
  const columns = (records[0]?.fields ?? []).map((f) => f.trim());
  const rows: Record<string, string>[] = records.slice(1).map((r) => Object.fromEntries(columns.map((c, i) => [c, (r.fields[i] ?? '').trim()])));
  const header = rows.length > 0 ? columns : [];
  for (const col of ['image_id', 'dx']) {
    if (rows.length > 0 && !header.includes(col)) throw new UsageError(`--data: ${csvPath} has no '${col}' column`);
  }
  const parent = new Map<string, string>();
  const find = (a: string): string => {
    let x = a;
    while ((parent.get(x) ?? x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const r of rows) {
    for (const other of `${r.near_duplicates ?? ''} ${r.exact_duplicate_of ?? ''}`.split(/[;,| ]+/)) {
      if (other) parent.set(find(other), find(r.image_id!));
    }
  }
  const folderName = path.basename(path.resolve(dir));
  const images: LabelledImage[] = [];
  let skipped = 0;
  for (const r of rows) {
    const dx = r.dx as LesionClass;
    if (!r.image_id || !LESION_CLASSES.includes(dx)) {
      skipped++;
      continue;
    }
    const source = r.source || folderName;
    images.push({
      imageId: r.image_id,
      path: path.join(dir, 'images', `${r.image_id}.jpg`),
      label: dx,
      histopathology: r.dx_type === 'histo',
      source,
      group: r.lesion_id || `${source}:${find(r.image_id)}`,
    });
  }
  return { images, skipped };
}

/** What `lesion evaluate --json` prints. */
export interface EvaluateReport {
  data: string;
  model: ModelRef;
  calibration: string;
  images: {
    listed: number;
    scored: number;
    rejected: number;
    unreadable: number;
    skippedLabels: number;
    rejectedByReason: Record<string, number>;
    /** Scored images cropped to a dermatoscope's round field first (null without the gate: the model-only path does not report it). */
    croppedToField: number | null;
  };
  options: { tta: boolean; gate: boolean; limit: number | null; seed: number; bootstrap: number };
  caveats: string[];
  metrics: { overall: MetricSet; histopathology_confirmed: MetricSet | null; by_source: Record<string, MetricSet> };
  card: { overall: unknown; histopathology_confirmed: unknown; by_source: Record<string, unknown> };
}

export async function lesionEvaluateCommand(opts: EvaluateCliOptions): Promise<void> {
  try {
    await evaluate(opts);
  } catch (e) {
    if (!reportUsage('evaluate', e)) throw e;
  }
}

async function evaluate(opts: EvaluateCliOptions): Promise<void> {
  if (!opts.data) throw new UsageError('--data <dir> is required');
  const limit = positiveInt('--limit', opts.limit) ?? null;
  const seed = opts.seed === undefined ? 1 : Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed: must be a whole number, got '${opts.seed}'`);
  const reps = positiveInt('--bootstrap', opts.bootstrap) ?? 1000;
  const { images: listed, skipped } = readLabelledFolder(opts.data);
  if (listed.length === 0) throw new UsageError(`--data: ${opts.data}/labels.csv lists no image with one of the classes ${LESION_CLASSES.join(', ')}`);
  // A seeded sample, not the first N rows: label files are often sorted by diagnosis.
  const rng = createRng(seed);
  const chosen = limit !== null && limit < listed.length ? rng.fork('limit').shuffle(listed).slice(0, limit) : listed;
  const tta = opts.tta !== false; // the card's metrics average the 8 views, as the analyzer does
  const gate = opts.gate !== false;

  await withAnalyzer(opts.model, async (analyzer) => {
    const { card } = analyzer.runner;
    const scored: (ScoredImage & { histopathology: boolean; source: string })[] = [];
    const rejectedByReason: Record<string, number> = {};
    let unreadableCount = 0;
    let croppedToField = 0;
    const bar = progress(chosen.length, 'images');
    for (const [i, im] of chosen.entries()) {
      const read = readImage(im.path);
      if (!read.ok) {
        unreadableCount++;
        say(`${im.path}: ${read.message}`);
      } else if (gate) {
        const a = await analyzer.analyze(read.bytes, { tta, heatmap: false, outline: false });
        if (a.status === 'ok') {
          if (a.quality.notes.some((n) => parseNote(n)?.kind === 'field-of-view')) croppedToField++;
          scored.push({ probabilities: LESION_CLASSES.map((c) => a.probabilities[c]), label: im.label, group: im.group, histopathology: im.histopathology, source: im.source });
        } else {
          rejectedByReason[a.reason] = (rejectedByReason[a.reason] ?? 0) + 1;
        }
      } else {
        // Without the gate: the model alone on every image, as the trainer measured the card.
        try {
          const p = await analyzer.scoreModelOnly(read.bytes, { tta });
          scored.push({ probabilities: LESION_CLASSES.map((c) => p.probabilities[c]), label: im.label, group: im.group, histopathology: im.histopathology, source: im.source });
        } catch (e) {
          unreadableCount++;
          say(`${im.path}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      bar?.(i + 1);
    }
    if (scored.length === 0) {
      say(`wellage lesion evaluate: none of the ${chosen.length} images could be scored.`);
      process.exitCode = 1;
      return;
    }
    const report = buildReport(opts.data!, card, scored, {
      listed: chosen.length,
      rejectedByReason,
      unreadable: unreadableCount,
      croppedToField: gate ? croppedToField : null,
      skippedLabels: skipped,
      options: { tta, gate, limit, seed, bootstrap: reps },
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${formatReport(report)}\n`);
  });
}

function buildReport(
  data: string,
  card: ModelCard,
  scored: (ScoredImage & { histopathology: boolean; source: string })[],
  info: { listed: number; rejectedByReason: Record<string, number>; unreadable: number; croppedToField: number | null; skippedLabels: number; options: EvaluateReport['options'] },
): EvaluateReport {
  const thresholds = {
    refer: card.operating_points.find((o) => o.action === 'refer')!.melanoma_threshold,
    monitor: card.operating_points.find((o) => o.action === 'monitor')!.melanoma_threshold,
  };
  const rng = createRng(info.options.seed);
  const subsetReps = Math.min(info.options.bootstrap, 300); // the trainer's 300 for subsets
  const histo = scored.filter((s) => s.histopathology);
  const sources = [...new Set(scored.map((s) => s.source))].sort();
  const by_source = Object.fromEntries(sources.map((src) => [src, metricSet(scored.filter((s) => s.source === src), thresholds, rng.fork(`source:${src}`), subsetReps)]));
  const caveats: string[] = [];
  const folder = path.basename(path.resolve(data));
  if (card.training.data.some((d) => path.basename(d.folder.replace(/\/+$/, '')) === folder)) {
    caveats.push(
      `The model was trained on a folder named '${folder}': most of these images were seen in training, so these numbers are optimistic; ` +
        "the card's numbers are on its held-out test split.",
    );
  }
  const rejected = Object.values(info.rejectedByReason).reduce((a, b) => a + b, 0);
  if (rejected > 0) caveats.push(`${rejected} images the quality gate rejected are left out (--no-gate scores every image).`);
  if (info.options.limit !== null) caveats.push(`A seeded sample of ${info.listed} images (--limit ${info.options.limit}, --seed ${info.options.seed}).`);
  return {
    data,
    model: { name: card.name, version: card.version, sha256: card.model.sha256 },
    calibration: `model card (temperature ${card.calibration.temperature}, refer >= ${thresholds.refer}, monitor >= ${thresholds.monitor})`,
    images: {
      listed: info.listed,
      scored: scored.length,
      rejected,
      unreadable: info.unreadable,
      skippedLabels: info.skippedLabels,
      croppedToField: info.croppedToField,
      rejectedByReason: info.rejectedByReason,
    },
    options: info.options,
    caveats,
    metrics: {
      overall: metricSet(scored, thresholds, rng.fork('overall'), info.options.bootstrap),
      histopathology_confirmed: histo.length > 0 ? metricSet(histo, thresholds, rng.fork('histo'), subsetReps) : null,
      by_source,
    },
    card: {
      overall: card.metrics.overall,
      histopathology_confirmed: card.metrics.histopathology_confirmed,
      by_source: Object.fromEntries(sources.map((s) => [s, card.metrics.by_source[s] ?? null])),
    },
  };
}

type CardSet = ModelCard['metrics']['overall'];

const num = (x: number | null | undefined, k = 3): string => (x === null || x === undefined ? '-' : x.toFixed(k));
const withCi = (v: number | null | undefined, ci: readonly [number, number] | null | undefined): string =>
  v === null || v === undefined ? '-' : `${num(v)} (${ci ? `${num(ci[0])}-${num(ci[1])}` : '-'})`;

/** The metric table, this folder beside the card, for one subset. */
function table(title: string, m: MetricSet | null, c: CardSet | null | undefined): string[] {
  const rows: [string, string, string][] = [
    ['images / lesions / melanomas', m ? `${m.n_images} / ${m.n_lesions} / ${m.n_melanoma}` : '-', c ? `${c.n_images} / ${c.n_lesions} / ${c.n_melanoma}` : '-'],
    ['melanoma AUC (95% CI)', withCi(m?.melanoma_auc?.value, m?.melanoma_auc?.ci95), withCi(c?.melanoma_auc?.value, c?.melanoma_auc?.ci95)],
    ['malignant AUC (95% CI)', withCi(m?.malignant_auc?.value, m?.malignant_auc?.ci95), withCi(c?.malignant_auc?.value, c?.malignant_auc?.ci95)],
    ['balanced accuracy', num(m?.balanced_accuracy), num(c?.balanced_accuracy)],
  ];
  for (const op of ['refer', 'monitor'] as const) {
    const a = m?.operating_points[op];
    const b = c?.operating_points[op];
    rows.push([`${op}: sensitivity`, withCi(a?.sensitivity, a?.sensitivity_ci95), withCi(b?.sensitivity, b?.sensitivity_ci95)]);
    rows.push([`${op}: specificity`, withCi(a?.specificity, a?.specificity_ci95), withCi(b?.specificity, b?.specificity_ci95)]);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max('this folder'.length, ...rows.map((r) => r[1].length));
  return [
    '',
    title,
    `  ${''.padEnd(w0)}  ${'this folder'.padEnd(w1)}  model card (test split)`,
    ...rows.map(([k, a, b]) => `  ${k.padEnd(w0)}  ${a.padEnd(w1)}  ${b}`),
  ];
}

function formatReport(r: EvaluateReport): string {
  const rejected = Object.entries(r.images.rejectedByReason)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `${r.model.name} ${r.model.version} on ${r.data}: ${r.images.scored} of ${r.images.listed} images scored` +
      `${r.images.rejected ? `; ${r.images.rejected} rejected by the quality gate (${rejected})` : ''}` +
      `${r.images.unreadable ? `; ${r.images.unreadable} unreadable` : ''}.` +
      `${r.images.croppedToField ? ` ${r.images.croppedToField} ${r.images.croppedToField === 1 ? 'was' : 'were'} cropped to the dermatoscope's round field first.` : ''}`,
    `Calibration: ${r.calibration}; ${r.options.tta ? 'with' : 'without'} test-time augmentation; AUC CIs from ${r.options.bootstrap} lesion-level bootstrap resamples.`,
    ...r.caveats.map((c) => `Note: ${c}`),
    ...table('Overall', r.metrics.overall, r.card.overall as CardSet),
    ...table('Histopathology-confirmed (dx_type = histo)', r.metrics.histopathology_confirmed, r.card.histopathology_confirmed as CardSet),
    ...Object.entries(r.metrics.by_source).flatMap(([s, m]) => table(`Source: ${s}`, m, r.card.by_source[s] as CardSet | null)),
  ];
  return lines.join('\n');
}
