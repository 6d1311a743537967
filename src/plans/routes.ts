/**
 * Plans over HTTP: the profile from the record, generation, edits, approval and the genetics
 * panel. Thin: every rule lives in plans.service.ts and the engines. Request and response
 * schemas are zod; the engine's Plan and the profile input pass whole (their shape is the
 * engine's, documented in src/plans/generate.ts and profile.ts), everything else is declared.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { requireContext, requireRole } from '../platform/http/request-context.ts';
import { AppError } from '../platform/errors.ts';
import { MAX_GENOTYPE_BYTES, type PlanRecord } from './plans.service.ts';

const STAFF = ['admin', 'clinician', 'nurse'] as const;
const SIGNERS = ['admin', 'clinician'] as const;

const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);
const patientParams = z.object({ patientId: id.describe('FHIR Patient id') });
const planParams = z.object({ patientId: id.describe('FHIR Patient id'), planId: id.describe('The plan (FHIR CarePlan) id') });
const localText = z.object({ en: z.string().describe('English'), es: z.string().describe('Spanish') });

const sourcedSchema = z.object({
  field: z.string().describe('Profile field, e.g. fitzpatrick or medications[0]'),
  value: z.unknown().describe('The value the profile got'),
  source: z
    .object({
      resourceType: z.string().optional().describe('FHIR type of the record entry'),
      resourceId: z.string().optional().describe('Its id'),
      date: z.string().optional().describe('Its date (YYYY-MM-DD)'),
      display: z.string().describe('What it says, in words'),
    })
    .describe('Where the value came from'),
});

const profileInputSchema = z
  .looseObject({
    age: z.number().describe('Age in whole years on the plan date'),
    sex: z.enum(['female', 'male', 'other']).describe('Sex'),
    goals: z.array(z.looseObject({ concern: z.string().describe('Concern id') })).describe('Goals in rank order'),
  })
  .describe('The PlanProfileInput the engine got (src/plans/profile.ts)');

const profileSchema = z.object({
  input: profileInputSchema,
  sources: z.array(sourcedSchema).describe('Where each value came from'),
  missing: z.array(z.string()).describe('What the record could not fill'),
});

const planSchema = z
  .looseObject({
    kind: z.literal('wellage-plan').describe('Marks a WellAge plan'),
    kbVersion: z.string().describe('Knowledge-base version'),
    engineVersion: z.string().describe('Engine version'),
    asOf: z.string().describe('Plan date'),
    inputHash: z.string().describe('SHA-256 of the validated profile, date and versions'),
    goals: z.array(z.looseObject({ rank: z.number(), concern: z.string() })).describe('Per goal: ranked options and exclusions with their rules'),
  })
  .describe('The engine output as generated (src/plans/generate.ts Plan)');

const editSchema = z.object({
  kind: z.enum(['remove', 'add', 'dose']).describe('What the edit does'),
  goalRank: z.number().int().describe('The goal it applies to'),
  interventionId: z.string().describe('Knowledge-base intervention id'),
  site: z.string().optional().describe('Dose site (body site id)'),
  dose: z.object({ value: z.number().describe('Amount'), unit: z.string().describe('Unit, as the knowledge base gives it') }).optional().describe('The dose chosen'),
  outOfRange: z.boolean().optional().describe('The dose lies outside the knowledge-base range'),
  acknowledged: z.boolean().optional().describe('An out-of-range dose was acknowledged'),
  by: z.string().describe('User id of who edited'),
  at: z.string().describe('When (ISO 8601)'),
});

const warningSchema = z.object({
  code: z.string().describe('DOSE_OUT_OF_RANGE, ...'),
  message: localText.describe('The warning in words'),
  interventionId: z.string().optional().describe('The intervention concerned'),
  acknowledged: z.boolean().describe('Acknowledged by a clinician'),
});

export const planRecordSchema = z.object({
  planId: z.string().describe('The CarePlan id'),
  versionId: z.string().describe('The CarePlan version; send it back with edits and approval'),
  status: z.enum(['draft', 'active', 'revoked']).describe('draft, active (approved) or revoked'),
  createdAt: z.string().describe('When generated (ISO 8601)'),
  approvedBy: z.object({ userId: z.string().describe('User id'), displayName: z.string().describe('Name') }).optional().describe('Who approved'),
  approvedAt: z.string().optional().describe('When approved (ISO 8601)'),
  profile: profileSchema.describe('What the engine got and where it came from'),
  plan: planSchema,
  edits: z.array(editSchema).describe('Clinician edits, in order'),
  warnings: z.array(warningSchema).describe('Warnings that must be acknowledged before approval'),
});

const goalBody = z.object({ concern: z.string().min(1).max(64).describe('Concern id (content/plans/concerns.json)'), area: z.string().min(1).max(64).optional().describe('Body site id') });
const generateBody = z
  .object({
    goals: z.array(goalBody).min(1).max(10).optional().describe('Ranked goals; default: from the intake or the record'),
    preferences: z
      .object({
        maxDowntimeDays: z.number().min(0).max(365).optional().describe('Most downtime the patient accepts, days'),
        budget: z.enum(['low', 'medium', 'high']).optional().describe('Budget'),
      })
      .optional()
      .describe('Patient preferences'),
    overrides: z.record(z.string(), z.unknown()).optional().describe('Profile fields to set instead of the record (e.g. lesions)'),
  })
  .describe('What to generate');

const editBody = z.object({
  versionId: z.string().min(1).max(64).describe('The version being edited'),
  edits: z
    .array(
      z.object({
        kind: z.enum(['remove', 'add', 'dose']).describe('What to do'),
        goalRank: z.number().int().min(1).describe('The goal'),
        interventionId: z.string().min(1).max(64).describe('Intervention id'),
        site: z.string().min(1).max(64).optional().describe('Dose site'),
        dose: z.object({ value: z.number().describe('Amount'), unit: z.string().max(16).describe('Unit') }).optional().describe('New dose'),
      }),
    )
    .max(200)
    .describe('Edits, applied in order'),
  acknowledge: z.array(z.string().max(200)).max(200).optional().describe('Warnings acknowledged, as "DOSE_OUT_OF_RANGE:<interventionId>"'),
});

const panelSchema = z
  .looseObject({
    panelVersion: z.string().describe('Panel version'),
    tendencies: z.record(z.string(), z.looseObject({ level: z.enum(['typical', 'elevated', 'high']) })).describe('Per tendency: level and because'),
    variants: z.array(z.looseObject({ rsid: z.string(), gene: z.string(), genotype: z.string().nullable() })).describe('Per variant: genotype, effect, evidence, caveat'),
  })
  .describe('The evidence-graded skin panel (the raw file is not kept)');

const asRecord = (r: PlanRecord) => r as unknown as z.infer<typeof planRecordSchema>;

export const planRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const plans = services.plans;

  app.get(
    '/api/patients/:patientId/plans/profile',
    {
      schema: { tags: ['plans'], summary: 'The plan profile assembled from the record, with sources and gaps', params: patientParams, response: { 200: profileSchema } },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      return (await plans.profile(ctx, request.params.patientId)) as unknown as z.infer<typeof profileSchema>;
    },
  );

  app.post(
    '/api/patients/:patientId/plans',
    { schema: { tags: ['plans'], summary: 'Generate a draft plan (FHIR CarePlan) from the record', params: patientParams, body: generateBody, response: { 201: planRecordSchema } } },
    async (request, reply) => {
      const ctx = requireRole(request, STAFF);
      const record = await plans.generate(ctx, request.params.patientId, request.body as never);
      return reply.code(201).send(asRecord(record));
    },
  );

  app.get(
    '/api/patients/:patientId/plans',
    {
      schema: {
        tags: ['plans'],
        summary: "The patient's plans (a patient sees approved ones only)",
        params: patientParams,
        response: {
          200: z.object({
            plans: z.array(
              z.object({
                planId: z.string().describe('CarePlan id'),
                status: z.enum(['draft', 'active', 'revoked']).describe('Status'),
                createdAt: z.string().describe('Generated at'),
                approvedAt: z.string().optional().describe('Approved at'),
                goals: z.array(z.string()).describe('Concern ids in rank order'),
              }),
            ),
          }),
        },
      },
    },
    async (request) => plans.list(requireContext(request), request.params.patientId),
  );

  app.get(
    '/api/patients/:patientId/plans/:planId',
    { schema: { tags: ['plans'], summary: 'One plan', params: planParams, response: { 200: planRecordSchema } } },
    async (request) => asRecord(await plans.get(requireContext(request), request.params.patientId, request.params.planId)),
  );

  app.patch(
    '/api/patients/:patientId/plans/:planId',
    { schema: { tags: ['plans'], summary: 'Edit a draft plan: remove, add, dose; acknowledge warnings', params: planParams, body: editBody, response: { 200: planRecordSchema } } },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      return asRecord(await plans.edit(ctx, request.params.patientId, request.params.planId, request.body));
    },
  );

  app.post(
    '/api/patients/:patientId/plans/:planId/approve',
    {
      schema: {
        tags: ['plans'],
        summary: 'Approve and sign a plan (clinician): the CarePlan becomes active',
        params: planParams,
        body: z.object({ versionId: z.string().min(1).max(64).describe('The version approved') }),
        response: { 200: planRecordSchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, SIGNERS);
      return asRecord(await plans.approve(ctx, request.params.patientId, request.params.planId, request.body.versionId));
    },
  );

  app.post(
    '/api/patients/:patientId/genetics',
    {
      bodyLimit: MAX_GENOTYPE_BYTES,
      schema: {
        tags: ['plans'],
        summary: "Upload a consumer genotype file (text/plain: 23andMe, AncestryDNA, VCF); only the skin panel is kept. Needs 'genetics' consent",
        params: patientParams,
        response: { 200: z.object({ panel: panelSchema }) },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      const body = request.body;
      if (typeof body !== 'string') {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the genotype file as text/plain', { field: 'body' });
      }
      return (await plans.uploadGenetics(ctx, request.params.patientId, body)) as unknown as { panel: z.infer<typeof panelSchema> };
    },
  );

  app.get(
    '/api/patients/:patientId/genetics',
    {
      schema: { tags: ['plans'], summary: "The stored skin genotype panel, or null. Needs 'genetics' consent", params: patientParams, response: { 200: z.object({ panel: panelSchema.nullable() }) } },
    },
    async (request) => (await plans.genetics(requireContext(request), request.params.patientId)) as unknown as { panel: z.infer<typeof panelSchema> | null },
  );
};
