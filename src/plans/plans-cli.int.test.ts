/**
 * `wellage plan generate <patient-id>` as an operator runs it: a real process on a seeded
 * database (embedded PGlite in a data folder, and the PostgreSQL server): the profile comes
 * from the record through the plans service, the plan is printed and kept as a draft CarePlan.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type DbKind, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../platform/config.ts';
import { execute, openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { createServices } from '../platform/services.ts';
import { seedDemo } from '../platform/seed/demo.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function wellage(env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/wellage.mjs'), ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

describe.each(DB_KINDS)('wellage plan generate <patient-id> on %s', (kind: DbKind) => {
  let env: Record<string, string>;
  let dataDir: string;
  let server: TestDatabase | undefined;
  let patientId = '';

  const open = async (): Promise<Database> => (kind === 'postgres' ? openDatabase({ databaseUrl: server!.url! }) : openDatabase({ dataDir }));

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-plan-cli-'));
    env = { WELLAGE_DATA_DIR: dataDir };
    if (kind === 'postgres') {
      server = await openTestDatabase('postgres');
      env.DATABASE_URL = server.url!;
    }
    const database = kind === 'postgres' ? server!.database : await openDatabase({ dataDir });
    if (kind === 'pglite') await migrate(database);
    const services = createServices({ config: loadConfig({ WELLAGE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), database, clock: () => new Date() });
    const seeded = await seedDemo(services, { patientsPerClinic: 3, lesions: false }); // no lesion model runs: plans never read them
    // The patient behind the demo patient login: care consent on file.
    patientId = seeded.users.find((u) => u.role === 'patient')!.patientId!;
    if (kind === 'pglite') await database.close();
  }, 300_000);
  afterAll(async () => {
    await server?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the plan from the record and stores it as a draft CarePlan', async () => {
    const run = await wellage(env, ['plan', 'generate', patientId, '--goals', 'photoaging,dynamic-lines@glabella', '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({ status: 'draft', plan: { kind: 'wellage-plan', patient: `Patient/${patientId}` } });
    expect(record.plan.goals.map((g: { concern: string }) => g.concern)).toEqual(['photoaging', 'dynamic-lines']);
    expect(record.profile.sources.some((s: { field: string; source: { resourceType?: string } }) => s.field === 'age' && s.source.resourceType === 'Patient')).toBe(true);

    const text = await wellage(env, ['plan', 'generate', patientId, '--goals', 'photoaging', '--lang', 'es']);
    expect(text.code).toBe(0);
    expect(text.stdout.length).toBeGreaterThan(200);

    const d = await open();
    try {
      const rows = await execute<{ n: number }>(d.db, sql`select count(*)::int as n from fhir_resource where resource_type = 'CarePlan' and patient_id = ${patientId} and content->>'status' = 'draft'`);
      expect(rows[0]!.n).toBe(2);
    } finally {
      await d.close();
    }
  });

  it('fails with a message naming the problem for an unknown patient and an unknown concern', async () => {
    const unknown = await wellage(env, ['plan', 'generate', 'no-such-patient']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("'no-such-patient' is neither a profile file nor a Patient id");
    const badGoal = await wellage(env, ['plan', 'generate', patientId, '--goals', 'wrinkles-everywhere']);
    expect(badGoal.code).toBe(1);
    expect(badGoal.stderr).toContain('goals[0].concern');
  });
});
