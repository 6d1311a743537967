/**
 * The plans API over both databases on the seeded demo clinic: generation from the record
 * (sources point at real resources), the pregnancy and isotretinoin exclusions with their rule
 * and record entry, edits (remove, add, dose in and out of range, adding an excluded option),
 * approval and its refusals, what the patient sees, access, genetics with and without consent
 * (the raw file kept nowhere), and the AI-call audit row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CarePlan } from '@medplum/fhirtypes';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../platform/config.ts';
import { execute } from '../platform/db/database.ts';
import { buildApp } from '../platform/http/app.ts';
import { createServices, type Services } from '../platform/services.ts';
import { SESSION_COOKIE } from '../platform/auth/credentials.ts';
import { systemContext } from '../platform/context.ts';
import { buildConsent } from '../platform/consent/consent.ts';
import { DEMO_CLINICS, DEMO_PASSWORD } from '../platform/seed/demo-users.ts';
import { DEMO_REFERENCE_DATE, DEMO_SEED, seedDemo, type SeedDemoResult } from '../platform/seed/demo.ts';
import { generateClinicPopulation } from '../platform/seed/synthetic.ts';
import type { PlanRecord } from './plans.service.ts';

const PER_CLINIC = 14;
const AURORA = DEMO_CLINICS[0]!;
const GENOTYPE = fs.readFileSync(path.join(import.meta.dirname, '../../test/fixtures/plans/genotype-23andme.txt'), 'utf8');
const MARKER = 'ZQX-MARKER-7f3a9c';

describe.each(DB_KINDS)('plans API on %s', (kind) => {
  let t: TestDatabase;
  let services: Services;
  let app: FastifyInstance;
  let seed: SeedDemoResult;
  const cookies: Record<string, string> = {};
  let now = DEMO_REFERENCE_DATE.getTime() + 9 * 3_600_000;
  let pregnantId = '';
  let isoId = '';
  let ordinaryId = '';
  let showcaseId = '';

  const call = async (who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { cookie: cookies[who] as string, ...headers }, ...(payload !== undefined ? { payload: payload as string } : {}) });

  const consentTo = async (patientId: string, purpose: 'care' | 'genetics', decision: 'permit' | 'deny') => {
    const ctx = systemContext(AURORA.id, 'test');
    await services.fhir.create(ctx, buildConsent({ patientId, purpose, decision, date: new Date(now).toISOString() }));
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const config = loadConfig({ WELLAGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-plans-')), LOG_LEVEL: 'silent' });
    services = createServices({ config, database: t.database, clock: () => new Date((now += 1000)) });
    seed = await seedDemo(services, { patientsPerClinic: PER_CLINIC, lesions: false }); // plans never read lesion resources
    const population = generateClinicPopulation({ seed: DEMO_SEED, clinicId: AURORA.id, count: PER_CLINIC, referenceDate: DEMO_REFERENCE_DATE, locale: 'es', clinicName: AURORA.name });
    const ids = seed.patientsByClinic[AURORA.id]!;
    const summaries = population.patients;
    pregnantId = ids[summaries.findIndex((s) => s.pregnant)]!;
    isoId = ids[summaries.findIndex((s) => s.onIsotretinoin)]!;
    showcaseId = seed.users.find((u) => u.role === 'patient' && u.clinicId === AURORA.id)!.patientId!;
    ordinaryId = ids[summaries.findIndex((s, i) => !s.pregnant && !s.onIsotretinoin && s.age >= 35 && ids[i] !== showcaseId)]!;
    for (const id of [pregnantId, isoId, ordinaryId, showcaseId]) await consentTo(id, 'care', 'permit');
    await consentTo(ordinaryId, 'genetics', 'permit');
    await consentTo(isoId, 'genetics', 'deny');
    app = await buildApp(services, { webDist: false, logLevel: 'silent' });
    await app.ready();
    const logins: Record<string, string> = { clinician: 'clinician@aurora.demo', nurse: 'nurse@aurora.demo', patient: 'patient@aurora.demo', learner: 'learner@aurora.demo', other: 'clinician@lumen.demo' };
    for (const [who, email] of Object.entries(logins)) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: DEMO_PASSWORD } });
      const c = res.cookies.find((x) => x.name === SESSION_COOKIE);
      if (!c) throw new Error(`login of ${email}: ${res.statusCode} ${res.body}`);
      cookies[who] = `${SESSION_COOKIE}=${c.value}`;
    }
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const generate = async (who: string, patientId: string, body: unknown = {}) => call(who, 'POST', `/api/patients/${patientId}/plans`, body);

  it('assembles the profile from the record, each value pointing at a real resource', async () => {
    const res = await call('nurse', 'GET', `/api/patients/${ordinaryId}/plans/profile`);
    expect(res.statusCode, res.body).toBe(200);
    const { input, sources, missing } = res.json();
    expect(input.fitzpatrick).toMatch(/^(I|II|III|IV|V|VI)$/);
    expect(input.goals.length).toBeGreaterThan(0);
    const fitz = sources.find((s: { field: string }) => s.field === 'fitzpatrick');
    expect(fitz.source.resourceType).toBe('Observation');
    const obs = await call('clinician', 'GET', `/fhir/R4/Observation/${fitz.source.resourceId}`);
    expect(obs.statusCode).toBe(200);
    expect(JSON.stringify(obs.json().code)).toContain('66555-4');
    const goal = sources.find((s: { field: string }) => s.field === 'goals[0]');
    expect((await call('clinician', 'GET', `/fhir/R4/${goal.source.resourceType}/${goal.source.resourceId}`)).statusCode).toBe(200);
    expect(Array.isArray(missing)).toBe(true);
  });

  let draft: PlanRecord;
  it('generates a draft plan stored as a FHIR CarePlan with activities, and audits the AI call without values', async () => {
    const res = await generate('nurse', ordinaryId);
    expect(res.statusCode, res.body).toBe(201);
    draft = res.json();
    expect(draft).toMatchObject({ status: 'draft', versionId: '1', plan: { kind: 'wellage-plan', patient: `Patient/${ordinaryId}` } });
    expect(draft.plan.goals.length).toBeGreaterThan(0);
    const cp = (await call('clinician', 'GET', `/fhir/R4/CarePlan/${draft.planId}`)).json() as CarePlan;
    expect(cp).toMatchObject({ status: 'draft', intent: 'plan', subject: { reference: `Patient/${ordinaryId}` } });
    expect(cp.activity?.length).toBeGreaterThan(0);
    expect(cp.activity?.[0]?.detail?.code?.text).toBeTruthy();

    const rows = await execute<{ detail: Record<string, unknown> }>(t.database.db, sql`select detail from audit_event where action = 'ai-call' and resource_id = ${draft.planId}`);
    expect(rows).toHaveLength(1);
    const detail = rows[0]!.detail;
    expect(detail).toMatchObject({ kbVersion: draft.plan.kbVersion, engineVersion: draft.plan.engineVersion, inputHash: draft.plan.inputHash });
    // No profile values: neither the age nor a goal's concern appears.
    expect(JSON.stringify(detail)).not.toContain(draft.plan.goals[0]!.concern);
    expect(Object.keys(detail)).not.toContain('profile');
  });

  it('excludes retinoids and neuromodulators for the pregnant patient, naming the rule and the record entry', async () => {
    const res = await generate('clinician', pregnantId, { goals: [{ concern: 'dynamic-lines', area: 'forehead' }, { concern: 'acne' }] });
    expect(res.statusCode, res.body).toBe(201);
    const r: PlanRecord = res.json();
    const excluded = r.plan.goals.flatMap((g) => g.excluded);
    const toxin = excluded.find((x) => x.category === 'neuromodulator');
    expect(toxin, 'a neuromodulator is excluded').toBeDefined();
    const hit = toxin!.because.find((b) => b.ruleId === 'pregnancy')!;
    expect(hit).toBeDefined();
    // The trigger names the profile field; the profile's sources name the record entry behind it.
    expect(hit.triggers.map((tr) => tr.field)).toContain('pregnant');
    const entry = r.profile.sources.find((s) => s.field === 'pregnant')!;
    expect(entry).toMatchObject({ value: true, source: { resourceType: 'Observation' } });
    expect((await call('clinician', 'GET', `/fhir/R4/Observation/${entry.source.resourceId}`)).json().code.coding[0].code).toBe('82810-3');
    expect(r.plan.goals.flatMap((g) => g.options).some((o) => o.category === 'neuromodulator' || /retino/.test(o.interventionId))).toBe(false);
    expect(excluded.some((x) => /retino/.test(x.interventionId) && x.because.some((b) => b.ruleId === 'pregnancy'))).toBe(true);
  });

  it('blocks ablative and medium-depth procedures for the isotretinoin patient', async () => {
    const res = await generate('clinician', isoId, { goals: [{ concern: 'acne-scars' }, { concern: 'photoaging' }] });
    expect(res.statusCode, res.body).toBe(201);
    const r: PlanRecord = res.json();
    const blocked = r.plan.goals.flatMap((g) => g.excluded).filter((x) => x.because.some((b) => b.ruleId === 'isotretinoin-6-months'));
    expect(blocked.length).toBeGreaterThan(0);
    const trigger = blocked[0]!.because.find((b) => b.ruleId === 'isotretinoin-6-months')!.triggers[0]!;
    expect(trigger.ref).toMatch(/^MedicationStatement\//);
    const ids = new Set(blocked.map((b) => b.interventionId));
    expect(r.plan.goals.flatMap((g) => g.options).some((o) => ids.has(o.interventionId))).toBe(false);
  });

  it('edits: remove, add, dose in range, dose out of range (a warning), adding an excluded option is refused naming the rule', async () => {
    const res = await generate('clinician', pregnantId, { goals: [{ concern: 'dynamic-lines', area: 'glabella' }] });
    const r: PlanRecord = res.json();
    const goal = r.plan.goals[0]!;
    const excluded = goal.excluded.find((x) => x.category === 'neuromodulator')!;
    const bad = await call('nurse', 'PATCH', `/api/patients/${pregnantId}/plans/${r.planId}`, { versionId: r.versionId, edits: [{ kind: 'add', goalRank: 1, interventionId: excluded.interventionId }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'edits[0].interventionId' });
    expect(bad.json().detail ?? bad.json().message ?? bad.body).toContain('pregnancy');
    expect((await call('clinician', 'GET', `/api/patients/${pregnantId}/plans/${r.planId}`)).json().versionId).toBe('1');

    // The ordinary patient's draft: remove one option, dose in range then out of range.
    const g = draft.plan.goals[0]!;
    const removed = g.options[g.options.length - 1]!.interventionId;
    const toxinPlan = await generate('clinician', ordinaryId, { goals: [{ concern: 'dynamic-lines', area: 'glabella' }] });
    const tp: PlanRecord = toxinPlan.json();
    const toxin = tp.plan.goals[0]!.options.find((o) => o.category === 'neuromodulator')!;
    expect(toxin.dose[0]).toMatchObject({ area: 'glabella', unit: 'U' });
    const range = toxin.dose[0]!;
    const inRange = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${tp.planId}`, {
      versionId: '1',
      edits: [{ kind: 'dose', goalRank: 1, interventionId: toxin.interventionId, site: 'glabella', dose: { value: range.min, unit: 'U' } }],
    });
    expect(inRange.statusCode, inRange.body).toBe(200);
    expect(inRange.json()).toMatchObject({ versionId: '2', warnings: [] });
    const wrongUnit = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${tp.planId}`, {
      versionId: '2',
      edits: [{ kind: 'dose', goalRank: 1, interventionId: toxin.interventionId, site: 'glabella', dose: { value: 20, unit: 'mL' } }],
    });
    expect(wrongUnit.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'edits[0].dose.unit' });
    const outOfRange = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${tp.planId}`, {
      versionId: '2',
      edits: [{ kind: 'dose', goalRank: 1, interventionId: toxin.interventionId, site: 'glabella', dose: { value: range.max + 30, unit: 'U' } }],
    });
    expect(outOfRange.statusCode, outOfRange.body).toBe(200);
    const w = outOfRange.json() as PlanRecord;
    expect(w.warnings).toEqual([expect.objectContaining({ code: 'DOSE_OUT_OF_RANGE', interventionId: toxin.interventionId, acknowledged: false })]);
    expect(w.edits.at(-1)).toMatchObject({ kind: 'dose', outOfRange: true, acknowledged: false });

    // Approval is refused until acknowledged.
    const refused = await call('clinician', 'POST', `/api/patients/${ordinaryId}/plans/${tp.planId}/approve`, { versionId: w.versionId });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'BAD_REQUEST', field: 'acknowledge' });
    const acked = await call('clinician', 'PATCH', `/api/patients/${ordinaryId}/plans/${tp.planId}`, { versionId: w.versionId, edits: [], acknowledge: [`DOSE_OUT_OF_RANGE:${toxin.interventionId}`] });
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json().warnings[0].acknowledged).toBe(true);
    const cp = (await call('clinician', 'GET', `/fhir/R4/CarePlan/${tp.planId}`)).json() as CarePlan;
    expect(cp.activity?.find((a) => a.detail?.code?.coding?.[0]?.code === toxin.interventionId)?.detail?.description).toContain(`${range.max + 30} U`);

    // Remove on the first draft; the activity goes.
    const rm = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${draft.planId}`, { versionId: draft.versionId, edits: [{ kind: 'remove', goalRank: g.rank, interventionId: removed }] });
    expect(rm.statusCode, rm.body).toBe(200);
    const cp2 = (await call('clinician', 'GET', `/fhir/R4/CarePlan/${draft.planId}`)).json() as CarePlan;
    expect(cp2.activity?.some((a) => a.detail?.code?.coding?.[0]?.code === removed && a.detail)).toBe(false);
    // Add it back.
    const add = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${draft.planId}`, { versionId: rm.json().versionId, edits: [{ kind: 'add', goalRank: g.rank, interventionId: removed }] });
    expect(add.statusCode, add.body).toBe(200);
    expect(add.json().edits.map((e: { kind: string }) => e.kind)).toEqual(['remove', 'add']);
    draft = add.json();
    // Unknown goal and unknown intervention name the field.
    const unknown = await call('nurse', 'PATCH', `/api/patients/${ordinaryId}/plans/${draft.planId}`, { versionId: draft.versionId, edits: [{ kind: 'remove', goalRank: 99, interventionId: removed }] });
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'edits[0].goalRank' });

    // Approve the toxin plan now that the warning is acknowledged.
    const ok = await call('clinician', 'POST', `/api/patients/${ordinaryId}/plans/${tp.planId}/approve`, { versionId: acked.json().versionId });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('approves: nurse 403, stale version 412, clinician ok (CarePlan active, signed), a second approval 409, edits 409', async () => {
    const url = `/api/patients/${ordinaryId}/plans/${draft.planId}`;
    expect((await call('nurse', 'POST', `${url}/approve`, { versionId: draft.versionId })).statusCode).toBe(403);
    const stale = await call('clinician', 'POST', `${url}/approve`, { versionId: '1' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'VERSION_CONFLICT', field: 'versionId' });
    const ok = await call('clinician', 'POST', `${url}/approve`, { versionId: draft.versionId });
    expect(ok.statusCode, ok.body).toBe(200);
    const r: PlanRecord = ok.json();
    expect(r).toMatchObject({ status: 'active', approvedBy: { displayName: expect.any(String) as string } });
    expect(r.approvedAt).toMatch(/^2026-11-01T/);
    const cp = (await call('clinician', 'GET', `/fhir/R4/CarePlan/${draft.planId}`)).json() as CarePlan;
    expect(cp.status).toBe('active');
    expect(cp.author?.reference ?? cp.author?.display).toBeTruthy();
    expect(cp.activity?.length).toBeGreaterThan(0);
    expect(JSON.stringify(cp.extension)).toContain('valueSignature');
    const again = await call('clinician', 'POST', `${url}/approve`, { versionId: r.versionId });
    expect(again.statusCode).toBe(409);
    const edit = await call('clinician', 'PATCH', url, { versionId: r.versionId, edits: [] });
    expect(edit.statusCode).toBe(409);
  });

  it('the patient sees only approved plans of their own record; learners 403; another clinic 404', async () => {
    const gen = await generate('clinician', showcaseId, { goals: [{ concern: 'photoaging' }] });
    expect(gen.statusCode, gen.body).toBe(201);
    const first: PlanRecord = gen.json();
    const second: PlanRecord = (await generate('clinician', showcaseId, { goals: [{ concern: 'texture-pores' }] })).json();
    await call('clinician', 'POST', `/api/patients/${showcaseId}/plans/${second.planId}/approve`, { versionId: second.versionId });
    const list = await call('patient', 'GET', `/api/patients/${showcaseId}/plans`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().plans.map((p: { planId: string }) => p.planId)).toEqual([second.planId]);
    expect((await call('patient', 'GET', `/api/patients/${showcaseId}/plans/${first.planId}`)).statusCode).toBe(404);
    expect((await call('patient', 'GET', `/api/patients/${showcaseId}/plans/${second.planId}`)).json().status).toBe('active');
    expect((await call('clinician', 'GET', `/api/patients/${showcaseId}/plans`)).json().plans).toHaveLength(2);
    expect((await call('patient', 'POST', `/api/patients/${showcaseId}/plans`, {})).statusCode).toBe(403);
    expect((await call('patient', 'GET', `/api/patients/${ordinaryId}/plans`)).statusCode).toBe(403);
    expect((await call('learner', 'GET', `/api/patients/${ordinaryId}/plans`)).statusCode).toBe(403);
    expect((await generate('learner', ordinaryId)).statusCode).toBe(403);
    expect((await call('other', 'GET', `/api/patients/${ordinaryId}/plans`)).statusCode).toBe(404);
    expect((await generate('other', ordinaryId)).statusCode).toBe(404);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const before = await execute<{ n: number }>(t.database.db, sql`select count(*)::int as n from fhir_resource where resource_type = 'CarePlan'`);
    const unknown = await generate('clinician', ordinaryId, { goals: [{ concern: 'wrinkles-everywhere' }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'goals[0].concern' });
    const contradictory = await generate('clinician', ordinaryId, { overrides: { pregnant: true, age: 80 } });
    expect(contradictory.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'pregnant' });
    const after = await execute<{ n: number }>(t.database.db, sql`select count(*)::int as n from fhir_resource where resource_type = 'CarePlan'`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('genetics: refused without consent; with consent only the panel is stored, never the file, and plans use it', async () => {
    const file = `${GENOTYPE}# ${MARKER}\nrs${MARKER}\tnot-a-line\n`;
    const denied = await call('clinician', 'POST', `/api/patients/${isoId}/genetics`, file, { 'content-type': 'text/plain' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent.genetics' });
    expect((await call('clinician', 'GET', `/api/patients/${isoId}/genetics`)).statusCode).toBe(403);

    expect((await call('clinician', 'GET', `/api/patients/${ordinaryId}/genetics`)).json()).toEqual({ panel: null });
    const res = await call('clinician', 'POST', `/api/patients/${ordinaryId}/genetics`, file, { 'content-type': 'text/plain' });
    expect(res.statusCode, res.body).toBe(200);
    const panel = res.json().panel;
    expect(panel.variants.length).toBeGreaterThan(5);
    expect(panel.fileSummary.malformed).toBeGreaterThan(0);
    expect((await call('clinician', 'GET', `/api/patients/${ordinaryId}/genetics`)).json().panel.panelVersion).toBe(panel.panelVersion);

    const stored = await execute<{ n: number }>(t.database.db, sql`select count(*)::int as n from fhir_resource where content::text like ${`%${MARKER}%`} or convert_from(decode(coalesce(content#>>'{extension,0,valueAttachment,data}', ''), 'base64'), 'UTF8') like ${`%${MARKER}%`}`);
    expect(stored[0]!.n).toBe(0);
    const history = await execute<{ n: number }>(t.database.db, sql`select count(*)::int as n from fhir_resource_history where content::text like ${`%${MARKER}%`}`);
    expect(history[0]!.n).toBe(0);
    const audited = await execute<{ n: number }>(t.database.db, sql`select count(*)::int as n from audit_event where detail::text like ${`%${MARKER}%`}`);
    expect(audited[0]!.n).toBe(0);

    const plan = await generate('clinician', ordinaryId, { goals: [{ concern: 'photoaging' }] });
    expect(plan.statusCode, plan.body).toBe(201);
    const r: PlanRecord = plan.json();
    expect(r.plan.genetics.used).toBe(true);
    const src = r.profile.sources.find((s) => s.field === 'genetics')!;
    expect(src.source).toMatchObject({ resourceType: 'Observation' });
  });
});
