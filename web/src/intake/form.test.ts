import { describe, expect, it } from 'vitest';
import { SHIPPED_INDEX } from '../../../src/intake/shipped-index.ts';
import { syntheticDraft } from '../../../src/intake/synthetic.ts';
import { validateIntakeResponse } from '../../../src/intake/validate-response.ts';
import {
  addInstance,
  checkAnswer,
  draftToResponse,
  evaluate,
  findings,
  normalize,
  parseNumber,
  removeInstance,
  responseToDraft,
  setValue,
  shownSections,
  walk,
  type Draft,
} from './form.ts';

const index = SHIPPED_INDEX;
const TODAY = '2026-03-15';
const NEVER = '266919005';
const CURRENT = '449868002';
const item = (linkId: string) => {
  const found = index.items.get(linkId);
  if (!found) throw new Error(linkId);
  return found;
};

/** linkId -> shown? for every visit (last one wins for repeating groups; tests use root items). */
function shown(draft: Draft): Map<string, boolean> {
  const out = new Map<string, boolean>();
  walk(draft, evaluate(draft, index), (v) => out.set(v.item.linkId, v.enabled));
  return out;
}

describe('skip logic in the form', () => {
  it('a smoker is asked for cigarettes a day and years; going back to "never" hides them and drops the answers', () => {
    let d: Draft = normalize({ 'social.smoking': NEVER }, index);
    expect(shown(d).get('social.cigarettes-per-day')).toBe(false);
    d = normalize(setValue(d, [], 'social.smoking', CURRENT), index);
    expect(shown(d).get('social.cigarettes-per-day')).toBe(true);
    expect(shown(d).get('social.smoking-years')).toBe(true);
    d = normalize(setValue(setValue(d, [], 'social.cigarettes-per-day', 10), [], 'social.smoking-years', 20), index);
    expect(d['social.cigarettes-per-day']).toBe(10);
    d = normalize(setValue(d, [], 'social.smoking', NEVER), index);
    expect(shown(d).get('social.smoking-years')).toBe(false);
    expect(d['social.cigarettes-per-day']).toBeUndefined();
    expect(d['social.smoking-years']).toBeUndefined();
  });

  it('the women\'s health section shows for female patients only, and its answers go when sex changes', () => {
    let d: Draft = normalize({ 'about.sex': 'female', 'women.pregnant': 'no', 'women.breastfeeding': false }, index);
    expect(shownSections(evaluate(d, index))).toContain('women');
    expect(shown(d).get('women.contraception')).toBe(true);
    d = normalize(setValue(d, [], 'women.pregnant', 'yes'), index);
    expect(shown(d).get('women.contraception')).toBe(false);
    d = normalize(setValue(d, [], 'about.sex', 'male'), index);
    expect(shownSections(evaluate(d, index))).not.toContain('women');
    expect(d['women.pregnant']).toBeUndefined();
    expect(d['women.breastfeeding']).toBeUndefined();
  });

  it('a repeating group that opens gets one blank row, which is then missing its required name', () => {
    let d: Draft = normalize({ 'med.any': true }, index);
    expect(d['med.list']).toEqual([{}]);
    const missing = findings(d, index, TODAY).filter((f) => f.linkId === 'med.list.name');
    expect(missing).toEqual([{ linkId: 'med.list.name', section: 'med', path: [{ group: 'med.list', index: 0 }], kind: 'missing' }]);
    d = normalize(setValue(d, [{ group: 'med.list', index: 0 }], 'med.list.name', 'Vitamin D'), index);
    d = normalize(addInstance(d, [], 'med.list'), index);
    expect((d['med.list'] as Draft[]).length).toBe(2);
    d = normalize(removeInstance(d, [], 'med.list', 1), index);
    expect(d['med.list']).toEqual([{ 'med.list.name': 'Vitamin D' }]);
    d = normalize(setValue(d, [], 'med.any', false), index);
    expect(d['med.list']).toBeUndefined();
  });

  it('skip logic inside a repeating group is judged per row, also when an earlier row is still blank', () => {
    const d: Draft = normalize(
      { 'aesthetic.any': true, 'aesthetic.treatments': [{}, { 'aesthetic.treatments.type': 'tx-botulinum-toxin', 'aesthetic.treatments.complication': true }] },
      index,
    );
    const detail: boolean[] = [];
    walk(d, evaluate(d, index), (v) => {
      if (v.item.linkId === 'aesthetic.treatments.complication-detail') detail.push(v.enabled);
    });
    expect(detail).toEqual([false, true]);
    const missing = findings(d, index, TODAY).filter((f) => f.linkId === 'aesthetic.treatments.complication-detail');
    expect(missing.map((f) => f.path)).toEqual([[{ group: 'aesthetic.treatments', index: 1 }]]);
  });

  it('keeps every answer of valid synthetic intakes (nothing shown is dropped) and round-trips them', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const draft = syntheticDraft(seed, { asOf: TODAY, partialShare: 0 });
      const response = draftToResponse(draft, index, { status: 'completed' });
      expect(validateIntakeResponse(response, { asOf: TODAY, index }).errors, `seed ${seed}`).toEqual([]);
      const normalized = normalize(responseToDraft(response, index), index);
      expect(draftToResponse(normalized, index, { status: 'completed' }), `seed ${seed}`).toEqual(response);
    }
  });
});

describe('answer checks', () => {
  it('uses the item limits, calendar dates, no future dates and the maximum length', () => {
    expect(checkAnswer(item('about.age'), 300, TODAY)).toEqual({ code: 'aboveMax', max: 122 });
    expect(checkAnswer(item('about.age'), -1, TODAY)).toEqual({ code: 'belowMin', min: 0 });
    expect(checkAnswer(item('about.age'), 45, TODAY)).toBeUndefined();
    expect(checkAnswer(item('cv.bp.systolic'), 40, TODAY)).toEqual({ code: 'belowMin', min: 60 });
    expect(checkAnswer(item('skin.cancer-date'), '2026-03-16', TODAY)).toEqual({ code: 'futureDate' });
    expect(checkAnswer(item('skin.cancer-date'), '2026-03-15', TODAY)).toBeUndefined();
    expect(checkAnswer(item('skin.cancer-date'), '2026', TODAY)).toBeUndefined();
    expect(checkAnswer(item('skin.cancer-date'), '2027', TODAY)).toEqual({ code: 'futureDate' });
    expect(checkAnswer(item('skin.cancer-date'), '2025-02-30', TODAY)).toEqual({ code: 'badDate' });
    expect(checkAnswer(item('skin.cancer-date'), 'last spring', TODAY)).toEqual({ code: 'badDate' });
    expect(checkAnswer(item('social.occupation'), 'x'.repeat(501), TODAY)).toEqual({ code: 'tooLong', max: 500 });
  });

  it('reads typed numbers strictly', () => {
    expect(parseNumber('42', 'integer')).toEqual({ value: 42 });
    expect(parseNumber(' 7 ', 'integer')).toEqual({ value: 7 });
    expect(parseNumber('12.5', 'integer')).toEqual({ problem: { code: 'notWhole' } });
    expect(parseNumber('twelve', 'integer')).toEqual({ problem: { code: 'notWhole' } });
    expect(parseNumber('1e3', 'decimal')).toEqual({ problem: { code: 'notNumber' } });
    expect(parseNumber('2,5', 'decimal')).toEqual({ value: 2.5 });
    expect(parseNumber('', 'integer')).toBeUndefined();
  });

  it('lists out-of-range answers as problems in form order, with their section', () => {
    const d = normalize({ 'about.age': 300, 'social.smoking': CURRENT, 'social.cigarettes-per-day': 90 }, index);
    const problems = findings(d, index, TODAY).filter((f) => f.kind === 'problem');
    expect(problems).toEqual([
      { linkId: 'about.age', section: 'about', path: [], kind: 'problem', problem: { code: 'aboveMax', max: 122 } },
    ]);
    const d2 = normalize({ ...d, 'social.cigarettes-per-day': 101 }, index);
    expect(findings(d2, index, TODAY).filter((f) => f.kind === 'problem').map((f) => f.linkId)).toEqual(['about.age', 'social.cigarettes-per-day']);
  });
});
