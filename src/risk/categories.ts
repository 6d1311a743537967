/**
 * Risk categories, each with the guideline that defines its thresholds. A model/outcome with
 * no guideline categories gets null rather than borrowed thresholds presented as its own.
 */
import type { RiskCategory } from './types.ts';

const ACC_AHA_2018 =
  '2018 AHA/ACC Guideline on the Management of Blood Cholesterol (Grundy SM et al., Circulation 2019;139:e1082), 10-year ASCVD risk categories';

/** PCE 10-year hard ASCVD: <5 low, 5-<7.5 borderline, 7.5-<20 intermediate, >=20 high (ACC_AHA_2018). */
function accAhaSet(source: string): readonly RiskCategory[] {
  return [
    { code: 'low', label: 'Low risk (<5%)', source },
    { code: 'borderline', label: 'Borderline risk (5% to <7.5%)', source },
    { code: 'intermediate', label: 'Intermediate risk (7.5% to <20%)', source },
    { code: 'high', label: 'High risk (>=20%)', source },
  ];
}
// Built once: batch scoring asks for millions of categories.
const ACC_AHA = accAhaSet(ACC_AHA_2018);
const PREVENT_SET = accAhaSet(`${ACC_AHA_2018}; applied to PREVENT by WellAge (no PREVENT-specific thresholds endorsed)`);

function accAhaPick(set: readonly RiskCategory[], riskPercent: number): RiskCategory {
  return set[riskPercent < 5 ? 0 : riskPercent < 7.5 ? 1 : riskPercent < 20 ? 2 : 3] as RiskCategory;
}

export function accAhaCategory(riskPercent: number): RiskCategory {
  return accAhaPick(ACC_AHA, riskPercent);
}

/**
 * PREVENT 10-year ASCVD and total CVD. No PREVENT-specific categories had been endorsed by a
 * guideline when these engines were written, so the 2018 AHA/ACC thresholds are applied and
 * the source says so plainly.
 */
export function preventCategory(riskPercent: number): RiskCategory {
  return accAhaPick(PREVENT_SET, riskPercent);
}

const ESC_2021 =
  '2021 ESC Guidelines on cardiovascular disease prevention in clinical practice (Visseren FLJ et al., Eur Heart J 2021;42:3227), age-dependent SCORE2/SCORE2-OP categories';

/**
 * SCORE2 / SCORE2-OP, ESC 2021 age-dependent categories:
 * <50: <2.5 / 2.5-<7.5 / >=7.5; 50-69: <5 / 5-<10 / >=10; >=70: <7.5 / 7.5-<15 / >=15.
 */
const ESC_BANDS = ([[2.5, 7.5], [5, 10], [7.5, 15]] as const).map(([high, veryHigh]) => ({
  high,
  veryHigh,
  categories: [
    { code: 'low-to-moderate', label: `Low to moderate risk (<${high}% at this age)`, source: ESC_2021 },
    { code: 'high', label: `High risk (${high}% to <${veryHigh}% at this age)`, source: ESC_2021 },
    { code: 'very-high', label: `Very high risk (>=${veryHigh}% at this age)`, source: ESC_2021 },
  ] as const satisfies readonly RiskCategory[],
}));

export function escCategory(riskPercent: number, age: number): RiskCategory {
  const band = ESC_BANDS[age < 50 ? 0 : age < 70 ? 1 : 2] as (typeof ESC_BANDS)[number];
  return band.categories[riskPercent < band.high ? 0 : riskPercent < band.veryHigh ? 1 : 2];
}

const CCS_2021 =
  '2021 Canadian Cardiovascular Society Guidelines for the Management of Dyslipidemia (Pearson GJ et al., Can J Cardiol 2021;37:1129), Framingham Risk Score categories';

/** Framingham 2008 general CVD: <10 low, 10-<20 intermediate, >=20 high (CCS_2021). */
const FRAMINGHAM_SET: readonly RiskCategory[] = [
  { code: 'low', label: 'Low risk (<10%)', source: CCS_2021 },
  { code: 'intermediate', label: 'Intermediate risk (10% to <20%)', source: CCS_2021 },
  { code: 'high', label: 'High risk (>=20%)', source: CCS_2021 },
];

export function framinghamCategory(riskPercent: number): RiskCategory {
  return FRAMINGHAM_SET[riskPercent < 10 ? 0 : riskPercent < 20 ? 1 : 2] as RiskCategory;
}

const NICE_NG238 =
  'NICE guideline NG238 (2023), Cardiovascular disease: risk assessment and reduction, including lipid modification: statin offered at QRISK3 10-year risk of 10% or more';

/** QRISK3: below or at/above the NICE 10% treatment threshold (NICE_NG238). */
const QRISK_BELOW: RiskCategory = { code: 'below-threshold', label: 'Below the 10% treatment threshold', source: NICE_NG238 };
const QRISK_AT: RiskCategory = { code: 'at-or-above-threshold', label: '10% or more: at or above the treatment threshold', source: NICE_NG238 };

export function qriskCategory(riskPercent: number): RiskCategory {
  return riskPercent < 10 ? QRISK_BELOW : QRISK_AT;
}
