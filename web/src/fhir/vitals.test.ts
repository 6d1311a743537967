import { describe, expect, it } from 'vitest';
import type { Observation } from '@medplum/fhirtypes';
import { LAB_CODES, availableVitals, latestByCodes, latestVital, vitalSeries } from './vitals.ts';

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });

function bp(date: string, sys: number, dia: number, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: loinc('85354-9'),
    effectiveDateTime: date,
    component: [
      { code: loinc('8480-6'), valueQuantity: { value: sys, unit: 'mm[Hg]' } },
      { code: loinc('8462-4'), valueQuantity: { value: dia, unit: 'mm[Hg]' } },
    ],
    ...extra,
  };
}

function single(code: string, date: string, value: number, unit: string, extra: Partial<Observation> = {}): Observation {
  return { resourceType: 'Observation', status: 'final', code: loinc(code), effectiveDateTime: date, valueQuantity: { value, unit }, ...extra };
}

// As the server sends them: newest first (_sort=-date).
const observations: Observation[] = [
  single('29463-7', '2025-06-01', 71.2, 'kg'),
  bp('2025-05-01T09:00:00Z', 124, 80),
  single('8867-4', '2025-05-01T09:00:00Z', 64, '/min'),
  bp('2024-11-01T09:00:00Z', 138, 88),
  bp('2024-12-01T09:00:00Z', 150, 95, { status: 'entered-in-error' }),
  single('29463-7', '2024-06-01', 74.0, 'kg'),
  bp('2023-11-01T09:00:00Z', 142, 90),
  { resourceType: 'Observation', status: 'final', code: loinc('85354-9') }, // no time, no values
];

describe('vitalSeries', () => {
  it('gives blood pressure oldest first with both components, skipping mistaken and empty readings', () => {
    const s = vitalSeries(observations, 'bloodPressure');
    expect(s.map((p) => p.date)).toEqual(['2023-11-01T09:00:00Z', '2024-11-01T09:00:00Z', '2025-05-01T09:00:00Z']);
    expect(s.map((p) => p.values)).toEqual([
      { systolic: 142, diastolic: 90 },
      { systolic: 138, diastolic: 88 },
      { systolic: 124, diastolic: 80 },
    ]);
    expect(s[0]?.unit).toBe('mm[Hg]');
  });

  it('gives single-valued vitals by their own code only', () => {
    expect(vitalSeries(observations, 'bodyWeight').map((p) => p.values.value)).toEqual([74.0, 71.2]);
    expect(vitalSeries(observations, 'heartRate').map((p) => p.values.value)).toEqual([64]);
    expect(vitalSeries(observations, 'bmi')).toEqual([]);
  });

  it('skips a blood pressure with one component missing', () => {
    const half: Observation = { ...bp('2025-01-01', 120, 80), component: [{ code: loinc('8480-6'), valueQuantity: { value: 120 } }] };
    expect(vitalSeries([half], 'bloodPressure')).toEqual([]);
  });

  it('ignores a code from another system', () => {
    const other: Observation = { ...single('8867-4', '2025-01-01', 70, '/min'), code: { coding: [{ system: 'http://example.org', code: '8867-4' }] } };
    expect(vitalSeries([other], 'heartRate')).toEqual([]);
  });
});

describe('latest values', () => {
  it('picks the newest reading regardless of input order', () => {
    expect(latestVital(observations, 'bloodPressure')?.effectiveDateTime).toBe('2025-05-01T09:00:00Z');
    expect(latestVital([...observations].reverse(), 'bodyWeight')?.valueQuantity?.value).toBe(71.2);
    expect(latestVital(observations, 'bmi')).toBeUndefined();
  });

  it('finds LDL by the direct or the calculated code', () => {
    const labs = [single('13457-7', '2025-01-01', 3.1, 'mmol/L'), single('18262-6', '2024-01-01', 3.4, 'mmol/L')];
    expect(latestByCodes(labs, LAB_CODES.ldl)?.valueQuantity?.value).toBe(3.1);
  });

  it('offers only the vitals that have readings', () => {
    expect(availableVitals(observations)).toEqual(['bloodPressure', 'heartRate', 'bodyWeight']);
    expect(availableVitals([])).toEqual([]);
  });
});
