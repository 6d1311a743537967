import type { Condition, MedicationRequest, MedicationStatement, Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  assembleInputs,
  basisOf,
  missingInputs,
  OverrideError,
  toRiskInput,
  type PatientRecord,
} from './record-inputs.ts';
import { scoreModel } from './index.ts';

const AS_OF = new Date('2026-11-01T00:00:00Z');
const LOINC = 'http://loinc.org';
const SCT = 'http://snomed.info/sct';
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const patient = (over: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '1970-06-15', ...over });

let seq = 0;
function lab(code: string, value: number, unit: string, date: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id: `obs-${++seq}`,
    status: 'final',
    code: { coding: [{ system: LOINC, code }] },
    effectiveDateTime: date,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    ...extra,
  };
}
function bpPanel(sbp: number, date: string): Observation {
  return {
    resourceType: 'Observation',
    id: `bp-${++seq}`,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    effectiveDateTime: date,
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: sbp, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
    ],
  };
}
function smoking(code: string, date: string): Observation {
  return {
    resourceType: 'Observation',
    id: `smk-${++seq}`,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '72166-2' }] },
    effectiveDateTime: date,
    valueCodeableConcept: { coding: [{ system: SCT, code }] },
  };
}
function condition(system: string, code: string, status = 'active'): Condition {
  return {
    resourceType: 'Condition',
    id: `cond-${++seq}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system, code }], text: 'Diabetes' },
    subject: { reference: 'Patient/pat-1' },
    onsetDateTime: '2020-01-01',
  };
}
function statement(code: string, status: MedicationStatement['status'] = 'active', end?: string): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    id: `ms-${++seq}`,
    status,
    medicationCodeableConcept: { coding: [{ system: RX, code }], text: `drug ${code}` },
    subject: { reference: 'Patient/pat-1' },
    effectivePeriod: { start: '2024-01-01', ...(end ? { end } : {}) },
  };
}

const record = (r: Partial<PatientRecord>): PatientRecord => ({ patient: patient(), ...r });

describe('assembleInputs: demographics and region', () => {
  it('takes sex from Patient.gender and age in whole years at asOf', () => {
    const a = assembleInputs(record({}), { asOf: AS_OF });
    expect(a.inputs.sex?.value).toBe('male');
    expect(a.inputs.age).toMatchObject({ value: 56, unit: 'years', source: { kind: 'patient', resourceId: 'pat-1' } });
    // The day before the birthday the age is one lower.
    const b = assembleInputs(record({}), { asOf: new Date('2026-06-14T12:00:00Z') });
    expect(b.inputs.age?.value).toBe(55);
  });

  it('leaves sex missing for other or unknown gender and age missing without a birth date', () => {
    const a = assembleInputs(record({ patient: patient({ gender: 'other', birthDate: undefined }) }), { asOf: AS_OF });
    expect(a.inputs.sex).toBeUndefined();
    expect(a.inputs.age).toBeUndefined();
    expect(missingInputs(a.inputs, ['pce'])).toEqual(['sex', 'age', 'race', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'smoker']);
  });

  it('maps the clinic country to the ESC region, and leaves it missing for a country not in the table', () => {
    expect(assembleInputs(record({}), { asOf: AS_OF, country: 'ES' }).inputs.region).toMatchObject({ value: 'low', source: { kind: 'clinic' } });
    expect(assembleInputs(record({}), { asOf: AS_OF, country: 'PL' }).inputs.region?.value).toBe('high');
    const us = assembleInputs(record({}), { asOf: AS_OF, country: 'US' });
    expect(us.inputs.region).toBeUndefined();
    expect(missingInputs(us.inputs, ['score2'])).toContain('region');
  });
});

describe('assembleInputs: lipids', () => {
  it('takes the latest panel, keeps the recorded unit and points at the Observations', () => {
    const oldTc = lab('2093-3', 250, 'mg/dL', '2024-02-01');
    const newTc = lab('2093-3', 212, 'mg/dL', '2026-08-12T09:00:00Z');
    const newHdl = lab('2085-9', 48, 'mg/dL', '2026-08-12T09:00:00Z');
    const a = assembleInputs(record({ observations: [oldTc, newHdl, newTc, lab('2085-9', 40, 'mg/dL', '2024-02-01')] }), { asOf: AS_OF });
    expect(a.inputs.totalCholesterol).toMatchObject({ value: 212, unit: 'mg/dL' });
    expect(a.inputs.totalCholesterol?.source).toEqual({
      kind: 'observation',
      resourceType: 'Observation',
      resourceId: newTc.id,
      date: '2026-08-12T09:00:00Z',
      ageDays: 80,
      display: 'Total cholesterol 212 mg/dL, 2026-08-12 (LOINC 2093-3)',
      stale: false,
    });
    expect(a.inputs.hdlCholesterol?.source.resourceId).toBe(newHdl.id);
  });

  it('keeps mmol/L as recorded and the engines score it', () => {
    const a = assembleInputs(
      record({ observations: [lab('2093-3', 5.5, 'mmol/L', '2026-05-01'), lab('2085-9', 1.3, 'mmol/L', '2026-05-01')] }),
      { asOf: AS_OF, country: 'ES' },
    );
    expect(a.inputs.totalCholesterol).toMatchObject({ value: 5.5, unit: 'mmol/L' });
    expect(toRiskInput(a).hdlCholesterol).toEqual({ value: 1.3, unit: 'mmol/L' });
  });

  it('prefers a date with both values over a newer lone total', () => {
    const pairTc = lab('2093-3', 200, 'mg/dL', '2025-03-01');
    const pairHdl = lab('2085-9', 55, 'mg/dL', '2025-03-01');
    const loneTc = lab('2093-3', 230, 'mg/dL', '2026-01-01');
    const a = assembleInputs(record({ observations: [loneTc, pairTc, pairHdl] }), { asOf: AS_OF });
    expect(a.inputs.totalCholesterol?.source.resourceId).toBe(pairTc.id);
    expect(a.inputs.hdlCholesterol?.source.resourceId).toBe(pairHdl.id);
  });

  it('flags lipids older than 5 years as stale but still uses them', () => {
    const a = assembleInputs(record({ observations: [lab('2093-3', 200, 'mg/dL', '2020-01-01'), lab('2085-9', 50, 'mg/dL', '2020-01-01')] }), { asOf: AS_OF });
    expect(a.inputs.totalCholesterol?.source.stale).toBe(true);
    expect(a.inputs.totalCholesterol?.source.display).toMatch(/stale: older than 5 years/);
    const fresh = assembleInputs(record({ observations: [lab('2093-3', 200, 'mg/dL', '2022-01-01')] }), { asOf: AS_OF });
    expect(fresh.inputs.totalCholesterol?.source.stale).toBe(false);
  });

  it('never guesses a unit: an unknown unit is passed on as recorded and the engine refuses it', () => {
    const a = assembleInputs(record({ observations: [lab('2093-3', 2.1, 'g/L', '2026-05-01'), lab('2085-9', 50, 'mg/dL', '2026-05-01')] }), { asOf: AS_OF });
    expect(a.inputs.totalCholesterol).toMatchObject({ value: 2.1, unit: 'g/L' });
    const input = { ...toRiskInput(a), race: 'white' as const, systolicBp: { value: 120, unit: 'mmHg' as const }, smoker: false };
    const entry = scoreModel('pce', input).entries[0];
    expect(entry).toMatchObject({ ok: false, code: 'UNKNOWN_UNIT', field: 'totalCholesterol' });
  });

  it('ignores observations after asOf, entered in error, or without a value', () => {
    const a = assembleInputs(
      record({
        observations: [
          lab('2093-3', 190, 'mg/dL', '2026-01-01'),
          lab('2093-3', 300, 'mg/dL', '2026-12-01'),
          lab('2093-3', 310, 'mg/dL', '2026-10-01', { status: 'entered-in-error' }),
          { ...lab('2093-3', 0, 'mg/dL', '2026-10-02'), valueQuantity: undefined },
        ],
      }),
      { asOf: AS_OF },
    );
    expect(a.inputs.totalCholesterol?.value).toBe(190);
  });
});

describe('assembleInputs: blood pressure', () => {
  it('averages the latest three readings within two years (panel components and lone 8480-6)', () => {
    const obs = [
      bpPanel(150, '2026-10-01'),
      lab('8480-6', 140, 'mm[Hg]', '2026-06-01'),
      bpPanel(130, '2026-01-01'),
      bpPanel(100, '2025-06-01'), // fourth: not used
    ];
    const a = assembleInputs(record({ observations: obs }), { asOf: AS_OF });
    expect(a.inputs.systolicBp).toMatchObject({ value: 140, unit: 'mmHg' });
    expect(a.inputs.systolicBp?.source).toMatchObject({ resourceId: obs[0]?.id, stale: false });
    expect(a.inputs.systolicBp?.source.display).toBe('Systolic BP 140 mmHg, mean of 3 readings 2026-01-01 to 2026-10-01 (LOINC 8480-6)');
    expect(a.basis.systolicBp).toEqual(obs.slice(0, 3).map((o) => `Observation/${o.id}`));
  });

  it('uses only readings within two years, and falls back to the latest older one flagged stale', () => {
    const inWindow = assembleInputs(record({ observations: [bpPanel(120, '2026-03-01'), bpPanel(180, '2023-01-01')] }), { asOf: AS_OF });
    expect(inWindow.inputs.systolicBp?.value).toBe(120);
    const old = assembleInputs(record({ observations: [bpPanel(150, '2023-06-01'), bpPanel(170, '2022-01-01')] }), { asOf: AS_OF });
    expect(old.inputs.systolicBp).toMatchObject({ value: 150, source: { stale: true } });
    expect(old.inputs.systolicBp?.source.display).toMatch(/stale: older than 2 years/);
  });

  it('gives QRISK3 the standard deviation of recent readings (at least two)', () => {
    const a = assembleInputs(record({ observations: [bpPanel(120, '2026-10-01'), bpPanel(130, '2026-06-01'), bpPanel(140, '2026-01-01')] }), { asOf: AS_OF });
    expect(a.qrisk3.sbpStandardDeviation?.value).toBeCloseTo(10, 10);
    const one = assembleInputs(record({ observations: [bpPanel(120, '2026-10-01')] }), { asOf: AS_OF });
    expect(one.qrisk3.sbpStandardDeviation).toBeUndefined();
  });
});

describe('assembleInputs: smoking', () => {
  it.each([
    ['449868002', true],
    ['428071000124103', true],
    ['428041000124106', true],
    ['77176002', true],
    ['8517006', false],
    ['266919005', false],
  ])('SNOMED CT %s means current smoker = %s', (code, current) => {
    const a = assembleInputs(record({ observations: [smoking(code, '2026-01-01')] }), { asOf: AS_OF });
    expect(a.inputs.smoker?.value).toBe(current);
  });

  it('takes the latest answer, and treats "unknown" as missing', () => {
    const a = assembleInputs(record({ observations: [smoking('449868002', '2024-01-01'), smoking('8517006', '2026-05-01')] }), { asOf: AS_OF });
    expect(a.inputs.smoker?.value).toBe(false);
    expect(a.qrisk3.smoking).toBe('ex');
    const unknown = assembleInputs(record({ observations: [smoking('266927001', '2026-05-01')] }), { asOf: AS_OF });
    expect(unknown.inputs.smoker).toBeUndefined();
    expect(missingInputs(unknown.inputs, ['score2'])).toContain('smoker');
  });
});

describe('assembleInputs: diabetes', () => {
  it('reads an active type 2 diagnosis, with its type for QRISK3', () => {
    const c = condition(SCT, '44054006');
    const a = assembleInputs(record({ conditions: [c] }), { asOf: AS_OF });
    expect(a.inputs.diabetes).toMatchObject({ value: true, source: { kind: 'condition', resourceId: c.id } });
    expect(a.qrisk3.diabetesType).toBe('type2');
    expect(assembleInputs(record({ conditions: [condition('http://hl7.org/fhir/sid/icd-10', 'E10.9')] }), { asOf: AS_OF }).qrisk3.diabetesType).toBe('type1');
  });

  it('ignores resolved, refuted and gestational diagnoses', () => {
    const refuted = { ...condition(SCT, '44054006'), verificationStatus: { coding: [{ code: 'refuted' }] } };
    const a = assembleInputs(record({ conditions: [condition(SCT, '44054006', 'resolved'), refuted, condition(SCT, '11687002')] }), { asOf: AS_OF });
    expect(a.inputs.diabetes).toMatchObject({ value: false, source: { kind: 'default' } });
  });

  it('counts an HbA1c of 6.5% or more (ADA), but not 6.4%', () => {
    const high = lab('4548-4', 6.5, '%', '2026-09-01');
    const a = assembleInputs(record({ observations: [high] }), { asOf: AS_OF });
    expect(a.inputs.diabetes).toMatchObject({ value: true, source: { kind: 'observation', resourceId: high.id } });
    expect(a.inputs.diabetes?.source.display).toMatch(/ADA threshold/);
    expect(assembleInputs(record({ observations: [lab('4548-4', 48, 'mmol/mol', '2026-09-01')] }), { asOf: AS_OF }).inputs.diabetes?.value).toBe(true);
    const low = assembleInputs(record({ observations: [lab('4548-4', 6.4, '%', '2026-09-01')] }), { asOf: AS_OF });
    expect(low.inputs.diabetes?.value).toBe(false);
    expect(low.inputs.hba1c).toMatchObject({ value: 6.4, unit: '%' });
  });
});

describe('assembleInputs: medications', () => {
  it('detects an active statin and antihypertensive from MedicationStatement and MedicationRequest', () => {
    const atorva = statement('83367');
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'mr-1',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RX, code: '17767' }], text: 'Amlodipine 5 mg' },
      subject: { reference: 'Patient/pat-1' },
      authoredOn: '2025-02-01',
    };
    const a = assembleInputs(record({ medicationStatements: [atorva], medicationRequests: [request] }), { asOf: AS_OF });
    expect(a.inputs.statin).toMatchObject({ value: true, source: { kind: 'medication', resourceId: atorva.id } });
    expect(a.inputs.bpTreated).toMatchObject({ value: true, source: { kind: 'medication', resourceType: 'MedicationRequest', resourceId: 'mr-1' } });
    expect(basisOf(a)).toEqual(expect.arrayContaining([`MedicationStatement/${atorva.id}`, 'MedicationRequest/mr-1']));
  });

  it('does not count stopped or completed medications, other drugs, or spironolactone coded in ATC', () => {
    const a = assembleInputs(
      record({
        medicationStatements: [
          statement('83367', 'completed', '2025-01-01'),
          statement('35296', 'active', '2026-01-01'), // ended before asOf
          statement('6809'), // metformin
          { ...statement('x'), medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'C03DA01' }] } },
        ],
      }),
      { asOf: AS_OF },
    );
    expect(a.inputs.statin).toMatchObject({ value: false, source: { kind: 'default' } });
    expect(a.inputs.bpTreated?.value).toBe(false);
    const atc = assembleInputs(record({ medicationStatements: [{ ...statement('x'), medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'C09AA05' }] } }] }), { asOf: AS_OF });
    expect(atc.inputs.bpTreated?.value).toBe(true);
  });
});

describe('assembleInputs: latest single values', () => {
  it('takes the latest eGFR, BMI and HbA1c with engine units, stale after their rules', () => {
    const a = assembleInputs(
      record({
        observations: [
          lab('33914-3', 70, 'mL/min/{1.73_m2}', '2024-01-01'),
          lab('62238-1', 85, 'mL/min/{1.73_m2}', '2025-06-01'),
          lab('39156-5', 26.5, 'kg/m2', '2026-10-01'),
        ],
      }),
      { asOf: AS_OF },
    );
    expect(a.inputs.egfr).toMatchObject({ value: 85, unit: 'mL/min/1.73m2', source: { stale: true } });
    expect(a.inputs.bmi).toMatchObject({ value: 26.5, unit: 'kg/m2', source: { stale: false } });
  });
});

describe('missing and overrides', () => {
  const full = (): PatientRecord =>
    record({
      observations: [
        lab('2093-3', 213, 'mg/dL', '2026-08-01'),
        lab('2085-9', 50, 'mg/dL', '2026-08-01'),
        bpPanel(120, '2026-08-01'),
        smoking('266919005', '2026-08-01'),
      ],
    });

  it('always asks PCE for race, and asks only what the applicable models need', () => {
    const a = assembleInputs(full(), { asOf: AS_OF, country: 'ES' });
    expect(missingInputs(a.inputs, ['pce'])).toEqual(['race']);
    expect(missingInputs(a.inputs, ['score2'])).toEqual([]);
    expect(missingInputs(a.inputs, ['prevent'])).toEqual(['egfr', 'bmi']);
    // A 35-year-old is outside PCE's 40-79: race is not asked...
    const young = assembleInputs({ ...full(), patient: patient({ birthDate: '1991-01-01' }) }, { asOf: AS_OF });
    expect(missingInputs(young.inputs, ['pce'])).toEqual([]);
    // ...unless the clinician asks for an extrapolated score.
    expect(missingInputs(young.inputs, ['pce'], true)).toEqual(['race']);
  });

  it('replaces a value with the clinician’s and marks it entered; PCE then scores', () => {
    const a = applyOverrides(assembleInputs(full(), { asOf: AS_OF }), { race: 'white', systolicBp: 130, totalCholesterol: { value: 5.2, unit: 'mmol/L' } });
    expect(a.inputs.race).toEqual({ value: 'white', source: { kind: 'entered', display: 'Entered by the clinician: white' } });
    expect(a.inputs.systolicBp).toMatchObject({ value: 130, unit: 'mmHg', source: { kind: 'entered' } });
    expect(a.basis.systolicBp).toBeUndefined();
    expect(missingInputs(a.inputs, ['pce'])).toEqual([]);
    expect(scoreModel('pce', toRiskInput(a)).entries[0]?.ok).toBe(true);
  });

  it.each([
    ['race', 'asian', /one of white, black, other/],
    ['totalCholesterol', 212, /units are never guessed/],
    ['totalCholesterol', { value: 5.2, unit: 'mg/dL' }, /not plausible/],
    ['hdlCholesterol', { value: 50, unit: 'g/L' }, /unit must be mg\/dL or mmol\/L/],
    ['smoker', 'yes', /true or false/],
    ['systolicBp', 400, /not plausible/],
    ['age', 55.5, /whole years/],
    ['weight', 80, /not an input/],
  ])('refuses the override %s = %j naming the field', (field, value, message) => {
    const a = assembleInputs(full(), { asOf: AS_OF });
    let error: unknown;
    try {
      applyOverrides(a, { [field]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OverrideError);
    expect((error as OverrideError).field).toBe(field);
    expect((error as OverrideError).message).toMatch(message);
  });
});
