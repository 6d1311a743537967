/**
 * Who may see which patient: staff see their clinic's patients, a patient user only their
 * own record, a learner no patient data at all. Services call `assertPatientAccess`
 * before touching anything in a patient's compartment.
 */
import { and, eq } from 'drizzle-orm';
import type { RequestContext } from '../context.ts';
import type { Queryable } from '../db/database.ts';
import { fhirResource } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/**
 * The role check alone, no database: FORBIDDEN for learners and for a patient user asking
 * about someone else. Pure.
 */
export function checkPatientRole(ctx: RequestContext, patientId: string): void {
  const p = ctx.principal;
  if (p.kind === 'system') return;
  if (p.role === 'learner') throw new AppError('FORBIDDEN', 'Learners have no access to patient data');
  if (p.role === 'patient' && p.patientId !== patientId) {
    throw new AppError('FORBIDDEN', 'A patient can see only their own record', { field: 'patientId' });
  }
}

/**
 * Throws unless `ctx` may see Patient `patientId`: the role check above, then the Patient
 * must exist, undeleted, in the caller's clinic. Another clinic's patient reads as
 * NOT_FOUND, so tenants cannot probe each other's ids.
 */
export async function assertPatientAccess(q: Queryable, ctx: RequestContext, patientId: string): Promise<void> {
  checkPatientRole(ctx, patientId);
  const rows = await q
    .select({ id: fhirResource.id })
    .from(fhirResource)
    .where(
      and(
        eq(fhirResource.resourceType, 'Patient'),
        eq(fhirResource.id, patientId),
        eq(fhirResource.clinicId, ctx.principal.clinicId),
        eq(fhirResource.deleted, false),
      ),
    );
  if (rows.length === 0) throw new AppError('NOT_FOUND', `No Patient ${patientId} in your clinic`, { field: 'patientId' });
}
