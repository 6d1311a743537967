/** enableWhen evaluation (R4 operators, enableBehavior, nesting, repeating groups). */
import { describe, expect, it } from 'vitest';
import type { Questionnaire, QuestionnaireItemEnableWhen } from '@medplum/fhirtypes';
import { buildResponse } from './build-response.ts';
import { conditionHolds, conditionsHold, createEnableWhenEvaluator } from './enable-when.ts';
import { indexQuestionnaire } from './questionnaire-index.ts';
import { instancesOf, viewResponse } from './response-view.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';

const ew = (operator: QuestionnaireItemEnableWhen['operator'], value: Partial<QuestionnaireItemEnableWhen>): QuestionnaireItemEnableWhen => ({ question: 'q', operator, ...value });

describe('conditionHolds', () => {
  it('exists', () => {
    expect(conditionHolds(ew('exists', { answerBoolean: true }), [{ valueInteger: 1 }])).toBe(true);
    expect(conditionHolds(ew('exists', { answerBoolean: true }), [])).toBe(false);
    expect(conditionHolds(ew('exists', { answerBoolean: false }), [])).toBe(true);
    expect(conditionHolds(ew('exists', { answerBoolean: false }), [{ valueBoolean: false }])).toBe(false);
  });

  it('= and != on codings, booleans and numbers; no answer satisfies neither', () => {
    const a = { valueCoding: { system: 's', code: 'x' } };
    expect(conditionHolds(ew('=', { answerCoding: { system: 's', code: 'x' } }), [a])).toBe(true);
    expect(conditionHolds(ew('=', { answerCoding: { system: 'other', code: 'x' } }), [a])).toBe(false);
    expect(conditionHolds(ew('!=', { answerCoding: { system: 's', code: 'x' } }), [a])).toBe(false);
    expect(conditionHolds(ew('!=', { answerCoding: { system: 's', code: 'y' } }), [a])).toBe(true);
    expect(conditionHolds(ew('!=', { answerCoding: { system: 's', code: 'y' } }), [])).toBe(false);
    expect(conditionHolds(ew('=', { answerBoolean: false }), [{ valueBoolean: false }])).toBe(true);
    expect(conditionHolds(ew('=', { answerInteger: 3 }), [{ valueInteger: 3 }])).toBe(true);
    // != holds only when no answer equals: one of two answers equal -> false.
    expect(conditionHolds(ew('!=', { answerCoding: { code: 'x' } }), [a, { valueCoding: { code: 'z' } }])).toBe(false);
  });

  it('ordering operators on numbers, dates and strings', () => {
    expect(conditionHolds(ew('>', { answerInteger: 10 }), [{ valueInteger: 11 }])).toBe(true);
    expect(conditionHolds(ew('>', { answerInteger: 10 }), [{ valueInteger: 10 }])).toBe(false);
    expect(conditionHolds(ew('>=', { answerInteger: 10 }), [{ valueInteger: 10 }])).toBe(true);
    expect(conditionHolds(ew('<', { answerDecimal: 2.5 }), [{ valueDecimal: 2.4 }])).toBe(true);
    expect(conditionHolds(ew('<=', { answerDate: '2020-01-01' }), [{ valueDate: '2019-12-31' }])).toBe(true);
    expect(conditionHolds(ew('>', { answerDate: '2020-01-01' }), [{ valueDate: '2019-12-31' }])).toBe(false);
    expect(conditionHolds(ew('>', { answerBoolean: true }), [{ valueBoolean: true }])).toBe(false);
    // A value of another type never matches.
    expect(conditionHolds(ew('=', { answerInteger: 1 }), [{ valueString: '1' }])).toBe(false);
  });

  it('enableBehavior all and any', () => {
    const answers = (q: string) => (q === 'a' ? [{ valueBoolean: true }] : []);
    const conds = [
      { question: 'a', operator: '=', answerBoolean: true },
      { question: 'b', operator: 'exists', answerBoolean: true },
    ] as QuestionnaireItemEnableWhen[];
    expect(conditionsHold(conds, 'all', answers)).toBe(false);
    expect(conditionsHold(conds, 'any', answers)).toBe(true);
    expect(conditionsHold([], 'all', answers)).toBe(true);
  });
});

describe('the evaluator on the shipped questionnaire', () => {
  const evaluate = (draft: Parameters<typeof buildResponse>[0]) => {
    const view = viewResponse(buildResponse(draft, SHIPPED_INDEX), SHIPPED_INDEX);
    return { view, ev: createEnableWhenEvaluator(SHIPPED_INDEX) };
  };

  it('opens smoking follow-ups for any of three answers (enableBehavior any)', () => {
    for (const code of ['449868002', '428041000124106', '8517006']) {
      const { view, ev } = evaluate({ 'social.smoking': code });
      expect(ev.isEnabled('social.cigarettes-per-day', view.root)).toBe(true);
      expect(ev.isEnabled('social.smoking-years', view.root)).toBe(true);
    }
    const { view, ev } = evaluate({ 'social.smoking': '266919005' });
    expect(ev.isEnabled('social.cigarettes-per-day', view.root)).toBe(false);
    expect(ev.isEnabled('social.smoking-years', view.root)).toBe(false);
    expect(ev.isEnabled('social.quit-date', view.root)).toBe(false);
  });

  it('nests: contraception needs a woman (group) who is not pregnant (item)', () => {
    let e = evaluate({ 'about.sex': 'female', 'women.pregnant': 'no' });
    expect(e.ev.isEnabled('women.contraception', e.view.root)).toBe(true);
    e = evaluate({ 'about.sex': 'female', 'women.pregnant': 'yes' });
    expect(e.ev.isEnabled('women.contraception', e.view.root)).toBe(false);
    // A man's stray answer to "pregnant: no" opens nothing: the group is closed.
    e = evaluate({ 'about.sex': 'male', 'women.pregnant': 'no' });
    expect(e.ev.isEnabled('women.pregnant', e.view.root)).toBe(false);
    expect(e.ev.isEnabled('women.contraception', e.view.root)).toBe(false);
  });

  it('the isotretinoin stop date needs both "yes" and "not ongoing" (enableBehavior all)', () => {
    let e = evaluate({ 'skin.isotretinoin': true, 'skin.isotretinoin-ongoing': false });
    expect(e.ev.isEnabled('skin.isotretinoin-stop', e.view.root)).toBe(true);
    e = evaluate({ 'skin.isotretinoin': true, 'skin.isotretinoin-ongoing': true });
    expect(e.ev.isEnabled('skin.isotretinoin-stop', e.view.root)).toBe(false);
    // A disabled question counts as unanswered: "ongoing: false" under "isotretinoin: no" opens nothing.
    e = evaluate({ 'skin.isotretinoin': false, 'skin.isotretinoin-ongoing': false });
    expect(e.ev.isEnabled('skin.isotretinoin-stop', e.view.root)).toBe(false);
  });

  it('evaluates per instance of a repeating group', () => {
    const { view, ev } = evaluate({
      'aesthetic.any': true,
      'aesthetic.treatments': [
        { 'aesthetic.treatments.type': 'tx-peel', 'aesthetic.treatments.complication': true },
        { 'aesthetic.treatments.type': 'tx-laser', 'aesthetic.treatments.complication': false },
      ],
    });
    const [first, second] = instancesOf(view.root, 'aesthetic.treatments');
    expect(ev.isEnabled('aesthetic.treatments.complication-detail', first!)).toBe(true);
    expect(ev.isEnabled('aesthetic.treatments.complication-detail', second!)).toBe(false);
  });

  it('reads a cycle in enableWhen as disabled instead of looping', () => {
    const q: Questionnaire = {
      resourceType: 'Questionnaire',
      status: 'active',
      url: 'u',
      version: '1',
      item: [
        { linkId: 'a', type: 'boolean', enableWhen: [{ question: 'b', operator: 'exists', answerBoolean: true }] },
        { linkId: 'b', type: 'boolean', enableWhen: [{ question: 'a', operator: 'exists', answerBoolean: true }] },
      ],
    };
    const index = indexQuestionnaire(q);
    const view = viewResponse(buildResponse({ a: true, b: true }, index), index);
    expect(createEnableWhenEvaluator(index).isEnabled('a', view.root)).toBe(false);
  });
});
