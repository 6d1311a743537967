import { describe, expect, it } from 'vitest';
import { generatePlan } from '../../../src/plans/index.ts';
import { planKb, addCandidates } from './kb.ts';
import { checkDose, citationLinks, currentPlan, defaultGoals, goalsForRequest, local, sourceFor, warningKey, addableFor, openWarnings } from './present.ts';
import type { PlanEdit, PlanRecord } from './types.ts';

const kb = planKb();
const plan = generatePlan(
  { age: 30, sex: 'female', fitzpatrick: 'II', pregnant: true, goals: [{ concern: 'dynamic-lines', area: 'glabella' }, { concern: 'photoaging' }] },
  { asOf: '2025-06-01', kb },
);
const edit = (e: Omit<PlanEdit, 'by' | 'at'>): PlanEdit => ({ by: 'u1', at: '2025-06-01T10:00:00Z', ...e });
const record = (edits: PlanEdit[]): Pick<PlanRecord, 'plan' | 'edits'> => ({ plan, edits });

describe('the plan as edited', () => {
  it('starts as the engine generated it', () => {
    const cur = currentPlan(record([]), kb);
    expect(cur.map((g) => g.options.map((o) => o.interventionId))).toEqual(plan.goals.map((g) => g.options.map((o) => o.interventionId)));
  });

  it('drops a removed option and lists it as removed', () => {
    const cur = currentPlan(record([edit({ kind: 'remove', goalRank: 2, interventionId: 'glycolic-peel' })]), kb);
    expect(cur[1]!.options.map((o) => o.interventionId)).not.toContain('glycolic-peel');
    expect(cur[1]!.removed.map((o) => o.interventionId)).toEqual(['glycolic-peel']);
    expect(cur[0]!.options.length).toBe(plan.goals[0]!.options.length);
  });

  it('brings in an added option with its knowledge-base dose ranges, and a later add undoes a removal', () => {
    const added = addCandidates(kb, plan.goals[1]!, plan.goals[1]!.options.map((o) => o.interventionId)).find((c) => !c.atArea)!;
    expect(added).toBeDefined();
    const cur = currentPlan(record([edit({ kind: 'add', goalRank: 2, interventionId: added.interventionId })]), kb);
    const o = cur[1]!.options.find((x) => x.interventionId === added.interventionId)!;
    expect(o.added).toBe(true);
    expect(o.name.en).toBe(kb.interventionById.get(added.interventionId)!.names.en);
    const back = currentPlan(record([edit({ kind: 'remove', goalRank: 2, interventionId: 'glycolic-peel' }), edit({ kind: 'add', goalRank: 2, interventionId: 'glycolic-peel' })]), kb);
    expect(back[1]!.options.map((x) => x.interventionId)).toContain('glycolic-peel');
    expect(back[1]!.removed).toEqual([]);
  });

  it('keeps the latest dose per site and marks one outside the range', () => {
    const cur = currentPlan(
      record([
        edit({ kind: 'dose', goalRank: 2, interventionId: 'glycolic-peel', site: 'face', dose: { value: 30, unit: '%' } }),
        edit({ kind: 'dose', goalRank: 2, interventionId: 'glycolic-peel', site: 'face', dose: { value: 90, unit: '%' } }),
      ]),
      kb,
    );
    const o = cur[1]!.options.find((x) => x.interventionId === 'glycolic-peel')!;
    expect(o.doses).toEqual([{ site: 'face', value: 90, unit: '%', outOfRange: true }]);
  });
});

describe('adding options', () => {
  it('never offers an option the plan excluded, nor one already there', () => {
    const cur = currentPlan(record([]), kb);
    const offered = addableFor(kb, cur[1]!).map((c) => c.interventionId);
    for (const ex of plan.goals[1]!.excluded) expect(offered).not.toContain(ex.interventionId);
    for (const o of plan.goals[1]!.options) expect(offered).not.toContain(o.interventionId);
    // A removed option is offered again.
    const removed = currentPlan(record([edit({ kind: 'remove', goalRank: 2, interventionId: 'glycolic-peel' })]), kb);
    expect(addableFor(kb, removed[1]!)[0]).toMatchObject({ interventionId: 'glycolic-peel', atArea: true });
    // The pregnant patient's glabella goal: the neuromodulator is excluded, so not offered.
    expect(addableFor(kb, cur[0]!).map((c) => c.interventionId)).not.toContain('botulinum-toxin-glabella');
  });
});

describe('dose checks', () => {
  const ranges = plan.goals[1]!.options.find((o) => o.interventionId === 'glycolic-peel')!.dose;
  it('accepts a value inside the range, bounds included', () => {
    expect(checkDose(kb, ranges, 'face', 20, '%').status).toBe('in-range');
    expect(checkDose(kb, ranges, 'face', 70, '%').status).toBe('in-range');
  });
  it('flags a value outside the range or in another unit', () => {
    expect(checkDose(kb, ranges, 'face', 71, '%')).toMatchObject({ status: 'out-of-range', range: { min: 20, max: 70 } });
    expect(checkDose(kb, ranges, 'face', 19.9, '%').status).toBe('out-of-range');
    expect(checkDose(kb, ranges, 'face', 30, 'mL').status).toBe('out-of-range');
  });
  it('refuses zero, negative and non-numbers', () => {
    expect(checkDose(kb, ranges, 'face', 0, '%').status).toBe('invalid');
    expect(checkDose(kb, ranges, 'face', -5, '%').status).toBe('invalid');
    expect(checkDose(kb, ranges, 'face', Number.NaN, '%').status).toBe('invalid');
  });
});

describe('small helpers', () => {
  it('links DOIs and PMIDs to where they can be read', () => {
    expect(citationLinks({ doi: '10.1111/bjd.13403', pmid: '25338499', text: 'x'.repeat(12) })).toEqual([
      { label: 'DOI 10.1111/bjd.13403', href: 'https://doi.org/10.1111/bjd.13403' },
      { label: 'PMID 25338499', href: 'https://pubmed.ncbi.nlm.nih.gov/25338499/' },
    ]);
  });
  it('builds the acknowledge key PATCH expects', () => {
    expect(warningKey({ code: 'DOSE_OUT_OF_RANGE', interventionId: 'glycolic-peel' })).toBe('DOSE_OUT_OF_RANGE:glycolic-peel');
    expect(openWarnings({ warnings: [{ code: 'A', message: { en: 'a', es: 'a' }, acknowledged: true }, { code: 'B', message: { en: 'b', es: 'b' }, acknowledged: false }] }).map((w) => w.code)).toEqual(['B']);
  });
  it('picks the language, English by default', () => {
    expect(local({ en: 'Plan', es: 'Plan de tratamiento' }, 'es-ES')).toBe('Plan de tratamiento');
    expect(local({ en: 'Plan', es: 'Plan de tratamiento' }, 'fr')).toBe('Plan');
  });
  it('finds the most specific source of a profile field', () => {
    const sources = [
      { field: 'medications', value: [], source: { display: 'all medications' } },
      { field: 'medications[0]', value: 'isotretinoin', source: { resourceType: 'MedicationStatement', resourceId: 'm1', display: 'Isotretinoin 20 mg' } },
    ];
    expect(sourceFor(sources, 'medications[0].class')?.source.display).toBe('Isotretinoin 20 mg');
    expect(sourceFor(sources, 'medications[3]')?.source.display).toBe('all medications');
    expect(sourceFor(sources, 'pregnant')).toBeUndefined();
  });
  it('orders default goals by rank and drops blank rows from a request', () => {
    expect(defaultGoals({ goals: [{ concern: 'b', rank: 2 }, { concern: 'a', area: 'face', rank: 1 }] })).toEqual([{ concern: 'a', area: 'face' }, { concern: 'b', area: '' }]);
    expect(goalsForRequest([{ concern: '', area: '' }, { concern: 'photoaging', area: '' }, { concern: 'dynamic-lines', area: 'glabella' }])).toEqual([{ concern: 'photoaging' }, { concern: 'dynamic-lines', area: 'glabella' }]);
  });
});
