/**
 * 2013 ACC/AHA Pooled Cohort Equations: 10-year risk of a first hard ASCVD event (nonfatal
 * MI, CHD death, fatal or nonfatal stroke), ages 40-79.
 *
 * Source [GOFF]: Goff DC Jr et al. 2013 ACC/AHA Guideline on the Assessment of Cardiovascular
 * Risk, Circulation 2014;129(suppl 2):S49, Appendix Table A. Two coefficient sets are in use
 * (coefficients.md section 1.3):
 * - 'precise' (default): Table A betas with the more-decimal African-American-women betas,
 *   4-5 decimal baseline survivals and means, as in [CERNER] cerner/ascvd-risk-calculator
 *   app/load_fhir_data.js @44603b6 and [PC] bcjaeger/PooledCohort v0.0.2 @b6c7d86.
 * - 'table-a': the 3-decimal Table A values throughout, including rounded S0 and means, as in
 *   [CVR] vcastro/CVrisk v1.2.0 @601dda0. The two differ by up to 0.35 percentage points.
 * "Other" race uses the White equations, as CERNER, CVR and preventr do.
 */
import { accAhaCategory } from '../categories.ts';
import { explainRisk, num, type FactorSpec, type OptimalProfile } from '../explain.ts';
import { RangeGate, checkPlausibility, missing, refusal, toMgdl, type Range } from '../inputs.ts';
import type { ModelInfo, ModelScore, RiskInput, ScoreOptions, Sex } from '../types.ts';

export const PCE_INFO: ModelInfo = {
  id: 'pce',
  name: '2013 ACC/AHA Pooled Cohort Equations',
  version: '2013',
  source: 'Goff DC Jr et al. Circulation 2014;129(suppl 2):S49, Appendix Table A',
};

/** Validated/accepted ranges: age from GOFF; lipids and SBP as enforced by CERNER (coefficients.md 1.5). */
export const PCE_RANGES = {
  age: { min: 40, max: 79, unit: 'years' },
  totalCholesterol: { min: 130, max: 320, unit: 'mg/dL' },
  hdlCholesterol: { min: 20, max: 100, unit: 'mg/dL' },
  systolicBp: { min: 90, max: 200, unit: 'mmHg' },
} as const satisfies Record<string, Range>;

interface PceCoefs {
  lnAge: number;
  lnAge2: number;
  lnTc: number;
  lnAgeLnTc: number;
  lnHdl: number;
  lnAgeLnHdl: number;
  lnTreatedSbp: number;
  lnAgeLnTreatedSbp: number;
  lnUntreatedSbp: number;
  lnAgeLnUntreatedSbp: number;
  smoker: number;
  lnAgeSmoker: number;
  diabetes: number;
  s0: number;
  mean: number;
}

type Group = 'whiteFemale' | 'blackFemale' | 'whiteMale' | 'blackMale';

// [GOFF] Table A, 3-decimal betas (= CVR data/ascvd_pooled_coef.rda).
const TABLE_A: Record<Group, PceCoefs> = {
  whiteFemale: {
    lnAge: -29.799, lnAge2: 4.884, lnTc: 13.54, lnAgeLnTc: -3.114, lnHdl: -13.578, lnAgeLnHdl: 3.149,
    lnTreatedSbp: 2.019, lnAgeLnTreatedSbp: 0, lnUntreatedSbp: 1.957, lnAgeLnUntreatedSbp: 0,
    smoker: 7.574, lnAgeSmoker: -1.665, diabetes: 0.661, s0: 0.9665, mean: -29.18,
  },
  blackFemale: {
    lnAge: 17.114, lnAge2: 0, lnTc: 0.94, lnAgeLnTc: 0, lnHdl: -18.92, lnAgeLnHdl: 4.475,
    lnTreatedSbp: 29.291, lnAgeLnTreatedSbp: -6.432, lnUntreatedSbp: 27.82, lnAgeLnUntreatedSbp: -6.087,
    smoker: 0.691, lnAgeSmoker: 0, diabetes: 0.874, s0: 0.9533, mean: 86.61,
  },
  whiteMale: {
    lnAge: 12.344, lnAge2: 0, lnTc: 11.853, lnAgeLnTc: -2.664, lnHdl: -7.99, lnAgeLnHdl: 1.769,
    lnTreatedSbp: 1.797, lnAgeLnTreatedSbp: 0, lnUntreatedSbp: 1.764, lnAgeLnUntreatedSbp: 0,
    smoker: 7.837, lnAgeSmoker: -1.795, diabetes: 0.658, s0: 0.9144, mean: 61.18,
  },
  blackMale: {
    lnAge: 2.469, lnAge2: 0, lnTc: 0.302, lnAgeLnTc: 0, lnHdl: -0.307, lnAgeLnHdl: 0,
    lnTreatedSbp: 1.916, lnAgeLnTreatedSbp: 0, lnUntreatedSbp: 1.809, lnAgeLnUntreatedSbp: 0,
    smoker: 0.549, lnAgeSmoker: 0, diabetes: 0.645, s0: 0.8954, mean: 19.54,
  },
};

// [CERNER] = [PC]: the precise set differs from Table A only in these cells (coefficients.md 1.3).
const PRECISE: Record<Group, PceCoefs> = {
  whiteFemale: { ...TABLE_A.whiteFemale, s0: 0.96652, mean: -29.1817 },
  blackFemale: {
    ...TABLE_A.blackFemale,
    lnAge: 17.1141, lnTc: 0.9396, lnHdl: -18.9196, lnAgeLnHdl: 4.4748,
    lnTreatedSbp: 29.2907, lnAgeLnTreatedSbp: -6.4321, lnUntreatedSbp: 27.8197, lnAgeLnUntreatedSbp: -6.0873,
    smoker: 0.6908, diabetes: 0.8738, s0: 0.95334, mean: 86.6081,
  },
  whiteMale: { ...TABLE_A.whiteMale, s0: 0.91436, mean: 61.1816 },
  blackMale: { ...TABLE_A.blackMale, s0: 0.89536, mean: 19.5425 },
};

/** The prepared PCE profile: mg/dL and mmHg, already checked. */
export interface PceProfile {
  readonly sex: Sex;
  readonly black: boolean;
  readonly age: number;
  readonly tcMgdl: number;
  readonly hdlMgdl: number;
  readonly sbp: number;
  readonly bpTreated: boolean;
  readonly smoker: boolean;
  readonly diabetes: boolean;
}

/** 10-year hard ASCVD risk in percent, unrounded. */
export function pceRisk(p: PceProfile, set: 'precise' | 'table-a' = 'precise'): number {
  const group: Group = p.sex === 'female' ? (p.black ? 'blackFemale' : 'whiteFemale') : p.black ? 'blackMale' : 'whiteMale';
  const c = (set === 'precise' ? PRECISE : TABLE_A)[group];
  const lnAge = Math.log(p.age);
  const lnTc = Math.log(p.tcMgdl);
  const lnHdl = Math.log(p.hdlMgdl);
  const lnSbp = Math.log(p.sbp);
  const smk = p.smoker ? 1 : 0;
  const sum =
    c.lnAge * lnAge +
    c.lnAge2 * lnAge * lnAge +
    c.lnTc * lnTc +
    c.lnAgeLnTc * lnAge * lnTc +
    c.lnHdl * lnHdl +
    c.lnAgeLnHdl * lnAge * lnHdl +
    (p.bpTreated
      ? c.lnTreatedSbp * lnSbp + c.lnAgeLnTreatedSbp * lnAge * lnSbp
      : c.lnUntreatedSbp * lnSbp + c.lnAgeLnUntreatedSbp * lnAge * lnSbp) +
    c.smoker * smk +
    c.lnAgeSmoker * lnAge * smk +
    c.diabetes * (p.diabetes ? 1 : 0);
  return 100 * (1 - Math.pow(c.s0, Math.exp(sum - c.mean)));
}

/**
 * Optimal risk factors of the 2013 ACC/AHA guideline [GOFF], as shown by the ACC/AHA ASCVD
 * Risk Estimator: TC 170 mg/dL, HDL-C 50 mg/dL, untreated SBP 110 mmHg, non-smoker, no diabetes.
 */
export const ACC_AHA_OPTIMAL = {
  tcMgdl: 170,
  hdlMgdl: 50,
  sbp: 110,
  source: 'Goff DC Jr et al. 2013 ACC/AHA risk assessment guideline: optimal risk factors (as in the ACC/AHA ASCVD Risk Estimator)',
  description: 'total cholesterol 170 mg/dL, HDL cholesterol 50 mg/dL, untreated SBP 110 mmHg, non-smoker, no diabetes',
} as const;

/** The US optimal-factor list shared by PCE, PREVENT and Framingham (lab model). */
export function usFactors<P extends { tcMgdl: number; hdlMgdl: number; sbp: number; bpTreated: boolean; smoker: boolean; diabetes: boolean }>(): FactorSpec<P>[] {
  return [
    { factor: 'totalCholesterol', actual: (p) => `${num(p.tcMgdl)} mg/dL`, optimal: '170 mg/dL', toOptimal: (p) => ({ ...p, tcMgdl: ACC_AHA_OPTIMAL.tcMgdl }) },
    { factor: 'hdlCholesterol', actual: (p) => `${num(p.hdlMgdl)} mg/dL`, optimal: '50 mg/dL', toOptimal: (p) => ({ ...p, hdlMgdl: ACC_AHA_OPTIMAL.hdlMgdl }) },
    {
      factor: 'systolicBp',
      actual: (p) => `${num(p.sbp)} mmHg${p.bpTreated ? ', treated' : ''}`,
      optimal: '110 mmHg, untreated',
      toOptimal: (p) => ({ ...p, sbp: ACC_AHA_OPTIMAL.sbp, bpTreated: false }),
    },
    { factor: 'smoker', actual: (p) => (p.smoker ? 'current smoker' : 'non-smoker'), optimal: 'non-smoker', toOptimal: (p) => ({ ...p, smoker: false }) },
    { factor: 'diabetes', actual: (p) => (p.diabetes ? 'diabetes' : 'no diabetes'), optimal: 'no diabetes', toOptimal: (p) => ({ ...p, diabetes: false }) },
  ];
}

const PCE_OPTIMAL: OptimalProfile<PceProfile> = {
  description: ACC_AHA_OPTIMAL.description,
  source: ACC_AHA_OPTIMAL.source,
  apply: (p) => ({ ...p, tcMgdl: 170, hdlMgdl: 50, sbp: 110, bpTreated: false, smoker: false, diabetes: false }),
};

/** Checks the input and builds the PCE profile, or says why it cannot. */
export function preparePce(
  input: RiskInput,
  options: ScoreOptions = {},
): { ok: true; profile: PceProfile; gate: RangeGate } | { ok: false; refusal: ReturnType<typeof refusal> } {
  const fail = (p: Parameters<typeof refusal>[1]) => ({ ok: false as const, refusal: refusal(PCE_INFO, p) });
  const plaus = checkPlausibility(input);
  if (plaus) return fail(plaus);
  if (!input.totalCholesterol) return fail(missing('totalCholesterol', 'total cholesterol with its unit'));
  if (!input.hdlCholesterol) return fail(missing('hdlCholesterol', 'HDL cholesterol with its unit'));
  if (!input.systolicBp) return fail(missing('systolicBp', 'systolic blood pressure in mmHg'));
  if (input.bpTreated === undefined) return fail(missing('bpTreated', 'whether blood pressure is treated'));
  if (input.smoker === undefined) return fail(missing('smoker', 'current smoking status'));
  if (input.diabetes === undefined) return fail(missing('diabetes', 'diabetes status'));
  if (input.race === undefined) return fail(missing('race', 'white, black or other (other uses the White equations)'));
  const gate = new RangeGate(options.allowExtrapolation ?? false, 'PCE');
  const profile: PceProfile = {
    sex: input.sex,
    black: input.race === 'black',
    age: input.age,
    tcMgdl: toMgdl(input.totalCholesterol),
    hdlMgdl: toMgdl(input.hdlCholesterol),
    sbp: input.systolicBp.value,
    bpTreated: input.bpTreated,
    smoker: input.smoker,
    diabetes: input.diabetes,
  };
  const problem =
    gate.check('age', profile.age, PCE_RANGES.age) ??
    gate.check('totalCholesterol', profile.tcMgdl, PCE_RANGES.totalCholesterol) ??
    gate.check('hdlCholesterol', profile.hdlMgdl, PCE_RANGES.hdlCholesterol) ??
    gate.check('systolicBp', profile.sbp, PCE_RANGES.systolicBp);
  if (problem) return fail(problem);
  if (input.race === 'other') gate.warnings.push('race "other": the White equations were used, as the guideline advises; risk may be misestimated');
  return { ok: true, profile, gate };
}

/** Scores the PCE: one entry (10-year hard ASCVD) or one refusal. */
export function scorePce(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  const prepared = preparePce(input, options);
  if (!prepared.ok) return { model: PCE_INFO, entries: [{ ...prepared.refusal, outcome: 'ascvd', horizonYears: 10 }] };
  const { profile, gate } = prepared;
  const set = options.pceCoefficients ?? 'precise';
  const risk = (p: PceProfile) => pceRisk(p, set);
  const riskPercent = risk(profile);
  const warnings = [...gate.warnings];
  if (set === 'table-a') warnings.push('rounded Table A coefficient set used (differs from the precise set by up to 0.35 points)');
  return {
    model: PCE_INFO,
    entries: [
      {
        ok: true,
        model: PCE_INFO,
        outcome: 'ascvd',
        outcomeLabel: 'first hard ASCVD event (nonfatal MI, CHD death, fatal or nonfatal stroke)',
        horizonYears: 10,
        riskPercent,
        category: accAhaCategory(riskPercent),
        extrapolated: gate.extrapolated,
        warnings,
        ...(options.explain === false ? {} : { explanation: explainRisk(profile, riskPercent, risk, usFactors<PceProfile>(), PCE_OPTIMAL) }),
      },
    ],
  };
}
