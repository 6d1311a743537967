/**
 * The audit log over HTTP, for the clinic's admins: their clinic's events, newest first,
 * and a check of the whole chain. Reading the log is itself audited.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { requireRole } from '../http/request-context.ts';
import { AUDIT_ACTIONS } from './types.ts';

const auditEventSchema = z.object({
  seq: z.number().int().describe('Position in the chain, gapless from 1'),
  at: z.string().describe('When it happened (ISO 8601)'),
  userId: z.string().nullable().describe('Who acted (null for the platform itself or an unknown sign-in)'),
  role: z.string().nullable().describe("The actor's role at the time"),
  clinicId: z.string().nullable().describe('The clinic the actor belongs to'),
  action: z.string().describe('What was done: read, create, login, export, ...'),
  resourceType: z.string().nullable().describe('Type of the resource touched'),
  resourceId: z.string().nullable().describe('Id of the resource touched'),
  patientId: z.string().nullable().describe('The Patient whose data was touched'),
  clientAddress: z.string().nullable().describe("The client's IP address"),
  outcome: z.enum(['success', 'denied', 'failed']).describe('How it ended'),
  detail: z.record(z.string(), z.unknown()).nullable().describe('Small non-clinical facts (counts, model version, reason)'),
  prevHash: z.string().describe("The previous event's hash"),
  hash: z.string().describe('sha256 over prevHash and this event'),
});

const dateParam = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s));

export const auditRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: "The clinic's audit events, newest first (admins)",
        querystring: z.object({
          patientId: z.string().max(64).optional().describe('Only events about this Patient'),
          userId: z.string().max(64).optional().describe('Only events by this user'),
          action: z.enum(AUDIT_ACTIONS).optional().describe('Only this action'),
          since: dateParam.optional().describe('Only events at or after this time (ISO 8601 with offset)'),
          until: dateParam.optional().describe('Only events at or before this time (ISO 8601 with offset)'),
          limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1-500'),
          beforeSeq: z.coerce.number().int().min(1).optional().describe('Continue with events older than this seq'),
        }),
        response: {
          200: z.object({
            events: z.array(auditEventSchema).describe('Newest first'),
            nextBeforeSeq: z.number().int().optional().describe('Pass as beforeSeq for the next page; absent on the last page'),
          }),
        },
      },
    },
    async (request) => {
      const ctx = requireRole(request, ['admin']);
      const q = request.query;
      const events = await services.audit.list(ctx.principal.clinicId, q);
      await services.audit.record(ctx, {
        action: 'audit-read',
        outcome: 'success',
        patientId: q.patientId,
        detail: { count: events.length, ...(q.action ? { filterAction: q.action } : {}), ...(q.userId ? { filterUser: q.userId } : {}) },
      });
      const last = events.at(-1);
      return {
        events: events.map((e) => ({
          seq: e.seq,
          at: e.at.toISOString(),
          userId: e.userId,
          role: e.role,
          clinicId: e.clinicId,
          action: e.action,
          resourceType: e.resourceType ?? null,
          resourceId: e.resourceId ?? null,
          patientId: e.patientId ?? null,
          clientAddress: e.clientAddress,
          outcome: e.outcome,
          detail: e.detail ?? null,
          prevHash: e.prevHash,
          hash: e.hash,
        })),
        ...(last && events.length === q.limit ? { nextBeforeSeq: last.seq } : {}),
      };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Recompute the whole hash chain and report the first broken event (admins)',
        response: {
          200: z.object({
            ok: z.boolean().describe('True when every event matches its hash and follows the previous one'),
            checked: z.number().int().describe('Events verified before stopping'),
            brokenAt: z
              .object({ seq: z.number().int().describe('The first event that does not match'), reason: z.string().describe('Why') })
              .optional()
              .describe('Present when the chain is broken'),
          }),
        },
      },
    },
    async (request) => {
      const ctx = requireRole(request, ['admin']);
      const result = await services.audit.verify();
      await services.audit.record(ctx, { action: 'audit-read', outcome: 'success', detail: { verify: result.ok, checked: result.checked } });
      return result;
    },
  );
};
