/**
 * The FHIR REST interactions as a table of plain handlers over the repository: each takes
 * the caller's context and a transport-neutral request and returns (status, headers,
 * resource). No Fastify here, so the table is tested without HTTP.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { RequestContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { isResourceType } from './definitions.ts';
import type { FhirRepository } from './repository.ts';

export interface FhirRequest {
  readonly method: string;
  /** The path below the FHIR base, e.g. `/Patient/123/_history/2`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** The FHIR base URL as the client sees it, e.g. `https://host/fhir/R4`. */
  readonly baseUrl: string;
}

export interface FhirResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: Resource | undefined;
}

type Handler = (repo: FhirRepository, ctx: RequestContext, req: FhirRequest, params: string[]) => Promise<FhirResponse>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const TYPE = '([A-Za-z]+)';
const ID = '([^/]+)';

/** ETag, Last-Modified and (for writes) Location of one resource version. */
export function versionHeaders(resource: Resource, baseUrl: string, withLocation: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const v = resource.meta?.versionId;
  if (v) headers.etag = `W/"${v}"`;
  if (resource.meta?.lastUpdated) headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (withLocation && v) headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${v}`;
  return headers;
}

function requireBody(req: FhirRequest): Resource {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new AppError('INVALID_RESOURCE', 'The body must be a FHIR resource in JSON', { field: 'resourceType' });
  }
  return req.body as Resource;
}

function knownType(type: string): string {
  if (!isResourceType(type)) {
    throw new AppError('UNKNOWN_RESOURCE_TYPE', `"${type.slice(0, 64)}" is not a FHIR R4 resource type`, { field: 'resourceType' });
  }
  return type;
}

export const FHIR_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    pattern: /^\/?$/,
    handler: async (repo, ctx, req) => ({ status: 200, headers: {}, body: await repo.processBundle(ctx, req.body, req.baseUrl) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/Patient/${ID}/\\$everything$`),
    handler: async (repo, ctx, req, [id]) => ({ status: 200, headers: {}, body: await repo.everything(ctx, id as string, req.baseUrl) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${TYPE}/${ID}/_history/${ID}$`),
    handler: async (repo, ctx, req, [type, id, vid]) => {
      const r = await repo.vread(ctx, knownType(type as string), id as string, vid as string);
      return { status: 200, headers: versionHeaders(r, req.baseUrl, false), body: r };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${TYPE}/${ID}/_history$`),
    handler: async (repo, ctx, req, [type, id]) => ({
      status: 200,
      headers: {},
      body: await repo.history(ctx, knownType(type as string), id as string, req.query, req.baseUrl),
    }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${TYPE}/${ID}$`),
    handler: async (repo, ctx, req, [type, id]) => {
      const r = await repo.read(ctx, knownType(type as string), id as string);
      return { status: 200, headers: versionHeaders(r, req.baseUrl, false), body: r };
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/${TYPE}/${ID}$`),
    handler: async (repo, ctx, req, [type, id]) => {
      const r = await repo.update(ctx, knownType(type as string), id as string, requireBody(req), { ifMatch: req.headers['if-match'] });
      return { status: r.created ? 201 : 200, headers: versionHeaders(r.resource, req.baseUrl, true), body: r.resource };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/${TYPE}/${ID}$`),
    handler: async (repo, ctx, _req, [type, id]) => {
      await repo.delete(ctx, knownType(type as string), id as string);
      return { status: 204, headers: {} };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/${TYPE}/?$`),
    handler: async (repo, ctx, req, [type]) => ({
      status: 200,
      headers: {},
      body: await repo.search(ctx, knownType(type as string), req.query, req.baseUrl),
    }),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/${TYPE}/?$`),
    handler: async (repo, ctx, req, [type]) => {
      const body = requireBody(req);
      knownType(type as string);
      if (body.resourceType !== type) {
        throw new AppError('INVALID_RESOURCE', `The body is ${String(body.resourceType).slice(0, 64)}, the URL names ${type}`, {
          field: 'resourceType',
        });
      }
      const r = await repo.create(ctx, body, { ifNoneExist: req.headers['if-none-exist'] });
      return { status: r.created ? 201 : 200, headers: versionHeaders(r.resource, req.baseUrl, true), body: r.resource };
    },
  },
];

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('BAD_REQUEST', 'The URL holds a malformed %-escape');
  }
}

/** Routes one request through the table. Unknown paths answer 404, unknown types 400. */
export async function handleFhirRequest(repo: FhirRepository, ctx: RequestContext, req: FhirRequest): Promise<FhirResponse> {
  const path = req.path === '' ? '/' : req.path;
  // An unknown type is refused before anything touches the store.
  const first = /^\/([^/?]+)/.exec(path)?.[1];
  if (first !== undefined && first !== 'metadata') knownType(decode(first));
  let pathMatched = false;
  for (const route of FHIR_ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    return route.handler(repo, ctx, req, m.slice(1).map(decode));
  }
  if (pathMatched) throw new AppError('BAD_REQUEST', `${req.method} is not supported on ${path}`);
  throw new AppError('NOT_FOUND', `No FHIR interaction at ${path}`);
}
