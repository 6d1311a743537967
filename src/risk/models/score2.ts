/**
 * ESC SCORE2 (ages 40-69) and SCORE2-OP (ages 70-89): 10-year risk of fatal and non-fatal
 * cardiovascular disease, recalibrated to the four ESC risk regions.
 *
 * Sources: [S2] SCORE2 working group, Eur Heart J 2021;42:2439-2454, supplementary methods;
 * [S2OP] SCORE2-OP working group, Eur Heart J 2021;42:2455-2467, supplementary methods; both as
 * transcribed in [RSC] dvicencio/RiskScorescvd v0.3.1 @ec91c3b R/11_SCORE2_func.R (SCORE2 also
 * matches [KEY] Keyoniq-techdev/nova_condition_risk_calculators @ae1ace5). coefficients.md 3.
 * Units: mmol/L (mg/dL inputs are divided by 38.67, the factor the supplement states).
 * Neither model is for people with diabetes (SCORE2-Diabetes is separate): diabetes is refused
 * unless the caller allows extrapolation.
 */
import { escCategory } from '../categories.ts';
import { explainRisk, num, type FactorSpec, type OptimalProfile } from '../explain.ts';
import { RangeGate, checkPlausibility, missing, refusal, toMmol, type InputProblem, type Range } from '../inputs.ts';
import type { ModelInfo, ModelScore, RiskInput, RiskRegion, ScoreOptions, Sex } from '../types.ts';

export const SCORE2_INFO: ModelInfo = {
  id: 'score2',
  name: 'ESC SCORE2',
  version: '2021',
  source: 'SCORE2 working group, Eur Heart J 2021;42:2439-2454, supplementary methods',
};

export const SCORE2_OP_INFO: ModelInfo = {
  id: 'score2-op',
  name: 'ESC SCORE2-OP',
  version: '2021',
  source: 'SCORE2-OP working group, Eur Heart J 2021;42:2455-2467, supplementary methods',
};

/** [S2] derived for 40-69; [S2OP] for 70-89 (upper bound per third-party calculators, coefficients.md 6.5). */
export const SCORE2_RANGES = {
  score2Age: { min: 40, max: 69, unit: 'years' },
  score2OpAge: { min: 70, max: 89, unit: 'years' },
} as const satisfies Record<string, Range>;

interface Coefs {
  cage: number; smoking: number; csbp: number; diabetes: number; ctchol: number; chdl: number;
  cageSmoking: number; cageCsbp: number; cageCtchol: number; cageChdl: number; cageDiabetes: number;
  s0: number; mean: number;
}

// [S2] supplementary methods = [RSC] = [KEY]
const SCORE2_COEFS: Record<Sex, Coefs> = {
  male: { cage: 0.3742, smoking: 0.6012, csbp: 0.2777, diabetes: 0.6457, ctchol: 0.1458, chdl: -0.2698, cageSmoking: -0.0755, cageCsbp: -0.0255, cageCtchol: -0.0281, cageChdl: 0.0426, cageDiabetes: -0.0983, s0: 0.9605, mean: 0 },
  female: { cage: 0.4648, smoking: 0.7744, csbp: 0.3131, diabetes: 0.8096, ctchol: 0.1002, chdl: -0.2606, cageSmoking: -0.1088, cageCsbp: -0.0277, cageCtchol: -0.0226, cageChdl: 0.0613, cageDiabetes: -0.1272, s0: 0.9776, mean: 0 },
};

// [S2OP] supplementary methods = [RSC]
const SCORE2_OP_COEFS: Record<Sex, Coefs> = {
  male: { cage: 0.0634, diabetes: 0.4245, smoking: 0.3524, csbp: 0.0094, ctchol: 0.085, chdl: -0.3564, cageDiabetes: -0.0174, cageSmoking: -0.0247, cageCsbp: -0.0005, cageCtchol: 0.0073, cageChdl: 0.0091, s0: 0.7576, mean: 0.0929 },
  female: { cage: 0.0789, diabetes: 0.601, smoking: 0.4921, csbp: 0.0102, ctchol: 0.0605, chdl: -0.304, cageDiabetes: -0.0107, cageSmoking: -0.0255, cageCsbp: -0.0004, cageCtchol: -0.0009, cageChdl: 0.0154, s0: 0.8082, mean: 0.229 },
};

type Scales = Record<RiskRegion, Record<Sex, readonly [number, number]>>;

// [S2] region recalibration scales (scale1, scale2)
const SCORE2_SCALES: Scales = {
  low: { male: [-0.5699, 0.7476], female: [-0.738, 0.7019] },
  moderate: { male: [-0.1565, 0.8009], female: [-0.3143, 0.7701] },
  high: { male: [0.3207, 0.936], female: [0.571, 0.9369] },
  'very-high': { male: [0.5836, 0.8294], female: [0.9412, 0.8329] },
};

// [S2OP] its own, coarser scales; never reuse the SCORE2 ones for 70+ (coefficients.md trap 8)
const SCORE2_OP_SCALES: Scales = {
  low: { male: [-0.34, 1.19], female: [-0.52, 1.01] },
  moderate: { male: [0.01, 1.25], female: [-0.1, 1.1] },
  high: { male: [0.08, 1.15], female: [0.38, 1.09] },
  'very-high': { male: [0.05, 0.7], female: [0.38, 0.69] },
};

export interface Score2Profile {
  readonly sex: Sex;
  readonly age: number;
  readonly tcMmol: number;
  readonly hdlMmol: number;
  readonly sbp: number;
  readonly smoker: boolean;
  readonly diabetes: boolean;
  readonly region: RiskRegion;
}

/** Calibrated 10-year CVD risk in percent; `older` selects SCORE2-OP. */
export function score2Risk(p: Score2Profile, older: boolean): number {
  const c = (older ? SCORE2_OP_COEFS : SCORE2_COEFS)[p.sex];
  const cage = older ? p.age - 73 : (p.age - 60) / 5;
  const csbp = older ? p.sbp - 150 : (p.sbp - 120) / 20;
  const ctchol = p.tcMmol - 6;
  const chdl = older ? p.hdlMmol - 1.4 : (p.hdlMmol - 1.3) / 0.5;
  const smk = p.smoker ? 1 : 0;
  const dm = p.diabetes ? 1 : 0;
  const x =
    c.cage * cage + c.smoking * smk + c.csbp * csbp + c.diabetes * dm + c.ctchol * ctchol + c.chdl * chdl +
    c.cageSmoking * cage * smk + c.cageCsbp * cage * csbp + c.cageCtchol * cage * ctchol + c.cageChdl * cage * chdl +
    c.cageDiabetes * cage * dm;
  const uncalibrated = 1 - Math.pow(c.s0, Math.exp(x - c.mean));
  const [s1, s2] = (older ? SCORE2_OP_SCALES : SCORE2_SCALES)[p.region][p.sex];
  return 100 * (1 - Math.exp(-Math.exp(s1 + s2 * Math.log(-Math.log(1 - uncalibrated)))));
}

const OPTIMAL: OptimalProfile<Score2Profile> = {
  description: 'total cholesterol 4.4 mmol/L, HDL cholesterol 1.3 mmol/L, SBP 110 mmHg, non-smoker, no diabetes',
  source: 'WellAge choice: the ACC/AHA optimal values (Goff 2013: TC 170 mg/dL, HDL 50 mg/dL, SBP 110) in mmol/L; ESC defines no optimal profile',
  apply: (p) => ({ ...p, tcMmol: 4.4, hdlMmol: 1.3, sbp: 110, smoker: false, diabetes: false }),
};

const FACTORS: FactorSpec<Score2Profile>[] = [
  { factor: 'totalCholesterol', actual: (p) => `${num(p.tcMmol)} mmol/L`, optimal: '4.4 mmol/L', toOptimal: (p) => ({ ...p, tcMmol: 4.4 }) },
  { factor: 'hdlCholesterol', actual: (p) => `${num(p.hdlMmol)} mmol/L`, optimal: '1.3 mmol/L', toOptimal: (p) => ({ ...p, hdlMmol: 1.3 }) },
  { factor: 'systolicBp', actual: (p) => `${num(p.sbp)} mmHg`, optimal: '110 mmHg', toOptimal: (p) => ({ ...p, sbp: 110 }) },
  { factor: 'smoker', actual: (p) => (p.smoker ? 'current smoker' : 'non-smoker'), optimal: 'non-smoker', toOptimal: (p) => ({ ...p, smoker: false }) },
];

type Prepared = { ok: true; profile: Score2Profile; gate: RangeGate } | { ok: false; problem: InputProblem };

/** Checks the input for SCORE2 (`older` false) or SCORE2-OP (`older` true). */
export function prepareScore2(input: RiskInput, older: boolean, options: ScoreOptions = {}): Prepared {
  const fail = (problem: InputProblem) => ({ ok: false as const, problem });
  const plaus = checkPlausibility(input);
  if (plaus) return fail(plaus);
  if (!input.totalCholesterol) return fail(missing('totalCholesterol', 'total cholesterol with its unit'));
  if (!input.hdlCholesterol) return fail(missing('hdlCholesterol', 'HDL cholesterol with its unit'));
  if (!input.systolicBp) return fail(missing('systolicBp', 'systolic blood pressure in mmHg'));
  if (input.smoker === undefined) return fail(missing('smoker', 'current smoking status'));
  if (input.diabetes === undefined) return fail(missing('diabetes', 'diabetes status'));
  if (input.region === undefined) return fail(missing('region', 'ESC risk region: low, moderate, high or very-high'));
  const gate = new RangeGate(options.allowExtrapolation ?? false, older ? 'SCORE2-OP' : 'SCORE2');
  const problem =
    gate.check(
      'age',
      input.age,
      older ? SCORE2_RANGES.score2OpAge : SCORE2_RANGES.score2Age,
      older ? ' (use SCORE2 for ages 40-69)' : ' (use SCORE2-OP for ages 70 and over)',
    ) ?? (input.diabetes ? gate.exclude('diabetes', `${older ? 'SCORE2-OP' : 'SCORE2'} is not for people with diabetes (use SCORE2-Diabetes)`) : undefined);
  if (problem) return fail(problem);
  return {
    ok: true,
    gate,
    profile: {
      sex: input.sex,
      age: input.age,
      tcMmol: toMmol(input.totalCholesterol),
      hdlMmol: toMmol(input.hdlCholesterol),
      sbp: input.systolicBp.value,
      smoker: input.smoker,
      diabetes: input.diabetes,
      region: input.region,
    },
  };
}

function score(input: RiskInput, older: boolean, options: ScoreOptions): ModelScore {
  const info = older ? SCORE2_OP_INFO : SCORE2_INFO;
  const prepared = prepareScore2(input, older, options);
  if (!prepared.ok) return { model: info, entries: [refusal(info, prepared.problem, { outcome: 'cvd', horizonYears: 10 })] };
  const { profile, gate } = prepared;
  const risk = (p: Score2Profile) => score2Risk(p, older);
  const riskPercent = risk(profile);
  return {
    model: info,
    entries: [
      {
        ok: true,
        model: info,
        outcome: 'cvd',
        outcomeLabel: `fatal and non-fatal cardiovascular disease (${profile.region}-risk region calibration)`,
        horizonYears: 10,
        riskPercent,
        category: escCategory(riskPercent, profile.age),
        extrapolated: gate.extrapolated,
        warnings: gate.warnings,
        ...(options.explain === false ? {} : { explanation: explainRisk(profile, riskPercent, risk, FACTORS, OPTIMAL) }),
      },
    ],
  };
}

/** Scores SCORE2 (ages 40-69). */
export function scoreScore2(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  return score(input, false, options);
}

/** Scores SCORE2-OP (ages 70-89). */
export function scoreScore2Op(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  return score(input, true, options);
}
