/**
 * 2023 AHA PREVENT equations: 10-year (ages 30-79) and 30-year (ages 30-59) risk of total CVD,
 * ASCVD, heart failure, CHD and stroke; base model and the optional-predictor models (UACR,
 * HbA1c, SDI, full). Sex-specific, race-free, logistic: risk = 1 / (1 + exp(-x)).
 *
 * Source [KHAN]: Khan SS et al. Development and Validation of the American Heart Association's
 * PREVENT Equations. Circulation 2024;149:430-449, supplemental Tables S12A-S12J (coefficients
 * in prevent-coefficients.ts). Predictor transformations as in [PRV] preventr v0.12.0
 * R/estimate_risk.R prep_terms = [PC] PooledCohort v0.0.2 R/prevent.R (coefficients.md 2.1),
 * including the mg/dL -> mmol/L factor 0.02586 both packages use.
 */
import { preventCategory } from '../categories.ts';
import { explainRisk, num, type FactorSpec, type OptimalProfile } from '../explain.ts';
import {
  RangeGate,
  checkPlausibility,
  hba1cPercent,
  missing,
  refusal,
  uacrMgPerG,
  type InputProblem,
  type Range,
} from '../inputs.ts';
import type { ModelInfo, ModelScore, Outcome, RiskEntry, RiskInput, ScoreOptions, Sex } from '../types.ts';
import { PREVENT_COEFFICIENTS, type PreventModelName, type PreventOutcomeCode } from './prevent-coefficients.ts';

export const PREVENT_INFO: ModelInfo = {
  id: 'prevent',
  name: 'AHA PREVENT',
  version: '2023',
  source: 'Khan SS et al. Circulation 2024;149:430-449, supplemental Tables S12A-S12J',
};

/** mmol/L per mg/dL of cholesterol used by PREVENT's reference implementations [PRV][PC]. */
export const PREVENT_MMOL_PER_MGDL = 0.02586;

/**
 * Validated ranges: age 30-79 and the 30-year horizon only for 30-59 [KHAN]; lipid, SBP, BMI,
 * eGFR, HbA1c and UACR ranges as documented by [PRV] R/estimate_risk.R and the SSC Stata
 * "prevent" help (coefficients.md 2.1). SBP up to 200 (PRV restricts to 180 by choice).
 */
export const PREVENT_RANGES = {
  age: { min: 30, max: 79, unit: 'years' },
  age30Year: { min: 30, max: 59, unit: 'years' },
  totalCholesterol: { min: 130, max: 320, unit: 'mg/dL' },
  hdlCholesterol: { min: 20, max: 100, unit: 'mg/dL' },
  systolicBp: { min: 90, max: 200, unit: 'mmHg' },
  bmi: { min: 18.5, max: 39.9, unit: 'kg/m2' },
  egfr: { min: 15, max: 140, unit: 'mL/min/1.73m2' },
  hba1c: { min: 4.5, max: 15, unit: '%' },
  uacr: { min: 0.1, max: 25000, unit: 'mg/g' },
} as const satisfies Record<string, Range>;

export const PREVENT_OUTCOMES: readonly PreventOutcomeCode[] = ['cvd', 'ascvd', 'hf', 'chd', 'stroke'];

const OUTCOME_LABELS: Record<PreventOutcomeCode, string> = {
  cvd: 'total cardiovascular disease (ASCVD or heart failure)',
  ascvd: 'atherosclerotic cardiovascular disease (MI, stroke, CHD death)',
  hf: 'heart failure',
  chd: 'coronary heart disease',
  stroke: 'stroke',
};

/** The prepared PREVENT profile (cholesterol kept in mg/dL; converted with 0.02586 inside). */
export interface PreventProfile {
  readonly sex: Sex;
  readonly age: number;
  readonly tcMgdl: number;
  readonly hdlMgdl: number;
  readonly sbp: number;
  readonly bpTreated: boolean;
  readonly smoker: boolean;
  readonly diabetes: boolean;
  readonly statin: boolean;
  readonly egfr: number;
  /** undefined: heart-failure outcomes cannot be scored. */
  readonly bmi: number | undefined;
  readonly uacrMgG: number | undefined;
  readonly hba1cPercent: number | undefined;
  readonly sdiDecile: number | undefined;
  readonly model: PreventModelName;
}

/** The predictor vector in PREVENT_TERMS order (coefficients.md 2.1). */
export function preventTerms(p: PreventProfile): number[] {
  const a = (p.age - 55) / 10;
  const nonHdl = (p.tcMgdl - p.hdlMgdl) * PREVENT_MMOL_PER_MGDL - 3.5;
  const hdl = (p.hdlMgdl * PREVENT_MMOL_PER_MGDL - 1.3) / 0.3;
  const sbpLow = (Math.min(p.sbp, 110) - 110) / 20;
  const sbpHigh = (Math.max(p.sbp, 110) - 130) / 20;
  const bmi = p.bmi ?? 25; // only HF has BMI coefficients; HF is refused when BMI is missing
  const bmiLow = (Math.min(bmi, 30) - 25) / 5;
  const bmiHigh = (Math.max(bmi, 30) - 30) / 5;
  const egfrLow = (Math.min(p.egfr, 60) - 60) / -15;
  const egfrHigh = (Math.max(p.egfr, 60) - 90) / -15;
  const dm = p.diabetes ? 1 : 0;
  const smk = p.smoker ? 1 : 0;
  const bpTx = p.bpTreated ? 1 : 0;
  const statin = p.statin ? 1 : 0;
  const hasAcr = p.uacrMgG !== undefined;
  const hasA1c = p.hba1cPercent !== undefined;
  const hasSdi = p.sdiDecile !== undefined;
  const a1c = hasA1c ? (p.hba1cPercent as number) - 5.3 : 0;
  const sdi = p.sdiDecile ?? 0;
  return [
    1, // constant
    a,
    a * a,
    nonHdl,
    hdl,
    sbpLow,
    sbpHigh,
    dm,
    smk,
    bmiLow,
    bmiHigh,
    egfrLow,
    egfrHigh,
    bpTx,
    statin,
    bpTx * sbpHigh,
    statin * nonHdl,
    a * nonHdl,
    a * hdl,
    a * sbpHigh,
    a * dm,
    a * smk,
    a * bmiHigh,
    a * egfrLow,
    hasAcr ? Math.log(p.uacrMgG as number) : 0,
    hasAcr ? 0 : 1,
    a1c * dm,
    a1c * (1 - dm),
    hasA1c ? 0 : 1,
    hasSdi && sdi >= 4 && sdi <= 6 ? 1 : 0,
    hasSdi && sdi >= 7 ? 1 : 0,
    hasSdi ? 0 : 1,
  ];
}

/** Risk in percent from a term vector, for one model, horizon, sex and outcome. */
export function preventRiskFromTerms(
  terms: readonly number[],
  model: PreventModelName,
  horizon: 10 | 30,
  sex: Sex,
  outcome: PreventOutcomeCode,
): number {
  const beta = PREVENT_COEFFICIENTS[model][horizon === 10 ? '10' : '30'][sex][outcome];
  let x = 0;
  for (let i = 0; i < beta.length; i++) x += (beta[i] as number) * (terms[i] as number);
  return 100 / (1 + Math.exp(-x));
}

export function preventRisk(p: PreventProfile, horizon: 10 | 30, outcome: PreventOutcomeCode): number {
  return preventRiskFromTerms(preventTerms(p), p.model, horizon, p.sex, outcome);
}

/** Picks the PREVENT model: base with no optional predictor, the single one given, or full for two or more. */
export function choosePreventModel(input: RiskInput, requested: ScoreOptions['preventModel'] = 'auto'): PreventModelName {
  if (requested !== 'auto') return requested;
  const given = [input.uacr !== undefined, input.hba1c !== undefined, input.sdiDecile !== undefined];
  const n = given.filter(Boolean).length;
  if (n === 0) return 'base';
  if (n > 1) return 'full';
  return given[0] ? 'uacr' : given[1] ? 'hba1c' : 'sdi';
}

const PREVENT_OPTIMAL: OptimalProfile<PreventProfile> = {
  description:
    'total cholesterol 170 mg/dL, HDL cholesterol 50 mg/dL, untreated SBP 110 mmHg, non-smoker, no diabetes, no statin, eGFR 90, BMI 25; optional predictors unchanged',
  source:
    'ACC/AHA optimal risk factors (Goff 2013) for the shared factors; eGFR 90 and BMI 25 are the PREVENT centring values (Khan 2024), a WellAge choice',
  apply: (p) => ({ ...p, tcMgdl: 170, hdlMgdl: 50, sbp: 110, bpTreated: false, smoker: false, diabetes: false, statin: false, egfr: 90, bmi: p.bmi === undefined ? undefined : 25 }),
};

function preventFactors(includeBmi: boolean): FactorSpec<PreventProfile>[] {
  const f: FactorSpec<PreventProfile>[] = [
    { factor: 'totalCholesterol', actual: (p) => `${num(p.tcMgdl)} mg/dL`, optimal: '170 mg/dL', toOptimal: (p) => ({ ...p, tcMgdl: 170 }) },
    { factor: 'hdlCholesterol', actual: (p) => `${num(p.hdlMgdl)} mg/dL`, optimal: '50 mg/dL', toOptimal: (p) => ({ ...p, hdlMgdl: 50 }) },
    {
      factor: 'systolicBp',
      actual: (p) => `${num(p.sbp)} mmHg${p.bpTreated ? ', treated' : ''}`,
      optimal: '110 mmHg, untreated',
      toOptimal: (p) => ({ ...p, sbp: 110, bpTreated: false }),
    },
    { factor: 'smoker', actual: (p) => (p.smoker ? 'current smoker' : 'non-smoker'), optimal: 'non-smoker', toOptimal: (p) => ({ ...p, smoker: false }) },
    { factor: 'diabetes', actual: (p) => (p.diabetes ? 'diabetes' : 'no diabetes'), optimal: 'no diabetes', toOptimal: (p) => ({ ...p, diabetes: false }) },
    { factor: 'egfr', actual: (p) => `${num(p.egfr)} mL/min/1.73m2`, optimal: '90 mL/min/1.73m2', toOptimal: (p) => ({ ...p, egfr: 90 }) },
  ];
  if (includeBmi) {
    f.push({ factor: 'bmi', actual: (p) => `${num(p.bmi ?? 0)} kg/m2`, optimal: '25 kg/m2', toOptimal: (p) => ({ ...p, bmi: 25 }) });
  }
  return f;
}

type Prepared = { ok: true; profile: PreventProfile; gate: RangeGate } | { ok: false; problem: InputProblem };

/** Checks the input and builds the PREVENT profile, or says why it cannot. */
export function preparePrevent(input: RiskInput, options: ScoreOptions = {}): Prepared {
  const fail = (problem: InputProblem) => ({ ok: false as const, problem });
  const plaus = checkPlausibility(input);
  if (plaus) return fail(plaus);
  if (!input.totalCholesterol) return fail(missing('totalCholesterol', 'total cholesterol with its unit'));
  if (!input.hdlCholesterol) return fail(missing('hdlCholesterol', 'HDL cholesterol with its unit'));
  if (!input.systolicBp) return fail(missing('systolicBp', 'systolic blood pressure in mmHg'));
  if (input.bpTreated === undefined) return fail(missing('bpTreated', 'whether blood pressure is treated'));
  if (input.smoker === undefined) return fail(missing('smoker', 'current smoking status'));
  if (input.diabetes === undefined) return fail(missing('diabetes', 'diabetes status'));
  if (input.statin === undefined) return fail(missing('statin', 'whether a statin is taken'));
  if (!input.egfr) return fail(missing('egfr', 'eGFR in mL/min/1.73m2'));
  const toMgdl = (q: NonNullable<RiskInput['totalCholesterol']>) =>
    q.unit === 'mg/dL' ? q.value : q.value / PREVENT_MMOL_PER_MGDL;
  const profile: PreventProfile = {
    sex: input.sex,
    age: input.age,
    tcMgdl: toMgdl(input.totalCholesterol),
    hdlMgdl: toMgdl(input.hdlCholesterol),
    sbp: input.systolicBp.value,
    bpTreated: input.bpTreated,
    smoker: input.smoker,
    diabetes: input.diabetes,
    statin: input.statin,
    egfr: input.egfr.value,
    bmi: input.bmi?.value,
    uacrMgG: input.uacr ? uacrMgPerG(input.uacr) : undefined,
    hba1cPercent: input.hba1c ? hba1cPercent(input.hba1c) : undefined,
    sdiDecile: input.sdiDecile,
    model: choosePreventModel(input, options.preventModel),
  };
  const gate = new RangeGate(options.allowExtrapolation ?? false, 'PREVENT');
  const r = PREVENT_RANGES;
  const problem =
    gate.check('age', profile.age, r.age) ??
    gate.check('totalCholesterol', profile.tcMgdl, r.totalCholesterol) ??
    gate.check('hdlCholesterol', profile.hdlMgdl, r.hdlCholesterol) ??
    gate.check('systolicBp', profile.sbp, r.systolicBp) ??
    gate.check('egfr', profile.egfr, r.egfr) ??
    (profile.bmi === undefined ? undefined : gate.check('bmi', profile.bmi, r.bmi)) ??
    (profile.hba1cPercent === undefined ? undefined : gate.check('hba1c', profile.hba1cPercent, r.hba1c)) ??
    (profile.uacrMgG === undefined ? undefined : gate.check('uacr', profile.uacrMgG, r.uacr));
  if (problem) return fail(problem);
  const m = profile.model;
  if ((m === 'uacr' || m === 'full') && profile.uacrMgG === undefined) gate.warnings.push('UACR not given: the model\'s missing-UACR term was used');
  if ((m === 'hba1c' || m === 'full') && profile.hba1cPercent === undefined) gate.warnings.push('HbA1c not given: the model\'s missing-HbA1c term was used');
  if ((m === 'sdi' || m === 'full') && profile.sdiDecile === undefined) gate.warnings.push('SDI decile not given: the model\'s missing-SDI term was used');
  if (m === 'base' && (profile.uacrMgG !== undefined || profile.hba1cPercent !== undefined || profile.sdiDecile !== undefined)) {
    gate.warnings.push('base model requested: the optional predictors given were not used');
  }
  return { ok: true, profile, gate };
}

/** Every (horizon, outcome) slot PREVENT fills, in output order. */
export const PREVENT_SLOTS: ReadonlyArray<{ horizon: 10 | 30; outcome: PreventOutcomeCode }> = [10, 30].flatMap((h) =>
  PREVENT_OUTCOMES.map((o) => ({ horizon: h as 10 | 30, outcome: o })),
);

/** Scores PREVENT: one entry per slot (10- and 30-year x five outcomes), each a result or refusal. */
export function scorePrevent(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  const info: ModelInfo = PREVENT_INFO;
  const prepared = preparePrevent(input, options);
  if (!prepared.ok) {
    return {
      model: info,
      entries: PREVENT_SLOTS.map((s) => refusal(info, prepared.problem, { outcome: s.outcome, horizonYears: s.horizon })),
    };
  }
  const { profile, gate } = prepared;
  const terms = preventTerms(profile);
  const modelLabel = `${profile.model} model`;
  // The 30-year horizon has its own age range; checked once for all five 30-year outcomes.
  const gate30 = new RangeGate(options.allowExtrapolation ?? false, 'PREVENT 30-year');
  const problem30 = gate30.check('age', profile.age, PREVENT_RANGES.age30Year, ' (30-year estimates are for ages 30-59)');
  const warnings10 = gate.warnings;
  const warnings30 = gate30.warnings.length ? [...gate.warnings, ...gate30.warnings] : gate.warnings;
  const entries: RiskEntry[] = PREVENT_SLOTS.map(({ horizon, outcome }) => {
    if (horizon === 30 && problem30) return refusal(info, problem30, { outcome, horizonYears: horizon });
    if (outcome === 'hf' && profile.bmi === undefined) {
      return refusal(info, missing('bmi', 'BMI in kg/m2 (heart-failure equations use it)'), { outcome, horizonYears: horizon });
    }
    const riskPercent = preventRiskFromTerms(terms, profile.model, horizon, profile.sex, outcome);
    const risk = (p: PreventProfile) => preventRisk(p, horizon, outcome);
    return {
      ok: true,
      model: info,
      outcome: outcome as Outcome,
      outcomeLabel: `${OUTCOME_LABELS[outcome]} (${modelLabel})`,
      horizonYears: horizon,
      riskPercent,
      category: horizon === 10 && (outcome === 'ascvd' || outcome === 'cvd') ? preventCategory(riskPercent) : null,
      extrapolated: gate.extrapolated || (horizon === 30 && gate30.extrapolated),
      warnings: horizon === 30 ? warnings30 : warnings10,
      ...(options.explain === false
        ? {}
        : { explanation: explainRisk(profile, riskPercent, risk, preventFactors(outcome === 'hf'), PREVENT_OPTIMAL) }),
    };
  });
  return { model: info, entries };
}
