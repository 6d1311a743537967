/**
 * Turns an error answer of the API into one readable error. The server answers
 * application/problem+json outside FHIR and an OperationOutcome under /fhir/R4; both carry
 * a stable code (problem.code, or the issue's details.coding code) the UI can branch on.
 */

/** An API call that did not succeed. `code` is the server's stable error code when known. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly field: string | undefined;

  constructor(status: number, message: string, code?: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/**
 * Builds the ApiError for an answer with status `status` and parsed JSON `body` (or
 * `undefined` when the body was empty or not JSON). Pure, so it is unit-tested.
 */
export function errorFromResponse(status: number, body: unknown, statusText = ''): ApiError {
  if (isRecord(body) && body.resourceType === 'OperationOutcome' && Array.isArray(body.issue)) {
    const issues = body.issue.filter(isRecord);
    const first = issues.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? issues[0];
    if (first) {
      const details = isRecord(first.details) ? first.details : {};
      const coding = Array.isArray(details.coding) ? details.coding.filter(isRecord) : [];
      const code = str(coding[0]?.code);
      const message = str(details.text) ?? str(first.diagnostics) ?? str(first.code) ?? fallbackMessage(status, statusText);
      const expression = Array.isArray(first.expression) ? str(first.expression[0]) : undefined;
      return new ApiError(status, message, code, expression);
    }
  }
  if (isRecord(body) && (str(body.detail) || str(body.title) || str(body.code))) {
    const message = str(body.detail) ?? str(body.title) ?? fallbackMessage(status, statusText);
    return new ApiError(status, message, str(body.code), str(body.field));
  }
  return new ApiError(status, fallbackMessage(status, statusText));
}

function fallbackMessage(status: number, statusText: string): string {
  if (status === 0) return 'The server could not be reached';
  return statusText ? `${status} ${statusText}` : `The server answered ${status}`;
}

/** True for errors that mean "sign in again". */
export function isUnauthenticated(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

/** True when the thing asked for does not exist or is not visible to this user. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.status === 410);
}
