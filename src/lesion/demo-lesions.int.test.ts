/**
 * The demo lesions (src/platform/seed/demo-lesions.ts) on every test database: each demo
 * clinic gets a lesion awaiting the impression, one signed with histopathology, and one
 * imaged twice months apart whose follow-up view shows the change.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../platform/config.ts';
import { lesionExam } from '../platform/db/schema.ts';
import { createServices, type Services } from '../platform/services.ts';
import { DEMO_CLINICS } from '../platform/seed/demo-users.ts';
import { DEMO_REFERENCE_DATE, seedDemo, type SeedDemoResult } from '../platform/seed/demo.ts';
import { seedDemoLesions, type DemoLesionsResult } from '../platform/seed/demo-lesions.ts';
import type { RequestContext } from '../platform/context.ts';

const NOW = new Date('2026-11-02T09:00:00Z');

describe.each(DB_KINDS)('demo lesions on %s', (kind) => {
  let t: TestDatabase;
  let services: Services;
  let seed: SeedDemoResult;
  let lesions: DemoLesionsResult;
  let seconds = 0;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const config = loadConfig({ WELLAGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-demo-lesions-')), LOG_LEVEL: 'silent' });
    services = createServices({ config, database: t.database, clock: () => NOW });
    seed = await seedDemo(services, { patientsPerClinic: 8, lesions: false });
    const start = performance.now();
    lesions = await seedDemoLesions(services, DEMO_CLINICS, seed.patientsByClinic, DEMO_REFERENCE_DATE);
    seconds = (performance.now() - start) / 1000;
  }, 300_000);

  afterAll(async () => {
    await t?.drop();
  });

  it('seeds three lesions and four exams per clinic', () => {
    expect(seed.lesions).toBeUndefined();
    expect(lesions).toEqual({ lesions: 3 * DEMO_CLINICS.length, exams: 4 * DEMO_CLINICS.length });
    console.info(`demo lesions (both clinics) on ${kind}: ${seconds.toFixed(1)} s`);
  });

  it('in each clinic: one exam awaits the impression, one is signed with histopathology, one lesion evolves', async () => {
    for (const clinic of DEMO_CLINICS) {
      const rows = await t.database.db.select().from(lesionExam).where(eq(lesionExam.clinicId, clinic.id));
      expect(rows.filter((r) => r.status === 'awaiting-impression')).toHaveLength(1);
      const signed = rows.filter((r) => r.status === 'signed');
      expect(signed.filter((r) => r.histopathology !== null)).toHaveLength(1);
      expect(signed.every((r) => r.diagnosticReportId !== null)).toBe(true);

      const clinician = seed.users.find((u) => u.clinicId === clinic.id && u.email.startsWith('clinician@'))!;
      const principal = await services.auth.authenticate((await services.auth.login({ email: clinician.email, password: clinician.password, clientAddress: '127.0.0.1' })).token);
      const ctx: RequestContext = { principal: principal!, clientAddress: '127.0.0.1', requestId: 'test' };
      const twice = rows.find((r) => rows.filter((x) => x.lesionId === r.lesionId).length === 2)!;
      const evo = await services.lesion.evolution(ctx, twice.lesionId);
      expect(evo.exams).toHaveLength(2);
      expect(evo.changes).toHaveLength(1);
      expect(evo.changes[0]!.intervalDays).toBeGreaterThan(180);
      expect(evo.changes[0]!.diameter?.unit).toBe('mm');
    }
  });
});
