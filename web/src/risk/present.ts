/**
 * Pure helpers behind the risk screens: refusals in plain words, which models to show and
 * in what order, the contribution chart's data, the values a user types for missing inputs,
 * and the what-if rows. No clinical logic here: the server scores; these only lay out.
 */
import type {
  AssembledInput,
  Explanation,
  InputField,
  ModelId,
  ModelInfo,
  ModelRefusal,
  ModelResult,
  Overrides,
  Projection,
  Refusal,
  ResultEntry,
  RiskReport,
  WhatIfResponse,
} from './types.ts';
import { INPUT_FIELDS, MODEL_IDS, isProjectionRefusal, isRefusal } from './types.ts';

/** A translate function (i18next's `t`, loosened so pure code can take it). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

/** Short model names; proper nouns, the same in every language. */
const SHORT_NAMES: Record<ModelId, string> = {
  pce: 'PCE',
  prevent: 'PREVENT',
  score2: 'SCORE2',
  'score2-op': 'SCORE2-OP',
  framingham: 'Framingham',
  'framingham-bmi': 'Framingham (BMI)',
  qrisk3: 'QRISK3',
};

export function shortModelName(id: string): string {
  return (SHORT_NAMES as Record<string, string>)[id] ?? id;
}

/**
 * Validated age ranges (years), as src/risk/README.md lists them. Used only to word an age
 * refusal that came without its range (the panel's refusals carry none).
 */
export const MODEL_AGE_RANGES: Record<ModelId, { min: number; max: number }> = {
  pce: { min: 40, max: 79 },
  prevent: { min: 30, max: 79 },
  score2: { min: 40, max: 69 },
  'score2-op': { min: 70, max: 89 },
  framingham: { min: 30, max: 74 },
  'framingham-bmi': { min: 30, max: 74 },
  qrisk3: { min: 25, max: 84 },
};

export function isInputField(f: string): f is InputField {
  return (INPUT_FIELDS as readonly string[]).includes(f);
}

/** The words for an input field ("total cholesterol"); an unknown field path shows as it is. */
export function fieldLabel(field: string, t: Translate): string {
  return isInputField(field) ? t(`risk.field.${field}`) : field;
}

/** A list of fields in words: "total cholesterol, HDL cholesterol". */
export function fieldList(fields: readonly string[], t: Translate): string {
  return fields.map((f) => fieldLabel(f, t)).join(', ');
}

/**
 * Why a model declined to score, in plain words: "SCORE2 applies from 40 to 69 years",
 * "Needs: total cholesterol". The server's own message is the fallback when no better
 * wording applies.
 */
export function refusalText(modelId: string | undefined, refusal: Refusal, t: Translate): string {
  const model = modelId ? shortModelName(modelId) : '';
  const field = fieldLabel(refusal.field, t);
  switch (refusal.code) {
    case 'MISSING_INPUT':
      return t('risk.refusal.missing', { fields: field });
    case 'OUTSIDE_VALIDATED_POPULATION': {
      if (refusal.field === 'age') {
        const range = refusal.range ?? (modelId ? (MODEL_AGE_RANGES as Record<string, { min: number; max: number }>)[modelId] : undefined);
        if (range) return t('risk.refusal.age', { model, min: range.min, max: range.max });
      }
      if (refusal.field === 'diabetes') return t('risk.refusal.diabetes', { model });
      if (refusal.range) return t('risk.refusal.range', { model, field, min: refusal.range.min, max: refusal.range.max, unit: refusal.range.unit });
      return t('risk.refusal.population', { model, message: refusal.message });
    }
    case 'IMPLAUSIBLE_VALUE':
      if (refusal.range) return t('risk.refusal.implausibleRange', { field, min: refusal.range.min, max: refusal.range.max, unit: refusal.range.unit });
      return t('risk.refusal.implausible', { field, message: refusal.message });
    case 'UNKNOWN_UNIT':
      return t('risk.refusal.unit', { field });
    case 'INCONSISTENT_INPUT':
      return t('risk.refusal.inconsistent', { field, message: refusal.message });
    default:
      return refusal.message;
  }
}

/** One model as the chart shows it: its scored outcomes, and its refusals without repeats. */
export interface ModelCard {
  model: ModelInfo;
  results: ModelResult[];
  refusals: ModelRefusal[];
}

function modelOrder(id: string): number {
  const i = (MODEL_IDS as readonly string[]).indexOf(id);
  return i === -1 ? MODEL_IDS.length : i;
}

const isAgeRefusal = (r: ModelRefusal) => r.refused.code === 'OUTSIDE_VALIDATED_POPULATION' && r.refused.field === 'age';

/**
 * Groups the report's results by model and chooses what to show: models that scored first
 * (in the usual order), then those that could not. A refusal repeated for every outcome of
 * a model (PREVENT has ten) shows once. SCORE2 and SCORE2-OP split one age range between
 * them: when one scores, the other's "not my age" is noise and is left out.
 */
export function chooseCards(results: readonly ResultEntry[]): ModelCard[] {
  const byModel = new Map<string, ModelCard>();
  for (const e of results) {
    let card = byModel.get(e.model.id);
    if (!card) {
      card = { model: e.model, results: [], refusals: [] };
      byModel.set(e.model.id, card);
    }
    if (isRefusal(e)) {
      const dup = card.refusals.some((r) => r.refused.code === e.refused.code && r.refused.field === e.refused.field && r.refused.message === e.refused.message);
      if (!dup) card.refusals.push(e);
    } else {
      card.results.push(e);
    }
  }
  const scored = (id: string) => (byModel.get(id)?.results.length ?? 0) > 0;
  for (const [a, b] of [
    ['score2', 'score2-op'],
    ['score2-op', 'score2'],
  ] as const) {
    const other = byModel.get(b);
    if (scored(a) && other && other.results.length === 0 && other.refusals.every(isAgeRefusal)) byModel.delete(b);
  }
  const cards = [...byModel.values()];
  return cards.sort((x, y) => Number(y.results.length > 0) - Number(x.results.length > 0) || modelOrder(x.model.id) - modelOrder(y.model.id));
}

/** The result a model's card leads with and explains: 10-year total CVD, else ASCVD, else the first. */
export function headlineResult(card: ModelCard): ModelResult | undefined {
  const tenYear = card.results.filter((r) => r.horizonYears === 10);
  return tenYear.find((r) => r.outcome === 'cvd') ?? tenYear.find((r) => r.outcome === 'ascvd') ?? tenYear[0] ?? card.results[0];
}

/** A risk as a percent with one decimal, in the locale ("8.3%", "8,3 %"). */
export function formatPercent(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value / 100);
}

/** Percentage points with a sign and one decimal ("+3.2", "−0.4"). */
export function formatPoints(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(value);
}

/** One bar of the contribution chart. */
export interface ContributionBar {
  /** Category axis label. */
  label: string;
  /** The value the waterfall adds (percent or percentage points). */
  risk: number;
  /** Standalone bars start from zero (the patient's risk at the end). */
  standalone?: boolean;
  color: string;
}

export interface ContributionChart {
  /** Bars for @mantine/charts BarChart type="waterfall": optimal risk, one per factor, then the actual risk. */
  bars: ContributionBar[];
  /** The factors that move the risk, largest first, for the text beside the chart. */
  factors: { factor: string; label: string; actual: string; optimal: string; points: number }[];
  optimalRiskPercent: number;
  riskPercent: number;
}

/**
 * Turns a result's explanation into a waterfall: it starts at the optimal risk for the same
 * age and sex, each factor adds its attributed share (the shares add up to actual minus
 * optimal, so the last step lands on the patient's risk), and a final bar shows the risk
 * itself. Factors that change nothing are left out; negative shares (a factor better than
 * optimal) are drawn in another colour. Fresh objects every call: the chart mutates them.
 */
export function contributionChart(
  explanation: Explanation,
  riskPercent: number,
  labels: { optimal: string; actual: string; factor: (factor: string) => string },
): ContributionChart {
  const round = (v: number) => Math.round(v * 100) / 100;
  const factors = explanation.contributions
    .filter((c) => Number.isFinite(c.attributedPercentPoints) && Math.abs(c.attributedPercentPoints) >= 0.005)
    .sort((a, b) => Math.abs(b.attributedPercentPoints) - Math.abs(a.attributedPercentPoints))
    .map((c) => ({ factor: c.factor, label: labels.factor(c.factor), actual: c.actual, optimal: c.optimal, points: c.attributedPercentPoints }));
  const bars: ContributionBar[] = [
    { label: labels.optimal, risk: round(explanation.optimalRiskPercent), color: 'teal.6' },
    ...factors.map((f) => ({ label: f.label, risk: round(f.points), color: f.points >= 0 ? 'red.6' : 'green.6' })),
    { label: labels.actual, risk: round(riskPercent), standalone: true, color: 'gray.7' },
  ];
  return { bars, factors, optimalRiskPercent: explanation.optimalRiskPercent, riskPercent };
}

/** How the form asks for one input. */
export type FieldSpec =
  | { kind: 'choice'; options: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'number'; unit: string; min: number; max: number }
  | { kind: 'quantity'; units: readonly string[] };

/** The form control of each input; units are always chosen, never guessed. */
export const FIELD_SPECS: Record<InputField, FieldSpec> = {
  sex: { kind: 'choice', options: ['female', 'male'] },
  age: { kind: 'number', unit: 'years', min: 18, max: 110 },
  race: { kind: 'choice', options: ['white', 'black', 'other'] },
  region: { kind: 'choice', options: ['low', 'moderate', 'high', 'very-high'] },
  totalCholesterol: { kind: 'quantity', units: ['mg/dL', 'mmol/L'] },
  hdlCholesterol: { kind: 'quantity', units: ['mg/dL', 'mmol/L'] },
  systolicBp: { kind: 'quantity', units: ['mmHg'] },
  bpTreated: { kind: 'boolean' },
  smoker: { kind: 'boolean' },
  diabetes: { kind: 'boolean' },
  statin: { kind: 'boolean' },
  egfr: { kind: 'quantity', units: ['mL/min/1.73m2'] },
  bmi: { kind: 'quantity', units: ['kg/m2'] },
  hba1c: { kind: 'quantity', units: ['%', 'mmol/mol'] },
  uacr: { kind: 'quantity', units: ['mg/g', 'mg/mmol'] },
};

/** What the user typed or chose for one field: text, and the unit when the field has units. */
export interface FieldEntry {
  value: string;
  unit?: string;
}

/** Reads a number as typed in either language ("5.2" or "5,2"); NaN for anything else. */
export function parseDecimal(text: string): number {
  const s = text.trim().replace(',', '.');
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : NaN;
}

/**
 * The overrides to send for the missing inputs the user filled in. Only fields in `missing`
 * are read (the form asks for nothing else); empty ones are left out. A bad entry gives an
 * error key for that field instead, and nothing is sent until it is fixed.
 */
export function buildOverrides(
  missing: readonly InputField[],
  entries: Partial<Record<InputField, FieldEntry>>,
): { overrides: Overrides; errors: Partial<Record<InputField, string>> } {
  const overrides: Overrides = {};
  const errors: Partial<Record<InputField, string>> = {};
  for (const field of missing) {
    const entry = entries[field];
    if (!entry || entry.value.trim() === '') continue;
    const spec = FIELD_SPECS[field];
    switch (spec.kind) {
      case 'choice':
        if (spec.options.includes(entry.value)) overrides[field] = entry.value;
        else errors[field] = 'risk.form.chooseOne';
        break;
      case 'boolean':
        if (entry.value === 'true' || entry.value === 'false') overrides[field] = entry.value === 'true';
        else errors[field] = 'risk.form.chooseOne';
        break;
      case 'number': {
        const n = parseDecimal(entry.value);
        if (!Number.isFinite(n)) errors[field] = 'risk.form.notANumber';
        else if (n < spec.min || n > spec.max) errors[field] = 'risk.form.outOfRange';
        else overrides[field] = n;
        break;
      }
      case 'quantity': {
        const n = parseDecimal(entry.value);
        const unit = entry.unit ?? (spec.units.length === 1 ? spec.units[0] : undefined);
        if (!Number.isFinite(n) || n <= 0) errors[field] = 'risk.form.notANumber';
        else if (!unit || !spec.units.includes(unit)) errors[field] = 'risk.form.chooseUnit';
        else overrides[field] = { value: n, unit };
        break;
      }
    }
  }
  return { overrides, errors };
}

/** An input's value in words: yes/no, a translated choice, or the number with its unit. */
export function inputValueText(field: InputField, input: AssembledInput, t: Translate, locale: string): string {
  const v = input.value;
  if (typeof v === 'boolean') return t(v ? 'risk.yes' : 'risk.no');
  if (typeof v === 'number') {
    const n = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(v);
    const unit = input.unit ?? (field === 'age' ? t('risk.years') : '');
    return unit ? `${n} ${unit}` : n;
  }
  const spec = FIELD_SPECS[field];
  if (spec.kind === 'choice' && spec.options.includes(v)) return t(`risk.option.${field}.${v}`);
  return v;
}

/** Whether the patient smokes now, as the record says (the quit-smoking switch needs it). */
export function smokesNow(report: Pick<RiskReport, 'inputs'>): boolean {
  return report.inputs.smoker?.value === true;
}

/** The SBP slider's start: the patient's systolic pressure held inside the slider's range. */
export function initialSbpTarget(report: Pick<RiskReport, 'inputs'>, min: number, max: number): number {
  const v = report.inputs.systolicBp?.value;
  const sbp = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : max;
  return Math.min(max, Math.max(min, sbp));
}

/**
 * The what-if rows to show: each 10-year projection the models made (30-year PREVENT rows
 * would double the table for little), in the usual model order.
 */
export function whatIfRows(response: Pick<WhatIfResponse, 'projections'>): Projection[] {
  return response.projections
    .filter((p): p is Projection => !isProjectionRefusal(p))
    .filter((p) => p.horizonYears === 10)
    .sort((a, b) => modelOrder(a.model.id) - modelOrder(b.model.id));
}

/** The sources of the effect sizes the what-if used, as `[label key, source]` pairs. */
export function assumptionSources(assumptions: Record<string, unknown>): { key: string; source: string }[] {
  const out: { key: string; source: string }[] = [];
  for (const [key, v] of Object.entries(assumptions)) {
    if (v && typeof v === 'object' && typeof (v as { source?: unknown }).source === 'string') {
      out.push({ key, source: (v as { source: string }).source });
    }
  }
  return out;
}
