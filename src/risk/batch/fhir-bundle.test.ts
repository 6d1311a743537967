import type { Bundle, BundleEntry, Observation } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { BundleInputError, bundleToRows } from './fhir-bundle.ts';
import { scoreRow } from './rows.ts';

const AS_OF = new Date('2026-11-01T00:00:00Z');

function obs(subject: string, code: string, value: number, unit: string, date = '2026-05-01'): BundleEntry {
  const o: Observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: subject },
    effectiveDateTime: date,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
  return { resource: o };
}

const bundle = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry });

describe('bundleToRows', () => {
  it('gives one row per Patient, linking resources by Patient/id and by fullUrl', () => {
    const rows = bundleToRows(
      bundle([
        { fullUrl: 'urn:uuid:aaaa', resource: { resourceType: 'Patient', id: 'a', gender: 'female', birthDate: '1960-01-01' } },
        { resource: { resourceType: 'Patient', id: 'b', gender: 'male', birthDate: '1980-01-01' } },
        obs('urn:uuid:aaaa', '2093-3', 210, 'mg/dL'),
        obs('Patient/b', '2093-3', 190, 'mg/dL'),
        obs('Patient/nobody', '2093-3', 300, 'mg/dL'),
      ]),
      { asOf: AS_OF },
    );
    expect(rows.map((r) => [r.id, r.sex, r.age, r.total_cholesterol, r.cholesterol_unit])).toEqual([
      ['a', 'female', '66', '210', 'mg/dL'],
      ['b', 'male', '46', '190', 'mg/dL'],
    ]);
  });

  it('writes HDL in the total’s unit when recorded in the other accepted unit, and never invents a unit', () => {
    const [row] = bundleToRows(
      bundle([
        { resource: { resourceType: 'Patient', id: 'a', gender: 'male', birthDate: '1960-01-01' } },
        obs('Patient/a', '2093-3', 200, 'mg/dL'),
        obs('Patient/a', '2085-9', 1.0, 'mmol/L'),
      ]),
      { asOf: AS_OF },
    );
    expect(row?.cholesterol_unit).toBe('mg/dL');
    expect(Number(row?.hdl_cholesterol)).toBeCloseTo(38.67, 10);
    const [odd] = bundleToRows(
      bundle([{ resource: { resourceType: 'Patient', id: 'a', gender: 'male', birthDate: '1960-01-01' } }, obs('Patient/a', '2093-3', 2, 'g/L')]),
      { asOf: AS_OF },
    );
    // The unit goes through as recorded, and the row is refused naming it.
    expect(odd?.cholesterol_unit).toBe('g/L');
    expect(scoreRow(odd as Record<string, string>, ['pce'])[0]?.error).toMatch(/^cholesterol_unit: 'g\/L'/);
  });

  it('takes the region from the Patient’s address, else the default country', () => {
    const rows = bundleToRows(
      bundle([
        { resource: { resourceType: 'Patient', id: 'a', gender: 'male', birthDate: '1960-01-01', address: [{ country: 'PL' }] } },
        { resource: { resourceType: 'Patient', id: 'b', gender: 'male', birthDate: '1960-01-01' } },
      ]),
      { asOf: AS_OF, country: 'ES' },
    );
    expect(rows.map((r) => r.region)).toEqual(['high', 'low']);
    expect(rows.every((r) => r.race === '')).toBe(true); // race is never read or guessed
  });

  it('refuses what is not a Bundle', () => {
    expect(() => bundleToRows({ resourceType: 'Patient' }, { asOf: AS_OF })).toThrow(BundleInputError);
    expect(() => bundleToRows(null, { asOf: AS_OF })).toThrow(/not a FHIR Bundle/);
    expect(() => bundleToRows({ resourceType: 'Bundle', entry: {} }, { asOf: AS_OF })).toThrow(/entry must be an array/);
    expect(bundleToRows({ resourceType: 'Bundle' }, { asOf: AS_OF })).toEqual([]);
  });
});
