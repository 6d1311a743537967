/**
 * Shapes of the WellAge API the web app reads (the FHIR resources come from
 * @medplum/fhirtypes). Kept here, beside the client, so pages never guess at JSON.
 */

export type Role = 'admin' | 'clinician' | 'nurse' | 'patient' | 'learner';
export type Locale = 'en' | 'es';

/** The signed-in user, as GET /api/auth/me and POST /api/auth/login return it. */
export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  clinicId: string;
  clinicName: string;
  patientId?: string | undefined;
  practitionerId?: string | undefined;
  locale: Locale;
}

/** One purpose of GET /api/patients/:id/consents. */
export interface ConsentState {
  purpose: string;
  status: 'permit' | 'deny' | 'none';
  date?: string | undefined;
}

/** The audit actions the filter offers: the server's own list. */
export { AUDIT_ACTIONS } from '../../../src/platform/audit/actions.ts';

/** One row of GET /api/audit. */
export interface AuditEvent {
  seq: number;
  at: string;
  userId: string | null;
  role: string | null;
  clinicId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  clientAddress: string | null;
  outcome: 'success' | 'denied' | 'failed' | string;
  hash: string;
}

export interface AuditPage {
  events: AuditEvent[];
  nextBeforeSeq?: number | undefined;
}

export interface AuditVerify {
  ok: boolean;
  checked: number;
  brokenAt?: { seq: number; reason: string } | undefined;
}
