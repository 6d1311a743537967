/**
 * The Fastify adapter for the FHIR handler table (handlers.ts), mounted at /fhir/R4.
 * Only transport here: principal, base URL, headers, body in; status, headers, JSON out.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { requireContext } from '../http/request-context.ts';
import { capabilityStatement } from './capability.ts';
import { ensureDefinitions } from './definitions.ts';
import { handleFhirRequest } from './handlers.ts';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/fhir/R4`;
}

export const fhirRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  // Load the R4 definitions at start-up rather than on the first request.
  ensureDefinitions();

  app.get('/metadata', { schema: { tags: ['fhir'], summary: 'CapabilityStatement (public)' } }, async (request, reply) => {
    return reply.type(FHIR_JSON).send(capabilityStatement(baseUrlOf(request)));
  });

  const handler = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const ctx = requireContext(request);
    const url = request.url;
    const q = url.indexOf('?');
    const fullPath = q < 0 ? url : url.slice(0, q);
    const path = fullPath.replace(/^\/fhir\/R4/, '');
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(request.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    const res = await handleFhirRequest(services.fhir, ctx, {
      method: request.method,
      path,
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      headers,
      body: request.body,
      baseUrl: baseUrlOf(request),
    });
    reply.status(res.status).headers(res.headers);
    if (res.body === undefined) return reply.send();
    return reply.type(FHIR_JSON).send(res.body);
  };

  const schema = { tags: ['fhir'], summary: 'FHIR R4 REST (read, vread, search, create, update, delete, history, bundles, $everything)' };
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/', schema, handler });
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/*', schema, handler });
};
