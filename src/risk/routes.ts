/**
 * Cardiovascular risk over HTTP: the patient's report (inputs from the record, results,
 * refusals), overrides and saving, what-if projections, the clinic's ranked panel, and batch
 * scoring of an uploaded panel. Thin: every rule lives in risk.service.ts and the engines.
 * Request and response schemas are zod; responses drop undeclared fields.
 */
import { Transform, type Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { requireRole } from '../platform/http/request-context.ts';
import { AppError, invalidField } from '../platform/errors.ts';
import { MODEL_IDS, QRISK3_DISCLAIMER, type ModelId } from './index.ts';
import { INPUT_FIELDS, type InputField } from './record-inputs.ts';

const STAFF = ['admin', 'clinician', 'nurse'] as const;
const STAFF_OR_PATIENT = ['admin', 'clinician', 'nurse', 'patient'] as const;

const MODEL_LIST = new RegExp(`^(all|(${MODEL_IDS.join('|')})(,(${MODEL_IDS.join('|')}))*)$`);

const patientIdParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).describe('FHIR Patient id');
const modelId = z.enum(MODEL_IDS as [ModelId, ...ModelId[]]).describe('Risk model id');
const modelsQuery = z
  .string()
  .regex(MODEL_LIST, `a comma-separated list of ${MODEL_IDS.join(', ')}, or all`)
  .optional()
  .describe(`Models to run, comma-separated (${MODEL_IDS.join(', ')}) or "all" (default: every model; SCORE2 or SCORE2-OP by age)`);

export const sourceSchema = z.object({
  kind: z.enum(['observation', 'condition', 'medication', 'patient', 'clinic', 'entered', 'default']).describe('Where the value came from'),
  resourceType: z.string().optional().describe('FHIR type of the resource it came from'),
  resourceId: z.string().optional().describe('Id of that resource (for a mean of readings: the latest one)'),
  date: z.string().optional().describe('Clinical time of the resource (ISO 8601)'),
  ageDays: z.number().optional().describe('How old the value is at asOf, in days'),
  display: z.string().describe('The source in words, with its value, date and code'),
  stale: z.boolean().optional().describe('Older than the freshness rule for this input'),
});

export const assembledInputSchema = z.object({
  value: z.union([z.number(), z.boolean(), z.string()]).describe('The value the models receive'),
  unit: z.string().optional().describe('Its unit, as recorded or entered (never guessed)'),
  source: sourceSchema.describe('Where it came from'),
});

const inputsSchema = z
  .object(Object.fromEntries(INPUT_FIELDS.map((f) => [f, assembledInputSchema.optional().describe(`The ${f} input`)])) as Record<InputField, z.ZodOptional<typeof assembledInputSchema>>)
  .describe('Inputs assembled from the record, or entered');

export const modelInfoSchema = z.object({
  id: modelId,
  name: z.string().describe('Model name'),
  version: z.string().describe('Model version'),
  source: z.string().describe('The publication the equations come from'),
});

const categorySchema = z.object({
  code: z.string().describe('Category code, e.g. borderline'),
  label: z.string().describe('Category in words'),
  source: z.string().describe('The guideline defining the thresholds'),
});

const refusalSchema = z.object({
  code: z.enum(['MISSING_INPUT', 'IMPLAUSIBLE_VALUE', 'OUTSIDE_VALIDATED_POPULATION', 'INCONSISTENT_INPUT', 'UNKNOWN_UNIT']).describe('Why the model cannot judge'),
  field: z.string().describe('The input concerned'),
  message: z.string().describe('In words'),
  range: z
    .object({ min: z.number().describe('Lowest accepted'), max: z.number().describe('Highest accepted'), unit: z.string().describe('Unit of the range') })
    .optional()
    .describe('The accepted or validated range, when one applies'),
});

const outcomeSchema = z.enum(['ascvd', 'cvd', 'hf', 'chd', 'stroke']);

const resultSchema = z.object({
  model: modelInfoSchema,
  outcome: outcomeSchema.describe('Outcome predicted'),
  outcomeLabel: z.string().describe('The outcome in words'),
  horizonYears: z.number().describe('Prediction horizon, years'),
  riskPercent: z.number().describe('Risk, percent (unrounded)'),
  category: categorySchema.nullable().describe('Risk category with its guideline; null when none is defined'),
  extrapolated: z.boolean().describe('Scored outside the validated population, on request'),
  warnings: z.array(z.string()).describe('Caveats for this result'),
  disclaimer: z.string().optional().describe("Text the model's authors require beside the score (QRISK3)"),
  explanation: z
    .object({
      optimalRiskPercent: z.number().describe('Risk with every modifiable factor optimal'),
      optimalProfile: z.object({ description: z.string().describe('The optimal profile'), source: z.string().describe('Its source') }),
      contributions: z
        .array(
          z.object({
            factor: z.string().describe('Input field'),
            actual: z.string().describe("The patient's value"),
            optimal: z.string().describe('The optimal value'),
            riskWithOptimalPercent: z.number().describe('Risk with only this factor optimal'),
            reductionPercentPoints: z.number().describe('Actual minus that risk, percentage points'),
            attributedPercentPoints: z.number().describe('Share of actual minus optimal risk, percentage points'),
          }),
        )
        .describe('Per-factor contributions'),
    })
    .optional()
    .describe('Per-factor explanation'),
});

const modelRefusalSchema = z.object({
  model: modelInfoSchema,
  outcome: z.string().optional().describe('Outcome, when only one is refused'),
  horizonYears: z.number().optional().describe('Horizon, when only one is refused'),
  refused: refusalSchema.describe('Why the model cannot judge'),
});

export const riskReportSchema = z.object({
  patientId: z.string().describe('FHIR Patient id'),
  asOf: z.string().describe('When the inputs were assembled (ISO 8601)'),
  inputs: inputsSchema,
  missing: z.array(z.enum(INPUT_FIELDS)).describe('What the applicable models need and the record lacks; ask only for these'),
  results: z.array(z.union([resultSchema, modelRefusalSchema])).describe('One entry per model and outcome slot'),
  saved: z
    .array(z.object({ model: modelId, riskAssessmentId: z.string().describe('Id of the stored FHIR RiskAssessment') }))
    .optional()
    .describe('RiskAssessments stored (save=true)'),
});

const overridesSchema = z
  .record(z.string(), z.unknown())
  .optional()
  .describe(
    `Values that replace the record's, by input (${INPUT_FIELDS.join(', ')}): a number, true/false, a choice, or { value, unit }; cholesterol, HbA1c and UACR need their unit`,
  );

const scenarioSchema = z.object({
  sbpTarget: z.number().min(90).max(200).optional().describe('Target systolic BP, mmHg (90-200)'),
  quitSmoking: z.boolean().optional().describe('The patient stops smoking'),
  statin: z.enum(['moderate', 'high']).optional().describe('Start a statin of this intensity'),
});

const stepSchema = z.object({
  intervention: z.enum(['quit-smoking', 'lower-bp', 'start-statin']).describe('The intervention'),
  riskAfterPercent: z.number().describe('Risk after this step and those before it'),
  relativeRisk: z.number().describe('Relative risk applied'),
  method: z.string().describe('How it was computed'),
  source: z.string().describe('The evidence used'),
});

const projectionSchema = z.union([
  z.object({
    model: modelInfoSchema,
    outcome: z.string().describe('Outcome'),
    horizonYears: z.number().describe('Horizon, years'),
    baselinePercent: z.number().describe('Risk now'),
    projectedPercent: z.number().describe('Risk after the scenario'),
    absoluteReductionPercentPoints: z.number().describe('Baseline minus projected'),
    steps: z.array(stepSchema).describe('Each intervention in turn'),
    warnings: z.array(z.string()).describe('Caveats'),
  }),
  z.object({
    model: modelInfoSchema,
    outcome: z.string().optional().describe('Outcome, when only one is refused'),
    refused: refusalSchema,
  }),
]);

const relativeRisks = z.object({ ascvd: z.number(), cvd: z.number(), hf: z.number(), chd: z.number(), stroke: z.number() }).describe('Relative risk per outcome');
const assumptionsSchema = z
  .object({
    bpPer10mmHg: z.object({ relativeRisk: relativeRisks, source: z.string().describe('Citation') }),
    statinPerMmolLdl: z.object({ relativeRisk: relativeRisks, source: z.string().describe('Citation') }),
    statinLdlReduction: z.object({ moderate: z.number().describe('LDL-C fraction lowered'), high: z.number().describe('LDL-C fraction lowered'), source: z.string().describe('Citation') }),
    quitSmoking: z.object({ source: z.string().describe('Method') }),
  })
  .describe('The published effect sizes used');

const whatIfReportSchema = z.object({
  patientId: z.string().describe('FHIR Patient id'),
  scenario: scenarioSchema.describe('The scenario projected'),
  assumptions: assumptionsSchema,
  projections: z.array(projectionSchema).describe('One per model and outcome slot'),
});

const panelSchema = z.object({
  model: modelInfoSchema.describe('The model asked for'),
  generatedAt: z.string().describe('When the panel was computed (ISO 8601)'),
  rows: z
    .array(
      z.object({
        patientId: z.string().describe('FHIR Patient id'),
        name: z.string().describe('Patient name'),
        sex: z.string().describe('Administrative gender'),
        age: z.number().nullable().describe('Age in years; null when the birth date is unknown'),
        riskPercent: z.number().optional().describe('Risk, percent, when scored'),
        category: categorySchema.nullable().optional().describe('Risk category, when scored'),
        model: modelId.describe('Model used for this row (SCORE2-OP replaces SCORE2 at 70+)'),
        missing: z.array(z.enum(INPUT_FIELDS)).describe('What the record lacks for this model'),
        refusal: z
          .object({ code: z.string().describe('Refusal code'), field: z.string().describe('Field'), message: z.string().describe('In words') })
          .optional()
          .describe('Why the row is not scored'),
      }),
    )
    .describe('Scored patients by risk (highest first), then those lacking data, then the rest'),
});

function parseModels(raw: string | undefined): ModelId[] | undefined {
  if (raw === undefined || raw === 'all') return undefined;
  return raw.split(',') as ModelId[];
}

const CSV_TYPE = 'text/csv';
const NDJSON_TYPE = 'application/x-ndjson';

export const riskRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  // Batch bodies are streamed to the scorer as they arrive, never buffered whole, so
  // Fastify's body limit does not apply: WELLAGE_BATCH_LIMIT_BYTES does. A declared length
  // over it is refused before anything is read; a chunked body is cut off when it passes it.
  const limit = services.deps.config.batchLimitBytes;
  app.addContentTypeParser([CSV_TYPE, NDJSON_TYPE], (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      done(new AppError('BODY_TOO_LARGE', `The panel is larger than ${limit} bytes (WELLAGE_BATCH_LIMIT_BYTES)`), undefined);
      return;
    }
    let seen = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > limit) callback(new AppError('BODY_TOO_LARGE', `The panel is larger than ${limit} bytes (WELLAGE_BATCH_LIMIT_BYTES)`));
        else callback(null, chunk);
      },
    });
    payload.on('error', (e) => capped.destroy(e));
    done(null, payload.pipe(capped));
  });

  app.get(
    '/api/patients/:patientId/risk',
    {
      schema: {
        tags: ['risk'],
        summary: "Cardiovascular risk from the patient's record: inputs with their sources, results and refusals",
        params: z.object({ patientId: patientIdParam }),
        querystring: z.object({ models: modelsQuery }),
        response: { 200: riskReportSchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF_OR_PATIENT);
      return services.risk.report(ctx, request.params.patientId, { models: parseModels(request.query.models) });
    },
  );

  app.post(
    '/api/patients/:patientId/risk',
    {
      schema: {
        tags: ['risk'],
        summary: 'Cardiovascular risk with clinician overrides; optionally saved as FHIR RiskAssessments',
        params: z.object({ patientId: patientIdParam }),
        body: z.object({
          overrides: overridesSchema,
          models: z.array(modelId).optional().describe('Models to run (default: every model; SCORE2 or SCORE2-OP by age)'),
          allowExtrapolation: z.boolean().optional().describe('Score outside the validated population, flagged as extrapolated'),
          save: z.boolean().optional().describe('Store each scored model as a FHIR RiskAssessment'),
        }),
        response: { 200: riskReportSchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      const b = request.body;
      return services.risk.report(ctx, request.params.patientId, {
        overrides: b.overrides,
        models: b.models,
        allowExtrapolation: b.allowExtrapolation,
        save: b.save,
      });
    },
  );

  app.post(
    '/api/patients/:patientId/risk/what-if',
    {
      schema: {
        tags: ['risk'],
        summary: 'Projected risk after lowering blood pressure, quitting smoking or starting a statin',
        params: z.object({ patientId: patientIdParam }),
        body: z.object({
          overrides: overridesSchema,
          models: z.array(modelId).optional().describe('Models to project (default: every model; SCORE2 or SCORE2-OP by age)'),
          allowExtrapolation: z.boolean().optional().describe('Score outside the validated population, flagged as extrapolated'),
          scenario: scenarioSchema.describe('The interventions to project'),
        }),
        response: { 200: whatIfReportSchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      return services.risk.whatIf(ctx, request.params.patientId, request.body);
    },
  );

  app.get(
    '/api/risk/panel',
    {
      schema: {
        tags: ['risk'],
        summary: "The clinic's patients ranked by cardiovascular risk, and who lacks the data to be scored",
        querystring: z.object({ model: modelId.optional().describe('Model (default: score2 for a clinic in an ESC risk region, else pce)') }),
        response: { 200: panelSchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      return services.risk.panel(ctx, request.query.model);
    },
  );

  app.post(
    '/api/risk/batch',
    {
      schema: {
        tags: ['risk'],
        summary: 'Score an uploaded panel (CSV or NDJSON; columns in src/risk/README.md); the output streams back in the same format. Nothing is stored.',
        querystring: z.object({
          models: modelsQuery,
          format: z.enum(['csv', 'ndjson']).optional().describe('Format of the body and of the answer (default: from Content-Type)'),
        }),
        response: { 200: z.string().describe('One row per input row and model outcome: id,model,outcome,horizon_years,risk_percent,category,warnings,error') },
      },
    },
    async (request, reply) => {
      const ctx = requireRole(request, STAFF);
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      const format = request.query.format ?? (type === NDJSON_TYPE ? 'ndjson' : type === CSV_TYPE ? 'csv' : undefined);
      if (!format) throw invalidField('headers.content-type', `must be ${CSV_TYPE} or ${NDJSON_TYPE}`);
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') throw invalidField('body', `send the panel as ${CSV_TYPE} or ${NDJSON_TYPE}`);
      // Answer only once output has begun (or the run is over), so a run that cannot start
      // (no header, no id/sex/age columns) answers 400 instead of a broken stream.
      let begun!: () => void;
      const firstChunk = new Promise<void>((resolve) => (begun = resolve));
      const out = new Transform({
        transform(chunk, _encoding, callback) {
          begun();
          callback(null, chunk);
        },
      });
      const models = parseModels(request.query.models) ?? 'all';
      const run = services.risk.batch(ctx, body, out, { models, format });
      await Promise.race([firstChunk, run]);
      run.catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
      reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : NDJSON_TYPE);
      // The body is data only; QRISK3's required notice travels beside it.
      if (models === 'all' || models.includes('qrisk3')) reply.header('x-qrisk3-notice', QRISK3_DISCLAIMER);
      // A stream: Fastify sends it as it comes, without the response serializer.
      return reply.send(out as unknown as string);
    },
  );
};
