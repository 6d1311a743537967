import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { loadConfig } from '../config.ts';
import type { RequestContext } from '../context.ts';
import { execute } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { createServices, type Services } from '../services.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, DEMO_ROLES, demoEmail } from './demo-users.ts';
import { isDemoSeeded, seedDemo, type SeedDemoResult } from './demo.ts';

const PER_CLINIC = 30;

describe.each(DB_KINDS)('seedDemo on %s', (kind) => {
  let t: TestDatabase;
  let services: Services;
  let result: SeedDemoResult;
  let seededBefore: boolean;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const config = loadConfig({ WELLAGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-seed-')), LOG_LEVEL: 'silent' });
    services = createServices({ config, database: t.database, clock: () => new Date('2026-11-02T09:00:00Z') });
    seededBefore = await isDemoSeeded(t.database);
    result = await seedDemo(services, { patientsPerClinic: PER_CLINIC });
  }, 180_000);

  afterAll(async () => {
    await t?.drop();
  });

  const count = async (q: ReturnType<typeof sql>): Promise<number> => Number((await execute<{ n: number }>(t.database.db, q))[0]?.n);

  it('reports the demo as seeded only afterwards', async () => {
    expect(seededBefore).toBe(false);
    expect(await isDemoSeeded(t.database)).toBe(true);
  });

  it('writes each clinic its patients, staff and records', async () => {
    for (const clinic of DEMO_CLINICS) {
      const byType = async (type: string): Promise<number> =>
        count(sql`select count(*)::int as n from fhir_resource where clinic_id = ${clinic.id} and resource_type = ${type} and not deleted`);
      expect(await byType('Patient')).toBe(PER_CLINIC);
      expect(result.patientsByClinic[clinic.id]).toHaveLength(PER_CLINIC);
      expect(await byType('Organization')).toBe(1);
      expect(await byType('Practitioner')).toBe(4);
      expect(await byType('Observation')).toBeGreaterThan(PER_CLINIC * 30);
      for (const type of ['Condition', 'MedicationStatement', 'AllergyIntolerance', 'FamilyMemberHistory', 'Procedure', 'Consent', 'Goal']) {
        expect(await byType(type), type).toBeGreaterThan(0);
      }
      // Every patient's compartment is filled in.
      const orphans = await count(
        sql`select count(*)::int as n from fhir_resource where clinic_id = ${clinic.id} and resource_type in ('Observation', 'Condition', 'Consent') and patient_id is null`,
      );
      expect(orphans).toBe(0);
    }
  });

  it('indexes the data for search and records the writes in the audit log', async () => {
    const clinic = DEMO_CLINICS[0]!;
    const ctx: RequestContext = { principal: { kind: 'system', clinicId: clinic.id, actor: 'test' }, clientAddress: 'local', requestId: 'test' };
    const patientId = result.patientsByClinic[clinic.id]![0]!;
    const found = await services.fhir.search(ctx, 'Observation', new URLSearchParams({ subject: `Patient/${patientId}`, code: 'http://loinc.org|85354-9' }), 'http://localhost/fhir/R4');
    const bps = (found.entry ?? []).map((e) => e.resource as Observation);
    expect(bps.length).toBeGreaterThanOrEqual(3);
    for (const bp of bps) expect(bp.component?.[0]?.code.coding?.[0]?.code).toBe('8480-6');
    expect(await count(sql`select count(*)::int as n from audit_event where clinic_id = ${clinic.id}`)).toBeGreaterThan(0);
  });

  it('creates every demo login with its role in its clinic', async () => {
    for (const clinic of DEMO_CLINICS) {
      for (const role of DEMO_ROLES) {
        const email = demoEmail(clinic, role);
        const rows = await execute<{ role: string; clinic_id: string }>(t.database.db, sql`select role, clinic_id from app_user where email = ${email}`);
        expect(rows, email).toEqual([{ role, clinic_id: clinic.id }]);
        expect(result.users.find((u) => u.email === email)).toMatchObject({ role, clinicId: clinic.id, password: DEMO_PASSWORD });
      }
    }
    // A few more named clinicians per clinic.
    expect(result.users.length).toBeGreaterThan(DEMO_CLINICS.length * DEMO_ROLES.length);
    const emails = result.users.map((u) => u.email);
    expect(new Set(emails).size).toBe(emails.length);
  });

  it('links the patient login to a Patient of its own clinic, and staff to Practitioners', async () => {
    for (const clinic of DEMO_CLINICS) {
      const patientUser = result.users.find((u) => u.clinicId === clinic.id && u.role === 'patient')!;
      const rows = await execute<{ clinic_id: string; resource_type: string }>(
        t.database.db,
        sql`select f.clinic_id, f.resource_type from app_user u join fhir_resource f on f.id = u.patient_id and f.resource_type = 'Patient' where u.email = ${patientUser.email}`,
      );
      expect(rows).toEqual([{ clinic_id: clinic.id, resource_type: 'Patient' }]);
      for (const staff of result.users.filter((u) => u.clinicId === clinic.id && (u.role === 'clinician' || u.role === 'nurse'))) {
        const linked = await execute<{ clinic_id: string }>(
          t.database.db,
          sql`select f.clinic_id from app_user u join fhir_resource f on f.id = u.practitioner_id and f.resource_type = 'Practitioner' where u.email = ${staff.email}`,
        );
        expect(linked, staff.email).toEqual([{ clinic_id: clinic.id }]);
      }
    }
  });

  it('lets the patient sign in with the demo password and read their own record', async () => {
    const clinic = DEMO_CLINICS[1]!;
    const login = await services.auth.login({ email: demoEmail(clinic, 'patient'), password: DEMO_PASSWORD, clientAddress: '127.0.0.1' });
    const principal = await services.auth.authenticate(login.token);
    expect(principal?.role).toBe('patient');
    const ctx: RequestContext = { principal: principal!, clientAddress: '127.0.0.1', requestId: 'test' };
    const patient = (await services.fhir.read(ctx, 'Patient', principal!.patientId!)) as Patient;
    const expected = result.users.find((u) => u.clinicId === clinic.id && u.role === 'patient')!;
    expect(patient.name?.[0]?.text).toBe(expected.displayName);
    // Reference rewriting: the Patient points at a Practitioner the server knows.
    expect(patient.generalPractitioner?.[0]?.reference).toMatch(/^Practitioner\/[A-Za-z0-9\-.]+$/);
    await expect(services.auth.login({ email: demoEmail(clinic, 'patient'), password: 'not-the-password', clientAddress: '127.0.0.1' })).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
  });

  it('refuses to seed twice, and refuses bad options naming the field', async () => {
    await expect(seedDemo(services)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(seedDemo(services, { patientsPerClinic: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'patientsPerClinic' });
    await expect(seedDemo(services, { referenceDate: new Date('no') })).rejects.toBeInstanceOf(AppError);
    expect(await count(sql`select count(*)::int as n from fhir_resource where resource_type = 'Patient'`)).toBe(PER_CLINIC * DEMO_CLINICS.length);
  });
});
