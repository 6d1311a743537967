import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from '../../../test/support/database.ts';
import { fhirResource } from '../db/schema.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';

type Summary = Array<{ purpose: string; status: string; consentId?: string }>;
const statusOf = (s: Summary, purpose: string) => s.find((d) => d.purpose === purpose)?.status;

describe.each(DB_KINDS)('consent routes on %s', (kind) => {
  let h: TestApp;
  let nurse: string;
  beforeAll(async () => {
    h = await openTestApp(kind);
    nurse = await h.login('nurse@a.test');
  });
  afterAll(() => h.close());

  it('starts with no consent for any purpose', async () => {
    const res = await h.app.inject({ url: '/api/patients/pat-a1/consents', headers: { cookie: nurse } });
    expect(res.statusCode).toBe(200);
    expect((res.json() as Summary).map((d) => d.status)).toEqual(['none', 'none', 'none', 'none', 'none', 'none']);
  });

  it('records a decision as a FHIR Consent through the repository and answers the new summary', async () => {
    const res = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/ai-analysis', headers: { cookie: nurse }, payload: { decision: 'permit' } });
    expect(res.statusCode, res.body).toBe(200);
    const summary = res.json() as Summary;
    expect(statusOf(summary, 'ai-analysis')).toBe('permit');
    const rows = await h.t.database.db.select().from(fhirResource).where(and(eq(fhirResource.resourceType, 'Consent'), eq(fhirResource.patientId, 'pat-a1')));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.clinicId).toBe('clinic-a');
    expect(rows[0]?.id).toBe(summary.find((d) => d.purpose === 'ai-analysis')?.consentId);
    const withdrawn = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/ai-analysis', headers: { cookie: nurse }, payload: { decision: 'deny' } });
    expect(statusOf(withdrawn.json() as Summary, 'ai-analysis')).toBe('deny');
  });

  it('lets a patient record their own decision but not another patient’s', async () => {
    const cookie = await h.login('patient@a.test');
    const own = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/research', headers: { cookie }, payload: { decision: 'permit' } });
    expect(own.statusCode, own.body).toBe(200);
    expect(statusOf(own.json() as Summary, 'research')).toBe('permit');
    const other = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a2/consents/research', headers: { cookie }, payload: { decision: 'permit' } });
    expect([other.statusCode, other.json().code]).toEqual([403, 'FORBIDDEN']);
    expect((await h.app.inject({ url: '/api/patients/pat-a2/consents', headers: { cookie } })).statusCode).toBe(403);
  });

  it('refuses learners and other clinics', async () => {
    const learner = await h.login('learner@a.test');
    expect((await h.app.inject({ url: '/api/patients/pat-a1/consents', headers: { cookie: learner } })).statusCode).toBe(403);
    const nurseB = await h.login('nurse@b.test');
    expect((await h.app.inject({ url: '/api/patients/pat-a1/consents', headers: { cookie: nurseB } })).statusCode).toBe(404);
    const put = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/care', headers: { cookie: nurseB }, payload: { decision: 'permit' } });
    expect(put.statusCode).toBe(404);
  });

  it('names the field of a bad purpose, decision or patient id', async () => {
    const badPurpose = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/marketing', headers: { cookie: nurse }, payload: { decision: 'permit' } });
    expect([badPurpose.statusCode, badPurpose.json().field]).toEqual([400, 'params.purpose']);
    const badDecision = await h.app.inject({ method: 'PUT', url: '/api/patients/pat-a1/consents/care', headers: { cookie: nurse }, payload: { decision: 'yes please' } });
    expect([badDecision.statusCode, badDecision.json().field]).toEqual([400, 'body.decision']);
    const sqlish = await h.app.inject({ url: `/api/patients/${encodeURIComponent("x' or 1=1 --")}/consents`, headers: { cookie: nurse } });
    expect([sqlish.statusCode, sqlish.json().field]).toEqual([400, 'params.patientId']);
    expect(badDecision.headers['content-type']).toMatch(/problem\+json/);
  });
});
