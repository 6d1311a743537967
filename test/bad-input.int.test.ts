/**
 * The bad-input suite in one table: each malformed, mistyped, oversized, unknown, broken
 * or hostile request gets a clear 4xx naming what is wrong (problem+json outside FHIR, an
 * OperationOutcome under /fhir/R4), nothing is half-written, and the server keeps serving.
 * Each room's own tests go deeper; this is the view from the door.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execute } from '../src/platform/db/database.ts';
import { DB_KINDS } from './support/database.ts';
import { openTestApp, type TestApp } from './support/app.ts';

interface Case {
  name: string;
  as?: 'nurse' | 'admin' | 'anonymous';
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  contentType?: string;
  body?: string;
  status: number;
  code: string;
  /** The field (problem+json) or FHIRPath expression (OperationOutcome) named in the answer. */
  field?: string;
}

const json = (v: unknown): string => JSON.stringify(v);
const FHIR = 'application/fhir+json';

const CASES: Case[] = [
  // Outside FHIR: application/problem+json.
  { name: 'malformed JSON', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'application/json', body: '{"email":', status: 400, code: 'MALFORMED_JSON' },
  { name: 'empty JSON body', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'application/json', body: '', status: 400, code: 'MALFORMED_JSON' },
  { name: 'wrong type for a field', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'application/json', body: json({ email: 42, password: 'x' }), status: 400, code: 'VALIDATION_FAILED', field: 'body.email' },
  { name: 'missing field', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'application/json', body: json({ email: 'a@b.test' }), status: 400, code: 'VALIDATION_FAILED', field: 'body.password' },
  { name: 'unsupported content type', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'text/csv', body: 'email,password', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversized body', as: 'anonymous', method: 'POST', url: '/api/auth/login', contentType: 'application/json', body: json({ email: 'a@b.test', password: 'x'.repeat(70_000) }), status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'bad query parameter', as: 'admin', method: 'GET', url: '/api/audit?limit=lots', status: 400, code: 'VALIDATION_FAILED', field: 'querystring.limit' },
  { name: 'unknown role for a new user', as: 'admin', method: 'POST', url: '/api/users', contentType: 'application/json', body: json({ email: 'new@a.test', displayName: 'New', role: 'wizard', password: 'long-enough-password' }), status: 400, code: 'VALIDATION_FAILED', field: 'body.role' },
  { name: 'no route', as: 'nurse', method: 'GET', url: '/api/no-such-thing', status: 404, code: 'NOT_FOUND' },
  { name: 'not signed in', as: 'anonymous', method: 'GET', url: '/api/auth/me', status: 401, code: 'UNAUTHENTICATED' },
  { name: 'role not allowed', as: 'nurse', method: 'GET', url: '/api/audit', status: 403, code: 'FORBIDDEN' },
  { name: 'oversized streamed panel', method: 'POST', url: '/api/risk/batch', contentType: 'text/csv', body: `id,sex,age\n${'p,female,50\n'.repeat(200)}`, status: 413, code: 'BODY_TOO_LARGE' },
  { name: 'panel in an unknown format', method: 'POST', url: '/api/risk/batch', contentType: 'application/json', body: json({ id: 1 }), status: 400, code: 'VALIDATION_FAILED', field: 'headers.content-type' },
  // FHIR: OperationOutcome naming the element.
  { name: 'FHIR malformed JSON', method: 'POST', url: '/fhir/R4/Patient', contentType: FHIR, body: '{"resourceType":"Patient",', status: 400, code: 'MALFORMED_JSON' },
  { name: 'FHIR wrong type for an element', method: 'POST', url: '/fhir/R4/Patient', contentType: FHIR, body: json({ resourceType: 'Patient', birthDate: 19750203 }), status: 400, code: 'INVALID_RESOURCE', field: 'Patient.birthDate' },
  { name: 'FHIR unknown element', method: 'POST', url: '/fhir/R4/Patient', contentType: FHIR, body: json({ resourceType: 'Patient', favouriteColour: 'blue' }), status: 400, code: 'INVALID_RESOURCE', field: 'Patient.favouriteColour' },
  { name: 'FHIR unknown resource type', method: 'POST', url: '/fhir/R4/Spaceship', contentType: FHIR, body: json({ resourceType: 'Spaceship' }), status: 400, code: 'UNKNOWN_RESOURCE_TYPE' },
  { name: 'FHIR body type differs from the URL', method: 'POST', url: '/fhir/R4/Patient', contentType: FHIR, body: json({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }), status: 400, code: 'INVALID_RESOURCE', field: 'resourceType' },
  { name: 'FHIR broken reference', method: 'POST', url: '/fhir/R4/Observation', contentType: FHIR, body: json({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/does-not-exist' } }), status: 400, code: 'BROKEN_REFERENCE', field: 'Observation.subject' },
  { name: 'FHIR unknown search parameter', method: 'GET', url: '/fhir/R4/Patient?favourite-colour=blue', status: 400, code: 'UNSUPPORTED_SEARCH', field: 'favourite-colour' },
  { name: 'FHIR malformed date search', method: 'GET', url: '/fhir/R4/Observation?date=yesterday', status: 400, code: 'UNSUPPORTED_SEARCH', field: 'date' },
  { name: 'FHIR oversized body', method: 'POST', url: '/fhir/R4/Patient', contentType: FHIR, body: json({ resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(70_000)}</div>` } }), status: 413, code: 'BODY_TOO_LARGE' },
];

describe.each(DB_KINDS)('bad inputs on %s', (kind) => {
  let h: TestApp;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    h = await openTestApp(kind, { WELLAGE_BODY_LIMIT_BYTES: '65536', WELLAGE_BATCH_LIMIT_BYTES: '1024' });
    cookies.nurse = await h.login('nurse@a.test');
    cookies.admin = await h.login('admin@a.test');
  });
  afterAll(async () => h?.close());

  it.each(CASES)('$name: $status $code', async (c) => {
    const as = c.as ?? 'nurse';
    const res = await h.app.inject({
      method: c.method,
      url: c.url,
      headers: { ...(as === 'anonymous' ? {} : { cookie: cookies[as]! }), ...(c.contentType ? { 'content-type': c.contentType } : {}) },
      ...(c.body !== undefined ? { payload: c.body } : {}),
    });
    expect(res.statusCode, res.body).toBe(c.status);
    if (c.url.startsWith('/fhir/')) {
      expect(res.headers['content-type']).toContain('application/fhir+json');
      const issue = res.json().issue[0];
      expect(issue.details.coding[0].code).toBe(c.code);
      if (c.field) expect(issue.expression?.[0] ?? issue.diagnostics).toContain(c.field);
    } else {
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json();
      expect(problem.code).toBe(c.code);
      if (c.field) expect(problem.field).toBe(c.field);
    }
    // Whatever came before, the server still answers.
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('cuts off a streamed panel without a declared length once it passes the limit', async () => {
    const chunks = ['id,sex,age\n', ...Array.from({ length: 100 }, (_, i) => `p${i},female,50\n`)];
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/risk/batch',
      headers: { cookie: cookies.nurse!, 'content-type': 'text/csv' },
      payload: Readable.from(chunks.map((c) => Buffer.from(c))),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('BODY_TOO_LARGE');
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('writes nothing of a transaction with one bad entry', async () => {
    const count = async () => (await execute<{ n: number }>(h.t.database.db, sql`select count(*)::int as n from fhir_resource`))[0]!.n;
    const before = await count();
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/R4',
      headers: { cookie: cookies.nurse!, 'content-type': FHIR },
      payload: json({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: { resourceType: 'Patient', name: [{ family: 'Whole' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } }, request: { method: 'POST', url: 'Observation' } },
          { resource: { resourceType: 'Patient', birthDate: 'not-a-date' }, request: { method: 'POST', url: 'Patient' } },
        ],
      }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression?.[0] ?? '').toContain('birthDate');
    expect(await count()).toBe(before);
  });

  it('stores script- and SQL-like strings verbatim, never executed, never served as HTML', async () => {
    const hostile = ["Robert'); DROP TABLE fhir_resource;--", '<script>alert(1)</script>', '${process.exit()}', '{{7*7}}'];
    const created = await h.app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { cookie: cookies.nurse!, 'content-type': FHIR },
      payload: json({ resourceType: 'Patient', name: [{ family: hostile[0], given: hostile.slice(1) }] }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const read = await h.app.inject({ url: `/fhir/R4/Patient/${id}`, headers: { cookie: cookies.nurse! } });
    expect(read.headers['content-type']).toContain('application/fhir+json');
    expect(read.headers['content-type']).not.toContain('html');
    expect(read.json().name[0]).toEqual({ family: hostile[0], given: hostile.slice(1) });
    const found = await h.app.inject({ url: `/fhir/R4/Patient?name=${encodeURIComponent("Robert');")}`, headers: { cookie: cookies.nurse! } });
    expect(found.statusCode).toBe(200);
    expect(found.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain(id);
    // The table the string names is still there, and so is everything in it.
    expect((await execute<{ n: number }>(h.t.database.db, sql`select count(*)::int as n from fhir_resource`))[0]!.n).toBeGreaterThan(0);
    const ready = await h.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', lesionModel: 'ready' });
  });
});
