/**
 * The intake over HTTP: the shipped Questionnaire, the patient's resumable draft,
 * submission, the preliminary history (read, edit, sign) and the clinic's red-flag
 * dashboard. Thin: every rule lives in intake.service.ts and the engines. Request and
 * response schemas are zod; responses drop undeclared fields (FHIR resources pass whole).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { requireContext, requireRole } from '../platform/http/request-context.ts';
import { RED_FLAG_RULES, type RedFlagCode } from './index.ts';

const STAFF = ['admin', 'clinician', 'nurse'] as const;
const STAFF_OR_PATIENT = ['admin', 'clinician', 'nurse', 'patient'] as const;
const SIGNERS = ['admin', 'clinician'] as const;

const patientIdParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).describe('FHIR Patient id');
const langSchema = z.enum(['en', 'es']);
const langQuery = z.object({
  lang: langSchema.optional().describe("Language of the note and answers (default: the note's stored language)"),
});

const textSchema = z.object({ en: z.string().describe('English'), es: z.string().describe('Spanish') });
const linkIds = z.array(z.string()).describe('linkIds of the source answers');

export const flagSchema = z.object({
  code: z.enum(Object.keys(RED_FLAG_RULES) as [RedFlagCode, ...RedFlagCode[]]).describe('Stable red-flag code'),
  severity: z.enum(['urgent', 'high', 'moderate']).describe('How soon the clinician must act'),
  title: textSchema.describe('The flag in a few words'),
  reason: textSchema.describe('Why it was raised, from the answers'),
  action: textSchema.describe('Suggested action (a suggestion, never a decision)'),
  linkIds,
  basis: z.string().describe('The clinical basis, with its citation'),
});

const incompleteSchema = z.object({
  status: z.literal('incomplete').describe('Not scored: answers are missing'),
  missing: z.array(z.string()).describe('linkIds still unanswered'),
  linkIds,
});

export const scoresSchema = z.object({
  fitzpatrick: z
    .union([
      z.object({
        status: z.literal('scored'),
        total: z.number().describe('Self-assessment score, 0-40'),
        type: z.enum(['I', 'II', 'III', 'IV', 'V', 'VI']).describe('Fitzpatrick skin type'),
        linkIds,
        source: z.string().describe('Instrument and bands, cited'),
      }),
      incompleteSchema,
    ])
    .describe('Fitzpatrick skin type'),
  dcq: z
    .union([
      z.object({
        status: z.literal('scored'),
        total: z.number().describe('DCQ score, 0-21'),
        positive: z.boolean().describe('At or over the cut-off'),
        cutoff: z.number().describe('The cut-off used'),
        linkIds,
        source: z.string().describe('Instrument and cut-off, cited'),
      }),
      incompleteSchema,
    ])
    .describe('Dysmorphic Concern Questionnaire screen'),
  packYears: z
    .union([
      z.object({
        status: z.literal('scored'),
        packYears: z.number().describe('Pack-years'),
        cigarettesPerDay: z.number().describe('Cigarettes per day'),
        years: z.number().describe('Years smoked'),
        linkIds,
      }),
      incompleteSchema,
    ])
    .optional()
    .describe('Smoking exposure; absent for never-smokers'),
});

const questionnaireResponseSchema = z
  .looseObject({ resourceType: z.literal('QuestionnaireResponse'), id: z.string().optional().describe('Resource id') })
  .describe('FHIR R4 QuestionnaireResponse');

const responseBody = z.object({
  response: z.record(z.string(), z.unknown()).describe('A FHIR QuestionnaireResponse to the shipped questionnaire (questionnaire = url|version)'),
});

const issueSchema = z.object({
  linkId: z.string().describe('The item concerned (or the JSON path for whole-response problems)'),
  code: z.string().describe('Problem code, e.g. FUTURE_DATE, IMPOSSIBLE_VALUE'),
  message: z.string().describe('In words'),
});

const sentenceSchema = z.object({
  id: z.string().describe('Sentence id, unique in the note (the narrative span id)'),
  kind: z.enum(['answer', 'flag', 'missing']).describe('States answers, raises a flag, or says what is missing'),
  text: z.string().describe('The sentence'),
  linkIds,
  edited: z.boolean().optional().describe('Changed by a clinician'),
});

export const historySchema = z.object({
  questionnaireResponseId: z.string().describe('The submitted QuestionnaireResponse'),
  questionnaireResponse: questionnaireResponseSchema,
  compositionId: z.string().describe('The history note (FHIR Composition)'),
  status: z.enum(['preliminary', 'final']).describe('final once signed'),
  signedBy: z.object({ userId: z.string().describe('User id'), displayName: z.string().describe('Name') }).optional().describe('Who signed'),
  signedAt: z.string().optional().describe('When it was signed (ISO 8601)'),
  versionId: z.string().describe('The Composition version; send it back to edit or sign'),
  note: z
    .object({
      lang: langSchema.describe('Language of the note'),
      title: z.string().describe('Note title'),
      complete: z.boolean().describe('No required answer is missing'),
      sections: z
        .array(z.object({ code: z.string().describe('Section code: red-flags, incomplete, chief-complaint, present-concern, past-history, medications, allergies, family-history, social-history, skin-history, aesthetic-history, oncology-history, review-of-systems, screening-scores'), title: z.string().describe('Section title'), sentences: z.array(sentenceSchema) }))
        .describe('Sections in order'),
    })
    .describe('The preliminary history'),
  flags: z.array(flagSchema).describe('Red flags, most severe first'),
  scores: scoresSchema,
  answers: z
    .array(z.object({ linkId: z.string().describe('Item linkId'), text: z.string().describe('The question'), answer: z.string().describe('The answer in words') }))
    .describe('Every answer in words, for the side-by-side view'),
});

const submitSchema = z.object({
  questionnaireResponseId: z.string().describe('The stored (completed) QuestionnaireResponse'),
  compositionId: z.string().describe('The preliminary history note (FHIR Composition)'),
  flags: z.array(flagSchema).describe('Red flags, most severe first'),
  scores: scoresSchema,
  changes: z
    .object({
      created: z.number().int().describe('Resources new to the record'),
      updated: z.number().int().describe('Resources from an earlier intake whose content changed'),
      unchanged: z.number().int().describe('Resources already recorded as reported'),
      noLongerReported: z.number().int().describe('Resources of earlier intakes this one does not report (kept)'),
      summary: textSchema.describe('What changed, in words'),
    })
    .describe('What this intake changed in the record'),
  missing: z.array(z.object({ linkId: z.string().describe('Item linkId'), text: z.string().describe('The question') })).describe('Required answers still missing'),
});

const flagRowSchema = z.object({
  patientId: z.string().describe('FHIR Patient id'),
  patientName: z.string().describe("The patient's name"),
  submittedAt: z.string().describe('When the intake was submitted (ISO 8601)'),
  questionnaireResponseId: z.string().describe('The intake'),
  flag: flagSchema,
});

type HistoryOut = z.infer<typeof historySchema>;
type SubmitOut = z.infer<typeof submitSchema>;
/**
 * The service's readonly engine types (RedFlag, FHIR resources) are the same JSON the
 * schemas describe; TypeScript cannot see through readonly arrays and FHIR's closed
 * interfaces, so the handlers restate the type. The serializer still checks every answer.
 */
const asJson = <T>(value: unknown): T => value as T;

export const intakeRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const intake = services.intake;

  app.get(
    '/api/intake/questionnaire',
    {
      schema: {
        tags: ['intake'],
        summary: 'The shipped intake Questionnaire (FHIR R4, with enableWhen and Spanish translations)',
        response: {
          200: z
            .looseObject({ resourceType: z.literal('Questionnaire'), url: z.string().describe('Canonical URL'), version: z.string().describe('Version') })
            .describe('FHIR R4 Questionnaire'),
        },
      },
    },
    async (request) => {
      requireContext(request);
      return asJson<{ resourceType: 'Questionnaire'; url: string; version: string }>(intake.questionnaire());
    },
  );

  app.get(
    '/api/patients/:patientId/intake/draft',
    {
      schema: {
        tags: ['intake'],
        summary: "The patient's intake in progress, to resume it",
        params: z.object({ patientId: patientIdParam }),
        response: {
          200: z.object({
            response: questionnaireResponseSchema.nullable().describe('The draft (status in-progress), or null'),
            savedAt: z.string().optional().describe('When it was last saved (ISO 8601)'),
          }),
        },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF_OR_PATIENT);
      return asJson<{ response: z.infer<typeof questionnaireResponseSchema> | null; savedAt?: string }>(await intake.getDraft(ctx, request.params.patientId));
    },
  );

  app.put(
    '/api/patients/:patientId/intake/draft',
    {
      schema: {
        tags: ['intake'],
        summary: 'Save the intake in progress (one per patient); answer problems come back as issues',
        params: z.object({ patientId: patientIdParam }),
        body: responseBody,
        response: {
          200: z.object({ savedAt: z.string().describe('When it was saved (ISO 8601)'), issues: z.array(issueSchema).describe('Per-answer problems found now') }),
        },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF_OR_PATIENT);
      return intake.saveDraft(ctx, request.params.patientId, request.body.response);
    },
  );

  app.post(
    '/api/patients/:patientId/intake/submit',
    {
      schema: {
        tags: ['intake'],
        summary: 'Submit the intake: coded resources, the preliminary history and red flags, in one transaction',
        params: z.object({ patientId: patientIdParam }),
        body: responseBody,
        response: { 201: submitSchema },
      },
    },
    async (request, reply) => {
      const ctx = requireRole(request, STAFF_OR_PATIENT);
      const result = await intake.submit(ctx, request.params.patientId, request.body.response);
      return reply.code(201).send(asJson<SubmitOut>(result));
    },
  );

  app.get(
    '/api/patients/:patientId/intake/history',
    {
      schema: {
        tags: ['intake'],
        summary: 'The latest submitted intake: the history note, flags, scores and answers',
        params: z.object({ patientId: patientIdParam }),
        querystring: langQuery,
        response: { 200: historySchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF_OR_PATIENT);
      return asJson<HistoryOut>(await intake.history(ctx, request.params.patientId, request.query.lang));
    },
  );

  app.put(
    '/api/patients/:patientId/intake/history',
    {
      schema: {
        tags: ['intake'],
        summary: 'Edit sentences of the history note (clinician); 409 once signed, 412 on a stale versionId',
        params: z.object({ patientId: patientIdParam }),
        querystring: langQuery,
        body: z.object({
          versionId: z.string().min(1).max(20).describe('The version you edited'),
          sections: z
            .array(
              z.object({
                code: z.string().max(40).describe('Section code'),
                sentences: z
                  .array(z.object({ id: z.string().max(60).describe('Sentence id'), text: z.string().describe('The new text') }))
                  .max(200)
                  .describe('Changed sentences'),
              }),
            )
            .max(20)
            .describe('Sections with the sentences to change'),
        }),
        response: { 200: historySchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, SIGNERS);
      return asJson<HistoryOut>(await intake.editHistory(ctx, request.params.patientId, request.body, request.query.lang));
    },
  );

  app.post(
    '/api/patients/:patientId/intake/history/sign',
    {
      schema: {
        tags: ['intake'],
        summary: 'Sign the history note (clinician): status final with a legal attester; the earlier versions stay in history',
        params: z.object({ patientId: patientIdParam }),
        querystring: langQuery,
        body: z.object({ versionId: z.string().min(1).max(20).describe('The version you signed') }),
        response: { 200: historySchema },
      },
    },
    async (request) => {
      const ctx = requireRole(request, SIGNERS);
      return asJson<HistoryOut>(await intake.sign(ctx, request.params.patientId, request.body.versionId, request.query.lang));
    },
  );

  app.get(
    '/api/intake/flags',
    {
      schema: {
        tags: ['intake'],
        summary: "Red flags of the clinic's latest intakes: newest day first, most severe first within a day",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50).describe('Rows at most (1-500)') }),
        response: {
          200: z.object({
            rows: z
              .array(
                flagRowSchema,
              )
              .describe('One row per flag'),
          }),
        },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF);
      return asJson<{ rows: z.infer<typeof flagRowSchema>[] }>(await intake.flags(ctx, request.query.limit));
    },
  );
};
