/**
 * Seeded synthetic profiles for the benchmark and tests: varied (ages, skin types,
 * pregnancy, medications with dates, lesions, oncology history, cardiovascular risk,
 * genetics, goals) and valid by construction. The same seed gives the same profiles.
 */
import { addDays } from './calendar.ts';
import type { KnowledgeBase } from './kb/schema.ts';
import { FITZPATRICK, TENDENCIES } from './kb/schema.ts';
import type { PlanProfileInput } from './profile.ts';
import { createRng, type Rng } from '../platform/seed/prng.ts';

const LESION_SITES = ['cheek', 'forehead', 'nose', 'neck', 'trunk', 'scalp', 'limbs', 'decolletage'];
const RISK_FACTORS = ['systolicBp', 'smoker', 'totalCholesterol', 'hdlCholesterol', 'diabetes', 'bmi'];

function dateBefore(rng: Rng, asOf: string, minDays: number, maxDays: number): string {
  return addDays(asOf, -rng.int(minDays, maxDays));
}

/** One profile drawn from `rng`, dated relative to `asOf`. */
export function syntheticProfile(rng: Rng, kb: KnowledgeBase, asOf: string, id: string): PlanProfileInput {
  const sex = rng.weighted([['female', 0.7], ['male', 0.28], ['other', 0.02]] as const);
  const age = rng.int(18, 85);
  const pregnant = sex === 'female' && age <= 44 && rng.chance(0.06);
  const breastfeeding = !pregnant && sex === 'female' && age <= 44 && rng.chance(0.05);
  const medications: NonNullable<PlanProfileInput['medications']> = [];
  if (age < 40 && rng.chance(0.12)) {
    const start = dateBefore(rng, asOf, 200, 600);
    medications.push({ class: 'isotretinoin', start, ...(rng.chance(0.6) ? { end: dateBefore(rng, asOf, 0, 199) } : {}), ref: `MedicationStatement/${id}-iso` });
  }
  for (const cls of ['anticoagulant', 'antiplatelet', 'statin', 'antihypertensive', 'photosensitizing', 'aminoglycoside']) {
    if (rng.chance(age > 60 ? 0.15 : 0.05)) medications.push({ class: cls, start: dateBefore(rng, asOf, 30, 2000) });
  }
  const conditions = kb.vocabulary.conditions.filter((c) => c.id !== 'other' && rng.chance(0.04)).map((c, i) => ({ code: c.id, ref: `Condition/${id}-${i}` }));
  const allergies = kb.vocabulary.ingredients.filter((a) => a.id !== 'other' && rng.chance(0.02)).map((a) => ({ ingredient: a.id }));
  const oncology: NonNullable<PlanProfileInput['oncology']> = [];
  if (rng.chance(0.08)) {
    const start = dateBefore(rng, asOf, 100, 1500);
    oncology.push({ treatment: rng.pick(['chemotherapy', 'radiotherapy', 'surgery', 'hormonal-therapy']), site: rng.pick(['breast', 'scalp', 'trunk', 'face']), start, ...(rng.chance(0.7) ? { end: dateBefore(rng, asOf, 0, 99) } : {}) });
  }
  const lesions = Array.from({ length: rng.int(0, 2) }, (_, i) => ({
    site: rng.pick(LESION_SITES),
    aiSuggestion: rng.weighted([['refer', 0.2], ['monitor', 0.3], ['benign-appearing', 0.5]] as const),
    status: rng.chance(0.7) ? ('unresolved' as const) : ('cleared' as const),
    ref: `Observation/${id}-lesion-${i}`,
  }));
  const concerns = rng.shuffle(kb.concerns.map((c) => c.id)).slice(0, rng.int(1, 4));
  const profile: PlanProfileInput = {
    id: `Patient/${id}`,
    age,
    sex,
    fitzpatrick: rng.pick(FITZPATRICK),
    pregnant,
    breastfeeding,
    medications,
    allergies,
    conditions,
    oncology,
    lesions,
    goals: concerns.map((concern, i) => ({ concern, rank: i + 1 })),
    preferences: { ...(rng.chance(0.5) ? { maxDowntimeDays: rng.pick([0, 2, 7, 14]) } : {}), ...(rng.chance(0.5) ? { budget: rng.pick(['low', 'medium', 'high'] as const) } : {}) },
  };
  if (rng.chance(0.1)) profile.bddScreen = { positive: rng.chance(0.4), score: rng.int(0, 21) };
  if (age >= 40 && rng.chance(0.6)) {
    const factors = rng.shuffle(RISK_FACTORS).slice(0, rng.int(0, 4));
    profile.cardiovascularRisk = {
      model: 'pce',
      riskPercent: Math.round(rng.range(1, 35) * 10) / 10,
      horizonYears: 10,
      category: rng.pick([{ code: 'low', label: 'Low risk (<5%)' }, { code: 'intermediate', label: 'Intermediate risk (7.5% to <20%)' }, { code: 'high', label: 'High risk (>=20%)' }]),
      modifiableFactors: factors.map((factor) => ({ factor, attributedPercentPoints: Math.round(rng.range(0, 6) * 10) / 10 })),
      ref: `RiskAssessment/${id}`,
    };
  }
  if (rng.chance(0.2)) {
    const level = () => rng.weighted([['typical', 0.7], ['elevated', 0.25], ['high', 0.05]] as const);
    profile.genetics = {
      panelVersion: kb.panel.version,
      tendencies: Object.fromEntries(TENDENCIES.map((t) => [t, { level: level(), because: ['rs1805007'] }])) as NonNullable<PlanProfileInput['genetics']>['tendencies'],
    };
  }
  return profile;
}

/** `count` profiles from one seed. */
export function syntheticProfiles(seed: number, count: number, kb: KnowledgeBase, asOf: string): PlanProfileInput[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => syntheticProfile(rng.fork(`profile-${i}`), kb, asOf, `synthetic-${seed}-${i}`));
}
