import { describe, expect, it } from 'vitest';
import { historyEdit, missingBySection, problemMessage, resumeSection, sortFlags, sourcePositions } from './present.ts';
import type { Finding } from './form.ts';
import type { IntakeHistory } from './types.ts';

const note = (sections: IntakeHistory['note']['sections']): Pick<IntakeHistory, 'versionId' | 'note'> => ({
  versionId: '3',
  note: { lang: 'en', title: 'Preliminary history', complete: true, sections },
});

describe('intake presentation', () => {
  it('orders flags urgent, high, moderate, then anything else, stable within a severity', () => {
    const flags = [
      { code: 'A', severity: 'moderate' },
      { code: 'B', severity: 'urgent' },
      { code: 'C', severity: 'weird' },
      { code: 'D', severity: 'high' },
      { code: 'E', severity: 'urgent' },
    ] as const;
    expect(sortFlags(flags).map((f) => f.code)).toEqual(['B', 'E', 'D', 'A', 'C']);
  });

  it('finds every answer row of the linkIds a sentence cites, repeated questions included', () => {
    const answers = [{ linkId: 'about.age' }, { linkId: 'med.list.name' }, { linkId: 'social.smoking' }, { linkId: 'med.list.name' }];
    expect(sourcePositions(answers, ['med.list.name'])).toEqual([1, 3]);
    expect(sourcePositions(answers, ['social.smoking', 'about.age'])).toEqual([0, 2]);
    expect(sourcePositions(answers, [])).toEqual([]);
  });

  it('sends only the sentences whose text changed, and never an emptied one', () => {
    const h = note([
      { code: 'chief-complaint', title: 'Chief complaint', sentences: [{ id: 's1', kind: 'answer', text: 'Wants fewer lines.', linkIds: ['reason.main'] }] },
      {
        code: 'social-history',
        title: 'Social history',
        sentences: [
          { id: 's2', kind: 'answer', text: 'Never smoked.', linkIds: ['social.smoking'] },
          { id: 's3', kind: 'answer', text: 'Drinks rarely.', linkIds: ['social.alcohol'] },
        ],
      },
    ]);
    expect(historyEdit(h, {})).toBeUndefined();
    expect(historyEdit(h, { s1: ' Wants fewer lines. ', s2: '' })).toBeUndefined();
    expect(historyEdit(h, { s1: 'Wants fewer lines.', s3: 'Drinks alcohol monthly or less. ' })).toEqual({
      versionId: '3',
      sections: [{ code: 'social-history', sentences: [{ id: 's3', text: 'Drinks alcohol monthly or less.' }] }],
    });
  });

  it('names each problem with the numbers its message needs', () => {
    expect(problemMessage({ code: 'aboveMax', max: 122 })).toEqual({ key: 'intake.problem.aboveMax', values: { max: 122 } });
    expect(problemMessage({ code: 'futureDate' })).toEqual({ key: 'intake.problem.futureDate', values: {} });
  });

  it('resumes at the first section with something open, and counts what each lacks', () => {
    const found: Finding[] = [
      { linkId: 'social.alcohol', section: 'social', path: [], kind: 'missing' },
      { linkId: 'dcq.1', section: 'dcq', path: [], kind: 'missing' },
      { linkId: 'dcq.2', section: 'dcq', path: [], kind: 'missing' },
    ];
    expect(resumeSection(['about', 'reason', 'social', 'dcq'], found)).toBe(2);
    expect(resumeSection(['about'], [])).toBe(0);
    expect(missingBySection(found)).toEqual(new Map([['social', 1], ['dcq', 2]]));
  });
});
