/**
 * The lesion second-opinion workflow: lesions, exams, the blinded first read, sign-off,
 * histopathology, follow-up, clinic settings and operating points. Loads and saves through
 * the store, checks role and consent, runs the analyzer, writes FHIR and the audit log;
 * the clinical logic lives in the engines (analyzer.ts, operating-points.ts, performance.ts,
 * evolution.ts).
 *
 * Design:
 * - A lesion is a FHIR BodyStructure (patient, SNOMED CT location from body-sites.ts,
 *   description = the clinician's label) plus a `lesion` row with the same id, so exams can
 *   reference it and lists need no FHIR search.
 * - An exam is a `lesion_exam` row. The image is a stored file (files service: type sniffed,
 *   EXIF removed, 'care' consent) of the same patient, recorded as a FHIR Media. The analysis
 *   is kept as JSON without picture bytes; the outline PNG (and the heatmap, computed on its
 *   first request, then kept) sit in `lesion_picture`, written in the same transaction.
 * - States: awaiting-impression -> revealed -> signed; or cannot-assess when the quality
 *   gate rejects the image (the reason is shown; nothing to read). With the clinic's blinded
 *   first read on (the default) an accepted exam awaits the impression, and while it does
 *   nobody gets its analysis or pictures from this API, uploader included. With it off the
 *   exam is revealed at once and the impression is optional. The view's `blinded` is read
 *   against the setting now, so switching blinding off reveals waiting exams.
 * - Nurses capture (lesions, exams) but never get AI output (`analysisWithheld: 'role'`).
 * - The model runs only with the patient's ai-analysis consent (CONSENT_MISSING before any
 *   model call). If the consent is later withdrawn, stored results are withheld
 *   (`analysisWithheld: 'consent'`) and impressions and decisions are refused.
 * - Every write (FHIR resources, rows, audit events) is one transaction. The model runs
 *   before it opens, so a failed call leaves nothing but its 'ai-call' failure event.
 * - Audit: each model run is 'ai-call' with the model's name, version, sha256, the input
 *   sha256 and the calibration in force; impression, decision, histopathology, settings and
 *   operating-point changes have their own actions; reads are 'read' of LesionExam.
 * - Signing writes a final DiagnosticReport: the clinician as performer, the AI suggestion
 *   and the clinician's decision in the conclusion, the Media linked, the model identity in
 *   an extension. Histopathology is an Observation (category laboratory) linked to the
 *   lesion, the Media and the report.
 * - Operating points: `lesion_operating_point` is append-only; the highest version is in
 *   force and goes into every analysis (and the exam row). A clinic calibration is refused
 *   below the minimum of confirmed cases (operating-points.ts); reverting to the card is not.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { BodyStructure, DiagnosticReport, Extension, Media, Observation } from '@medplum/fhirtypes';
import type { AuditLog } from '../platform/audit/types.ts';
import { assertPatientAccess, checkPatientRole } from '../platform/auth/access.ts';
import type { Clock } from '../platform/clock.ts';
import type { ConsentService } from '../platform/consent/consent.service.ts';
import type { RequestContext } from '../platform/context.ts';
import type { Database, Queryable } from '../platform/db/database.ts';
import {
  appUser,
  fhirResource,
  lesion as lesionTable,
  lesionClinicSetting,
  lesionExam,
  lesionOperatingPoint,
  lesionPicture,
  storedFile,
  type LesionExamStatus,
  type Role,
} from '../platform/db/schema.ts';
import { AppError, invalidField } from '../platform/errors.ts';
import type { FhirRepository } from '../platform/fhir/repository.ts';
import { SNOMED_SYSTEM } from '../platform/fhir/systems.ts';
import type { FileService } from '../platform/files/files.service.ts';
import { createRng, hashString } from '../platform/seed/prng.ts';
import { BODY_SITES, bodySiteByCode } from './body-sites.ts';
import { lesionEvolution, type EvolutionInput } from './evolution.ts';
import { parseModelCard, type LesionAction, type LesionClass, type ModelCard } from './model-card.ts';
import { FOLLOW_UP_MIN_DAYS, assertEnoughCases, cardCalibrationOf, clinicStatistics, validateOperatingPointRequest, type ClinicCase } from './operating-points.ts';
import { clinicianPerformance, livePerformance, type ExamRead } from './performance.ts';
import type { AcceptedAnalysis, CalibrationInForce, LesionAnalysis, LesionPicture } from './types.ts';
import type {
  BodySite,
  CreateExamBody,
  CreateLesionBody,
  DecisionBody,
  Evolution,
  ExamAnalysis,
  ExamView,
  HistopathologyBody,
  ImpressionBody,
  LesionSettings,
  LesionSummary,
  ModelCardView,
  OperatingPointsView,
  OperatingPointVersion,
  PerformanceView,
  SettingsBody,
  UserRef,
} from './views.ts';
import type { AnalyzeOptions, LesionAnalyzer } from './analyzer.ts';

// ---------------------------------------------------------------------------------------
// The analyzer, as this service uses it (analyzer.ts implements it)

/** The analyzer as this service uses it (a test may pass a stand-in). */
export type LesionAnalyzerHandle = Pick<LesionAnalyzer, 'analyze' | 'close'>;

/** The shipped model folder. */
export const DEFAULT_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/lesion');

const shared = new Map<string, Promise<LesionAnalyzerHandle>>();

/**
 * One analyzer per model folder per process (model load ~1 s; the ONNX session is
 * thread-safe for concurrent runs), shared by every Services built in the process.
 */
export function sharedAnalyzer(modelDir = DEFAULT_MODEL_DIR): Promise<LesionAnalyzerHandle> {
  let p = shared.get(modelDir);
  if (!p) {
    p = import('./analyzer.ts').then((m) => m.openLesionAnalyzer({ modelDir }) as Promise<LesionAnalyzerHandle>);
    // A failed open is not cached: the next call tries again.
    p.catch(() => shared.delete(modelDir));
    shared.set(modelDir, p);
  }
  return p;
}

/** Closes the shared analyzers (process shutdown). */
export async function closeSharedAnalyzers(): Promise<void> {
  const all = [...shared.values()];
  shared.clear();
  await Promise.all(all.map((p) => p.then((a) => a.close()).catch(() => undefined)));
}

// ---------------------------------------------------------------------------------------

export interface LesionService {
  /** Opens the model (once); throws NOT_READY when it cannot run. */
  ready(): Promise<void>;
  bodySites(): readonly BodySite[];
  listLesions(ctx: RequestContext, patientId: string): Promise<LesionSummary[]>;
  createLesion(ctx: RequestContext, patientId: string, body: CreateLesionBody): Promise<LesionSummary>;
  createExam(ctx: RequestContext, lesionId: string, body: CreateExamBody, opts?: { at?: Date }): Promise<ExamView>;
  getExam(ctx: RequestContext, examId: string): Promise<ExamView>;
  recordImpression(ctx: RequestContext, examId: string, body: ImpressionBody): Promise<ExamView>;
  recordDecision(ctx: RequestContext, examId: string, body: DecisionBody): Promise<ExamView>;
  recordHistopathology(ctx: RequestContext, examId: string, body: HistopathologyBody): Promise<ExamView>;
  /** The stored image (EXIF removed). Visible to staff even while blinded: it is their own input. */
  image(ctx: RequestContext, examId: string): Promise<{ bytes: Buffer; contentType: string }>;
  /** An overlay PNG; the heatmap is computed on its first request and kept. */
  picture(ctx: RequestContext, examId: string, kind: 'outline' | 'heatmap'): Promise<Buffer>;
  evolution(ctx: RequestContext, lesionId: string): Promise<Evolution>;
  modelCard(ctx: RequestContext): Promise<ModelCardView>;
  reliabilityPlot(ctx: RequestContext): Promise<Buffer>;
  performance(ctx: RequestContext): Promise<PerformanceView>;
  settings(ctx: RequestContext): Promise<LesionSettings>;
  updateSettings(ctx: RequestContext, body: SettingsBody): Promise<LesionSettings>;
  operatingPoints(ctx: RequestContext): Promise<OperatingPointsView>;
  /** Body as received (validated here so each bad field is named). */
  adoptOperatingPoints(ctx: RequestContext, body: unknown): Promise<OperatingPointVersion>;
}

export interface LesionServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly fhir: FhirRepository;
  readonly consent: ConsentService;
  readonly audit: AuditLog;
  readonly files: FileService;
  /** Defaults to the shipped model. */
  readonly modelDir?: string | undefined;
  /** Defaults to `sharedAnalyzer(modelDir)`. */
  readonly analyzer?: (() => Promise<LesionAnalyzerHandle>) | undefined;
}

const STAFF: readonly Role[] = ['admin', 'clinician', 'nurse'];
const CLINICAL: readonly Role[] = ['admin', 'clinician'];
const ADMIN: readonly Role[] = ['admin'];
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const LESION_SYSTEM = 'https://wellage.dev/fhir/CodeSystem/lesion-class';
const EXT_MODEL = 'https://wellage.dev/fhir/StructureDefinition/ai-model';
const EXT_LESION = 'https://wellage.dev/fhir/StructureDefinition/lesion';
/** Seed of the bootstrap in the live performance view: fixed, so the view is reproducible. */
const BOOTSTRAP_SEED = 'lesion-live-performance';

const CLASS_NAMES: Record<LesionClass | 'other', string> = {
  mel: 'melanoma',
  nv: 'melanocytic nevus',
  bcc: 'basal cell carcinoma',
  akiec: 'actinic keratosis / intraepithelial carcinoma',
  bkl: 'benign keratosis-like lesion',
  df: 'dermatofibroma',
  vasc: 'vascular lesion',
  other: 'other',
};


type ExamRow = typeof lesionExam.$inferSelect;
type LesionRow = typeof lesionTable.$inferSelect;
type StoredAnalysis = (Omit<AcceptedAnalysis, 'pictures'> & { pictures: Omit<LesionPicture, 'data'>[] }) | Exclude<LesionAnalysis, AcceptedAnalysis>;
interface StoredImpression {
  diagnosis: LesionClass | 'other';
  action: LesionAction;
  confidence: 'low' | 'medium' | 'high';
  note: string | null;
  blinded: boolean;
  by: UserRef;
  at: string;
}
interface StoredDecision {
  agreesWithAi: boolean;
  diagnosis: LesionClass | 'other';
  action: LesionAction;
  note: string | null;
  by: UserRef;
  at: string;
}
interface StoredHistopathology {
  diagnosis: LesionClass | 'other';
  malignant: boolean;
  date: string;
  note: string | null;
  by: UserRef;
  at: string;
}

function roleOf(ctx: RequestContext): Role | 'system' {
  return ctx.principal.kind === 'system' ? 'system' : ctx.principal.role;
}

/** FORBIDDEN unless the caller has one of `roles` (the system principal always passes). */
function requireRoles(ctx: RequestContext, roles: readonly Role[], what: string): void {
  const r = roleOf(ctx);
  if (r !== 'system' && !roles.includes(r)) throw new AppError('FORBIDDEN', `${what} needs one of the roles: ${roles.join(', ')}`);
}

function canSeeAi(ctx: RequestContext): boolean {
  const r = roleOf(ctx);
  return r === 'system' || CLINICAL.includes(r);
}

function userRef(ctx: RequestContext): UserRef {
  return ctx.principal.kind === 'system' ? { id: `system:${ctx.principal.actor}`, name: ctx.principal.actor } : { id: ctx.principal.userId, name: ctx.principal.displayName };
}

function userId(ctx: RequestContext): string | null {
  return ctx.principal.kind === 'user' ? ctx.principal.userId : null;
}

function checkId(value: string, field: string): void {
  if (typeof value !== 'string' || !ID.test(value)) throw invalidField(field, 'must be an id (letters, digits, - and ., at most 64)');
}

function pct(p: number): string {
  return `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
}

function cleanNote(note: string | undefined): string | null {
  const t = note?.trim();
  return t ? t : null;
}

export function createLesionService(deps: LesionServiceDeps): LesionService {
  const { database, clock, fhir, consent, audit, files } = deps;
  const modelDir = deps.modelDir ?? DEFAULT_MODEL_DIR;
  const openAnalyzer = deps.analyzer ?? (() => sharedAnalyzer(modelDir));

  let cardPromise: Promise<ModelCard> | undefined;
  /** The model card, read once (the analyzer verifies the ONNX bytes against it). */
  function card(): Promise<ModelCard> {
    cardPromise ??= fs
      .readFile(path.join(modelDir, 'model-card.json'), 'utf8')
      .then((raw) => parseModelCard(JSON.parse(raw) as unknown, path.join(modelDir, 'model-card.json')));
    cardPromise.catch(() => (cardPromise = undefined));
    return cardPromise;
  }

  // -------------------------------------------------------------------------------------
  // Loading

  async function loadLesion(q: Queryable, ctx: RequestContext, lesionId: string): Promise<LesionRow> {
    checkId(lesionId, 'lesionId');
    const [row] = await q
      .select()
      .from(lesionTable)
      .where(and(eq(lesionTable.id, lesionId), eq(lesionTable.clinicId, ctx.principal.clinicId)));
    if (!row) throw new AppError('NOT_FOUND', `No lesion ${lesionId} in your clinic`, { field: 'lesionId' });
    checkPatientRole(ctx, row.patientId);
    return row;
  }

  async function loadExam(q: Queryable, ctx: RequestContext, examId: string, forUpdate = false): Promise<ExamRow> {
    checkId(examId, 'examId');
    const base = q
      .select()
      .from(lesionExam)
      .where(and(eq(lesionExam.id, examId), eq(lesionExam.clinicId, ctx.principal.clinicId)));
    const [row] = forUpdate ? await base.for('update') : await base;
    if (!row) throw new AppError('NOT_FOUND', `No exam ${examId} in your clinic`, { field: 'examId' });
    checkPatientRole(ctx, row.patientId);
    return row;
  }

  async function blindedFirstRead(q: Queryable, clinicId: string): Promise<boolean> {
    const [row] = await q.select({ b: lesionClinicSetting.blindedFirstRead }).from(lesionClinicSetting).where(eq(lesionClinicSetting.clinicId, clinicId));
    return row?.b ?? true;
  }

  /** The calibration in force for the clinic and its version (null = the model card). */
  async function calibrationInForce(q: Queryable, clinicId: string): Promise<{ calibration: CalibrationInForce; version: number | null }> {
    const [row] = await q
      .select()
      .from(lesionOperatingPoint)
      .where(eq(lesionOperatingPoint.clinicId, clinicId))
      .orderBy(desc(lesionOperatingPoint.version))
      .limit(1);
    if (!row || row.revertToModelCard) {
      const c = cardCalibrationOf(await card());
      return { calibration: { ...c, source: 'model-card' }, version: row ? row.version : null };
    }
    return {
      calibration: { source: `clinic v${row.version}`, temperature: row.temperature, referThreshold: row.referThreshold, monitorThreshold: row.monitorThreshold },
      version: row.version,
    };
  }

  async function userNames(ids: readonly (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((i): i is string => typeof i === 'string'))];
    if (wanted.length === 0) return new Map();
    const rows = await database.db.select({ id: appUser.id, name: appUser.displayName }).from(appUser).where(inArray(appUser.id, wanted));
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async function practitionerRef(q: Queryable, ctx: RequestContext): Promise<string | undefined> {
    if (ctx.principal.kind !== 'user' || !ctx.principal.practitionerId) return undefined;
    const [row] = await q
      .select({ id: fhirResource.id })
      .from(fhirResource)
      .where(
        and(
          eq(fhirResource.resourceType, 'Practitioner'),
          eq(fhirResource.id, ctx.principal.practitionerId),
          eq(fhirResource.clinicId, ctx.principal.clinicId),
          eq(fhirResource.deleted, false),
        ),
      );
    return row ? `Practitioner/${row.id}` : undefined;
  }

  // -------------------------------------------------------------------------------------
  // Views

  interface ViewContext {
    blinding: boolean;
    aiConsent: Map<string, boolean>;
    names: Map<string, string>;
  }

  async function viewContext(ctx: RequestContext, rows: readonly { patientId: string; createdBy: string | null }[]): Promise<ViewContext> {
    const aiConsent = new Map<string, boolean>();
    for (const pid of new Set(rows.map((r) => r.patientId))) aiConsent.set(pid, await consent.hasConsent(ctx, pid, 'ai-analysis'));
    return { blinding: await blindedFirstRead(database.db, ctx.principal.clinicId), aiConsent, names: await userNames(rows.map((r) => r.createdBy)) };
  }

  function withheldReason(ctx: RequestContext, row: ExamRow, vc: ViewContext): ExamView['analysisWithheld'] {
    if (!canSeeAi(ctx)) return 'role';
    if (!vc.aiConsent.get(row.patientId)) return 'consent';
    if (row.status === 'awaiting-impression' && vc.blinding) return 'blinded';
    return null;
  }

  function createdByRef(id: string | null, names: Map<string, string>): UserRef {
    return id ? { id, name: names.get(id) ?? null } : { id: 'system', name: null };
  }

  function examView(ctx: RequestContext, row: ExamRow, vc: ViewContext): ExamView {
    const stored = row.analysis as unknown as StoredAnalysis;
    const withheld = withheldReason(ctx, row, vc);
    const url = `/api/lesion/exams/${row.id}`;
    let analysis: ExamAnalysis | null = null;
    if (withheld === null) {
      analysis =
        stored.status === 'ok'
          ? {
              ...stored,
              pictures: [
                ...stored.pictures.map((p) => ({ ...p, url: `${url}/${p.kind}.png` })),
                // The heatmap is computed on first request when it was not made at capture.
                ...(stored.pictures.some((p) => p.kind === 'heatmap')
                  ? []
                  : [{ kind: 'heatmap' as const, mediaType: 'image/png' as const, width: stored.quality.width, height: stored.quality.height, url: `${url}/heatmap.png` }]),
              ],
            }
          : stored;
    }
    const quality =
      stored.status === 'ok'
        ? { passed: true, reason: null, message: null, failedChecks: [] }
        : { passed: false, reason: stored.reason, message: stored.message, failedChecks: (stored.quality?.checks ?? []).filter((c) => !c.passed) };
    const clinical = canSeeAi(ctx);
    const blinded = row.status === 'awaiting-impression' && vc.blinding;
    const impression = row.impression as unknown as StoredImpression | null;
    const decision = row.decision as unknown as StoredDecision | null;
    const histo = row.histopathology as unknown as StoredHistopathology | null;
    return {
      id: row.id,
      lesionId: row.lesionId,
      patientId: row.patientId,
      status: row.status,
      blinded,
      analysisWithheld: withheld,
      createdAt: row.createdAt.toISOString(),
      createdBy: createdByRef(row.createdBy, vc.names),
      image: { fileId: row.fileId, url: `${url}/image`, contentType: 'image', mediaId: row.mediaId },
      pixelsPerMm: row.pixelsPerMm,
      quality,
      model: { name: row.modelName, version: row.modelVersion, sha256: row.modelSha256 },
      impression: impression ? { ...impression } : null,
      decision: decision && row.diagnosticReportId ? { ...decision, diagnosticReportId: row.diagnosticReportId } : null,
      histopathology: histo && row.observationId ? { ...histo, observationId: row.observationId } : null,
      analysis,
      allowed: {
        impression: clinical && impression === null && (row.status === 'awaiting-impression' || row.status === 'revealed'),
        decision: clinical && withheld === null && (row.status === 'revealed' || (row.status === 'awaiting-impression' && !vc.blinding)),
        histopathology: clinical && row.status === 'signed' && histo === null,
      },
    };
  }

  async function examViewOf(ctx: RequestContext, row: ExamRow): Promise<ExamView> {
    const vc = await viewContext(ctx, [row]);
    const view = examView(ctx, row, vc);
    const [file] = await database.db.select({ contentType: storedFile.contentType }).from(storedFile).where(eq(storedFile.id, row.fileId));
    return { ...view, image: { ...view.image, contentType: file?.contentType ?? 'application/octet-stream' } };
  }

  async function lesionSummary(ctx: RequestContext, l: LesionRow, exams: ExamRow[], vc: ViewContext, types: Map<string, string>): Promise<LesionSummary> {
    const site = bodySiteByCode(l.bodySite) ?? { code: l.bodySite, system: SNOMED_SYSTEM as 'http://snomed.info/sct', display: l.bodySite, label: { en: l.bodySite, es: l.bodySite } };
    return {
      id: l.id,
      patientId: l.patientId,
      bodySite: site,
      label: l.label,
      createdAt: l.createdAt.toISOString(),
      createdBy: createdByRef(l.createdBy, vc.names),
      exams: exams.map((e) => {
        const v = examView(ctx, e, vc);
        return { ...v, image: { ...v.image, contentType: types.get(e.fileId) ?? 'application/octet-stream' } };
      }),
    };
  }

  async function auditRead(ctx: RequestContext, row: { id: string; patientId: string }, view: string): Promise<void> {
    await audit.record(ctx, { action: 'read', outcome: 'success', resourceType: 'LesionExam', resourceId: row.id, patientId: row.patientId, detail: { view } });
  }

  // -------------------------------------------------------------------------------------
  // FHIR builders

  function modelExtension(a: StoredAnalysis): Extension {
    return {
      url: EXT_MODEL,
      extension: [
        { url: 'name', valueString: a.model.name },
        { url: 'version', valueString: a.model.version },
        { url: 'sha256', valueString: a.model.sha256 },
        { url: 'inputSha256', valueString: a.inputSha256 },
        ...(a.status === 'ok' ? [{ url: 'calibration', valueString: a.calibration.source }] : []),
      ],
    };
  }

  function classConcept(d: LesionClass | 'other'): { coding: { system: string; code: string; display: string }[]; text: string } {
    return { coding: [{ system: LESION_SYSTEM, code: d, display: CLASS_NAMES[d] }], text: CLASS_NAMES[d] };
  }

  // -------------------------------------------------------------------------------------
  // Clinic cases (for operating points and performance)

  async function clinicExams(clinicId: string): Promise<ExamRow[]> {
    return database.db.select().from(lesionExam).where(eq(lesionExam.clinicId, clinicId)).orderBy(asc(lesionExam.createdAt), asc(lesionExam.id));
  }

  function engineExam(e: ExamRow): EvolutionInput {
    const a = e.analysis as unknown as StoredAnalysis;
    return {
      examId: e.id,
      takenAt: e.createdAt.toISOString(),
      features: a.status === 'ok' ? a.features : null,
      melanomaProbability: a.status === 'ok' ? a.melanomaProbability : null,
    };
  }

  /** Days from each exam to the latest later exam of its lesion reached without an evolution flag. */
  function followUpDays(exams: readonly ExamRow[], thresholds: { refer: number; monitor: number }): Map<string, number> {
    const out = new Map<string, number>();
    const byLesion = new Map<string, ExamRow[]>();
    for (const e of exams) byLesion.set(e.lesionId, [...(byLesion.get(e.lesionId) ?? []), e]);
    for (const list of byLesion.values()) {
      const evo = lesionEvolution(list.map(engineExam), thresholds);
      if (evo.changes.length === 0) continue;
      const ids = [evo.changes[0]!.fromExamId, ...evo.changes.map((c) => c.toExamId)];
      for (let i = 0; i < ids.length; i++) {
        let days = 0;
        for (let j = i; j < evo.changes.length; j++) {
          const c = evo.changes[j]!;
          if (c.flags.length > 0) break;
          days += c.intervalDays;
        }
        if (days > 0) out.set(ids[i]!, days);
      }
    }
    return out;
  }

  function clinicCases(exams: readonly ExamRow[], thresholds: { refer: number; monitor: number }): ClinicCase[] {
    const follow = followUpDays(exams, thresholds);
    const cases: ClinicCase[] = [];
    for (const e of exams) {
      const a = e.analysis as unknown as StoredAnalysis;
      if (a.status !== 'ok') continue;
      const d = e.decision as unknown as StoredDecision | null;
      const h = e.histopathology as unknown as StoredHistopathology | null;
      cases.push({
        examId: e.id,
        model: { probabilities: a.probabilities, temperature: a.calibration.temperature },
        histopathology: h ? { diagnosis: h.diagnosis, malignant: h.malignant } : null,
        decision: d ? { diagnosis: d.diagnosis, action: d.action } : null,
        followedUpDaysWithoutChange: follow.get(e.id) ?? null,
      });
    }
    return cases;
  }

  // -------------------------------------------------------------------------------------
  // Model runs

  async function runModel(
    ctx: RequestContext,
    bytes: Uint8Array,
    options: AnalyzeOptions,
    auditBase: { resourceId: string; patientId: string; kind: string },
  ): Promise<LesionAnalysis> {
    try {
      const analyzer = await openAnalyzer();
      return await analyzer.analyze(bytes, options);
    } catch (e) {
      await audit.record(ctx, {
        action: 'ai-call',
        outcome: 'failed',
        resourceType: 'LesionExam',
        resourceId: auditBase.resourceId,
        patientId: auditBase.patientId,
        detail: { kind: auditBase.kind, error: e instanceof AppError ? e.code : 'model-failure' },
      });
      if (e instanceof AppError) throw e;
      throw new AppError('NOT_READY', 'The lesion model could not analyse the image; nothing was saved. Try again, or tell the administrator.', { cause: e });
    }
  }

  function aiCallDetail(a: LesionAnalysis, kind: string, calibrationVersion: number | null): Record<string, unknown> {
    return {
      kind,
      model: { name: a.model.name, version: a.model.version, sha256: a.model.sha256 },
      inputSha256: a.inputSha256,
      status: a.status,
      ...(a.status === 'rejected' ? { reason: a.reason } : { suggestion: a.suggestion.action, calibration: a.calibration.source, calibrationVersion }),
    };
  }

  // -------------------------------------------------------------------------------------

  const service: LesionService = {
    async ready() {
      try {
        await openAnalyzer();
        await card();
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw new AppError('NOT_READY', 'The lesion model cannot be loaded', { cause: e });
      }
    },

    bodySites: () => BODY_SITES,

    async listLesions(ctx, patientId) {
      requireRoles(ctx, STAFF, 'Lesions');
      checkId(patientId, 'patientId');
      await assertPatientAccess(database.db, ctx, patientId);
      const lesions = await database.db
        .select()
        .from(lesionTable)
        .where(and(eq(lesionTable.clinicId, ctx.principal.clinicId), eq(lesionTable.patientId, patientId)))
        .orderBy(asc(lesionTable.createdAt), asc(lesionTable.id));
      const exams = lesions.length
        ? await database.db
            .select()
            .from(lesionExam)
            .where(and(eq(lesionExam.clinicId, ctx.principal.clinicId), inArray(lesionExam.lesionId, lesions.map((l) => l.id))))
            .orderBy(desc(lesionExam.createdAt), desc(lesionExam.id))
        : [];
      const vc = await viewContext(ctx, [...lesions.map((l) => ({ patientId, createdBy: l.createdBy })), ...exams]);
      const types = exams.length
        ? new Map(
            (await database.db.select({ id: storedFile.id, t: storedFile.contentType }).from(storedFile).where(inArray(storedFile.id, exams.map((e) => e.fileId)))).map((r) => [
              r.id,
              r.t,
            ]),
          )
        : new Map<string, string>();
      await audit.record(ctx, { action: 'search', outcome: 'success', resourceType: 'BodyStructure', patientId, detail: { view: 'lesions', count: lesions.length } });
      const out: LesionSummary[] = [];
      for (const l of lesions) out.push(await lesionSummary(ctx, l, exams.filter((e) => e.lesionId === l.id), vc, types));
      return out;
    },

    async createLesion(ctx, patientId, body) {
      requireRoles(ctx, STAFF, 'Adding a lesion');
      checkId(patientId, 'patientId');
      const site = bodySiteByCode(String(body.bodySite));
      if (!site) throw invalidField('bodySite', `must be one of the SNOMED CT codes of GET /api/lesion/body-sites (${BODY_SITES.map((s) => s.code).join(', ')})`);
      const label = typeof body.label === 'string' ? body.label.trim() : '';
      if (!label) throw invalidField('label', 'is required: say where the lesion is, e.g. "left shoulder, 2 cm below the scar"');
      if (label.length > 200) throw invalidField('label', 'at most 200 characters');
      await assertPatientAccess(database.db, ctx, patientId);
      await consent.requireConsent(ctx, patientId, 'care');
      const now = clock();
      const row = await database.transaction(async (tx) => {
        const bs: BodyStructure = {
          resourceType: 'BodyStructure',
          active: true,
          patient: { reference: `Patient/${patientId}` },
          morphology: { text: 'Skin lesion' },
          location: { coding: [{ system: SNOMED_SYSTEM, code: site.code, display: site.display }], text: site.label.en },
          description: label,
        };
        const { resource } = await fhir.create(ctx, bs, { tx });
        const values = { id: resource.id as string, clinicId: ctx.principal.clinicId, patientId, bodySite: site.code, label, createdBy: userId(ctx), createdAt: now };
        await tx.insert(lesionTable).values(values);
        return values;
      });
      const vc = await viewContext(ctx, [{ patientId, createdBy: row.createdBy }]);
      return lesionSummary(ctx, row, [], vc, new Map());
    },

    async createExam(ctx, lesionId, body, opts = {}) {
      requireRoles(ctx, STAFF, 'Capturing an image');
      const fileId = String(body.fileId ?? '');
      if (!/^[0-9a-f-]{36}$/.test(fileId)) throw invalidField('fileId', 'must be the id of an image uploaded with POST /api/files');
      const pixelsPerMm = body.pixelsPerMm;
      if (pixelsPerMm !== undefined && !(typeof pixelsPerMm === 'number' && Number.isFinite(pixelsPerMm) && pixelsPerMm > 0 && pixelsPerMm <= 10000)) {
        throw invalidField('pixelsPerMm', 'must be a positive number of image pixels per millimetre (at most 10000)');
      }
      const l = await loadLesion(database.db, ctx, lesionId);
      await assertPatientAccess(database.db, ctx, l.patientId);
      // Before anything else runs: no consent, no model call and nothing written.
      await consent.requireConsent(ctx, l.patientId, 'ai-analysis');
      const [file] = await database.db
        .select()
        .from(storedFile)
        .where(and(eq(storedFile.id, fileId), eq(storedFile.clinicId, ctx.principal.clinicId)));
      if (!file) throw new AppError('NOT_FOUND', `No file ${fileId} in your clinic`, { field: 'fileId' });
      if (file.patientId !== l.patientId) throw invalidField('fileId', "was not uploaded for this lesion's patient (upload it with the same patientId)");
      if (!file.contentType.startsWith('image/')) throw invalidField('fileId', `is a ${file.contentType}, not an image`);
      const content = await files.read(ctx, fileId);
      const examId = randomUUID();
      const { calibration, version } = await calibrationInForce(database.db, ctx.principal.clinicId);
      const analysis = await runModel(
        ctx,
        content.bytes,
        { tta: true, outline: true, heatmap: false, calibration, ...(pixelsPerMm !== undefined ? { pixelsPerMm } : {}) },
        { resourceId: examId, patientId: l.patientId, kind: 'exam' },
      );
      const now = opts.at ?? clock();
      const blinding = await blindedFirstRead(database.db, ctx.principal.clinicId);
      const status: LesionExamStatus = analysis.status === 'rejected' ? 'cannot-assess' : blinding ? 'awaiting-impression' : 'revealed';
      const pictures = analysis.status === 'ok' ? analysis.pictures : [];
      const stored: StoredAnalysis = analysis.status === 'ok' ? { ...analysis, pictures: pictures.map(({ data: _d, ...p }) => p) } : analysis;
      const site = bodySiteByCode(l.bodySite);
      const operator = await practitionerRef(database.db, ctx);
      try {
        const row = await database.transaction(async (tx) => {
          const media: Media = {
            resourceType: 'Media',
            status: 'completed',
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }] },
            subject: { reference: `Patient/${l.patientId}` },
            createdDateTime: now.toISOString(),
            ...(operator ? { operator: { reference: operator } } : {}),
            ...(site ? { bodySite: { coding: [{ system: SNOMED_SYSTEM, code: site.code, display: site.display }], text: l.label } } : {}),
            ...(content.width ? { width: content.width } : {}),
            ...(content.height ? { height: content.height } : {}),
            content: { contentType: content.contentType, url: `/api/files/${fileId}`, size: content.byteSize, title: 'Dermoscopic image (metadata removed)' },
            extension: [{ url: EXT_LESION, valueReference: { reference: `BodyStructure/${l.id}` } }],
          };
          const { resource } = await fhir.create(ctx, media, { tx });
          const [inserted] = await tx
            .insert(lesionExam)
            .values({
              id: examId,
              clinicId: ctx.principal.clinicId,
              patientId: l.patientId,
              lesionId: l.id,
              status,
              fileId,
              mediaId: resource.id as string,
              pixelsPerMm: pixelsPerMm ?? null,
              inputSha256: analysis.inputSha256,
              modelName: analysis.model.name,
              modelVersion: analysis.model.version,
              modelSha256: analysis.model.sha256,
              calibrationVersion: analysis.status === 'ok' ? version : null,
              analysis: stored as unknown as Record<string, unknown>,
              createdBy: userId(ctx),
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          for (const p of pictures) {
            await tx.insert(lesionPicture).values({ examId, kind: p.kind, width: p.width, height: p.height, pngBase64: p.data, createdAt: now });
          }
          await audit.record(ctx, { action: 'ai-call', outcome: 'success', resourceType: 'LesionExam', resourceId: examId, patientId: l.patientId, detail: aiCallDetail(analysis, 'exam', version) }, tx);
          await audit.record(ctx, { action: 'create', outcome: 'success', resourceType: 'LesionExam', resourceId: examId, patientId: l.patientId, detail: { status, fileId } }, tx);
          return inserted as ExamRow;
        });
        return await examViewOf(ctx, row);
      } catch (e) {
        // The model ran but nothing was saved: say so in the log, keep the cause.
        await audit
          .record(ctx, { action: 'ai-call', outcome: 'failed', resourceType: 'LesionExam', resourceId: examId, patientId: l.patientId, detail: { ...aiCallDetail(analysis, 'exam', version), saved: false } })
          .catch(() => undefined);
        throw e;
      }
    },

    async getExam(ctx, examId) {
      requireRoles(ctx, STAFF, 'Exams');
      const row = await loadExam(database.db, ctx, examId);
      await auditRead(ctx, row, 'exam');
      return examViewOf(ctx, row);
    },

    async recordImpression(ctx, examId, body) {
      requireRoles(ctx, CLINICAL, 'Recording an impression');
      const current = await loadExam(database.db, ctx, examId);
      await consent.requireConsent(ctx, current.patientId, 'ai-analysis');
      const blinding = await blindedFirstRead(database.db, ctx.principal.clinicId);
      const row = await database.transaction(async (tx) => {
        const e = await loadExam(tx, ctx, examId, true);
        if (e.status === 'cannot-assess') throw new AppError('CONFLICT', 'The image could not be assessed: retake it in a new exam', { field: 'examId' });
        if (e.status === 'signed') throw new AppError('CONFLICT', 'The exam is already signed', { field: 'examId' });
        if (e.impression) throw new AppError('CONFLICT', 'An impression is already recorded for this exam', { field: 'examId' });
        const impression: StoredImpression = {
          diagnosis: body.diagnosis,
          action: body.action,
          confidence: body.confidence,
          note: cleanNote(body.note),
          blinded: e.status === 'awaiting-impression' && blinding,
          by: userRef(ctx),
          at: clock().toISOString(),
        };
        const [updated] = await tx
          .update(lesionExam)
          .set({ impression: impression as unknown as Record<string, unknown>, status: 'revealed', updatedAt: clock() })
          .where(and(eq(lesionExam.id, e.id), isNull(lesionExam.impression)))
          .returning();
        if (!updated) throw new AppError('CONFLICT', 'An impression was recorded at the same time', { field: 'examId' });
        await audit.record(
          ctx,
          {
            action: 'lesion-impression',
            outcome: 'success',
            resourceType: 'LesionExam',
            resourceId: e.id,
            patientId: e.patientId,
            detail: { diagnosis: impression.diagnosis, action: impression.action, confidence: impression.confidence, blinded: impression.blinded },
          },
          tx,
        );
        return updated;
      });
      return examViewOf(ctx, row);
    },

    async recordDecision(ctx, examId, body) {
      requireRoles(ctx, CLINICAL, 'Signing an exam');
      const current = await loadExam(database.db, ctx, examId);
      await consent.requireConsent(ctx, current.patientId, 'ai-analysis');
      const blinding = await blindedFirstRead(database.db, ctx.principal.clinicId);
      const performer = await practitionerRef(database.db, ctx);
      const row = await database.transaction(async (tx) => {
        const e = await loadExam(tx, ctx, examId, true);
        if (e.status === 'cannot-assess') throw new AppError('CONFLICT', 'The image could not be assessed: there is no AI result to confirm; retake it', { field: 'examId' });
        if (e.status === 'signed') throw new AppError('CONFLICT', 'The exam is already signed', { field: 'examId' });
        if (e.status === 'awaiting-impression' && blinding) {
          throw new AppError('AI_RESULT_BLINDED', 'Record your impression first: this clinic reads images blinded', { field: 'impression' });
        }
        const a = e.analysis as unknown as StoredAnalysis;
        if (a.status !== 'ok') throw new AppError('CONFLICT', 'There is no AI result to confirm', { field: 'examId' });
        if (body.agreesWithAi && body.action !== a.suggestion.action) {
          throw invalidField('action', `differs from the AI's suggestion (${a.suggestion.action}): set agreesWithAi to false to override it`);
        }
        const now = clock();
        const by = userRef(ctx);
        const decision: StoredDecision = { agreesWithAi: body.agreesWithAi, diagnosis: body.diagnosis, action: body.action, note: cleanNote(body.note), by, at: now.toISOString() };
        const aiText = `AI second opinion (${a.model.name} ${a.model.version}, calibration ${a.calibration.source}): ${a.suggestion.action}; melanoma probability ${pct(a.melanomaProbability)}, malignant ${pct(a.malignantProbability)}, uncertainty ${a.uncertainty.level}.`;
        const clinicianText = `Clinician (${by.name ?? by.id}) ${body.agreesWithAi ? 'agrees with' : 'overrides'} the AI: ${CLASS_NAMES[body.diagnosis]}, ${body.action}.`;
        const report: DiagnosticReport = {
          resourceType: 'DiagnosticReport',
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'OTH', display: 'Other' }], text: 'Dermoscopy' }],
          code: { coding: [{ system: LESION_SYSTEM, code: 'dermoscopy-second-opinion', display: 'Dermoscopic lesion assessment with AI second opinion' }], text: 'Dermoscopic lesion assessment' },
          subject: { reference: `Patient/${e.patientId}` },
          effectiveDateTime: e.createdAt.toISOString(),
          issued: now.toISOString(),
          performer: [performer ? { reference: performer, display: by.name ?? undefined } : { display: by.name ?? by.id }],
          resultsInterpreter: [performer ? { reference: performer, display: by.name ?? undefined } : { display: by.name ?? by.id }],
          media: [{ link: { reference: `Media/${e.mediaId}` }, comment: 'Dermoscopic image' }],
          conclusion: `${aiText} ${clinicianText}${decision.note ? ` Note: ${decision.note}` : ''}`,
          conclusionCode: [classConcept(body.diagnosis)],
          extension: [modelExtension(a), { url: EXT_LESION, valueReference: { reference: `BodyStructure/${e.lesionId}` } }],
        };
        const { resource } = await fhir.create(ctx, report, { tx });
        const [updated] = await tx
          .update(lesionExam)
          .set({ decision: decision as unknown as Record<string, unknown>, status: 'signed', diagnosticReportId: resource.id as string, updatedAt: now })
          .where(and(eq(lesionExam.id, e.id), isNull(lesionExam.decision)))
          .returning();
        if (!updated) throw new AppError('CONFLICT', 'The exam was signed at the same time', { field: 'examId' });
        await audit.record(
          ctx,
          {
            action: 'lesion-decision',
            outcome: 'success',
            resourceType: 'LesionExam',
            resourceId: e.id,
            patientId: e.patientId,
            detail: { agreesWithAi: body.agreesWithAi, aiAction: a.suggestion.action, action: body.action, diagnosis: body.diagnosis, diagnosticReportId: resource.id },
          },
          tx,
        );
        return updated;
      });
      return examViewOf(ctx, row);
    },

    async recordHistopathology(ctx, examId, body) {
      requireRoles(ctx, CLINICAL, 'Recording histopathology');
      const current = await loadExam(database.db, ctx, examId);
      await consent.requireConsent(ctx, current.patientId, 'care');
      if (current.status !== 'signed') throw new AppError('CONFLICT', 'Sign the exam before attaching histopathology', { field: 'examId' });
      const today = clock().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(body.date) || Number.isNaN(Date.parse(`${body.date}T00:00:00Z`))) throw invalidField('date', 'must be a date, YYYY-MM-DD');
      if (body.date > today) throw invalidField('date', `is in the future (today is ${today})`);
      if (body.date < current.createdAt.toISOString().slice(0, 10)) {
        throw invalidField('date', `is before the image was taken (${current.createdAt.toISOString().slice(0, 10)}): attach the result of a biopsy or excision after it`);
      }
      // Melanoma, BCC and AKIEC are the malignant classes (Tschandl et al., Sci Data 2018).
      if (body.diagnosis !== 'other' && body.malignant !== ['mel', 'bcc', 'akiec'].includes(body.diagnosis)) {
        throw invalidField('malignant', `contradicts the diagnosis ${body.diagnosis} (${CLASS_NAMES[body.diagnosis]})`);
      }
      const row = await database.transaction(async (tx) => {
        const e = await loadExam(tx, ctx, examId, true);
        if (e.status !== 'signed') throw new AppError('CONFLICT', 'Sign the exam before attaching histopathology', { field: 'examId' });
        if (e.histopathology) throw new AppError('CONFLICT', 'Histopathology is already recorded for this exam', { field: 'examId' });
        const now = clock();
        const histo: StoredHistopathology = { diagnosis: body.diagnosis, malignant: body.malignant, date: body.date, note: cleanNote(body.note), by: userRef(ctx), at: now.toISOString() };
        const obs: Observation = {
          resourceType: 'Observation',
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }], text: 'Histopathology' }],
          code: { coding: [{ system: LESION_SYSTEM, code: 'histopathology', display: 'Histopathology of skin lesion' }], text: 'Histopathology of skin lesion' },
          subject: { reference: `Patient/${e.patientId}` },
          focus: [{ reference: `BodyStructure/${e.lesionId}` }],
          effectiveDateTime: body.date,
          issued: now.toISOString(),
          valueCodeableConcept: classConcept(body.diagnosis),
          component: [{ code: { text: 'Malignant' }, valueBoolean: body.malignant }],
          derivedFrom: [{ reference: `Media/${e.mediaId}` }, ...(e.diagnosticReportId ? [{ reference: `DiagnosticReport/${e.diagnosticReportId}` }] : [])],
          ...(histo.note ? { note: [{ text: histo.note }] } : {}),
        };
        const { resource } = await fhir.create(ctx, obs, { tx });
        const [updated] = await tx
          .update(lesionExam)
          .set({ histopathology: histo as unknown as Record<string, unknown>, observationId: resource.id as string, updatedAt: now })
          .where(and(eq(lesionExam.id, e.id), isNull(lesionExam.histopathology)))
          .returning();
        if (!updated) throw new AppError('CONFLICT', 'Histopathology was recorded at the same time', { field: 'examId' });
        await audit.record(
          ctx,
          {
            action: 'lesion-histopathology',
            outcome: 'success',
            resourceType: 'LesionExam',
            resourceId: e.id,
            patientId: e.patientId,
            detail: { diagnosis: body.diagnosis, malignant: body.malignant, observationId: resource.id },
          },
          tx,
        );
        return updated;
      });
      return examViewOf(ctx, row);
    },

    async image(ctx, examId) {
      requireRoles(ctx, STAFF, 'Exam images');
      const row = await loadExam(database.db, ctx, examId);
      const file = await files.read(ctx, row.fileId);
      return { bytes: file.bytes, contentType: file.contentType };
    },

    async picture(ctx, examId, kind) {
      requireRoles(ctx, STAFF, 'Exam pictures');
      const row = await loadExam(database.db, ctx, examId);
      if (!canSeeAi(ctx)) throw new AppError('FORBIDDEN', 'Nurses capture images but do not see the AI result');
      await consent.requireConsent(ctx, row.patientId, 'ai-analysis');
      if (row.status === 'awaiting-impression' && (await blindedFirstRead(database.db, ctx.principal.clinicId))) {
        throw new AppError('AI_RESULT_BLINDED', 'Record your impression first: the AI pictures stay hidden until you do', { field: 'impression' });
      }
      const a = row.analysis as unknown as StoredAnalysis;
      if (a.status !== 'ok') throw new AppError('NOT_FOUND', `The image could not be assessed (${a.reason}): there is no ${kind}`, { field: 'examId' });
      const [stored] = await database.db
        .select()
        .from(lesionPicture)
        .where(and(eq(lesionPicture.examId, row.id), eq(lesionPicture.kind, kind)));
      if (stored) {
        await auditRead(ctx, row, kind);
        return Buffer.from(stored.pngBase64, 'base64');
      }
      if (kind === 'outline') throw new AppError('NOT_FOUND', 'No outline was drawn for this exam', { field: 'examId' });
      // The heatmap: occlusion needs many model runs, so it is made on first request and kept.
      const file = await files.read(ctx, row.fileId);
      const analysis = await runModel(
        ctx,
        file.bytes,
        { tta: false, outline: false, heatmap: true, calibration: a.calibration, ...(row.pixelsPerMm ? { pixelsPerMm: row.pixelsPerMm } : {}) },
        { resourceId: row.id, patientId: row.patientId, kind: 'heatmap' },
      );
      const pic = analysis.status === 'ok' ? analysis.pictures.find((p) => p.kind === 'heatmap') : undefined;
      if (!pic) throw new AppError('NOT_READY', 'The heatmap could not be computed for this image', { field: 'examId' });
      await database.transaction(async (tx) => {
        await tx
          .insert(lesionPicture)
          .values({ examId: row.id, kind: 'heatmap', width: pic.width, height: pic.height, pngBase64: pic.data, createdAt: clock() })
          .onConflictDoNothing();
        await audit.record(ctx, { action: 'ai-call', outcome: 'success', resourceType: 'LesionExam', resourceId: row.id, patientId: row.patientId, detail: aiCallDetail(analysis, 'heatmap', row.calibrationVersion) }, tx);
      });
      return Buffer.from(pic.data, 'base64');
    },

    async evolution(ctx, lesionId) {
      requireRoles(ctx, STAFF, 'Lesion follow-up');
      const l = await loadLesion(database.db, ctx, lesionId);
      await assertPatientAccess(database.db, ctx, l.patientId);
      const rows = await database.db
        .select()
        .from(lesionExam)
        .where(and(eq(lesionExam.lesionId, l.id), eq(lesionExam.clinicId, ctx.principal.clinicId)))
        .orderBy(asc(lesionExam.createdAt), asc(lesionExam.id));
      const vc = await viewContext(ctx, rows);
      const visible = rows.filter((r) => withheldReason(ctx, r, vc) === null);
      const { calibration } = await calibrationInForce(database.db, ctx.principal.clinicId);
      // Only exams whose analysis the caller may see are compared: a blinded exam must not leak through its changes.
      const evo = lesionEvolution(visible.map(engineExam), { refer: calibration.referThreshold, monitor: calibration.monitorThreshold });
      const featuresOf = (r: ExamRow) => {
        const a = r.analysis as unknown as StoredAnalysis;
        return a.status === 'ok' ? a : null;
      };
      const site = bodySiteByCode(l.bodySite);
      await audit.record(ctx, { action: 'read', outcome: 'success', resourceType: 'BodyStructure', resourceId: l.id, patientId: l.patientId, detail: { view: 'evolution' } });
      return {
        lesionId: l.id,
        patientId: l.patientId,
        bodySite: site ?? { code: l.bodySite, system: 'http://snomed.info/sct', display: l.bodySite, label: { en: l.bodySite, es: l.bodySite } },
        label: l.label,
        exams: rows.map((r) => {
          const withheld = withheldReason(ctx, r, vc);
          const a = withheld === null ? featuresOf(r) : null;
          return {
            examId: r.id,
            createdAt: r.createdAt.toISOString(),
            status: r.status,
            imageUrl: `/api/lesion/exams/${r.id}/image`,
            outlineUrl: a ? `/api/lesion/exams/${r.id}/outline.png` : null,
            diameterMm: a?.features.diameterMm ?? null,
            diameterPx: a?.features.diameterPx ?? null,
            colourCount: a?.features.colourCount ?? null,
            colours: a ? [...a.features.colours] : null,
            asymmetry: a?.features.asymmetry ?? null,
            melanomaProbability: a?.melanomaProbability ?? null,
            suggestion: a?.suggestion.action ?? null,
            analysisWithheld: withheld,
          };
        }),
        changes: evo.changes,
        flags: evo.flags,
        evolving: evo.evolving,
      };
    },

    async modelCard(ctx) {
      if (roleOf(ctx) === 'patient') throw new AppError('FORBIDDEN', 'The model card is for clinic staff and learners');
      const c = await card();
      const { calibration, version } = await calibrationInForce(database.db, ctx.principal.clinicId);
      return { card: c as unknown as Record<string, unknown>, calibration: { ...calibration, version }, reliabilityPlotUrl: '/api/lesion/model-card/reliability.png' };
    },

    async reliabilityPlot(ctx) {
      if (roleOf(ctx) === 'patient') throw new AppError('FORBIDDEN', 'The model card is for clinic staff and learners');
      const c = await card();
      // The card schema allows only a plain file name here, so this stays inside the model folder.
      return fs.readFile(path.join(modelDir, path.basename(c.metrics.calibration.reliability_plot)));
    },

    async performance(ctx) {
      requireRoles(ctx, CLINICAL, 'The performance view');
      const c = await card();
      const { calibration } = await calibrationInForce(database.db, ctx.principal.clinicId);
      const exams = await clinicExams(ctx.principal.clinicId);
      const reads: ExamRead[] = [];
      for (const e of exams) {
        const imp = e.impression as unknown as StoredImpression | null;
        const dec = e.decision as unknown as StoredDecision | null;
        const who = imp?.by ?? dec?.by;
        if (!who) continue;
        const a = e.analysis as unknown as StoredAnalysis;
        const h = e.histopathology as unknown as StoredHistopathology | null;
        reads.push({
          examId: e.id,
          lesionId: e.lesionId,
          clinicianId: who.id,
          ...(who.name ? { clinicianName: who.name } : {}),
          blinded: imp?.blinded ?? false,
          impression: imp ? { diagnosis: imp.diagnosis, action: imp.action } : null,
          // The suggestion at the calibration the clinician saw.
          ai: a.status === 'ok' ? { action: a.suggestion.action, melanomaProbability: a.melanomaProbability } : null,
          decision: dec ? { agreesWithAi: dec.agreesWithAi, diagnosis: dec.diagnosis, action: dec.action } : null,
          histopathology: h ? { diagnosis: h.diagnosis, malignant: h.malignant } : null,
        });
      }
      const follow = followUpDays(exams, { refer: calibration.referThreshold, monitor: calibration.monitorThreshold });
      for (const r of reads) r.followedUpDaysWithoutChange = follow.get(r.examId) ?? null;
      const clinicians = clinicianPerformance(reads);
      const live = livePerformance(reads, { refer: calibration.referThreshold, monitor: calibration.monitorThreshold }, c, createRng(hashString(`${BOOTSTRAP_SEED}:${ctx.principal.clinicId}`)), 1000);
      await audit.record(ctx, { action: 'read', outcome: 'success', resourceType: 'LesionExam', detail: { view: 'performance', reads: reads.length } });
      return {
        generatedAt: clock().toISOString(),
        clinicians,
        live,
        model: { name: c.name, version: c.version, sha256: c.model.sha256 },
        notes: [
          `Live performance counts exams with a reference standard (histopathology, or clinically benign and followed up ${FOLLOW_UP_MIN_DAYS}+ days without change), at the calibration in force (${calibration.source}).`,
          'Agreement compares the blinded first impression with the AI suggestion (action level).',
        ],
      };
    },

    async settings(ctx) {
      requireRoles(ctx, STAFF, 'Lesion settings');
      const [row] = await database.db.select().from(lesionClinicSetting).where(eq(lesionClinicSetting.clinicId, ctx.principal.clinicId));
      if (!row) return { blindedFirstRead: true, updatedAt: null, updatedBy: null };
      const names = await userNames([row.updatedBy]);
      return { blindedFirstRead: row.blindedFirstRead, updatedAt: row.updatedAt.toISOString(), updatedBy: row.updatedBy ? { id: row.updatedBy, name: names.get(row.updatedBy) ?? null } : null };
    },

    async updateSettings(ctx, body) {
      requireRoles(ctx, ADMIN, 'Changing lesion settings');
      if (typeof body.blindedFirstRead !== 'boolean') throw invalidField('blindedFirstRead', 'must be true or false');
      const now = clock();
      await database.transaction(async (tx) => {
        const before = await blindedFirstRead(tx, ctx.principal.clinicId);
        await tx
          .insert(lesionClinicSetting)
          .values({ clinicId: ctx.principal.clinicId, blindedFirstRead: body.blindedFirstRead, updatedBy: userId(ctx), updatedAt: now })
          .onConflictDoUpdate({ target: lesionClinicSetting.clinicId, set: { blindedFirstRead: body.blindedFirstRead, updatedBy: userId(ctx), updatedAt: now } });
        await audit.record(ctx, { action: 'lesion-settings', outcome: 'success', resourceType: 'LesionSettings', detail: { blindedFirstRead: { from: before, to: body.blindedFirstRead } } }, tx);
      });
      return service.settings(ctx);
    },

    async operatingPoints(ctx) {
      requireRoles(ctx, ADMIN, 'Operating points');
      const c = await card();
      const { calibration, version } = await calibrationInForce(database.db, ctx.principal.clinicId);
      const cardCal = { ...cardCalibrationOf(c), source: 'model-card' };
      const exams = await clinicExams(ctx.principal.clinicId);
      const stats = clinicStatistics(clinicCases(exams, { refer: calibration.referThreshold, monitor: calibration.monitorThreshold }), c, calibration);
      const rows = await database.db
        .select()
        .from(lesionOperatingPoint)
        .where(eq(lesionOperatingPoint.clinicId, ctx.principal.clinicId))
        .orderBy(desc(lesionOperatingPoint.version));
      const names = await userNames(rows.map((r) => r.createdBy));
      await audit.record(ctx, { action: 'read', outcome: 'success', resourceType: 'LesionOperatingPoint', detail: { view: 'operating-points', confirmed: stats.counts.confirmed } });
      return {
        inForce: { ...calibration, version },
        card: cardCal,
        versions: rows.map((r) => ({
          version: r.version,
          referThreshold: r.referThreshold,
          monitorThreshold: r.monitorThreshold,
          temperature: r.temperature,
          reason: r.reason,
          revertToModelCard: r.revertToModelCard,
          basis: r.basis,
          createdBy: createdByRef(r.createdBy, names),
          createdAt: r.createdAt.toISOString(),
        })),
        clinic: { counts: stats.counts, atCard: stats.atCard, atInForce: stats.atInForce },
        minimum: stats.minimum,
        proposal: stats.proposal,
      };
    },

    async adoptOperatingPoints(ctx, body) {
      requireRoles(ctx, ADMIN, 'Changing operating points');
      const request = validateOperatingPointRequest(body);
      const c = await card();
      const cardCal = cardCalibrationOf(c);
      const now = clock();
      const row = await database.transaction(async (tx) => {
        const { calibration } = await calibrationInForce(tx, ctx.principal.clinicId);
        const exams = await tx.select().from(lesionExam).where(eq(lesionExam.clinicId, ctx.principal.clinicId));
        const stats = clinicStatistics(clinicCases(exams, { refer: calibration.referThreshold, monitor: calibration.monitorThreshold }), c, calibration);
        const revert = 'revertToModelCard' in request;
        if (!revert) assertEnoughCases(stats);
        const values = revert
          ? { referThreshold: cardCal.referThreshold, monitorThreshold: cardCal.monitorThreshold, temperature: cardCal.temperature }
          : { referThreshold: request.referThreshold, monitorThreshold: request.monitorThreshold, temperature: request.temperature ?? calibration.temperature };
        const [last] = await tx
          .select({ v: sql<number>`coalesce(max(${lesionOperatingPoint.version}), 0)` })
          .from(lesionOperatingPoint)
          .where(eq(lesionOperatingPoint.clinicId, ctx.principal.clinicId));
        const version = Number(last?.v ?? 0) + 1;
        const basis = {
          counts: stats.counts,
          atCard: stats.atCard,
          ...(stats.proposal ? { proposal: { referThreshold: stats.proposal.referThreshold, monitorThreshold: stats.proposal.monitorThreshold, temperature: stats.proposal.temperature } } : {}),
          previous: calibration,
        };
        const [inserted] = await tx
          .insert(lesionOperatingPoint)
          .values({ clinicId: ctx.principal.clinicId, version, ...values, revertToModelCard: revert, reason: request.reason, basis, createdBy: userId(ctx), createdAt: now })
          .returning();
        await audit.record(
          ctx,
          {
            action: 'lesion-operating-point',
            outcome: 'success',
            resourceType: 'LesionOperatingPoint',
            resourceId: String(version),
            detail: { version, ...values, revertToModelCard: revert, from: calibration.source, confirmed: stats.counts.confirmed, melanomas: stats.counts.melanomas },
          },
          tx,
        );
        return inserted!;
      });
      const names = await userNames([row.createdBy]);
      return {
        version: row.version,
        referThreshold: row.referThreshold,
        monitorThreshold: row.monitorThreshold,
        temperature: row.temperature,
        reason: row.reason,
        revertToModelCard: row.revertToModelCard,
        basis: row.basis,
        createdBy: createdByRef(row.createdBy, names),
        createdAt: row.createdAt.toISOString(),
      };
    },
  };
  return service;
}
