/**
 * Readable text for FHIR datatypes, in the chosen locale. Pure functions: the chart and
 * list pages only lay out what these return. Everything returned is plain text; React
 * escapes it, so a name like `<script>` shows as typed.
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  HumanName,
  Identifier,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Quantity,
} from '@medplum/fhirtypes';

/** The best human text of a CodeableConcept: its text, else the first coding's display, else its code. */
export function conceptText(cc: CodeableConcept | undefined): string {
  if (!cc) return '';
  if (cc.text?.trim()) return cc.text.trim();
  for (const c of cc.coding ?? []) {
    if (c.display?.trim()) return c.display.trim();
  }
  const first = cc.coding?.find((c) => c.code);
  return first?.code ?? '';
}

/** The first coding code of a concept (e.g. `active` of Condition.clinicalStatus). */
export function conceptCode(cc: CodeableConcept | undefined): string | undefined {
  return cc?.coding?.find((c) => c.code)?.code;
}

const NAME_USE_ORDER = ['official', 'usual', undefined, 'nickname', 'temp', 'anonymous', 'maiden', 'old'];

/** The name to show: official first, then usual, then any other; "given family" unless it has text. */
export function humanName(names: HumanName[] | undefined): string {
  if (!names || names.length === 0) return '';
  const ranked = [...names].sort((a, b) => rank(a.use) - rank(b.use));
  const name = ranked[0] as HumanName;
  if (name.text?.trim()) return name.text.trim();
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? '', ...(name.suffix ?? [])];
  return parts.map((p) => p.trim()).filter(Boolean).join(' ');
}

function rank(use: string | undefined): number {
  const i = NAME_USE_ORDER.indexOf(use);
  return i === -1 ? NAME_USE_ORDER.length : i;
}

/** A number in the locale, with up to `digits` decimals. */
export function formatNumber(value: number, locale: string, digits = 1): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

/**
 * UCUM codes that records (Synthea's, our seed's) often carry in Quantity.unit, shown as a
 * clinician writes them. Anything else is shown as recorded.
 */
const UCUM_DISPLAY: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  '/min': '/min',
  'kg/m2': 'kg/m²',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  'mL/min/1.73m2': 'mL/min/1.73 m²',
  Cel: '°C',
  '[lb_av]': 'lb',
  '[in_i]': 'in',
};

/** The unit of a quantity as a clinician writes it. */
export function unitText(q: Quantity): string {
  const raw = q.unit ?? q.code ?? '';
  return UCUM_DISPLAY[raw] ?? raw;
}

/** "120 mmHg" style text: value in the locale, then the unit (human unit, else the UCUM code). */
export function formatQuantity(q: Quantity | undefined, locale: string): string {
  if (!q || typeof q.value !== 'number') return '';
  const unit = unitText(q);
  const comparator = q.comparator ? `${q.comparator} ` : '';
  return `${comparator}${formatNumber(q.value, locale, 2)}${unit ? ` ${unit}` : ''}`;
}

/**
 * A FHIR date or dateTime in the locale. Partial dates keep their precision: "2019" stays
 * a year, "2019-04" becomes month and year. Times show only when the value has one.
 */
export function formatDate(value: string | undefined, locale: string, withTime = false): string {
  if (!value) return '';
  if (/^\d{4}$/.test(value)) return value;
  const ym = /^(\d{4})-(\d{2})$/.exec(value);
  if (ym) {
    const d = new Date(Date.UTC(Number(ym[1]), Number(ym[2]) - 1, 1));
    return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(d);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // A bare date is a calendar day, not an instant: format it in UTC so no zone shifts it.
    const d = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(d.getTime())) return value;
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(locale, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(d);
}

/** Whole years between a birth date (YYYY-MM-DD or partial) and `now`; undefined if unknown. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate ?? '');
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) : 1;
  const d = m[3] ? Number(m[3]) : 1;
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age >= 0 ? age : undefined;
}

/** An identifier as "value" (the system is a URL, not for people). Prefers the medical record number. */
export function primaryIdentifier(ids: Identifier[] | undefined): string {
  if (!ids || ids.length === 0) return '';
  const mrn = ids.find((i) => i.type?.coding?.some((c) => c.code === 'MR'));
  return (mrn ?? ids[0])?.value ?? '';
}

/** The medication of a MedicationStatement or MedicationRequest, as text. */
export function medicationText(m: MedicationStatement | MedicationRequest): string {
  if (m.medicationCodeableConcept) return conceptText(m.medicationCodeableConcept);
  return m.medicationReference?.display ?? '';
}

/** The dosage line of a medication ("1 tablet daily"), when the record has text for it. */
export function dosageText(m: MedicationStatement | MedicationRequest): string {
  const dosage = m.resourceType === 'MedicationStatement' ? m.dosage : m.dosageInstruction;
  return (dosage ?? [])
    .map((d) => d.text ?? '')
    .filter(Boolean)
    .join('; ');
}

/** When the medication started or was prescribed. */
export function medicationDate(m: MedicationStatement | MedicationRequest): string | undefined {
  if (m.resourceType === 'MedicationStatement') return m.effectiveDateTime ?? m.effectivePeriod?.start ?? m.dateAsserted;
  return m.authoredOn;
}

/** When a condition began, as the FHIR value (onsetDateTime, onsetPeriod.start, or recordedDate). */
export function conditionOnset(c: Condition): string | undefined {
  return c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate;
}

/** The reactions of an allergy, as text ("Hives, Wheezing"). */
export function allergyReactions(a: AllergyIntolerance): string {
  const out: string[] = [];
  for (const r of a.reaction ?? []) {
    for (const m of r.manifestation ?? []) {
      const t = conceptText(m);
      if (t && !out.includes(t)) out.push(t);
    }
  }
  return out.join(', ');
}

/** The effective time of an observation (dateTime, period start, or instant). */
export function observationDate(o: Observation): string | undefined {
  return o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.effectiveInstant ?? o.issued;
}

/** The value of an observation as text; blood pressure and other panels show their components. */
export function observationValue(o: Observation, locale: string): string {
  if (o.valueQuantity) return formatQuantity(o.valueQuantity, locale);
  if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept);
  if (typeof o.valueString === 'string') return o.valueString;
  if (typeof o.valueInteger === 'number') return formatNumber(o.valueInteger, locale, 0);
  if (typeof o.valueBoolean === 'boolean') return String(o.valueBoolean);
  const comps = (o.component ?? []).filter((c) => c.valueQuantity);
  const sys = comps.find((c) => hasLoinc(c.code, '8480-6'))?.valueQuantity;
  const dia = comps.find((c) => hasLoinc(c.code, '8462-4'))?.valueQuantity;
  if (typeof sys?.value === 'number' && typeof dia?.value === 'number') {
    // Blood pressure reads "systolic/diastolic unit", whatever order the components come in.
    const unit = unitText(sys);
    return `${formatNumber(sys.value, locale, 0)}/${formatNumber(dia.value, locale, 0)}${unit ? ` ${unit}` : ''}`;
  }
  return comps.map((c) => `${conceptText(c.code)}: ${formatQuantity(c.valueQuantity, locale)}`).join(', ');
}

export const LOINC = 'http://loinc.org';

/** True when the concept carries the LOINC code (a coding without a system counts too). */
export function hasLoinc(cc: CodeableConcept | undefined, code: string): boolean {
  return (cc?.coding ?? []).some((c) => c.code === code && (c.system === undefined || c.system === LOINC));
}
