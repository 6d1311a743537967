/**
 * The plans service: the profile from the record, plan generation, the clinician's edits,
 * approval (sign-off) and the genetics panel. Stores through the FHIR repository (which
 * scopes by clinic and role and writes the audit log); the clinical logic lives in the pure
 * engines (index.ts, profile-from-record.ts).
 *
 * Storage. A plan is a FHIR CarePlan (intent plan; status draft, then active when approved):
 * subject, created, author, title, description, one activity per chosen option. What the
 * CarePlan elements cannot hold (the engine's Plan JSON exactly as generated, the profile and
 * its sources, the edits and warnings) rides in one extension, PLAN_RECORD_EXT, whose
 * valueAttachment carries it as base64 JSON (contentType application/json, with a SHA-1 `hash`
 * as Attachment defines it): other FHIR clients see a well-formed CarePlan and can ignore the
 * extension. Approval adds PLAN_SIGNATURE_EXT, a valueSignature (who, when) as FHIR
 * Signature defines it. The genetics panel is an Observation (code WellAge
 * 'skin-genetics-panel', a component per variant, the panel JSON in the same kind of
 * attachment extension); the genotype file itself is parsed in memory and never stored.
 *
 * Access: staff of the patient's clinic generate and edit; clinician or admin approve; the
 * patient reads only approved plans of their own record; learners 403; another clinic 404.
 * The patient's 'care' consent is required; anything genetic needs 'genetics' consent too.
 */
import { createHash } from 'node:crypto';
import type {
  AllergyIntolerance,
  Bundle,
  CarePlan,
  CarePlanActivity,
  Condition,
  Extension,
  Goal,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Patient,
  Practitioner,
  Procedure,
  Reference,
  Resource,
  RiskAssessment,
} from '@medplum/fhirtypes';
import type { AuditLog } from '../platform/audit/types.ts';
import type { Clock } from '../platform/clock.ts';
import { isStaff, type RequestContext } from '../platform/context.ts';
import type { ConsentService } from '../platform/consent/consent.service.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError, invalidField, isAppError } from '../platform/errors.ts';
import type { FhirRepository } from '../platform/fhir/repository.ts';
import { checkPatientRole } from '../platform/auth/access.ts';
import type { IntakeService } from '../intake/intake.service.ts';
import type { RiskService } from '../risk/risk.service.ts';
import { generatePlan, genotypePanel, shippedKnowledgeBase, type GeneticsPanel, type KnowledgeBase, type LocalText, type Plan, type PlanProfileInput } from './index.ts';
import type { ProfileGenetics } from './profile.ts';
import { profileFromRecord, type IntakeFacts, type ProfileFromRecord, type RiskFacts, type Sourced } from './profile-from-record.ts';

export type { Sourced, ProfileFromRecord } from './profile-from-record.ts';

/** Extension holding the plan record (engine Plan, profile, edits, warnings) as a base64 JSON attachment. */
export const PLAN_RECORD_EXT = 'https://wellage.dev/fhir/StructureDefinition/plan-record';
/** Extension holding the approving clinician's signature (FHIR Signature: who, when). */
export const PLAN_SIGNATURE_EXT = 'https://wellage.dev/fhir/StructureDefinition/plan-signature';
/** Extension holding the genetics panel JSON on its Observation. */
export const GENETICS_PANEL_EXT = 'https://wellage.dev/fhir/StructureDefinition/genetics-panel';
export const PLAN_CATEGORY_SYSTEM = 'https://wellage.dev/fhir/CodeSystem/care-plan-category';
export const INTERVENTION_SYSTEM = 'https://wellage.dev/fhir/CodeSystem/plan-intervention';
export const GENETICS_CODE = { system: 'https://wellage.dev/fhir/CodeSystem/genetics', code: 'skin-genetics-panel', display: 'Skin genotype panel' } as const;
const BASE_URL = 'urn:wellage:plans/fhir/R4';
const PAGE = 1000;
/** Genotype uploads larger than this are refused (consumer files are 15-30 MB). */
export const MAX_GENOTYPE_BYTES = 50 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// The API contract (JSON), shared with the web app

export interface PlanEdit {
  readonly kind: 'remove' | 'add' | 'dose';
  readonly goalRank: number;
  readonly interventionId: string;
  readonly site?: string | undefined;
  readonly dose?: { readonly value: number; readonly unit: string } | undefined;
  readonly outOfRange?: boolean;
  readonly acknowledged?: boolean;
  readonly by: string;
  readonly at: string;
}

export interface PlanWarning {
  readonly code: 'DOSE_OUT_OF_RANGE' | string;
  readonly message: LocalText;
  readonly interventionId?: string;
  readonly acknowledged: boolean;
}

export interface PlanRecord {
  readonly planId: string;
  readonly versionId: string;
  readonly status: 'draft' | 'active' | 'revoked';
  readonly createdAt: string;
  readonly approvedBy?: { readonly userId: string; readonly displayName: string };
  readonly approvedAt?: string;
  readonly profile: { readonly input: PlanProfileInput; readonly sources: Sourced[]; readonly missing: string[] };
  readonly plan: Plan;
  readonly edits: PlanEdit[];
  readonly warnings: PlanWarning[];
}

export interface PlanSummary {
  readonly planId: string;
  readonly status: PlanRecord['status'];
  readonly createdAt: string;
  readonly approvedAt?: string;
  readonly goals: string[];
}

export interface GenerateBody {
  readonly goals?: readonly { readonly concern: string; readonly area?: string | undefined }[] | undefined;
  readonly preferences?: { readonly maxDowntimeDays?: number | undefined; readonly budget?: 'low' | 'medium' | 'high' | undefined } | undefined;
  readonly overrides?: Partial<PlanProfileInput> | undefined;
}

export interface EditBody {
  readonly versionId: string;
  readonly edits: readonly { readonly kind: 'remove' | 'add' | 'dose'; readonly goalRank: number; readonly interventionId: string; readonly site?: string | undefined; readonly dose?: { readonly value: number; readonly unit: string } | undefined }[];
  readonly acknowledge?: readonly string[] | undefined;
}

/** The stored panel without the file's line-level issues (they could quote the file). */
export type StoredPanel = Omit<GeneticsPanel, 'fileSummary'> & { readonly fileSummary: { readonly dataLines: number; readonly noCalls: number; readonly malformed: number } };

export interface PlansService {
  /** The profile the engine would get, from the record, with sources and gaps. Staff only. */
  profile(ctx: RequestContext, patientId: string): Promise<ProfileFromRecord>;
  /** Generates and stores a draft plan. Staff only. */
  generate(ctx: RequestContext, patientId: string, body: GenerateBody): Promise<PlanRecord>;
  /** The patient's plans, newest first (a patient sees only approved ones). */
  list(ctx: RequestContext, patientId: string): Promise<{ plans: PlanSummary[] }>;
  get(ctx: RequestContext, patientId: string, planId: string): Promise<PlanRecord>;
  /** Remove, add, dose edits and warning acknowledgements; 409 once approved, 412 on a stale versionId. */
  edit(ctx: RequestContext, patientId: string, planId: string, body: EditBody): Promise<PlanRecord>;
  /** Clinician sign-off: CarePlan active with the signature; 400 while a warning is unacknowledged. */
  approve(ctx: RequestContext, patientId: string, planId: string, versionId: string): Promise<PlanRecord>;
  /** Parses a genotype file in memory and stores only the panel. Needs 'genetics' consent. */
  uploadGenetics(ctx: RequestContext, patientId: string, text: string): Promise<{ panel: StoredPanel }>;
  /** The latest stored panel, or null. Needs 'genetics' consent. */
  genetics(ctx: RequestContext, patientId: string): Promise<{ panel: StoredPanel | null }>;
}

export interface PlansServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly fhir: FhirRepository;
  readonly consent: ConsentService;
  readonly audit: AuditLog;
  readonly intake: IntakeService;
  readonly risk: RiskService;
  /** Defaults to the shipped knowledge base. */
  readonly kb?: KnowledgeBase;
}

/** What the CarePlan's extension holds. */
interface StoredRecord {
  readonly profile: PlanRecord['profile'];
  readonly plan: Plan;
  readonly edits: PlanEdit[];
  readonly warnings: PlanWarning[];
  readonly approvedBy?: { userId: string; displayName: string };
  readonly approvedAt?: string;
}

// ---------------------------------------------------------------------------------------
// Pure helpers

function attachmentExt(url: string, value: unknown): Extension {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  return { url, valueAttachment: { contentType: 'application/json', data: json.toString('base64'), size: json.length, hash: createHash('sha1').update(json).digest('base64') } };
}

function readAttachmentExt<T>(resource: { extension?: Extension[] | undefined }, url: string): T | undefined {
  const data = resource.extension?.find((e) => e.url === url)?.valueAttachment?.data;
  return data === undefined ? undefined : (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as T);
}

function doseText(d: { value: number; unit: string }, site: string | undefined): string {
  return `${d.value} ${d.unit}${site ? ` (${site})` : ''}`;
}

const ackKey = (w: { code: string; interventionId?: string | undefined }): string => `${w.code}:${w.interventionId ?? ''}`;

/** The interventions chosen per goal after the edits: the plan's options, minus removals, plus additions. */
export function chosenOptions(plan: Plan, edits: readonly PlanEdit[]): { goalRank: number; interventionId: string }[] {
  const out: { goalRank: number; interventionId: string }[] = [];
  for (const g of plan.goals) {
    const ids = g.options.map((o) => o.interventionId);
    for (const e of edits) {
      if (e.goalRank !== g.rank) continue;
      const k = ids.indexOf(e.interventionId);
      if (e.kind === 'remove' && k >= 0) ids.splice(k, 1);
      if (e.kind === 'add' && !ids.includes(e.interventionId)) ids.push(e.interventionId);
    }
    for (const id of ids) out.push({ goalRank: g.rank, interventionId: id });
  }
  return out;
}

/** One CarePlan activity per chosen option: code text, the calendar's dates, the dose. */
function activitiesOf(kb: KnowledgeBase, plan: Plan, edits: readonly PlanEdit[], status: 'not-started' | 'scheduled'): CarePlanActivity[] {
  return chosenOptions(plan, edits).map(({ goalRank, interventionId }) => {
    const iv = kb.interventionById.get(interventionId);
    const goal = plan.goals.find((g) => g.rank === goalRank);
    const option = goal?.options.find((o) => o.interventionId === interventionId);
    const doseEdit = [...edits].reverse().find((e) => e.kind === 'dose' && e.goalRank === goalRank && e.interventionId === interventionId && e.dose);
    const dates = plan.calendar.filter((c) => c.interventionId === interventionId).map((c) => c.date);
    const procedure = iv && iv.category !== 'topical' && iv.category !== 'lifestyle';
    const kbDose = (option?.dose ?? []).map((d) => `${d.min}-${d.max} ${d.unit} ${d.per} (${d.area})`).join('; ');
    const description = doseEdit?.dose ? `Dose: ${doseText(doseEdit.dose, doseEdit.site)}` : kbDose ? `Dose range: ${kbDose}` : undefined;
    const name = iv?.names.en ?? option?.name.en ?? interventionId;
    return {
      detail: {
        ...(procedure ? { kind: 'ServiceRequest' as const } : {}),
        code: { coding: [{ system: INTERVENTION_SYSTEM, code: interventionId, display: name }], text: name },
        status,
        ...(dates.length ? { scheduledTiming: { event: dates } } : {}),
        ...(description ? { description } : {}),
      },
    };
  });
}

/** The DOSE_OUT_OF_RANGE warning text. */
function doseWarning(interventionId: string, d: { value: number; unit: string }, range: { min: number; max: number; unit: string; area: string }): PlanWarning {
  return {
    code: 'DOSE_OUT_OF_RANGE',
    interventionId,
    acknowledged: false,
    message: {
      en: `${interventionId}: ${d.value} ${d.unit} is outside the knowledge-base range ${range.min}-${range.max} ${range.unit} for ${range.area}; acknowledge before approval.`,
      es: `${interventionId}: ${d.value} ${d.unit} está fuera del rango de la base de conocimiento ${range.min}-${range.max} ${range.unit} para ${range.area}; confirmar antes de aprobar.`,
    },
  };
}

// ---------------------------------------------------------------------------------------

export function createPlansService(deps: PlansServiceDeps): PlansService {
  const { clock, fhir, consent, audit, intake, risk } = deps;
  let kbCache = deps.kb;
  const kb = (): KnowledgeBase => (kbCache ??= shippedKnowledgeBase());
  const today = (): string => clock().toISOString().slice(0, 10);

  async function searchAll<T extends Resource>(ctx: RequestContext, type: string, params: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const q = new URLSearchParams({ ...params, _count: String(PAGE), ...(offset ? { _offset: String(offset) } : {}) });
      const bundle: Bundle = await fhir.search(ctx, type, q, BASE_URL);
      for (const e of bundle.entry ?? []) if (e.resource?.resourceType === type) out.push(e.resource as T);
      if ((bundle.entry?.length ?? 0) < PAGE || offset + PAGE >= (bundle.total ?? 0)) return out;
    }
  }

  /** Role (learner, another patient: 403), the Patient in the caller's clinic (404), 'care' consent (403). */
  async function open(ctx: RequestContext, patientId: string): Promise<Patient> {
    checkPatientRole(ctx, patientId);
    const patient = (await fhir.read(ctx, 'Patient', patientId)) as Patient;
    await consent.requireConsent(ctx, patientId, 'care');
    return patient;
  }

  function requireStaff(ctx: RequestContext, what: string): void {
    if (!isStaff(ctx.principal)) throw new AppError('FORBIDDEN', `Only clinic staff may ${what}`);
  }

  function requireSigner(ctx: RequestContext): void {
    const p = ctx.principal;
    if (p.kind === 'user' && p.role !== 'clinician' && p.role !== 'admin') throw new AppError('FORBIDDEN', 'Only a clinician may approve a plan');
  }

  const actorName = (ctx: RequestContext): string => (ctx.principal.kind === 'user' ? ctx.principal.displayName : ctx.principal.actor);
  const actorId = (ctx: RequestContext): string => (ctx.principal.kind === 'user' ? ctx.principal.userId : ctx.principal.actor);

  async function authorOf(ctx: RequestContext): Promise<Reference<Practitioner>> {
    const p = ctx.principal;
    if (p.kind === 'user' && p.practitionerId) {
      try {
        await fhir.read(ctx, 'Practitioner', p.practitionerId);
        return { reference: `Practitioner/${p.practitionerId}`, display: p.displayName };
      } catch {
        // a login linked to a Practitioner that is gone: name the user instead
      }
    }
    return { display: actorName(ctx) };
  }

  async function latestPanel(ctx: RequestContext, patientId: string): Promise<{ observation: Observation; panel: StoredPanel } | undefined> {
    const found = await searchAll<Observation>(ctx, 'Observation', { patient: patientId, code: `${GENETICS_CODE.system}|${GENETICS_CODE.code}`, _sort: '-date' });
    const sorted = found.filter((o) => o.status === 'final').sort((a, b) => (b.effectiveDateTime ?? '').localeCompare(a.effectiveDateTime ?? ''));
    const observation = sorted[0];
    const panel = observation && readAttachmentExt<StoredPanel>(observation, GENETICS_PANEL_EXT);
    return observation && panel ? { observation, panel } : undefined;
  }

  async function assemble(ctx: RequestContext, patientId: string, patient: Patient): Promise<ProfileFromRecord> {
    const by = { patient: patientId };
    const [observations, conditions, medications, allergies, procedures, goals, riskAssessments] = await Promise.all([
      searchAll<Observation>(ctx, 'Observation', { ...by, code: 'http://loinc.org|66555-4,http://loinc.org|82810-3,http://loinc.org|63895-7,https://wellage.dev/fhir/CodeSystem/intake|breastfeeding-status' }),
      searchAll<Condition>(ctx, 'Condition', by),
      searchAll<MedicationStatement>(ctx, 'MedicationStatement', by),
      searchAll<AllergyIntolerance>(ctx, 'AllergyIntolerance', by),
      searchAll<Procedure>(ctx, 'Procedure', by),
      searchAll<Goal>(ctx, 'Goal', by),
      searchAll<RiskAssessment>(ctx, 'RiskAssessment', by),
    ]);
    let intakeFacts: IntakeFacts | undefined;
    try {
      const h = await intake.history(ctx, patientId);
      intakeFacts = { questionnaireResponse: h.questionnaireResponse, scores: h.scores as IntakeFacts['scores'] };
    } catch (e) {
      if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e; // no intake submitted yet
    }
    let riskFacts: RiskFacts | undefined;
    try {
      const report = await risk.report(ctx, patientId);
      riskFacts = { asOf: report.asOf, results: report.results as RiskFacts['results'] };
    } catch (e) {
      if (!isAppError(e) || e.status >= 500) throw e; // the record cannot be scored: use stored assessments
    }
    let genetics: { observationId: string; date?: string; panel: StoredPanel } | undefined;
    if (await consent.hasConsent(ctx, patientId, 'genetics')) {
      const found = await latestPanel(ctx, patientId);
      if (found) genetics = { observationId: found.observation.id as string, date: found.observation.effectiveDateTime, panel: found.panel };
    }
    return profileFromRecord(
      { patient, observations, conditions, medications, allergies, procedures, goals, riskAssessments, intake: intakeFacts, risk: riskFacts, genetics: genetics && { ...genetics, panel: genetics.panel as unknown as ProfileGenetics } },
      today(),
      kb(),
    );
  }

  function toRecord(cp: CarePlan): PlanRecord {
    const stored = readAttachmentExt<StoredRecord>(cp, PLAN_RECORD_EXT);
    if (!stored) throw new AppError('NOT_FOUND', `CarePlan/${cp.id} is not a WellAge plan`, { field: 'planId' });
    const status = cp.status === 'active' || cp.status === 'completed' ? 'active' : cp.status === 'revoked' ? 'revoked' : 'draft';
    return {
      planId: cp.id as string,
      versionId: cp.meta?.versionId ?? '1',
      status,
      createdAt: cp.created ?? cp.meta?.lastUpdated ?? '',
      ...(stored.approvedBy ? { approvedBy: stored.approvedBy } : {}),
      ...(stored.approvedAt ? { approvedAt: stored.approvedAt } : {}),
      profile: stored.profile,
      plan: stored.plan,
      edits: stored.edits,
      warnings: stored.warnings,
    };
  }

  function withRecord(cp: CarePlan, stored: StoredRecord): CarePlan {
    return { ...cp, extension: [...(cp.extension ?? []).filter((e) => e.url !== PLAN_RECORD_EXT), attachmentExt(PLAN_RECORD_EXT, stored)] };
  }

  async function readPlan(ctx: RequestContext, patientId: string, planId: string): Promise<CarePlan> {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(planId)) throw new AppError('NOT_FOUND', `No plan ${planId.slice(0, 64)}`, { field: 'planId' });
    const cp = (await fhir.read(ctx, 'CarePlan', planId)) as CarePlan;
    // A plan of another patient (or not a WellAge plan) does not exist under this patient.
    if (cp.subject?.reference !== `Patient/${patientId}` || !cp.extension?.some((e) => e.url === PLAN_RECORD_EXT)) {
      throw new AppError('NOT_FOUND', `Patient ${patientId} has no plan ${planId}`, { field: 'planId' });
    }
    const p = ctx.principal;
    if (p.kind === 'user' && p.role === 'patient' && cp.status !== 'active') {
      throw new AppError('NOT_FOUND', `Plan ${planId} is not approved yet`, { field: 'planId' });
    }
    return cp;
  }

  function checkVersion(versionId: unknown): string {
    if (typeof versionId !== 'string' || versionId === '') throw invalidField('versionId', 'is required (the version you edited)');
    return versionId;
  }

  return {
    async profile(ctx, patientId) {
      requireStaff(ctx, 'see the plan profile');
      const patient = await open(ctx, patientId);
      return assemble(ctx, patientId, patient);
    },

    async generate(ctx, patientId, body) {
      requireStaff(ctx, 'generate a plan');
      if (body === null || typeof body !== 'object') throw invalidField('body', 'must be an object');
      const patient = await open(ctx, patientId);
      const assembled = await assemble(ctx, patientId, patient);
      const overrides = (body.overrides ?? {}) as Record<string, unknown>;
      if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) throw invalidField('overrides', 'must be an object');
      if ('genetics' in overrides && overrides.genetics !== undefined) {
        // Genetic data reaches a plan only through the stored panel, under genetics consent.
        await consent.requireConsent(ctx, patientId, 'genetics');
      }
      const input: Record<string, unknown> = { ...assembled.input, ...overrides };
      if (body.goals !== undefined) input.goals = body.goals.map((g, i) => ({ concern: g.concern, ...(g.area ? { area: g.area } : {}), rank: i + 1 }));
      if (body.preferences !== undefined) input.preferences = { ...body.preferences };
      if (!Array.isArray(input.goals) || input.goals.length === 0) {
        throw invalidField('goals', 'the record has no aesthetic goal (no intake concerns, no active Goal); give goals');
      }
      const sources: Sourced[] = [
        ...assembled.sources.filter((s) => !Object.keys(overrides).some((k) => s.field === k || s.field.startsWith(`${k}[`)) && !(body.goals && s.field.startsWith('goals['))),
        ...Object.keys(overrides).map((k) => ({ field: k, value: overrides[k], source: { display: `given by ${actorName(ctx)} (override)` } })),
        ...(body.goals ? body.goals.map((g, i) => ({ field: `goals[${i}]`, value: g, source: { display: `given by ${actorName(ctx)}` } })) : []),
      ];
      const missing = assembled.missing.filter((m) => !Object.keys(overrides).some((k) => m === k || m.startsWith(`${k} `)) && !(body.goals && m.startsWith('goals')));
      const asOf = today();
      let plan: Plan;
      try {
        plan = generatePlan(input, { asOf, kb: kb() });
      } catch (e) {
        // Say which record entry a bad value came from, when it came from the record.
        if (isAppError(e) && e.field) {
          const from = sources.find((s) => e.field === s.field || e.field?.startsWith(`${s.field}.`) || e.field?.startsWith(`${s.field}[`));
          if (from?.source.resourceType) {
            throw new AppError(e.code, `${e.message} (from ${from.source.resourceType}/${from.source.resourceId ?? '?'})`, { field: e.field, details: { resource: `${from.source.resourceType}/${from.source.resourceId ?? ''}` } });
          }
        }
        throw e;
      }
      const stored: StoredRecord = { profile: { input: input as PlanProfileInput, sources, missing }, plan, edits: [], warnings: [] };
      const now = clock().toISOString();
      const goalsText = plan.goals.map((g) => `${g.concernName.en} (${g.areaName.en})`).join('; ');
      const carePlan: CarePlan = withRecord(
        {
          resourceType: 'CarePlan',
          status: 'draft',
          intent: 'plan',
          category: [{ coding: [{ system: PLAN_CATEGORY_SYSTEM, code: 'aesthetic-well-aging', display: 'Aesthetic and well-aging plan' }] }],
          title: 'Personalised treatment and skincare plan',
          description: `Goals: ${goalsText}. Knowledge base ${plan.kbVersion}, engine ${plan.engineVersion}.`.slice(0, 4000),
          subject: { reference: `Patient/${patientId}` },
          created: now,
          author: await authorOf(ctx),
          activity: activitiesOf(kb(), plan, [], 'not-started'),
        },
        stored,
      );
      const { resource } = await fhir.create(ctx, carePlan);
      // The AI-call audit names versions and the input hash, never values.
      await audit.record(ctx, {
        action: 'ai-call',
        outcome: 'success',
        resourceType: 'CarePlan',
        resourceId: resource.id,
        patientId,
        detail: { engine: 'plans', kbVersion: plan.kbVersion, engineVersion: plan.engineVersion, inputHash: plan.inputHash, goals: plan.goals.length, geneticsUsed: plan.genetics.used },
      });
      return toRecord(resource);
    },

    async list(ctx, patientId) {
      await open(ctx, patientId);
      const plans = await searchAll<CarePlan>(ctx, 'CarePlan', { patient: patientId });
      const patientUser = ctx.principal.kind === 'user' && ctx.principal.role === 'patient';
      const rows = plans
        .filter((cp) => cp.extension?.some((e) => e.url === PLAN_RECORD_EXT))
        .filter((cp) => !patientUser || cp.status === 'active')
        .map((cp) => {
          const r = toRecord(cp);
          return { planId: r.planId, status: r.status, createdAt: r.createdAt, ...(r.approvedAt ? { approvedAt: r.approvedAt } : {}), goals: r.plan.goals.map((g) => g.concern) };
        })
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.planId.localeCompare(b.planId));
      return { plans: rows };
    },

    async get(ctx, patientId, planId) {
      await open(ctx, patientId);
      return toRecord(await readPlan(ctx, patientId, planId));
    },

    async edit(ctx, patientId, planId, body) {
      requireStaff(ctx, 'edit a plan');
      if (body === null || typeof body !== 'object') throw invalidField('body', 'must be an object');
      const versionId = checkVersion(body.versionId);
      await open(ctx, patientId);
      const cp = await readPlan(ctx, patientId, planId);
      if (cp.status !== 'draft') throw new AppError('CONFLICT', `Plan ${planId} is ${cp.status}; an approved plan cannot be edited`, { field: 'planId' });
      if (cp.meta?.versionId !== versionId) {
        throw new AppError('VERSION_CONFLICT', `Plan ${planId} is at version ${cp.meta?.versionId}, not ${versionId.slice(0, 20)}`, { field: 'versionId' });
      }
      const record = toRecord(cp);
      const K = kb();
      const edits = [...record.edits];
      let warnings = record.warnings.map((w) => ({ ...w }));
      const at = clock().toISOString();
      const by = actorId(ctx);
      (body.edits ?? []).forEach((e, i) => {
        const f = `edits[${i}]`;
        const goal = record.plan.goals.find((g) => g.rank === e.goalRank);
        if (!goal) throw invalidField(`${f}.goalRank`, `the plan has no goal ranked ${e.goalRank} (${record.plan.goals.map((g) => g.rank).join(', ')})`);
        const iv = K.interventionById.get(e.interventionId);
        if (!iv) throw invalidField(`${f}.interventionId`, `'${e.interventionId.slice(0, 64)}' is not an intervention of the knowledge base`);
        const chosen = chosenOptions(record.plan, edits).some((c) => c.goalRank === e.goalRank && c.interventionId === e.interventionId);
        switch (e.kind) {
          case 'remove': {
            if (!chosen) throw invalidField(`${f}.interventionId`, `'${e.interventionId}' is not among goal ${e.goalRank}'s options`);
            edits.push({ kind: 'remove', goalRank: e.goalRank, interventionId: e.interventionId, by, at });
            warnings = warnings.filter((w) => w.interventionId !== e.interventionId);
            break;
          }
          case 'add': {
            // Refused wherever the plan excluded it: the rule and the record entry say why.
            const excluded = record.plan.goals.flatMap((g) => g.excluded).find((x) => x.interventionId === e.interventionId);
            if (excluded) {
              const rules = excluded.because.map((b) => b.ruleId);
              const causes = excluded.because.flatMap((b) => b.triggers.map((t) => t.ref ?? t.field)).filter(Boolean);
              throw new AppError('VALIDATION_FAILED', `${f}.interventionId: '${e.interventionId}' is excluded by rule ${rules.join(', ')}: ${excluded.because[0]?.reason.en ?? ''}${causes.length ? ` (record: ${[...new Set(causes)].join(', ')})` : ''}`, {
                field: `${f}.interventionId`,
                details: { rules, records: [...new Set(causes)] },
              });
            }
            if (chosen) throw invalidField(`${f}.interventionId`, `'${e.interventionId}' is already in goal ${e.goalRank}`);
            edits.push({ kind: 'add', goalRank: e.goalRank, interventionId: e.interventionId, by, at });
            break;
          }
          case 'dose': {
            if (!chosen) throw invalidField(`${f}.interventionId`, `'${e.interventionId}' is not in goal ${e.goalRank}; add it first`);
            if (!e.dose || typeof e.dose.value !== 'number' || !Number.isFinite(e.dose.value) || e.dose.value <= 0) throw invalidField(`${f}.dose.value`, 'a dose needs a positive value');
            const ranges = iv.dose ?? [];
            if (ranges.length === 0) throw invalidField(`${f}.dose`, `'${e.interventionId}' has no dose in the knowledge base`);
            const site = e.site ?? (ranges.some((r) => r.area === goal.area) ? goal.area : ranges[0]?.area);
            const range = ranges.find((r) => r.area === site);
            if (!range) throw invalidField(`${f}.site`, `'${String(site).slice(0, 40)}' is not a site with a dose for '${e.interventionId}' (${ranges.map((r) => r.area).join(', ')})`);
            if (e.dose.unit !== range.unit) throw invalidField(`${f}.dose.unit`, `'${String(e.dose.unit).slice(0, 20)}' is not the unit of this dose (${range.unit})`);
            const outOfRange = e.dose.value < range.min || e.dose.value > range.max;
            edits.push({ kind: 'dose', goalRank: e.goalRank, interventionId: e.interventionId, site, dose: { value: e.dose.value, unit: e.dose.unit }, outOfRange, ...(outOfRange ? { acknowledged: false } : {}), by, at });
            // The latest dose decides: an earlier warning for this option is replaced.
            warnings = warnings.filter((w) => !(w.code === 'DOSE_OUT_OF_RANGE' && w.interventionId === e.interventionId));
            if (outOfRange) warnings.push(doseWarning(e.interventionId, e.dose, range));
            break;
          }
          default:
            throw invalidField(`${f}.kind`, 'must be remove, add or dose');
        }
      });
      (body.acknowledge ?? []).forEach((key, i) => {
        const w = warnings.find((x) => ackKey(x) === key);
        if (!w) throw invalidField(`acknowledge[${i}]`, `no open warning '${String(key).slice(0, 80)}' (${warnings.map(ackKey).join(', ') || 'none'})`);
        w.acknowledged = true;
        for (let k = edits.length - 1; k >= 0; k--) {
          const ed = edits[k] as PlanEdit;
          if (ed.kind === 'dose' && ed.interventionId === w.interventionId && ed.outOfRange) {
            edits[k] = { ...ed, acknowledged: true };
            break;
          }
        }
      });
      const stored: StoredRecord = { ...readAttachmentExt<StoredRecord>(cp, PLAN_RECORD_EXT)!, edits, warnings };
      const updated = withRecord({ ...cp, activity: activitiesOf(K, record.plan, edits, 'not-started') }, stored);
      const { resource } = await fhir.update(ctx, 'CarePlan', planId, updated, { ifMatch: versionId });
      return toRecord(resource);
    },

    async approve(ctx, patientId, planId, versionId) {
      requireSigner(ctx);
      checkPatientRole(ctx, patientId);
      const v = checkVersion(versionId);
      await open(ctx, patientId);
      const cp = await readPlan(ctx, patientId, planId);
      if (cp.status !== 'draft') throw new AppError('CONFLICT', `Plan ${planId} is already ${cp.status}`, { field: 'planId' });
      if (cp.meta?.versionId !== v) throw new AppError('VERSION_CONFLICT', `Plan ${planId} is at version ${cp.meta?.versionId}, not ${v.slice(0, 20)}`, { field: 'versionId' });
      const record = toRecord(cp);
      const open_ = record.warnings.filter((w) => !w.acknowledged);
      if (open_.length > 0) {
        throw new AppError('BAD_REQUEST', `Acknowledge the warnings first: ${open_.map(ackKey).join(', ')}`, { field: 'acknowledge', details: { warnings: open_.map(ackKey) } });
      }
      const now = clock().toISOString();
      const author = await authorOf(ctx);
      const approvedBy = { userId: actorId(ctx), displayName: actorName(ctx) };
      const stored: StoredRecord = { ...readAttachmentExt<StoredRecord>(cp, PLAN_RECORD_EXT)!, approvedBy, approvedAt: now };
      const signature: Extension = {
        url: PLAN_SIGNATURE_EXT,
        valueSignature: {
          // ASTM E1762-95 "Author's Signature", the FHIR Signature.type example set.
          type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" }],
          when: now,
          who: author,
        },
      };
      const updated = withRecord(
        {
          ...cp,
          status: 'active',
          author,
          period: { start: record.plan.asOf },
          activity: activitiesOf(kb(), record.plan, record.edits, 'scheduled'),
          extension: [...(cp.extension ?? []).filter((e) => e.url !== PLAN_SIGNATURE_EXT), signature],
        },
        stored,
      );
      const { resource } = await fhir.update(ctx, 'CarePlan', planId, updated, { ifMatch: v });
      await audit.record(ctx, { action: 'update', outcome: 'success', resourceType: 'CarePlan', resourceId: planId, patientId, detail: { event: 'plan-approved', inputHash: record.plan.inputHash } });
      return toRecord(resource);
    },

    async uploadGenetics(ctx, patientId, text) {
      requireStaff(ctx, 'upload a genotype file');
      await open(ctx, patientId);
      await consent.requireConsent(ctx, patientId, 'genetics');
      if (typeof text !== 'string' || text.length === 0) throw invalidField('genotype', 'the file is empty');
      if (Buffer.byteLength(text, 'utf8') > MAX_GENOTYPE_BYTES) throw new AppError('FILE_TOO_LARGE', `A genotype file may be at most ${MAX_GENOTYPE_BYTES / 1024 / 1024} MiB`, { field: 'genotype' });
      // Parsed in memory; only the panel (variant calls at the panel's positions) is kept.
      const full = genotypePanel(text, kb());
      const panel: StoredPanel = { ...full, fileSummary: { dataLines: full.fileSummary.dataLines, noCalls: full.fileSummary.noCalls, malformed: full.fileSummary.malformed } };
      const now = clock().toISOString();
      const tendencies = Object.entries(panel.tendencies).map(([t, r]) => `${t}: ${r.level}`).join('; ');
      const component: ObservationComponent[] = panel.variants.map((v) => ({
        code: { coding: [{ system: 'http://www.ncbi.nlm.nih.gov/snp', code: v.rsid, display: `${v.gene} ${v.variant}` }], text: `${v.gene} ${v.variant} (${v.rsid})` },
        ...(v.genotype ? { valueString: v.genotype } : { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: v.status === 'no-call' ? 'error' : 'not-performed' }], text: v.status } }),
      }));
      const observation: Observation = {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] }],
        code: { coding: [{ ...GENETICS_CODE }], text: 'Skin genotype panel (consumer genotype file)' },
        subject: { reference: `Patient/${patientId}` },
        effectiveDateTime: now,
        issued: now,
        valueString: `Panel ${panel.panelVersion}: ${tendencies}. ${panel.caveat.en}`.slice(0, 4000),
        component,
        extension: [attachmentExt(GENETICS_PANEL_EXT, panel)],
      };
      const { resource } = await fhir.create(ctx, observation);
      await audit.record(ctx, {
        action: 'ai-call',
        outcome: 'success',
        resourceType: 'Observation',
        resourceId: resource.id,
        patientId,
        detail: { engine: 'genotype-panel', panelVersion: panel.panelVersion, format: panel.source.format, build: panel.source.build, dataLines: panel.fileSummary.dataLines, inputHash: createHash('sha256').update(text).digest('hex') },
      });
      return { panel };
    },

    async genetics(ctx, patientId) {
      await open(ctx, patientId);
      await consent.requireConsent(ctx, patientId, 'genetics');
      const found = await latestPanel(ctx, patientId);
      return { panel: found?.panel ?? null };
    },
  };
}
