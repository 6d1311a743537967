/**
 * The FHIR R4 store: create, read, vread, versioned update, delete, history, search,
 * batch/transaction bundles and Patient/$everything, over PostgreSQL (or PGlite).
 *
 * Every method takes the caller's RequestContext first and enforces access here (see
 * access.ts), and writes the audit log for anything touching patient data: writes in the
 * same transaction as the data, so both commit or neither does.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { AuditAction, AuditInput, AuditLog } from '../audit/types.ts';
import type { Clock } from '../clock.ts';
import type { RequestContext } from '../context.ts';
import type { Database, Queryable, Tx } from '../db/database.ts';
import { AppError, isAppError } from '../errors.ts';
import { assertCanReadType, assertCanWrite, canSeeRow, touchesPatientData } from './access.ts';
import { processBundle as runBundle } from './bundle.ts';
import { patientCompartment } from './compartment.ts';
import { ensureDefinitions, isResourceType, searchParamsFor } from './definitions.ts';
import { findReferences, ID_PATTERN, parseReference } from './references.ts';
import { indexRows } from './search-index.ts';
import { parseSearch, type SearchRequest } from './search-params.ts';
import { analyzeTables, compartmentRows, getHistory, getRow, getRows, searchRows, writeVersions, type StoredRow, type VersionWrite } from './store.ts';
import { validateFhirResource } from './validate.ts';

export interface FhirRepositoryDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

export interface WriteResult<T extends Resource = Resource> {
  readonly resource: T;
  /** True when a new resource was made (201), false for an update or an If-None-Exist match (200). */
  readonly created: boolean;
}

export interface FhirRepository {
  /**
   * `tx`: write inside the caller's open transaction (as a savepoint), so a service's own rows
   * and its FHIR resources commit together; refusals are then not audited separately.
   */
  create<T extends Resource>(ctx: RequestContext, resource: T, opts?: { ifNoneExist?: string | undefined; tx?: Tx | undefined }): Promise<WriteResult<T>>;
  read(ctx: RequestContext, type: string, id: string): Promise<Resource>;
  vread(ctx: RequestContext, type: string, id: string, versionId: string): Promise<Resource>;
  update<T extends Resource>(
    ctx: RequestContext,
    type: string,
    id: string,
    resource: T,
    opts?: { ifMatch?: string | undefined; tx?: Tx | undefined },
  ): Promise<WriteResult<T>>;
  delete(ctx: RequestContext, type: string, id: string): Promise<void>;
  history(ctx: RequestContext, type: string, id: string, params: URLSearchParams, baseUrl?: string): Promise<Bundle>;
  search(ctx: RequestContext, type: string, params: URLSearchParams, baseUrl: string): Promise<Bundle>;
  /** A batch or transaction Bundle; answers the batch-response / transaction-response Bundle. */
  processBundle(ctx: RequestContext, bundle: unknown, baseUrl: string): Promise<Bundle>;
  /** Patient/$everything: the Patient, its compartment, and what those reference (one level). */
  everything(ctx: RequestContext, patientId: string, baseUrl: string): Promise<Bundle>;
}

/** What bundle.ts needs from the repository's internals. */
export interface RepositoryInternals {
  readonly deps: FhirRepositoryDeps;
  readonly public: FhirRepository;
  /** Resolves conditional, placeholder and literal references in place; checks that targets exist. */
  resolveReferences(
    q: Queryable,
    ctx: RequestContext,
    items: readonly { resource: Resource; prefix: string }[],
    placeholders: ReadonlyMap<string, string>,
    localTargets: ReadonlySet<string>,
    baseUrl: string | undefined,
  ): Promise<void>;
  /** Matches of a conditional query (`identifier=sys|val`) visible to the caller, at most `limit`. */
  findMatches(q: Queryable, ctx: RequestContext, type: string, query: string, field: string, limit: number): Promise<StoredRow[]>;
  /** Turns resources (ids set, references resolved) into version writes; checks write access. */
  prepareWrites(
    q: Queryable,
    ctx: RequestContext,
    items: readonly { resource: Resource; ifMatch?: string | undefined; prefix: string }[],
    now: string,
  ): Promise<{ writes: VersionWrite[]; created: boolean[] }>;
  audit(ctx: RequestContext, inputs: AuditInput[], q?: Queryable): Promise<void>;
  readRow(q: Queryable, ctx: RequestContext, type: string, id: string): Promise<StoredRow>;
  searchBundle(q: Queryable, ctx: RequestContext, type: string, params: URLSearchParams, baseUrl: string): Promise<Bundle>;
}

/** `W/"3"` or `"3"` or `3` → `3`. */
export function parseETag(value: string): string {
  return value.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function fail(type: string, id: string): AppError {
  return new AppError('NOT_FOUND', `${type}/${id} was not found`);
}

function checkType(type: string): void {
  if (!isResourceType(type)) {
    throw new AppError('UNKNOWN_RESOURCE_TYPE', `"${type.slice(0, 64)}" is not a FHIR R4 resource type`, { field: 'resourceType' });
  }
}

function checkId(id: string, field = 'id'): void {
  if (!ID_PATTERN.test(id)) throw new AppError('INVALID_RESOURCE', `"${id.slice(0, 80)}" is not a valid FHIR id`, { field });
}

/** The principal's Patient (patient users) or a `patient`/`subject` filter naming one Patient. */
function searchedPatient(ctx: RequestContext, req: SearchRequest): string | undefined {
  const p = ctx.principal;
  if (p.kind === 'user' && p.role === 'patient') return p.patientId;
  if (req.resourceType === 'Patient') {
    const idFilter = req.filters.find((f) => f.kind === 'id');
    if (idFilter?.kind === 'id' && idFilter.values.length === 1) return idFilter.values[0];
  }
  for (const f of req.filters) {
    if (f.kind === 'reference' && (f.param === 'patient' || f.param === 'subject') && f.values.length === 1) {
      const v = f.values[0] as string;
      if (v.startsWith('Patient/')) return v.slice('Patient/'.length);
    }
  }
  return undefined;
}

/** Resources written since the last ANALYZE after which statistics are refreshed. */
const ANALYZE_AFTER_WRITES = 300;

export function createFhirRepository(deps: FhirRepositoryDeps): FhirRepository {
  const { database, clock, audit } = deps;
  let writesSinceAnalyze = 0;
  let analyzing: Promise<void> | undefined;
  /** Counts committed writes; refreshes planner statistics once enough have piled up. */
  const wrote = async (n: number): Promise<void> => {
    writesSinceAnalyze += n;
    if (writesSinceAnalyze < ANALYZE_AFTER_WRITES || analyzing) return;
    writesSinceAnalyze = 0;
    analyzing = analyzeTables(database.db).finally(() => {
      analyzing = undefined;
    });
    await analyzing;
  };

  const recordAudit = async (ctx: RequestContext, inputs: AuditInput[], q?: Queryable): Promise<void> => {
    if (inputs.length === 0) return;
    if (inputs.length === 1) await audit.record(ctx, inputs[0] as AuditInput, q);
    else await audit.recordMany(ctx, inputs, q);
  };

  /** Records a refusal (outside any transaction, which will roll back) and rethrows. */
  const denied = async (ctx: RequestContext, e: unknown, action: AuditAction, resourceType: string, resourceId?: string): Promise<never> => {
    if (isAppError(e) && (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND') && touchesPatientData(resourceType, null)) {
      await recordAudit(ctx, [{ action, outcome: 'denied', resourceType, resourceId, detail: { code: e.code } }]).catch(() => undefined);
    }
    throw e;
  };

  const readRow = async (q: Queryable, ctx: RequestContext, type: string, id: string): Promise<StoredRow> => {
    checkType(type);
    assertCanReadType(ctx.principal, type);
    if (!ID_PATTERN.test(id)) throw fail(type, id);
    const row = await getRow(q, type, id);
    if (!row || !canSeeRow(ctx.principal, row)) throw fail(type, id);
    if (row.deleted) throw new AppError('GONE', `${type}/${id} was deleted`);
    return row;
  };

  const findMatches = async (
    q: Queryable,
    ctx: RequestContext,
    type: string,
    query: string,
    field: string,
    limit: number,
  ): Promise<StoredRow[]> => {
    checkType(type);
    let req: SearchRequest;
    try {
      req = parseSearch(type, new URLSearchParams(query));
    } catch (e) {
      if (isAppError(e)) throw new AppError(e.code, e.message, { field });
      throw e;
    }
    if (req.filters.length === 0) {
      throw new AppError('UNSUPPORTED_SEARCH', 'A conditional query needs at least one search parameter', { field });
    }
    const dateParams = dateParamSet(type);
    const { rows } = await searchRows(q, ctx.principal, { ...req, count: limit, offset: 0, summaryCount: false }, dateParams);
    return rows;
  };

  const resolveReferences: RepositoryInternals['resolveReferences'] = async (q, ctx, items, placeholders, localTargets, baseUrl) => {
    const conditional = new Map<string, string>();
    const toCheck = new Map<string, string>(); // Type/id → first element path that uses it
    for (const { resource, prefix } of items) {
      const containedIds = new Set((('contained' in resource ? resource.contained : undefined) ?? []).map((c) => c.id));
      for (const { path, ref } of findReferences(resource)) {
        const field = prefix ? `${prefix}.${path.slice(resource.resourceType.length + 1)}` : path;
        const mapped = placeholders.get(ref.reference);
        if (mapped !== undefined) {
          ref.reference = mapped;
          continue;
        }
        const parsed = parseReference(ref.reference, baseUrl);
        switch (parsed.kind) {
          case 'contained':
            if (parsed.id !== '' && !containedIds.has(parsed.id)) {
              throw new AppError('BROKEN_REFERENCE', `${field}: no contained resource has the id "${parsed.id.slice(0, 64)}"`, { field });
            }
            break;
          case 'external':
            break;
          case 'placeholder':
            throw new AppError('BROKEN_REFERENCE', `${field}: ${ref.reference.slice(0, 80)} names no entry of this bundle`, { field });
          case 'invalid':
            throw new AppError('BROKEN_REFERENCE', `${field}: "${ref.reference.slice(0, 80)}" is not a reference this server understands`, {
              field,
            });
          case 'conditional': {
            let target = conditional.get(ref.reference);
            if (target === undefined) {
              const matches = await findMatches(q, ctx, parsed.type, parsed.query, field, 2);
              if (matches.length !== 1) {
                throw new AppError(
                  'BROKEN_REFERENCE',
                  `${field}: the conditional reference matches ${matches.length === 0 ? 'no' : 'more than one'} ${parsed.type}`,
                  { field },
                );
              }
              const m = matches[0] as StoredRow;
              target = `${m.resourceType}/${m.id}`;
              conditional.set(ref.reference, target);
            }
            ref.reference = target;
            break;
          }
          case 'literal': {
            if (!isResourceType(parsed.type)) {
              throw new AppError('BROKEN_REFERENCE', `${field}: "${parsed.type.slice(0, 64)}" is not a resource type`, { field });
            }
            const key = `${parsed.type}/${parsed.id}`;
            // Absolute URLs to this server become relative ones.
            if (!ref.reference.startsWith(parsed.type)) ref.reference = parsed.version ? `${key}/_history/${parsed.version}` : key;
            if (!localTargets.has(key) && !toCheck.has(key)) toCheck.set(key, field);
            break;
          }
        }
      }
    }
    if (toCheck.size === 0) return;
    const rows = await getRows(q, [...toCheck.keys()]);
    for (const [key, field] of toCheck) {
      const row = rows.get(key);
      // Visible means: same clinic. A patient may point at their clinic's practitioners.
      if (!row || row.deleted || row.clinicId !== ctx.principal.clinicId) {
        throw new AppError('BROKEN_REFERENCE', `${field}: ${key} does not exist`, { field });
      }
    }
  };

  const prepareWrites: RepositoryInternals['prepareWrites'] = async (q, ctx, items, now) => {
    const existing = await getRows(
      q,
      items.map((i) => `${i.resource.resourceType}/${i.resource.id}`),
      true,
    );
    const writes: VersionWrite[] = [];
    const created: boolean[] = [];
    for (const { resource, ifMatch, prefix } of items) {
      const type = resource.resourceType;
      const id = resource.id as string;
      const prev = existing.get(`${type}/${id}`);
      if (prev && !canSeeRow(ctx.principal, prev)) throw fail(type, id);
      if (ifMatch !== undefined) {
        if (!prev || prev.deleted || parseETag(ifMatch) !== String(prev.versionId)) {
          throw new AppError('VERSION_CONFLICT', `${type}/${id} is at version ${prev?.versionId ?? 'none'}, not ${parseETag(ifMatch).slice(0, 20)}`, {
            field: prefix ? `${prefix}.request.ifMatch` : 'If-Match',
          });
        }
      }
      const patientId = patientCompartment(resource);
      assertCanWrite(ctx.principal, type, patientId, 'write');
      // A patient may not move a resource out of (or into) someone else's compartment.
      if (prev && !prev.deleted && ctx.principal.kind === 'user' && ctx.principal.role === 'patient') {
        assertCanWrite(ctx.principal, type, prev.patientId, 'write');
      }
      const versionId = (prev?.versionId ?? 0) + 1;
      resource.meta = { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated: now };
      writes.push({
        resourceType: type,
        id,
        versionId,
        lastUpdated: now,
        clinicId: ctx.principal.clinicId,
        patientId,
        content: resource,
        index: indexRows(resource),
      });
      created.push(!prev || prev.deleted);
    }
    return { writes, created };
  };

  const searchBundle = async (q: Queryable, ctx: RequestContext, type: string, params: URLSearchParams, baseUrl: string): Promise<Bundle> => {
    checkType(type);
    assertCanReadType(ctx.principal, type);
    const req = parseSearch(type, params);
    const { rows, total } = await searchRows(q, ctx.principal, req, dateParamSet(type));
    return searchsetBundle(type, req, params, rows, total, baseUrl);
  };

  const repo: FhirRepository = {
    async create(ctx, resource, opts = {}) {
      ensureDefinitions();
      validateFhirResource(resource);
      const type = resource.resourceType;
      try {
        assertCanReadType(ctx.principal, type);
        const inTx = <R>(fn: (tx: Tx) => Promise<R>): Promise<R> => (opts.tx ? opts.tx.transaction(fn) : database.transaction(fn));
        const result = await inTx(async (tx): Promise<WriteResult<typeof resource>> => {
          if (opts.ifNoneExist) {
            const matches = await findMatches(tx, ctx, type, opts.ifNoneExist, 'If-None-Exist', 2);
            if (matches.length > 1) {
              throw new AppError('MULTIPLE_MATCHES', `If-None-Exist matches more than one ${type}`, { field: 'If-None-Exist' });
            }
            if (matches.length === 1) {
              const m = matches[0] as StoredRow;
              if (touchesPatientData(type, m.patientId)) {
                await recordAudit(ctx, [{ action: 'read', outcome: 'success', resourceType: type, resourceId: m.id, patientId: m.patientId ?? undefined }], tx);
              }
              return { resource: m.content as typeof resource, created: false };
            }
          }
          const copy = structuredClone(resource);
          copy.id = randomUUID();
          await resolveReferences(tx, ctx, [{ resource: copy, prefix: '' }], new Map(), new Set(), undefined);
          const now = clock().toISOString();
          const { writes } = await prepareWrites(tx, ctx, [{ resource: copy, prefix: '' }], now);
          await writeVersions(tx, writes);
          const w = writes[0] as VersionWrite;
          if (touchesPatientData(type, w.patientId)) {
            await recordAudit(ctx, [{ action: 'create', outcome: 'success', resourceType: type, resourceId: w.id, patientId: w.patientId ?? undefined }], tx);
          }
          return { resource: copy, created: true };
        });
        if (result.created && !opts.tx) await wrote(1);
        return result;
      } catch (e) {
        if (opts.tx) throw e;
        return denied(ctx, e, 'create', type);
      }
    },

    async read(ctx, type, id) {
      ensureDefinitions();
      try {
        const row = await readRow(database.db, ctx, type, id);
        if (touchesPatientData(type, row.patientId)) {
          await recordAudit(ctx, [{ action: 'read', outcome: 'success', resourceType: type, resourceId: id, patientId: row.patientId ?? undefined }]);
        }
        return row.content;
      } catch (e) {
        return denied(ctx, e, 'read', type, id);
      }
    },

    async vread(ctx, type, id, versionId) {
      ensureDefinitions();
      try {
        checkType(type);
        assertCanReadType(ctx.principal, type);
        const row = ID_PATTERN.test(id) ? await getRow(database.db, type, id) : undefined;
        if (!row || !canSeeRow(ctx.principal, row) || !/^\d{1,9}$/.test(versionId)) throw fail(type, `${id}/_history/${versionId.slice(0, 20)}`);
        const [version] = await getHistory(database.db, type, id, Number(versionId));
        if (!version) throw fail(type, `${id}/_history/${versionId}`);
        if (version.deleted || !version.content) throw new AppError('GONE', `${type}/${id} version ${versionId} is a deletion`);
        if (touchesPatientData(type, row.patientId)) {
          await recordAudit(ctx, [
            { action: 'vread', outcome: 'success', resourceType: type, resourceId: id, patientId: row.patientId ?? undefined, detail: { versionId: version.versionId } },
          ]);
        }
        return version.content;
      } catch (e) {
        return denied(ctx, e, 'vread', type, id);
      }
    },

    async update(ctx, type, id, resource, opts = {}) {
      ensureDefinitions();
      checkType(type);
      checkId(id);
      validateFhirResource(resource);
      if (resource.resourceType !== type) {
        throw new AppError('INVALID_RESOURCE', `The body is a ${resource.resourceType}, the URL names ${type}`, { field: `${resource.resourceType}.resourceType` });
      }
      if (resource.id !== undefined && resource.id !== id) {
        throw new AppError('INVALID_RESOURCE', `The body's id "${String(resource.id).slice(0, 64)}" differs from the URL's "${id}"`, { field: `${type}.id` });
      }
      try {
        assertCanReadType(ctx.principal, type);
        const inTx = <R>(fn: (tx: Tx) => Promise<R>): Promise<R> => (opts.tx ? opts.tx.transaction(fn) : database.transaction(fn));
        const result = await inTx(async (tx): Promise<WriteResult<typeof resource>> => {
          const copy = structuredClone(resource);
          copy.id = id;
          await resolveReferences(tx, ctx, [{ resource: copy, prefix: '' }], new Map(), new Set([`${type}/${id}`]), undefined);
          const now = clock().toISOString();
          const { writes, created } = await prepareWrites(tx, ctx, [{ resource: copy, ifMatch: opts.ifMatch, prefix: '' }], now);
          await writeVersions(tx, writes);
          const w = writes[0] as VersionWrite;
          const wasCreated = created[0] as boolean;
          if (touchesPatientData(type, w.patientId)) {
            await recordAudit(
              ctx,
              [{ action: wasCreated ? 'create' : 'update', outcome: 'success', resourceType: type, resourceId: id, patientId: w.patientId ?? undefined }],
              tx,
            );
          }
          return { resource: copy, created: wasCreated };
        });
        if (!opts.tx) await wrote(1);
        return result;
      } catch (e) {
        if (opts.tx) throw e;
        return denied(ctx, e, 'update', type, id);
      }
    },

    async delete(ctx, type, id) {
      ensureDefinitions();
      try {
        checkType(type);
        assertCanReadType(ctx.principal, type);
        await database.transaction(async (tx) => {
          const row = ID_PATTERN.test(id) ? await getRow(tx, type, id, true) : undefined;
          if (!row || !canSeeRow(ctx.principal, row)) throw fail(type, id);
          assertCanWrite(ctx.principal, type, row.patientId, 'delete');
          if (row.deleted) return; // deleting twice changes nothing
          const now = clock().toISOString();
          await writeVersions(tx, [
            { resourceType: type, id, versionId: row.versionId + 1, lastUpdated: now, clinicId: row.clinicId, patientId: row.patientId, content: null, index: [] },
          ]);
          if (touchesPatientData(type, row.patientId)) {
            await recordAudit(ctx, [{ action: 'delete', outcome: 'success', resourceType: type, resourceId: id, patientId: row.patientId ?? undefined }], tx);
          }
        });
      } catch (e) {
        return denied(ctx, e, 'delete', type, id);
      }
    },

    async history(ctx, type, id, params, baseUrl = '') {
      ensureDefinitions();
      try {
        checkType(type);
        assertCanReadType(ctx.principal, type);
        let count = 100;
        for (const [k, v] of params) {
          if (k === '_count' && /^\d{1,4}$/.test(v) && Number(v) <= 1000) count = Number(v);
          else if (k !== '_format' && k !== '_pretty') throw new AppError('UNSUPPORTED_SEARCH', `${k}: not supported for _history`, { field: k });
        }
        const row = ID_PATTERN.test(id) ? await getRow(database.db, type, id) : undefined;
        if (!row || !canSeeRow(ctx.principal, row)) throw fail(type, id);
        const versions = await getHistory(database.db, type, id, undefined, count);
        if (touchesPatientData(type, row.patientId)) {
          await recordAudit(ctx, [
            { action: 'history', outcome: 'success', resourceType: type, resourceId: id, patientId: row.patientId ?? undefined, detail: { count: versions.length } },
          ]);
        }
        return {
          resourceType: 'Bundle',
          type: 'history',
          total: row.versionId,
          entry: versions.map((v) => ({
            fullUrl: `${baseUrl}/${type}/${id}`,
            ...(v.content && !v.deleted ? { resource: v.content } : {}),
            request: { method: v.deleted ? 'DELETE' : v.versionId === 1 ? 'POST' : 'PUT', url: v.versionId === 1 ? type : `${type}/${id}` },
            response: { status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200', etag: `W/"${v.versionId}"`, lastModified: v.lastUpdated },
          })),
        } satisfies Bundle;
      } catch (e) {
        return denied(ctx, e, 'history', type, id);
      }
    },

    async search(ctx, type, params, baseUrl) {
      ensureDefinitions();
      try {
        const bundle = await searchBundle(database.db, ctx, type, params, baseUrl);
        if (touchesPatientData(type, null)) {
          const req = parseSearch(type, params);
          await recordAudit(ctx, [
            {
              action: 'search',
              outcome: 'success',
              resourceType: type,
              patientId: searchedPatient(ctx, req),
              detail: { params: [...new Set(params.keys())], matches: bundle.total ?? 0, returned: bundle.entry?.length ?? 0 },
            },
          ]);
        }
        return bundle;
      } catch (e) {
        return denied(ctx, e, 'search', type);
      }
    },

    async processBundle(ctx, bundle, baseUrl) {
      ensureDefinitions();
      const response = await runBundle(internals, ctx, bundle, baseUrl);
      await wrote((response.entry ?? []).filter((e) => /^20[01]/.test(e.response?.status ?? '') && e.response?.location).length);
      return response;
    },

    async everything(ctx, patientId, baseUrl) {
      ensureDefinitions();
      try {
        const patient = await readRow(database.db, ctx, 'Patient', patientId);
        const rows = await compartmentRows(database.db, ctx.principal, patientId);
        const included = new Set(rows.map((r) => `${r.resourceType}/${r.id}`));
        included.add(`Patient/${patientId}`);
        const wanted = new Set<string>();
        for (const r of [patient, ...rows]) {
          for (const { ref } of findReferences(r.content)) {
            const p = parseReference(ref.reference, baseUrl);
            if (p.kind === 'literal') {
              const key = `${p.type}/${p.id}`;
              if (!included.has(key)) wanted.add(key);
            }
          }
        }
        const referenced = [...(await getRows(database.db, [...wanted])).values()].filter(
          (r) => !r.deleted && r.clinicId === ctx.principal.clinicId && (r.patientId === null || r.patientId === patientId),
        );
        const all = [patient, ...rows.filter((r) => !(r.resourceType === 'Patient' && r.id === patientId)), ...referenced];
        await recordAudit(ctx, [
          { action: 'everything', outcome: 'success', resourceType: 'Patient', resourceId: patientId, patientId, detail: { count: all.length } },
        ]);
        return {
          resourceType: 'Bundle',
          type: 'searchset',
          total: all.length,
          link: [{ relation: 'self', url: `${baseUrl}/Patient/${patientId}/$everything` }],
          entry: all.map((r) => ({
            fullUrl: `${baseUrl}/${r.resourceType}/${r.id}`,
            resource: r.content,
            search: { mode: r === patient || r.patientId === patientId ? 'match' : 'include' },
          })),
        } satisfies Bundle;
      } catch (e) {
        return denied(ctx, e, 'everything', 'Patient', patientId);
      }
    },
  };

  const internals: RepositoryInternals = {
    deps,
    public: repo,
    resolveReferences,
    findMatches,
    prepareWrites,
    audit: recordAudit,
    readRow,
    searchBundle,
  };
  return repo;
}

const dateParamCache = new Map<string, Set<string>>();
function dateParamSet(type: string): Set<string> {
  let s = dateParamCache.get(type);
  if (!s) {
    s = new Set([...searchParamsFor(type).values()].filter((d) => d.type === 'date').map((d) => d.code));
    dateParamCache.set(type, s);
  }
  return s;
}

function searchsetBundle(type: string, req: SearchRequest, params: URLSearchParams, rows: StoredRow[], total: number, baseUrl: string): Bundle {
  const link = (offset: number): string => {
    const p = new URLSearchParams([...params].filter(([k]) => k !== '_offset'));
    if (!p.has('_count')) p.set('_count', String(req.count));
    p.set('_offset', String(offset));
    return `${baseUrl}/${type}?${p.toString()}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: link(req.offset) }];
  if (!req.summaryCount && req.count > 0 && req.offset + req.count < total) links.push({ relation: 'next', url: link(req.offset + req.count) });
  if (!req.summaryCount && req.offset > 0) links.push({ relation: 'previous', url: link(Math.max(0, req.offset - Math.max(req.count, 1))) });
  const entry: BundleEntry[] = rows.map((r) => ({ fullUrl: `${baseUrl}/${type}/${r.id}`, resource: r.content, search: { mode: 'match' } }));
  return { resourceType: 'Bundle', type: 'searchset', total, link: links, ...(entry.length ? { entry } : {}) };
}
