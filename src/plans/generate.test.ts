import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { generatePlan, type ExcludedOption, type Plan } from './generate.ts';
import { genotypePanel } from './genotype/panel.ts';
import { shippedKnowledgeBase } from './kb/shipped.ts';
import { renderPlanText } from './render.ts';
import { syntheticProfiles } from './synthetic.ts';

const kb = shippedKnowledgeBase();
const FIX = path.resolve(import.meta.dirname, '../../test/fixtures/plans');
const fixture = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8')) as Record<string, unknown>;
const ASOF = '2025-06-01';
const plan = (profile: unknown, asOf = ASOF): Plan => generatePlan(profile, { asOf, kb });

function refusal(profile: unknown, asOf = ASOF): AppError {
  try {
    plan(profile, asOf);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('the profile was accepted');
}

const goal = (p: Plan, concern: string, area?: string) => {
  const g = p.goals.find((x) => x.concern === concern && (area === undefined || x.area === area));
  if (!g) throw new Error(`no goal ${concern}`);
  return g;
};
const excluded = (p: Plan, concern: string, id: string, area?: string): ExcludedOption | undefined => goal(p, concern, area).excluded.find((x) => x.interventionId === id);
const offered = (p: Plan, concern: string, id: string, area?: string): boolean => goal(p, concern, area).options.some((o) => o.interventionId === id);

describe('the issue examples of exclusion', () => {
  it('an unresolved "refer" lesion blocks energy devices and peels over that site, naming the lesion', () => {
    const p = plan(fixture('profile-lesion-refer.json'));
    for (const id of ['ipl-photorejuvenation', 'glycolic-peel', 'ablative-fractional-co2', 'nonablative-fractional-laser']) {
      const x = excluded(p, 'photoaging', id, 'face');
      expect(x, id).toBeDefined();
      const hit = x!.because.find((b) => b.ruleId === 'lesion-refer-in-area');
      expect(hit?.kind).toBe('defer');
      expect(hit?.triggers).toEqual([expect.objectContaining({ field: 'lesions[0]', ref: 'Observation/ines-lesion-cheek' })]);
    }
    // Topicals are not blocked by the lesion.
    expect(offered(p, 'photoaging', 'broad-spectrum-sunscreen', 'face')).toBe(true);
    // The same devices on the hands (no lesion there) are offered.
    expect(offered(p, 'photoaging', 'ipl-photorejuvenation', 'hands')).toBe(true);
    // The trunk lesion was cleared by a clinician: peels over the trunk are allowed.
    expect(offered(p, 'pigmentation', 'salicylic-peel', 'trunk')).toBe(true);
    // The calendar starts with examining the lesion.
    expect(p.calendar[0]).toMatchObject({ kind: 'lesion-review', date: ASOF });
  });

  it('clearing the lesion lifts the block', () => {
    const profile = fixture('profile-lesion-refer.json');
    (profile.lesions as { status: string }[])[0]!.status = 'cleared';
    const p = plan(profile);
    expect(excluded(p, 'photoaging', 'ipl-photorejuvenation', 'face')).toBeUndefined();
    expect(offered(p, 'photoaging', 'ipl-photorejuvenation', 'face')).toBe(true);
    expect(p.calendar.some((c) => c.kind === 'lesion-review')).toBe(false);
  });

  it('pregnancy excludes retinoids and neuromodulators', () => {
    const p = plan(fixture('profile-pregnant.json'));
    for (const [concern, id] of [['dynamic-lines', 'botulinum-toxin-forehead'], ['acne', 'adapalene'], ['acne', 'tretinoin'], ['melasma', 'hydroquinone']] as const) {
      const x = excluded(p, concern, id);
      expect(x?.because.map((b) => b.ruleId), id).toContain('pregnancy');
      expect(x?.because.find((b) => b.ruleId === 'pregnancy')?.triggers).toEqual([expect.objectContaining({ field: 'pregnant' })]);
    }
    // What remains is pregnancy-compatible: azelaic acid for acne and melasma, sunscreen.
    expect(offered(p, 'acne', 'azelaic-acid')).toBe(true);
    expect(offered(p, 'melasma', 'broad-spectrum-sunscreen')).toBe(true);
    expect(goal(p, 'dynamic-lines').options).toEqual([]);
    expect(p.warnings.map((w) => w.en).join(' ')).toContain('No option remains for goal 1');
    // No retinoid reaches the regimen.
    expect([...p.regimen.am, ...p.regimen.pm].some((s) => s.actives.includes('retinoid'))).toBe(false);
  });

  it('isotretinoin in the last 6 months blocks ablative and medium-depth procedures, naming the prescription', () => {
    const p = plan(fixture('profile-isotretinoin.json'));
    for (const id of ['ablative-fractional-co2', 'tca-cross', 'tca-peel-medium']) {
      const x = excluded(p, 'acne-scars', id);
      expect(x?.because.map((b) => b.ruleId), id).toContain('isotretinoin-6-months');
      expect(x?.because.find((b) => b.ruleId === 'isotretinoin-6-months')?.triggers[0]).toMatchObject({ field: 'medications[0]', ref: 'MedicationStatement/marco-iso' });
    }
    // Non-ablative options stay available.
    expect(offered(p, 'acne-scars', 'microneedling')).toBe(true);
    expect(offered(p, 'acne-scars', 'nonablative-fractional-laser')).toBe(true);
  });

  it('isotretinoin that ended more than 6 months ago no longer blocks them', () => {
    const p = plan(fixture('profile-isotretinoin.json'), '2025-08-16');
    expect(excluded(p, 'acne-scars', 'ablative-fractional-co2')).toBeUndefined();
    const still = plan(fixture('profile-isotretinoin.json'), '2025-08-15');
    expect(excluded(still, 'acne-scars', 'ablative-fractional-co2')).toBeDefined();
  });

  it('a positive body-dysmorphic screen defers elective procedures but not skincare', () => {
    const p = plan(fixture('profile-bdd.json'));
    const lips = excluded(p, 'volume-loss', 'ha-filler-lips', 'lips');
    expect(lips?.because).toEqual([expect.objectContaining({ ruleId: 'bdd-positive', kind: 'defer', triggers: [expect.objectContaining({ field: 'bddScreen', ref: 'QuestionnaireResponse/sara-intake' })] })]);
    expect(goal(p, 'texture-pores').options.every((o) => o.category === 'topical')).toBe(true);
    expect(goal(p, 'texture-pores').options.length).toBeGreaterThan(0);
    expect(p.calendar.some((c) => c.kind === 'session')).toBe(false);
  });

  it('a skin-type "avoid" excludes the device for Fitzpatrick V and names the fact', () => {
    const p = plan({ age: 40, sex: 'female', fitzpatrick: 'V', goals: [{ concern: 'photoaging' }] });
    const x = excluded(p, 'photoaging', 'ipl-photorejuvenation');
    expect(x?.because[0]).toMatchObject({ kind: 'skin-type', triggers: [{ field: 'fitzpatrick', detail: 'Fitzpatrick V' }] });
    expect(offered(p, 'photoaging', 'broad-spectrum-sunscreen')).toBe(true);
  });

  it('a relative contraindication keeps the option with a caution and ranks it lower', () => {
    const base = plan({ age: 60, sex: 'male', goals: [{ concern: 'dynamic-lines', area: 'glabella' }] });
    const anticoag = plan({ age: 60, sex: 'male', medications: [{ class: 'anticoagulant', name: 'apixaban', start: '2024-01-01', ref: 'MedicationStatement/apx' }], goals: [{ concern: 'dynamic-lines', area: 'glabella' }] });
    const a = goal(base, 'dynamic-lines').options[0]!;
    const b = goal(anticoag, 'dynamic-lines').options[0]!;
    expect(b.interventionId).toBe('botulinum-toxin-glabella');
    expect(b.cautions).toEqual([expect.objectContaining({ ruleId: 'anticoagulant', kind: 'relative', triggers: [expect.objectContaining({ ref: 'MedicationStatement/apx' })] })]);
    expect(b.score).toBeLessThan(a.score);
  });
});

describe('bad profiles', () => {
  it.each([
    ['pregnant and 80', fixture('profile-contradictory.json'), 'pregnant', /not plausible/],
    ['pregnant and male', { age: 30, sex: 'male', pregnant: true, goals: [{ concern: 'acne' }] }, 'pregnant', /male/],
    ['an unknown concern', fixture('profile-unknown-concern.json'), 'goals[1].concern', /'eternal-youth' is not a known concern/],
    ['no goals', { age: 30, sex: 'female', goals: [] }, 'goals', /at least one goal/],
    ['an area the concern does not have', { age: 30, sex: 'female', goals: [{ concern: 'hair-loss', area: 'lips' }] }, 'goals[0].area', /not an area/],
    ['an unknown medication class', { age: 30, sex: 'female', medications: [{ class: 'magic' }], goals: [{ concern: 'acne' }] }, 'medications[0].class', /not a known medication class/],
    ['a medication ending before it starts', { age: 30, sex: 'female', medications: [{ class: 'isotretinoin', start: '2025-01-01', end: '2024-01-01' }], goals: [{ concern: 'acne' }] }, 'medications[0].end', /before it starts/],
    ['a date after the plan date', { age: 30, sex: 'female', oncology: [{ treatment: 'radiotherapy', start: '2026-01-01' }], goals: [{ concern: 'acne' }] }, 'oncology[0].start', /after the plan date/],
    ['a Fitzpatrick type out of range', { age: 30, sex: 'female', fitzpatrick: 'VII', goals: [{ concern: 'acne' }] }, 'fitzpatrick', /./],
    ['an age out of range', { age: 150, sex: 'female', goals: [{ concern: 'acne' }] }, 'age', /./],
    ['a lesion at an unknown site', { age: 30, sex: 'female', lesions: [{ site: 'elbow-ish', aiSuggestion: 'refer', status: 'unresolved' }], goals: [{ concern: 'acne' }] }, 'lesions[0].site', /not a known body site/],
    ['an unknown field', { age: 30, sex: 'female', goals: [{ concern: 'acne' }], favouriteColour: 'blue' }, 'profile', /favouriteColour/],
    ['a duplicated rank', { age: 30, sex: 'female', goals: [{ concern: 'acne', rank: 1 }, { concern: 'melasma', rank: 1 }] }, 'goals[1].rank', /used twice/],
    ['not an object', [1, 2], 'profile', /JSON object/],
  ])('refuses %s, naming the field', (_name, profile, field, message) => {
    const e = refusal(profile);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('refuses a plan date that is not a date', () => {
    expect(refusal({ age: 30, sex: 'female', goals: [{ concern: 'acne' }] }, '01/06/2025').field).toBe('asOf');
  });
});

describe('a plan', () => {
  const typical = fixture('profile-typical.json');

  it('is deterministic: same input, same plan, whatever the key order', () => {
    const a = plan(typical);
    const b = plan(JSON.parse(JSON.stringify(typical)));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const reordered = Object.fromEntries(Object.entries(typical).reverse());
    expect(plan(reordered).inputHash).toBe(a.inputHash);
    expect(plan({ ...typical, age: 53 }).inputHash).not.toBe(a.inputHash);
  });

  it('records the knowledge-base version, engine version, date and an input hash', () => {
    const p = plan(typical);
    expect(p).toMatchObject({ kind: 'wellage-plan', kbVersion: kb.version, asOf: ASOF, patient: 'Patient/synthetic-elena' });
    expect(p.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ranks options per goal in the patient order, each with rationale, evidence, citation and dose', () => {
    const p = plan(typical);
    expect(p.goals.map((g) => [g.rank, g.concern, g.area])).toEqual([[1, 'dynamic-lines', 'glabella'], [2, 'photoaging', 'face'], [3, 'volume-loss', 'cheek']]);
    const top = p.goals[0]!.options[0]!;
    expect(top.interventionId).toBe('botulinum-toxin-glabella');
    expect(top.dose).toEqual([expect.objectContaining({ area: 'glabella', unit: 'U', min: 10, max: 40 })]);
    expect(top.evidence.citations[0]?.doi).toBeTruthy();
    expect(top.rationale.length).toBeGreaterThan(1);
    for (const g of p.goals) {
      const scores = g.options.map((o) => o.score);
      expect(scores).toEqual([...scores].sort((x, y) => y - x));
    }
    const filler = goal(p, 'volume-loss').options.find((o) => o.interventionId === 'ha-filler-cheeks');
    expect(filler?.dose).toEqual([expect.objectContaining({ area: 'cheek', unit: 'mL', per: 'per-side' })]);
  });

  it('flags options outside the downtime and budget preferences', () => {
    const p = plan(typical);
    const co2 = goal(p, 'photoaging').options.find((o) => o.interventionId === 'ablative-fractional-co2');
    expect(co2?.cautions.map((c) => c.ruleId)).toEqual(expect.arrayContaining(['preference:downtime', 'preference:budget']));
  });

  it('schedules the neuromodulator with a 2-week review and a recall, and the filler two weeks later', () => {
    const p = plan(typical);
    const tox = p.calendar.filter((c) => c.interventionId === 'botulinum-toxin-glabella');
    expect(tox.map((c) => c.kind)).toEqual(['session', 'follow-up', 'recall']);
    expect(tox[1]!.week - tox[0]!.week).toBe(2);
    expect(tox[2]!.week - tox[0]!.week).toBe(16);
    const filler = p.calendar.find((c) => c.kind === 'session' && kb.interventionById.get(c.interventionId ?? '')?.category.startsWith('filler'));
    expect(filler && filler.week - tox[0]!.week).toBe(2);
  });

  it('ties well-aging items to the cardiovascular risk and its modifiable factors, largest first', () => {
    const p = plan(typical);
    expect(p.wellAging.map((w) => [w.interventionId, w.factor])).toEqual([['blood-pressure-care', 'blood-pressure'], ['smoking-cessation', 'smoking'], ['weight-management', 'weight']]);
    expect(p.wellAging[0]!.rationale.en).toContain('2.1 percentage points of the 6.4% 10-year risk (PREVENT)');
    expect(p.wellAging[0]!.ref).toBe('RiskAssessment/elena-prevent');
    expect(p.calendar.some((c) => c.kind === 'well-aging-review')).toBe(true);
  });

  it('without a cardiovascular risk, offers general well-aging measures and says so', () => {
    const p = plan({ age: 45, sex: 'female', goals: [{ concern: 'acne' }] });
    expect(p.wellAging.length).toBeGreaterThan(0);
    expect(p.wellAging.every((w) => w.factor === null && w.rationale.en.includes('no cardiovascular risk on record'))).toBe(true);
  });

  it('lets the genetics panel shape sun protection, skin checks and barrier care, and says where', () => {
    const panel = genotypePanel(fs.readFileSync(path.join(FIX, 'genotype-23andme.txt'), 'utf8'), kb);
    const without = plan({ age: 40, sex: 'female', fitzpatrick: 'III', goals: [{ concern: 'acne' }] });
    const withGenes = plan({ age: 40, sex: 'female', fitzpatrick: 'III', goals: [{ concern: 'acne' }], genetics: panel });
    expect(without.sunProtection.spf).toBe(30);
    expect(without.skinCheck.intervalMonths).toBeNull();
    expect(without.barrierCare).toBeNull();
    expect(without.genetics).toEqual({ used: false, panelVersion: null, influences: [] });

    expect(withGenes.sunProtection.spf).toBe(50);
    expect(withGenes.sunProtection.because).toEqual([expect.objectContaining({ source: 'genetics', detail: expect.stringContaining('rs1805007') })]);
    expect(withGenes.skinCheck.intervalMonths).toBe(6);
    expect(withGenes.barrierCare?.because[0]?.detail).toContain('rs61816761');
    expect(withGenes.genetics.influences.map((i) => i.area)).toEqual(expect.arrayContaining(['sun-protection', 'skin-check', 'barrier-care', 'option-caution']));
    // The weak barrier slows the retinoid start and cautions irritant options.
    const retinoidStep = withGenes.regimen.pm.find((s) => s.actives.includes('retinoid'));
    expect(retinoidStep?.frequency).toBe('start-every-third-night');
    const adapalene = goal(withGenes, 'acne').options.find((o) => o.interventionId === 'adapalene');
    expect(adapalene?.cautions.map((c) => c.ruleId)).toContain('genetic-barrier-weakness');
  });

  it('renders in English and Spanish with exclusions and record references', () => {
    const p = plan(fixture('profile-lesion-refer.json'));
    const en = renderPlanText(p, 'en');
    const es = renderPlanText(p, 'es');
    expect(en).toContain('Treatment and skincare plan');
    expect(en).toContain('[lesion-refer-in-area]');
    expect(en).toContain('record: Observation/ines-lesion-cheek');
    expect(es).toContain('Plan de tratamiento y cuidado de la piel');
    expect(es).toContain('registro: Observation/ines-lesion-cheek');
    expect(es).toContain('Fotoprotector de amplio espectro');
  });

  it('generates a valid plan for every one of 500 varied synthetic profiles', () => {
    const profiles = syntheticProfiles(7, 500, kb, ASOF);
    const plans = profiles.map((p) => plan(p));
    expect(plans.every((p) => p.goals.length > 0 && p.kbVersion === kb.version)).toBe(true);
    // The generator really varies: some plans exclude things, some do not.
    expect(plans.some((p) => p.goals.some((g) => g.excluded.length > 0))).toBe(true);
    expect(plans.some((p) => p.goals.every((g) => g.excluded.length === 0))).toBe(true);
  });
});
