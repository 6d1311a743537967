/**
 * Shared input checking for every risk engine: explicit units, plausibility ranges, and the
 * validated-population check with its optional extrapolation.
 *
 * Two kinds of limits, kept apart on purpose:
 * - PLAUSIBLE: outer physiological bounds, per unit. A value outside them is almost surely a
 *   typing or unit error (a total cholesterol of 5.2 labelled mg/dL is really mmol/L), so it is
 *   always refused, whatever the caller allows. These bounds are WellAge's choice, set wide of
 *   anything seen in clinical practice; they are not clinical thresholds.
 * - Validated ranges: each model's published population (in the model files). Outside them the
 *   model is refused unless the caller sets `allowExtrapolation`.
 */
import type {
  CholesterolUnit,
  ModelInfo,
  Quantity,
  RefusalCode,
  RiskInput,
  RiskRefusal,
} from './types.ts';

/** mg/dL per mmol/L of cholesterol, as stated in the SCORE2 supplement (1 mmol/L = 38.67 mg/dL). */
export const MGDL_PER_MMOL = 38.67;

export interface Range {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/** Outer plausibility bounds per field and unit (WellAge choice; see the file comment). */
export const PLAUSIBLE = {
  age: { min: 18, max: 110, unit: 'years' },
  totalCholesterol: {
    'mg/dL': { min: 50, max: 600, unit: 'mg/dL' },
    'mmol/L': { min: 1.3, max: 15.5, unit: 'mmol/L' },
  },
  hdlCholesterol: {
    'mg/dL': { min: 10, max: 200, unit: 'mg/dL' },
    'mmol/L': { min: 0.26, max: 5.2, unit: 'mmol/L' },
  },
  ldlCholesterol: {
    'mg/dL': { min: 10, max: 500, unit: 'mg/dL' },
    'mmol/L': { min: 0.26, max: 13, unit: 'mmol/L' },
  },
  systolicBp: { min: 60, max: 300, unit: 'mmHg' },
  egfr: { min: 1, max: 250, unit: 'mL/min/1.73m2' },
  bmi: { min: 10, max: 90, unit: 'kg/m2' },
  uacr: {
    'mg/g': { min: 0.01, max: 50000, unit: 'mg/g' },
    'mg/mmol': { min: 0.001, max: 5650, unit: 'mg/mmol' },
  },
  hba1c: {
    '%': { min: 3, max: 20, unit: '%' },
    'mmol/mol': { min: 9, max: 195, unit: 'mmol/mol' },
  },
  sdiDecile: { min: 1, max: 10, unit: 'decile' },
  sbpStandardDeviation: { min: 0, max: 100, unit: 'mmHg' },
  townsend: { min: -10, max: 20, unit: 'score' },
  cholesterolHdlRatio: { min: 1, max: 20, unit: 'ratio' },
} as const;

const REGIONS = new Set<string>(['low', 'moderate', 'high', 'very-high']);
const SBP_UNITS = { mmHg: PLAUSIBLE.systolicBp };
const EGFR_UNITS = { 'mL/min/1.73m2': PLAUSIBLE.egfr };
const BMI_UNITS = { 'kg/m2': PLAUSIBLE.bmi };

/** A refusal before the model is known; engines attach their ModelInfo. */
export interface InputProblem {
  readonly code: RefusalCode;
  readonly field: string;
  readonly message: string;
  readonly range?: Range;
}

export function refusal(model: ModelInfo, p: InputProblem, extra: Partial<RiskRefusal> = {}): RiskRefusal {
  return { ok: false, model, code: p.code, field: p.field, message: p.message, ...(p.range ? { range: p.range } : {}), ...extra };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

function plausible(field: string, value: number, range: Range): InputProblem | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { code: 'IMPLAUSIBLE_VALUE', field, message: `${field} must be a finite number` };
  }
  if (value < range.min || value > range.max) {
    return {
      code: 'IMPLAUSIBLE_VALUE',
      field,
      message: `${field} ${fmt(value)} ${range.unit} is not plausible (accepted ${fmt(range.min)}-${fmt(range.max)} ${range.unit}); check the value and its unit`,
      range,
    };
  }
  return undefined;
}

function quantity<U extends string>(
  field: string,
  q: Quantity<U> | undefined,
  ranges: Readonly<Record<U, Range>>,
): InputProblem | undefined {
  if (q === undefined) return undefined;
  if (q === null || typeof q !== 'object') {
    return { code: 'UNKNOWN_UNIT', field, message: `${field} must be given as { value, unit }` };
  }
  const range = (ranges as Record<string, Range | undefined>)[q.unit as string];
  if (!range) {
    const units = Object.keys(ranges).join(' or ');
    return { code: 'UNKNOWN_UNIT', field, message: `${field} unit '${String(q.unit)}' is not accepted; use ${units}` };
  }
  return plausible(field, q.value, range);
}

function flag(field: string, v: unknown): InputProblem | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  return { code: 'IMPLAUSIBLE_VALUE', field, message: `${field} must be true or false` };
}

/**
 * Checks what every model shares: known units and plausible values. Returns the first
 * problem found, in field order, or undefined. Missing fields are not problems here: each
 * model decides what it needs.
 */
export function checkPlausibility(input: RiskInput): InputProblem | undefined {
  if (input === null || typeof input !== 'object') {
    return { code: 'MISSING_INPUT', field: 'input', message: 'input must be an object' };
  }
  if (input.sex !== 'female' && input.sex !== 'male') {
    return input.sex === undefined
      ? { code: 'MISSING_INPUT', field: 'sex', message: 'sex is required (female or male)' }
      : { code: 'IMPLAUSIBLE_VALUE', field: 'sex', message: `sex '${String(input.sex)}' is not female or male` };
  }
  if (input.age === undefined) return { code: 'MISSING_INPUT', field: 'age', message: 'age is required (years)' };
  // Checked in order, stopping at the first problem (no list built: this runs per model per row).
  const p =
    plausible('age', input.age, PLAUSIBLE.age) ??
    quantity('totalCholesterol', input.totalCholesterol, PLAUSIBLE.totalCholesterol) ??
    quantity('hdlCholesterol', input.hdlCholesterol, PLAUSIBLE.hdlCholesterol) ??
    quantity('ldlCholesterol', input.ldlCholesterol, PLAUSIBLE.ldlCholesterol) ??
    quantity('systolicBp', input.systolicBp, SBP_UNITS) ??
    quantity('egfr', input.egfr, EGFR_UNITS) ??
    quantity('bmi', input.bmi, BMI_UNITS) ??
    quantity('uacr', input.uacr, PLAUSIBLE.uacr) ??
    quantity('hba1c', input.hba1c, PLAUSIBLE.hba1c) ??
    flag('bpTreated', input.bpTreated) ??
    flag('smoker', input.smoker) ??
    flag('diabetes', input.diabetes) ??
    flag('statin', input.statin);
  if (p) return p;
  if (input.sdiDecile !== undefined) {
    const p = plausible('sdiDecile', input.sdiDecile, PLAUSIBLE.sdiDecile);
    if (p) return p;
    if (!Number.isInteger(input.sdiDecile)) {
      return { code: 'IMPLAUSIBLE_VALUE', field: 'sdiDecile', message: 'sdiDecile must be a whole decile 1-10' };
    }
  }
  if (input.race !== undefined && input.race !== 'white' && input.race !== 'black' && input.race !== 'other') {
    return { code: 'IMPLAUSIBLE_VALUE', field: 'race', message: `race '${String(input.race)}' is not white, black or other` };
  }
  if (input.region !== undefined && !REGIONS.has(input.region)) {
    return {
      code: 'IMPLAUSIBLE_VALUE',
      field: 'region',
      message: `region '${String(input.region)}' is not low, moderate, high or very-high`,
    };
  }
  // HDL cannot exceed total cholesterol; when it does, one of the two is mis-keyed or mis-unitted.
  if (input.totalCholesterol && input.hdlCholesterol) {
    if (toMmol(input.hdlCholesterol) >= toMmol(input.totalCholesterol)) {
      return {
        code: 'INCONSISTENT_INPUT',
        field: 'hdlCholesterol',
        message: 'hdlCholesterol must be lower than totalCholesterol; check both values and units',
      };
    }
  }
  return undefined;
}

/** Cholesterol in mmol/L using 38.67 mg/dL per mmol/L (SCORE2 supplement). */
export function toMmol(q: Quantity<CholesterolUnit>): number {
  return q.unit === 'mmol/L' ? q.value : q.value / MGDL_PER_MMOL;
}

/** Cholesterol in mg/dL using 38.67 mg/dL per mmol/L (SCORE2 supplement). */
export function toMgdl(q: Quantity<CholesterolUnit>): number {
  return q.unit === 'mg/dL' ? q.value : q.value * MGDL_PER_MMOL;
}

/** UACR in mg/g; 1 mg/mmol = 8.84 mg/g (creatinine 113.12 g/mol). */
export function uacrMgPerG(q: Quantity<'mg/g' | 'mg/mmol'>): number {
  return q.unit === 'mg/g' ? q.value : q.value * 8.84;
}

/** HbA1c in NGSP %; from IFCC mmol/mol by the NGSP/IFCC master equation % = 0.09148 x mmol/mol + 2.152. */
export function hba1cPercent(q: Quantity<'%' | 'mmol/mol'>): number {
  return q.unit === '%' ? q.value : 0.09148 * q.value + 2.152;
}

/** Accumulates validated-population checks for one model evaluation. */
export class RangeGate {
  extrapolated = false;
  readonly warnings: string[] = [];
  constructor(
    private readonly allowExtrapolation: boolean,
    private readonly modelName: string,
  ) {}

  /** Returns a problem when `value` is outside `range` and extrapolation is not allowed. */
  check(field: string, value: number, range: Range, why = ''): InputProblem | undefined {
    if (value >= range.min && value <= range.max) return undefined;
    const text = `${field} ${fmt(value)} ${range.unit} is outside the ${this.modelName} validated range ${fmt(range.min)}-${fmt(range.max)} ${range.unit}${why}`;
    if (!this.allowExtrapolation) return { code: 'OUTSIDE_VALIDATED_POPULATION', field, message: text, range };
    this.extrapolated = true;
    this.warnings.push(`${text}; value extrapolated`);
    return undefined;
  }

  /** A population exclusion that is not a numeric range (e.g. diabetes for SCORE2). */
  exclude(field: string, message: string): InputProblem | undefined {
    if (!this.allowExtrapolation) return { code: 'OUTSIDE_VALIDATED_POPULATION', field, message };
    this.extrapolated = true;
    this.warnings.push(`${message}; value extrapolated`);
    return undefined;
  }
}

export function missing(field: string, what: string): InputProblem {
  return { code: 'MISSING_INPUT', field, message: `${field} is required: ${what}` };
}
