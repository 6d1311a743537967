import { describe, expect, it } from 'vitest';
import type { AllergyIntolerance, MedicationRequest, MedicationStatement, Observation } from '@medplum/fhirtypes';
import {
  ageInYears,
  allergyReactions,
  conceptText,
  dosageText,
  formatDate,
  formatQuantity,
  humanName,
  medicationText,
  observationValue,
  primaryIdentifier,
} from './display.ts';

describe('conceptText', () => {
  it('prefers text, then the first display, then the code', () => {
    expect(conceptText({ text: ' Hypertension ', coding: [{ display: 'Essential hypertension' }] })).toBe('Hypertension');
    expect(conceptText({ coding: [{ code: '59621000' }, { system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }] })).toBe(
      'Essential hypertension',
    );
    expect(conceptText({ coding: [{ system: 'http://snomed.info/sct', code: '59621000' }] })).toBe('59621000');
    expect(conceptText(undefined)).toBe('');
    expect(conceptText({})).toBe('');
  });
});

describe('humanName', () => {
  it('shows the official name as "given family", with prefixes', () => {
    expect(
      humanName([
        { use: 'nickname', given: ['Pepa'] },
        { use: 'official', prefix: ['Dra.'], given: ['María', 'José'], family: 'García López' },
      ]),
    ).toBe('Dra. María José García López');
  });

  it('uses the text when the name has one, and copes with missing parts', () => {
    expect(humanName([{ text: 'Ana Ruiz', given: ['X'] }])).toBe('Ana Ruiz');
    expect(humanName([{ family: 'Smith' }])).toBe('Smith');
    expect(humanName([])).toBe('');
    expect(humanName(undefined)).toBe('');
  });

  it('returns markup as plain text, unchanged (React shows it, never runs it)', () => {
    expect(humanName([{ given: ['<script>alert(1)</script>'], family: 'Doe' }])).toBe('<script>alert(1)</script> Doe');
  });
});

describe('formatQuantity', () => {
  it('formats the value in the locale with its unit', () => {
    expect(formatQuantity({ value: 72.456, unit: 'kg' }, 'en')).toBe('72.46 kg');
    expect(formatQuantity({ value: 72.5, unit: 'kg' }, 'es')).toBe('72,5 kg');
    expect(formatQuantity({ value: 5.2, code: 'mmol/L', system: 'http://unitsofmeasure.org' }, 'en')).toBe('5.2 mmol/L');
    expect(formatQuantity({ value: 10, comparator: '<' }, 'en')).toBe('< 10');
  });

  it('is empty when there is no number', () => {
    expect(formatQuantity(undefined, 'en')).toBe('');
    expect(formatQuantity({ unit: 'kg' }, 'en')).toBe('');
  });
});

describe('formatDate', () => {
  it('shows a calendar date on its own day in both languages, whatever the time zone', () => {
    expect(formatDate('1961-03-01', 'en')).toBe('Mar 1, 1961');
    expect(formatDate('1961-03-01', 'es')).toBe('1 mar 1961');
  });

  it('keeps the precision of partial dates', () => {
    expect(formatDate('1980', 'en')).toBe('1980');
    expect(formatDate('1980-07', 'en')).toBe('July 1980');
    expect(formatDate('1980-07', 'es')).toBe('julio de 1980');
  });

  it('formats a dateTime, with the time only when asked', () => {
    expect(formatDate('2024-05-06T10:20:00Z', 'en')).toMatch(/2024/);
    expect(formatDate('2024-05-06T10:20:00Z', 'en', true)).toMatch(/\d{1,2}:\d{2}/);
  });

  it('shows an unreadable value as it is rather than "Invalid Date", and nothing for no value', () => {
    expect(formatDate('yesterday', 'en')).toBe('yesterday');
    expect(formatDate('2024-13-45', 'en')).toBe('2024-13-45');
    expect(formatDate(undefined, 'en')).toBe('');
  });
});

describe('ageInYears', () => {
  const now = new Date('2026-03-15T12:00:00Z');
  it('counts whole years, one less before the birthday', () => {
    expect(ageInYears('1961-03-15', now)).toBe(65);
    expect(ageInYears('1961-03-16', now)).toBe(64);
    expect(ageInYears('1961', now)).toBe(65);
  });
  it('is undefined for a missing, malformed or future birth date', () => {
    expect(ageInYears(undefined, now)).toBeUndefined();
    expect(ageInYears('15/03/1961', now)).toBeUndefined();
    expect(ageInYears('2030-01-01', now)).toBeUndefined();
  });
});

describe('primaryIdentifier', () => {
  it('prefers the medical record number', () => {
    expect(
      primaryIdentifier([
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-12-3456' },
        { type: { coding: [{ code: 'MR' }] }, value: 'MRN-001' },
      ]),
    ).toBe('MRN-001');
    expect(primaryIdentifier([{ value: 'X-1' }])).toBe('X-1');
    expect(primaryIdentifier(undefined)).toBe('');
  });
});

describe('medications', () => {
  const statement: MedicationStatement = {
    resourceType: 'MedicationStatement',
    status: 'active',
    subject: { reference: 'Patient/p' },
    medicationCodeableConcept: { text: 'Atorvastatin 20 mg' },
    dosage: [{ text: '1 tablet at night' }],
  };
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    medicationReference: { reference: 'Medication/m1', display: 'Tretinoin 0.025% cream' },
    dosageInstruction: [{ text: 'apply thinly' }, { text: 'every other night' }],
  };
  it('names the medication from a concept or a reference', () => {
    expect(medicationText(statement)).toBe('Atorvastatin 20 mg');
    expect(medicationText(request)).toBe('Tretinoin 0.025% cream');
  });
  it('joins dosage texts', () => {
    expect(dosageText(statement)).toBe('1 tablet at night');
    expect(dosageText(request)).toBe('apply thinly; every other night');
  });
});

describe('allergyReactions', () => {
  it('lists each manifestation once', () => {
    const a: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      patient: { reference: 'Patient/p' },
      reaction: [{ manifestation: [{ text: 'Hives' }, { coding: [{ display: 'Wheezing' }] }] }, { manifestation: [{ text: 'Hives' }] }],
    };
    expect(allergyReactions(a)).toBe('Hives, Wheezing');
  });
});

describe('observationValue', () => {
  const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
  it('shows blood pressure as systolic/diastolic whatever the component order', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: loinc('85354-9'),
      component: [
        { code: loinc('8462-4'), valueQuantity: { value: 82, unit: 'mm[Hg]' } },
        { code: loinc('8480-6'), valueQuantity: { value: 128, unit: 'mm[Hg]' } },
      ],
    };
    expect(observationValue(bp, 'en')).toBe('128/82 mmHg');
  });
  it('shows a quantity, a coded value, or a string', () => {
    const base = { resourceType: 'Observation' as const, status: 'final' as const, code: loinc('29463-7') };
    expect(observationValue({ ...base, valueQuantity: { value: 70.25, unit: 'kg' } }, 'es')).toBe('70,25 kg');
    expect(observationValue({ ...base, valueCodeableConcept: { text: 'Positive' } }, 'en')).toBe('Positive');
    expect(observationValue({ ...base, valueString: 'see note' }, 'en')).toBe('see note');
    expect(observationValue(base, 'en')).toBe('');
  });
});
