/**
 * Framingham 2008 general cardiovascular disease, 10-year risk, ages 30-74: the laboratory
 * model (TC, HDL) and the non-laboratory model (BMI instead of lipids).
 *
 * Source [DAG]: D'Agostino RB Sr et al. General Cardiovascular Risk Profile for Use in Primary
 * Care: The Framingham Heart Study. Circulation 2008;117:743-753 (regression-coefficient
 * tables; the same numbers are on the Framingham Heart Study risk-function page and in [CVR]
 * vcastro/CVrisk v1.2.0 data/frs_coef.rda and frs_simple_coef.rda). coefficients.md 4.
 * Note the men's treated-SBP coefficient is 1.99881 (some copies misprint 2.99881; trap 10).
 */
import { framinghamCategory } from '../categories.ts';
import { explainRisk, num, type FactorSpec, type OptimalProfile } from '../explain.ts';
import { RangeGate, checkPlausibility, missing, refusal, toMgdl, type InputProblem, type Range } from '../inputs.ts';
import type { ModelInfo, ModelScore, RiskInput, ScoreOptions, Sex } from '../types.ts';
import { ACC_AHA_OPTIMAL, usFactors } from './pce.ts';

export const FRAMINGHAM_INFO: ModelInfo = {
  id: 'framingham',
  name: 'Framingham 2008 general CVD (laboratory)',
  version: '2008',
  source: "D'Agostino RB Sr et al. Circulation 2008;117:743-753",
};

export const FRAMINGHAM_BMI_INFO: ModelInfo = {
  id: 'framingham-bmi',
  name: 'Framingham 2008 general CVD (non-laboratory, BMI)',
  version: '2008',
  source: "D'Agostino RB Sr et al. Circulation 2008;117:743-753",
};

/** [DAG] study population: ages 30-74, free of CVD. */
export const FRAMINGHAM_RANGES = { age: { min: 30, max: 74, unit: 'years' } } as const satisfies Record<string, Range>;

interface LabCoefs { lnAge: number; lnTc: number; lnHdl: number; lnSbpUntreated: number; lnSbpTreated: number; smoker: number; diabetes: number; mean: number; s0: number }
interface BmiCoefs { lnAge: number; lnBmi: number; lnSbpUntreated: number; lnSbpTreated: number; smoker: number; diabetes: number; mean: number; s0: number }

// [DAG] laboratory model = FHS web page = [CVR] frs_coef.rda
const LAB: Record<Sex, LabCoefs> = {
  male: { lnAge: 3.06117, lnTc: 1.1237, lnHdl: -0.93263, lnSbpUntreated: 1.93303, lnSbpTreated: 1.99881, smoker: 0.65451, diabetes: 0.57367, mean: 23.9802, s0: 0.88936 },
  female: { lnAge: 2.32888, lnTc: 1.20904, lnHdl: -0.70833, lnSbpUntreated: 2.76157, lnSbpTreated: 2.82263, smoker: 0.52873, diabetes: 0.69154, mean: 26.1931, s0: 0.95012 },
};

// [DAG] non-laboratory (BMI) model = [CVR] frs_simple_coef.rda
const BMI: Record<Sex, BmiCoefs> = {
  male: { lnAge: 3.11296, lnBmi: 0.79277, lnSbpUntreated: 1.85508, lnSbpTreated: 1.92672, smoker: 0.70953, diabetes: 0.5316, mean: 23.9388, s0: 0.88431 },
  female: { lnAge: 2.72107, lnBmi: 0.51125, lnSbpUntreated: 2.81291, lnSbpTreated: 2.88267, smoker: 0.61868, diabetes: 0.77763, mean: 26.0145, s0: 0.94833 },
};

export interface FraminghamProfile {
  readonly sex: Sex;
  readonly age: number;
  readonly tcMgdl: number;
  readonly hdlMgdl: number;
  readonly bmi: number;
  readonly sbp: number;
  readonly bpTreated: boolean;
  readonly smoker: boolean;
  readonly diabetes: boolean;
}

/** 10-year general CVD risk in percent, laboratory model. */
export function framinghamLabRisk(p: FraminghamProfile): number {
  const c = LAB[p.sex];
  const sum =
    c.lnAge * Math.log(p.age) + c.lnTc * Math.log(p.tcMgdl) + c.lnHdl * Math.log(p.hdlMgdl) +
    (p.bpTreated ? c.lnSbpTreated : c.lnSbpUntreated) * Math.log(p.sbp) +
    (p.smoker ? c.smoker : 0) + (p.diabetes ? c.diabetes : 0);
  return 100 * (1 - Math.pow(c.s0, Math.exp(sum - c.mean)));
}

/** 10-year general CVD risk in percent, BMI model. */
export function framinghamBmiRisk(p: FraminghamProfile): number {
  const c = BMI[p.sex];
  const sum =
    c.lnAge * Math.log(p.age) + c.lnBmi * Math.log(p.bmi) +
    (p.bpTreated ? c.lnSbpTreated : c.lnSbpUntreated) * Math.log(p.sbp) +
    (p.smoker ? c.smoker : 0) + (p.diabetes ? c.diabetes : 0);
  return 100 * (1 - Math.pow(c.s0, Math.exp(sum - c.mean)));
}

const LAB_OPTIMAL: OptimalProfile<FraminghamProfile> = {
  description: ACC_AHA_OPTIMAL.description,
  source: `${ACC_AHA_OPTIMAL.source}; applied to Framingham by WellAge for comparability`,
  apply: (p) => ({ ...p, tcMgdl: 170, hdlMgdl: 50, sbp: 110, bpTreated: false, smoker: false, diabetes: false }),
};

const BMI_OPTIMAL: OptimalProfile<FraminghamProfile> = {
  description: 'BMI 25 kg/m2, untreated SBP 110 mmHg, non-smoker, no diabetes',
  source: 'ACC/AHA optimal SBP, smoking and diabetes (Goff 2013); BMI 25 kg/m2 (upper limit of the WHO normal range), a WellAge choice',
  apply: (p) => ({ ...p, bmi: 25, sbp: 110, bpTreated: false, smoker: false, diabetes: false }),
};

const BMI_FACTORS: FactorSpec<FraminghamProfile>[] = [
  { factor: 'bmi', actual: (p) => `${num(p.bmi)} kg/m2`, optimal: '25 kg/m2', toOptimal: (p) => ({ ...p, bmi: 25 }) },
  ...usFactors<FraminghamProfile>().filter((f) => f.factor !== 'totalCholesterol' && f.factor !== 'hdlCholesterol'),
];

type Prepared = { ok: true; profile: FraminghamProfile; gate: RangeGate } | { ok: false; problem: InputProblem };

export function prepareFramingham(input: RiskInput, bmiModel: boolean, options: ScoreOptions = {}): Prepared {
  const fail = (problem: InputProblem) => ({ ok: false as const, problem });
  const plaus = checkPlausibility(input);
  if (plaus) return fail(plaus);
  if (!bmiModel && !input.totalCholesterol) return fail(missing('totalCholesterol', 'total cholesterol with its unit'));
  if (!bmiModel && !input.hdlCholesterol) return fail(missing('hdlCholesterol', 'HDL cholesterol with its unit'));
  if (bmiModel && !input.bmi) return fail(missing('bmi', 'BMI in kg/m2'));
  if (!input.systolicBp) return fail(missing('systolicBp', 'systolic blood pressure in mmHg'));
  if (input.bpTreated === undefined) return fail(missing('bpTreated', 'whether blood pressure is treated'));
  if (input.smoker === undefined) return fail(missing('smoker', 'current smoking status'));
  if (input.diabetes === undefined) return fail(missing('diabetes', 'diabetes status'));
  const gate = new RangeGate(options.allowExtrapolation ?? false, 'Framingham 2008');
  const problem = gate.check('age', input.age, FRAMINGHAM_RANGES.age);
  if (problem) return fail(problem);
  return {
    ok: true,
    gate,
    profile: {
      sex: input.sex,
      age: input.age,
      tcMgdl: input.totalCholesterol ? toMgdl(input.totalCholesterol) : NaN,
      hdlMgdl: input.hdlCholesterol ? toMgdl(input.hdlCholesterol) : NaN,
      bmi: input.bmi?.value ?? NaN,
      sbp: input.systolicBp.value,
      bpTreated: input.bpTreated,
      smoker: input.smoker,
      diabetes: input.diabetes,
    },
  };
}

function score(input: RiskInput, bmiModel: boolean, options: ScoreOptions): ModelScore {
  const info = bmiModel ? FRAMINGHAM_BMI_INFO : FRAMINGHAM_INFO;
  const prepared = prepareFramingham(input, bmiModel, options);
  if (!prepared.ok) return { model: info, entries: [refusal(info, prepared.problem, { outcome: 'cvd', horizonYears: 10 })] };
  const { profile, gate } = prepared;
  const risk = bmiModel ? framinghamBmiRisk : framinghamLabRisk;
  const riskPercent = risk(profile);
  const explanation =
    options.explain === false
      ? undefined
      : bmiModel
        ? explainRisk(profile, riskPercent, risk, BMI_FACTORS, BMI_OPTIMAL)
        : explainRisk(profile, riskPercent, risk, usFactors<FraminghamProfile>(), LAB_OPTIMAL);
  return {
    model: info,
    entries: [
      {
        ok: true,
        model: info,
        outcome: 'cvd',
        outcomeLabel: 'general cardiovascular disease (coronary, cerebrovascular, peripheral arterial disease, heart failure)',
        horizonYears: 10,
        riskPercent,
        category: framinghamCategory(riskPercent),
        extrapolated: gate.extrapolated,
        warnings: gate.warnings,
        ...(explanation ? { explanation } : {}),
      },
    ],
  };
}

/** Scores the Framingham 2008 laboratory model. */
export function scoreFramingham(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  return score(input, false, options);
}

/** Scores the Framingham 2008 non-laboratory (BMI) model. */
export function scoreFraminghamBmi(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  return score(input, true, options);
}
