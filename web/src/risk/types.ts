/**
 * The cardiovascular risk API as the web app reads it. A copy of the risk API contract
 * (field names are final there); the web build does not compile server code, so the shapes
 * are restated here, and the e2e test checks the real server answers them.
 */

export type ModelId = 'pce' | 'prevent' | 'score2' | 'score2-op' | 'framingham' | 'framingham-bmi' | 'qrisk3';

/** The models in the order the chart shows them. */
export const MODEL_IDS: readonly ModelId[] = ['pce', 'prevent', 'score2', 'score2-op', 'framingham', 'framingham-bmi', 'qrisk3'];

export type Outcome = 'ascvd' | 'cvd' | 'hf' | 'chd' | 'stroke';

export type InputField =
  | 'sex'
  | 'age'
  | 'race'
  | 'region'
  | 'totalCholesterol'
  | 'hdlCholesterol'
  | 'systolicBp'
  | 'bpTreated'
  | 'smoker'
  | 'diabetes'
  | 'statin'
  | 'egfr'
  | 'bmi'
  | 'hba1c'
  | 'uacr';

export const INPUT_FIELDS: readonly InputField[] = [
  'sex',
  'age',
  'race',
  'region',
  'totalCholesterol',
  'hdlCholesterol',
  'systolicBp',
  'bpTreated',
  'smoker',
  'diabetes',
  'statin',
  'egfr',
  'bmi',
  'hba1c',
  'uacr',
];

export type RefusalCode = 'MISSING_INPUT' | 'IMPLAUSIBLE_VALUE' | 'OUTSIDE_VALIDATED_POPULATION' | 'INCONSISTENT_INPUT' | 'UNKNOWN_UNIT';

/** Where an input came from. */
export interface Source {
  kind: 'observation' | 'condition' | 'medication' | 'patient' | 'clinic' | 'entered' | 'default';
  resourceType?: string;
  resourceId?: string;
  /** ISO date of the clinical time. */
  date?: string;
  /** How old the value is at asOf, days. */
  ageDays?: number;
  /** e.g. "Total cholesterol 212 mg/dL, 2026-08-12 (LOINC 2093-3)". */
  display: string;
  /** Older than the freshness rule for that input. */
  stale?: boolean;
}

export interface AssembledInput {
  value: number | boolean | string;
  unit?: string;
  source: Source;
}

export interface ModelInfo {
  id: ModelId;
  name: string;
  version: string;
  source: string;
}

export interface RiskCategory {
  code: string;
  label: string;
  source: string;
}

export interface Contribution {
  factor: string;
  actual: string;
  optimal: string;
  riskWithOptimalPercent: number;
  reductionPercentPoints: number;
  attributedPercentPoints: number;
}

export interface Explanation {
  optimalRiskPercent: number;
  optimalProfile: { description: string; source: string };
  contributions: Contribution[];
}

export interface ModelResult {
  model: ModelInfo;
  outcome: Outcome;
  outcomeLabel: string;
  horizonYears: number;
  riskPercent: number;
  category: RiskCategory | null;
  extrapolated: boolean;
  warnings: string[];
  /** QRISK3 always carries it; it must be shown wherever its score is. */
  disclaimer?: string;
  explanation?: Explanation;
}

export interface Refusal {
  code: RefusalCode;
  field: string;
  message: string;
  range?: { min: number; max: number; unit: string };
}

export interface ModelRefusal {
  model: ModelInfo;
  outcome?: string;
  horizonYears?: number;
  refused: Refusal;
}

export type ResultEntry = ModelResult | ModelRefusal;

export interface RiskReport {
  patientId: string;
  asOf: string;
  inputs: Partial<Record<InputField, AssembledInput>>;
  /** What the record lacks and the applicable models need; the UI asks only for these. */
  missing: InputField[];
  results: ResultEntry[];
  saved?: { model: ModelId; riskAssessmentId: string }[];
}

/** A value the user enters for a missing input: a number, a choice, or a quantity with its unit. */
export type OverrideValue = number | boolean | string | { value: number; unit: string };
export type Overrides = Partial<Record<InputField, OverrideValue>>;

export interface WhatIfScenario {
  sbpTarget?: number;
  quitSmoking?: boolean;
  statin?: 'moderate' | 'high';
}

export interface WhatIfStep {
  intervention: 'quit-smoking' | 'lower-bp' | 'start-statin';
  riskAfterPercent: number;
  relativeRisk: number;
  method: string;
  source: string;
}

export interface Projection {
  model: ModelInfo;
  outcome: Outcome;
  horizonYears: number;
  baselinePercent: number;
  projectedPercent: number;
  absoluteReductionPercentPoints: number;
  steps: WhatIfStep[];
  warnings: string[];
}

export interface ProjectionRefusal {
  model: ModelInfo;
  outcome?: string;
  horizonYears?: number;
  refused: Refusal;
}

export interface WhatIfResponse {
  patientId: string;
  scenario: WhatIfScenario;
  /** The published effect sizes used (src/risk/what-if.ts WHAT_IF_ASSUMPTIONS), each with its source. */
  assumptions: Record<string, unknown>;
  projections: (Projection | ProjectionRefusal)[];
}

export interface PanelRow {
  patientId: string;
  name: string;
  sex: string;
  /** null when the record has no birth date. */
  age: number | null;
  riskPercent?: number;
  category?: RiskCategory | null;
  /** score2-op stands in for score2 at 70 and over. */
  model: ModelId;
  missing: InputField[];
  refusal?: Refusal;
}

export interface PanelResponse {
  model: ModelInfo;
  generatedAt: string;
  rows: PanelRow[];
}

/** True for a model (or outcome slot) that declined to score, with its reason. */
export function isRefusal(e: ResultEntry): e is ModelRefusal {
  return 'refused' in e && e.refused !== undefined;
}

/** True for a what-if slot the model declined to project. */
export function isProjectionRefusal(e: Projection | ProjectionRefusal): e is ProjectionRefusal {
  return 'refused' in e && e.refused !== undefined;
}
