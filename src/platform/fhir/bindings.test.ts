/**
 * Required bindings on `code` elements: bad codes are refused naming the element, good
 * ones pass, and every resource WellAge itself produces or ships (demo seed, fixtures,
 * the Synthea set when present) still passes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { AppError } from '../errors.ts';
import { generateClinicPopulation } from '../seed/synthetic.ts';
import { bindingStats, checkRequiredBindings } from './bindings.ts';
import { validateFhirResource } from './validate.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/fhir');
const SYNTHEA = path.resolve(import.meta.dirname, '../../../../shared/data/fhir/synthea');
const syntheaPresent = fs.existsSync(path.join(SYNTHEA, 'SOURCE.md'));

/** The AppError validateFhirResource throws for `value`, or undefined when it accepts it. */
function refusal(value: unknown, prefix?: string): AppError | undefined {
  try {
    validateFhirResource(value, prefix);
    return undefined;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
}

const entriesOf = (b: Bundle): Resource[] => (b.entry ?? []).map((e) => e.resource as Resource).filter(Boolean);

/** Every violation among `resources`, as readable strings (empty when all pass). */
function violations(resources: readonly Resource[]): string[] {
  const out: string[] = [];
  for (const r of resources) {
    const v = checkRequiredBindings(r);
    if (v) out.push(`${r.resourceType}/${r.id}: ${v.path} '${v.value}' ∉ ${v.valueSet}`);
  }
  return out;
}

describe('required bindings through validateFhirResource', () => {
  it("refuses Patient.gender 'robot', naming the element and the value set", () => {
    const e = refusal({ resourceType: 'Patient', gender: 'robot' });
    expect(e?.code).toBe('INVALID_RESOURCE');
    expect(e?.field).toBe('Patient.gender');
    expect(e?.message).toBe("Patient.gender: 'robot' is not in the value set http://hl7.org/fhir/ValueSet/administrative-gender");
  });

  it('accepts every administrative gender', () => {
    for (const gender of ['female', 'male', 'other', 'unknown']) expect(refusal({ resourceType: 'Patient', gender }), gender).toBeUndefined();
  });

  it('codes are case-sensitive', () => {
    expect(refusal({ resourceType: 'Patient', gender: 'Female' })?.field).toBe('Patient.gender');
  });

  it("refuses Observation.status 'done' and accepts 'final'", () => {
    const obs = { resourceType: 'Observation', code: { text: 'Weight' } };
    expect(refusal({ ...obs, status: 'done' })?.field).toBe('Observation.status');
    expect(refusal({ ...obs, status: 'final' })).toBeUndefined();
  });

  it('checks nested backbone elements and datatypes with their array indices', () => {
    expect(refusal({ resourceType: 'Patient', contact: [{ name: { family: 'A' }, gender: 'female' }, { name: { family: 'B' }, gender: 'x' }] })?.field).toBe(
      'Patient.contact[1].gender',
    );
    expect(refusal({ resourceType: 'Patient', telecom: [{ system: 'phone', value: '1' }, { system: 'pigeon', value: '2' }] })?.field).toBe(
      'Patient.telecom[1].system',
    );
    expect(refusal({ resourceType: 'Patient', name: [{ use: 'nickname', family: 'A' }, { use: 'alias', family: 'B' }] })?.field).toBe('Patient.name[1].use');
    expect(refusal({ resourceType: 'Patient', address: [{ use: 'home', city: 'Madrid' }] })).toBeUndefined();
    expect(refusal({ resourceType: 'Patient', address: [{ use: 'castle', city: 'Madrid' }] })?.field).toBe('Patient.address[0].use');
  });

  it('checks datatypes inside datatypes and choice elements (Quantity.comparator, Timing.repeat)', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'HbA1c' } };
    expect(refusal({ ...obs, valueQuantity: { value: 5, comparator: '<' } })).toBeUndefined();
    expect(refusal({ ...obs, valueQuantity: { value: 5, comparator: '==' } })?.field).toBe('Observation.valueQuantity.comparator');
    const med = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, medicationCodeableConcept: { text: 'x' } };
    expect(refusal({ ...med, dosageInstruction: [{ timing: { repeat: { dayOfWeek: ['mon', 'fri'] } } }] })).toBeUndefined();
    expect(refusal({ ...med, dosageInstruction: [{ timing: { repeat: { dayOfWeek: ['mon', 'funday'] } } }] })?.field).toBe(
      'MedicationRequest.dosageInstruction[0].timing.repeat.dayOfWeek[1]',
    );
  });

  it('checks AllergyIntolerance.criticality', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      patient: { reference: 'Patient/1' },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      code: { text: 'Penicillin' },
    };
    expect(refusal({ ...allergy, criticality: 'high' })).toBeUndefined();
    expect(refusal({ ...allergy, criticality: 'severe' })?.field).toBe('AllergyIntolerance.criticality');
  });

  it('checks recursive items (Questionnaire.item.item, a contentReference)', () => {
    const q = (type: string) => ({ resourceType: 'Questionnaire', status: 'active', item: [{ linkId: 'g', type: 'group', item: [{ linkId: 'q', text: 'Q', type }] }] });
    expect(refusal(q('boolean'))).toBeUndefined();
    expect(refusal(q('yes-no'))?.field).toBe('Questionnaire.item[0].item[0].type');
  });

  it('checks contained resources under the container path', () => {
    const practitioner = { resourceType: 'Practitioner', id: 'p1', gender: 'robot' };
    const e = refusal({ resourceType: 'Patient', contained: [practitioner], generalPractitioner: [{ reference: '#p1' }] });
    expect(e?.field).toBe('Patient.contained[0].gender');
    expect(refusal({ resourceType: 'Patient', contained: [{ ...practitioner, gender: 'male' }], generalPractitioner: [{ reference: '#p1' }] })).toBeUndefined();
  });

  it('names the element under a bundle entry prefix', () => {
    expect(refusal({ resourceType: 'Patient', gender: 'robot' }, 'Bundle.entry[2].resource')?.field).toBe('Bundle.entry[2].resource.gender');
  });

  it('leaves unexpandable bindings (MIME types) unchecked rather than refusing valid data', () => {
    expect(refusal({ resourceType: 'Binary', contentType: 'application/x-wellage-test' })).toBeUndefined();
  });
});

describe('checkRequiredBindings', () => {
  it('returns the first violation in document order with its value set', () => {
    expect(checkRequiredBindings({ resourceType: 'Observation', status: 'done', valueQuantity: { comparator: '==' } })).toEqual({
      path: 'Observation.status',
      value: 'done',
      valueSet: 'http://hl7.org/fhir/ValueSet/observation-status',
    });
  });

  it('ignores non-resources and unknown types (structural validation reports those)', () => {
    expect(checkRequiredBindings(null)).toBeUndefined();
    expect(checkRequiredBindings('Patient')).toBeUndefined();
    expect(checkRequiredBindings({ resourceType: 'Robot', gender: 'robot' })).toBeUndefined();
  });

  it('checks ~340 bindings and skips exactly the 16 it cannot expand', () => {
    const stats = bindingStats();
    expect(stats.checked).toBeGreaterThan(300);
    // MIME types (BCP-13) and ISO 4217 currencies are not in the bundles; the last three
    // bind R4B/R5 value set versions that valuesets.json (R4 4.0.1) does not hold.
    const skippedValueSets = new Set(stats.skipped.map((s) => s.split(' → ')[1]));
    expect([...skippedValueSets].sort()).toEqual([
      'http://hl7.org/fhir/ValueSet/characteristic-combination|5.0.0',
      'http://hl7.org/fhir/ValueSet/currencies|4.0.1',
      'http://hl7.org/fhir/ValueSet/mimetypes|4.0.1',
      'http://hl7.org/fhir/ValueSet/subscription-notification-type|4.3.0',
      'http://hl7.org/fhir/ValueSet/subscription-status|4.3.0',
    ]);
    expect(stats.skipped).toHaveLength(16);
  });
});

describe('real resources still pass', () => {
  it('every resource of the demo seed population', () => {
    const opts = { seed: 'wellage-demo', count: 30, referenceDate: new Date('2026-11-01T00:00:00Z') } as const;
    for (const [clinicId, locale] of [['clinic-aurora', 'es'], ['clinic-lumen', 'en']] as const) {
      const pop = generateClinicPopulation({ ...opts, clinicId, locale });
      const resources = [pop.clinicBundle, ...pop.patientBundles].flatMap(entriesOf);
      expect(resources.length).toBeGreaterThan(100);
      expect(violations(resources)).toEqual([]);
      for (const r of resources) expect(refusal(r), `${r.resourceType}/${r.id}`).toBeUndefined();
    }
  });

  it('every resource of the committed fixtures', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const resources = entriesOf(JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as Bundle);
      expect(resources.length, f).toBeGreaterThan(0);
      expect(violations(resources), f).toEqual([]);
    }
  });

  it.skipIf(!syntheaPresent)('every resource of the 22 Synthea bundles', { timeout: 120_000 }, () => {
    const files = fs.readdirSync(SYNTHEA).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(22);
    let count = 0;
    for (const f of files) {
      const resources = entriesOf(JSON.parse(fs.readFileSync(path.join(SYNTHEA, f), 'utf8')) as Bundle);
      count += resources.length;
      expect(violations(resources), f).toEqual([]);
    }
    expect(count).toBeGreaterThan(14_000);
  });
});
