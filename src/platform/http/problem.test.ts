import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { sendError } from './problem.ts';

function appThatThrows(error: unknown) {
  const app = Fastify({ logger: false, bodyLimit: 100 });
  app.setErrorHandler((e, req, reply) => sendError(e, req, reply));
  app.post('/api/thing', async () => {
    throw error;
  });
  app.post('/fhir/R4/Patient', async () => {
    throw error;
  });
  app.post('/api/echo', async (req) => req.body);
  return app;
}

describe('error rendering', () => {
  it('answers problem+json naming the code and the field outside FHIR', async () => {
    const app = appThatThrows(new AppError('VALIDATION_FAILED', 'email: not an email address', { field: 'email' }));
    const res = await app.inject({ method: 'POST', url: '/api/thing' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'email', detail: 'email: not an email address' });
  });

  it('answers an OperationOutcome with the element path under /fhir', async () => {
    const app = appThatThrows(new AppError('INVALID_RESOURCE', 'Invalid date format', { field: 'Patient.birthDate' }));
    const res = await app.inject({ method: 'POST', url: '/fhir/R4/Patient' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    const oo = res.json();
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['Patient.birthDate'] });
    expect(oo.issue[0].details.coding[0].code).toBe('INVALID_RESOURCE');
  });

  it('hides the details of a bug behind a 500 that carries the request id', async () => {
    const app = appThatThrows(new Error('connection string postgres://secret@db leaked'));
    const res = await app.inject({ method: 'POST', url: '/api/thing' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(res.json()).toMatchObject({ code: 'INTERNAL' });
    expect(res.json().detail).toContain(res.json().instance);
  });

  it('turns malformed JSON and oversized bodies into 400 and 413 with codes', async () => {
    const app = appThatThrows(null);
    const bad = await app.inject({ method: 'POST', url: '/api/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('MALFORMED_JSON');
    const big = await app.inject({ method: 'POST', url: '/api/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(500) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('BODY_TOO_LARGE');
  });
});
