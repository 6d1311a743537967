/**
 * The intake API over both databases, as the portal and the clinician use it: a resumable
 * draft, submission (coded resources, the note, flags) and re-submission without duplicates,
 * refusals that name the item and write nothing, the clinician's edit and signature (the
 * signed version kept), access and consent, and the red-flag dashboard.
 */
import type { FastifyInstance } from 'fastify';
import type { Bundle, Composition, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { execute } from '../platform/db/database.ts';
import { COMPLETE_WITH_FLAGS, MINIMAL_HEALTHY, PARTIAL } from '../../test/fixtures/intake/drafts.ts';
import { buildApp } from '../platform/http/app.ts';
import { createServices } from '../platform/services.ts';
import { SESSION_COOKIE } from '../platform/auth/credentials.ts';
import { PASSWORD, insertConsent, seedTenants, testConfig } from '../../test/support/tenants.ts';
import { buildResponse, type Draft } from './build-response.ts';
import { EXT_INTAKE_SOURCE, sourceLinkIdsOf } from './extract.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';

const P = '/api/patients/pat-a1/intake';
const json = (d: Draft, status: QuestionnaireResponse['status'] = 'completed'): QuestionnaireResponse => buildResponse(d, SHIPPED_INDEX, { status });

describe.each(DB_KINDS)('intake API on %s', (kind) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const cookies: Record<string, string> = {};
  // The fixtures are consistent with 2026-11-28; each reading of the clock moves it on a second.
  let now = Date.parse('2026-11-28T12:00:00Z');

  const call = async (who: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { cookie: cookies[who] as string }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const fhirSearch = async (type: string, query: string): Promise<Resource[]> => {
    const res = await call('clinician', 'GET', `/fhir/R4/${type}?${query}&_count=500`);
    expect(res.statusCode, res.body).toBe(200);
    return ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);
  };
  const intakeCounts = async () => {
    const counts: Record<string, number> = {};
    for (const type of ['QuestionnaireResponse', 'Composition', 'Condition', 'MedicationStatement', 'AllergyIntolerance', 'FamilyMemberHistory', 'Observation', 'Procedure']) {
      counts[type] = (await fhirSearch(type, 'patient=pat-a1')).length;
    }
    return counts;
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const services = createServices({ config: testConfig(), database: t.database, clock: () => new Date((now += 1000)) });
    await seedTenants(t.database.db);
    await insertConsent(t.database.db, 'clinic-a', 'pat-a1', 'care', 'permit');
    await insertConsent(t.database.db, 'clinic-a', 'pat-a2', 'care', 'deny');
    app = await buildApp(services, { webDist: false, logLevel: 'silent' });
    await app.ready();
    for (const [who, email] of Object.entries({
      patient: 'patient@a.test',
      clinician: 'clinician@a.test',
      nurse: 'nurse@a.test',
      admin: 'admin@a.test',
      learner: 'learner@a.test',
      clinicianB: 'clinician@b.test',
    })) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
      const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
      if (!c) throw new Error(`login of ${email}: ${res.statusCode} ${res.body}`);
      cookies[who] = `${SESSION_COOKIE}=${c.value}`;
    }
  });
  afterAll(async () => {
    await app.close();
    await t.drop();
  });

  it('serves the shipped Questionnaire with skip logic, coded options and Spanish texts', async () => {
    const res = await call('patient', 'GET', '/api/intake/questionnaire');
    expect(res.statusCode).toBe(200);
    const q = res.json();
    expect(q).toMatchObject({ resourceType: 'Questionnaire', url: 'https://wellage.dev/fhir/Questionnaire/aesthetic-intake', version: '1.0.0' });
    const text = JSON.stringify(q);
    expect(text).toContain('"enableWhen"');
    expect(text).toContain('"answerOption"');
    expect(text).toContain('http://hl7.org/fhir/StructureDefinition/translation');
    expect(text).toContain('¿');
  });

  let draftId = '';
  it('a patient saves a draft, sees per-answer issues, and resumes it (one draft, updated in place)', async () => {
    expect((await call('patient', 'GET', `${P}/draft`)).json()).toEqual({ response: null });

    const first = await call('patient', 'PUT', `${P}/draft`, { response: json(PARTIAL, 'in-progress') });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().issues).toEqual([]);
    expect(first.json().savedAt).toMatch(/^2026-11-28T/);

    // A future date is a problem with that answer, but the draft is kept.
    const withFuture = json({ ...PARTIAL, 'skin.isotretinoin': true, 'skin.isotretinoin-ongoing': false, 'skin.isotretinoin-stop': '2027-03-01' }, 'in-progress');
    const second = await call('patient', 'PUT', `${P}/draft`, { response: withFuture });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().issues).toEqual([expect.objectContaining({ linkId: 'skin.isotretinoin-stop', code: 'FUTURE_DATE' })]);

    const resumed = await call('patient', 'GET', `${P}/draft`);
    expect(resumed.statusCode).toBe(200);
    const body = resumed.json();
    expect(body.response).toMatchObject({ resourceType: 'QuestionnaireResponse', status: 'in-progress', subject: { reference: 'Patient/pat-a1' } });
    expect(JSON.stringify(body.response)).toContain('2027-03-01');
    expect(body.savedAt).toBe(second.json().savedAt);
    draftId = body.response.id;

    const drafts = (await fhirSearch('QuestionnaireResponse', 'patient=pat-a1')) as QuestionnaireResponse[];
    expect(drafts.map((d) => [d.id, d.status])).toEqual([[draftId, 'in-progress']]);
  });

  it('refuses a draft that is not for the shipped questionnaire, naming the field, and keeps the old one', async () => {
    const wrong = { ...json(PARTIAL, 'in-progress'), questionnaire: 'https://wellage.dev/fhir/Questionnaire/aesthetic-intake|0.9.0' };
    const res = await call('patient', 'PUT', `${P}/draft`, { response: wrong });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'response.questionnaire' });
    const notQr = await call('patient', 'PUT', `${P}/draft`, { response: { resourceType: 'Patient' } });
    expect(notQr.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'response.resourceType' });
    const otherPatient = await call('nurse', 'PUT', `${P}/draft`, { response: { ...json(PARTIAL, 'in-progress'), subject: { reference: 'Patient/pat-a2' } } });
    expect(otherPatient.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'response.subject' });
    const missing = await call('patient', 'PUT', `${P}/draft`, {});
    expect(missing.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.response' });
    const after = (await call('patient', 'GET', `${P}/draft`)).json();
    expect(after.response.id).toBe(draftId);
    expect(after.response.meta.versionId).toBe('2');
  });

  it('refuses an invalid submission naming the linkId, listing every error, and writes nothing', async () => {
    const before = await intakeCounts();
    const bad = json({ ...COMPLETE_WITH_FLAGS, 'about.age': 300, 'social.cigarettes-per-day': 2000 });
    const res = await call('patient', 'POST', `${P}/submit`, { response: bad });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'about.age' });
    expect(body.details.errors.map((e: { linkId: string; code: string }) => [e.linkId, e.code])).toEqual([
      ['about.age', 'IMPOSSIBLE_VALUE'],
      ['social.cigarettes-per-day', 'IMPOSSIBLE_VALUE'],
    ]);
    expect(body.details.errors[0].message).toMatch(/300/);
    expect(await intakeCounts()).toEqual(before);
  });

  let firstSubmit: { questionnaireResponseId: string; compositionId: string };
  let createdCounts: Record<string, number>;
  it('submits a complete intake: the draft becomes the completed response; coded resources, the note and the flags are stored', async () => {
    const res = await call('patient', 'POST', `${P}/submit`, { response: json(COMPLETE_WITH_FLAGS) });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    firstSubmit = body;
    expect(body.questionnaireResponseId).toBe(draftId);
    expect(body.flags.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['CHANGING_MOLE', 'EXERTIONAL_CHEST_PAIN', 'MELANOMA_FAMILY', 'DYSMORPHIC_SCREEN_POSITIVE']));
    expect(body.flags[0]).toMatchObject({ code: 'CHANGING_MOLE', severity: 'urgent', title: { en: expect.any(String), es: expect.any(String) }, linkIds: expect.arrayContaining(['skin.mole-change']) });
    expect(body.scores.fitzpatrick).toMatchObject({ status: 'scored', type: 'III', total: 16 });
    expect(body.scores.dcq).toMatchObject({ status: 'scored', positive: true });
    expect(body.changes).toMatchObject({ created: 35, updated: 0, unchanged: 0, noLongerReported: 0 });
    expect(body.changes.summary.es).toMatch(/Nuevo/);
    expect(body.missing).toEqual([]);

    const qr = (await call('clinician', 'GET', `/fhir/R4/QuestionnaireResponse/${draftId}`)).json() as QuestionnaireResponse;
    expect(qr.status).toBe('completed');
    expect((await call('patient', 'GET', `${P}/draft`)).json()).toEqual({ response: null });

    const conditions = await fhirSearch('Condition', 'patient=pat-a1');
    expect(conditions.length).toBeGreaterThan(0);
    for (const c of conditions) {
      expect(sourceLinkIdsOf(c).length).toBeGreaterThan(0);
      const ext = (c as { extension?: { url: string; extension?: { url: string; valueReference?: { reference?: string } }[] }[] }).extension?.find((e) => e.url === EXT_INTAKE_SOURCE);
      expect(ext?.extension?.find((e) => e.url === 'questionnaireResponse')?.valueReference?.reference).toBe(`QuestionnaireResponse/${draftId}`);
    }
    const apixaban = (await fhirSearch('MedicationStatement', 'patient=pat-a1')).find((m) => JSON.stringify(m).includes('1364430'));
    expect(sourceLinkIdsOf(apixaban as Resource)).toContain('med.list.name');

    const comp = (await call('clinician', 'GET', `/fhir/R4/Composition/${body.compositionId}`)).json() as Composition;
    expect(comp).toMatchObject({ status: 'preliminary', subject: { reference: 'Patient/pat-a1' }, language: 'en' });
    // Patient free text stays text in the narrative.
    expect(JSON.stringify(comp)).toContain('&lt;script&gt;');
    createdCounts = await intakeCounts();
    expect(createdCounts).toMatchObject({ QuestionnaireResponse: 1, Composition: 1 });
  });

  it('re-submitting with one change updates the record without duplicates and says what changed', async () => {
    const res = await call('patient', 'POST', `${P}/submit`, { response: json({ ...COMPLETE_WITH_FLAGS, 'social.cigarettes-per-day': 20 }) });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.questionnaireResponseId).not.toBe(firstSubmit.questionnaireResponseId);
    expect(body.changes).toMatchObject({ created: 0, updated: 1, unchanged: 34, noLongerReported: 0 });
    expect(body.changes.summary.en).toBe('Changed observation: Pack-years (details, value).');
    expect(body.scores.packYears).toMatchObject({ packYears: 25 });
    const counts = await intakeCounts();
    expect(counts).toEqual({ ...createdCounts, QuestionnaireResponse: 2, Composition: 2 });
  });

  let versionId = '';
  let compositionId = '';
  it('shows the latest intake to the clinician: note with sources, flags, scores and answers; in Spanish on request', async () => {
    const res = await call('clinician', 'GET', `${P}/history`);
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    compositionId = h.compositionId;
    versionId = h.versionId;
    expect(h).toMatchObject({ status: 'preliminary', versionId: '1', note: { lang: 'en', complete: true } });
    expect(h.signedBy).toBeUndefined();
    expect(h.questionnaireResponse.status).toBe('completed');
    expect(h.note.sections[0].code).toBe('red-flags');
    const chief = h.note.sections.find((s: { code: string }) => s.code === 'chief-complaint');
    expect(chief.sentences[0]).toEqual({ id: 'chief-complaint-1', kind: 'answer', text: '46-year-old woman.', linkIds: ['about.age', 'about.sex'] });
    // Read back from the stored narrative: the patient's words come back exactly as written.
    expect(chief.sentences.find((x: { linkIds: string[] }) => x.linkIds.includes('reason.main')).text).toContain("<script>alert(1)</script> a celebrity's.");
    expect(h.flags.length).toBeGreaterThan(5);
    expect(h.answers).toContainEqual({ linkId: 'about.age', text: 'Age (years)', answer: '46' });
    expect(h.answers).toContainEqual(expect.objectContaining({ linkId: 'social.cigarettes-per-day', answer: '20' }));

    const es = (await call('clinician', 'GET', `${P}/history?lang=es`)).json();
    expect(es.note.lang).toBe('es');
    expect(es.note.title).toMatch(/^Historia clínica preliminar/);
    expect(es.note.sections.find((s: { code: string }) => s.code === 'chief-complaint').sentences[0].text).toBe('Mujer de 46 años.');
    expect(es.answers).toContainEqual({ linkId: 'about.age', text: 'Edad (años)', answer: '46' });

    // The patient may read their own history.
    expect((await call('patient', 'GET', `${P}/history`)).statusCode).toBe(200);
    expect((await call('clinician', 'GET', `${P}/history?lang=fr`)).json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'querystring.lang' });
  });

  it('a clinician edits a sentence (linkIds kept, marked edited); a stale version is 412; a nurse cannot edit', async () => {
    const edit = { versionId, sections: [{ code: 'chief-complaint', sentences: [{ id: 'chief-complaint-1', text: '46-year-old woman, accompanied by her sister.' }] }] };
    const nurse = await call('nurse', 'PUT', `${P}/history`, edit);
    expect(nurse.statusCode).toBe(403);

    const res = await call('clinician', 'PUT', `${P}/history`, edit);
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    expect(h.versionId).toBe('2');
    const chief = h.note.sections.find((s: { code: string }) => s.code === 'chief-complaint');
    expect(chief.sentences[0]).toEqual({ id: 'chief-complaint-1', kind: 'answer', text: '46-year-old woman, accompanied by her sister.', linkIds: ['about.age', 'about.sex'], edited: true });
    expect(chief.sentences[1].edited).toBeUndefined();
    const comp = (await call('clinician', 'GET', `/fhir/R4/Composition/${compositionId}`)).json() as Composition;
    expect(comp.section?.find((s) => s.title === 'Chief complaint and goals')?.text?.div).toContain('accompanied by her sister');

    const stale = await call('clinician', 'PUT', `${P}/history`, edit);
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'VERSION_CONFLICT', field: 'versionId' });

    const unknown = await call('clinician', 'PUT', `${P}/history`, { versionId: '2', sections: [{ code: 'allergies', sentences: [{ id: 'allergies-99', text: 'x' }] }] });
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'sections[0].sentences[0].id' });
    const empty = await call('clinician', 'PUT', `${P}/history`, { versionId: '2', sections: [{ code: 'chief-complaint', sentences: [{ id: 'chief-complaint-1', text: '  ' }] }] });
    expect(empty.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'sections[0].sentences[0].text' });
    versionId = '2';
  });

  it('a clinician signs: final, who and when; the earlier versions stay readable; later edits are 409', async () => {
    expect((await call('nurse', 'POST', `${P}/history/sign`, { versionId })).statusCode).toBe(403);
    expect((await call('clinician', 'POST', `${P}/history/sign`, { versionId: '1' })).json()).toMatchObject({ code: 'VERSION_CONFLICT' });

    const res = await call('clinician', 'POST', `${P}/history/sign`, { versionId });
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    expect(h).toMatchObject({ status: 'final', versionId: '3', signedBy: { userId: 'clinician-a', displayName: 'clinician of a' } });
    expect(h.signedAt).toMatch(/^2026-11-28T/);
    expect(h.note.sections.find((s: { code: string }) => s.code === 'chief-complaint').sentences[0].text).toBe('46-year-old woman, accompanied by her sister.');

    const stored = (await call('clinician', 'GET', `/fhir/R4/Composition/${compositionId}`)).json() as Composition;
    expect(stored.status).toBe('final');
    expect(stored.title).toBe('Medical history from the patient intake, reviewed and signed');
    expect(h.note.title).not.toContain('unsigned');
    expect(stored.attester).toEqual([{ mode: 'legal', time: h.signedAt, party: { identifier: { system: 'https://wellage.dev/fhir/NamingSystem/user', value: 'clinician-a' }, display: 'clinician of a' } }]);
    const v1 = await call('clinician', 'GET', `/fhir/R4/Composition/${compositionId}/_history/1`);
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({ status: 'preliminary' });
    expect(JSON.stringify(v1.json())).not.toContain('accompanied');

    // GET answers the signed version, in its own language even when another is asked.
    const again = (await call('clinician', 'GET', `${P}/history?lang=es`)).json();
    expect(again).toMatchObject({ status: 'final', versionId: '3', note: { lang: 'en' } });

    const edit = await call('clinician', 'PUT', `${P}/history`, { versionId: '3', sections: [{ code: 'chief-complaint', sentences: [{ id: 'chief-complaint-1', text: 'Changed.' }] }] });
    expect(edit.statusCode).toBe(409);
    expect(edit.json()).toMatchObject({ code: 'CONFLICT' });
    expect((await call('clinician', 'POST', `${P}/history/sign`, { versionId: '3' })).statusCode).toBe(409);
  });

  it('lists the flags on the clinic dashboard, urgent first; staff only; other clinics see none', async () => {
    const res = await call('clinician', 'GET', '/api/intake/flags?limit=50');
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json().rows as { patientId: string; patientName: string; questionnaireResponseId: string; flag: { code: string; severity: string } }[];
    expect(rows.length).toBeGreaterThan(5);
    expect(rows[0]).toMatchObject({ patientId: 'pat-a1', patientName: 'pat-a1 Synthetic', flag: { severity: 'urgent' } });
    // Only the latest intake counts.
    expect(new Set(rows.map((r) => r.questionnaireResponseId)).size).toBe(1);
    const ranks = rows.map((r) => ['urgent', 'high', 'moderate'].indexOf(r.flag.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(rows.map((r) => r.flag.code)).toContain('ANTITHROMBOTIC');
    expect((await call('clinician', 'GET', '/api/intake/flags?limit=2')).json().rows).toHaveLength(2);
    expect((await call('clinician', 'GET', '/api/intake/flags?limit=0')).json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'querystring.limit' });

    expect((await call('clinicianB', 'GET', '/api/intake/flags')).json()).toEqual({ rows: [] });
    expect((await call('patient', 'GET', '/api/intake/flags')).statusCode).toBe(403);
    expect((await call('learner', 'GET', '/api/intake/flags')).statusCode).toBe(403);
  });

  it('staff fill an intake with the patient; a partial one gives a note that says what is missing', async () => {
    await insertConsent(t.database.db, 'clinic-a', 'pat-a2', 'care', 'permit', { date: '2026-06-01T00:00:00Z' });
    const res = await call('nurse', 'POST', '/api/patients/pat-a2/intake/submit', { response: json(PARTIAL, 'in-progress') });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.missing.length).toBeGreaterThan(10);
    expect(body.missing[0]).toEqual({ linkId: expect.any(String), text: expect.any(String) });
    const h = (await call('clinician', 'GET', '/api/patients/pat-a2/intake/history')).json();
    expect(h.note.complete).toBe(false);
    expect(h.note.sections.find((s: { code: string }) => s.code === 'incomplete').sentences[0]).toMatchObject({ kind: 'missing' });
    // The minimal intake of a healthy patient raises nothing.
    const healthy = await call('nurse', 'POST', '/api/patients/pat-a2/intake/submit', { response: json(MINIMAL_HEALTHY) });
    expect(healthy.json().flags).toEqual([]);

    // Signed by a clinician whose Practitioner is on record: the attester points at it.
    const prac = await call('admin', 'PUT', '/fhir/R4/Practitioner/prac-a', { resourceType: 'Practitioner', id: 'prac-a', name: [{ family: 'Clinician', given: ['Ana'] }] });
    expect(prac.statusCode, prac.body).toBe(201);
    const latest = (await call('clinician', 'GET', '/api/patients/pat-a2/intake/history')).json();
    const signed = await call('clinician', 'POST', '/api/patients/pat-a2/intake/history/sign?lang=es', { versionId: latest.versionId });
    expect(signed.statusCode, signed.body).toBe(200);
    // Signed in the language asked for, since nobody had edited the English note.
    expect(signed.json()).toMatchObject({ status: 'final', note: { lang: 'es' } });
    const comp = (await call('clinician', 'GET', `/fhir/R4/Composition/${latest.compositionId}`)).json() as Composition;
    expect(comp.language).toBe('es');
    expect(comp.attester?.[0]?.party).toMatchObject({ reference: 'Practitioner/prac-a', display: 'clinician of a' });
  });

  it('refuses learners (403), another patient (403), another clinic (404), and a patient without care consent (403 CONSENT_MISSING)', async () => {
    for (const [method, url, payload] of [
      ['GET', `${P}/draft`, undefined],
      ['PUT', `${P}/draft`, { response: json(PARTIAL, 'in-progress') }],
      ['POST', `${P}/submit`, { response: json(MINIMAL_HEALTHY) }],
      ['GET', `${P}/history`, undefined],
    ] as const) {
      const learner = await call('learner', method, url, payload);
      expect(learner.statusCode, `${method} ${url}`).toBe(403);
      expect(learner.json().code).toBe('FORBIDDEN');
      const other = await call('clinicianB', method, url, payload);
      expect(other.statusCode, `${method} ${url}`).toBe(404);
    }
    const otherPatient = await call('patient', 'GET', '/api/patients/pat-a2/intake/history');
    expect(otherPatient.json()).toMatchObject({ code: 'FORBIDDEN', field: 'patientId' });

    await insertConsent(t.database.db, 'clinic-a', 'pat-a2', 'care', 'deny', { date: '2026-07-01T00:00:00Z' });
    const before = (await fhirSearch('QuestionnaireResponse', 'patient=pat-a2')).length;
    for (const [method, url] of [
      ['GET', '/api/patients/pat-a2/intake/history'],
      ['POST', '/api/patients/pat-a2/intake/submit'],
    ] as const) {
      const res = await call('clinician', method, url, method === 'POST' ? { response: json(MINIMAL_HEALTHY) } : undefined);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent.care' });
    }
    expect((await fhirSearch('QuestionnaireResponse', 'patient=pat-a2')).length).toBe(before);
    // Without consent the dashboard leaves the patient out.
    const rows = (await call('clinician', 'GET', '/api/intake/flags')).json().rows as { patientId: string }[];
    expect(rows.every((r) => r.patientId !== 'pat-a2')).toBe(true);
    expect((await call('clinician', 'GET', '/api/patients/pat-b1/intake/history')).statusCode).toBe(404);
    expect((await call('clinician', 'GET', '/api/patients/pat-a1/intake/history')).statusCode).toBe(200);
  });

  it('audits submissions and signatures as the acting user; writes made on a patient\'s behalf name that user', async () => {
    const rows = await execute<{ user_id: string | null; action: string; op: string | null; actor: string | null; resource_type: string }>(
      t.database.db,
      sql`select user_id, action, resource_type, detail->>'operation' as op, detail->>'actor' as actor from audit_event where patient_id = 'pat-a1' order by seq`,
    );
    expect(rows.filter((r) => r.op === 'intake-submit').map((r) => r.user_id)).toEqual(['patient-a', 'patient-a']);
    expect(rows.filter((r) => r.op === 'intake-sign').map((r) => r.user_id)).toEqual(['clinician-a']);
    const onBehalf = rows.filter((r) => r.action === 'create' && r.resource_type === 'Condition');
    expect(onBehalf.length).toBeGreaterThan(0);
    expect(onBehalf.every((r) => r.user_id === null && r.actor === 'intake:submit:user:patient-a')).toBe(true);
  });

  it('answers 404 for a patient with no submitted intake, and 401 without a session', async () => {
    const fresh = await call('clinicianB', 'GET', '/api/patients/pat-b1/intake/history');
    // pat-b1 has no care consent in clinic B: consent is checked before the intake is looked up.
    expect(fresh.json()).toMatchObject({ code: 'CONSENT_MISSING' });
    await insertConsent(t.database.db, 'clinic-b', 'pat-b1', 'care', 'permit');
    const none = await call('clinicianB', 'GET', '/api/patients/pat-b1/intake/history');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await app.inject({ method: 'GET', url: `${P}/history` })).statusCode).toBe(401);
  });
});
