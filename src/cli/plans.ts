/**
 * `wellage plan generate <profile.json> [--goals ...] [--genotype file] [--lang en|es]
 * [--format text|json] [--as-of YYYY-MM-DD]`: a plan from a profile file, with no database.
 * A genotype file, when given, becomes the profile's genetics panel (only the panel is
 * used; the file's content is not printed or kept). Bad input: a message naming the field
 * on stderr and exit status 1. `wellage plan generate <patient-id>` (when the argument is not an
 * existing file) reads the record through the plans service.
 */
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Config } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { execute } from '../platform/db/database.ts';
import { systemContext } from '../platform/context.ts';
import { openPlatform } from '../platform/runtime.ts';
import { generatePlan, genotypePanel, renderPlanText, shippedKnowledgeBase, type KnowledgeBase } from '../plans/index.ts';

export interface PlanGenerateOptions {
  /** Comma-separated goals in rank order, each `concern` or `concern@area`; replaces the profile's goals. */
  goals?: string | undefined;
  genotype?: string | undefined;
  lang?: string | undefined;
  format?: string | undefined;
  /** Plan date; defaults to today (UTC). */
  asOf?: string | undefined;
}

export interface PlanGenerateResult {
  readonly exitCode: 0 | 1;
  readonly stdout: string;
  readonly stderr: string;
}

class CannotRun extends Error {}

/** Maximum genotype file size read (consumer files are ~15-30 MB; a whole-genome VCF is not accepted here). */
export const MAX_GENOTYPE_BYTES = 200 * 1024 * 1024;

function readText(file: string, what: string, maxBytes: number): string {
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new CannotRun(`${what}: ${file} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CannotRun) throw e;
    throw new CannotRun(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size > maxBytes) throw new CannotRun(`${what}: ${file} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
  return fs.readFileSync(file, 'utf8');
}

/** Runs the command and returns what it would print (the testable core). */
export function planGenerate(profileFile: string, opts: PlanGenerateOptions, kb: KnowledgeBase = shippedKnowledgeBase()): PlanGenerateResult {
  try {
    const lang = opts.lang ?? 'en';
    if (lang !== 'en' && lang !== 'es') throw new CannotRun(`--lang: '${lang}' is not en or es`);
    const format = opts.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new CannotRun(`--format: '${format}' is not text or json`);
    const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);

    let profile: unknown;
    try {
      profile = JSON.parse(readText(profileFile, 'profile', 10 * 1024 * 1024));
    } catch (e) {
      if (e instanceof CannotRun) throw e;
      throw new CannotRun(`profile: ${profileFile} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) throw new CannotRun('profile: must be a JSON object');
    const p = { ...(profile as Record<string, unknown>) };
    if (opts.goals !== undefined) {
      const goals = opts.goals.split(',').map((g) => g.trim()).filter(Boolean);
      if (goals.length === 0) throw new CannotRun('--goals: give at least one concern');
      p.goals = goals.map((g, i) => {
        const [concern, area] = g.split('@');
        return { concern, ...(area ? { area } : {}), rank: i + 1 };
      });
    }
    if (opts.genotype !== undefined) p.genetics = genotypePanel(readText(opts.genotype, '--genotype', MAX_GENOTYPE_BYTES), kb);

    const plan = generatePlan(p, { asOf, kb });
    return { exitCode: 0, stdout: format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanText(plan, lang), stderr: '' };
  } catch (e) {
    if (e instanceof CannotRun) return { exitCode: 1, stdout: '', stderr: `wellage plan generate: ${e.message}\n` };
    if (isAppError(e)) {
      const field = opts.genotype !== undefined && e.field === 'genotype' ? `--genotype ${opts.genotype}` : e.field;
      return { exitCode: 1, stdout: '', stderr: `wellage plan generate: ${e.message}${field && !e.message.startsWith(field) ? ` (field ${field})` : ''}\n` };
    }
    throw e;
  }
}

/**
 * `wellage plan generate <patient-id>`: the profile from the record, through the plans service,
 * as the system principal of the patient's clinic (consent is checked as for any caller). The
 * plan is stored as a draft CarePlan, like one generated in the web app, and printed.
 */
export async function planGenerateForPatient(config: Config, patientId: string, opts: PlanGenerateOptions): Promise<PlanGenerateResult> {
  const lang = opts.lang ?? 'en';
  if (lang !== 'en' && lang !== 'es') return { exitCode: 1, stdout: '', stderr: `wellage plan generate: --lang: '${lang}' is not en or es\n` };
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') return { exitCode: 1, stdout: '', stderr: `wellage plan generate: --format: '${format}' is not text or json\n` };
  const platform = await openPlatform(config);
  try {
    const rows = await execute<{ clinic_id: string }>(
      platform.database.db,
      sql`select clinic_id from fhir_resource where resource_type = 'Patient' and id = ${patientId} and not deleted`,
    );
    const clinicId = rows[0]?.clinic_id;
    if (!clinicId) return { exitCode: 1, stdout: '', stderr: `wellage plan generate: '${patientId}' is neither a profile file nor a Patient id\n` };
    const ctx = systemContext(clinicId, 'cli:plan-generate');
    if (opts.genotype !== undefined) await platform.services.plans.uploadGenetics(ctx, patientId, readText(opts.genotype, '--genotype', MAX_GENOTYPE_BYTES));
    const goals = opts.goals?.split(',').map((g) => g.trim()).filter(Boolean).map((g) => {
      const [concern, area] = g.split('@');
      return { concern: concern as string, ...(area ? { area } : {}) };
    });
    const record = await platform.services.plans.generate(ctx, patientId, goals?.length ? { goals } : {});
    return { exitCode: 0, stdout: format === 'json' ? `${JSON.stringify(record, null, 2)}\n` : renderPlanText(record.plan, lang), stderr: '' };
  } catch (e) {
    if (e instanceof CannotRun) return { exitCode: 1, stdout: '', stderr: `wellage plan generate: ${e.message}\n` };
    if (isAppError(e)) return { exitCode: 1, stdout: '', stderr: `wellage plan generate: ${e.code}: ${e.message}${e.field && !e.message.startsWith(e.field) ? ` (field ${e.field})` : ''}\n` };
    throw e;
  } finally {
    await platform.close();
  }
}

/** The CLI entry point: a profile file, or else a Patient id; prints the plan, or the error and sets exit status 1. */
export async function planGenerateCommand(profileOrPatient: string, opts: PlanGenerateOptions, config?: () => Config): Promise<void> {
  const isFile = fs.existsSync(profileOrPatient) || /\.json$/i.test(profileOrPatient) || !/^[A-Za-z0-9\-.]{1,64}$/.test(profileOrPatient) || config === undefined;
  const r = isFile ? planGenerate(profileOrPatient, opts) : await planGenerateForPatient(config(), profileOrPatient, opts);
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.exitCode !== 0) process.exitCode = r.exitCode;
}
