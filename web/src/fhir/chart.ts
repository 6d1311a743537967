/** Rows of the chart's problem, medication and allergy lists. Pure. */
import type { AllergyIntolerance, Condition, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import {
  allergyReactions,
  conceptCode,
  conceptText,
  conditionOnset,
  dosageText,
  medicationDate,
  medicationText,
} from './display.ts';

function time(v: string | undefined): number {
  const t = v ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

/** Statuses that mean "this is current" for problems and allergies. */
const ACTIVE = new Set(['active', 'recurrence', 'relapse']);

export interface ProblemRow {
  id: string;
  text: string;
  status: string | undefined;
  active: boolean;
  onset: string | undefined;
}

/** Problems, active ones first, then newest onset first; entered-in-error ones left out. */
export function problemRows(conditions: readonly Condition[]): ProblemRow[] {
  return conditions
    .filter((c) => conceptCode(c.verificationStatus) !== 'entered-in-error')
    .map((c, i) => {
      const status = conceptCode(c.clinicalStatus);
      return { id: c.id ?? `c${i}`, text: conceptText(c.code), status, active: status === undefined || ACTIVE.has(status), onset: conditionOnset(c) };
    })
    .sort((a, b) => Number(b.active) - Number(a.active) || time(b.onset) - time(a.onset));
}

export interface MedicationRow {
  id: string;
  text: string;
  dosage: string;
  status: string | undefined;
  active: boolean;
  date: string | undefined;
  source: 'statement' | 'request';
}

/**
 * Medications from both MedicationStatement (what the patient takes, e.g. from intake) and
 * MedicationRequest (prescriptions; Synthea writes only these). Active first, newest first.
 */
export function medicationRows(statements: readonly MedicationStatement[], requests: readonly MedicationRequest[]): MedicationRow[] {
  const rows: MedicationRow[] = [];
  for (const [i, m] of [...statements, ...requests].entries()) {
    if (m.status === 'entered-in-error') continue;
    rows.push({
      id: `${m.resourceType}/${m.id ?? i}`,
      text: medicationText(m),
      dosage: dosageText(m),
      status: m.status,
      active: m.status === 'active' || m.status === 'intended' || m.status === 'on-hold',
      date: medicationDate(m),
      source: m.resourceType === 'MedicationStatement' ? 'statement' : 'request',
    });
  }
  return rows.sort((a, b) => Number(b.active) - Number(a.active) || time(b.date) - time(a.date));
}

export interface AllergyRow {
  id: string;
  text: string;
  criticality: string | undefined;
  status: string | undefined;
  reactions: string;
}

/** Allergies, active first; refuted and entered-in-error ones left out. */
export function allergyRows(allergies: readonly AllergyIntolerance[]): AllergyRow[] {
  return allergies
    .filter((a) => {
      const v = conceptCode(a.verificationStatus);
      return v !== 'entered-in-error' && v !== 'refuted';
    })
    .map((a, i) => ({
      id: a.id ?? `a${i}`,
      text: conceptText(a.code),
      criticality: a.criticality,
      status: conceptCode(a.clinicalStatus),
      reactions: allergyReactions(a),
    }))
    .sort((a, b) => Number(b.status !== 'inactive' && b.status !== 'resolved') - Number(a.status !== 'inactive' && a.status !== 'resolved'));
}
