/**
 * The lesion second opinion over HTTP (contract: README.md, views.ts). Thin: roles, consent,
 * blinding and every rule live in lesion.service.ts and the engines. Bodies are zod-checked
 * (a bad field answers 400 naming it); answers are the views.ts schemas.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../platform/services.ts';
import { requireContext, requireRole } from '../platform/http/request-context.ts';
import {
  BodySiteSchema,
  CreateExamBodySchema,
  CreateLesionBodySchema,
  DecisionBodySchema,
  EvolutionSchema,
  ExamViewSchema,
  HistopathologyBodySchema,
  ImpressionBodySchema,
  LesionSettingsSchema,
  LesionSummarySchema,
  ModelCardViewSchema,
  OperatingPointsViewSchema,
  OperatingPointVersionSchema,
  PerformanceViewSchema,
  SettingsBodySchema,
} from './views.ts';

const STAFF = ['admin', 'clinician', 'nurse'] as const;
const id = (what: string) => z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be an id').describe(what);
const tags = ['lesion'];

export const lesionRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const lesion = services.lesion;
  const examParams = z.object({ examId: id('Exam id') });

  app.get(
    '/api/lesion/body-sites',
    { schema: { tags, summary: 'Body sites for lesions (SNOMED CT, English and Spanish labels)', response: { 200: z.array(BodySiteSchema) } } },
    async (request) => {
      requireContext(request);
      return [...lesion.bodySites()];
    },
  );

  app.get(
    '/api/lesion/patients/:patientId/lesions',
    {
      schema: { tags, summary: "The patient's lesions, each with its exams (newest first)", params: z.object({ patientId: id('FHIR Patient id') }), response: { 200: z.array(LesionSummarySchema) } },
    },
    async (request) => lesion.listLesions(requireRole(request, STAFF), request.params.patientId),
  );

  app.post(
    '/api/lesion/patients/:patientId/lesions',
    {
      schema: {
        tags,
        summary: 'Add a lesion (a FHIR BodyStructure)',
        params: z.object({ patientId: id('FHIR Patient id') }),
        body: CreateLesionBodySchema,
        response: { 201: LesionSummarySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await lesion.createLesion(requireRole(request, STAFF), request.params.patientId, request.body)),
  );

  app.post(
    '/api/lesion/lesions/:lesionId/exams',
    {
      schema: {
        tags,
        summary: 'Analyse an uploaded image of the lesion (needs ai-analysis consent)',
        params: z.object({ lesionId: id('Lesion id') }),
        body: CreateExamBodySchema,
        response: { 201: ExamViewSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await lesion.createExam(requireRole(request, STAFF), request.params.lesionId, request.body)),
  );

  app.get(
    '/api/lesion/exams/:examId',
    { schema: { tags, summary: 'One exam; the analysis is null while blinded or for nurses', params: examParams, response: { 200: ExamViewSchema } } },
    async (request) => lesion.getExam(requireRole(request, STAFF), request.params.examId),
  );

  app.post(
    '/api/lesion/exams/:examId/impression',
    { schema: { tags, summary: "The clinician's own impression; reveals the AI result", params: examParams, body: ImpressionBodySchema, response: { 200: ExamViewSchema } } },
    async (request) => lesion.recordImpression(requireContext(request), request.params.examId, request.body),
  );

  app.post(
    '/api/lesion/exams/:examId/decision',
    {
      schema: { tags, summary: 'Confirm or override the AI and sign (writes a FHIR DiagnosticReport)', params: examParams, body: DecisionBodySchema, response: { 200: ExamViewSchema } },
    },
    async (request) => lesion.recordDecision(requireContext(request), request.params.examId, request.body),
  );

  app.post(
    '/api/lesion/exams/:examId/histopathology',
    { schema: { tags, summary: 'Attach the histopathology result (a FHIR Observation)', params: examParams, body: HistopathologyBodySchema, response: { 200: ExamViewSchema } } },
    async (request) => lesion.recordHistopathology(requireContext(request), request.params.examId, request.body),
  );

  app.get(
    '/api/lesion/exams/:examId/image',
    { schema: { tags, summary: 'The stored image (EXIF removed)', params: examParams, response: { 200: z.any().describe('Image bytes') } } },
    async (request, reply) => {
      const { bytes, contentType } = await lesion.image(requireContext(request), request.params.examId);
      reply.header('content-type', contentType);
      reply.header('cache-control', 'private, no-store');
      return reply.send(bytes);
    },
  );

  for (const kind of ['outline', 'heatmap'] as const) {
    app.get(
      `/api/lesion/exams/:examId/${kind}.png`,
      {
        schema: {
          tags,
          summary: kind === 'outline' ? 'The lesion outline overlay (hidden until revealed)' : 'The occlusion-sensitivity heatmap (hidden until revealed; computed on first request)',
          params: examParams,
          response: { 200: z.any().describe('PNG bytes') },
        },
      },
      async (request, reply) => {
        const png = await lesion.picture(requireContext(request), request.params.examId, kind);
        reply.header('content-type', 'image/png');
        reply.header('cache-control', 'private, no-store');
        return reply.send(png);
      },
    );
  }

  app.get(
    '/api/lesion/lesions/:lesionId/evolution',
    { schema: { tags, summary: 'The same lesion over time: changes and evolution flags', params: z.object({ lesionId: id('Lesion id') }), response: { 200: EvolutionSchema } } },
    async (request) => lesion.evolution(requireContext(request), request.params.lesionId),
  );

  app.get(
    '/api/lesion/model-card',
    { schema: { tags, summary: 'The model card and the calibration in force for your clinic', response: { 200: ModelCardViewSchema } } },
    async (request) => lesion.modelCard(requireContext(request)),
  );

  app.get(
    '/api/lesion/model-card/reliability.png',
    { schema: { tags, summary: "The model card's reliability plot", response: { 200: z.any().describe('PNG bytes') } } },
    async (request, reply) => {
      const png = await lesion.reliabilityPlot(requireContext(request));
      reply.header('content-type', 'image/png');
      return reply.send(png);
    },
  );

  app.get(
    '/api/lesion/performance',
    { schema: { tags, summary: 'Agreement per clinician and live performance beside the model card', response: { 200: PerformanceViewSchema } } },
    async (request) => lesion.performance(requireContext(request)),
  );

  app.get(
    '/api/lesion/settings',
    { schema: { tags, summary: 'Clinic settings of the lesion workflow', response: { 200: LesionSettingsSchema } } },
    async (request) => lesion.settings(requireContext(request)),
  );

  app.put(
    '/api/lesion/settings',
    { schema: { tags, summary: 'Change the clinic settings (admin; audited)', body: SettingsBodySchema, response: { 200: LesionSettingsSchema } } },
    async (request) => lesion.updateSettings(requireContext(request), request.body),
  );

  app.get(
    '/api/lesion/operating-points',
    { schema: { tags, summary: "Operating points: versions, the clinic's confirmed-case statistics, a proposal (admin)", response: { 200: OperatingPointsViewSchema } } },
    async (request) => lesion.operatingPoints(requireContext(request)),
  );

  app.post(
    '/api/lesion/operating-points',
    {
      schema: {
        tags,
        summary: 'Adopt new operating points, or revert to the model card (admin; audited)',
        // Checked field by field in the service (operating-points.ts), which names the bad one.
        body: z.record(z.string(), z.unknown()).describe('{ referThreshold, monitorThreshold, temperature?, reason } or { revertToModelCard: true, reason }'),
        response: { 201: OperatingPointVersionSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await lesion.adoptOperatingPoints(requireContext(request), request.body)),
  );
};
