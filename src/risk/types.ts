/**
 * The cardiovascular risk engines' contract: one typed input with explicit units, and
 * results or typed refusals out. Engines never throw for clinical reasons; "cannot judge"
 * is a value (`RiskRefusal`). They throw only on programming errors.
 */

/** Cholesterol units accepted everywhere. No unit is ever guessed from the number. */
export type CholesterolUnit = 'mg/dL' | 'mmol/L';

/** A measured quantity with its unit spelled out. */
export interface Quantity<U extends string> {
  readonly value: number;
  readonly unit: U;
}

export type Sex = 'female' | 'male';
/** Race as the 2013 Pooled Cohort Equations use it ("other" uses the White equations). */
export type Race = 'white' | 'black' | 'other';
/** ESC 2021 cardiovascular risk regions (SCORE2, SCORE2-OP). */
export type RiskRegion = 'low' | 'moderate' | 'high' | 'very-high';

/** QRISK3 ethnicity categories (ClinRisk coding 1-9, see models/qrisk3.ts). */
export type Qrisk3Ethnicity =
  | 'white-or-not-stated'
  | 'indian'
  | 'pakistani'
  | 'bangladeshi'
  | 'other-asian'
  | 'black-caribbean'
  | 'black-african'
  | 'chinese'
  | 'other';

/** QRISK3 smoking categories (ClinRisk C coding 0-4). */
export type Qrisk3Smoking = 'never' | 'ex' | 'light' | 'moderate' | 'heavy';

/** Inputs only QRISK3 uses. Absent condition flags mean "not present". */
export interface Qrisk3Extras {
  readonly ethnicity?: Qrisk3Ethnicity;
  /** Smoking category; when absent, a non-smoker (`smoker: false`) is scored as never-smoker with a warning. */
  readonly smoking?: Qrisk3Smoking;
  /** Standard deviation of at least two recent SBP readings, mmHg. */
  readonly sbpStandardDeviation?: Quantity<'mmHg'>;
  /** Townsend deprivation score (unitless; 0 is the national mean). Absent: 0 with a warning. */
  readonly townsend?: number;
  /** Total/HDL cholesterol ratio when TC and HDL are not given separately. */
  readonly cholesterolHdlRatio?: number;
  readonly diabetesType?: 'none' | 'type1' | 'type2';
  readonly atrialFibrillation?: boolean;
  readonly atypicalAntipsychotic?: boolean;
  readonly corticosteroids?: boolean;
  /** Men only; ignored for women, as in the ClinRisk source. */
  readonly erectileDysfunction?: boolean;
  readonly migraine?: boolean;
  readonly rheumatoidArthritis?: boolean;
  /** Chronic kidney disease stage 3, 4 or 5. */
  readonly chronicKidneyDisease?: boolean;
  readonly severeMentalIllness?: boolean;
  readonly systemicLupus?: boolean;
  /** Angina or heart attack in a first-degree relative under 60. */
  readonly familyHistoryCvd?: boolean;
}

/**
 * One patient's risk factors. Every clinical quantity carries its unit. Fields a model does
 * not use are ignored by that model; fields it needs but are absent give a refusal naming them.
 */
export interface RiskInput {
  readonly sex: Sex;
  /** Age in whole or fractional years. */
  readonly age: number;
  readonly totalCholesterol?: Quantity<CholesterolUnit>;
  readonly hdlCholesterol?: Quantity<CholesterolUnit>;
  /** LDL cholesterol; used only by the statin what-if (CTT effect per mmol/L). */
  readonly ldlCholesterol?: Quantity<CholesterolUnit>;
  readonly systolicBp?: Quantity<'mmHg'>;
  /** On blood-pressure-lowering medication. */
  readonly bpTreated?: boolean;
  /** Current smoker. */
  readonly smoker?: boolean;
  readonly diabetes?: boolean;
  /** On a statin (PREVENT uses it; others ignore it). */
  readonly statin?: boolean;
  readonly race?: Race;
  readonly region?: RiskRegion;
  readonly egfr?: Quantity<'mL/min/1.73m2'>;
  readonly bmi?: Quantity<'kg/m2'>;
  /** Urine albumin-to-creatinine ratio (PREVENT optional predictor). */
  readonly uacr?: Quantity<'mg/g' | 'mg/mmol'>;
  /** HbA1c (PREVENT optional predictor). */
  readonly hba1c?: Quantity<'%' | 'mmol/mol'>;
  /** Social Deprivation Index decile 1-10 (PREVENT optional predictor). */
  readonly sdiDecile?: number;
  readonly qrisk3?: Qrisk3Extras;
}

export type ModelId = 'pce' | 'prevent' | 'score2' | 'score2-op' | 'framingham' | 'framingham-bmi' | 'qrisk3';

export const MODEL_IDS: readonly ModelId[] = [
  'pce',
  'prevent',
  'score2',
  'score2-op',
  'framingham',
  'framingham-bmi',
  'qrisk3',
];

/** Outcome codes, as written in the batch output. */
export type Outcome = 'ascvd' | 'cvd' | 'hf' | 'chd' | 'stroke';

export interface ModelInfo {
  readonly id: ModelId;
  readonly name: string;
  readonly version: string;
  /** The publication the equations come from. */
  readonly source: string;
}

/** What the caller may ask of any engine. */
export interface ScoreOptions {
  /** Score patients outside the validated population, flagged `extrapolated: true`. Default false. */
  readonly allowExtrapolation?: boolean;
  /** Compute per-factor contributions and the optimal risk (costs a few extra evaluations). Default true. */
  readonly explain?: boolean;
  /** PCE coefficient set: the precise published set (default) or the rounded Table A set. */
  readonly pceCoefficients?: 'precise' | 'table-a';
  /** PREVENT model; 'auto' (default) picks by which optional predictors are present. */
  readonly preventModel?: 'auto' | 'base' | 'uacr' | 'hba1c' | 'sdi' | 'full';
}

export type RefusalCode =
  | 'MISSING_INPUT'
  | 'IMPLAUSIBLE_VALUE'
  | 'OUTSIDE_VALIDATED_POPULATION'
  | 'INCONSISTENT_INPUT'
  | 'UNKNOWN_UNIT';

/** A clinical "cannot judge": names the field and why. */
export interface RiskRefusal {
  readonly ok: false;
  readonly model: ModelInfo;
  /** Set when only one outcome or horizon is refused (e.g. PREVENT 30-year at age 65). */
  readonly outcome?: Outcome;
  readonly horizonYears?: number;
  readonly code: RefusalCode;
  /** Input field path, e.g. `totalCholesterol`, `qrisk3.smoking`. */
  readonly field: string;
  readonly message: string;
  /** The accepted or validated range, when the refusal is about one. */
  readonly range?: { readonly min: number; readonly max: number; readonly unit: string };
}

export interface RiskCategory {
  /** Machine code, e.g. `borderline`, `very-high`. */
  readonly code: string;
  readonly label: string;
  /** The guideline that defines the thresholds. */
  readonly source: string;
}

export interface FactorContribution {
  /** Input field, e.g. `systolicBp`. */
  readonly factor: string;
  /** The patient's value, in words (e.g. `145 mmHg, treated`). */
  readonly actual: string;
  /** The optimal value it is compared with. */
  readonly optimal: string;
  /** Risk with only this factor set to optimal, percent. */
  readonly riskWithOptimalPercent: number;
  /** actual risk - riskWithOptimalPercent, percentage points (negative: better than optimal). */
  readonly reductionPercentPoints: number;
  /**
   * The reduction rescaled so that all factors together add up to actual - optimal risk
   * (factors interact, so raw reductions do not add up); 0 when nothing is attributable.
   */
  readonly attributedPercentPoints: number;
}

export interface RiskExplanation {
  readonly contributions: readonly FactorContribution[];
  /** Risk for the same age and sex (and race/region/ethnicity) with every modifiable factor optimal. */
  readonly optimalRiskPercent: number;
  /** The optimal profile used, in words, and where it comes from. */
  readonly optimalProfile: { readonly description: string; readonly source: string };
}

export interface RiskResult {
  readonly ok: true;
  readonly model: ModelInfo;
  readonly outcome: Outcome;
  /** The outcome in words, e.g. "first hard ASCVD event". */
  readonly outcomeLabel: string;
  readonly horizonYears: number;
  /** Unrounded. */
  readonly riskPercent: number;
  /** null when no guideline defines categories for this model and outcome. */
  readonly category: RiskCategory | null;
  readonly extrapolated: boolean;
  readonly warnings: readonly string[];
  readonly explanation?: RiskExplanation;
  /** Text the model's authors require beside every score (QRISK3). */
  readonly disclaimer?: string;
}

export type RiskEntry = RiskResult | RiskRefusal;

/** Everything one model says about one patient: one entry per outcome slot, or one refusal. */
export interface ModelScore {
  readonly model: ModelInfo;
  readonly entries: readonly RiskEntry[];
}
