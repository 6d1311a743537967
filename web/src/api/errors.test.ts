import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, isNotFound, isUnauthenticated } from './errors.ts';

describe('errorFromResponse', () => {
  it('reads a problem+json answer: detail as message, code and field kept', () => {
    const e = errorFromResponse(401, {
      type: 'https://wellage.dev/errors/INVALID_CREDENTIALS',
      title: 'The email or password is not correct',
      status: 401,
      code: 'INVALID_CREDENTIALS',
      detail: 'The email or password is not correct',
    });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(401);
    expect(e.code).toBe('INVALID_CREDENTIALS');
    expect(e.message).toBe('The email or password is not correct');
  });

  it('keeps the field a validation problem names', () => {
    const e = errorFromResponse(400, { code: 'VALIDATION_FAILED', title: 'A field has an invalid value', detail: 'body.email: Invalid email', field: 'body.email' });
    expect(e.field).toBe('body.email');
    expect(e.message).toBe('body.email: Invalid email');
  });

  it('falls back to the title when a problem has no detail', () => {
    expect(errorFromResponse(429, { code: 'TOO_MANY_ATTEMPTS', title: 'Too many attempts; wait before trying again' }).message).toBe(
      'Too many attempts; wait before trying again',
    );
  });

  it('reads an OperationOutcome: the error issue, its coded reason, text and expression', () => {
    const e = errorFromResponse(404, {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational', diagnostics: 'ignored' },
        {
          severity: 'error',
          code: 'not-found',
          details: { coding: [{ system: 'https://wellage.dev/fhir/CodeSystem/error', code: 'NOT_FOUND' }], text: 'Patient/p1 not found' },
          diagnostics: 'Patient/p1 not found',
          expression: ['Patient.id'],
        },
      ],
    });
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe('Patient/p1 not found');
    expect(e.field).toBe('Patient.id');
    expect(isNotFound(e)).toBe(true);
  });

  it('uses diagnostics when an OperationOutcome issue has no details text', () => {
    const e = errorFromResponse(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad _count' }] });
    expect(e.message).toBe('bad _count');
    expect(e.code).toBeUndefined();
  });

  it('says the status when the body is empty, not JSON, or an unknown shape', () => {
    expect(errorFromResponse(502, undefined, 'Bad Gateway').message).toBe('502 Bad Gateway');
    expect(errorFromResponse(500, undefined).message).toBe('The server answered 500');
    expect(errorFromResponse(500, ['x']).message).toBe('The server answered 500');
    expect(errorFromResponse(400, { resourceType: 'OperationOutcome', issue: [] }).message).toBe('The server answered 400');
    expect(errorFromResponse(0, undefined).message).toBe('The server could not be reached');
  });

  it('classifies sign-in and not-found errors, and nothing else', () => {
    expect(isUnauthenticated(new ApiError(401, 'x'))).toBe(true);
    expect(isUnauthenticated(new ApiError(403, 'x'))).toBe(false);
    expect(isUnauthenticated(new Error('401'))).toBe(false);
    expect(isNotFound(new ApiError(410, 'gone'))).toBe(true);
    expect(isNotFound(new ApiError(403, 'forbidden'))).toBe(false);
  });
});
