/**
 * Who may see and write which FHIR rows. The same rules exist twice: as a predicate on
 * one row (read, update, delete) and as an SQL condition (search); tests hold them together.
 *
 * - system and staff (admin, clinician, nurse): every row of their clinic.
 * - patient: their own compartment (and their Patient), plus definitional resources
 *   such as Questionnaire; may write only QuestionnaireResponse and Observation in it.
 * - learner: definitional resources only; any compartment type is 403.
 * Rows of another clinic are simply invisible: callers answer 404, never 403.
 */
import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { isStaff, type Principal } from '../context.ts';
import { isCompartmentType } from './definitions.ts';

/** Knowledge and form definitions that hold no patient data. */
export const DEFINITIONAL_TYPES: ReadonlySet<string> = new Set([
  'Questionnaire',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'StructureDefinition',
  'PlanDefinition',
  'ActivityDefinition',
  'Library',
  'Measure',
  'ObservationDefinition',
  'SpecimenDefinition',
  'OperationDefinition',
  'SearchParameter',
  'NamingSystem',
]);

/** What a patient user may create or update, in their own compartment. */
export const PATIENT_WRITABLE_TYPES: ReadonlySet<string> = new Set(['QuestionnaireResponse', 'Observation']);

export interface RowAccessFacts {
  readonly resourceType: string;
  readonly id: string;
  readonly clinicId: string;
  readonly patientId: string | null;
}

/** Throws FORBIDDEN when the caller's role may not read this resource type at all. */
export function assertCanReadType(p: Principal, resourceType: string): void {
  if (p.kind === 'system' || p.role !== 'learner') return;
  if (!DEFINITIONAL_TYPES.has(resourceType)) {
    throw new AppError('FORBIDDEN', `A learner account cannot read ${resourceType} resources`, { field: 'resourceType' });
  }
}

/** True when the caller may see this row (false means: answer 404). */
export function canSeeRow(p: Principal, row: RowAccessFacts): boolean {
  if (row.clinicId !== p.clinicId) return false;
  if (isStaff(p)) return true;
  if (p.kind === 'user' && p.role === 'patient') {
    if (row.patientId !== null) return row.patientId === p.patientId;
    return DEFINITIONAL_TYPES.has(row.resourceType);
  }
  // learner
  return row.patientId === null && DEFINITIONAL_TYPES.has(row.resourceType);
}

/** The SQL form of canSeeRow over `fhir_resource r`. */
export function visibleRowsSql(p: Principal): SQL {
  const defs = [...DEFINITIONAL_TYPES];
  if (isStaff(p)) return sql`r.clinic_id = ${p.clinicId}`;
  if (p.kind === 'user' && p.role === 'patient') {
    return sql`r.clinic_id = ${p.clinicId} and (r.patient_id = ${p.patientId ?? '\u0000'} or (r.patient_id is null and r.resource_type in (${sql.join(
      defs.map((d) => sql`${d}`),
      sql`, `,
    )})))`;
  }
  return sql`r.clinic_id = ${p.clinicId} and r.patient_id is null and r.resource_type in (${sql.join(
    defs.map((d) => sql`${d}`),
    sql`, `,
  )})`;
}

/**
 * Throws FORBIDDEN unless the caller may write (create, update, delete) `resourceType`
 * with the given compartment. Called after the compartment is computed.
 */
export function assertCanWrite(p: Principal, resourceType: string, patientId: string | null, action: 'write' | 'delete'): void {
  if (isStaff(p)) return;
  if (p.kind === 'user' && p.role === 'patient' && action === 'write' && PATIENT_WRITABLE_TYPES.has(resourceType)) {
    if (patientId !== null && patientId === p.patientId) return;
    throw new AppError('FORBIDDEN', `A patient account can only record ${resourceType} about themselves`, {
      field: `${resourceType}.subject`,
    });
  }
  throw new AppError('FORBIDDEN', `Your role cannot ${action === 'delete' ? 'delete' : 'write'} ${resourceType} resources`, {
    field: 'resourceType',
  });
}

/** True when operations on this type touch patient data (and so are audited). */
export function touchesPatientData(resourceType: string, patientId: string | null | undefined): boolean {
  return Boolean(patientId) || isCompartmentType(resourceType);
}
