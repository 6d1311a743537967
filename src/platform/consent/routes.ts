/**
 * A patient's consents over HTTP: the decision per purpose, and recording a new decision
 * (a new FHIR Consent written through the FHIR repository, which scopes and audits it).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { clinic, fhirResource } from '../db/schema.ts';
import type { RequestContext } from '../context.ts';
import { requireRole } from '../http/request-context.ts';
import { assertPatientAccess } from '../auth/access.ts';
import { buildConsent, type ConsentDecision } from './consent.service.ts';
import { CONSENT_PURPOSES } from './purposes.ts';

const decisionSchema = z.object({
  purpose: z.enum(CONSENT_PURPOSES).describe('What the data may be used for'),
  status: z.enum(['permit', 'deny', 'none']).describe('permit: allowed now; deny: refused, withdrawn or expired; none: never asked'),
  reason: z.enum(['denied', 'inactive', 'expired', 'not-yet-valid']).optional().describe('Why a recorded consent does not permit'),
  consentId: z.string().optional().describe('The deciding FHIR Consent'),
  date: z.string().optional().describe('When the patient decided (ISO 8601)'),
});

const patientIdParam = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).describe('FHIR Patient id');
/** Staff act on their clinic's patients; a patient user on their own record. */
const CONSENT_ROLES = ['admin', 'clinician', 'nurse', 'patient'] as const;

export const consentRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { database, clock } = services.deps;

  /** A performer reference must resolve, or the FHIR store refuses the Consent. */
  async function practitionerExists(clinicId: string, id: string): Promise<boolean> {
    const rows = await database.db
      .select({ id: fhirResource.id })
      .from(fhirResource)
      .where(and(eq(fhirResource.resourceType, 'Practitioner'), eq(fhirResource.id, id), eq(fhirResource.clinicId, clinicId), eq(fhirResource.deleted, false)));
    return rows.length > 0;
  }

  app.get(
    '/api/patients/:patientId/consents',
    {
      schema: {
        tags: ['consent'],
        summary: "The patient's decision for every consent purpose",
        params: z.object({ patientId: patientIdParam }),
        response: { 200: z.array(decisionSchema).describe('One entry per purpose') },
      },
    },
    async (request): Promise<ConsentDecision[]> => {
      const ctx = requireRole(request, CONSENT_ROLES);
      return services.consent.summary(ctx, request.params.patientId);
    },
  );

  app.put(
    '/api/patients/:patientId/consents/:purpose',
    {
      schema: {
        tags: ['consent'],
        summary: "Record the patient's decision for one purpose (a new FHIR Consent)",
        params: z.object({ patientId: patientIdParam, purpose: z.enum(CONSENT_PURPOSES).describe('Consent purpose') }),
        body: z.object({ decision: z.enum(['permit', 'deny']).describe('The patient allows (permit) or refuses (deny)') }),
        response: { 200: z.array(decisionSchema).describe('The decisions after this one, one entry per purpose') },
      },
    },
    async (request): Promise<ConsentDecision[]> => {
      const ctx = requireRole(request, CONSENT_ROLES);
      const { patientId, purpose } = request.params;
      await assertPatientAccess(database.db, ctx, patientId);
      const p = ctx.principal;
      const performerRef =
        p.role === 'patient'
          ? `Patient/${patientId}`
          : p.practitionerId && (await practitionerExists(p.clinicId, p.practitionerId))
            ? `Practitioner/${p.practitionerId}`
            : undefined;
      const [own] = await database.db.select({ name: clinic.name }).from(clinic).where(eq(clinic.id, p.clinicId));
      // The FHIR store lets patient accounts write only a few types; a patient recording their
      // own decision (access checked above) is written on the platform's behalf, naming them.
      const writeCtx: RequestContext =
        p.role === 'patient' ? { ...ctx, principal: { kind: 'system', clinicId: p.clinicId, actor: `patient-user:${p.userId}` } } : ctx;
      await services.fhir.create(
        writeCtx,
        buildConsent({ patientId, purpose, decision: request.body.decision, date: clock(), performerRef, clinicName: own?.name }),
      );
      return services.consent.summary(ctx, patientId);
    },
  );
};
