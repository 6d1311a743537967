import { describe, expect, it } from 'vitest';
import { compareExams, lesionEvolution, type EvolutionInput } from './evolution.ts';
import type { LesionFeatures } from './types.ts';

const T = { refer: 0.3, monitor: 0.1 };

function features(over: Partial<LesionFeatures> = {}): LesionFeatures {
  return {
    areaFraction: 0.3,
    asymmetry: 0.2,
    borderIrregularity: 1.3,
    colourCount: 2,
    colours: ['light brown', 'dark brown'],
    diameterPx: 200,
    diameterMm: 5,
    segmentationReliable: true,
    ...over,
  };
}

function exam(id: string, takenAt: string, f: LesionFeatures | null, p: number | null): EvolutionInput {
  return { examId: id, takenAt, features: f, melanomaProbability: p };
}
const codes = (c: { flags: { code: string }[] }) => c.flags.map((f) => f.code);

describe('evolution of one lesion', () => {
  it('flags growth of 1 mm, a new colour, more asymmetry and an AI rise across a point', () => {
    const c = compareExams(
      exam('a', '2025-01-10', features(), 0.05),
      exam('b', '2025-04-10', features({ diameterMm: 6.2, colours: ['light brown', 'dark brown', 'blue-grey'], colourCount: 3, asymmetry: 0.35 }), 0.35),
      T,
    );
    expect(c.intervalDays).toBe(90);
    expect(c.diameter).toMatchObject({ unit: 'mm', before: 5, after: 6.2 });
    expect(c.diameter!.delta).toBeCloseTo(1.2, 10);
    expect(c.coloursGained).toEqual(['blue-grey']);
    expect(c.colourCount).toEqual({ before: 2, after: 3, delta: 1 });
    expect(c.asymmetry!.delta).toBeCloseTo(0.15, 10);
    expect(c.melanomaProbability!.delta).toBeCloseTo(0.3, 10);
    expect(codes(c)).toEqual(['growing', 'new-colour', 'more-asymmetric', 'probability-crossed-operating-point']);
    expect(c.flags[0]!.message).toBe('Diameter grew 1.2 mm (5.0 to 6.2 mm) in 90 days.');
    expect(c.flags[1]!.message).toBe('New colour: blue-grey.');
    expect(c.flags[3]!.message).toMatch(/from 5\.0 % \(benign-appearing\) to 35\.0 % \(refer\)/);
    expect(c.notes).toEqual([]);
  });

  it('a stable lesion raises nothing (0.5 mm, same colours, small asymmetry change, same action)', () => {
    const c = compareExams(exam('a', '2025-01-10', features(), 0.05), exam('b', '2025-04-10', features({ diameterMm: 5.5, asymmetry: 0.25 }), 0.08), T);
    expect(c.flags).toEqual([]);
    // A fall in probability is not a flag either.
    expect(compareExams(exam('a', '2025-01-10', features(), 0.5), exam('b', '2025-04-10', features(), 0.01), T).flags).toEqual([]);
  });

  it('without a scale compares pixels, says so, and needs 20 % growth', () => {
    const noScale = (px: number) => features({ diameterMm: null, diameterPx: px });
    const small = compareExams(exam('a', '2025-01-10', noScale(200), 0.05), exam('b', '2025-02-10', noScale(230), 0.05), T);
    expect(small.diameter?.unit).toBe('px');
    expect(codes(small)).not.toContain('growing');
    expect(small.notes.join(' ')).toMatch(/no scale/);
    const big = compareExams(exam('a', '2025-01-10', noScale(200), 0.05), exam('b', '2025-02-10', noScale(240), 0.05), T);
    expect(codes(big)).toEqual(['growing']);
    expect(big.flags[0]!.message).toMatch(/20 % in pixels/);
  });

  it('an unreliable outline raises no feature flag but still reports the AI rise', () => {
    const c = compareExams(
      exam('a', '2025-01-10', features(), 0.05),
      exam('b', '2025-02-10', features({ diameterMm: 9, segmentationReliable: false }), 0.2),
      T,
    );
    expect(codes(c)).toEqual(['probability-crossed-operating-point']);
    expect(c.notes.join(' ')).toMatch(/unreliable/);
  });

  it('sorts by date and skips a rejected image so the change is still seen', () => {
    const ev = lesionEvolution(
      [
        exam('c', '2025-07-01', features({ diameterMm: 6.5 }), 0.06),
        exam('a', '2025-01-01', features(), 0.05),
        exam('b', '2025-04-01', null, null),
      ],
      T,
    );
    expect(ev.order).toEqual(['a', 'b', 'c']);
    expect(ev.changes).toHaveLength(1);
    expect(ev.changes[0]).toMatchObject({ fromExamId: 'a', toExamId: 'c', intervalDays: 181 });
    expect(codes(ev)).toEqual(['growing']);
    expect(ev.evolving).toBe(true);
    expect(lesionEvolution([exam('a', '2025-01-01', features(), 0.05)], T)).toMatchObject({ changes: [], flags: [], evolving: false });
  });

  it('refuses an exam without a valid date', () => {
    expect(() => lesionEvolution([exam('a', 'yesterday', null, 0.1), exam('b', '2025-01-01', null, 0.1)], T)).toThrow(/takenAt/);
  });
});
