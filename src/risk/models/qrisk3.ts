/**
 * QRISK3-2017: 10-year risk of cardiovascular disease (CHD, ischaemic stroke or TIA), ages 25-84,
 * for the UK population.
 *
 * Source [QR]: ClinRisk Ltd. QRISK3-2017 open-source C code (LGPL), functions cvd_female_raw and
 * cvd_male_raw, as shipped in CRAN package QRISK3 v0.6.0 @f895997 inst/extdata/QRISK3_2017_src.txt
 * (coefficients in qrisk3-coefficients.ts; coefficients.md 5). Hippisley-Cox J et al. BMJ
 * 2017;357:j2099 describes the model. This is the open 2017 version, not ClinRisk's later
 * commercial releases, which give different numbers.
 * ClinRisk requires the disclaimer below to be shown wherever the score is shown: every
 * QRISK3 result carries it.
 */
import { qriskCategory } from '../categories.ts';
import { explainRisk, num, type FactorSpec, type OptimalProfile } from '../explain.ts';
import {
  PLAUSIBLE,
  RangeGate,
  checkPlausibility,
  missing,
  refusal,
  toMmol,
  type InputProblem,
  type Range,
} from '../inputs.ts';
import type { ModelInfo, ModelScore, Qrisk3Ethnicity, Qrisk3Smoking, RiskInput, ScoreOptions, Sex } from '../types.ts';
import { QRISK3_COEFFICIENTS } from './qrisk3-coefficients.ts';

export const QRISK3_INFO: ModelInfo = {
  id: 'qrisk3',
  name: 'QRISK3',
  version: '2017 (ClinRisk open-source release)',
  source: 'ClinRisk QRISK3-2017 C source (LGPL); Hippisley-Cox J et al. BMJ 2017;357:j2099',
};

/**
 * The disclaimer the QRISK3-2017 licence's additional terms require beside every score
 * displayed. Quoted verbatim from the ClinRisk source header because the licence requires
 * exactly this text; it is the one passage in this code base that is not ours.
 */
export const QRISK3_DISCLAIMER =
  'The initial version of this file, to be found at http://svn.clinrisk.co.uk/opensource/qrisk2, faithfully implements QRISK3-2017. ' +
  'ClinRisk Ltd. have released this code under the GNU Lesser General Public License to enable others to implement the algorithm faithfully. ' +
  'However, the nature of the GNU Lesser General Public License is such that we cannot prevent, for example, someone accidentally altering the coefficients, getting the inputs wrong, or just poor programming. ' +
  'ClinRisk Ltd. stress, therefore, that it is the responsibility of the end user to check that the source that they receive produces the same results as the original code found at https://qrisk.org. ' +
  'Inaccurate implementations of risk scores can lead to wrong patients being given the wrong treatment.';

/** Age 25-84 as the QRISK3 R package enforces; cholesterol ratio 1-11 per its docs (coefficients.md 5). */
export const QRISK3_RANGES = {
  age: { min: 25, max: 84, unit: 'years' },
  cholesterolHdlRatio: { min: 1, max: 11, unit: 'ratio' },
} as const satisfies Record<string, Range>;

/** ClinRisk ethrisk codes 1-9. */
export const QRISK3_ETHNICITY_CODES: Readonly<Record<Qrisk3Ethnicity, number>> = {
  'white-or-not-stated': 1,
  indian: 2,
  pakistani: 3,
  bangladeshi: 4,
  'other-asian': 5,
  'black-caribbean': 6,
  'black-african': 7,
  chinese: 8,
  other: 9,
};

/** ClinRisk smoke_cat codes 0-4 (the QRISK3 R package uses 1-5). */
export const QRISK3_SMOKING_CODES: Readonly<Record<Qrisk3Smoking, number>> = { never: 0, ex: 1, light: 2, moderate: 3, heavy: 4 };

export interface Qrisk3Profile {
  readonly sex: Sex;
  readonly age: number;
  readonly ethrisk: number;
  readonly smokeCat: number;
  readonly bmi: number;
  readonly rati: number;
  readonly sbp: number;
  readonly sbps5: number;
  readonly town: number;
  readonly af: boolean;
  readonly atypicalAntipsychotic: boolean;
  readonly corticosteroids: boolean;
  readonly impotence: boolean;
  readonly migraine: boolean;
  readonly ra: boolean;
  readonly renal: boolean;
  readonly semi: boolean;
  readonly sle: boolean;
  readonly treatedHyp: boolean;
  readonly type1: boolean;
  readonly type2: boolean;
  readonly fhCvd: boolean;
}

// Flattened once so the hot loop reads fields, not string keys; a term missing from a sex's model is 0.
function flatten(sex: Sex) {
  const c = QRISK3_COEFFICIENTS[sex];
  const t = (k: string) => c.terms[k] ?? 0;
  const byAge = (n: 1 | 2) => ({
    smoke: [0, t(`age_${n} * (smoke_cat==1)`), t(`age_${n} * (smoke_cat==2)`), t(`age_${n} * (smoke_cat==3)`), t(`age_${n} * (smoke_cat==4)`)],
    af: t(`age_${n} * b_AF`), cortico: t(`age_${n} * b_corticosteroids`), impotence: t(`age_${n} * b_impotence2`),
    migraine: t(`age_${n} * b_migraine`), renal: t(`age_${n} * b_renal`), sle: t(`age_${n} * b_sle`),
    treatedHyp: t(`age_${n} * b_treatedhyp`), type1: t(`age_${n} * b_type1`), type2: t(`age_${n} * b_type2`),
    bmi1: t(`age_${n} * bmi_1`), bmi2: t(`age_${n} * bmi_2`), fhCvd: t(`age_${n} * fh_cvd`), sbp: t(`age_${n} * sbp`), town: t(`age_${n} * town`),
  });
  return {
    s0: c.survivor10, centre: c.centre, eth: c.ethnicity, smoke: c.smoking,
    age1: t('age_1'), age2: t('age_2'), bmi1: t('bmi_1'), bmi2: t('bmi_2'), rati: t('rati'), sbp: t('sbp'), sbps5: t('sbps5'), town: t('town'),
    af: t('b_AF'), atyp: t('b_atypicalantipsy'), cortico: t('b_corticosteroids'), impotence: t('b_impotence2'), migraine: t('b_migraine'),
    ra: t('b_ra'), renal: t('b_renal'), semi: t('b_semi'), sle: t('b_sle'), treatedHyp: t('b_treatedhyp'), type1: t('b_type1'), type2: t('b_type2'), fhCvd: t('fh_cvd'),
    a1: byAge(1), a2: byAge(2),
  };
}
const FLAT = { female: flatten('female'), male: flatten('male') };

/** 10-year CVD risk in percent, unrounded: a faithful evaluation of cvd_female_raw / cvd_male_raw. */
export function qrisk3Risk(p: Qrisk3Profile): number {
  const k = FLAT[p.sex];
  const female = p.sex === 'female';
  const dage = p.age / 10;
  // Fractional polynomials differ by sex (coefficients.md trap 2): female age^-2 and age, male age^-1 and age^3.
  const age1 = (female ? Math.pow(dage, -2) : Math.pow(dage, -1)) - k.centre.age1;
  const age2 = (female ? dage : Math.pow(dage, 3)) - k.centre.age2;
  const dbmi = p.bmi / 10;
  const bmi1 = Math.pow(dbmi, -2) - k.centre.bmi1;
  const bmi2 = Math.pow(dbmi, -2) * Math.log(dbmi) - k.centre.bmi2;
  const rati = p.rati - k.centre.rati;
  const sbp = p.sbp - k.centre.sbp;
  const sbps5 = p.sbps5 - k.centre.sbps5;
  const town = p.town - k.centre.town;
  const b = (x: boolean) => (x ? 1 : 0);
  // b_impotence2 is not in the female model: a woman's flag is ignored, as in the C source.
  const imp = female ? 0 : b(p.impotence);
  let a = (k.eth[p.ethrisk] ?? 0) + (k.smoke[p.smokeCat] ?? 0);
  a += age1 * k.age1 + age2 * k.age2 + bmi1 * k.bmi1 + bmi2 * k.bmi2 + rati * k.rati + sbp * k.sbp + sbps5 * k.sbps5 + town * k.town;
  a += b(p.af) * k.af + b(p.atypicalAntipsychotic) * k.atyp + b(p.corticosteroids) * k.cortico + imp * k.impotence +
    b(p.migraine) * k.migraine + b(p.ra) * k.ra + b(p.renal) * k.renal + b(p.semi) * k.semi + b(p.sle) * k.sle +
    b(p.treatedHyp) * k.treatedHyp + b(p.type1) * k.type1 + b(p.type2) * k.type2 + b(p.fhCvd) * k.fhCvd;
  for (const [ageTerm, i] of [[age1, k.a1], [age2, k.a2]] as const) {
    a += ageTerm * ((i.smoke[p.smokeCat] ?? 0) + b(p.af) * i.af + b(p.corticosteroids) * i.cortico + imp * i.impotence +
      b(p.migraine) * i.migraine + b(p.renal) * i.renal + b(p.sle) * i.sle + b(p.treatedHyp) * i.treatedHyp +
      b(p.type1) * i.type1 + b(p.type2) * i.type2 + bmi1 * i.bmi1 + bmi2 * i.bmi2 + b(p.fhCvd) * i.fhCvd + sbp * i.sbp + town * i.town);
  }
  return 100 * (1 - Math.pow(k.s0, Math.exp(a)));
}

/**
 * ClinRisk's "healthy person" on qrisk.org: same age, sex and ethnicity, no adverse clinical
 * indicators, cholesterol ratio 4.0, systolic blood pressure 125 mmHg, BMI 25. Deprivation and
 * SBP variability are kept as given (a WellAge reading of that definition).
 */
const OPTIMAL: OptimalProfile<Qrisk3Profile> = {
  description: 'cholesterol/HDL ratio 4.0, SBP 125 mmHg, BMI 25 kg/m2, never-smoker, no diabetes and no other adverse clinical indicator',
  source: 'ClinRisk QRISK3 calculator (qrisk.org) "healthy person" definition',
  apply: (p) => ({
    ...p, rati: 4, sbp: 125, bmi: 25, smokeCat: 0, af: false, atypicalAntipsychotic: false, corticosteroids: false, impotence: false,
    migraine: false, ra: false, renal: false, semi: false, sle: false, treatedHyp: false, type1: false, type2: false, fhCvd: false,
  }),
};

const SMOKING_NAMES = ['never-smoker', 'ex-smoker', 'light smoker (<10/day)', 'moderate smoker (10-19/day)', 'heavy smoker (20+/day)'];

const FLAG_FACTORS: ReadonlyArray<[keyof Qrisk3Profile & string, string]> = [
  ['af', 'qrisk3.atrialFibrillation'], ['atypicalAntipsychotic', 'qrisk3.atypicalAntipsychotic'], ['corticosteroids', 'qrisk3.corticosteroids'],
  ['impotence', 'qrisk3.erectileDysfunction'], ['migraine', 'qrisk3.migraine'], ['ra', 'qrisk3.rheumatoidArthritis'],
  ['renal', 'qrisk3.chronicKidneyDisease'], ['semi', 'qrisk3.severeMentalIllness'], ['sle', 'qrisk3.systemicLupus'],
  ['treatedHyp', 'bpTreated'], ['fhCvd', 'qrisk3.familyHistoryCvd'],
];

function factors(p: Qrisk3Profile): FactorSpec<Qrisk3Profile>[] {
  const f: FactorSpec<Qrisk3Profile>[] = [
    { factor: 'cholesterolHdlRatio', actual: (q) => num(q.rati), optimal: '4.0', toOptimal: (q) => ({ ...q, rati: 4 }) },
    { factor: 'systolicBp', actual: (q) => `${num(q.sbp)} mmHg`, optimal: '125 mmHg', toOptimal: (q) => ({ ...q, sbp: 125 }) },
    { factor: 'bmi', actual: (q) => `${num(q.bmi)} kg/m2`, optimal: '25 kg/m2', toOptimal: (q) => ({ ...q, bmi: 25 }) },
    { factor: 'smoker', actual: (q) => SMOKING_NAMES[q.smokeCat] ?? '', optimal: 'never-smoker', toOptimal: (q) => ({ ...q, smokeCat: 0 }) },
    { factor: 'diabetes', actual: (q) => (q.type1 ? 'type 1 diabetes' : q.type2 ? 'type 2 diabetes' : 'no diabetes'), optimal: 'no diabetes', toOptimal: (q) => ({ ...q, type1: false, type2: false }) },
  ];
  for (const [key, field] of FLAG_FACTORS) {
    if (p[key] === true && !(key === 'impotence' && p.sex === 'female')) {
      f.push({ factor: field, actual: () => 'present', optimal: 'absent', toOptimal: (q) => ({ ...q, [key]: false }) });
    }
  }
  return f;
}

type Prepared = { ok: true; profile: Qrisk3Profile; gate: RangeGate } | { ok: false; problem: InputProblem };

/** Checks the input and builds the QRISK3 profile, or says why it cannot. */
export function prepareQrisk3(input: RiskInput, options: ScoreOptions = {}): Prepared {
  const fail = (problem: InputProblem) => ({ ok: false as const, problem });
  const plaus = checkPlausibility(input);
  if (plaus) return fail(plaus);
  const q = input.qrisk3 ?? {};
  const gate = new RangeGate(options.allowExtrapolation ?? false, 'QRISK3');
  if (!input.systolicBp) return fail(missing('systolicBp', 'systolic blood pressure in mmHg'));
  if (!input.bmi) return fail(missing('bmi', 'BMI in kg/m2'));
  if (input.bpTreated === undefined) return fail(missing('bpTreated', 'whether blood pressure is treated'));
  if (!q.sbpStandardDeviation) return fail(missing('qrisk3.sbpStandardDeviation', 'standard deviation of recent SBP readings in mmHg'));
  if (q.sbpStandardDeviation.unit !== 'mmHg') {
    return fail({ code: 'UNKNOWN_UNIT', field: 'qrisk3.sbpStandardDeviation', message: 'qrisk3.sbpStandardDeviation unit must be mmHg' });
  }
  const sdProblem = plausibleNumber('qrisk3.sbpStandardDeviation', q.sbpStandardDeviation.value, PLAUSIBLE.sbpStandardDeviation);
  if (sdProblem) return fail(sdProblem);
  // Cholesterol ratio: from TC and HDL (same unit either way), else the ratio given.
  let rati: number;
  if (input.totalCholesterol && input.hdlCholesterol) {
    rati = toMmol(input.totalCholesterol) / toMmol(input.hdlCholesterol);
    if (q.cholesterolHdlRatio !== undefined && Math.abs(q.cholesterolHdlRatio - rati) > 0.1) {
      return fail({ code: 'INCONSISTENT_INPUT', field: 'qrisk3.cholesterolHdlRatio', message: `qrisk3.cholesterolHdlRatio ${q.cholesterolHdlRatio} disagrees with totalCholesterol/hdlCholesterol ${num(rati)}` });
    }
  } else if (q.cholesterolHdlRatio !== undefined) {
    const p = plausibleNumber('qrisk3.cholesterolHdlRatio', q.cholesterolHdlRatio, PLAUSIBLE.cholesterolHdlRatio);
    if (p) return fail(p);
    rati = q.cholesterolHdlRatio;
  } else {
    return fail(missing('totalCholesterol', 'total and HDL cholesterol, or qrisk3.cholesterolHdlRatio'));
  }
  let smokeCat: number;
  if (q.smoking !== undefined) {
    const code = QRISK3_SMOKING_CODES[q.smoking];
    if (code === undefined) return fail({ code: 'IMPLAUSIBLE_VALUE', field: 'qrisk3.smoking', message: `qrisk3.smoking '${String(q.smoking)}' is not never, ex, light, moderate or heavy` });
    if (input.smoker !== undefined && input.smoker !== code >= 2) {
      return fail({ code: 'INCONSISTENT_INPUT', field: 'qrisk3.smoking', message: `qrisk3.smoking '${q.smoking}' contradicts smoker=${String(input.smoker)}` });
    }
    smokeCat = code;
  } else if (input.smoker === false) {
    smokeCat = 0;
    gate.warnings.push('smoking history not given: scored as never-smoker (an ex-smoker would score higher)');
  } else if (input.smoker === true) {
    return fail(missing('qrisk3.smoking', 'how much the patient smokes: light (<10/day), moderate (10-19) or heavy (20+)'));
  } else {
    return fail(missing('smoker', 'current smoking status'));
  }
  let type1 = false;
  let type2 = false;
  if (q.diabetesType !== undefined) {
    if (!['none', 'type1', 'type2'].includes(q.diabetesType)) {
      return fail({ code: 'IMPLAUSIBLE_VALUE', field: 'qrisk3.diabetesType', message: `qrisk3.diabetesType '${String(q.diabetesType)}' is not none, type1 or type2` });
    }
    if (input.diabetes !== undefined && input.diabetes !== (q.diabetesType !== 'none')) {
      return fail({ code: 'INCONSISTENT_INPUT', field: 'qrisk3.diabetesType', message: `qrisk3.diabetesType '${q.diabetesType}' contradicts diabetes=${String(input.diabetes)}` });
    }
    type1 = q.diabetesType === 'type1';
    type2 = q.diabetesType === 'type2';
  } else if (input.diabetes === true) {
    return fail(missing('qrisk3.diabetesType', 'type1 or type2 (QRISK3 weighs them differently)'));
  } else if (input.diabetes === undefined) {
    return fail(missing('diabetes', 'diabetes status'));
  }
  const ethnicity = q.ethnicity ?? 'white-or-not-stated';
  const ethrisk = QRISK3_ETHNICITY_CODES[ethnicity];
  if (ethrisk === undefined) return fail({ code: 'IMPLAUSIBLE_VALUE', field: 'qrisk3.ethnicity', message: `qrisk3.ethnicity '${String(ethnicity)}' is not a QRISK3 category` });
  let town = 0;
  if (q.townsend === undefined) {
    gate.warnings.push('Townsend deprivation score not given: 0 (the national average) used');
  } else {
    const p = plausibleNumber('qrisk3.townsend', q.townsend, PLAUSIBLE.townsend);
    if (p) return fail(p);
    town = q.townsend;
  }
  const problem =
    gate.check('age', input.age, QRISK3_RANGES.age) ??
    gate.check(input.totalCholesterol && input.hdlCholesterol ? 'hdlCholesterol' : 'qrisk3.cholesterolHdlRatio', rati, QRISK3_RANGES.cholesterolHdlRatio, ' (total/HDL cholesterol ratio)');
  if (problem) return fail(problem);
  if (input.sex === 'female' && q.erectileDysfunction) gate.warnings.push('erectile dysfunction is not a term of the female model and was ignored');
  const flag = (x: boolean | undefined) => x === true;
  return {
    ok: true,
    gate,
    profile: {
      sex: input.sex, age: input.age, ethrisk, smokeCat, bmi: input.bmi.value, rati, sbp: input.systolicBp.value,
      sbps5: q.sbpStandardDeviation.value, town,
      af: flag(q.atrialFibrillation), atypicalAntipsychotic: flag(q.atypicalAntipsychotic), corticosteroids: flag(q.corticosteroids),
      impotence: flag(q.erectileDysfunction), migraine: flag(q.migraine), ra: flag(q.rheumatoidArthritis), renal: flag(q.chronicKidneyDisease),
      semi: flag(q.severeMentalIllness), sle: flag(q.systemicLupus), treatedHyp: input.bpTreated, type1, type2, fhCvd: flag(q.familyHistoryCvd),
    },
  };
}

function plausibleNumber(field: string, value: number, range: Range): InputProblem | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
    return { code: 'IMPLAUSIBLE_VALUE', field, message: `${field} ${String(value)} is not plausible (accepted ${range.min}-${range.max} ${range.unit})`, range };
  }
  return undefined;
}

/** Scores QRISK3-2017; every result carries QRISK3_DISCLAIMER. */
export function scoreQrisk3(input: RiskInput, options: ScoreOptions = {}): ModelScore {
  const info = QRISK3_INFO;
  const prepared = prepareQrisk3(input, options);
  if (!prepared.ok) return { model: info, entries: [refusal(info, prepared.problem, { outcome: 'cvd', horizonYears: 10 })] };
  const { profile, gate } = prepared;
  const riskPercent = qrisk3Risk(profile);
  return {
    model: info,
    entries: [
      {
        ok: true,
        model: info,
        outcome: 'cvd',
        outcomeLabel: 'cardiovascular disease (coronary heart disease, ischaemic stroke or TIA)',
        horizonYears: 10,
        riskPercent,
        category: qriskCategory(riskPercent),
        extrapolated: gate.extrapolated,
        warnings: gate.warnings,
        disclaimer: QRISK3_DISCLAIMER,
        ...(options.explain === false ? {} : { explanation: explainRisk(profile, riskPercent, qrisk3Risk, factors(profile), OPTIMAL) }),
      },
    ],
  };
}
