import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { dateRange } from './dates.ts';
import { parseSearch } from './search-params.ts';

function refusal(fn: () => unknown): { code: string; field: string | undefined } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, field: e.field };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('dateRange', () => {
  it('turns partial dates into the whole period they cover', () => {
    expect(dateRange('2021')).toEqual({ start: '2021-01-01T00:00:00.000Z', end: '2022-01-01T00:00:00.000Z' });
    expect(dateRange('2021-02')).toEqual({ start: '2021-02-01T00:00:00.000Z', end: '2021-03-01T00:00:00.000Z' });
    expect(dateRange('2020-12-31')).toEqual({ start: '2020-12-31T00:00:00.000Z', end: '2021-01-01T00:00:00.000Z' });
  });
  it('honours time-zone offsets (Synthea writes +01:00 / +02:00)', () => {
    expect(dateRange('2011-09-09T01:21:42+02:00')).toEqual({ start: '2011-09-08T23:21:42.000Z', end: '2011-09-08T23:21:43.000Z' });
  });
  it('rejects what is not a date', () => {
    for (const bad of ['', '21', '2021-13', '2021-02-30', '2021-01-01T25:00', 'yesterday', "2021'; --"]) {
      expect(dateRange(bad), bad).toBeUndefined();
    }
  });
});

describe('parseSearch', () => {
  it('reads the common parameters and paging', () => {
    const r = parseSearch('Observation', new URLSearchParams('patient=Patient/1&_count=5&_offset=10&_sort=-date,_lastUpdated'));
    expect(r.count).toBe(5);
    expect(r.offset).toBe(10);
    expect(r.sort).toEqual([
      { param: 'date', descending: true },
      { param: '_lastUpdated', descending: false },
    ]);
    expect(r.filters).toEqual([{ kind: 'reference', param: 'patient', values: ['Patient/1'] }]);
  });

  it('defaults to 20 results and caps _count at 1000', () => {
    expect(parseSearch('Patient', new URLSearchParams()).count).toBe(20);
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_count=1001')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: '_count' });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_count=-1')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: '_count' });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_count=ten')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: '_count' });
  });

  it('accepts a bare id for a reference parameter', () => {
    const r = parseSearch('Condition', new URLSearchParams('subject=abc'));
    expect(r.filters).toEqual([{ kind: 'reference', param: 'subject', values: ['*/abc'] }]);
  });

  it('reads the token forms system|code, code, |code and system|', () => {
    const r = parseSearch('Observation', new URLSearchParams('code=http://loinc.org|85354-9,8302-2&category=|x&status:not=final&combo-code=http://loinc.org|'));
    expect(r.filters).toEqual([
      { kind: 'token', param: 'code', not: false, values: [{ system: 'http://loinc.org', code: '85354-9' }, { code: '8302-2' }] },
      { kind: 'token', param: 'category', not: false, values: [{ system: null, code: 'x' }] },
      { kind: 'token', param: 'status', not: true, values: [{ code: 'final' }] },
      { kind: 'token', param: 'combo-code', not: false, values: [{ system: 'http://loinc.org', code: undefined }] },
    ]);
  });

  it('reads date prefixes and partial dates', () => {
    const r = parseSearch('Observation', new URLSearchParams('date=ge2021-07&date=lt2022'));
    expect(r.filters).toEqual([
      { kind: 'date', param: 'date', prefix: 'ge', start: '2021-07-01T00:00:00.000Z', end: '2021-08-01T00:00:00.000Z' },
      { kind: 'date', param: 'date', prefix: 'lt', start: '2022-01-01T00:00:00.000Z', end: '2023-01-01T00:00:00.000Z' },
    ]);
    expect(refusal(() => parseSearch('Observation', new URLSearchParams('date=ge2021-7')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: 'date' });
  });

  it('normalizes name searches (case and accents)', () => {
    const r = parseSearch('Patient', new URLSearchParams('name=GUZMÁN'));
    expect(r.filters).toEqual([{ kind: 'string', param: 'name', match: 'contains', values: ['guzman'] }]);
  });

  it('refuses unknown parameters, modifiers and sorts, naming them', () => {
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('colour=blue')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: 'colour' });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_include=Patient:organization')))).toEqual({
      code: 'UNSUPPORTED_SEARCH',
      field: '_include',
    });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('name:fuzzy=x')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: 'name:fuzzy' });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_sort=shoe')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: '_sort' });
    expect(refusal(() => parseSearch('Patient', new URLSearchParams('_id=a/b')))).toEqual({ code: 'UNSUPPORTED_SEARCH', field: '_id' });
  });

  it('knows the parameters of every type the platform relies on', () => {
    const expected: Record<string, string[]> = {
      Patient: ['name', 'family', 'given', 'birthdate', 'gender', 'identifier'],
      Observation: ['patient', 'subject', 'code', 'date', 'status', 'category'],
      Condition: ['patient', 'subject', 'code', 'clinical-status', 'category'],
      MedicationStatement: ['patient', 'subject', 'code', 'status'],
      AllergyIntolerance: ['patient', 'code', 'clinical-status', 'date'],
      FamilyMemberHistory: ['patient', 'code', 'status', 'date'],
      Procedure: ['patient', 'subject', 'code', 'date', 'status'],
      Consent: ['patient', 'status', 'category', 'date'],
      Media: ['patient', 'subject', 'status'],
      DocumentReference: ['patient', 'subject', 'status', 'date', 'category'],
      DiagnosticReport: ['patient', 'subject', 'code', 'date', 'status', 'category'],
      RiskAssessment: ['patient', 'subject', 'date'],
      CarePlan: ['patient', 'subject', 'date', 'status', 'category'],
      Questionnaire: ['code', 'date', 'status', 'identifier'],
      QuestionnaireResponse: ['patient', 'subject', 'status', 'identifier'],
      Practitioner: ['name', 'identifier'],
      Organization: ['identifier', 'name'],
    };
    for (const [type, params] of Object.entries(expected)) {
      for (const p of params) {
        expect(() => parseSearch(type, new URLSearchParams([[p, p === 'date' || p === 'birthdate' ? '2021' : 'x']])), `${type}?${p}`).not.toThrow();
      }
    }
  });
});
