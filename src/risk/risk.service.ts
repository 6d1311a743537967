/**
 * The cardiovascular risk service: loads a patient's record through the FHIR repository
 * (which scopes by clinic and role and audits the reads), checks the patient's 'care'
 * consent, assembles the inputs (record-inputs.ts), runs the engines, audits every scoring
 * call as 'ai-call' (model versions and an input hash, never the values), and saves results
 * as FHIR RiskAssessments when asked.
 *
 * Engine refusals are part of the answer ("cannot judge"), never a 500; bad overrides and
 * scenarios are 400 VALIDATION_FAILED naming the field.
 */
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type {
  Bundle,
  Condition,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Resource,
  RiskAssessment,
  RiskAssessmentPrediction,
} from '@medplum/fhirtypes';
import type { AuditLog } from '../platform/audit/types.ts';
import { canonicalJson } from '../platform/audit/audit.service.ts';
import { checkPatientRole } from '../platform/auth/access.ts';
import type { Clock } from '../platform/clock.ts';
import type { ConsentService } from '../platform/consent/consent.service.ts';
import { isStaff, type RequestContext } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { clinic } from '../platform/db/schema.ts';
import { AppError, invalidField } from '../platform/errors.ts';
import type { FhirRepository } from '../platform/fhir/repository.ts';
import { BatchInputError, scoreStream, type BatchFormat, type BatchProgress } from './batch/score-stream.ts';
import {
  MODEL_IDS,
  MODEL_INFO,
  QRISK3_DISCLAIMER,
  WHAT_IF_ASSUMPTIONS,
  isModelId,
  regionForCountry,
  scoreModel,
  whatIf as whatIfEngine,
  type ModelId,
  type ModelInfo,
  type ModelScore,
  type RefusalCode,
  type RiskCategory,
  type RiskEntry,
  type RiskRefusal,
  type WhatIfResult,
} from './index.ts';
import {
  OverrideError,
  RISK_LOINC_CODES,
  LOINC_SYSTEM,
  applyOverrides,
  assembleInputs,
  basisOf,
  missingInputs,
  toRiskInput,
  type AssembledInputs,
  type AssembledRecord,
  type InputField,
  type PatientRecord,
} from './record-inputs.ts';

export type { InputField, AssembledInput, Source } from './record-inputs.ts';

// ---------------------------------------------------------------------------------------
// The API contract (JSON), shared with the web app

export interface RefusalJson {
  readonly code: RefusalCode;
  readonly field: string;
  readonly message: string;
  readonly range?: { readonly min: number; readonly max: number; readonly unit: string };
}

export interface ModelResultJson {
  readonly model: ModelInfo;
  readonly outcome: 'ascvd' | 'cvd' | 'hf' | 'chd' | 'stroke';
  readonly outcomeLabel: string;
  readonly horizonYears: number;
  readonly riskPercent: number;
  readonly category: RiskCategory | null;
  readonly extrapolated: boolean;
  readonly warnings: string[];
  readonly disclaimer?: string;
  readonly explanation?: {
    readonly optimalRiskPercent: number;
    readonly optimalProfile: { readonly description: string; readonly source: string };
    readonly contributions: {
      readonly factor: string;
      readonly actual: string;
      readonly optimal: string;
      readonly riskWithOptimalPercent: number;
      readonly reductionPercentPoints: number;
      readonly attributedPercentPoints: number;
    }[];
  };
}

export interface ModelRefusalJson {
  readonly model: ModelInfo;
  readonly outcome?: string;
  readonly horizonYears?: number;
  readonly refused: RefusalJson;
}

export interface RiskReport {
  readonly patientId: string;
  readonly asOf: string;
  readonly inputs: AssembledInputs;
  /** What the record lacks and the applicable models need; the UI asks only for these. */
  readonly missing: InputField[];
  /** One per model x outcome slot. */
  readonly results: (ModelResultJson | ModelRefusalJson)[];
  readonly saved?: { model: ModelId; riskAssessmentId: string }[];
}

export interface ReportOptions {
  /** Default: every model (SCORE2 or SCORE2-OP by age). */
  readonly models?: readonly string[] | undefined;
  readonly overrides?: Readonly<Record<string, unknown>> | undefined;
  readonly allowExtrapolation?: boolean | undefined;
  /** Store each scored model as a FHIR RiskAssessment. */
  readonly save?: boolean | undefined;
}

export interface WhatIfScenarioJson {
  readonly sbpTarget?: number | undefined;
  readonly quitSmoking?: boolean | undefined;
  readonly statin?: 'moderate' | 'high' | undefined;
}

export interface WhatIfBody {
  readonly overrides?: Readonly<Record<string, unknown>> | undefined;
  readonly models?: readonly string[] | undefined;
  readonly allowExtrapolation?: boolean | undefined;
  readonly scenario: WhatIfScenarioJson;
}

export interface WhatIfStepJson {
  readonly intervention: 'quit-smoking' | 'lower-bp' | 'start-statin';
  readonly riskAfterPercent: number;
  readonly relativeRisk: number;
  readonly method: string;
  readonly source: string;
}

export type ProjectionJson =
  | {
      readonly model: ModelInfo;
      readonly outcome: string;
      readonly horizonYears: number;
      readonly baselinePercent: number;
      readonly projectedPercent: number;
      readonly absoluteReductionPercentPoints: number;
      readonly steps: WhatIfStepJson[];
      readonly warnings: string[];
    }
  | { readonly model: ModelInfo; readonly outcome?: string; readonly refused: RefusalJson };

export interface WhatIfReport {
  readonly patientId: string;
  readonly scenario: WhatIfScenarioJson;
  readonly assumptions: typeof WHAT_IF_ASSUMPTIONS;
  readonly projections: ProjectionJson[];
}

export interface PanelRow {
  readonly patientId: string;
  readonly name: string;
  readonly sex: string;
  readonly age: number | null;
  readonly riskPercent?: number;
  readonly category?: RiskCategory | null;
  /** score2-op is used instead of score2 at 70+. */
  readonly model: ModelId;
  readonly missing: InputField[];
  readonly refusal?: { readonly code: string; readonly field: string; readonly message: string };
}

export interface RiskPanel {
  readonly model: ModelInfo;
  readonly generatedAt: string;
  /** Scored patients by risk, highest first; then those who lack data; then the rest. */
  readonly rows: PanelRow[];
}

export interface BatchOptions {
  readonly models: readonly ModelId[] | 'all';
  readonly format: BatchFormat;
  readonly outputFormat?: BatchFormat | undefined;
  /** End `output` when done (default true). */
  readonly endOutput?: boolean | undefined;
}

export interface RiskService {
  report(ctx: RequestContext, patientId: string, opts?: ReportOptions): Promise<RiskReport>;
  whatIf(ctx: RequestContext, patientId: string, body: WhatIfBody): Promise<WhatIfReport>;
  panel(ctx: RequestContext, model?: string): Promise<RiskPanel>;
  batch(ctx: RequestContext, input: Readable, output: Writable, opts: BatchOptions): Promise<BatchProgress>;
}

export interface RiskServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly fhir: FhirRepository;
  readonly consent: ConsentService;
  readonly audit: AuditLog;
}

/** The code system of RiskAssessment.method. */
export const RISK_MODEL_SYSTEM = 'https://wellage.dev/fhir/CodeSystem/risk-model';
/** Base URL for the repository's own reference handling (no server is named). */
const BASE_URL = 'urn:wellage:risk/fhir/R4';
const PAGE = 1000;

// ---------------------------------------------------------------------------------------
// Pure helpers

export function entryJson(e: RiskEntry): ModelResultJson | ModelRefusalJson {
  if (!e.ok) {
    return {
      model: e.model,
      ...(e.outcome ? { outcome: e.outcome } : {}),
      ...(e.horizonYears !== undefined ? { horizonYears: e.horizonYears } : {}),
      refused: { code: e.code, field: e.field, message: e.message, ...(e.range ? { range: e.range } : {}) },
    };
  }
  return {
    model: e.model,
    outcome: e.outcome,
    outcomeLabel: e.outcomeLabel,
    horizonYears: e.horizonYears,
    riskPercent: e.riskPercent,
    category: e.category,
    extrapolated: e.extrapolated,
    warnings: [...e.warnings],
    ...(e.disclaimer ? { disclaimer: e.disclaimer } : {}),
    ...(e.explanation
      ? {
          explanation: {
            optimalRiskPercent: e.explanation.optimalRiskPercent,
            optimalProfile: e.explanation.optimalProfile,
            contributions: e.explanation.contributions.map((c) => ({ ...c })),
          },
        }
      : {}),
  };
}

/** The models to run: those asked for, or all with SCORE2 / SCORE2-OP chosen by age. */
export function selectModels(models: readonly string[] | undefined, age: number | undefined): ModelId[] {
  if (models === undefined || models.length === 0 || (models.length === 1 && models[0] === 'all')) {
    return MODEL_IDS.filter((m) => (m === 'score2' ? !(age !== undefined && age >= 70) : m === 'score2-op' ? !(age !== undefined && age < 70) : true));
  }
  const out: ModelId[] = [];
  for (const m of models) {
    if (!isModelId(m)) throw invalidField('models', `'${String(m).slice(0, 40)}' is not one of ${MODEL_IDS.join(', ')}`);
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

/** sha256 of the canonical JSON of what was scored: the audit's input hash. */
export function inputHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function outcomesOf(scores: readonly ModelScore[]): { model: ModelId; outcome: string | null; horizonYears: number | null; result: string }[] {
  return scores.flatMap((s) =>
    s.entries.map((e) => ({
      model: s.model.id,
      outcome: e.outcome ?? null,
      horizonYears: e.horizonYears ?? null,
      result: e.ok ? 'scored' : `refused:${e.code}`,
    })),
  );
}

/** A FHIR RiskAssessment for one model's scored outcomes (undefined when none scored). */
export function buildRiskAssessment(args: {
  patientId: string;
  occurrence: string;
  score: ModelScore;
  basis: readonly string[];
  performer?: string | undefined;
}): RiskAssessment | undefined {
  const scored = args.score.entries.filter((e): e is Extract<RiskEntry, { ok: true }> => e.ok);
  if (scored.length === 0) return undefined;
  const info = args.score.model;
  const prediction: RiskAssessmentPrediction[] = scored.map((e) => ({
    outcome: { text: e.outcomeLabel },
    probabilityDecimal: e.riskPercent / 100,
    whenRange: {
      low: { value: 0, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' },
      high: { value: e.horizonYears, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' },
    },
    ...(e.category ? { qualitativeRisk: { text: e.category.label } } : {}),
    ...(e.extrapolated ? { rationale: 'Extrapolated outside the validated population' } : {}),
  }));
  return {
    resourceType: 'RiskAssessment',
    status: 'final',
    subject: { reference: `Patient/${args.patientId}` },
    occurrenceDateTime: args.occurrence,
    method: {
      coding: [{ system: RISK_MODEL_SYSTEM, code: info.id, display: `${info.name} ${info.version}` }],
      text: info.source,
    },
    ...(args.performer ? { performer: { reference: args.performer } } : {}),
    ...(args.basis.length ? { basis: args.basis.map((reference) => ({ reference })) } : {}),
    prediction,
    ...(info.id === 'qrisk3' ? { note: [{ text: QRISK3_DISCLAIMER }] } : {}),
  };
}

function overridesOrThrow(record: AssembledRecord, overrides: Readonly<Record<string, unknown>> | undefined): AssembledRecord {
  if (overrides !== undefined && (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))) {
    throw invalidField('overrides', 'must be an object of input field to value');
  }
  try {
    return applyOverrides(record, overrides);
  } catch (e) {
    if (e instanceof OverrideError) throw invalidField(`overrides.${e.field}`, e.message);
    throw e;
  }
}

function checkScenario(s: unknown): WhatIfScenarioJson {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw invalidField('scenario', 'must be an object');
  const { sbpTarget, quitSmoking, statin, ...rest } = s as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw invalidField(`scenario.${extra}`, 'is not a scenario setting (sbpTarget, quitSmoking, statin)');
  if (sbpTarget !== undefined && (typeof sbpTarget !== 'number' || !Number.isFinite(sbpTarget) || sbpTarget < 90 || sbpTarget > 200)) {
    throw invalidField('scenario.sbpTarget', 'must be a number from 90 to 200 mmHg');
  }
  if (quitSmoking !== undefined && typeof quitSmoking !== 'boolean') throw invalidField('scenario.quitSmoking', 'must be true or false');
  if (statin !== undefined && statin !== 'moderate' && statin !== 'high') throw invalidField('scenario.statin', 'must be moderate or high');
  return {
    ...(sbpTarget !== undefined ? { sbpTarget: sbpTarget as number } : {}),
    ...(quitSmoking !== undefined ? { quitSmoking: quitSmoking as boolean } : {}),
    ...(statin !== undefined ? { statin: statin as 'moderate' | 'high' } : {}),
  };
}

function projectionJson(model: ModelInfo, r: WhatIfResult | RiskRefusal): ProjectionJson {
  if (!r.ok) {
    return { model, ...(r.outcome ? { outcome: r.outcome } : {}), refused: { code: r.code, field: r.field, message: r.message, ...(r.range ? { range: r.range } : {}) } };
  }
  return {
    model,
    outcome: r.outcome,
    horizonYears: r.horizonYears,
    baselinePercent: r.baseline.riskPercent,
    projectedPercent: r.projectedRiskPercent,
    absoluteReductionPercentPoints: r.absoluteReductionPercentPoints,
    steps: r.steps.map((s) => ({ ...s })),
    warnings: [...r.warnings],
  };
}

function patientName(p: Patient): string {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  if (!n) return p.id ?? '';
  return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

function subjectId(r: { subject?: { reference?: string } }): string | undefined {
  const ref = r.subject?.reference;
  return ref?.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
}

// ---------------------------------------------------------------------------------------
// The service

export function createRiskService({ database, clock, fhir, consent, audit }: RiskServiceDeps): RiskService {
  /** Every match of a search, page by page (the repository caps a page at 1000). */
  async function searchAll<T extends Resource>(ctx: RequestContext, type: string, params: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const q = new URLSearchParams({ ...params, _count: String(PAGE), ...(offset ? { _offset: String(offset) } : {}) });
      const bundle: Bundle = await fhir.search(ctx, type, q, BASE_URL);
      for (const e of bundle.entry ?? []) if (e.resource?.resourceType === type) out.push(e.resource as T);
      if ((bundle.entry?.length ?? 0) < PAGE || offset + PAGE >= (bundle.total ?? 0)) return out;
    }
  }

  async function clinicCountry(ctx: RequestContext): Promise<string | null> {
    const [row] = await database.db.select({ country: clinic.country }).from(clinic).where(eq(clinic.id, ctx.principal.clinicId));
    return row?.country ?? null;
  }

  const codeFilter = RISK_LOINC_CODES.map((c) => `${LOINC_SYSTEM}|${c}`).join(',');

  /** Access (role, clinic), then consent, then the record. */
  async function loadRecord(ctx: RequestContext, patientId: string): Promise<PatientRecord> {
    checkPatientRole(ctx, patientId);
    const patient = (await fhir.read(ctx, 'Patient', patientId)) as Patient;
    await consent.requireConsent(ctx, patientId, 'care');
    const byPatient = { patient: patientId };
    const [observations, conditions, medicationStatements, medicationRequests] = await Promise.all([
      searchAll<Observation>(ctx, 'Observation', { ...byPatient, code: codeFilter }),
      searchAll<Condition>(ctx, 'Condition', byPatient),
      searchAll<MedicationStatement>(ctx, 'MedicationStatement', byPatient),
      searchAll<MedicationRequest>(ctx, 'MedicationRequest', byPatient),
    ]);
    return { patient, observations, conditions, medicationStatements, medicationRequests };
  }

  async function auditCall(ctx: RequestContext, patientId: string | undefined, input: unknown, scores: readonly ModelScore[], extra: Record<string, unknown> = {}): Promise<void> {
    await audit.record(ctx, {
      action: 'ai-call',
      outcome: 'success',
      resourceType: 'Patient',
      resourceId: patientId,
      patientId,
      detail: {
        models: scores.map((s) => s.model.id),
        modelVersions: Object.fromEntries(scores.map((s) => [s.model.id, s.model.version])),
        inputHash: inputHash(input),
        outcomes: outcomesOf(scores),
        ...extra,
      },
    });
  }

  async function performerOf(ctx: RequestContext): Promise<string | undefined> {
    const p = ctx.principal;
    if (p.kind !== 'user' || !p.practitionerId) return undefined;
    try {
      await fhir.read(ctx, 'Practitioner', p.practitionerId);
      return `Practitioner/${p.practitionerId}`;
    } catch {
      return undefined; // a login linked to a Practitioner that is gone: save without performer
    }
  }

  async function prepare(ctx: RequestContext, patientId: string, overrides: Readonly<Record<string, unknown>> | undefined, models: readonly string[] | undefined) {
    // Bad overrides and model names are refused before any record is read.
    if (models !== undefined) selectModels(models, undefined);
    if (overrides !== undefined) overridesOrThrow({ asOf: '', inputs: {}, basis: {}, qrisk3: {} }, overrides);
    const record = await loadRecord(ctx, patientId);
    const now = clock();
    const assembled = overridesOrThrow(assembleInputs(record, { asOf: now, country: await clinicCountry(ctx) }), overrides);
    const age = typeof assembled.inputs.age?.value === 'number' ? assembled.inputs.age.value : undefined;
    return { assembled, now, selected: selectModels(models, age), input: toRiskInput(assembled) };
  }

  return {
    async report(ctx, patientId, opts = {}) {
      const p = ctx.principal;
      if (opts.save && !isStaff(p)) throw new AppError('FORBIDDEN', 'Only staff may save a risk assessment', { field: 'save' });
      const { assembled, now, selected, input } = await prepare(ctx, patientId, opts.overrides, opts.models);
      const allowExtrapolation = opts.allowExtrapolation === true;
      const scores = selected.map((m) => scoreModel(m, input, { allowExtrapolation }));
      await auditCall(ctx, patientId, { input, models: selected, allowExtrapolation }, scores);

      let saved: { model: ModelId; riskAssessmentId: string }[] | undefined;
      if (opts.save) {
        const performer = await performerOf(ctx);
        const basis = basisOf(assembled);
        const assessments = scores
          .map((score) => ({ score, ra: buildRiskAssessment({ patientId, occurrence: now.toISOString(), score, basis, performer }) }))
          .filter((x): x is { score: ModelScore; ra: RiskAssessment } => x.ra !== undefined);
        saved = [];
        if (assessments.length > 0) {
          // One transaction: all the model results are stored, or none.
          const response = await fhir.processBundle(
            ctx,
            { resourceType: 'Bundle', type: 'transaction', entry: assessments.map((a) => ({ resource: a.ra, request: { method: 'POST', url: 'RiskAssessment' } })) },
            BASE_URL,
          );
          assessments.forEach((a, i) => {
            const location = response.entry?.[i]?.response?.location ?? '';
            const m = /RiskAssessment\/([A-Za-z0-9\-.]{1,64})/.exec(location);
            if (!m) throw new Error(`risk: no RiskAssessment id in the transaction response (${location})`);
            saved?.push({ model: a.score.model.id, riskAssessmentId: m[1] as string });
          });
        }
      }
      return {
        patientId,
        asOf: now.toISOString(),
        inputs: assembled.inputs,
        missing: missingInputs(assembled.inputs, selected, allowExtrapolation),
        results: scores.flatMap((s) => s.entries.map(entryJson)),
        ...(saved ? { saved } : {}),
      };
    },

    async whatIf(ctx, patientId, body) {
      if (body === null || typeof body !== 'object') throw invalidField('body', 'must be an object');
      const scenario = checkScenario(body.scenario);
      const { selected, input } = await prepare(ctx, patientId, body.overrides, body.models);
      const allowExtrapolation = body.allowExtrapolation === true;
      const projections: ProjectionJson[] = [];
      const scores: ModelScore[] = [];
      for (const m of selected) {
        const results = whatIfEngine(m, input, scenario, { allowExtrapolation });
        scores.push({ model: MODEL_INFO[m], entries: results.map((r) => (r.ok ? r.baseline : r)) });
        for (const r of results) projections.push(projectionJson(MODEL_INFO[m], r));
      }
      await auditCall(ctx, patientId, { input, models: selected, allowExtrapolation, scenario }, scores, { kind: 'what-if' });
      return { patientId, scenario, assumptions: WHAT_IF_ASSUMPTIONS, projections };
    },

    async panel(ctx, model) {
      if (!isStaff(ctx.principal)) throw new AppError('FORBIDDEN', 'The risk panel is for clinic staff');
      const country = await clinicCountry(ctx);
      let chosen: ModelId;
      if (model === undefined || model === '') chosen = country && regionForCountry(country) ? 'score2' : 'pce';
      else if (isModelId(model)) chosen = model;
      else throw invalidField('model', `'${model.slice(0, 40)}' is not one of ${MODEL_IDS.join(', ')}`);

      const [patients, observations, conditions, statements, requests] = await Promise.all([
        searchAll<Patient>(ctx, 'Patient', {}),
        searchAll<Observation>(ctx, 'Observation', { code: codeFilter }),
        searchAll<Condition>(ctx, 'Condition', {}),
        searchAll<MedicationStatement>(ctx, 'MedicationStatement', {}),
        searchAll<MedicationRequest>(ctx, 'MedicationRequest', {}),
      ]);
      const group = <T extends { subject?: { reference?: string } }>(items: readonly T[]): Map<string, T[]> => {
        const m = new Map<string, T[]>();
        for (const it of items) {
          const id = subjectId(it);
          if (id) m.set(id, [...(m.get(id) ?? []), it]);
        }
        return m;
      };
      const obsBy = group(observations);
      const condBy = group(conditions);
      const msBy = group(statements);
      const mrBy = group(requests);
      const now = clock();
      const rows: PanelRow[] = [];
      const scores: ModelScore[] = [];
      const hashed: unknown[] = [];
      for (const patient of patients) {
        const id = patient.id as string;
        const assembled = assembleInputs(
          { patient, observations: obsBy.get(id), conditions: condBy.get(id), medicationStatements: msBy.get(id), medicationRequests: mrBy.get(id) },
          { asOf: now, country },
        );
        const age = typeof assembled.inputs.age?.value === 'number' ? assembled.inputs.age.value : null;
        const base = { patientId: id, name: patientName(patient), sex: patient.gender ?? 'unknown', age };
        // Without care consent the record is not used: the row says so and nothing is scored.
        if (!(await consent.hasConsent(ctx, id, 'care'))) {
          rows.push({ ...base, model: chosen, missing: [], refusal: { code: 'CONSENT_MISSING', field: 'consent.care', message: 'The patient has not given consent for care' } });
          continue;
        }
        const rowModel: ModelId = chosen === 'score2' && age !== null && age >= 70 ? 'score2-op' : chosen;
        const input = toRiskInput(assembled);
        const score = scoreModel(rowModel, input, { explain: false });
        scores.push(score);
        hashed.push({ patientId: id, input });
        const first = score.entries[0] as RiskEntry;
        const missing = missingInputs(assembled.inputs, [rowModel]);
        rows.push(
          first.ok
            ? { ...base, model: rowModel, riskPercent: first.riskPercent, category: first.category, missing }
            : { ...base, model: rowModel, missing, refusal: { code: first.code, field: first.field, message: first.message } },
        );
      }
      const rank = (r: PanelRow): number => (r.riskPercent !== undefined ? 0 : r.missing.length > 0 ? 1 : 2);
      rows.sort((a, b) => rank(a) - rank(b) || (b.riskPercent ?? 0) - (a.riskPercent ?? 0) || a.name.localeCompare(b.name));
      await audit.record(ctx, {
        action: 'ai-call',
        outcome: 'success',
        resourceType: 'Patient',
        detail: {
          view: 'risk-panel',
          models: [...new Set(scores.map((s) => s.model.id))],
          modelVersions: Object.fromEntries(scores.map((s) => [s.model.id, s.model.version])),
          inputHash: inputHash(hashed),
          patients: rows.length,
          scored: rows.filter((r) => r.riskPercent !== undefined).length,
        },
      });
      return { model: MODEL_INFO[chosen], generatedAt: now.toISOString(), rows };
    },

    async batch(ctx, input, output, opts) {
      if (!isStaff(ctx.principal)) throw new AppError('FORBIDDEN', 'Batch scoring is for clinic staff');
      let progress: BatchProgress;
      try {
        progress = await scoreStream(input, output, { models: opts.models, format: opts.format, outputFormat: opts.outputFormat, endOutput: false });
      } catch (e) {
        if (e instanceof BatchInputError) throw invalidField(e.field === 'models' ? 'models' : `body.${e.field}`, e.message);
        throw e;
      }
      const models = opts.models === 'all' ? [...MODEL_IDS] : [...opts.models];
      // No patient data is stored: the audit keeps counts and model versions only.
      await audit.record(ctx, {
        action: 'ai-call',
        outcome: 'success',
        detail: {
          view: 'risk-batch',
          rows: progress.rows,
          errorRows: progress.errorRows,
          models,
          modelVersions: Object.fromEntries(models.map((m) => [m, MODEL_INFO[m].version])),
        },
      });
      if (opts.endOutput !== false) output.end();
      return progress;
    },
  };
}
