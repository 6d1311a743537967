/**
 * `wellage intake history <questionnaire-response.json> [--lang en|es] [--format text|json]
 * [--as-of YYYY-MM-DD]`: runs the intake engines on a response file, with no database, and
 * prints the note, the red flags, the scores and the extracted resources. Exit status 1 with
 * every error (each naming its item) when the response is invalid; 2 for bad usage.
 */
import fs from 'node:fs';
import { processIntake, noteToText, type Lang } from '../intake/index.ts';

export interface IntakeHistoryOptions {
  readonly lang?: string;
  readonly format?: string;
  /** "Today" for future-date checks and recency windows; defaults to the current date. */
  readonly asOf?: string;
}

export interface Output {
  write(text: string): void;
}

/** Runs the command; returns the exit status (the caller sets process.exitCode). */
export async function intakeHistoryCommand(
  file: string,
  opts: IntakeHistoryOptions = {},
  io: { stdout: Output; stderr: Output } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const lang = (opts.lang ?? 'en') as Lang;
  const format = opts.format ?? 'text';
  if (lang !== 'en' && lang !== 'es') return usage(io, `--lang must be en or es, not "${opts.lang}"`);
  if (format !== 'text' && format !== 'json') return usage(io, `--format must be text or json, not "${opts.format}"`);
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}/.test(asOf)) return usage(io, `--as-of must be a date (YYYY-MM-DD), not "${asOf}"`);

  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    io.stderr.write(`wellage: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.stderr.write(`wellage: ${file} is not valid JSON: ${(e as Error).message}\n`);
    return 1;
  }

  const outcome = processIntake(json, { asOf, lang });
  if (!outcome.ok) {
    const errors = outcome.validation.errors;
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify({ ok: false, errors: errors.map((e) => ({ code: e.code, linkId: e.linkId, item: e.itemText?.[lang], path: e.path, message: e.message[lang] })) }, null, 2)}\n`);
    }
    io.stderr.write(`${lang === 'en' ? 'The intake response is not valid' : 'La respuesta al cuestionario no es válida'} (${errors.length}):\n`);
    for (const e of errors) io.stderr.write(`  ${e.code} ${e.linkId ?? e.path}: ${e.message[lang]}\n`);
    return 1;
  }

  const { note, flags, scores, composition, bundle, validation } = outcome;
  if (format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        {
          ok: true,
          complete: validation.complete,
          missing: validation.missing.map((m) => ({ linkId: m.linkId, item: m.text[lang], ...(m.instance ? { instance: m.instance } : {}) })),
          note,
          flags: flags.map((f) => ({ code: f.code, severity: f.severity, title: f.title[lang], reason: f.reason[lang], action: f.action[lang], linkIds: f.linkIds, basis: f.basis })),
          scores,
          composition,
          bundle,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const L = (en: string, es: string): string => (lang === 'en' ? en : es);
  const lines: string[] = [noteToText(note)];
  lines.push(L('Extracted resources (transaction Bundle)', 'Recursos extraídos (Bundle de transacción)'));
  lines.push('-'.repeat(40));
  for (const e of outcome.extracted) lines.push(`${e.resource.resourceType.padEnd(20)} ${e.label[lang]}  [${e.linkIds.join(', ')}]`);
  lines.push('', L(`Red flags: ${flags.length}. Composition sections: ${composition.section?.length ?? 0}. Resources: ${bundle.entry?.length ?? 0}.`, `Señales de alarma: ${flags.length}. Secciones de la Composition: ${composition.section?.length ?? 0}. Recursos: ${bundle.entry?.length ?? 0}.`));
  const fitz = scores.fitzpatrick.status === 'scored' ? `${scores.fitzpatrick.type} (${scores.fitzpatrick.total}/40)` : L('not scored', 'sin puntuar');
  const dcq = scores.dcq.status === 'scored' ? `${scores.dcq.total}/21 ${scores.dcq.positive ? L('positive', 'positivo') : L('negative', 'negativo')}` : L('not scored', 'sin puntuar');
  lines.push(L(`Scores: Fitzpatrick ${fitz}; DCQ ${dcq}.`, `Escalas: Fitzpatrick ${fitz}; DCQ ${dcq}.`));
  if (!validation.complete) lines.push(L(`Incomplete: ${validation.missing.length} required answers missing.`, `Incompleto: faltan ${validation.missing.length} respuestas obligatorias.`));
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function usage(io: { stderr: Output }, message: string): number {
  io.stderr.write(`wellage: ${message}\n`);
  return 2;
}
