/**
 * The synthetic demo clinic's tenants and logins, printed by `npm start` on first run.
 * Demo only: the password is public, so the demo is for laptops, never for real data.
 */
import type { Role } from '../db/schema.ts';

export const DEMO_PASSWORD = 'wellage-demo-2026';

export interface DemoClinic {
  readonly id: string;
  readonly name: string;
  readonly country: string;
  /** Domain used for the demo logins of this clinic. */
  readonly emailDomain: string;
}

export const DEMO_CLINICS: readonly DemoClinic[] = [
  { id: 'clinic-aurora', name: 'Clínica Aurora (Madrid)', country: 'ES', emailDomain: 'aurora.demo' },
  { id: 'clinic-lumen', name: 'Lumen Well-Aging (London)', country: 'GB', emailDomain: 'lumen.demo' },
];

export const DEMO_ROLES: readonly Role[] = ['admin', 'clinician', 'nurse', 'patient', 'learner'];

/** e.g. clinician@aurora.demo */
export function demoEmail(clinic: DemoClinic, role: Role): string {
  return `${role}@${clinic.emailDomain}`;
}
