/**
 * Picks vital signs and lipid labs out of a patient's Observations, by LOINC code, for the
 * chart's "latest values" table and trend chart. Pure.
 *
 * Codes (LOINC, https://loinc.org; the FHIR R4 vital-signs profile,
 * https://hl7.org/fhir/R4/observation-vitalsigns.html): blood pressure panel 85354-9 with
 * components systolic 8480-6 and diastolic 8462-4; heart rate 8867-4; body weight 29463-7;
 * BMI 39156-5. Lipids: total cholesterol 2093-3, HDL 2085-9, LDL 18262-6 (direct; 13457-7
 * is the calculated LDL Synthea also writes), triglycerides 2571-8, HbA1c 4548-4.
 */
import type { Observation, Quantity } from '@medplum/fhirtypes';
import { hasLoinc, observationDate } from './display.ts';

export const BP_PANEL = '85354-9';
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';

/** The vital signs the chart knows, in display order. */
export const VITAL_KINDS = ['bloodPressure', 'heartRate', 'bodyWeight', 'bmi'] as const;
export type VitalKind = (typeof VITAL_KINDS)[number];

const VITAL_CODES: Record<Exclude<VitalKind, 'bloodPressure'>, string[]> = {
  heartRate: ['8867-4'],
  bodyWeight: ['29463-7'],
  bmi: ['39156-5'],
};

/** The lipid and glucose labs the chart lists, in display order. */
export const LAB_KINDS = ['totalCholesterol', 'hdl', 'ldl', 'triglycerides', 'hba1c'] as const;
export type LabKind = (typeof LAB_KINDS)[number];

export const LAB_CODES: Record<LabKind, string[]> = {
  totalCholesterol: ['2093-3'],
  hdl: ['2085-9'],
  ldl: ['18262-6', '13457-7'],
  triglycerides: ['2571-8'],
  hba1c: ['4548-4'],
};

/** One point of a trend: the time (ms since epoch, for sorting), its FHIR date, and values. */
export interface TrendPoint {
  time: number;
  date: string;
  /** Named values: `value`, or `systolic` and `diastolic` for blood pressure. */
  values: Record<string, number>;
  unit: string;
}

function isCurrent(o: Observation): boolean {
  // Withdrawn and mistaken results must not be charted.
  return o.status !== 'entered-in-error' && o.status !== 'cancelled';
}

function timeOf(o: Observation): { time: number; date: string } | undefined {
  const date = observationDate(o);
  if (!date) return undefined;
  const time = Date.parse(date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date);
  return Number.isNaN(time) ? undefined : { time, date };
}

function unitOf(q: Quantity | undefined): string {
  return q?.unit ?? q?.code ?? '';
}

/** The points of one vital sign, oldest first. Observations without a time or a number are skipped. */
export function vitalSeries(observations: readonly Observation[], kind: VitalKind): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (const o of observations) {
    if (!isCurrent(o)) continue;
    const when = timeOf(o);
    if (!when) continue;
    if (kind === 'bloodPressure') {
      if (!hasLoinc(o.code, BP_PANEL)) continue;
      const sys = o.component?.find((c) => hasLoinc(c.code, SYSTOLIC))?.valueQuantity;
      const dia = o.component?.find((c) => hasLoinc(c.code, DIASTOLIC))?.valueQuantity;
      if (typeof sys?.value !== 'number' || typeof dia?.value !== 'number') continue;
      points.push({ ...when, values: { systolic: sys.value, diastolic: dia.value }, unit: unitOf(sys) });
    } else {
      if (!VITAL_CODES[kind].some((code) => hasLoinc(o.code, code))) continue;
      const q = o.valueQuantity;
      if (typeof q?.value !== 'number') continue;
      points.push({ ...when, values: { value: q.value }, unit: unitOf(q) });
    }
  }
  return points.sort((a, b) => a.time - b.time);
}

/** The newest observation matching any of `codes`, with a numeric value. */
export function latestByCodes(observations: readonly Observation[], codes: readonly string[]): Observation | undefined {
  let best: Observation | undefined;
  let bestTime = -Infinity;
  for (const o of observations) {
    if (!isCurrent(o) || !codes.some((c) => hasLoinc(o.code, c))) continue;
    const t = timeOf(o)?.time ?? -Infinity;
    if (!best || t > bestTime) {
      best = o;
      bestTime = t;
    }
  }
  return best;
}

/** The newest observation of a vital sign. */
export function latestVital(observations: readonly Observation[], kind: VitalKind): Observation | undefined {
  return latestByCodes(observations, kind === 'bloodPressure' ? [BP_PANEL] : VITAL_CODES[kind]);
}

/** The vital kinds that have at least one charted point, so the chart offers only those. */
export function availableVitals(observations: readonly Observation[]): VitalKind[] {
  return VITAL_KINDS.filter((k) => vitalSeries(observations, k).length > 0);
}
