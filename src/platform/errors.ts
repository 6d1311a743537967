/**
 * The one catalogue of errors WellAge answers with.
 *
 * Each entry has a stable code (never reused once retired), an HTTP status and a title.
 * Services throw `AppError`; the HTTP boundary renders it as application/problem+json, or
 * as a FHIR OperationOutcome under /fhir/R4. Every code is documented in docs/errors.md
 * (a test keeps the two in step).
 */

export const ERRORS = {
  BAD_REQUEST: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, title: 'A field has an invalid value' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not accepted here' },
  BODY_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNAUTHENTICATED: { status: 401, title: 'Sign-in is required' },
  INVALID_CREDENTIALS: { status: 401, title: 'The email or password is not correct' },
  TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many attempts; wait before trying again' },
  FORBIDDEN: { status: 403, title: 'Your role does not allow this' },
  CONSENT_MISSING: { status: 403, title: 'The patient has not given the consent this needs' },
  AI_RESULT_BLINDED: { status: 409, title: 'Record your impression before the AI result is shown' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  GONE: { status: 410, title: 'The resource was deleted' },
  CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  VERSION_CONFLICT: { status: 412, title: 'The resource changed since the version you hold' },
  MULTIPLE_MATCHES: { status: 412, title: 'The condition matches more than one resource' },
  UNKNOWN_RESOURCE_TYPE: { status: 400, title: 'Not a FHIR R4 resource type' },
  INVALID_RESOURCE: { status: 400, title: 'The FHIR resource is not valid' },
  BROKEN_REFERENCE: { status: 400, title: 'A reference points to nothing that exists' },
  UNSUPPORTED_SEARCH: { status: 400, title: 'The search parameter is not supported' },
  FILE_TOO_LARGE: { status: 413, title: 'The file is too large' },
  IMAGE_TOO_MANY_PIXELS: { status: 413, title: 'The image has too many pixels' },
  FILE_TYPE_NOT_ALLOWED: { status: 415, title: 'The file type is not accepted' },
  INTERNAL: { status: 500, title: 'Something went wrong on our side' },
  NOT_READY: { status: 503, title: 'The service is not ready' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface AppErrorOptions {
  /** The offending field, as a FHIRPath-like or JSON path (e.g. `Patient.birthDate`). */
  field?: string;
  /** Extra machine-readable facts safe to return (never PHI). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An expected failure that maps to a 4xx/5xx answer with a stable code. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERRORS[code].title, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.field = options.field;
    this.details = options.details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Shorthand for the most common refusal: one field, one reason. */
export function invalidField(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}
