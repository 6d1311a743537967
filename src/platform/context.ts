/**
 * Who is acting. Every service call that touches patient data takes a Principal, and the
 * store scopes what it returns by it: staff see their clinic, a patient user their own
 * record, a learner no patient data, the system (seeding, CLI import) one clinic.
 */
import type { Role } from './db/schema.ts';

export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly role: Role;
  readonly clinicId: string;
  readonly displayName: string;
  /** Set for role `patient`: the only Patient this user may see. */
  readonly patientId?: string | undefined;
  /** Set for staff linked to a FHIR Practitioner. */
  readonly practitionerId?: string | undefined;
}

/** The platform itself (CLI, seeding, imports run by an operator), bound to one clinic. */
export interface SystemPrincipal {
  readonly kind: 'system';
  readonly clinicId: string;
  /** What is acting, for the audit log, e.g. `cli:import`. */
  readonly actor: string;
}

export type Principal = UserPrincipal | SystemPrincipal;

/** A principal plus the facts about the call the audit log needs. */
export interface RequestContext {
  readonly principal: Principal;
  /** The client's IP address, or `local` for the CLI. */
  readonly clientAddress: string;
  readonly requestId: string;
}

export const STAFF_ROLES: readonly Role[] = ['admin', 'clinician', 'nurse'];

export function isStaff(p: Principal): boolean {
  return p.kind === 'system' || STAFF_ROLES.includes(p.role);
}

export function systemContext(clinicId: string, actor: string): RequestContext {
  return { principal: { kind: 'system', clinicId, actor }, clientAddress: 'local', requestId: actor };
}
