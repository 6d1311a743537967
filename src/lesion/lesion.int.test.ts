/**
 * The lesion workflow over HTTP, on every test database: capture, the blinded first read,
 * reveal, sign-off (FHIR DiagnosticReport), histopathology (FHIR Observation), roles, tenancy,
 * consent, rejected images, EXIF removal, the audit trail, settings and operating points.
 * One analyzer is shared by the whole file (sharedAnalyzer); the heatmap runs once.
 */
import fs from 'node:fs';
import type { BodyStructure, DiagnosticReport, Media, Observation } from '@medplum/fhirtypes';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../../test/support/app.ts';
import { DB_KINDS } from '../../test/support/database.ts';
import { CLINICS, insertConsent, multipart } from '../../test/support/tenants.ts';
import { systemContext } from '../platform/context.ts';
import { execute } from '../platform/db/database.ts';
import { fhirResource, lesionExam, storedFile } from '../platform/db/schema.ts';
import { createLesionService } from './lesion.service.ts';
import type { ExamView, Evolution, LesionSettings, LesionSummary, ModelCardView, OperatingPointsView, OperatingPointVersion, PerformanceView } from './views.ts';

const FIXTURES = new URL('../../test/fixtures/lesion/', import.meta.url);
const MEL = fs.readFileSync(new URL('ham-mel.jpg', FIXTURES));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe.each(DB_KINDS)('lesion API on %s', (kind) => {
  let h: TestApp;
  const cookies: Record<string, string> = {};
  /** ham-mel.jpg with a camera owner and GPS position in its EXIF, as a phone would send it. */
  let withExif: Buffer;

  const get = (url: string, who: string) => h.app.inject({ url, headers: { cookie: cookies[who]! } });
  const send = (method: 'POST' | 'PUT', url: string, who: string, payload: unknown) =>
    h.app.inject({ method, url, headers: { cookie: cookies[who]! }, payload: payload as object });
  const upload = async (who: string, patientId: string, bytes: Buffer, contentType = 'image/jpeg'): Promise<string> => {
    const body = multipart([
      { name: 'patientId', value: patientId },
      { name: 'file', filename: 'lesion.jpg', contentType, bytes },
    ]);
    const res = await h.app.inject({ method: 'POST', url: '/api/files', headers: { cookie: cookies[who]!, ...body.headers }, payload: body.payload });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  const newLesion = async (patientId: string, label: string, who = 'clinician-a'): Promise<LesionSummary> => {
    const res = await send('POST', `/api/lesion/patients/${patientId}/lesions`, who, { bodySite: '77568009', label });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as LesionSummary;
  };
  const auditOf = (action: string, patientId?: string) =>
    h.services.audit.list(CLINICS.a, { action: action as never, ...(patientId ? { patientId } : {}), limit: 500 });

  beforeAll(async () => {
    h = await openTestApp(kind);
    const db = h.t.database.db;
    // pat-a1: care and AI analysis; pat-a2: care only; pat-b1 (other clinic): both.
    for (const purpose of ['care', 'ai-analysis'] as const) await insertConsent(db, CLINICS.a, 'pat-a1', purpose, 'permit');
    await insertConsent(db, CLINICS.a, 'pat-a2', 'care', 'permit');
    for (const purpose of ['care', 'ai-analysis'] as const) await insertConsent(db, CLINICS.b, 'pat-b1', purpose, 'permit');
    for (const [who, email] of [
      ['clinician-a', 'clinician@a.test'],
      ['nurse-a', 'nurse@a.test'],
      ['admin-a', 'admin@a.test'],
      ['patient-a', 'patient@a.test'],
      ['clinician-b', 'clinician@b.test'],
    ] as const) {
      cookies[who] = await h.login(email);
    }
    withExif = await sharp(MEL)
      .withExif({ IFD0: { Artist: 'Dr Secret Camera Owner', Copyright: 'GPS-LEAK-TEST' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 0/1' } })
      .jpeg({ quality: 95 })
      .toBuffer();
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  describe('the blinded workflow', () => {
    let lesion: LesionSummary;
    let fileId: string;
    let exam: ExamView;

    it('lists body sites with SNOMED CT codes in English and Spanish', async () => {
      const res = await get('/api/lesion/body-sites', 'nurse-a');
      expect(res.statusCode).toBe(200);
      const back = (res.json() as { code: string; system: string; label: { en: string; es: string } }[]).find((s) => s.code === '77568009');
      expect(back).toMatchObject({ system: 'http://snomed.info/sct', label: { en: 'Back', es: 'Espalda' } });
    });

    it('adds a lesion as a FHIR BodyStructure; bad bodies name the field', async () => {
      const bad = await send('POST', '/api/lesion/patients/pat-a1/lesions', 'nurse-a', { bodySite: '123', label: 'left shoulder' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'bodySite' });
      const noLabel = await send('POST', '/api/lesion/patients/pat-a1/lesions', 'nurse-a', { bodySite: '77568009', label: '  ' });
      expect(noLabel.statusCode).toBe(400);
      expect(String(noLabel.json().field)).toMatch(/label/);
      const patient = await send('POST', '/api/lesion/patients/pat-a1/lesions', 'patient-a', { bodySite: '77568009', label: 'x' });
      expect(patient.statusCode).toBe(403);

      lesion = await newLesion('pat-a1', 'Left scapula, 3 cm from the spine', 'nurse-a');
      expect(lesion).toMatchObject({ patientId: 'pat-a1', label: 'Left scapula, 3 cm from the spine', bodySite: { code: '77568009' }, exams: [] });
      const bs = (await h.services.fhir.read(systemContext(CLINICS.a, 'test'), 'BodyStructure', lesion.id)) as BodyStructure;
      expect(bs.patient.reference).toBe('Patient/pat-a1');
      expect(bs.location?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '77568009' });
      expect(bs.description).toBe('Left scapula, 3 cm from the spine');
    });

    it('refuses bad exam bodies naming the field, and files of another patient', async () => {
      fileId = await upload('nurse-a', 'pat-a1', withExif);
      const notUuid = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId: 'abc' });
      expect(notUuid.statusCode).toBe(400);
      expect(notUuid.json().field).toBe('body.fileId');
      const scale = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId, pixelsPerMm: -3 });
      expect(scale.statusCode).toBe(400);
      expect(scale.json().field).toBe('body.pixelsPerMm');
      const missing = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId: '00000000-0000-4000-8000-000000000000' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().field).toBe('fileId');
      const otherPatientFile = await upload('nurse-a', 'pat-a2', MEL);
      const wrong = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId: otherPatientFile });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ code: 'VALIDATION_FAILED', field: 'fileId' });
    });

    it('captures an exam: awaiting the impression, the analysis hidden from everyone, the uploader included', async () => {
      const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId, pixelsPerMm: 20 });
      expect(res.statusCode, res.body).toBe(201);
      exam = res.json() as ExamView;
      expect(exam).toMatchObject({ status: 'awaiting-impression', blinded: true, analysis: null, analysisWithheld: 'role', quality: { passed: true }, pixelsPerMm: 20 });
      expect(exam.model.version).toMatch(/^\d+\.\d+\.\d+$/);

      const asClinician = (await get(`/api/lesion/exams/${exam.id}`, 'clinician-a')).json() as ExamView;
      expect(asClinician).toMatchObject({ status: 'awaiting-impression', blinded: true, analysis: null, analysisWithheld: 'blinded' });
      expect(asClinician.allowed).toEqual({ impression: true, decision: false, histopathology: false });
      for (const pic of ['outline.png', 'heatmap.png']) {
        const hidden = await get(`/api/lesion/exams/${exam.id}/${pic}`, 'clinician-a');
        expect(hidden.statusCode).toBe(409);
        expect(hidden.json().code).toBe('AI_RESULT_BLINDED');
      }
      const list = (await get('/api/lesion/patients/pat-a1/lesions', 'clinician-a')).json() as LesionSummary[];
      expect(list.find((l) => l.id === lesion.id)?.exams.map((e) => [e.id, e.analysis])).toEqual([[exam.id, null]]);
      const signFirst = await send('POST', `/api/lesion/exams/${exam.id}/decision`, 'clinician-a', { agreesWithAi: true, diagnosis: 'nv', action: 'monitor' });
      expect(signFirst.statusCode).toBe(409);
      expect(signFirst.json().code).toBe('AI_RESULT_BLINDED');
    });

    it('stores the image without EXIF or GPS, and records it as a FHIR Media', async () => {
      const res = await get(`/api/lesion/exams/${exam.id}/image`, 'nurse-a');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      const meta = await sharp(res.rawPayload).metadata();
      expect(meta.exif).toBeUndefined();
      expect(res.rawPayload.includes(Buffer.from('Dr Secret'))).toBe(false);
      expect(withExif.includes(Buffer.from('Dr Secret'))).toBe(true);
      const media = (await h.services.fhir.read(systemContext(CLINICS.a, 'test'), 'Media', exam.image.mediaId)) as Media;
      expect(media).toMatchObject({ status: 'completed', subject: { reference: 'Patient/pat-a1' }, content: { contentType: 'image/jpeg' } });
    });

    it('audits the model call with the model identity and the hash of the stored input', async () => {
      const [file] = await h.t.database.db.select().from(storedFile).where(eq(storedFile.id, fileId));
      const calls = (await auditOf('ai-call', 'pat-a1')).filter((e) => e.resourceId === exam.id);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ outcome: 'success', resourceType: 'LesionExam' });
      expect(calls[0]!.detail).toMatchObject({ model: { name: exam.model.name, version: exam.model.version, sha256: exam.model.sha256 }, inputSha256: file!.sha256, calibration: 'model-card' });
    });

    it('keeps nurses out of the AI result and the clinical record', async () => {
      const imp = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'nurse-a', { diagnosis: 'nv', action: 'monitor', confidence: 'high' });
      expect(imp.statusCode).toBe(403);
      const bad = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'clinician-a', { diagnosis: 'freckle', action: 'monitor', confidence: 'high' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('body.diagnosis');
    });

    it('the impression reveals the analysis and the outline to the clinician, never to the nurse', async () => {
      const res = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'clinician-a', { diagnosis: 'mel', action: 'refer', confidence: 'medium', note: 'irregular network' });
      expect(res.statusCode, res.body).toBe(200);
      exam = res.json() as ExamView;
      expect(exam).toMatchObject({ status: 'revealed', blinded: false, analysisWithheld: null, impression: { diagnosis: 'mel', action: 'refer', blinded: true, note: 'irregular network' } });
      const a = exam.analysis;
      if (a?.status !== 'ok') throw new Error('expected an accepted analysis');
      const sum = Object.values(a.probabilities).reduce((x, y) => x + y, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(a.uncertainty.views).toBe(8);
      expect(a.features.diameterMm).toBeCloseTo(a.features.diameterPx / 20, 5);
      expect(a.pictures.find((p) => p.kind === 'outline')?.url).toBe(`/api/lesion/exams/${exam.id}/outline.png`);
      const outline = await get(`/api/lesion/exams/${exam.id}/outline.png`, 'clinician-a');
      expect(outline.statusCode).toBe(200);
      expect(outline.rawPayload.subarray(0, 4)).toEqual(PNG_SIGNATURE);

      const nurse = (await get(`/api/lesion/exams/${exam.id}`, 'nurse-a')).json() as ExamView;
      expect(nurse).toMatchObject({ status: 'revealed', analysis: null, analysisWithheld: 'role' });
      expect((await get(`/api/lesion/exams/${exam.id}/outline.png`, 'nurse-a')).statusCode).toBe(403);
      const again = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'clinician-a', { diagnosis: 'nv', action: 'monitor', confidence: 'high' });
      expect(again.statusCode).toBe(409);
      const early = await send('POST', `/api/lesion/exams/${exam.id}/histopathology`, 'clinician-a', { diagnosis: 'mel', malignant: true, date: '2026-01-01' });
      expect(early.statusCode).toBe(409);
    });

    it('signing writes a final DiagnosticReport with the AI suggestion, the decision and the model', async () => {
      const a = exam.analysis;
      if (a?.status !== 'ok') throw new Error('expected an accepted analysis');
      const other = a.suggestion.action === 'refer' ? 'monitor' : 'refer';
      const inconsistent = await send('POST', `/api/lesion/exams/${exam.id}/decision`, 'clinician-a', { agreesWithAi: true, diagnosis: 'mel', action: other });
      expect(inconsistent.statusCode).toBe(400);
      expect(inconsistent.json().field).toBe('action');
      const res = await send('POST', `/api/lesion/exams/${exam.id}/decision`, 'clinician-a', { agreesWithAi: false, diagnosis: 'mel', action: other, note: 'clinical context' });
      expect(res.statusCode, res.body).toBe(200);
      exam = res.json() as ExamView;
      expect(exam).toMatchObject({ status: 'signed', decision: { agreesWithAi: false, diagnosis: 'mel', action: other } });
      const report = (await h.services.fhir.read(systemContext(CLINICS.a, 'test'), 'DiagnosticReport', exam.decision!.diagnosticReportId)) as DiagnosticReport;
      expect(report.status).toBe('final');
      expect(report.subject?.reference).toBe('Patient/pat-a1');
      expect(report.performer?.[0]?.display).toBe('clinician of a');
      expect(report.media?.[0]?.link.reference).toBe(`Media/${exam.image.mediaId}`);
      expect(report.conclusion).toContain(`AI second opinion (${a.model.name} ${a.model.version}`);
      expect(report.conclusion).toContain(a.suggestion.action);
      expect(report.conclusion).toContain(`overrides the AI: melanoma, ${other}`);
      expect(JSON.stringify(report.extension)).toContain(a.model.sha256);
      const again = await send('POST', `/api/lesion/exams/${exam.id}/decision`, 'clinician-a', { agreesWithAi: false, diagnosis: 'mel', action: other });
      expect(again.statusCode).toBe(409);
    });

    it('histopathology is checked and stored as an Observation linked to the exam', async () => {
      const future = await send('POST', `/api/lesion/exams/${exam.id}/histopathology`, 'clinician-a', { diagnosis: 'mel', malignant: true, date: '2999-01-01' });
      expect(future.statusCode).toBe(400);
      expect(future.json().field).toBe('date');
      const badDate = await send('POST', `/api/lesion/exams/${exam.id}/histopathology`, 'clinician-a', { diagnosis: 'mel', malignant: true, date: '12/03/2026' });
      expect(badDate.statusCode).toBe(400);
      expect(badDate.json().field).toBe('body.date');
      const contradiction = await send('POST', `/api/lesion/exams/${exam.id}/histopathology`, 'clinician-a', { diagnosis: 'nv', malignant: true, date: new Date().toISOString().slice(0, 10) });
      expect(contradiction.statusCode).toBe(400);
      expect(contradiction.json().field).toBe('malignant');
      const today = new Date().toISOString().slice(0, 10);
      const res = await send('POST', `/api/lesion/exams/${exam.id}/histopathology`, 'clinician-a', { diagnosis: 'mel', malignant: true, date: today });
      expect(res.statusCode, res.body).toBe(200);
      exam = res.json() as ExamView;
      expect(exam.histopathology).toMatchObject({ diagnosis: 'mel', malignant: true, date: today });
      const obs = (await h.services.fhir.read(systemContext(CLINICS.a, 'test'), 'Observation', exam.histopathology!.observationId)) as Observation;
      expect(obs).toMatchObject({ status: 'final', subject: { reference: 'Patient/pat-a1' }, effectiveDateTime: today });
      expect(obs.valueCodeableConcept?.coding?.[0]?.code).toBe('mel');
      expect(obs.derivedFrom?.map((r) => r.reference)).toContain(`DiagnosticReport/${exam.decision!.diagnosticReportId}`);
      expect(exam.allowed).toEqual({ impression: false, decision: false, histopathology: false });
    });

    it('audits impression, decision and histopathology', async () => {
      for (const action of ['lesion-impression', 'lesion-decision', 'lesion-histopathology']) {
        const events = (await auditOf(action, 'pat-a1')).filter((e) => e.resourceId === exam.id);
        expect(events, action).toHaveLength(1);
        expect(events[0]!.userId).toBe('clinician-a');
      }
      expect(await h.services.audit.verify()).toMatchObject({ ok: true });
    });

    it('another clinic sees none of it (404)', async () => {
      expect((await get(`/api/lesion/exams/${exam.id}`, 'clinician-b')).statusCode).toBe(404);
      expect((await get(`/api/lesion/exams/${exam.id}/image`, 'clinician-b')).statusCode).toBe(404);
      expect((await get('/api/lesion/patients/pat-a1/lesions', 'clinician-b')).statusCode).toBe(404);
      expect((await get(`/api/lesion/lesions/${lesion.id}/evolution`, 'clinician-b')).statusCode).toBe(404);
      const capture = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'clinician-b', { fileId });
      expect(capture.statusCode).toBe(404);
    });

    it('with blinded first read off, a new exam shows the analysis at once; follow-up compares the two', async () => {
      expect((await send('PUT', '/api/lesion/settings', 'clinician-a', { blindedFirstRead: false })).statusCode).toBe(403);
      const off = await send('PUT', '/api/lesion/settings', 'admin-a', { blindedFirstRead: false });
      expect(off.statusCode).toBe(200);
      expect(off.json() as LesionSettings).toMatchObject({ blindedFirstRead: false, updatedBy: { id: 'admin-a' } });
      const audited = await auditOf('lesion-settings');
      expect(audited[0]!.detail).toMatchObject({ blindedFirstRead: { from: true, to: false } });
      try {
        const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'clinician-a', { fileId, pixelsPerMm: 20 });
        expect(res.statusCode, res.body).toBe(201);
        const second = res.json() as ExamView;
        expect(second).toMatchObject({ status: 'revealed', blinded: false, analysisWithheld: null, impression: null });
        expect(second.analysis?.status).toBe('ok');
        expect(second.allowed).toMatchObject({ impression: true, decision: true });

        const evo = (await get(`/api/lesion/lesions/${lesion.id}/evolution`, 'clinician-a')).json() as Evolution;
        expect(evo.exams.map((e) => e.examId)).toEqual([exam.id, second.id]);
        expect(evo.changes).toHaveLength(1);
        // The same image twice: nothing grew, no flag.
        expect(evo.changes[0]).toMatchObject({ fromExamId: exam.id, toExamId: second.id, diameter: { unit: 'mm', delta: 0 } });
        expect(evo.evolving).toBe(false);
        const nurseEvo = (await get(`/api/lesion/lesions/${lesion.id}/evolution`, 'nurse-a')).json() as Evolution;
        expect(nurseEvo.exams.every((e) => e.melanomaProbability === null && e.analysisWithheld === 'role')).toBe(true);
        expect(nurseEvo.changes).toEqual([]);
      } finally {
        await send('PUT', '/api/lesion/settings', 'admin-a', { blindedFirstRead: true });
      }
    });

    it('performance: agreement per clinician, for clinicians and admins only', async () => {
      expect((await get('/api/lesion/performance', 'nurse-a')).statusCode).toBe(403);
      const res = await get('/api/lesion/performance', 'admin-a');
      expect(res.statusCode, res.body).toBe(200);
      const view = res.json() as PerformanceView;
      const me = view.clinicians.find((c) => c.clinician.id === 'clinician-a');
      expect(me?.reads).toBe(1);
      expect(me?.overrides).toMatchObject({ k: 1, n: 1 });
      expect(view.live.confirmedCases).toBe(1);
    });

    it('the heatmap is computed on first request, kept, and audited as an AI call', async () => {
      if (kind !== 'pglite') return; // occlusion is costly: once per run
      const first = await get(`/api/lesion/exams/${exam.id}/heatmap.png`, 'clinician-a');
      expect(first.statusCode, first.body).toBe(200);
      expect(first.rawPayload.subarray(0, 4)).toEqual(PNG_SIGNATURE);
      const second = await get(`/api/lesion/exams/${exam.id}/heatmap.png`, 'clinician-a');
      expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
      const calls = (await auditOf('ai-call', 'pat-a1')).filter((e) => e.resourceId === exam.id && (e.detail as { kind?: string }).kind === 'heatmap');
      expect(calls).toHaveLength(1);
    }, 240_000);
  });

  describe('refusals', () => {
    it('without ai-analysis consent: CONSENT_MISSING, no model call, nothing written', async () => {
      const lesion = await newLesion('pat-a2', 'Right forearm');
      const fileId = await upload('clinician-a', 'pat-a2', MEL);
      const count = async () =>
        Number((await execute<{ n: number }>(h.t.database.db, sql`select count(*)::int as n from lesion_exam where patient_id = 'pat-a2'`))[0]!.n);
      const media = async () =>
        (await h.t.database.db.select().from(fhirResource).where(and(eq(fhirResource.resourceType, 'Media'), eq(fhirResource.patientId, 'pat-a2')))).length;
      const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'clinician-a', { fileId });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent.ai-analysis' });
      expect(await count()).toBe(0);
      expect(await media()).toBe(0);
      expect(await auditOf('ai-call', 'pat-a2')).toHaveLength(0);
    });

    it('withdrawn ai-analysis consent withholds the stored result and refuses the impression', async () => {
      const db = h.t.database.db;
      await insertConsent(db, CLINICS.a, 'pat-a2', 'ai-analysis', 'permit', { date: '2026-02-01T00:00:00Z' });
      const lesion = await newLesion('pat-a2', 'Left thigh');
      const fileId = await upload('nurse-a', 'pat-a2', MEL);
      const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId });
      expect(res.statusCode, res.body).toBe(201);
      const exam = res.json() as ExamView;
      await insertConsent(db, CLINICS.a, 'pat-a2', 'ai-analysis', 'deny', { date: '2026-03-01T00:00:00Z' });
      const view = (await get(`/api/lesion/exams/${exam.id}`, 'clinician-a')).json() as ExamView;
      expect(view).toMatchObject({ analysis: null, analysisWithheld: 'consent' });
      const imp = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'clinician-a', { diagnosis: 'nv', action: 'monitor', confidence: 'low' });
      expect(imp.statusCode).toBe(403);
      expect(imp.json()).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent.ai-analysis' });
    });

    it('a failed model call answers 503 and leaves nothing but its audit event', async () => {
      const s = h.services;
      const broken = createLesionService({
        database: h.t.database,
        clock: () => new Date(),
        fhir: s.fhir,
        consent: s.consent,
        audit: s.audit,
        files: s.files,
        analyzer: async () => ({
          analyze: () => Promise.reject(new Error('onnxruntime: out of memory')),
          close: async () => undefined,
        }),
      });
      const lesion = await newLesion('pat-a1', 'Scalp, vertex');
      const fileId = await upload('clinician-a', 'pat-a1', MEL);
      const ctx = { principal: { kind: 'user' as const, userId: 'clinician-a', role: 'clinician' as const, clinicId: CLINICS.a, displayName: 'clinician of a' }, clientAddress: 'test', requestId: 't' };
      await expect(broken.createExam(ctx, lesion.id, { fileId })).rejects.toMatchObject({ code: 'NOT_READY' });
      expect(await h.t.database.db.select().from(lesionExam).where(eq(lesionExam.lesionId, lesion.id))).toEqual([]);
      const failed = (await auditOf('ai-call', 'pat-a1')).filter((e) => e.outcome === 'failed');
      expect(failed).toHaveLength(1);
    });

    it('an image the quality gate rejects: cannot-assess with the reason, nothing to reveal', async () => {
      const lesion = await newLesion('pat-a1', 'Right calf');
      const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: { r: 150, g: 100, b: 80 } } }).png().toBuffer();
      const fileId = await upload('nurse-a', 'pat-a1', tiny, 'image/png');
      const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId });
      expect(res.statusCode, res.body).toBe(201);
      const exam = res.json() as ExamView;
      expect(exam).toMatchObject({ status: 'cannot-assess', blinded: false, quality: { passed: false, reason: 'too-small' }, analysis: null });
      expect(exam.quality?.message).toMatch(/\w/);
      expect(exam.quality?.failedChecks).toEqual([]); // refused on decode, before any measurement
      // A flat, featureless picture is measured and refused: the failed measurements come with
      // the verdict, so the app can say them in the user's language (nurses too).
      const flat = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 190, g: 140, b: 120 } } }).png().toBuffer();
      const flatExam = (await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'nurse-a', { fileId: await upload('nurse-a', 'pat-a1', flat, 'image/png') })).json() as ExamView;
      expect(flatExam.status).toBe('cannot-assess');
      expect(flatExam.quality?.failedChecks.length).toBeGreaterThan(0);
      expect(flatExam.quality?.failedChecks).toContainEqual(expect.objectContaining({ name: 'sharpness', kind: 'min', passed: false }));
      const clinician = (await get(`/api/lesion/exams/${exam.id}`, 'clinician-a')).json() as ExamView;
      expect(clinician.analysis).toMatchObject({ status: 'rejected', reason: 'too-small' });
      expect(clinician.allowed).toEqual({ impression: false, decision: false, histopathology: false });
      const imp = await send('POST', `/api/lesion/exams/${exam.id}/impression`, 'clinician-a', { diagnosis: 'nv', action: 'monitor', confidence: 'low' });
      expect(imp.statusCode).toBe(409);
      expect((await get(`/api/lesion/exams/${exam.id}/outline.png`, 'clinician-a')).statusCode).toBe(404);
      const calls = (await auditOf('ai-call', 'pat-a1')).filter((e) => e.resourceId === exam.id);
      expect(calls[0]!.detail).toMatchObject({ status: 'rejected', reason: 'too-small' });
    });
  });

  describe('settings, operating points and the model card', () => {
    it('settings: every staff member reads them, only admins change them', async () => {
      const res = await get('/api/lesion/settings', 'nurse-a');
      expect(res.statusCode).toBe(200);
      expect((res.json() as LesionSettings).blindedFirstRead).toBe(true);
      expect((await send('PUT', '/api/lesion/settings', 'nurse-a', { blindedFirstRead: false })).statusCode).toBe(403);
      const bad = await send('PUT', '/api/lesion/settings', 'admin-a', { blindedFirstRead: 'no' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toBe('body.blindedFirstRead');
    });

    it('operating points: admin only; refused below the minimum of confirmed cases; revert allowed and audited', async () => {
      expect((await get('/api/lesion/operating-points', 'clinician-a')).statusCode).toBe(403);
      expect((await send('POST', '/api/lesion/operating-points', 'clinician-a', { revertToModelCard: true, reason: 'x' })).statusCode).toBe(403);
      const view = (await get('/api/lesion/operating-points', 'admin-a')).json() as OperatingPointsView;
      expect(view.inForce).toMatchObject({ source: 'model-card', version: null });
      expect(view.minimum.met).toBe(false);
      expect(view.proposal).toBeNull();
      expect(view.clinic.counts.total).toBeGreaterThan(0);

      const inverted = await send('POST', '/api/lesion/operating-points', 'admin-a', { referThreshold: 0.2, monitorThreshold: 0.5, reason: 'test' });
      expect(inverted.statusCode).toBe(400);
      expect(inverted.json().field).toBe('referThreshold');
      const noReason = await send('POST', '/api/lesion/operating-points', 'admin-a', { referThreshold: 0.5, monitorThreshold: 0.2 });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json().field).toBe('reason');
      const tooFew = await send('POST', '/api/lesion/operating-points', 'admin-a', { referThreshold: 0.5, monitorThreshold: 0.2, reason: 'our own cases' });
      expect(tooFew.statusCode).toBe(409);
      expect(tooFew.json().detail).toMatch(/at least \d+ confirmed cases/);

      const revert = await send('POST', '/api/lesion/operating-points', 'admin-a', { revertToModelCard: true, reason: 'start from the card' });
      expect(revert.statusCode, revert.body).toBe(201);
      expect(revert.json() as OperatingPointVersion).toMatchObject({ version: 1, revertToModelCard: true, reason: 'start from the card', createdBy: { id: 'admin-a' } });
      const after = (await get('/api/lesion/operating-points', 'admin-a')).json() as OperatingPointsView;
      expect(after.versions.map((v) => v.version)).toEqual([1]);
      expect(after.inForce).toMatchObject({ source: 'model-card', version: 1 });
      const events = await auditOf('lesion-operating-point');
      expect(events).toHaveLength(1);
      expect(events[0]!.detail).toMatchObject({ version: 1, revertToModelCard: true });
    });

    it("operating points: with 100+ confirmed cases the admin adopts the clinic's own; new exams are scored with them", async () => {
      // Grow a confirmed history by copying the signed, histopathology-confirmed exam from the
      // workflow above: 40 melanomas and 80 nevi whose stored P(mel) is lower than the card
      // expects (a clinic where the model over-calls), so the clinic's thresholds differ.
      const db = h.t.database.db;
      const [signed] = await db
        .select()
        .from(lesionExam)
        .where(and(eq(lesionExam.clinicId, CLINICS.a), sql`${lesionExam.histopathology} is not null`))
        .limit(1);
      expect(signed, 'the workflow tests leave one confirmed exam').toBeDefined();
      const rows = Array.from({ length: 120 }, (_, i) => {
        const melanoma = i < 40;
        const pMel = melanoma ? 0.02 + 0.5 * (i / 40) : 0.03 * ((i - 40) / 80);
        const probabilities = { mel: pMel, nv: 1 - pMel, bcc: 0, akiec: 0, bkl: 0, df: 0, vasc: 0 };
        return {
          ...signed!,
          id: `exam-history-${i}`,
          analysis: { ...signed!.analysis, probabilities, melanomaProbability: pMel, malignantProbability: pMel },
          histopathology: { ...signed!.histopathology!, diagnosis: melanoma ? 'mel' : 'nv', malignant: melanoma },
        };
      });
      await db.insert(lesionExam).values(rows);

      const view = (await get('/api/lesion/operating-points', 'admin-a')).json() as OperatingPointsView;
      expect(view.minimum.met).toBe(true);
      expect(view.clinic.counts.confirmed).toBeGreaterThanOrEqual(120);
      const proposal = view.proposal!;
      expect(proposal.referThreshold).toBeGreaterThan(0);
      expect(proposal.referThreshold).toBeGreaterThanOrEqual(proposal.monitorThreshold);

      const adopt = await send('POST', '/api/lesion/operating-points', 'admin-a', {
        referThreshold: proposal.referThreshold,
        monitorThreshold: proposal.monitorThreshold,
        temperature: proposal.temperature,
        reason: 'our confirmed cases, 2026',
      });
      expect(adopt.statusCode, adopt.body).toBe(201);
      expect(adopt.json() as OperatingPointVersion).toMatchObject({ version: 2, revertToModelCard: false, referThreshold: proposal.referThreshold, createdBy: { id: 'admin-a' } });
      expect((adopt.json() as OperatingPointVersion).basis).toMatchObject({ counts: { confirmed: view.clinic.counts.confirmed } });

      const after = (await get('/api/lesion/operating-points', 'admin-a')).json() as OperatingPointsView;
      expect(after.versions.map((v) => v.version)).toEqual([2, 1]);
      expect(after.inForce).toMatchObject({ source: 'clinic v2', version: 2, referThreshold: proposal.referThreshold, monitorThreshold: proposal.monitorThreshold });
      const card = (await get('/api/lesion/model-card', 'clinician-a')).json() as ModelCardView;
      expect(card.calibration).toMatchObject({ source: 'clinic v2', version: 2 });
      const events = await auditOf('lesion-operating-point');
      expect(events.map((e) => e.detail)).toContainEqual(expect.objectContaining({ version: 2, revertToModelCard: false, confirmed: view.clinic.counts.confirmed }));

      // A new exam is analysed at the clinic's calibration and remembers which version.
      const lesion = await newLesion('pat-a1', 'after adoption');
      const fileId = await upload('clinician-a', 'pat-a1', MEL);
      const res = await send('POST', `/api/lesion/lesions/${lesion.id}/exams`, 'clinician-a', { fileId });
      expect(res.statusCode, res.body).toBe(201);
      const [row] = await db.select().from(lesionExam).where(eq(lesionExam.id, (res.json() as ExamView).id));
      expect(row!.calibrationVersion).toBe(2);
      expect((row!.analysis as { calibration: { source: string } }).calibration.source).toBe('clinic v2');

      // Back to the card: allowed at any time, and the next version.
      const revert = await send('POST', '/api/lesion/operating-points', 'admin-a', { revertToModelCard: true, reason: 'compare with the card' });
      expect(revert.json()).toMatchObject({ version: 3, revertToModelCard: true });
    });

    it('the model card with the calibration in force, and its reliability plot', async () => {
      const res = await get('/api/lesion/model-card', 'clinician-a');
      expect(res.statusCode).toBe(200);
      const view = res.json() as ModelCardView;
      expect(view.card).toMatchObject({ schema_version: 1 });
      expect(view.calibration.source).toBe('model-card');
      const plot = await get(view.reliabilityPlotUrl, 'clinician-a');
      expect(plot.statusCode).toBe(200);
      expect(plot.rawPayload.subarray(0, 4)).toEqual(PNG_SIGNATURE);
      expect((await get('/api/lesion/model-card', 'patient-a')).statusCode).toBe(403);
    });
  });
});
