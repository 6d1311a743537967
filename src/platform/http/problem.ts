/**
 * The one place errors become HTTP answers: application/problem+json (RFC 9457) outside
 * FHIR, an OperationOutcome under /fhir/R4. Unknown errors are logged and answered with a
 * bare 500 that carries only the request id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { AppError, ERRORS, isAppError, type ErrorCode } from '../errors.ts';

/** Maps Fastify's own error codes onto the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Turns anything thrown into an AppError; `undefined` when it is a bug (500). */
export function toAppError(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const field = first ? [where, ...first.instancePath.split('/').filter(Boolean)].join('.') : where;
    return new AppError('VALIDATION_FAILED', `${field}: ${first?.message ?? 'invalid value'}`, { field });
  }
  const fe = error as Partial<FastifyError>;
  if (typeof fe.code === 'string' && fe.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fe.code] as ErrorCode;
    return new AppError(code, code === 'MALFORMED_JSON' ? ERRORS.MALFORMED_JSON.title : fe.message);
  }
  if (fe.statusCode === 429) return new AppError('TOO_MANY_ATTEMPTS');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('BAD_REQUEST', fe.message);
  }
  return undefined;
}

export function isFhirPath(url: string): boolean {
  return url.startsWith('/fhir/');
}

/** FHIR issue-type code for each catalogue entry's status. */
function issueCode(err: AppError): string {
  if (err.code === 'CONSENT_MISSING' || err.status === 403) return 'forbidden';
  if (err.status === 401) return 'login';
  if (err.status === 404 || err.status === 410) return 'not-found';
  if (err.status === 409 || err.status === 412) return 'conflict';
  if (err.status === 413) return 'too-costly';
  if (err.status === 429) return 'throttled';
  if (err.code === 'UNSUPPORTED_SEARCH') return 'not-supported';
  if (err.status >= 500) return 'exception';
  return err.code === 'MALFORMED_JSON' ? 'structure' : 'invalid';
}

export function operationOutcome(err: AppError): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: issueCode(err) as 'invalid',
        details: { coding: [{ system: 'https://wellage.dev/fhir/CodeSystem/error', code: err.code }], text: err.message },
        diagnostics: err.message,
        ...(err.field ? { expression: [err.field] } : {}),
      },
    ],
  };
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let err = toAppError(error);
  if (!err) {
    request.log.error({ err: error }, 'unhandled error');
    err = new AppError('INTERNAL', `Something went wrong on our side (request ${request.id})`);
  } else if (err.status >= 500) {
    request.log.error({ err: error }, err.code);
  } else {
    request.log.info({ code: err.code, field: err.field }, 'request refused');
  }
  if (isFhirPath(request.url)) {
    return reply.status(err.status).type('application/fhir+json').send(operationOutcome(err));
  }
  return reply
    .status(err.status)
    .type('application/problem+json')
    .send({
      type: `https://wellage.dev/errors/${err.code}`,
      title: ERRORS[err.code].title,
      status: err.status,
      code: err.code,
      detail: err.message,
      ...(err.field ? { field: err.field } : {}),
      ...(err.details ? { details: err.details } : {}),
      instance: request.id,
    });
}
