import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { patientCompartment } from './compartment.ts';
import { indexRows, normalizeText } from './search-index.ts';

const r = (x: Record<string, unknown>): Resource => x as unknown as Resource;

describe('patientCompartment', () => {
  it('places resources by the R4 Patient CompartmentDefinition', () => {
    expect(patientCompartment(r({ resourceType: 'Patient', id: 'p1' }))).toBe('p1');
    expect(patientCompartment(r({ resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Patient/p2' } }))).toBe('p2');
    expect(patientCompartment(r({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p3' } }))).toBe('p3');
    expect(patientCompartment(r({ resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/p4' }, payor: [] }))).toBe('p4');
    expect(patientCompartment(r({ resourceType: 'QuestionnaireResponse', status: 'completed', subject: { reference: 'Patient/p5' } }))).toBe('p5');
    expect(patientCompartment(r({ resourceType: 'Consent', status: 'active', patient: { reference: 'Patient/p6' } }))).toBe('p6');
  });

  it('finds a Provenance by its Patient target among many targets', () => {
    const prov = r({
      resourceType: 'Provenance',
      recorded: '2021-01-01T00:00:00Z',
      agent: [],
      target: [{ reference: 'Encounter/e1' }, { reference: 'Patient/p7' }, { reference: 'Observation/o1' }],
    });
    expect(patientCompartment(prov)).toBe('p7');
  });

  it('keeps a Device pointing at a Patient with that Patient', () => {
    expect(patientCompartment(r({ resourceType: 'Device', patient: { reference: 'Patient/p8' } }))).toBe('p8');
  });

  it('leaves definitional and directory resources outside any compartment', () => {
    expect(patientCompartment(r({ resourceType: 'Practitioner', name: [{ family: 'X' }] }))).toBeNull();
    expect(patientCompartment(r({ resourceType: 'Questionnaire', status: 'active' }))).toBeNull();
    expect(patientCompartment(r({ resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Group/g1' } }))).toBeNull();
  });
});

describe('indexRows', () => {
  it('indexes names without case or accents, codes with their systems, dates as ranges', () => {
    const rows = indexRows(
      r({
        resourceType: 'Patient',
        id: 'p',
        name: [{ family: 'Guzmán14', given: ['Soledad678'] }],
        gender: 'female',
        birthDate: '2015-09-05',
        identifier: [{ system: 'http://hospital.smarthealthit.org', value: 'MR-1' }],
      }),
    );
    expect(rows).toContainEqual({ param: 'family', system: null, value: 'guzman14', date_start: null, date_end: null });
    expect(rows).toContainEqual({ param: 'name', system: null, value: 'soledad678', date_start: null, date_end: null });
    expect(rows).toContainEqual({ param: 'gender', system: null, value: 'female', date_start: null, date_end: null });
    expect(rows).toContainEqual({ param: 'identifier', system: 'http://hospital.smarthealthit.org', value: 'MR-1', date_start: null, date_end: null });
    expect(rows).toContainEqual({
      param: 'birthdate',
      system: null,
      value: null,
      date_start: '2015-09-05T00:00:00.000Z',
      date_end: '2015-09-06T00:00:00.000Z',
    });
  });

  it('indexes an open Period as running to infinity', () => {
    const rows = indexRows(r({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/p' }, period: { start: '2020-01-01' } }));
    expect(rows).toContainEqual({ param: 'date', system: null, value: null, date_start: '2020-01-01T00:00:00.000Z', date_end: null });
    expect(rows).toContainEqual({ param: 'patient', system: null, value: 'Patient/p', date_start: null, date_end: null });
  });

  it('normalizeText folds case and accents', () => {
    expect(normalizeText('  ÁLVAREZ Núñez ')).toBe('alvarez nunez');
  });
});
