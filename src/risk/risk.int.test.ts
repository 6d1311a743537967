/**
 * The risk API over the synthetic demo clinic, on every test database: inputs from the
 * record with their sources, refusals, overrides, saving RiskAssessments, consent and access,
 * the audit, what-if, the ranked panel and the batch route.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, Observation, Patient, RiskAssessment } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadConfig } from '../platform/config.ts';
import { systemContext } from '../platform/context.ts';
import { execute } from '../platform/db/database.ts';
import { buildApp } from '../platform/http/app.ts';
import { createServices, type Services } from '../platform/services.ts';
import { DEMO_PASSWORD } from '../platform/seed/demo-users.ts';
import { seedDemo, type SeedDemoResult } from '../platform/seed/demo.ts';
import type { RiskPanel, RiskReport, WhatIfReport } from './risk.service.ts';

const NOW = new Date('2026-11-02T09:00:00Z');
const AURORA = 'clinic-aurora';

type Result = RiskReport['results'][number];
const scored = (r: Result): r is Extract<Result, { riskPercent: number }> => 'riskPercent' in r;
const refused = (r: Result): r is Extract<Result, { refused: unknown }> => 'refused' in r;

describe.each(DB_KINDS)('risk API on %s', (kind) => {
  let t: TestDatabase;
  let services: Services;
  let app: FastifyInstance;
  let seed: SeedDemoResult;
  let clinician: string;
  /** A seeded Aurora patient aged 40-69 with a lipid panel (SCORE2 applies). */
  let P: string;
  /** Another Aurora patient whose care consent the tests withdraw. */
  let Q: string;

  const login = async (email: string): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: DEMO_PASSWORD } });
    if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
    return String(res.headers['set-cookie']).split(';')[0] as string;
  };
  const get = (url: string, cookie: string) => app.inject({ url, headers: { cookie } });
  const post = (url: string, cookie: string, payload: unknown) => app.inject({ method: 'POST', url, headers: { cookie }, payload: payload as object });

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const config = loadConfig({ WELLAGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-risk-')), LOG_LEVEL: 'silent' });
    services = createServices({ config, database: t.database, clock: () => NOW });
    seed = await seedDemo(services, { lesions: false }); // risk never reads lesion resources
    app = await buildApp(services, { webDist: false, logLevel: 'silent' });
    await app.ready();
    clinician = await login('clinician@aurora.demo');

    const ctx = systemContext(AURORA, 'test');
    const ids = seed.patientsByClinic[AURORA] as string[];
    for (const id of ids) {
      const patient = (await services.fhir.read(ctx, 'Patient', id)) as Patient;
      const age = NOW.getUTCFullYear() - Number(patient.birthDate?.slice(0, 4)) - 1;
      const lipids = await services.fhir.search(ctx, 'Observation', new URLSearchParams({ patient: id, code: 'http://loinc.org|2093-3', _summary: 'count' }), '');
      if (age >= 41 && age <= 68 && (lipids.total ?? 0) > 0) {
        if (!P) P = id;
        else if (!Q) Q = id;
      }
    }
    if (!P || !Q) throw new Error('the demo seed has no two Aurora patients aged 40-69 with lipids');
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('assembles inputs from the record: SCORE2 scores (Spain: low region), PCE asks for race', async () => {
    const res = await get(`/api/patients/${P}/risk`, clinician);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as RiskReport;
    expect(report.patientId).toBe(P);
    expect(report.asOf).toBe(NOW.toISOString());
    expect(report.missing).toContain('race');
    expect(report.inputs.race).toBeUndefined();
    expect(report.inputs.region).toMatchObject({ value: 'low', source: { kind: 'clinic' } });

    const pce = report.results.find((r) => r.model.id === 'pce') as Result;
    expect(refused(pce) && pce.refused).toMatchObject({ code: 'MISSING_INPUT', field: 'race' });
    const score2 = report.results.find((r) => r.model.id === 'score2') as Result;
    expect(scored(score2)).toBe(true);
    if (scored(score2)) {
      expect(score2.riskPercent).toBeGreaterThan(0);
      expect(score2.riskPercent).toBeLessThan(100);
      expect(score2.category?.source).toMatch(/ESC/);
      expect(score2.explanation?.contributions.length).toBeGreaterThan(0);
    }
    // SCORE2-OP is not run for a patient under 70.
    expect(report.results.some((r) => r.model.id === 'score2-op')).toBe(false);
    const qrisk = report.results.find((r) => r.model.id === 'qrisk3') as Result;
    if (scored(qrisk)) expect(qrisk.disclaimer).toBeTruthy();

    // The sources point at real Observations carrying those values.
    const tc = report.inputs.totalCholesterol;
    expect(tc?.source).toMatchObject({ kind: 'observation', resourceType: 'Observation' });
    const obsRes = await get(`/fhir/R4/Observation/${tc?.source.resourceId}`, clinician);
    expect(obsRes.statusCode).toBe(200);
    const obs = obsRes.json() as Observation;
    expect(obs.code.coding?.[0]?.code).toBe('2093-3');
    expect(obs.valueQuantity?.value).toBe(tc?.value);
    expect(obs.valueQuantity?.code).toBe(tc?.unit);
    const bp = await get(`/fhir/R4/Observation/${report.inputs.systolicBp?.source.resourceId}`, clinician);
    expect((bp.json() as Observation).code.coding?.[0]?.code).toBe('85354-9');
  });

  it('scores PCE once the clinician gives race, marking it entered', async () => {
    const res = await post(`/api/patients/${P}/risk`, clinician, { overrides: { race: 'white' }, models: ['pce'] });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as RiskReport;
    expect(report.missing).toEqual([]);
    expect(report.inputs.race).toEqual({ value: 'white', source: { kind: 'entered', display: 'Entered by the clinician: white' } });
    expect(report.results).toHaveLength(1);
    const pce = report.results[0] as Result;
    expect(scored(pce) && pce.category?.code).toBeTruthy();
  });

  it('refuses a bad override or model naming the field, and reads nothing', async () => {
    const before = await aiCalls(P);
    const bad = await post(`/api/patients/${P}/risk`, clinician, { overrides: { totalCholesterol: { value: 5.2, unit: 'mg/dL' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'overrides.totalCholesterol' });
    expect(bad.json().detail ?? bad.json().message ?? '').toMatch(/not plausible/);
    const noUnit = await post(`/api/patients/${P}/risk`, clinician, { overrides: { hdlCholesterol: 50 } });
    expect([noUnit.statusCode, noUnit.json().field]).toEqual([400, 'overrides.hdlCholesterol']);
    const unknown = await post(`/api/patients/${P}/risk`, clinician, { overrides: { shoeSize: 44 } });
    expect([unknown.statusCode, unknown.json().field]).toEqual([400, 'overrides.shoeSize']);
    const model = await get(`/api/patients/${P}/risk?models=pce,astrology`, clinician);
    expect([model.statusCode, model.json().field]).toEqual([400, 'querystring.models']);
    expect(await aiCalls(P)).toHaveLength(before.length);
  });

  it('saves each scored model as a FHIR RiskAssessment readable through the FHIR API', async () => {
    const res = await post(`/api/patients/${P}/risk`, clinician, { overrides: { race: 'white' }, models: ['pce', 'score2', 'qrisk3'], save: true });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as RiskReport;
    const scoredModels = [...new Set(report.results.filter(scored).map((r) => r.model.id))];
    expect(scoredModels).toEqual(expect.arrayContaining(['pce', 'score2']));
    expect(report.saved?.map((s) => s.model).sort()).toEqual([...scoredModels].sort());

    const search = await get(`/fhir/R4/RiskAssessment?patient=${P}`, clinician);
    expect(search.statusCode).toBe(200);
    const bundle = search.json() as Bundle<RiskAssessment>;
    expect(bundle.total).toBe(report.saved?.length);
    const pceSaved = report.saved?.find((s) => s.model === 'pce');
    const ra = bundle.entry?.find((e) => e.resource?.id === pceSaved?.riskAssessmentId)?.resource as RiskAssessment;
    const pce = report.results.find((r) => r.model.id === 'pce') as Extract<Result, { riskPercent: number }>;
    expect(ra).toMatchObject({
      status: 'final',
      subject: { reference: `Patient/${P}` },
      occurrenceDateTime: NOW.toISOString(),
      method: { coding: [{ system: 'https://wellage.dev/fhir/CodeSystem/risk-model', code: 'pce' }] },
    });
    expect(ra.method?.coding?.[0]?.display).toContain(pce.model.version);
    expect(ra.prediction?.[0]?.probabilityDecimal).toBeCloseTo(pce.riskPercent / 100, 12);
    expect(ra.prediction?.[0]?.whenRange?.high?.value).toBe(10);
    expect(ra.prediction?.[0]?.qualitativeRisk?.text).toBe(pce.category?.label);
    expect(ra.basis?.map((b) => b.reference)).toContain(`Observation/${report.inputs.totalCholesterol?.source.resourceId}`);
    expect(ra.performer?.reference).toMatch(/^Practitioner\//);
    const qrisk = report.saved?.find((s) => s.model === 'qrisk3');
    if (qrisk) {
      const q = bundle.entry?.find((e) => e.resource?.id === qrisk.riskAssessmentId)?.resource as RiskAssessment;
      expect(q.note?.[0]?.text).toMatch(/ClinRisk|QRISK/i);
    }
  });

  it('audits each scoring call as ai-call with models, versions and an input hash, never the values', async () => {
    const rows = await aiCalls(P);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const report = (await get(`/api/patients/${P}/risk?models=score2`, clinician)).json() as RiskReport;
    const after = await aiCalls(P);
    const last = after[after.length - 1] as { resource_type: string; detail: Record<string, unknown> };
    expect(last.resource_type).toBe('Patient');
    expect(Object.keys(last.detail).sort()).toEqual(['inputHash', 'modelVersions', 'models', 'outcomes']);
    expect(last.detail.models).toEqual(['score2']);
    expect(last.detail.modelVersions).toEqual({ score2: (report.results[0] as Result).model.version });
    expect(last.detail.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(last.detail.outcomes).toEqual([{ model: 'score2', outcome: 'cvd', horizonYears: 10, result: 'scored' }]);
    const text = JSON.stringify(last.detail);
    expect(text).not.toContain(String(report.inputs.totalCholesterol?.value));
    expect(text).not.toContain(String((report.results[0] as Extract<Result, { riskPercent: number }>).riskPercent));
    // The same inputs hash alike.
    await get(`/api/patients/${P}/risk?models=score2`, clinician);
    const again = await aiCalls(P);
    expect(again[again.length - 1]?.detail.inputHash).toBe(last.detail.inputHash);
  });

  it('refuses without care consent, for another clinic, and for learners', async () => {
    const deny = await app.inject({ method: 'PUT', url: `/api/patients/${Q}/consents/care`, headers: { cookie: clinician }, payload: { decision: 'deny' } });
    expect(deny.statusCode).toBe(200);
    const res = await get(`/api/patients/${Q}/risk`, clinician);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent.care' });
    const whatIf = await post(`/api/patients/${Q}/risk/what-if`, clinician, { scenario: { quitSmoking: true } });
    expect([whatIf.statusCode, whatIf.json().code]).toEqual([403, 'CONSENT_MISSING']);

    const other = await get(`/api/patients/${P}/risk`, await login('clinician@lumen.demo'));
    expect([other.statusCode, other.json().code]).toEqual([404, 'NOT_FOUND']);
    const learner = await login('learner@aurora.demo');
    const l = await get(`/api/patients/${P}/risk`, learner);
    expect([l.statusCode, l.json().code]).toEqual([403, 'FORBIDDEN']);
    expect((await get('/api/risk/panel', learner)).statusCode).toBe(403);
    expect((await app.inject({ url: `/api/patients/${P}/risk` })).statusCode).toBe(401);
  });

  it('lets a patient read their own risk but not another patient’s, and not save', async () => {
    const own = seed.users.find((u) => u.email === 'patient@aurora.demo')?.patientId as string;
    const cookie = await login('patient@aurora.demo');
    const mine = await get(`/api/patients/${own}/risk`, cookie);
    expect(mine.statusCode, mine.body).toBe(200);
    expect((mine.json() as RiskReport).patientId).toBe(own);
    const theirs = await get(`/api/patients/${own === P ? Q : P}/risk`, cookie);
    expect([theirs.statusCode, theirs.json().code]).toEqual([403, 'FORBIDDEN']);
    const save = await post(`/api/patients/${own}/risk`, cookie, { save: true });
    expect(save.statusCode).toBe(403);
  });

  it('what-if: quitting smoking never raises a smoker’s risk, and lowers it for most models', async () => {
    const res = await post(`/api/patients/${P}/risk/what-if`, clinician, {
      overrides: { smoker: true, race: 'white' },
      scenario: { quitSmoking: true, sbpTarget: 120, statin: 'high' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as WhatIfReport;
    expect(body.assumptions.bpPer10mmHg.source).toMatch(/Ettehad/);
    const projected = body.projections.filter((p): p is Extract<typeof p, { baselinePercent: number }> => 'baselinePercent' in p);
    expect(projected.length).toBeGreaterThan(3);
    let lower = 0;
    for (const p of projected) {
      const quit = p.steps.find((s) => s.intervention === 'quit-smoking');
      expect(quit, p.model.id).toBeDefined();
      expect(quit?.riskAfterPercent as number).toBeLessThanOrEqual(p.baselinePercent);
      expect(p.projectedPercent).toBeLessThanOrEqual(p.baselinePercent);
      if ((quit?.riskAfterPercent as number) < p.baselinePercent) lower++;
    }
    expect(lower).toBeGreaterThan(projected.length / 2);

    const bad = await post(`/api/patients/${P}/risk/what-if`, clinician, { scenario: { sbpTarget: 300 } });
    expect([bad.statusCode, bad.json().code, bad.json().field]).toEqual([400, 'VALIDATION_FAILED', 'body.scenario.sbpTarget']);
  });

  it('ranks the clinic’s patients by risk, then those lacking data with what they lack', async () => {
    // A new patient with no measurements at all.
    const created = await app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { cookie: clinician, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', gender: 'female', birthDate: '1966-05-05', name: [{ given: ['Nueva'], family: 'Paciente' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const newId = (created.json() as Patient).id as string;
    const consent = await app.inject({ method: 'PUT', url: `/api/patients/${newId}/consents/care`, headers: { cookie: clinician }, payload: { decision: 'permit' } });
    expect(consent.statusCode).toBe(200);

    const res = await get('/api/risk/panel', clinician);
    expect(res.statusCode, res.body).toBe(200);
    const panel = res.json() as RiskPanel;
    expect(panel.model.id).toBe('score2');
    expect(panel.rows).toHaveLength((seed.patientsByClinic[AURORA] as string[]).length + 1);
    const scoredRows = panel.rows.filter((r) => r.riskPercent !== undefined);
    expect(scoredRows.length).toBeGreaterThan(5);
    expect(panel.rows.slice(0, scoredRows.length)).toEqual(scoredRows);
    for (let i = 1; i < scoredRows.length; i++) expect(scoredRows[i - 1]!.riskPercent!).toBeGreaterThanOrEqual(scoredRows[i]!.riskPercent!);
    for (const r of scoredRows) expect(r.model).toBe(r.age !== null && r.age >= 70 ? 'score2-op' : 'score2');
    const fresh = panel.rows.find((r) => r.patientId === newId);
    expect(fresh).toMatchObject({ name: 'Nueva Paciente', age: 60, model: 'score2', missing: ['totalCholesterol', 'hdlCholesterol', 'systolicBp', 'smoker'] });
    expect(panel.rows.indexOf(fresh!)).toBe(scoredRows.length); // first after the scored ones
    expect(panel.rows.find((r) => r.patientId === Q)?.refusal?.code).toBe('CONSENT_MISSING');
    const pcePanel = (await get('/api/risk/panel?model=pce', clinician)).json() as RiskPanel;
    expect(pcePanel.rows.find((r) => r.patientId === P)?.missing).toEqual(['race']);
    const bad = await get('/api/risk/panel?model=tarot', clinician);
    expect([bad.statusCode, bad.json().field]).toEqual([400, 'querystring.model']);
  });

  it('scores an uploaded CSV or NDJSON panel, a bad row in its own rows, and audits it', async () => {
    const csv =
      'id,sex,age,race,total_cholesterol,hdl_cholesterol,cholesterol_unit,systolic_bp,bp_treated,smoker,diabetes\n' +
      'a,male,55,white,213,50,mg/dL,120,false,false,false\n' +
      'b,female,61,black,5.2,1.3,mg/dL,130,false,true,false\n';
    const res = await app.inject({
      method: 'POST',
      url: '/api/risk/batch?models=pce,framingham',
      headers: { cookie: clinician, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('id,model,outcome,horizon_years,risk_percent,category,warnings,error');
    expect(lines[1]).toMatch(/^a,pce,ascvd,10,5\.3\d*,borderline,,$/);
    expect(lines[3]).toMatch(/^b,pce,ascvd,10,,,,.*totalCholesterol 5\.2 mg\/dL is not plausible/);
    const audit = await execute<{ detail: Record<string, unknown> }>(
      t.database.db,
      sql`select detail from audit_event where action = 'ai-call' and detail->>'view' = 'risk-batch' order by seq desc limit 1`,
    );
    expect(audit[0]?.detail).toMatchObject({ rows: 2, errorRows: 2, models: ['pce', 'framingham'] });

    const nd = await app.inject({
      method: 'POST',
      url: '/api/risk/batch?models=score2',
      headers: { cookie: clinician, 'content-type': 'application/x-ndjson' },
      payload: '{"id":"x","sex":"female","age":50,"region":"low","total_cholesterol":5.5,"hdl_cholesterol":1.4,"cholesterol_unit":"mmol/L","systolic_bp":125,"smoker":false,"diabetes":false}\nnot json\n',
    });
    expect(nd.statusCode, nd.body).toBe(200);
    const rows = nd.body.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 'x', model: 'score2', outcome: 'cvd', error: null });
    expect(typeof rows[0]?.risk_percent).toBe('number');
    expect(rows[1]).toMatchObject({ risk_percent: null, error: 'line 2: not valid JSON' });
    expect(nd.headers['x-qrisk3-notice']).toBeUndefined();
    expect(res.headers['x-qrisk3-notice']).toBeUndefined();

    // QRISK3 among the models: its authors' notice travels with the scores.
    const withQrisk = await app.inject({
      method: 'POST',
      url: '/api/risk/batch?models=qrisk3',
      headers: { cookie: clinician, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(withQrisk.statusCode, withQrisk.body).toBe(200);
    expect(String(withQrisk.headers['x-qrisk3-notice'])).toContain('faithfully implements QRISK3-2017');

    const noHeader = await app.inject({ method: 'POST', url: '/api/risk/batch', headers: { cookie: clinician, 'content-type': 'text/csv' }, payload: 'name,score\nx,1\n' });
    expect([noHeader.statusCode, noHeader.json().code, noHeader.json().field]).toEqual([400, 'VALIDATION_FAILED', 'body.header']);
    const learner = await app.inject({ method: 'POST', url: '/api/risk/batch', headers: { cookie: await login('learner@aurora.demo'), 'content-type': 'text/csv' }, payload: csv });
    expect(learner.statusCode).toBe(403);
  });

  async function aiCalls(patientId: string): Promise<{ resource_type: string; detail: Record<string, unknown> }[]> {
    return execute(t.database.db, sql`select resource_type, detail from audit_event where action = 'ai-call' and patient_id = ${patientId} order by seq`);
  }
});
