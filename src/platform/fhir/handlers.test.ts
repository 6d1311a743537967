import { describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { systemContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { handleFhirRequest, type FhirRequest } from './handlers.ts';
import type { FhirRepository } from './repository.ts';

const ctx = systemContext('clinic-a', 'test');
const BASE = 'https://h/fhir/R4';
const stored: Resource = { resourceType: 'Patient', id: 'p1', meta: { versionId: '3', lastUpdated: '2021-07-10T10:00:00.000Z' } };

/** A strict fake: each test names the one method it expects; any other call fails. */
function fakeRepo(calls: string[], impl: Partial<FhirRepository>): FhirRepository {
  return new Proxy({} as FhirRepository, {
    get(_t, name: string) {
      const fn = (impl as Record<string, unknown>)[name];
      if (typeof fn !== 'function') throw new Error(`unexpected repository call: ${name}`);
      return (...args: unknown[]) => {
        calls.push(`${name}(${args.slice(1).filter((a) => typeof a === 'string').join(',')})`);
        return (fn as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

const req = (method: string, path: string, extra: Partial<FhirRequest> = {}): FhirRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers: {},
  body: undefined,
  baseUrl: BASE,
  ...extra,
});

describe('FHIR handler table', () => {
  it('read answers the resource with ETag and Last-Modified', async () => {
    const calls: string[] = [];
    const res = await handleFhirRequest(fakeRepo(calls, { read: async () => stored }), ctx, req('GET', '/Patient/p1'));
    expect(calls).toEqual(['read(Patient,p1)']);
    expect(res).toEqual({ status: 200, headers: { etag: 'W/"3"', 'last-modified': 'Sat, 10 Jul 2021 10:00:00 GMT' }, body: stored });
  });

  it('create answers 201 with Location, or 200 for an If-None-Exist match', async () => {
    const calls: string[] = [];
    const repo = fakeRepo(calls, { create: async (_c, r, o) => ({ resource: { ...r, ...stored }, created: o?.ifNoneExist === undefined }) });
    const made = await handleFhirRequest(repo, ctx, req('POST', '/Patient', { body: { resourceType: 'Patient' } }));
    expect(made.status).toBe(201);
    expect(made.headers.location).toBe(`${BASE}/Patient/p1/_history/3`);
    const matched = await handleFhirRequest(repo, ctx, req('POST', '/Patient', { body: { resourceType: 'Patient' }, headers: { 'if-none-exist': 'identifier=a|b' } }));
    expect(matched.status).toBe(200);
  });

  it('update passes If-Match and answers 201 when it created the resource', async () => {
    let seen: string | undefined;
    const repo = fakeRepo([], {
      update: async (_c, _t, _i, r, o) => {
        seen = o?.ifMatch;
        return { resource: { ...r, ...stored }, created: true };
      },
    });
    const res = await handleFhirRequest(repo, ctx, req('PUT', '/Patient/p1', { body: { resourceType: 'Patient', id: 'p1' }, headers: { 'if-match': 'W/"2"' } }));
    expect(seen).toBe('W/"2"');
    expect(res.status).toBe(201);
  });

  it('routes vread, history, search, $everything, delete and bundles', async () => {
    const calls: string[] = [];
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
    const repo = fakeRepo(calls, {
      vread: async () => stored,
      history: async () => bundle,
      search: async () => bundle,
      everything: async () => bundle,
      delete: async () => undefined,
      processBundle: async () => bundle,
    });
    await handleFhirRequest(repo, ctx, req('GET', '/Patient/p1/_history/2'));
    await handleFhirRequest(repo, ctx, req('GET', '/Patient/p1/_history'));
    await handleFhirRequest(repo, ctx, req('GET', '/Observation'));
    await handleFhirRequest(repo, ctx, req('GET', '/Patient/p1/$everything'));
    expect((await handleFhirRequest(repo, ctx, req('DELETE', '/Patient/p1'))).status).toBe(204);
    await handleFhirRequest(repo, ctx, req('POST', '/', { body: bundle }));
    expect(calls).toEqual([
      'vread(Patient,p1,2)',
      'history(Patient,p1,https://h/fhir/R4)',
      'search(Observation,https://h/fhir/R4)',
      'everything(p1,https://h/fhir/R4)',
      'delete(Patient,p1)',
      'processBundle(https://h/fhir/R4)',
    ]);
  });

  it('refuses unknown types (400), unknown paths (404), a missing body and mismatched types, without touching the store', async () => {
    const repo = fakeRepo([], {});
    const code = async (r: FhirRequest) => {
      try {
        await handleFhirRequest(repo, ctx, r);
      } catch (e) {
        if (e instanceof AppError) return [e.code, e.field];
      }
      return undefined;
    };
    expect(await code(req('GET', '/Spaceship/1'))).toEqual(['UNKNOWN_RESOURCE_TYPE', 'resourceType']);
    expect(await code(req('GET', '/Spaceship'))).toEqual(['UNKNOWN_RESOURCE_TYPE', 'resourceType']);
    expect(await code(req('GET', '/Patient/1/_history/2/extra'))).toEqual(['NOT_FOUND', undefined]);
    expect(await code(req('POST', '/Patient'))).toEqual(['INVALID_RESOURCE', 'resourceType']);
    expect(await code(req('POST', '/Patient', { body: [] }))).toEqual(['INVALID_RESOURCE', 'resourceType']);
    expect(await code(req('POST', '/Observation', { body: { resourceType: 'Patient' } }))).toEqual(['INVALID_RESOURCE', 'resourceType']);
    expect(await code(req('PATCH', '/Patient/1'))).toEqual(['BAD_REQUEST', undefined]);
  });
});
