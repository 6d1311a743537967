/** Rows of the patient list, from a searchset Bundle. Pure. */
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { humanName, primaryIdentifier } from './display.ts';

export interface PatientRow {
  id: string;
  name: string;
  gender: Patient['gender'];
  birthDate: string | undefined;
  identifier: string;
}

export interface PatientPage {
  rows: PatientRow[];
  total: number | undefined;
  next: string | undefined;
  previous: string | undefined;
}

/** The page's rows (patients only, with an id), its total, and its next/previous links as given. */
export function patientPage(bundle: Bundle): PatientPage {
  const rows: PatientRow[] = [];
  for (const e of bundle.entry ?? []) {
    const p = e.resource;
    if (p?.resourceType !== 'Patient' || !p.id) continue;
    rows.push(patientRow(p, p.id));
  }
  const link = (rel: string) => bundle.link?.find((l) => l.relation === rel)?.url;
  return { rows, total: bundle.total, next: link('next'), previous: link('previous') ?? link('prev') };
}

export function patientRow(p: Patient, id: string): PatientRow {
  return { id, name: humanName(p.name), gender: p.gender, birthDate: p.birthDate, identifier: primaryIdentifier(p.identifier) };
}
