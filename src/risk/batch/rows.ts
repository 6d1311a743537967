/**
 * Batch rows: the flat column names of `wellage risk score` input, turned into a RiskInput,
 * and results turned into output rows. Shared by the CSV/NDJSON streamer and by any API that
 * takes rows as JSON.
 */
import { scoreModel } from '../score.ts';
import { PREVENT_SLOTS } from '../models/prevent.ts';
import { regionForCountry } from '../regions.ts';
import type {
  CholesterolUnit,
  ModelId,
  Outcome,
  Qrisk3Ethnicity,
  Qrisk3Extras,
  Qrisk3Smoking,
  RiskEntry,
  RiskInput,
  ScoreOptions,
} from '../types.ts';

/** Columns every panel file has (issue 3, item 6). Only id, sex and age must be present. */
export const BASE_COLUMNS = [
  'id', 'sex', 'age', 'race', 'region', 'total_cholesterol', 'hdl_cholesterol', 'cholesterol_unit',
  'systolic_bp', 'bp_treated', 'smoker', 'diabetes', 'egfr', 'bmi', 'statin',
] as const;

/** Model-specific extra columns (see src/risk/README.md). */
export const EXTRA_COLUMNS = [
  'country', 'ldl_cholesterol', 'uacr_mg_g', 'hba1c_percent', 'sdi_decile',
  'qrisk3_ethnicity', 'qrisk3_smoking', 'sbp_sd', 'townsend', 'diabetes_type', 'chol_hdl_ratio',
  'atrial_fibrillation', 'atypical_antipsychotic', 'corticosteroids', 'erectile_dysfunction', 'migraine',
  'rheumatoid_arthritis', 'ckd_3_5', 'severe_mental_illness', 'sle', 'family_history_cvd',
] as const;

export const REQUIRED_COLUMNS = ['id', 'sex', 'age'] as const;

export const OUTPUT_COLUMNS = ['id', 'model', 'outcome', 'horizon_years', 'risk_percent', 'category', 'warnings', 'error'] as const;

export interface OutputRow {
  readonly id: string;
  readonly model: ModelId;
  readonly outcome: Outcome;
  readonly horizonYears: number;
  /** Unrounded; null when refused. */
  readonly riskPercent: number | null;
  readonly category: string;
  readonly warnings: readonly string[];
  /** Empty when scored. */
  readonly error: string;
}

/** The fixed (outcome, horizon) slots each model writes, so every input row gives the same number of output rows. */
export const MODEL_SLOTS: Readonly<Record<ModelId, ReadonlyArray<{ outcome: Outcome; horizon: number }>>> = {
  pce: [{ outcome: 'ascvd', horizon: 10 }],
  prevent: PREVENT_SLOTS.map((s) => ({ outcome: s.outcome, horizon: s.horizon })),
  score2: [{ outcome: 'cvd', horizon: 10 }],
  'score2-op': [{ outcome: 'cvd', horizon: 10 }],
  framingham: [{ outcome: 'cvd', horizon: 10 }],
  'framingham-bmi': [{ outcome: 'cvd', horizon: 10 }],
  qrisk3: [{ outcome: 'cvd', horizon: 10 }],
};

export class RowError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RowError';
  }
}

type Row = Readonly<Record<string, string | undefined>>;

function text(row: Row, col: string): string | undefined {
  const v = row[col]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function number(row: Row, col: string): number | undefined {
  const v = text(row, col);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RowError(col, `${col}: '${v}' is not a number`);
  return n;
}

function bool(row: Row, col: string): boolean | undefined {
  const v = text(row, col)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new RowError(col, `${col}: '${v}' is not true, false, 1 or 0`);
}

function oneOf<T extends string>(row: Row, col: string, allowed: readonly T[]): T | undefined {
  const v = text(row, col);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new RowError(col, `${col}: '${v}' is not one of ${allowed.join(', ')}`);
  return v as T;
}

const ETHNICITIES: readonly Qrisk3Ethnicity[] = ['white-or-not-stated', 'indian', 'pakistani', 'bangladeshi', 'other-asian', 'black-caribbean', 'black-african', 'chinese', 'other'];
const SMOKING: readonly Qrisk3Smoking[] = ['never', 'ex', 'light', 'moderate', 'heavy'];

/** Turns one row (column name to text) into a RiskInput; throws RowError naming the column. */
export function rowToInput(row: Row): RiskInput {
  const sex = oneOf(row, 'sex', ['female', 'male'] as const);
  if (!sex) throw new RowError('sex', 'sex: required (female or male)');
  const age = number(row, 'age');
  if (age === undefined) throw new RowError('age', 'age: required (years)');
  const unitText = text(row, 'cholesterol_unit');
  const chol = (col: string) => {
    const v = number(row, col);
    if (v === undefined) return undefined;
    if (unitText === undefined) throw new RowError('cholesterol_unit', `cholesterol_unit: required with ${col} (mg/dL or mmol/L); units are never guessed`);
    if (unitText !== 'mg/dL' && unitText !== 'mmol/L') throw new RowError('cholesterol_unit', `cholesterol_unit: '${unitText}' is not mg/dL or mmol/L`);
    return { value: v, unit: unitText as CholesterolUnit };
  };
  let region = oneOf(row, 'region', ['low', 'moderate', 'high', 'very-high'] as const);
  const country = text(row, 'country');
  if (region === undefined && country !== undefined) {
    region = regionForCountry(country);
    if (!region) throw new RowError('country', `country: '${country}' has no ESC 2021 risk region in our table; give region instead`);
  }
  const q: Qrisk3Extras = {
    ethnicity: oneOf(row, 'qrisk3_ethnicity', ETHNICITIES),
    smoking: oneOf(row, 'qrisk3_smoking', SMOKING),
    sbpStandardDeviation: number(row, 'sbp_sd') === undefined ? undefined : { value: number(row, 'sbp_sd') as number, unit: 'mmHg' },
    townsend: number(row, 'townsend'),
    diabetesType: oneOf(row, 'diabetes_type', ['none', 'type1', 'type2'] as const),
    cholesterolHdlRatio: number(row, 'chol_hdl_ratio'),
    atrialFibrillation: bool(row, 'atrial_fibrillation'),
    atypicalAntipsychotic: bool(row, 'atypical_antipsychotic'),
    corticosteroids: bool(row, 'corticosteroids'),
    erectileDysfunction: bool(row, 'erectile_dysfunction'),
    migraine: bool(row, 'migraine'),
    rheumatoidArthritis: bool(row, 'rheumatoid_arthritis'),
    chronicKidneyDisease: bool(row, 'ckd_3_5'),
    severeMentalIllness: bool(row, 'severe_mental_illness'),
    systemicLupus: bool(row, 'sle'),
    familyHistoryCvd: bool(row, 'family_history_cvd'),
  };
  const sbp = number(row, 'systolic_bp');
  const egfr = number(row, 'egfr');
  const bmi = number(row, 'bmi');
  const uacr = number(row, 'uacr_mg_g');
  const hba1c = number(row, 'hba1c_percent');
  const sdi = number(row, 'sdi_decile');
  return {
    sex,
    age,
    race: oneOf(row, 'race', ['white', 'black', 'other'] as const),
    region,
    totalCholesterol: chol('total_cholesterol'),
    hdlCholesterol: chol('hdl_cholesterol'),
    ldlCholesterol: chol('ldl_cholesterol'),
    systolicBp: sbp === undefined ? undefined : { value: sbp, unit: 'mmHg' },
    bpTreated: bool(row, 'bp_treated'),
    smoker: bool(row, 'smoker'),
    diabetes: bool(row, 'diabetes'),
    statin: bool(row, 'statin'),
    egfr: egfr === undefined ? undefined : { value: egfr, unit: 'mL/min/1.73m2' },
    bmi: bmi === undefined ? undefined : { value: bmi, unit: 'kg/m2' },
    uacr: uacr === undefined ? undefined : { value: uacr, unit: 'mg/g' },
    hba1c: hba1c === undefined ? undefined : { value: hba1c, unit: '%' },
    sdiDecile: sdi,
    qrisk3: q,
  };
}

function errorText(e: { field: string; message: string }): string {
  return e.message.startsWith(e.field) ? e.message : `${e.field}: ${e.message}`;
}

function toRow(id: string, model: ModelId, e: RiskEntry, slot: { outcome: Outcome; horizon: number }): OutputRow {
  if (e.ok) {
    return {
      id, model, outcome: e.outcome, horizonYears: e.horizonYears, riskPercent: e.riskPercent,
      category: e.category?.code ?? '', warnings: e.extrapolated ? ['extrapolated', ...e.warnings] : e.warnings, error: '',
    };
  }
  return {
    id, model, outcome: e.outcome ?? slot.outcome, horizonYears: e.horizonYears ?? slot.horizon, riskPercent: null,
    category: '', warnings: [], error: errorText(e),
  };
}

/** Scores one row with each model: always exactly sum(MODEL_SLOTS[m].length) output rows. */
export function scoreRow(row: Row, models: readonly ModelId[], options: ScoreOptions = {}): OutputRow[] {
  const id = text(row, 'id') ?? '';
  let input: RiskInput;
  try {
    input = rowToInput(row);
  } catch (e) {
    if (!(e instanceof RowError)) throw e;
    return rowError(id, models, e.message);
  }
  const out: OutputRow[] = [];
  const opts = { ...options, explain: false };
  for (const m of models) {
    const slots = MODEL_SLOTS[m];
    const entries = scoreModel(m, input, opts).entries;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as { outcome: Outcome; horizon: number };
      // Engines return entries in slot order; the search is a guard, not the usual path.
      const at = entries[i];
      const e =
        at && at.outcome === slot.outcome && at.horizonYears === slot.horizon
          ? at
          : (entries.find((x) => x.outcome === slot.outcome && x.horizonYears === slot.horizon) ?? entries[0]);
      if (!e) throw new Error(`model ${m} returned no entries`); // engine bug
      out.push(toRow(id, m, e, slot));
    }
  }
  return out;
}

/** The rows written for an input row that could not be read at all. */
export function rowError(id: string, models: readonly ModelId[], message: string): OutputRow[] {
  return models.flatMap((m) =>
    MODEL_SLOTS[m].map((s) => ({ id, model: m, outcome: s.outcome, horizonYears: s.horizon, riskPercent: null, category: '', warnings: [], error: message })),
  );
}
