import { describe, expect, it } from 'vitest';
import type { AllergyIntolerance, Bundle, Condition, MedicationRequest, MedicationStatement } from '@medplum/fhirtypes';
import { allergyRows, medicationRows, problemRows } from './chart.ts';
import { patientPage } from './patient.ts';

const subject = { reference: 'Patient/p' };
const status = (code: string) => ({ coding: [{ code }] });

describe('problemRows', () => {
  it('puts active problems first, newest onset first, and drops entered-in-error', () => {
    const conditions: Condition[] = [
      { resourceType: 'Condition', id: 'old', subject, code: { text: 'Acne' }, clinicalStatus: status('resolved'), onsetDateTime: '2001-01-01' },
      { resourceType: 'Condition', id: 'a1', subject, code: { text: 'Hypertension' }, clinicalStatus: status('active'), onsetDateTime: '2015-01-01' },
      { resourceType: 'Condition', id: 'a2', subject, code: { text: 'Melasma' }, clinicalStatus: status('active'), onsetDateTime: '2020-01-01' },
      { resourceType: 'Condition', id: 'err', subject, code: { text: 'Wrong' }, verificationStatus: status('entered-in-error') },
    ];
    const rows = problemRows(conditions);
    expect(rows.map((r) => r.text)).toEqual(['Melasma', 'Hypertension', 'Acne']);
    expect(rows[2]).toMatchObject({ status: 'resolved', active: false, onset: '2001-01-01' });
  });
});

describe('medicationRows', () => {
  it('merges statements and prescriptions, active first, and drops entered-in-error', () => {
    const statements: MedicationStatement[] = [
      { resourceType: 'MedicationStatement', id: 's1', status: 'active', subject, medicationCodeableConcept: { text: 'Vitamin D' }, effectiveDateTime: '2024-01-01' },
      { resourceType: 'MedicationStatement', id: 's2', status: 'entered-in-error', subject, medicationCodeableConcept: { text: 'Wrong' } },
    ];
    const requests: MedicationRequest[] = [
      { resourceType: 'MedicationRequest', id: 'r1', status: 'stopped', intent: 'order', subject, medicationCodeableConcept: { text: 'Isotretinoin' }, authoredOn: '2025-01-01' },
      { resourceType: 'MedicationRequest', id: 'r2', status: 'active', intent: 'order', subject, medicationCodeableConcept: { text: 'Amlodipine 5 mg' }, authoredOn: '2025-02-01' },
    ];
    const rows = medicationRows(statements, requests);
    expect(rows.map((r) => [r.text, r.source])).toEqual([
      ['Amlodipine 5 mg', 'request'],
      ['Vitamin D', 'statement'],
      ['Isotretinoin', 'request'],
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(3);
  });
});

describe('allergyRows', () => {
  it('drops refuted allergies and lists reactions', () => {
    const allergies: AllergyIntolerance[] = [
      { resourceType: 'AllergyIntolerance', id: 'x', patient: subject, code: { text: 'Latex' }, verificationStatus: status('refuted') },
      {
        resourceType: 'AllergyIntolerance',
        id: 'y',
        patient: subject,
        code: { text: 'Penicillin' },
        criticality: 'high',
        clinicalStatus: status('active'),
        reaction: [{ manifestation: [{ text: 'Anaphylaxis' }] }],
      },
    ];
    expect(allergyRows(allergies)).toEqual([{ id: 'y', text: 'Penicillin', criticality: 'high', status: 'active', reactions: 'Anaphylaxis' }]);
  });
});

describe('patientPage', () => {
  it('reads rows, total and paging links from a searchset', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 42,
      link: [
        { relation: 'self', url: 'http://h/fhir/R4/Patient?_count=20' },
        { relation: 'next', url: 'http://h/fhir/R4/Patient?_count=20&_offset=20' },
      ],
      entry: [
        {
          resource: {
            resourceType: 'Patient',
            id: 'p1',
            name: [{ given: ['Lucía'], family: 'Martín' }],
            gender: 'female',
            birthDate: '1970-02-03',
            identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'A-1' }],
          },
        },
        { resource: { resourceType: 'Patient' } }, // no id: cannot be linked, left out
      ],
    };
    expect(patientPage(bundle)).toEqual({
      rows: [{ id: 'p1', name: 'Lucía Martín', gender: 'female', birthDate: '1970-02-03', identifier: 'A-1' }],
      total: 42,
      next: 'http://h/fhir/R4/Patient?_count=20&_offset=20',
      previous: undefined,
    });
  });
});
