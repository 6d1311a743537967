/**
 * The `wellage` command as an operator runs it: a real process, the real bin, on the
 * embedded database (WELLAGE_DATA_DIR) and on the PostgreSQL server (DATABASE_URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.ts';
import { DB_KINDS, openTestDatabase, type DbKind, type TestDatabase } from '../support/database.ts';
import { sql } from 'drizzle-orm';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/fhir');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function wellage(env: Record<string, string>, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/wellage.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const lines = (s: string): Record<string, unknown>[] =>
  s
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(DB_KINDS)('wellage CLI on %s', (kind: DbKind) => {
  let env: Record<string, string>;
  let dataDir: string;
  let server: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-cli-'));
    env = { WELLAGE_DATA_DIR: dataDir };
    if (kind === 'postgres') {
      server = await openTestDatabase('postgres', { migrated: false });
      env.DATABASE_URL = server.url!;
    }
  });
  afterAll(async () => {
    await server?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs SQL against whichever database the CLI used (the CLI process has exited). */
  async function withDb<T>(fn: (run: (q: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: server!.url });
      await c.connect();
      try {
        return await fn(async (q) => (await c.query(q)).rows);
      } finally {
        await c.end();
      }
    }
    const d = await openDatabase({ dataDir });
    try {
      return await fn(async (q) => (await d.db.execute(sql.raw(q)) as unknown as { rows: Record<string, unknown>[] }).rows);
    } finally {
      await d.close();
    }
  }

  it('shows help naming every command', async () => {
    const r = await wellage(env, ['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'db', 'seed', 'audit', 'files', 'user', 'import', 'export']) expect(r.stdout).toContain(c);
  });

  it('migrates, and a second run applies nothing', async () => {
    const first = await wellage(env, ['db', 'migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)[0]?.applied).toContain('0001_platform.sql');
    const second = await wellage(env, ['db', 'migrate']);
    expect(lines(second.stdout)[0]?.applied).toEqual([]);
  });

  it('seeds the demo clinic once', async () => {
    const r = await wellage(env, ['seed', 'demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Seeded 2 clinics/);
    const again = await wellage(env, ['seed', 'demo']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already seeded');
  }, 120_000);

  it('refuses a bad role naming the field, and creates a user from a password on stdin', async () => {
    const bad = await wellage(env, ['user', 'create', '--clinic', 'clinic-aurora', '--email', 'x@y.test', '--name', 'X', '--role', 'wizard', '--password-stdin'], 'long-enough-password');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('role');
    const ok = await wellage(
      env,
      ['user', 'create', '--clinic', 'clinic-aurora', '--email', 'New.Nurse@Aurora.test', '--name', 'New Nurse', '--role', 'nurse', '--password-stdin'],
      'a-long-enough-password\n',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)[0]).toMatchObject({ email: 'new.nurse@aurora.test', role: 'nurse', clinic: 'clinic-aurora' });
    const rows = await withDb((run) => run(`select role, clinic_id from app_user where email = 'new.nurse@aurora.test'`));
    expect(rows).toEqual([{ role: 'nurse', clinic_id: 'clinic-aurora' }]);
  });

  let patientId = '';
  let createdInPatientBundle = 0;

  it('imports bundles, one JSON line per file, and reports a bad file in its own line', async () => {
    const r = await wellage(env, [
      'import',
      '--clinic',
      'clinic-aurora',
      path.join(FIXTURES, 'synthea-support-batch.json'),
      path.join(FIXTURES, 'synthea-patient-transaction.json'),
      path.join(dataDir, 'missing.json'),
    ]);
    expect(r.code).toBe(1);
    const [support, patient, missing] = lines(r.stdout);
    expect(support).toMatchObject({ file: expect.stringContaining('synthea-support-batch.json') });
    expect(support!.created).toBeGreaterThan(0);
    expect(patient!.patients).toHaveLength(1);
    expect(patient!.created).toBeGreaterThan(5);
    expect(missing).toMatchObject({ file: expect.stringContaining('missing.json'), error: expect.anything() });
    patientId = (patient!.patients as string[])[0]!;
    createdInPatientBundle = patient!.created as number;
  }, 60_000);

  it('exports everything about the imported patient as a Bundle, and audits the export', async () => {
    const r = await wellage(env, ['export', patientId]);
    expect(r.code, r.stderr).toBe(0);
    const bundle = JSON.parse(r.stdout) as { resourceType: string; entry: { resource: { resourceType: string; id: string } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.some((e) => e.resource.resourceType === 'Patient' && e.resource.id === patientId)).toBe(true);
    expect(bundle.entry.length).toBeGreaterThanOrEqual(createdInPatientBundle);
    const audited = await withDb((run) => run(`select count(*)::int as n from audit_event where action = 'export' and patient_id = '${patientId}'`));
    expect(audited[0]?.n).toBeGreaterThanOrEqual(1);
  });

  it('answers a clear error for an unknown patient', async () => {
    const r = await wellage(env, ['export', 'no-such-patient']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('NOT_FOUND');
  });

  it('sweeps an upload nobody attached, after a dry run, and keeps every file an exam uses', async () => {
    const id = '00000000-0000-4000-8000-00000000ab01';
    await withDb((run) =>
      run(
        `insert into stored_file (id, clinic_id, patient_id, content_type, byte_size, sha256, storage_key, created_at)
         values ('${id}', 'clinic-aurora', null, 'image/jpeg', 1234, '${'0'.repeat(64)}', 'clinic-aurora/${id}', '2026-01-01T00:00:00Z')`,
      ),
    );
    const bad = await wellage(env, ['files', 'sweep', '--older-than-hours', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('older-than-hours');

    const dry = await wellage(env, ['files', 'sweep', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(lines(dry.stdout)).toContainEqual(expect.objectContaining({ id, action: 'would-delete', byteSize: 1234 }));
    expect(dry.stderr).toMatch(/^Dry run: would delete \d+ upload/);
    expect(await withDb((run) => run(`select id from stored_file where id = '${id}'`))).toHaveLength(1);

    const r = await wellage(env, ['files', 'sweep']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toContainEqual(expect.objectContaining({ id, action: 'deleted' }));
    expect(await withDb((run) => run(`select id from stored_file where id = '${id}'`))).toHaveLength(0);
    const unattached = await withDb((run) => run('select count(*)::int as n from stored_file f where not exists (select 1 from lesion_exam e where e.file_id = f.id)'));
    expect(unattached[0]?.n).toBe(0);
    const attached = await withDb((run) => run('select count(*)::int as n from stored_file'));
    expect(attached[0]?.n).toBeGreaterThan(0); // the demo exams' images stay
    const audited = await withDb((run) => run(`select count(*)::int as n from audit_event where action = 'file-expire' and resource_id = '${id}'`));
    expect(audited[0]?.n).toBe(1);
  });

  it('verifies the audit chain, and points at a row altered directly in the database', async () => {
    const ok = await wellage(env, ['audit', 'verify']);
    expect(ok.code, ok.stderr).toBe(0);
    const good = lines(ok.stdout)[0]!;
    expect(good.ok).toBe(true);
    expect(good.checked).toBeGreaterThan(10);

    await withDb(async (run) => {
      await run('alter table audit_event disable trigger audit_event_no_update');
      await run(`update audit_event set outcome = 'denied' where seq = 7`);
      await run('alter table audit_event enable trigger audit_event_no_update');
    });
    const broken = await wellage(env, ['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(lines(broken.stdout)[0]).toMatchObject({ ok: false, brokenAt: { seq: 7 } });
    expect(broken.stderr).toContain('seq 7');
  });
});
