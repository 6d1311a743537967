import { describe, expect, it } from 'vitest';
import type { Bundle } from '@medplum/fhirtypes';
import { bundleResources, fhirLinkPath, fhirSearchPath } from './client.ts';

const ORIGIN = 'http://127.0.0.1:3000';

describe('fhirLinkPath', () => {
  it('keeps path and query of a full paging link from the server', () => {
    expect(fhirLinkPath('http://127.0.0.1:3000/fhir/R4/Patient?name=ana&_count=20&_offset=20', ORIGIN)).toBe(
      '/fhir/R4/Patient?name=ana&_count=20&_offset=20',
    );
  });

  it('makes a link with another host local, so the session cookie still travels', () => {
    expect(fhirLinkPath('https://proxy.example/fhir/R4/Patient?_offset=40', ORIGIN)).toBe('/fhir/R4/Patient?_offset=40');
  });

  it('accepts a relative link', () => {
    expect(fhirLinkPath('/fhir/R4/Patient?_offset=20', ORIGIN)).toBe('/fhir/R4/Patient?_offset=20');
  });

  it('refuses links outside the FHIR base and garbage', () => {
    expect(fhirLinkPath('http://127.0.0.1:3000/api/audit', ORIGIN)).toBeUndefined();
    expect(fhirLinkPath('javascript:alert(1)', ORIGIN)).toBeUndefined();
    expect(fhirLinkPath('http://[bad', ORIGIN)).toBeUndefined();
    expect(fhirLinkPath(undefined, ORIGIN)).toBeUndefined();
    expect(fhirLinkPath('', ORIGIN)).toBeUndefined();
  });
});

describe('fhirSearchPath', () => {
  it('encodes parameters and leaves empty ones out', () => {
    expect(fhirSearchPath('Patient', { name: 'José & Ana', _count: 20, _sort: 'family', birthdate: '', gender: undefined })).toBe(
      '/fhir/R4/Patient?name=Jos%C3%A9+%26+Ana&_count=20&_sort=family',
    );
    expect(fhirSearchPath('Patient', {})).toBe('/fhir/R4/Patient');
  });
});

describe('bundleResources', () => {
  it('returns the entries of the asked type only (not OperationOutcome or included resources)', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p' } } },
        { resource: { resourceType: 'OperationOutcome', issue: [] } },
        { fullUrl: 'x' },
        { resource: { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p' } } },
      ],
    };
    expect(bundleResources(bundle, 'Condition').map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(bundleResources(undefined, 'Condition')).toEqual([]);
  });
});
