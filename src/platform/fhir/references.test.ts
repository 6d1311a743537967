import { describe, expect, it } from 'vitest';
import type { ExplanationOfBenefit, Provenance } from '@medplum/fhirtypes';
import { findReferences, parseReference, rewriteReferences } from './references.ts';

describe('parseReference', () => {
  it('classifies every kind of reference string', () => {
    expect(parseReference('Patient/123')).toEqual({ kind: 'literal', type: 'Patient', id: '123', version: undefined });
    expect(parseReference('Observation/a.b-1/_history/4')).toEqual({ kind: 'literal', type: 'Observation', id: 'a.b-1', version: '4' });
    expect(parseReference('#coverage')).toEqual({ kind: 'contained', id: 'coverage' });
    expect(parseReference('urn:uuid:8a4c9c04-1524-9f1c-d65b-9b17e4520fef').kind).toBe('placeholder');
    expect(parseReference('Organization?identifier=https://github.com/synthetichealth/synthea|71f4')).toEqual({
      kind: 'conditional',
      type: 'Organization',
      query: 'identifier=https://github.com/synthetichealth/synthea|71f4',
    });
    expect(parseReference('https://other.example/fhir/Patient/9')).toEqual({ kind: 'external', value: 'https://other.example/fhir/Patient/9' });
  });

  it('reads absolute URLs to this server as literal references', () => {
    expect(parseReference('https://wellage.test/fhir/R4/Patient/7', 'https://wellage.test/fhir/R4')).toMatchObject({
      kind: 'literal',
      type: 'Patient',
      id: '7',
    });
  });

  it('calls malformed strings invalid', () => {
    expect(parseReference('Patient').kind).toBe('invalid');
    expect(parseReference('patient/1').kind).toBe('invalid');
    expect(parseReference("Patient/1'; drop table fhir_resource; --").kind).toBe('invalid');
    expect(parseReference(`Patient/${'x'.repeat(65)}`).kind).toBe('invalid');
  });
});

describe('findReferences and rewriteReferences', () => {
  const eob = (): ExplanationOfBenefit =>
    ({
      resourceType: 'ExplanationOfBenefit',
      status: 'active',
      contained: [{ resourceType: 'Coverage', id: 'coverage', status: 'active', beneficiary: { reference: 'urn:uuid:p1' }, payor: [{ display: 'X' }] }],
      patient: { reference: 'urn:uuid:p1' },
      provider: { reference: 'Organization?identifier=s|1' },
      insurance: [{ focal: true, coverage: { reference: '#coverage' } }],
      item: [{ sequence: 1, encounter: [{ reference: 'urn:uuid:e1' }] }],
    }) as unknown as ExplanationOfBenefit;

  it('finds references with their FHIRPath, inside contained resources and nested arrays', () => {
    const paths = findReferences(eob()).map((r) => `${r.path}=${r.ref.reference}`);
    expect(paths).toEqual([
      'ExplanationOfBenefit.contained[0].beneficiary=urn:uuid:p1',
      'ExplanationOfBenefit.patient=urn:uuid:p1',
      'ExplanationOfBenefit.provider=Organization?identifier=s|1',
      'ExplanationOfBenefit.insurance[0].coverage=#coverage',
      'ExplanationOfBenefit.item[0].encounter[0]=urn:uuid:e1',
    ]);
  });

  it('rewrites placeholders everywhere and leaves local # references and the rest alone', () => {
    const r = eob();
    const n = rewriteReferences(r, new Map([['urn:uuid:p1', 'Patient/P'], ['urn:uuid:e1', 'Encounter/E']]));
    expect(n).toBe(3);
    expect(r.patient?.reference).toBe('Patient/P');
    expect((r.contained?.[0] as { beneficiary: { reference: string } }).beneficiary.reference).toBe('Patient/P');
    expect(r.item?.[0]?.encounter?.[0]?.reference).toBe('Encounter/E');
    expect(r.insurance?.[0]?.coverage.reference).toBe('#coverage');
    expect(r.provider?.reference).toBe('Organization?identifier=s|1');
  });

  it('rewrites every Provenance.target', () => {
    const targets = Array.from({ length: 50 }, (_, i) => ({ reference: `urn:uuid:r${i}` }));
    const p = { resourceType: 'Provenance', recorded: '2021-01-01T00:00:00Z', agent: [], target: targets } as unknown as Provenance;
    const map = new Map(targets.map((t, i) => [t.reference, `Observation/o${i}`]));
    expect(rewriteReferences(p, map)).toBe(50);
    expect(p.target.map((t) => t.reference)).toEqual(targets.map((_, i) => `Observation/o${i}`));
  });

  it('keeps identifier-only references untouched', () => {
    const role = { resourceType: 'PractitionerRole', practitioner: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '9999982469' } } };
    expect(findReferences(role as never)).toEqual([]);
  });
});
