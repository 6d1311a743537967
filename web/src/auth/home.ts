/** Where each role lands after signing in, and which pages each role may open. Pure. */
import type { Role, User } from '../api/types.ts';

export const STAFF: readonly Role[] = ['admin', 'clinician', 'nurse'];

/** The home path of a user: staff see the patient list, a patient their own chart, a learner the learning home. */
export function homePath(user: Pick<User, 'role' | 'patientId'>): string {
  if (STAFF.includes(user.role)) return '/patients';
  if (user.role === 'patient' && user.patientId) return `/patients/${encodeURIComponent(user.patientId)}`;
  return '/learn';
}

/** Whether the role may open the patient list. */
export function canListPatients(role: Role): boolean {
  return STAFF.includes(role);
}

/** Whether the role may open a chart at all (the server still decides which). */
export function canOpenCharts(role: Role): boolean {
  return STAFF.includes(role) || role === 'patient';
}

/** Only administrators read the audit log. */
export function canReadAudit(role: Role): boolean {
  return role === 'admin';
}

/**
 * Where to go after signing in: back to the page that sent the user to the login form,
 * when it is a path inside this app, else the role's home.
 */
export function afterLoginPath(user: Pick<User, 'role' | 'patientId'>, from: string | undefined): string {
  if (from && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/login')) return from;
  return homePath(user);
}
