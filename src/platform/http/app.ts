/**
 * Builds the HTTP application. `listen` lives elsewhere (cli/serve.ts) so tests drive the
 * app with `inject()` and no socket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import staticFiles from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { AppError } from '../errors.ts';
import { isFhirPath, sendError } from './problem.ts';
import { SESSION_COOKIE, readBearer } from '../auth/credentials.ts';
import { authRoutes } from '../auth/routes.ts';
import { auditRoutes } from '../audit/routes.ts';
import { consentRoutes } from '../consent/routes.ts';
import { fileRoutes } from '../files/routes.ts';
import { fhirRoutes } from '../fhir/routes.ts';
import { loggerOptions } from './logging.ts';
import { riskRoutes } from '../../risk/routes.ts';
import { intakeRoutes } from '../../intake/routes.ts';
import { planRoutes } from '../../plans/routes.ts';
import { lesionRoutes } from '../../lesion/routes.ts';

export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

export interface BuildAppOptions {
  /** Serve the built web app from this folder (default web/dist when it exists). */
  webDist?: string | false;
  /** Log level; tests pass 'silent'. */
  logLevel?: string;
}

export async function buildApp(services: Services, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = services.deps;
  const webDist = options.webDist === undefined ? WEB_DIST : options.webDist && path.resolve(options.webDist);
  const app = Fastify({
    logger: loggerOptions(options.logLevel ?? config.logLevel),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    // Request ids for correlating logs and error answers; echoed as a header below.
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { allErrors: false } },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    // The web app owns every non-API path (client-side routing).
    const isApi = request.url.startsWith('/api/') || isFhirPath(request.url) || request.url.startsWith('/docs');
    if (!isApi && request.method === 'GET' && webDist && fs.existsSync(path.join(webDist, 'index.html'))) {
      return reply.type('text/html').sendFile('index.html', webDist);
    }
    return sendError(new AppError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`), request, reply);
  });

  // FHIR JSON is JSON; parse it with the same secure parser.
  app.addContentTypeParser(
    ['application/fhir+json', 'application/json+fhir'],
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  await app.register(cookie);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('credential', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const credential = readBearer(request.headers.authorization) ?? request.cookies[SESSION_COOKIE];
    if (!credential) return;
    const principal = await services.auth.authenticate(credential);
    if (principal) {
      request.principal = principal;
      request.credential = credential;
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    // Clinical data must not linger in shared caches; the UI is not to be framed.
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'WellAge API', version: '0.1.0', description: 'WellAge platform API. FHIR R4 REST lives under /fhir/R4.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers; says whether the lesion model is loaded (the rest serves without it)',
        response: {
          200: z.object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']), lesionModel: z.enum(['ready', 'unavailable']) }),
        },
      },
    },
    async () => {
      if (!(await services.deps.database.ping())) throw new AppError('NOT_READY', 'The database does not answer');
      const lesionModel = await services.lesion.ready().then(
        () => 'ready' as const,
        () => 'unavailable' as const,
      );
      return { status: 'ready' as const, database: services.deps.database.kind, lesionModel };
    },
  );

  await app.register(authRoutes, { services });
  await app.register(auditRoutes, { services });
  await app.register(consentRoutes, { services });
  await app.register(fileRoutes, { services });
  await app.register(fhirRoutes, { services, prefix: '/fhir/R4' });
  await app.register(riskRoutes, { services });
  await app.register(intakeRoutes, { services });
  await app.register(planRoutes, { services });
  await app.register(lesionRoutes, { services });

  if (webDist && fs.existsSync(webDist)) {
    await app.register(staticFiles, { root: webDist, wildcard: false, index: 'index.html' });
  }
  return app;
}
