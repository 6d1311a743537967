import { describe, expect, it } from 'vitest';
import type { Condition, MedicationStatement, Observation, Patient } from '@medplum/fhirtypes';
import { shippedKnowledgeBase, generatePlan } from './index.ts';
import { profileFromRecord, type PatientRecordForPlan } from './profile-from-record.ts';

const kb = shippedKnowledgeBase();
const AS_OF = '2026-11-01';
const patient: Patient = { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1990-06-15' };
const obs = (id: string, code: string, date: string, value: Partial<Observation>): Observation => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, effectiveDateTime: date, ...value,
});
const empty: PatientRecordForPlan = { patient, observations: [], conditions: [], medications: [], allergies: [], procedures: [], goals: [], riskAssessments: [] };

describe('profileFromRecord', () => {
  it('takes age, sex, Fitzpatrick (LOINC 66555-4) and pregnancy from the record, each with its source', () => {
    const r = profileFromRecord({
      ...empty,
      observations: [
        obs('f1', '66555-4', '2025-01-01', { valueCodeableConcept: { coding: [{ code: 'II' }] } }),
        obs('f2', '66555-4', '2026-01-01', { valueCodeableConcept: { coding: [{ code: 'IV' }] } }),
        obs('preg', '82810-3', '2026-09-01', { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '77386006' }] } }),
      ],
      goals: [{ resourceType: 'Goal', id: 'g1', lifecycleStatus: 'active', subject: { reference: 'Patient/p1' }, description: { coding: [{ system: 'https://wellage.dev/fhir/CodeSystem/aesthetic-goal', code: 'soften-dynamic-lines' }] } }],
    }, AS_OF, kb);
    expect(r.input).toMatchObject({ age: 36, sex: 'female', fitzpatrick: 'IV', pregnant: true, goals: [{ concern: 'dynamic-lines', area: 'forehead', rank: 1 }] });
    expect(r.sources.find((s) => s.field === 'fitzpatrick')?.source).toMatchObject({ resourceType: 'Observation', resourceId: 'f2' });
    expect(r.sources.find((s) => s.field === 'pregnant')?.source.resourceId).toBe('preg');
    expect(r.sources.find((s) => s.field === 'goals[0]')?.source).toMatchObject({ resourceType: 'Goal', resourceId: 'g1' });
    expect(r.missing).toContain('cardiovascularRisk');
    // The engine accepts it and excludes neuromodulators for the pregnancy.
    const plan = generatePlan(r.input, { asOf: AS_OF, kb });
    expect(plan.goals[0]!.excluded.some((x) => x.category === 'neuromodulator' && x.because.some((b) => b.ruleId === 'pregnancy'))).toBe(true);
  });

  it('does not use a pregnancy status older than 40 weeks, and says so', () => {
    const r = profileFromRecord({ ...empty, observations: [obs('old', '82810-3', '2025-01-01', { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '77386006' }] } })] }, AS_OF, kb);
    expect(r.input.pregnant).toBe(false);
    expect(r.missing).toContain('pregnant');
  });

  it('classes medications by RxNorm (isotretinoin with its dates and reference) and unknown ones as other', () => {
    const meds: MedicationStatement[] = [
      { resourceType: 'MedicationStatement', id: 'm1', status: 'active', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6064' }], text: 'Isotretinoin 20 mg' }, effectivePeriod: { start: '2026-08-01' } },
      { resourceType: 'MedicationStatement', id: 'm2', status: 'active', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { text: 'Mystery tonic' } },
      { resourceType: 'MedicationStatement', id: 'm3', status: 'entered-in-error', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { text: 'warfarin' } },
    ];
    const r = profileFromRecord({ ...empty, medications: meds }, AS_OF, kb);
    expect(r.input.medications).toEqual([
      { class: 'isotretinoin', name: 'Isotretinoin 20 mg', start: '2026-08-01', ref: 'MedicationStatement/m1' },
      { class: 'other', name: 'Mystery tonic', ref: 'MedicationStatement/m2' },
    ]);
  });

  it('maps conditions, keeps a melanoma in remission out of active cancer, and lists missing goals and sex', () => {
    const conditions: Condition[] = [
      { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '398909004' }], text: 'Rosacea' } },
      { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p1' }, clinicalStatus: { coding: [{ code: 'remission' }] }, code: { coding: [{ system: 'http://snomed.info/sct', code: '372244006' }] } },
    ];
    const r = profileFromRecord({ ...empty, patient: { ...patient, gender: 'unknown' }, conditions }, AS_OF, kb);
    expect(r.input.conditions).toEqual([{ code: 'rosacea', text: 'Rosacea', ref: 'Condition/c1' }]);
    expect(r.missing).toEqual(expect.arrayContaining(['goals', 'sex']));
    expect(r.input.goals).toEqual([]);
  });

  it('uses the intake: ranked concerns, the DCQ screen and the self-assessed Fitzpatrick when no observation exists', () => {
    const r = profileFromRecord({
      ...empty,
      intake: {
        questionnaireResponse: { resourceType: 'QuestionnaireResponse', id: 'qr1', status: 'completed', authored: '2026-10-01T10:00:00Z', item: [{ linkId: 'reason', item: [{ linkId: 'reason.concerns', answer: [{ valueCoding: { code: 'concern-frown-lines' } }, { valueCoding: { code: 'concern-pigmentation' } }, { valueCoding: { code: 'concern-body' } }] }] }] },
        scores: { fitzpatrick: { status: 'scored', type: 'III', total: 18 }, dcq: { status: 'scored', total: 12, positive: true } },
      },
    }, AS_OF, kb);
    expect(r.input.goals).toEqual([{ concern: 'dynamic-lines', area: 'glabella', rank: 1 }, { concern: 'pigmentation', area: 'face', rank: 2 }]);
    expect(r.input.bddScreen).toEqual({ positive: true, score: 12, ref: 'QuestionnaireResponse/qr1' });
    expect(r.input.fitzpatrick).toBe('III');
    expect(r.sources.find((s) => s.field === 'fitzpatrick')?.source.resourceType).toBe('QuestionnaireResponse');
  });

  it('takes SCORE2 from the risk report with its modifiable factors', () => {
    const r = profileFromRecord({
      ...empty,
      risk: { asOf: '2026-11-01T00:00:00Z', results: [
        { model: { id: 'pce', name: 'PCE' }, horizonYears: 10, riskPercent: 9 },
        { model: { id: 'score2', name: 'SCORE2' }, horizonYears: 10, riskPercent: 6.2, category: { code: 'high', label: 'High' }, explanation: { contributions: [{ factor: 'smoker', actual: 'yes', attributedPercentPoints: 2.1 }] } },
      ] },
    }, AS_OF, kb);
    expect(r.input.cardiovascularRisk).toEqual({ model: 'SCORE2', riskPercent: 6.2, horizonYears: 10, category: { code: 'high', label: 'High' }, modifiableFactors: [{ factor: 'smoker', actual: 'yes', attributedPercentPoints: 2.1 }] });
  });
});
