/** Fitzpatrick bands, the DCQ cut-off and pack-years, at their boundaries. */
import { describe, expect, it } from 'vitest';
import { buildResponse, type Draft } from './build-response.ts';
import { viewResponse } from './response-view.ts';
import { DCQ_ITEMS, FITZPATRICK_ITEMS, fitzpatrickType, packYears, scoreDcq, scoreFitzpatrick, scorePackYears } from './scores.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';

const view = (draft: Draft) => viewResponse(buildResponse(draft, SHIPPED_INDEX), SHIPPED_INDEX);
/** Fitzpatrick answers adding up to `total` (each item 0-4). */
function fitz(total: number): Draft {
  const d: Record<string, string> = {};
  let left = total;
  for (const id of FITZPATRICK_ITEMS) {
    const v = Math.min(4, left);
    left -= v;
    d[id] = `${id}-${v}`;
  }
  return d;
}
const dcq = (scores: number[]): Draft => Object.fromEntries(DCQ_ITEMS.map((id, i) => [id, `dcq-${scores[i] ?? 0}`]));

describe('Fitzpatrick self-assessment', () => {
  it.each([
    [0, 'I'],
    [6, 'I'],
    [7, 'II'],
    [13, 'II'],
    [14, 'III'],
    [20, 'III'],
    [21, 'IV'],
    [27, 'IV'],
    [28, 'V'],
    [34, 'V'],
    [35, 'VI'],
    [40, 'VI'],
  ])('total %i is type %s', (total, type) => {
    expect(fitzpatrickType(total)).toBe(type);
    const s = scoreFitzpatrick(view(fitz(total)), SHIPPED_INDEX);
    expect(s).toMatchObject({ status: 'scored', total, type });
  });

  it('refuses totals outside 0-40 (a bug, not input)', () => {
    expect(() => fitzpatrickType(41)).toThrow(RangeError);
    expect(() => fitzpatrickType(-1)).toThrow(RangeError);
  });

  it('cannot judge with a question unanswered, and says which', () => {
    const d = { ...fitz(20) } as Record<string, unknown>;
    delete d['fitz.face'];
    const s = scoreFitzpatrick(view(d as Draft), SHIPPED_INDEX);
    expect(s).toEqual({ status: 'incomplete', missing: ['fitz.face'], linkIds: FITZPATRICK_ITEMS.filter((l) => l !== 'fitz.face') });
  });
});

describe('Dysmorphic Concern Questionnaire', () => {
  it('8 is negative, 9 is positive (Mancuso 2010 cut-off)', () => {
    expect(scoreDcq(view(dcq([3, 3, 2])), SHIPPED_INDEX)).toMatchObject({ status: 'scored', total: 8, positive: false, cutoff: 9 });
    expect(scoreDcq(view(dcq([3, 3, 3])), SHIPPED_INDEX)).toMatchObject({ status: 'scored', total: 9, positive: true });
    expect(scoreDcq(view(dcq([3, 3, 3, 3, 3, 3, 3])), SHIPPED_INDEX)).toMatchObject({ total: 21, positive: true });
  });

  it('is incomplete when an item is missing', () => {
    const d = dcq([1, 1, 1, 1, 1, 1]) as Record<string, unknown>;
    delete d['dcq.7'];
    expect(scoreDcq(view(d as Draft), SHIPPED_INDEX)).toMatchObject({ status: 'incomplete', missing: ['dcq.7'] });
  });
});

describe('pack-years', () => {
  it('is cigarettes per day / 20 x years', () => {
    expect(packYears(20, 10)).toBe(10);
    expect(packYears(15, 25)).toBe(18.8);
    expect(packYears(0, 30)).toBe(0);
  });

  it('is absent for never-smokers and incomplete without the amount', () => {
    expect(scorePackYears(view({ 'social.smoking': '266919005' }))).toBeUndefined();
    expect(scorePackYears(view({ 'social.smoking': '8517006', 'social.cigarettes-per-day': 10 }))).toMatchObject({ status: 'incomplete', missing: ['social.smoking-years'] });
    expect(scorePackYears(view({ 'social.smoking': '449868002', 'social.cigarettes-per-day': 40, 'social.smoking-years': 30 }))).toMatchObject({ status: 'scored', packYears: 60 });
  });
});
