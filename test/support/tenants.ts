/**
 * Named synthetic tenants, users and patients for the identity, audit, consent and file
 * tests. Patients and Consents are written straight into fhir_resource (the FHIR room owns
 * the repository; these tests only need rows it would have written).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Consent } from '@medplum/fhirtypes';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import type { Queryable } from '../../src/platform/db/database.ts';
import { fhirResource, type Role } from '../../src/platform/db/schema.ts';
import { buildConsent } from '../../src/platform/consent/consent.ts';
import type { ConsentPurpose } from '../../src/platform/consent/purposes.ts';
import { createClinic, createUser } from '../../src/platform/auth/users.ts';

export const PASSWORD = 'correct-horse-battery';

/** Two clinics; in each one user per role, e.g. `nurse@a.test`; patients `pat-a1`, `pat-a2`, `pat-b1`. */
export const CLINICS = { a: 'clinic-a', b: 'clinic-b' } as const;

export function testConfig(overrides: Record<string, string> = {}): Config {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-room-b-'));
  return loadConfig({ WELLAGE_DATA_DIR: dir, LOG_LEVEL: 'silent', ...overrides });
}

export async function insertPatient(q: Queryable, clinicId: string, id: string): Promise<void> {
  await q.insert(fhirResource).values({
    resourceType: 'Patient',
    id,
    versionId: 1,
    lastUpdated: new Date('2026-01-01T00:00:00Z'),
    clinicId,
    patientId: id,
    content: { resourceType: 'Patient', id, meta: { versionId: '1' }, name: [{ family: 'Synthetic', given: [id] }] },
  });
}

let consentSeq = 0;

/** Stores a Consent row as the FHIR repository would. */
export async function insertConsent(
  q: Queryable,
  clinicId: string,
  patientId: string,
  purpose: ConsentPurpose,
  decision: 'permit' | 'deny',
  opts: { date?: string; status?: Consent['status']; period?: { start?: string; end?: string }; lastUpdated?: Date } = {},
): Promise<string> {
  const id = `consent-${++consentSeq}-${Math.random().toString(36).slice(2, 8)}`;
  const base = buildConsent({ patientId, purpose, decision, date: opts.date ?? '2026-01-02T00:00:00Z' });
  const content: Consent = {
    ...base,
    id,
    status: opts.status ?? 'active',
    provision: { type: decision, ...(opts.period ? { period: opts.period } : {}) },
  };
  await q.insert(fhirResource).values({
    resourceType: 'Consent',
    id,
    versionId: 1,
    lastUpdated: opts.lastUpdated ?? new Date('2026-01-02T00:00:00Z'),
    clinicId,
    patientId,
    content,
  });
  return id;
}

export const ROLES_IN_ORDER: readonly Role[] = ['admin', 'clinician', 'nurse', 'patient', 'learner'];

/** Both clinics with one user of each role, and three patients. Returns user ids by `role@clinicKey`. */
export async function seedTenants(q: Queryable): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [key, clinicId] of Object.entries(CLINICS)) {
    await createClinic(q, { id: clinicId, name: `Clinic ${key.toUpperCase()}`, country: 'ES' });
    await insertPatient(q, clinicId, `pat-${key}1`);
    await insertPatient(q, clinicId, `pat-${key}2`);
    for (const role of ROLES_IN_ORDER) {
      const { id } = await createUser(q, {
        id: `${role}-${key}`,
        clinicId,
        email: `${role}@${key}.test`,
        displayName: `${role} of ${key}`,
        role,
        password: PASSWORD,
        ...(role === 'patient' ? { patientId: `pat-${key}1` } : {}),
        ...(role === 'clinician' ? { practitionerId: `prac-${key}` } : {}),
      });
      ids[`${role}@${key}`] = id;
    }
  }
  return ids;
}

/** Multipart form body for inject(): parts are fields (string) or files. */
export function multipart(parts: Array<{ name: string; value: string } | { name: string; filename: string; contentType: string; bytes: Buffer }>): {
  payload: Buffer;
  headers: Record<string, string>;
} {
  const boundary = `----wellage${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('bytes' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.contentType}\r\n\r\n`));
      chunks.push(p.bytes, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
