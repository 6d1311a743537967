/**
 * Consent decisions and Consent resources: pure functions, no I/O (the service in
 * consent.service.ts loads the stored Consents and calls these).
 *
 * Decision rule (FHIR R4 Consent, http://hl7.org/fhir/R4/consent.html, "Consent
 * evaluation"): among the patient's Consents whose category carries the purpose, the
 * newest active one (by dateTime, then lastUpdated) decides; provision.type 'permit'
 * inside provision.period (when given) allows; 'deny', a period not yet begun or already
 * ended, a non-active status, or no Consent at all refuses.
 */
import type { Consent } from '@medplum/fhirtypes';
import { invalidField } from '../errors.ts';
import { CONSENT_PURPOSE_DISPLAY, CONSENT_PURPOSE_SYSTEM, CONSENT_PURPOSES, isConsentPurpose, type ConsentPurpose } from './purposes.ts';
import { LOINC_SYSTEM } from '../fhir/systems.ts';

export { LOINC_SYSTEM };

export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';
/** LOINC 59284-0 "Patient Consent", the conventional general Consent.category. */
export const LOINC_PATIENT_CONSENT = '59284-0';
/** Consent policy codes (opt-in / opt-out) from HL7 v3 ActCode, as in the R4 ConsentPolicyCodes value set. */
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

export type ConsentStatus = 'permit' | 'deny' | 'none';

export interface ConsentDecision {
  purpose: ConsentPurpose;
  status: ConsentStatus;
  /** Why a Consent that exists does not permit: it says deny, it is not active, or its period excludes now. */
  reason?: 'denied' | 'inactive' | 'expired' | 'not-yet-valid' | undefined;
  consentId?: string | undefined;
  /** Consent.dateTime of the deciding Consent. */
  date?: string | undefined;
}

/** A stored Consent with the store's lastUpdated, the input of the pure decision. */
export interface StoredConsent {
  id: string;
  lastUpdated: Date;
  content: Consent;
}


function hasPurpose(c: Consent, purpose: ConsentPurpose): boolean {
  return (c.category ?? []).some((cat) => (cat.coding ?? []).some((k) => k.system === CONSENT_PURPOSE_SYSTEM && k.code === purpose));
}

function timeOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The decision for one purpose at `now`, from a patient's stored Consents. Pure.
 * entered-in-error, draft and proposed Consents are not decisions and are ignored.
 */
export function decideConsent(consents: readonly StoredConsent[], purpose: ConsentPurpose, now: Date): ConsentDecision {
  const newestFirst = (a: StoredConsent, b: StoredConsent) =>
    (timeOf(b.content.dateTime) ?? b.lastUpdated.getTime()) - (timeOf(a.content.dateTime) ?? a.lastUpdated.getTime()) ||
    b.lastUpdated.getTime() - a.lastUpdated.getTime();
  const relevant = consents.filter((c) => hasPurpose(c.content, purpose));
  const active = relevant.filter((c) => c.content.status === 'active').sort(newestFirst);
  const decider = active[0];
  if (!decider) {
    const withdrawn = relevant.filter((c) => c.content.status === 'inactive' || c.content.status === 'rejected').sort(newestFirst)[0];
    if (withdrawn) return { purpose, status: 'deny', reason: 'inactive', consentId: withdrawn.id, date: withdrawn.content.dateTime };
    return { purpose, status: 'none' };
  }
  const base = { purpose, consentId: decider.id, date: decider.content.dateTime };
  const provision = decider.content.provision;
  if (provision?.type !== 'permit') return { ...base, status: 'deny', reason: 'denied' };
  const start = timeOf(provision.period?.start);
  const end = timeOf(provision.period?.end);
  if (start !== undefined && now.getTime() < start) return { ...base, status: 'deny', reason: 'not-yet-valid' };
  if (end !== undefined && now.getTime() > end) return { ...base, status: 'deny', reason: 'expired' };
  return { ...base, status: 'permit' };
}

export interface BuildConsentInput {
  patientId: string;
  purpose: ConsentPurpose;
  decision: 'permit' | 'deny';
  /** When the patient decided (Consent.dateTime; also provision.period.start). */
  date: Date | string;
  /** Who recorded it, e.g. `Practitioner/123` or `Patient/456`. */
  performerRef?: string | undefined;
  /** The clinic the consent is given to (Consent.organization display). */
  clinicName?: string | undefined;
}

/** A valid FHIR R4 Consent recording one patient's decision for one purpose. Pure. */
export function buildConsent(input: BuildConsentInput): Consent {
  if (!isConsentPurpose(input.purpose)) throw invalidField('purpose', `must be one of ${CONSENT_PURPOSES.join(', ')}`);
  if (input.decision !== 'permit' && input.decision !== 'deny') throw invalidField('decision', 'must be permit or deny');
  const date = typeof input.date === 'string' ? input.date : input.date.toISOString();
  if (timeOf(date) === undefined) throw invalidField('date', 'must be an ISO 8601 date-time');
  const opt = input.decision === 'permit' ? { code: 'OPTIN', display: 'opt-in' } : { code: 'OPTOUT', display: 'opt-out' };
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [
      { coding: [{ system: CONSENT_PURPOSE_SYSTEM, code: input.purpose, display: CONSENT_PURPOSE_DISPLAY[input.purpose].en }] },
      { coding: [{ system: LOINC_SYSTEM, code: LOINC_PATIENT_CONSENT, display: 'Patient Consent' }] },
    ],
    patient: { reference: `Patient/${input.patientId}` },
    dateTime: date,
    ...(input.performerRef ? { performer: [{ reference: input.performerRef }] } : {}),
    ...(input.clinicName ? { organization: [{ display: input.clinicName }] } : {}),
    policyRule: { coding: [{ system: ACT_CODE_SYSTEM, ...opt }] },
    provision: { type: input.decision, period: { start: date } },
  };
}

