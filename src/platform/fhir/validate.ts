/**
 * Structural validation of a FHIR R4 resource against the base StructureDefinitions
 * (cardinality, data types, unknown elements, primitive formats), via @medplum/core,
 * then the required bindings of `code` elements (bindings.ts), which @medplum/core skips.
 * The first issue becomes an AppError naming the element by its FHIRPath.
 */
import { OperationOutcomeError, validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { AppError } from '../errors.ts';
import { checkRequiredBindings } from './bindings.ts';
import { isResourceType } from './definitions.ts';

/** Largest accepted string element, characters; base64 notes in Synthea reach ~100 kB. */
const MAX_STRING_CHARS = 5_000_000;

/**
 * Throws INVALID_RESOURCE / UNKNOWN_RESOURCE_TYPE unless `value` is a valid R4 resource.
 * `prefix` is prepended to element paths (e.g. `Bundle.entry[3].resource` in bundles).
 */
export function validateFhirResource(value: unknown, prefix = ''): asserts value is Resource {
  const at = (field: string): string => (prefix ? `${prefix}.${field}` : field);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('INVALID_RESOURCE', 'The body must be a FHIR resource (a JSON object)', {
      field: prefix || 'resource',
    });
  }
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || type === '') {
    throw new AppError('INVALID_RESOURCE', 'resourceType is missing', { field: at('resourceType') });
  }
  if (!isResourceType(type)) {
    throw new AppError('UNKNOWN_RESOURCE_TYPE', `"${type.slice(0, 64)}" is not a FHIR R4 resource type`, {
      field: at('resourceType'),
    });
  }
  try {
    validateResource(value as Resource);
  } catch (e) {
    if (e instanceof OperationOutcomeError) {
      const issue = e.outcome.issue?.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? e.outcome.issue?.[0];
      const expression = issue?.expression?.[0] ?? type;
      const text = issue?.details?.text ?? issue?.diagnostics ?? 'invalid';
      // Inside a bundle the element path continues the entry's: Bundle.entry[2].resource.code
      const field = prefix ? at(expression.startsWith(`${type}.`) ? expression.slice(type.length + 1) : expression) : expression;
      throw new AppError('INVALID_RESOURCE', `${field}: ${text}`, { field });
    }
    throw e;
  }
  const violation = checkRequiredBindings(value);
  if (violation) {
    const field = prefix ? at(violation.path.slice(type.length + 1)) : violation.path;
    throw new AppError('INVALID_RESOURCE', `${field}: '${violation.value.slice(0, 64)}' is not in the value set ${violation.valueSet}`, { field });
  }
  checkStringSizes(value, type, at);
}

function checkStringSizes(value: unknown, path: string, at: (f: string) => string): void {
  if (typeof value === 'string') {
    if (value.length > MAX_STRING_CHARS) {
      throw new AppError('INVALID_RESOURCE', `${path}: the text is too long`, { field: at(path) });
    }
    // PostgreSQL cannot store U+0000 in jsonb, and no clinical text needs it.
    if (value.includes('\u0000')) {
      throw new AppError('INVALID_RESOURCE', `${path}: the text contains a NUL character`, { field: at(path) });
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkStringSizes(v, `${path}[${i}]`, at));
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== 'resourceType') checkStringSizes(v, `${path}.${k}`, at);
  }
}
