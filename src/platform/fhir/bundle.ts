/**
 * Batch and transaction Bundles (http://hl7.org/fhir/R4/http.html#transaction).
 *
 * transaction: all or nothing, in one database transaction, processed in the FHIR order
 * DELETE, POST, PUT, GET; urn:uuid / fullUrl placeholders rewritten everywhere (contained
 * resources and nested elements included); conditional references resolved among the
 * caller's visible resources; ifNoneExist honoured; written in bulk.
 * batch: each entry on its own, with its own status or OperationOutcome.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleEntryResponse, Resource } from '@medplum/fhirtypes';
import type { AuditInput } from '../audit/types.ts';
import type { RequestContext } from '../context.ts';
import type { Queryable } from '../db/database.ts';
import { AppError, isAppError } from '../errors.ts';
import { operationOutcome } from '../http/problem.ts';
import { assertCanReadType, assertCanWrite, canSeeRow, touchesPatientData } from './access.ts';
import { isResourceType } from './definitions.ts';
import type { RepositoryInternals } from './repository.ts';
import { ID_PATTERN } from './references.ts';
import { getRows, writeVersions, type StoredRow, type VersionWrite } from './store.ts';
import { validateFhirResource } from './validate.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface ParsedEntry {
  readonly index: number;
  readonly method: Method;
  readonly type: string;
  /** For PUT, DELETE and read GETs. */
  readonly id?: string | undefined;
  /** For search GETs (`Type?query`). */
  readonly query?: string | undefined;
  readonly fullUrl?: string | undefined;
  readonly resource?: Resource | undefined;
  readonly ifNoneExist?: string | undefined;
  readonly ifMatch?: string | undefined;
}

const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };

function entryField(i: number, rest: string): string {
  return `Bundle.entry[${i}].${rest}`;
}

/** Checks one entry's shape; throws AppError naming the element. */
function parseEntry(raw: unknown, i: number, bundleType: 'batch' | 'transaction'): ParsedEntry {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AppError('INVALID_RESOURCE', `Bundle.entry[${i}] must be an object`, { field: `Bundle.entry[${i}]` });
  }
  const e = raw as BundleEntry;
  const req = e.request;
  if (!req || typeof req !== 'object') {
    throw new AppError('INVALID_RESOURCE', `A ${bundleType} entry needs a request`, { field: entryField(i, 'request') });
  }
  const method = req.method as string;
  if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
    throw new AppError('INVALID_RESOURCE', `request.method "${String(method).slice(0, 10)}" is not supported (GET, POST, PUT, DELETE)`, {
      field: entryField(i, 'request.method'),
    });
  }
  if (typeof req.url !== 'string' || req.url === '') {
    throw new AppError('INVALID_RESOURCE', 'request.url is required', { field: entryField(i, 'request.url') });
  }
  const url = req.url.replace(/^\//, '');
  const m = /^([A-Za-z]+)(?:\/([^/?]+))?(?:\?(.*))?$/.exec(url);
  const type = m?.[1];
  if (!m || !type) throw new AppError('INVALID_RESOURCE', 'request.url is not understood', { field: entryField(i, 'request.url') });
  if (!isResourceType(type)) {
    throw new AppError('UNKNOWN_RESOURCE_TYPE', `"${type.slice(0, 64)}" is not a FHIR R4 resource type`, { field: entryField(i, 'request.url') });
  }
  const id = m[2];
  const query = m[3];
  if (id !== undefined && !ID_PATTERN.test(id)) {
    throw new AppError('INVALID_RESOURCE', 'request.url holds an invalid id', { field: entryField(i, 'request.url') });
  }
  const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
  const base = { index: i, method: method as Method, type, fullUrl };
  switch (method) {
    case 'POST': {
      if (id !== undefined) throw new AppError('INVALID_RESOURCE', 'POST goes to the type, not an id', { field: entryField(i, 'request.url') });
      validateFhirResource(e.resource, entryField(i, 'resource'));
      if (e.resource.resourceType !== type) {
        throw new AppError('INVALID_RESOURCE', `The resource is a ${e.resource.resourceType}, request.url names ${type}`, {
          field: entryField(i, 'request.url'),
        });
      }
      return { ...base, resource: e.resource, ifNoneExist: req.ifNoneExist };
    }
    case 'PUT': {
      if (id === undefined) {
        throw new AppError('INVALID_RESOURCE', 'PUT needs Type/id (conditional update is not supported)', { field: entryField(i, 'request.url') });
      }
      validateFhirResource(e.resource, entryField(i, 'resource'));
      if (e.resource.resourceType !== type || (e.resource.id !== undefined && e.resource.id !== id)) {
        throw new AppError('INVALID_RESOURCE', 'The resource does not match request.url', { field: entryField(i, 'resource.id') });
      }
      return { ...base, id, resource: e.resource, ifMatch: req.ifMatch };
    }
    case 'DELETE':
      if (id === undefined) {
        throw new AppError('INVALID_RESOURCE', 'DELETE needs Type/id (conditional delete is not supported)', { field: entryField(i, 'request.url') });
      }
      return { ...base, id };
    default:
      return { ...base, id, query: id === undefined ? (query ?? '') : undefined };
  }
}

function status(code: number, text: string): string {
  return `${code} ${text}`;
}

function writeResponse(w: VersionWrite, created: boolean): BundleEntryResponse {
  return {
    status: created ? status(201, 'Created') : status(200, 'OK'),
    location: `${w.resourceType}/${w.id}/_history/${w.versionId}`,
    etag: `W/"${w.versionId}"`,
    lastModified: w.lastUpdated,
  };
}

async function runGet(x: RepositoryInternals, ctx: RequestContext, e: ParsedEntry, baseUrl: string, q: Queryable): Promise<BundleEntry> {
  if (e.id !== undefined) {
    const row = await x.readRow(q, ctx, e.type, e.id);
    return {
      resource: row.content,
      response: { status: status(200, 'OK'), etag: `W/"${row.versionId}"`, lastModified: row.lastUpdated },
    };
  }
  const result = await x.searchBundle(q, ctx, e.type, new URLSearchParams(e.query ?? ''), baseUrl);
  return { resource: result, response: { status: status(200, 'OK') } };
}

/** Processes a batch or transaction Bundle; answers the matching response Bundle. */
export async function processBundle(x: RepositoryInternals, ctx: RequestContext, input: unknown, baseUrl: string): Promise<Bundle> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('INVALID_RESOURCE', 'The body must be a Bundle', { field: 'Bundle' });
  }
  const bundle = input as Bundle;
  if (bundle.resourceType !== 'Bundle') {
    throw new AppError('INVALID_RESOURCE', 'POST to the base accepts only a Bundle', { field: 'resourceType' });
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw new AppError('INVALID_RESOURCE', 'Bundle.type must be batch or transaction', { field: 'Bundle.type' });
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new AppError('INVALID_RESOURCE', 'Bundle.entry must be an array', { field: 'Bundle.entry' });
  }
  const raw = bundle.entry ?? [];
  return bundle.type === 'batch' ? processBatch(x, ctx, raw, baseUrl) : processTransaction(x, ctx, raw, baseUrl);
}

async function processBatch(x: RepositoryInternals, ctx: RequestContext, raw: unknown[], baseUrl: string): Promise<Bundle> {
  const repo = x.public;
  const out: BundleEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      const e = parseEntry(raw[i], i, 'batch');
      switch (e.method) {
        case 'POST': {
          const r = await repo.create(ctx, e.resource as Resource, { ifNoneExist: e.ifNoneExist });
          const v = r.resource.meta?.versionId ?? '1';
          out.push({
            response: {
              status: r.created ? status(201, 'Created') : status(200, 'OK'),
              location: `${e.type}/${r.resource.id}/_history/${v}`,
              etag: `W/"${v}"`,
              lastModified: r.resource.meta?.lastUpdated,
            },
          });
          break;
        }
        case 'PUT': {
          const r = await repo.update(ctx, e.type, e.id as string, e.resource as Resource, { ifMatch: e.ifMatch });
          const v = r.resource.meta?.versionId ?? '1';
          out.push({
            response: {
              status: r.created ? status(201, 'Created') : status(200, 'OK'),
              location: `${e.type}/${e.id}/_history/${v}`,
              etag: `W/"${v}"`,
              lastModified: r.resource.meta?.lastUpdated,
            },
          });
          break;
        }
        case 'DELETE':
          await repo.delete(ctx, e.type, e.id as string);
          out.push({ response: { status: status(204, 'No Content') } });
          break;
        case 'GET':
          if (e.id !== undefined) {
            const r = await repo.read(ctx, e.type, e.id);
            out.push({ resource: r, response: { status: status(200, 'OK'), etag: `W/"${r.meta?.versionId}"`, lastModified: r.meta?.lastUpdated } });
          } else {
            out.push({ resource: await repo.search(ctx, e.type, new URLSearchParams(e.query ?? ''), baseUrl), response: { status: status(200, 'OK') } });
          }
          break;
      }
    } catch (err) {
      if (!isAppError(err)) throw err;
      out.push({ response: { status: String(err.status), outcome: operationOutcome(err) } });
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: out };
}

async function processTransaction(x: RepositoryInternals, ctx: RequestContext, raw: unknown[], baseUrl: string): Promise<Bundle> {
  const entries = raw.map((r, i) => parseEntry(r, i, 'transaction'));
  const seenFullUrls = new Set<string>();
  for (const e of entries) {
    if (e.fullUrl && (e.method === 'POST' || e.method === 'PUT')) {
      if (seenFullUrls.has(e.fullUrl)) {
        throw new AppError('INVALID_RESOURCE', 'Two entries share this fullUrl', { field: entryField(e.index, 'fullUrl') });
      }
      seenFullUrls.add(e.fullUrl);
    }
  }
  const order = [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
  const responses: BundleEntry[] = new Array(entries.length);
  const auditInputs: AuditInput[] = [];
  try {
    await x.deps.database.transaction(async (tx) => {
      const now = x.deps.clock().toISOString();
      // 1. DELETE
      const deletes = order.filter((e) => e.method === 'DELETE');
      const delRows = await getRows(tx, deletes.map((e) => `${e.type}/${e.id}`), true);
      const deleteWrites: VersionWrite[] = [];
      for (const e of deletes) {
        assertCanReadType(ctx.principal, e.type);
        const row = delRows.get(`${e.type}/${e.id}`);
        if (!row || !canSeeRow(ctx.principal, row)) {
          throw new AppError('NOT_FOUND', `${e.type}/${e.id} was not found`, { field: entryField(e.index, 'request.url') });
        }
        assertCanWrite(ctx.principal, e.type, row.patientId, 'delete');
        if (!row.deleted) {
          deleteWrites.push({ ...rowKey(row), versionId: row.versionId + 1, lastUpdated: now, clinicId: row.clinicId, patientId: row.patientId, content: null, index: [] });
          if (touchesPatientData(e.type, row.patientId)) {
            auditInputs.push({ action: 'delete', outcome: 'success', resourceType: e.type, resourceId: e.id, patientId: row.patientId ?? undefined });
          }
        }
        responses[e.index] = { response: { status: status(204, 'No Content') } };
      }
      await writeVersions(tx, deleteWrites);

      // 2. Placeholders: POSTs that match their ifNoneExist point at the match; the rest get new ids.
      const placeholders = new Map<string, string>();
      const localTargets = new Set<string>();
      const toWrite: { e: ParsedEntry; resource: Resource }[] = [];
      for (const e of order) {
        if (e.method !== 'POST' && e.method !== 'PUT') continue;
        assertCanReadType(ctx.principal, e.type);
        let id: string;
        if (e.method === 'POST' && e.ifNoneExist) {
          const matches = await x.findMatches(tx, ctx, e.type, e.ifNoneExist, entryField(e.index, 'request.ifNoneExist'), 2);
          if (matches.length > 1) {
            throw new AppError('MULTIPLE_MATCHES', `ifNoneExist matches more than one ${e.type}`, { field: entryField(e.index, 'request.ifNoneExist') });
          }
          const m = matches[0] as StoredRow | undefined;
          if (m) {
            if (e.fullUrl) placeholders.set(e.fullUrl, `${e.type}/${m.id}`);
            responses[e.index] = {
              response: { status: status(200, 'OK'), location: `${e.type}/${m.id}/_history/${m.versionId}`, etag: `W/"${m.versionId}"`, lastModified: m.lastUpdated },
            };
            continue;
          }
        }
        id = e.method === 'PUT' ? (e.id as string) : randomUUID();
        const resource = structuredClone(e.resource as Resource);
        resource.id = id;
        if (e.fullUrl) placeholders.set(e.fullUrl, `${e.type}/${id}`);
        localTargets.add(`${e.type}/${id}`);
        toWrite.push({ e, resource });
      }

      // 3. References everywhere, then versions, compartments and access.
      await x.resolveReferences(
        tx,
        ctx,
        toWrite.map(({ e, resource }) => ({ resource, prefix: entryField(e.index, 'resource') })),
        placeholders,
        localTargets,
        baseUrl,
      );
      const { writes, created } = await x.prepareWrites(
        tx,
        ctx,
        toWrite.map(({ e, resource }) => ({ resource, ifMatch: e.ifMatch, prefix: entryField(e.index, '') .replace(/\.$/, '') })),
        now,
      );
      await writeVersions(tx, writes);
      writes.forEach((w, k) => {
        const { e } = toWrite[k] as { e: ParsedEntry };
        const wasCreated = created[k] as boolean;
        responses[e.index] = { response: writeResponse(w, wasCreated) };
        if (touchesPatientData(w.resourceType, w.patientId)) {
          auditInputs.push({
            action: wasCreated ? 'create' : 'update',
            outcome: 'success',
            resourceType: w.resourceType,
            resourceId: w.id,
            patientId: w.patientId ?? undefined,
          });
        }
      });

      // 4. GET, seeing this transaction's writes.
      for (const e of order.filter((o) => o.method === 'GET')) {
        try {
          responses[e.index] = await runGet(x, ctx, e, baseUrl, tx);
        } catch (err) {
          if (isAppError(err) && !err.field) throw new AppError(err.code, err.message, { field: entryField(e.index, 'request.url') });
          throw err;
        }
        if (touchesPatientData(e.type, null)) {
          auditInputs.push({ action: e.id ? 'read' : 'search', outcome: 'success', resourceType: e.type, resourceId: e.id });
        }
      }
      await x.audit(ctx, auditInputs, tx);
    });
  } catch (err) {
    if (isAppError(err) && err.code === 'FORBIDDEN') {
      await x.audit(ctx, [{ action: 'import', outcome: 'denied', detail: { entries: entries.length, code: err.code } }]).catch(() => undefined);
    }
    throw err;
  }
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
}

function rowKey(row: StoredRow): { resourceType: string; id: string } {
  return { resourceType: row.resourceType, id: row.id };
}
