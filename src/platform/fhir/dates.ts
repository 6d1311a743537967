/**
 * FHIR date, dateTime and instant values as time ranges [start, end), so that partial
 * dates (`2021`, `2021-07`) match everything inside them
 * (http://hl7.org/fhir/R4/search.html#date). Values without a time zone are read as UTC.
 */

export interface DateRange {
  /** Inclusive start, ISO 8601 in UTC. */
  readonly start: string;
  /** Exclusive end, ISO 8601 in UTC. */
  readonly end: string;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range a FHIR date/dateTime/instant covers, or undefined when it is not one. */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : undefined;
  const day = d ? Number(d) : undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  if (hh !== undefined && (Number(hh) > 23 || Number(mi) > 59 || (ss !== undefined && Number(ss) > 59))) return undefined;
  if (month === undefined) return utcRange(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
  if (day === undefined) return utcRange(Date.UTC(year, month - 1, 1), Date.UTC(year, month, 1));
  const dayStart = Date.UTC(year, month - 1, day);
  // Reject 2021-02-31 and the like: the day must survive a round trip.
  if (new Date(dayStart).getUTCDate() !== day) return undefined;
  if (hh === undefined) return utcRange(dayStart, dayStart + 86_400_000);
  const offsetMin = tz && tz !== 'Z' ? (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) : 0;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  const start = dayStart + ((Number(hh) * 60 + Number(mi) - offsetMin) * 60 + Number(ss ?? 0)) * 1000 + ms;
  const width = frac ? 1 : ss !== undefined ? 1000 : 60_000;
  return utcRange(start, start + width);
}

function utcRange(start: number, end: number): DateRange {
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}
