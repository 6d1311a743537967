import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { AppError } from '../errors.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import type { AuditLog } from '../audit/types.ts';
import type { RequestContext } from '../context.ts';
import { insertConsent, seedTenants } from '../../../test/support/tenants.ts';
import { createConsentService, type ConsentService } from './consent.service.ts';

function user(userId: string, role: 'nurse' | 'patient' | 'learner', clinicId: string, patientId?: string): RequestContext {
  return { principal: { kind: 'user', userId, role, clinicId, displayName: userId, patientId }, clientAddress: '192.0.2.1', requestId: 't' };
}

describe.each(DB_KINDS)('consent service on %s', (kind) => {
  let t: TestDatabase;
  let consent: ConsentService;
  let audit: AuditLog;
  const clock = () => new Date('2026-06-01T12:00:00Z');
  const nurseA = user('nurse-a', 'nurse', 'clinic-a');

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    audit = createAuditLog({ database: t.database, clock });
    consent = createConsentService({ database: t.database, clock, audit });
    await seedTenants(t.database.db);
    const db = t.database.db;
    await insertConsent(db, 'clinic-a', 'pat-a1', 'care', 'permit');
    await insertConsent(db, 'clinic-a', 'pat-a1', 'ai-analysis', 'deny');
    await insertConsent(db, 'clinic-a', 'pat-a1', 'monitoring', 'permit', { period: { start: '2025-01-01', end: '2025-12-31' } });
    await insertConsent(db, 'clinic-a', 'pat-a1', 'research', 'permit', { date: '2026-01-01T00:00:00Z' });
    await insertConsent(db, 'clinic-a', 'pat-a1', 'research', 'deny', { date: '2026-05-01T00:00:00Z' });
  });
  afterAll(() => t.drop());

  it('passes when the patient permits, and refuses deny, expired and none with a 403 naming the consent', async () => {
    await expect(consent.requireConsent(nurseA, 'pat-a1', 'care')).resolves.toBeUndefined();
    for (const [purpose, reason] of [['ai-analysis', 'denied'], ['monitoring', 'expired'], ['genetics', undefined], ['research', 'denied']] as const) {
      const err = await consent.requireConsent(nurseA, 'pat-a1', purpose).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'CONSENT_MISSING', status: 403, message: `The patient has not given consent for ${purpose}`, field: `consent.${purpose}` });
      expect((err as AppError).details).toEqual({ purpose, ...(reason ? { reason } : {}) });
    }
    const denials = await audit.list('clinic-a', { action: 'consent-check' });
    expect(denials).toHaveLength(4);
    expect(denials[0]).toMatchObject({ outcome: 'denied', patientId: 'pat-a1', detail: { purpose: 'research' } });
  });

  it("never lets another clinic's Consent count", async () => {
    const nurseB = user('nurse-b', 'nurse', 'clinic-b');
    expect(await consent.hasConsent(nurseB, 'pat-a1', 'care')).toBe(false);
    expect(await consent.hasConsent(nurseA, 'pat-a1', 'care')).toBe(true);
  });

  it('summarises every purpose for staff and for the patient themself', async () => {
    const summary = await consent.summary(nurseA, 'pat-a1');
    expect(Object.fromEntries(summary.map((d) => [d.purpose, d.status]))).toEqual({
      care: 'permit', 'ai-analysis': 'deny', genetics: 'none', monitoring: 'deny', 'education-use': 'none', research: 'deny',
    });
    expect((await consent.summary(user('patient-a', 'patient', 'clinic-a', 'pat-a1'), 'pat-a1')).length).toBe(6);
  });

  it('refuses the summary to a learner, to another patient, and across clinics', async () => {
    await expect(consent.summary(user('learner-a', 'learner', 'clinic-a'), 'pat-a1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(consent.summary(user('patient-a', 'patient', 'clinic-a', 'pat-a1'), 'pat-a2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(consent.summary(user('nurse-b', 'nurse', 'clinic-b'), 'pat-a1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an unknown purpose naming the field', async () => {
    await expect(consent.requireConsent(nurseA, 'pat-a1', 'marketing' as 'care')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'purpose' });
  });
});
