/**
 * The CLI's commands other than `serve`. Each opens the platform, acts as the system
 * principal of one clinic (the operator at the console), and closes it again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Bundle } from '@medplum/fhirtypes';
import type { Config } from '../platform/config.ts';
import { AppError } from '../platform/errors.ts';
import { execute, type Queryable } from '../platform/db/database.ts';
import { ROLES, type Role } from '../platform/db/schema.ts';
import { systemContext } from '../platform/context.ts';
import { openPlatform, type Platform } from '../platform/runtime.ts';
import { createUser } from '../platform/auth/users.ts';
import { importBundle, exportPatient } from '../platform/fhir/import.ts';
import { isDemoSeeded, seedDemo } from '../platform/seed/demo.ts';

/** The base URL written into bundles the CLI produces (no server is involved). */
const CLI_BASE_URL = 'urn:wellage:cli/fhir/R4';

async function withPlatform<T>(config: Config, fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(config);
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

const out = (line: unknown): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const say = (text: string): void => void process.stderr.write(`${text}\n`);

export async function dbMigrateCommand(config: Config): Promise<void> {
  await withPlatform(config, async ({ migrations }) => {
    out({ applied: migrations.applied, alreadyApplied: migrations.alreadyApplied.length });
  });
}

export async function seedDemoCommand(config: Config): Promise<void> {
  await withPlatform(config, async ({ services, database }) => {
    if (await isDemoSeeded(database)) {
      say('The demo clinic is already seeded; nothing to do.');
      return;
    }
    const started = Date.now();
    const result = await seedDemo(services);
    const patients = Object.values(result.patientsByClinic).reduce((n, ids) => n + ids.length, 0);
    say(`Seeded ${result.clinics.length} clinics, ${result.users.length} users, ${patients} patients in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  });
}

export async function auditVerifyCommand(config: Config): Promise<void> {
  await withPlatform(config, async ({ services }) => {
    const result = await services.audit.verify();
    out(result);
    if (!result.ok) {
      say(`The audit chain is broken at seq ${result.brokenAt?.seq}: ${result.brokenAt?.reason}`);
      process.exitCode = 1;
    } else {
      say(`The audit chain holds: ${result.checked} events verified.`);
    }
  });
}

export interface FilesSweepOptions {
  olderThanHours?: string;
  dryRun?: boolean;
  limit: string;
}

/** Deletes uploads never attached to a record (src/platform/files/sweep.ts): one JSON line per file, a summary on stderr. */
export async function filesSweepCommand(config: Config, opts: FilesSweepOptions): Promise<void> {
  const graceHours = opts.olderThanHours === undefined ? undefined : Number(opts.olderThanHours);
  if (graceHours !== undefined && !(Number.isFinite(graceHours) && graceHours > 0)) throw new AppError('VALIDATION_FAILED', `--older-than-hours must be a positive number, got ${JSON.stringify(opts.olderThanHours)}`, { field: 'older-than-hours' });
  const limit = Number(opts.limit);
  if (!(Number.isInteger(limit) && limit > 0)) throw new AppError('VALIDATION_FAILED', `--limit must be a positive whole number, got ${JSON.stringify(opts.limit)}`, { field: 'limit' });
  await withPlatform(config, async ({ services }) => {
    const result = await services.files.sweepUnattached({ ...(graceHours !== undefined && { graceHours }), limit, dryRun: opts.dryRun === true });
    for (const f of result.deleted) out({ ...f, action: result.dryRun ? 'would-delete' : 'deleted' });
    const bytes = result.deleted.reduce((n, f) => n + f.byteSize, 0);
    say(
      `${result.dryRun ? 'Dry run: would delete' : 'Deleted'} ${result.deleted.length} upload(s) never attached to a record and created before ${result.cutoff} (${bytes} bytes)` +
        (result.kept.length ? `; kept ${result.kept.length} attached meanwhile` : '') +
        (result.deleted.length === limit ? `; the limit of ${limit} was reached, run again for more` : '') +
        '.',
    );
  });
}

interface UserCreateOptions {
  clinic: string;
  email: string;
  name: string;
  role: string;
  patient?: string;
  practitioner?: string;
  locale: string;
  passwordStdin?: boolean;
  password?: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function userCreateCommand(config: Config, opts: UserCreateOptions): Promise<void> {
  if (!(ROLES as readonly string[]).includes(opts.role)) {
    throw new AppError('VALIDATION_FAILED', `role: must be one of ${ROLES.join(', ')}`, { field: 'role' });
  }
  if (opts.locale !== 'en' && opts.locale !== 'es') {
    throw new AppError('VALIDATION_FAILED', 'locale: must be en or es', { field: 'locale' });
  }
  const password = opts.passwordStdin ? await readStdin() : opts.password;
  if (!password) {
    throw new AppError('VALIDATION_FAILED', 'password: give --password-stdin (or --password)', { field: 'password' });
  }
  await withPlatform(config, async ({ database, services }) => {
    const ctx = systemContext(opts.clinic, 'cli:user-create');
    const created = await database.transaction(async (tx) => {
      await requireClinic(tx, opts.clinic);
      const user = await createUser(tx, {
        clinicId: opts.clinic,
        email: opts.email,
        displayName: opts.name,
        role: opts.role as Role,
        password,
        ...(opts.patient ? { patientId: opts.patient } : {}),
        ...(opts.practitioner ? { practitionerId: opts.practitioner } : {}),
        locale: opts.locale as 'en' | 'es',
      });
      await services.audit.record(ctx, { action: 'user-create', outcome: 'success', resourceType: 'User', resourceId: user.id }, tx);
      return user;
    });
    out({ id: created.id, email: opts.email.toLowerCase(), role: opts.role, clinic: opts.clinic });
  });
}

async function requireClinic(q: Queryable, clinicId: string): Promise<void> {
  const rows = await execute(q, sql`select id from clinic where id = ${clinicId}`);
  if (rows.length === 0) throw new AppError('NOT_FOUND', `clinic: no clinic with id ${clinicId}`, { field: 'clinic' });
}

/** The clinic to import into: the one named, or the only one there is. */
async function resolveClinic(q: Queryable, named: string | undefined): Promise<string> {
  if (named) {
    await requireClinic(q, named);
    return named;
  }
  const rows = await execute<{ id: string }>(q, sql`select id from clinic order by id`);
  if (rows.length === 1 && rows[0]) return rows[0].id;
  throw new AppError(
    'VALIDATION_FAILED',
    rows.length === 0
      ? 'clinic: there is no clinic yet; run `wellage seed demo` or create one'
      : `clinic: several clinics exist (${rows.map((r) => r.id).join(', ')}); name one with --clinic`,
    { field: 'clinic' },
  );
}

export async function importCommand(config: Config, files: string[], opts: { clinic?: string }): Promise<void> {
  await withPlatform(config, async ({ database, services }) => {
    const clinicId = await resolveClinic(database.db, opts.clinic);
    const ctx = systemContext(clinicId, 'cli:import');
    let failed = 0;
    for (const file of files) {
      try {
        const bundle = readBundle(file);
        const result = await importBundle(services.fhir, ctx, bundle, CLI_BASE_URL);
        out({ file, created: result.created, updated: result.updated, patients: result.patients });
      } catch (e) {
        failed += 1;
        const message = e instanceof Error ? e.message : String(e);
        out({ file, error: isAppErrorLike(e) ? { code: e.code, message, field: e.field } : { message } });
      }
    }
    if (failed > 0) process.exitCode = 1;
  });
}

function isAppErrorLike(e: unknown): e is AppError {
  return e instanceof AppError;
}

function readBundle(file: string): Bundle {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (e) {
    throw new AppError('NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { field: 'file' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_JSON', `${file} is not valid JSON`, { field: 'file' });
  }
  if (typeof json !== 'object' || json === null || (json as { resourceType?: unknown }).resourceType !== 'Bundle') {
    throw new AppError('INVALID_RESOURCE', `${file} is not a FHIR Bundle`, { field: 'resourceType' });
  }
  return json as Bundle;
}

export async function exportCommand(config: Config, patientId: string): Promise<void> {
  await withPlatform(config, async ({ database, services }) => {
    const rows = await execute<{ clinic_id: string }>(
      database.db,
      sql`select clinic_id from fhir_resource where resource_type = 'Patient' and id = ${patientId} and not deleted`,
    );
    const clinicId = rows[0]?.clinic_id;
    if (!clinicId) throw new AppError('NOT_FOUND', `No Patient with id ${patientId}`, { field: 'patient-id' });
    const ctx = systemContext(clinicId, 'cli:export');
    const bundle = await exportPatient(services.fhir, ctx, patientId, CLI_BASE_URL);
    // An export leaves the system with the whole record: audited as such, beyond the reads.
    await services.audit.record(ctx, {
      action: 'export',
      outcome: 'success',
      resourceType: 'Patient',
      resourceId: patientId,
      patientId,
      detail: { entries: bundle.entry?.length ?? 0 },
    });
    process.stdout.write(`${JSON.stringify(bundle, null, 2)}\n`);
  });
}
