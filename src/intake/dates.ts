/** Calendar arithmetic on FHIR dates (YYYY-MM-DD strings, UTC; no clock). */

/** FHIR date: YYYY, YYYY-MM or YYYY-MM-DD, with real months and days. */
const DATE_RE = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/;

/** The first day a (possibly partial) FHIR date covers, as YYYY-MM-DD; undefined if malformed. */
export function dateStart(date: string): string | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01'] = m;
  // Reject 2025-02-30 and the like: the day must exist in that month.
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(d) > days) return undefined;
  return `${y}-${mo}-${d}`;
}

/**
 * `date` (YYYY-MM-DD) moved by `months` calendar months, then by `days` days. The day is
 * clamped to the target month's length (2026-08-31 + 6 months = 2027-02-28).
 */
export function addMonths(date: string, months: number, days = 0): string {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const length = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, length) + days);
  return target.toISOString().slice(0, 10);
}

/** Whole years between two YYYY-MM-DD dates (a birthday counts on the day). */
export function yearsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  return ty - fy - (tm < fm || (tm === fm && td < fd) ? 1 : 0);
}
