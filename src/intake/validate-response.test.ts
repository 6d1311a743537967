/** Bad intake responses, each refused with an error that names the item; partial ones pass with a missing list. */
import { describe, expect, it } from 'vitest';
import type { QuestionnaireResponse } from '@medplum/fhirtypes';
import { buildResponse, type Draft } from './build-response.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { intakeValidationError, validateIntakeResponse } from './validate-response.ts';
import { COMPLETE_WITH_FLAGS, FIXTURE_AS_OF, MINIMAL_HEALTHY } from '../../test/fixtures/intake/drafts.ts';

const asOf = FIXTURE_AS_OF;
const build = (draft: Draft): QuestionnaireResponse => buildResponse(draft, SHIPPED_INDEX);
const check = (r: unknown) => validateIntakeResponse(r, { asOf });
/** Finds the first response item with this linkId (depth-first) to tamper with. */
function find(items: QuestionnaireResponse['item'], linkId: string): NonNullable<QuestionnaireResponse['item']>[number] | undefined {
  for (const i of items ?? []) {
    if (i.linkId === linkId) return i;
    const inner = find(i.item, linkId);
    if (inner) return inner;
  }
  return undefined;
}

describe('validateIntakeResponse', () => {
  it('accepts a complete response', () => {
    const v = check(build(MINIMAL_HEALTHY));
    expect(v.errors).toEqual([]);
    expect(v.complete).toBe(true);
  });

  it('refuses something that is not a QuestionnaireResponse', () => {
    expect(check({ resourceType: 'Patient' }).errors[0]?.code).toBe('NOT_A_RESPONSE');
    expect(check(null).errors[0]?.code).toBe('NOT_A_RESPONSE');
    expect(check([1]).errors[0]?.code).toBe('NOT_A_RESPONSE');
  });

  it('refuses another questionnaire, another version and no version', () => {
    const r = build(MINIMAL_HEALTHY);
    expect(check({ ...r, questionnaire: 'https://example.org/Questionnaire/phq9|1.0.0' }).errors[0]).toMatchObject({ code: 'WRONG_QUESTIONNAIRE' });
    const v = check({ ...r, questionnaire: `${SHIPPED_INDEX.url}|0.9.0` });
    expect(v.ok).toBe(false);
    expect(v.errors[0]?.code).toBe('WRONG_VERSION');
    expect(v.errors[0]?.message.en).toContain('version 0.9.0');
    expect(v.errors[0]?.message.en).toContain('1.0.0');
    expect(check({ ...r, questionnaire: SHIPPED_INDEX.url }).errors[0]?.code).toBe('WRONG_VERSION');
  });

  it('refuses an unknown linkId, naming it', () => {
    const r = build(MINIMAL_HEALTHY);
    find(r.item, 'about')!.item!.push({ linkId: 'about.shoe-size', answer: [{ valueInteger: 42 }] });
    const v = check(r);
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]).toMatchObject({ code: 'UNKNOWN_LINK_ID', path: 'item[0].item[2].linkId' });
    expect(v.errors[0]?.message.en).toContain('about.shoe-size');
  });

  it('refuses an item outside its group', () => {
    const r = build(MINIMAL_HEALTHY);
    r.item!.push({ linkId: 'about.age', answer: [{ valueInteger: 38 }] });
    expect(check(r).errors[0]).toMatchObject({ code: 'MISPLACED_ITEM', linkId: 'about.age' });
  });

  it('refuses an answer of the wrong type, naming the item and its text', () => {
    const r = build(MINIMAL_HEALTHY);
    find(r.item, 'about.age')!.answer = [{ valueString: 'thirty-eight' }];
    const [e] = check(r).errors;
    expect(e).toMatchObject({ code: 'WRONG_ANSWER_TYPE', linkId: 'about.age' });
    expect(e?.itemText?.en).toBe('Age (years)');
    expect(e?.message.en).toBe('"Age (years)" needs a whole number.');
    expect(e?.message.es).toBe('"Edad (años)" necesita un número entero.');
  });

  it('refuses a decimal where a whole number is asked and a boolean as text', () => {
    const r = build(MINIMAL_HEALTHY);
    find(r.item, 'about.age')!.answer = [{ valueInteger: 38.5 }];
    find(r.item, 'skin.keloid')!.answer = [{ valueString: 'no' } as never];
    expect(check(r).errors.map((e) => [e.code, e.linkId])).toEqual([
      ['WRONG_ANSWER_TYPE', 'about.age'],
      ['WRONG_ANSWER_TYPE', 'skin.keloid'],
    ]);
  });

  it('refuses an impossible age (300) and 90 cigarettes an hour', () => {
    const v1 = check(build({ ...MINIMAL_HEALTHY, 'about.age': 300 }));
    expect(v1.errors[0]).toMatchObject({ code: 'IMPOSSIBLE_VALUE', linkId: 'about.age' });
    expect(v1.errors[0]?.message.en).toContain('between 0 and 122');
    const v2 = check(build({ ...COMPLETE_WITH_FLAGS, 'social.cigarettes-per-day': 90 * 24 }));
    expect(v2.errors).toHaveLength(1);
    expect(v2.errors[0]).toMatchObject({ code: 'IMPOSSIBLE_VALUE', linkId: 'social.cigarettes-per-day' });
    expect(v2.errors[0]?.message.en).toContain('2160 is not possible');
  });

  it('refuses impossible combinations: smoking longer than alive, diastolic above systolic', () => {
    const v = check(build({ ...COMPLETE_WITH_FLAGS, 'social.smoking-years': 50, 'cv.bp.diastolic': 150 }));
    expect(v.errors.map((e) => [e.code, e.linkId])).toEqual([
      ['INCONSISTENT_ANSWERS', 'social.smoking-years'],
      ['INCONSISTENT_ANSWERS', 'cv.bp.diastolic'],
    ]);
  });

  it('refuses a date in the future relative to asOf, and a malformed date', () => {
    const v = check(build({ ...COMPLETE_WITH_FLAGS, 'skin.cancer-date': '2027-01' }));
    expect(v.errors[0]).toMatchObject({ code: 'FUTURE_DATE', linkId: 'skin.cancer-date' });
    expect(v.errors[0]?.message.en).toContain('today is 2026-11-28');
    // The same date is fine a year later.
    expect(validateIntakeResponse(build({ ...COMPLETE_WITH_FLAGS, 'skin.cancer-date': '2027-01' }), { asOf: '2027-11-28' }).errors).toEqual([]);
    expect(check(build({ ...COMPLETE_WITH_FLAGS, 'skin.cancer-date': '2021-02-30' })).errors[0]).toMatchObject({ code: 'WRONG_ANSWER_TYPE', linkId: 'skin.cancer-date' });
  });

  it('refuses a code that is not an option, several answers to a single item, and "none" with others', () => {
    const r = build(MINIMAL_HEALTHY);
    find(r.item, 'about.sex')!.answer = [{ valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'unknown-x' } }];
    find(r.item, 'skin.keloid')!.answer = [{ valueBoolean: true }, { valueBoolean: false }];
    find(r.item, 'pmh.conditions')!.answer!.push({ valueCoding: { system: 'http://snomed.info/sct', code: '195967001' } });
    expect(check(r).errors.map((e) => [e.code, e.linkId])).toEqual([
      ['NOT_AN_OPTION', 'about.sex'],
      ['EXCLUSIVE_OPTION', 'pmh.conditions'],
      ['TOO_MANY_ANSWERS', 'skin.keloid'],
    ]);
  });

  it('refuses answers to items that enableWhen disables (a man answering pregnancy; a follow-up to "no")', () => {
    const v = check(build({ ...MINIMAL_HEALTHY, 'women.pregnant': 'no', 'women.breastfeeding': false, 'skin.mole-change-where': 'Back' }));
    expect(v.errors.map((e) => [e.code, e.linkId])).toEqual([
      ['ANSWER_TO_DISABLED_ITEM', 'skin.mole-change-where'],
      ['ANSWER_TO_DISABLED_ITEM', 'women'],
    ]);
    expect(v.errors[1]?.message.en).toContain('about.sex');
  });

  it('refuses a disabled follow-up inside one instance of a repeating group only', () => {
    const draft: Draft = {
      ...COMPLETE_WITH_FLAGS,
      'aesthetic.treatments': [
        { 'aesthetic.treatments.type': 'tx-peel', 'aesthetic.treatments.complication': true, 'aesthetic.treatments.complication-detail': 'Redness' },
        { 'aesthetic.treatments.type': 'tx-laser', 'aesthetic.treatments.complication': false, 'aesthetic.treatments.complication-detail': 'None really' },
      ],
    };
    const v = check(build(draft));
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]).toMatchObject({ code: 'ANSWER_TO_DISABLED_ITEM', linkId: 'aesthetic.treatments.complication-detail' });
    expect(v.errors[0]?.path).toMatch(/^item\[\d+\]\.item\[2\]\.item\[2\]$/);
  });

  it('lists missing required items without failing, per group instance', () => {
    const v = check(build({ 'about.age': 50, 'about.sex': 'male', 'med.any': true, 'med.list': [{ 'med.list.dose': '10 mg' }] }));
    expect(v.ok).toBe(true);
    expect(v.complete).toBe(false);
    const ids = v.missing.map((m) => m.linkId);
    expect(ids).toContain('reason.main');
    expect(v.missing.find((m) => m.linkId === 'med.list.name')?.instance).toBe('med.list[0]');
    // Items of a disabled branch are not missing.
    expect(ids).not.toContain('women.pregnant');
    expect(ids).not.toContain('allergy.list.substance');
  });

  it('becomes a VALIDATION_FAILED AppError naming the first item', () => {
    const v = check(build({ ...MINIMAL_HEALTHY, 'about.age': 300 }));
    const err = intakeValidationError(v);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.field).toBe('about.age');
    expect(err.message).toContain('about.age');
  });
});
