/**
 * Sequence and calendar: the chosen procedures in a sensible order (neuromodulator first,
 * so filler is placed on relaxed muscles two weeks later; then biostimulators, then
 * resurfacing and devices), their sessions at the knowledge base's minimum interval, the
 * review visits and the recalls (neuromodulator every ~4 months). Dates are computed from
 * the plan date; nothing reads the clock.
 */
import type { Category, Intervention, LocalText } from './kb/schema.ts';

export type CalendarKind = 'pre-care' | 'session' | 'follow-up' | 'recall' | 'lesion-review' | 'skin-check' | 'well-aging-review';

export interface CalendarEntry {
  /** YYYY-MM-DD. */
  readonly date: string;
  /** Whole weeks from the plan date. */
  readonly week: number;
  readonly kind: CalendarKind;
  readonly interventionId: string | null;
  readonly label: LocalText;
  /** Session n of total, for sessions. */
  readonly session?: { readonly n: number; readonly of: number };
}

/** Order in which categories are scheduled (lower first). */
const SEQUENCE: Record<Category, number> = {
  neuromodulator: 1,
  'filler-ha': 2,
  'filler-other': 2,
  biostimulator: 3,
  regenerative: 4,
  microneedling: 5,
  peel: 5,
  'energy-device': 5,
  oncological: 6,
  topical: 9,
  lifestyle: 9,
};
/** Weeks between the start of one procedure and the next different one (swelling settles, effects are judged one at a time). */
export const PROCEDURE_SPACING_WEEKS = 2;

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

export interface CalendarInput {
  readonly asOf: string;
  readonly procedures: readonly Intervention[];
  /** Weeks of skin preparation before the first procedure (0: none). */
  readonly preCareWeeks: number;
  readonly lesionReview: boolean;
  readonly skinCheckMonths: number | null;
  readonly wellAgingReviewWeeks: number | null;
}

export function buildCalendar(input: CalendarInput): CalendarEntry[] {
  const out: CalendarEntry[] = [];
  const at = (weeks: number, e: Omit<CalendarEntry, 'date' | 'week'>): void => {
    out.push({ date: addDays(input.asOf, Math.round(weeks * 7)), week: weeks, ...e });
  };
  if (input.lesionReview) {
    at(0, { kind: 'lesion-review', interventionId: null, label: { en: 'Examine the lesion flagged "refer" (dermoscopy, referral if suspicious) before any procedure at that site', es: 'Explorar la lesión marcada "derivar" (dermatoscopia, derivación si es sospechosa) antes de cualquier procedimiento en esa zona' } });
  }
  const procedures = [...input.procedures].sort((a, b) => SEQUENCE[a.category] - SEQUENCE[b.category] || a.id.localeCompare(b.id));
  if (procedures.length && input.preCareWeeks > 0) {
    at(0, { kind: 'pre-care', interventionId: null, label: { en: `Start skin preparation (${input.preCareWeeks} weeks before the first procedure)`, es: `Empezar la preparación de la piel (${input.preCareWeeks} semanas antes del primer procedimiento)` } });
  }
  let start = input.preCareWeeks > 0 ? input.preCareWeeks : 1;
  for (const iv of procedures) {
    const count = iv.sessions.min;
    const interval = iv.sessions.intervalWeeks?.min ?? 0;
    for (let n = 1; n <= count; n++) {
      at(start + (n - 1) * interval, { kind: 'session', interventionId: iv.id, label: iv.names, session: { n, of: count } });
    }
    const last = start + (count - 1) * interval;
    if (iv.sessions.followUpWeeks) {
      at(last + iv.sessions.followUpWeeks, { kind: 'follow-up', interventionId: iv.id, label: { en: `Review: ${iv.names.en}`, es: `Revisión: ${iv.names.es}` } });
    }
    if (iv.sessions.recallWeeks) {
      at(last + iv.sessions.recallWeeks, { kind: 'recall', interventionId: iv.id, label: { en: `Recall: ${iv.names.en}`, es: `Nueva cita: ${iv.names.es}` } });
    }
    start += PROCEDURE_SPACING_WEEKS;
  }
  if (input.skinCheckMonths !== null) {
    at(Math.round((input.skinCheckMonths * 52) / 12), { kind: 'skin-check', interventionId: null, label: { en: 'Full skin examination', es: 'Exploración completa de la piel' } });
  }
  if (input.wellAgingReviewWeeks !== null) {
    at(input.wellAgingReviewWeeks, { kind: 'well-aging-review', interventionId: null, label: { en: 'Well-aging review: blood pressure, weight, habits', es: 'Revisión de envejecimiento saludable: presión arterial, peso, hábitos' } });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date) || a.kind.localeCompare(b.kind) || (a.interventionId ?? '').localeCompare(b.interventionId ?? ''));
}
