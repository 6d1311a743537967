/**
 * From the record, not re-keyed: turns a patient's FHIR resources into the risk engines'
 * inputs, each with the resource it came from, how old it is and whether it is stale, and
 * says what the applicable models still need. Pure: resources and the date in, values out;
 * the service does the loading. The FHIR Bundle batch reader uses the same rules.
 *
 * Rules, each with its source or stated as WellAge policy:
 * - Lipids: the latest date on which both total (LOINC 2093-3) and HDL (2085-9) cholesterol
 *   were measured; without such a date, the latest of each. Units as recorded (UCUM mg/dL or
 *   mmol/L); any other unit is kept as recorded, and the engines refuse it (never guessed).
 * - Systolic BP: the mean of the most recent (up to 3) readings within 2 years (LOINC 8480-6
 *   alone or as a component, e.g. of the 85354-9 panel). Averaging several readings follows
 *   the 2017 ACC/AHA hypertension guideline (Whelton PK et al., Hypertension 2018;71:e13),
 *   which bases estimates on an average of >= 2 readings on >= 2 occasions. With none in 2
 *   years, the latest older reading is used and flagged stale.
 * - Smoking: the latest 72166-2 answer, read against the US Core smoking status value set
 *   (SNOMED CT; US Core 3.1.1, http://hl7.org/fhir/us/core/STU3.1.1/ValueSet-us-core-smoking-status-observation-codes.html).
 * - Diabetes: an active, not refuted Condition coded diabetes (SNOMED CT 73211009 and the
 *   type 1 / type 2 children 46635009 and 44054006; ICD-10 E10-E14), or a latest HbA1c
 *   >= 6.5% (48 mmol/mol), the ADA diagnostic threshold (American Diabetes Association,
 *   Standards of Care in Diabetes-2024, section 2, Diabetes Care 2024;47(Suppl 1):S20, which
 *   asks for a confirming test). Gestational diabetes (11687002) does not count. Wider
 *   SNOMED subsumption needs a terminology server and is not attempted.
 * - Statin / BP treated: an active MedicationStatement or MedicationRequest in the classes of
 *   medication-classes.ts. None on the list reads as "no", marked as a default.
 * - eGFR (33914-3, 62238-1, 98979-8), BMI (39156-5), HbA1c (4548-4, 17856-6), UACR (9318-7,
 *   14959-1): the latest value.
 * - Region: the clinic's country through the ESC 2021 table (regions.ts).
 * - Race (PCE only) is never read from the record and never guessed: it is always asked.
 */
import type {
  Condition,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Quantity as FhirQuantity,
} from '@medplum/fhirtypes';
import { PLAUSIBLE } from './inputs.ts';
import { classOfCoding, type MedicationClass } from './medication-classes.ts';
import { regionForCountry } from './regions.ts';
import type { CholesterolUnit, ModelId, Quantity, Qrisk3Extras, Qrisk3Smoking, RiskInput, RiskRegion } from './types.ts';
import { LOINC_SYSTEM, SNOMED_SYSTEM } from '../platform/fhir/systems.ts';

export { LOINC_SYSTEM, SNOMED_SYSTEM };

const ICD10_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm']);

/** The inputs a clinician sees and may override (the API contract's InputField). */
export const INPUT_FIELDS = [
  'sex', 'age', 'race', 'region', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'bpTreated',
  'smoker', 'diabetes', 'statin', 'egfr', 'bmi', 'hba1c', 'uacr',
] as const;
export type InputField = (typeof INPUT_FIELDS)[number];

export function isInputField(s: string): s is InputField {
  return (INPUT_FIELDS as readonly string[]).includes(s);
}

/** Where an input came from. */
export interface Source {
  readonly kind: 'observation' | 'condition' | 'medication' | 'patient' | 'clinic' | 'entered' | 'default';
  readonly resourceType?: string;
  readonly resourceId?: string;
  /** ISO date (or date-time) of the clinical time. */
  readonly date?: string;
  /** How old at asOf, in days. */
  readonly ageDays?: number;
  /** In words, e.g. "Total cholesterol 212 mg/dL, 2026-08-12 (LOINC 2093-3)". */
  readonly display: string;
  /** Older than the freshness rule for that input. */
  readonly stale?: boolean;
}

export interface AssembledInput {
  readonly value: number | boolean | string;
  readonly unit?: string;
  readonly source: Source;
}

export type AssembledInputs = Partial<Record<InputField, AssembledInput>>;

/** One patient's resources, as loaded by the service (or found in a batch Bundle). */
export interface PatientRecord {
  readonly patient: Patient;
  readonly observations?: readonly Observation[];
  readonly conditions?: readonly Condition[];
  readonly medicationStatements?: readonly MedicationStatement[];
  readonly medicationRequests?: readonly MedicationRequest[];
}

export interface AssembleOptions {
  /** The date the inputs are assembled for; later resources are ignored. */
  readonly asOf: Date;
  /** The clinic's country (ISO 3166-1 alpha-2), for the SCORE2 region. */
  readonly country?: string | null | undefined;
}

export interface AssembledRecord {
  readonly asOf: string;
  readonly inputs: AssembledInputs;
  /** Every resource each input came from (`Type/id`), for RiskAssessment.basis. */
  readonly basis: Partial<Record<InputField, readonly string[]>>;
  /** What the engines use besides the InputFields: LDL (statin what-if) and QRISK3 extras. */
  readonly ldlCholesterol?: Quantity<CholesterolUnit> & { readonly ref: string };
  readonly qrisk3: Qrisk3Extras;
}

/** Freshness rules: an input older than this is flagged stale (still used; the UI shows it). */
export const FRESHNESS: Readonly<Partial<Record<InputField, { readonly days: number; readonly rule: string; readonly source: string }>>> = {
  totalCholesterol: {
    days: 5 * 365,
    rule: 'older than 5 years',
    source: 'WellAge policy, inside the 4-6 year interval for reassessing risk factors in the 2018 AHA/ACC cholesterol guideline (Grundy SM et al., Circulation 2019;139:e1082)',
  },
  hdlCholesterol: {
    days: 5 * 365,
    rule: 'older than 5 years',
    source: 'WellAge policy, inside the 4-6 year interval for reassessing risk factors in the 2018 AHA/ACC cholesterol guideline (Grundy SM et al., Circulation 2019;139:e1082)',
  },
  systolicBp: {
    days: 2 * 365,
    rule: 'older than 2 years',
    source: 'WellAge policy; USPSTF 2021 (JAMA 2021;325:1650) advises yearly screening from age 40',
  },
  smoker: { days: 2 * 365, rule: 'older than 2 years', source: 'WellAge policy' },
  bmi: { days: 2 * 365, rule: 'older than 2 years', source: 'WellAge policy' },
  egfr: {
    days: 365,
    rule: 'older than 1 year',
    source: 'WellAge policy; KDIGO 2012 CKD guideline: eGFR at least yearly in people with CKD',
  },
  uacr: {
    days: 365,
    rule: 'older than 1 year',
    source: 'WellAge policy; KDIGO 2012 CKD guideline: albuminuria at least yearly in people with CKD',
  },
  hba1c: {
    days: 365,
    rule: 'older than 1 year',
    source: 'WellAge policy; ADA Standards of Care 2024 (section 6): HbA1c at least twice a year',
  },
};

/** SBP readings averaged: within this window, at most this many. */
const BP_WINDOW_DAYS = 2 * 365;
const BP_READINGS = 3;
/**
 * QRISK3 uses the standard deviation of repeated SBP readings (Hippisley-Cox J et al., BMJ
 * 2017;357:j2099: at least two readings). The 5-year window and the cap of 10 readings are
 * WellAge's choice.
 */
const SBP_SD_WINDOW_DAYS = 5 * 365;
const SBP_SD_READINGS = 10;

/** ADA 2024 diagnostic threshold (see the file comment). */
export const HBA1C_DIABETES = { percent: 6.5, mmolPerMol: 48 } as const;

const LOINC = {
  totalCholesterol: ['2093-3'],
  hdlCholesterol: ['2085-9'],
  ldlCholesterol: ['18262-6', '13457-7'],
  systolic: ['8480-6'],
  smoking: ['72166-2'],
  egfr: ['33914-3', '62238-1', '98979-8'],
  bmi: ['39156-5'],
  hba1c: ['4548-4', '17856-6'],
  uacr: ['9318-7', '14959-1'],
} as const;

/** Every LOINC code this module reads (the service searches for exactly these). */
export const RISK_LOINC_CODES: readonly string[] = [...new Set<string>([...Object.values(LOINC).flat(), '85354-9'])];

/** US Core smoking status answers (SNOMED CT) and what they mean for the models. */
export const SMOKING_ANSWERS: Readonly<Record<string, { current: boolean; qrisk3?: Qrisk3Smoking; label: string }>> = {
  '449868002': { current: true, label: 'smokes tobacco daily' },
  '428041000124106': { current: true, qrisk3: 'light', label: 'occasional tobacco smoker' },
  '77176002': { current: true, label: 'smoker' },
  '428071000124103': { current: true, qrisk3: 'heavy', label: 'heavy tobacco smoker' },
  '428061000124105': { current: true, qrisk3: 'light', label: 'light tobacco smoker' },
  '65568007': { current: true, label: 'cigarette smoker' },
  '8517006': { current: false, qrisk3: 'ex', label: 'ex-smoker' },
  '266919005': { current: false, qrisk3: 'never', label: 'never smoked tobacco' },
  '405746006': { current: false, label: 'current non-smoker, past smoking unknown' },
  // 266927001 "tobacco smoking consumption unknown" is deliberately absent: it answers nothing.
};

const DIABETES_SNOMED: Readonly<Record<string, 'type1' | 'type2' | undefined>> = {
  '73211009': undefined,
  '46635009': 'type1',
  '44054006': 'type2',
};

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------
// Small readers

function isoDay(iso: string): string {
  return iso.slice(0, 10);
}

function ageDaysOf(date: string, asOf: Date): number {
  return Math.max(0, Math.floor((asOf.getTime() - Date.parse(date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date)) / DAY_MS));
}

/** The clinical time of an Observation: effective[x] (a period's end), else issued. */
export function observationDate(o: Observation): string | undefined {
  return o.effectiveDateTime ?? o.effectiveInstant ?? o.effectivePeriod?.end ?? o.effectivePeriod?.start ?? o.issued;
}

const USABLE_STATUS = new Set(['final', 'amended', 'corrected']);

function hasLoinc(codings: readonly { system?: string; code?: string }[] | undefined, codes: readonly string[]): boolean {
  return (codings ?? []).some((c) => c.system === LOINC_SYSTEM && c.code !== undefined && codes.includes(c.code));
}

function fmtNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
}

/** UCUM (or the unit text) as the engines spell it. Unknown units are returned as recorded. */
export function engineUnit(q: FhirQuantity): string {
  const u = (q.code ?? q.unit ?? '').trim();
  switch (u) {
    case 'mm[Hg]':
    case 'mmHg':
      return 'mmHg';
    case 'mL/min/{1.73_m2}':
    case 'mL/min/1.73m2':
    case 'mL/min/{1.73m2}':
    case 'mL/min/1.73.m2':
      return 'mL/min/1.73m2';
    case 'kg/m2':
    case 'kg/m^2':
      return 'kg/m2';
    case 'mg/g':
    case 'mg/g{creat}':
      return 'mg/g';
    case 'mg/mmol':
    case 'mg/mmol{creat}':
      return 'mg/mmol';
    default:
      return u; // mg/dL, mmol/L, %, mmol/mol pass through; anything else is refused downstream
  }
}

interface Reading {
  readonly id: string;
  readonly date: string;
  readonly time: number;
  readonly value: number;
  readonly unit: string;
  readonly code: string;
}

/** Usable observations dated on or before asOf, newest first, with a numeric value for `codes`. */
function readings(observations: readonly Observation[], codes: readonly string[], asOf: Date): Reading[] {
  const out: Reading[] = [];
  for (const o of observations) {
    if (!USABLE_STATUS.has(o.status)) continue;
    const date = observationDate(o);
    if (!date || !o.id) continue;
    const time = Date.parse(date);
    if (!Number.isFinite(time) || time > asOf.getTime()) continue;
    if (hasLoinc(o.code?.coding, codes) && typeof o.valueQuantity?.value === 'number') {
      const code = o.code.coding?.find((c) => c.system === LOINC_SYSTEM && c.code && codes.includes(c.code))?.code as string;
      out.push({ id: o.id, date, time, value: o.valueQuantity.value, unit: engineUnit(o.valueQuantity), code });
      continue;
    }
    // A component carrying the code (e.g. systolic BP inside the 85354-9 panel).
    for (const comp of o.component ?? []) {
      if (hasLoinc(comp.code?.coding, codes) && typeof comp.valueQuantity?.value === 'number') {
        const code = comp.code.coding?.find((c) => c.system === LOINC_SYSTEM && c.code && codes.includes(c.code))?.code as string;
        out.push({ id: o.id, date, time, value: comp.valueQuantity.value, unit: engineUnit(comp.valueQuantity), code });
        break;
      }
    }
  }
  return out.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1));
}

function staleFor(field: InputField, ageDays: number): boolean {
  const rule = FRESHNESS[field];
  return rule !== undefined && ageDays > rule.days;
}

function staleNote(field: InputField, stale: boolean): string {
  return stale ? ` (stale: ${FRESHNESS[field]?.rule})` : '';
}

function fromReading(field: InputField, label: string, r: Reading, asOf: Date): AssembledInput {
  const ageDays = ageDaysOf(r.date, asOf);
  const stale = staleFor(field, ageDays);
  return {
    value: r.value,
    unit: r.unit,
    source: {
      kind: 'observation',
      resourceType: 'Observation',
      resourceId: r.id,
      date: r.date,
      ageDays,
      display: `${label} ${fmtNumber(r.value)} ${r.unit}, ${isoDay(r.date)} (LOINC ${r.code})${staleNote(field, stale)}`,
      stale,
    },
  };
}

/** Whole years between an ISO birth date (possibly partial) and asOf. */
export function ageAt(birthDate: string, asOf: Date): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate.trim());
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) : 1;
  const d = m[3] ? Number(m[3]) : 1;
  let age = asOf.getUTCFullYear() - y;
  const beforeBirthday = asOf.getUTCMonth() + 1 < mo || (asOf.getUTCMonth() + 1 === mo && asOf.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age >= 0 ? age : undefined;
}

function activeCondition(c: Condition, asOf: Date): boolean {
  const clinical = c.clinicalStatus?.coding?.map((x) => x.code) ?? [];
  if (!clinical.some((s) => s === 'active' || s === 'recurrence' || s === 'relapse')) return false;
  const verification = c.verificationStatus?.coding?.map((x) => x.code) ?? [];
  if (verification.some((s) => s === 'refuted' || s === 'entered-in-error')) return false;
  const onset = c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate;
  return !onset || Date.parse(onset) <= asOf.getTime();
}

function diabetesOf(c: Condition): { matched: string; type: 'type1' | 'type2' | undefined } | undefined {
  for (const coding of c.code?.coding ?? []) {
    const code = coding.code?.trim();
    if (!code) continue;
    if (coding.system === SNOMED_SYSTEM && code in DIABETES_SNOMED) return { matched: `SNOMED CT ${code}`, type: DIABETES_SNOMED[code] };
    if (coding.system && ICD10_SYSTEMS.has(coding.system) && /^E1[0-4]/i.test(code)) {
      return { matched: `ICD-10 ${code}`, type: /^E10/i.test(code) ? 'type1' : /^E11/i.test(code) ? 'type2' : undefined };
    }
  }
  return undefined;
}

type MedResource = MedicationStatement | MedicationRequest;

function medicationCodings(m: MedResource): { system?: string; code?: string; display?: string }[] {
  const direct = m.medicationCodeableConcept?.coding ?? [];
  const ref = m.medicationReference?.reference;
  if (!ref?.startsWith('#')) return direct;
  const contained = (m.contained ?? []).find((r) => r.resourceType === 'Medication' && r.id === ref.slice(1)) as Medication | undefined;
  if (!contained) return direct;
  return [...direct, ...(contained.code?.coding ?? []), ...(contained.ingredient ?? []).flatMap((i) => i.itemCodeableConcept?.coding ?? [])];
}

function activeMedication(m: MedResource, asOf: Date): boolean {
  if (m.resourceType === 'MedicationStatement') {
    if (m.status !== 'active') return false;
    const start = m.effectivePeriod?.start ?? m.effectiveDateTime;
    const end = m.effectivePeriod?.end;
    if (start && Date.parse(start) > asOf.getTime()) return false;
    if (end && Date.parse(end) < asOf.getTime()) return false;
    return true;
  }
  if (m.status !== 'active') return false;
  const authored = m.authoredOn;
  return !authored || Date.parse(authored) <= asOf.getTime();
}

function medicationInput(meds: readonly MedResource[], cls: MedicationClass, asOf: Date, noun: string): { input: AssembledInput; refs: string[] } {
  const found: { m: MedResource; name: string }[] = [];
  for (const m of meds) {
    if (!m.id || !activeMedication(m, asOf)) continue;
    const hit = medicationCodings(m).find((c) => classOfCoding(c) === cls);
    if (hit) found.push({ m, name: m.medicationCodeableConcept?.text ?? hit.display ?? `RxNorm ${hit.code}` });
  }
  if (found.length === 0) {
    return {
      input: { value: false, source: { kind: 'default', display: `No active ${noun} on the medication list` } },
      refs: [],
    };
  }
  const first = found[0] as { m: MedResource; name: string };
  const date = first.m.resourceType === 'MedicationStatement' ? (first.m.effectivePeriod?.start ?? first.m.effectiveDateTime ?? first.m.dateAsserted) : first.m.authoredOn;
  return {
    input: {
      value: true,
      source: {
        kind: 'medication',
        resourceType: first.m.resourceType,
        resourceId: first.m.id as string,
        ...(date ? { date, ageDays: ageDaysOf(date, asOf) } : {}),
        display: `${found.map((f) => f.name).join(', ')} (active ${first.m.resourceType}${date ? ` since ${isoDay(date)}` : ''})`,
      },
    },
    refs: found.map((f) => `${f.m.resourceType}/${f.m.id}`),
  };
}

function sampleSd(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

// ---------------------------------------------------------------------------------------
// Assembly

/** Assembles every input the record supports, as of `asOf`. Never throws for clinical reasons. */
export function assembleInputs(record: PatientRecord, options: AssembleOptions): AssembledRecord {
  const { asOf } = options;
  const observations = record.observations ?? [];
  const inputs: AssembledInputs = {};
  const basis: Partial<Record<InputField, string[]>> = {};
  const qrisk3: { -readonly [K in keyof Qrisk3Extras]: Qrisk3Extras[K] } = {};
  const patient = record.patient;
  const patientRef = patient.id ? { resourceType: 'Patient', resourceId: patient.id } : {};

  if (patient.gender === 'female' || patient.gender === 'male') {
    inputs.sex = { value: patient.gender, source: { kind: 'patient', ...patientRef, display: `Patient.gender: ${patient.gender}` } };
  }
  if (patient.birthDate) {
    const age = ageAt(patient.birthDate, asOf);
    if (age !== undefined) {
      inputs.age = {
        value: age,
        unit: 'years',
        source: { kind: 'patient', ...patientRef, date: patient.birthDate, display: `Born ${patient.birthDate}: ${age} years on ${isoDay(asOf.toISOString())}` },
      };
    }
  }

  const country = options.country?.trim();
  if (country) {
    const region = regionForCountry(country);
    if (region) {
      inputs.region = { value: region, source: { kind: 'clinic', display: `Clinic country ${country.toUpperCase()}: ESC 2021 ${region} risk region` } };
    }
  }

  // Lipids: the latest date with both values, else the latest of each.
  const tc = readings(observations, LOINC.totalCholesterol, asOf);
  const hdl = readings(observations, LOINC.hdlCholesterol, asOf);
  const hdlByDay = new Map<string, Reading>();
  for (const r of hdl) if (!hdlByDay.has(isoDay(r.date))) hdlByDay.set(isoDay(r.date), r);
  const pairTc = tc.find((r) => hdlByDay.has(isoDay(r.date)));
  const tcPick = pairTc ?? tc[0];
  const hdlPick = pairTc ? hdlByDay.get(isoDay(pairTc.date)) : hdl[0];
  if (tcPick) {
    inputs.totalCholesterol = fromReading('totalCholesterol', 'Total cholesterol', tcPick, asOf);
    basis.totalCholesterol = [`Observation/${tcPick.id}`];
  }
  if (hdlPick) {
    inputs.hdlCholesterol = fromReading('hdlCholesterol', 'HDL cholesterol', hdlPick, asOf);
    basis.hdlCholesterol = [`Observation/${hdlPick.id}`];
  }
  const ldl = readings(observations, LOINC.ldlCholesterol, asOf);
  const ldlPick = (tcPick && ldl.find((r) => isoDay(r.date) === isoDay(tcPick.date))) ?? ldl[0];
  const ldlCholesterol =
    ldlPick && (ldlPick.unit === 'mg/dL' || ldlPick.unit === 'mmol/L')
      ? { value: ldlPick.value, unit: ldlPick.unit as CholesterolUnit, ref: `Observation/${ldlPick.id}` }
      : undefined;

  // Systolic BP: mean of the latest up-to-3 readings within 2 years.
  const sbp = readings(observations, LOINC.systolic, asOf).filter((r) => r.unit === 'mmHg');
  if (sbp.length > 0) {
    const recent = sbp.filter((r) => ageDaysOf(r.date, asOf) <= BP_WINDOW_DAYS).slice(0, BP_READINGS);
    const used = recent.length > 0 ? recent : [sbp[0] as Reading];
    const latest = used[0] as Reading;
    const mean = used.reduce((s, r) => s + r.value, 0) / used.length;
    const value = Math.round(mean * 10) / 10;
    const ageDays = ageDaysOf(latest.date, asOf);
    const stale = recent.length === 0;
    const oldest = used[used.length - 1] as Reading;
    const when = used.length === 1 ? isoDay(latest.date) : `mean of ${used.length} readings ${isoDay(oldest.date)} to ${isoDay(latest.date)}`;
    inputs.systolicBp = {
      value,
      unit: 'mmHg',
      source: {
        kind: 'observation',
        resourceType: 'Observation',
        resourceId: latest.id,
        date: latest.date,
        ageDays,
        display: `Systolic BP ${fmtNumber(value)} mmHg, ${when} (LOINC 8480-6)${staleNote('systolicBp', stale)}`,
        stale,
      },
    };
    basis.systolicBp = used.map((r) => `Observation/${r.id}`);
    const sdReadings = sbp.filter((r) => ageDaysOf(r.date, asOf) <= SBP_SD_WINDOW_DAYS).slice(0, SBP_SD_READINGS);
    if (sdReadings.length >= 2) qrisk3.sbpStandardDeviation = { value: sampleSd(sdReadings.map((r) => r.value)), unit: 'mmHg' };
  }

  // Smoking: the latest answered 72166-2.
  const smoking = observations
    .filter((o) => USABLE_STATUS.has(o.status) && o.id && hasLoinc(o.code?.coding, LOINC.smoking))
    .map((o) => {
      const date = observationDate(o);
      const coding = o.valueCodeableConcept?.coding?.find((c) => c.system === SNOMED_SYSTEM && c.code !== undefined && c.code in SMOKING_ANSWERS);
      return { o, date, time: date ? Date.parse(date) : NaN, coding };
    })
    .filter((x) => x.coding && x.date && Number.isFinite(x.time) && x.time <= asOf.getTime())
    .sort((a, b) => b.time - a.time)[0];
  if (smoking?.coding?.code && smoking.date) {
    const answer = SMOKING_ANSWERS[smoking.coding.code] as (typeof SMOKING_ANSWERS)[string];
    const ageDays = ageDaysOf(smoking.date, asOf);
    const stale = staleFor('smoker', ageDays);
    inputs.smoker = {
      value: answer.current,
      source: {
        kind: 'observation',
        resourceType: 'Observation',
        resourceId: smoking.o.id as string,
        date: smoking.date,
        ageDays,
        display: `Smoking status: ${answer.label}, ${isoDay(smoking.date)} (LOINC 72166-2, SNOMED CT ${smoking.coding.code})${staleNote('smoker', stale)}`,
        stale,
      },
    };
    basis.smoker = [`Observation/${smoking.o.id}`];
    if (answer.qrisk3) qrisk3.smoking = answer.qrisk3;
  }

  // Latest single values.
  const latest = (field: InputField, codes: readonly string[], label: string): Reading | undefined => {
    const r = readings(observations, codes, asOf)[0];
    if (!r) return undefined;
    inputs[field] = fromReading(field, label, r, asOf);
    basis[field] = [`Observation/${r.id}`];
    return r;
  };
  latest('egfr', LOINC.egfr, 'eGFR');
  latest('bmi', LOINC.bmi, 'BMI');
  latest('uacr', LOINC.uacr, 'Urine albumin/creatinine');
  const a1c = latest('hba1c', LOINC.hba1c, 'HbA1c');

  // Diabetes: an active diagnosis, else HbA1c at or above the ADA threshold, else no.
  const diagnosis = (record.conditions ?? [])
    .filter((c) => c.id && activeCondition(c, asOf))
    .map((c) => ({ c, hit: diabetesOf(c) }))
    .find((x) => x.hit);
  const a1cDiabetic = a1c && ((a1c.unit === '%' && a1c.value >= HBA1C_DIABETES.percent) || (a1c.unit === 'mmol/mol' && a1c.value >= HBA1C_DIABETES.mmolPerMol));
  if (diagnosis?.hit) {
    const date = diagnosis.c.onsetDateTime ?? diagnosis.c.recordedDate;
    inputs.diabetes = {
      value: true,
      source: {
        kind: 'condition',
        resourceType: 'Condition',
        resourceId: diagnosis.c.id as string,
        ...(date ? { date, ageDays: ageDaysOf(date, asOf) } : {}),
        display: `${diagnosis.c.code?.text ?? 'Diabetes'} (active Condition, ${diagnosis.hit.matched}${date ? `, since ${isoDay(date)}` : ''})`,
      },
    };
    basis.diabetes = [`Condition/${diagnosis.c.id}`];
    qrisk3.diabetesType = diagnosis.hit.type;
  } else if (a1c && a1cDiabetic) {
    const from = inputs.hba1c?.source as Source;
    inputs.diabetes = {
      value: true,
      source: {
        ...from,
        display: `HbA1c ${fmtNumber(a1c.value)} ${a1c.unit} on ${isoDay(a1c.date)} is at or above the ADA threshold (6.5% / 48 mmol/mol); confirm with a repeat test`,
      },
    };
    basis.diabetes = [`Observation/${a1c.id}`];
  } else {
    inputs.diabetes = {
      value: false,
      source: {
        kind: 'default',
        display: a1c
          ? `No active diabetes diagnosis; latest HbA1c ${fmtNumber(a1c.value)} ${a1c.unit} (${isoDay(a1c.date)}) is below the ADA threshold`
          : 'No active diabetes diagnosis and no HbA1c on record',
      },
    };
    qrisk3.diabetesType = 'none';
  }

  const meds: MedResource[] = [...(record.medicationStatements ?? []), ...(record.medicationRequests ?? [])];
  const bp = medicationInput(meds, 'antihypertensive', asOf, 'blood-pressure-lowering medication');
  inputs.bpTreated = bp.input;
  if (bp.refs.length) basis.bpTreated = bp.refs;
  const statin = medicationInput(meds, 'statin', asOf, 'statin');
  inputs.statin = statin.input;
  if (statin.refs.length) basis.statin = statin.refs;

  return { asOf: asOf.toISOString(), inputs, basis, ...(ldlCholesterol ? { ldlCholesterol } : {}), qrisk3 };
}

// ---------------------------------------------------------------------------------------
// What the models need

/** The inputs each model needs (mirrors the engines' own MISSING_INPUT checks). */
export const MODEL_NEEDS: Readonly<Record<ModelId, readonly InputField[]>> = {
  pce: ['sex', 'age', 'race', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'bpTreated', 'smoker', 'diabetes'],
  prevent: ['sex', 'age', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'bpTreated', 'smoker', 'diabetes', 'statin', 'egfr', 'bmi'],
  score2: ['sex', 'age', 'region', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'smoker', 'diabetes'],
  'score2-op': ['sex', 'age', 'region', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'smoker', 'diabetes'],
  framingham: ['sex', 'age', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'bpTreated', 'smoker', 'diabetes'],
  'framingham-bmi': ['sex', 'age', 'bmi', 'systolicBp', 'bpTreated', 'smoker', 'diabetes'],
  qrisk3: ['sex', 'age', 'totalCholesterol', 'hdlCholesterol', 'systolicBp', 'bpTreated', 'smoker', 'diabetes', 'bmi'],
};

/** Each model's validated age range (see src/risk/README.md), for deciding what applies. */
export const MODEL_AGES: Readonly<Record<ModelId, { readonly min: number; readonly max: number }>> = {
  pce: { min: 40, max: 79 },
  prevent: { min: 30, max: 79 },
  score2: { min: 40, max: 69 },
  'score2-op': { min: 70, max: 89 },
  framingham: { min: 30, max: 74 },
  'framingham-bmi': { min: 30, max: 74 },
  qrisk3: { min: 25, max: 84 },
};

/**
 * The models that apply to a patient of this age: those whose validated range holds the age
 * (all of them when the age is unknown, or when the caller allows extrapolation).
 */
export function applicableModels(models: readonly ModelId[], age: number | undefined, allowExtrapolation = false): ModelId[] {
  if (age === undefined || allowExtrapolation) return [...models];
  return models.filter((m) => age >= MODEL_AGES[m].min && age <= MODEL_AGES[m].max);
}

/** What the applicable models need and the inputs lack, in INPUT_FIELDS order. */
export function missingInputs(inputs: AssembledInputs, models: readonly ModelId[], allowExtrapolation = false): InputField[] {
  const age = typeof inputs.age?.value === 'number' ? inputs.age.value : undefined;
  const needed = new Set(applicableModels(models, age, allowExtrapolation).flatMap((m) => MODEL_NEEDS[m]));
  return INPUT_FIELDS.filter((f) => needed.has(f) && inputs[f] === undefined);
}

// ---------------------------------------------------------------------------------------
// Overrides

/** A clinician's value for one input, as the API takes it. */
export type OverrideValue = number | boolean | string | { readonly value: number; readonly unit: string };

/** An override that cannot be used; `field` is the InputField (the service prefixes `overrides.`). */
export class OverrideError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'OverrideError';
  }
}

type QuantitySpec = { readonly units: Readonly<Record<string, { min: number; max: number; unit: string }>>; readonly bareUnit?: string };

const QUANTITY_FIELDS: Readonly<Partial<Record<InputField, QuantitySpec>>> = {
  age: { units: { years: PLAUSIBLE.age }, bareUnit: 'years' },
  totalCholesterol: { units: PLAUSIBLE.totalCholesterol },
  hdlCholesterol: { units: PLAUSIBLE.hdlCholesterol },
  systolicBp: { units: { mmHg: PLAUSIBLE.systolicBp }, bareUnit: 'mmHg' },
  egfr: { units: { 'mL/min/1.73m2': PLAUSIBLE.egfr }, bareUnit: 'mL/min/1.73m2' },
  bmi: { units: { 'kg/m2': PLAUSIBLE.bmi }, bareUnit: 'kg/m2' },
  hba1c: { units: PLAUSIBLE.hba1c },
  uacr: { units: PLAUSIBLE.uacr },
};

const CHOICE_FIELDS: Readonly<Partial<Record<InputField, readonly string[]>>> = {
  sex: ['female', 'male'],
  race: ['white', 'black', 'other'],
  region: ['low', 'moderate', 'high', 'very-high'],
};

const BOOLEAN_FIELDS: ReadonlySet<InputField> = new Set(['bpTreated', 'smoker', 'diabetes', 'statin']);

/** Checks one override and returns it as { value, unit }; throws OverrideError naming the field. */
export function parseOverride(field: string, raw: unknown): { value: number | boolean | string; unit?: string } {
  if (!isInputField(field)) throw new OverrideError(field, `'${field.slice(0, 40)}' is not an input; use one of ${INPUT_FIELDS.join(', ')}`);
  const choices = CHOICE_FIELDS[field];
  if (choices) {
    if (typeof raw !== 'string' || !choices.includes(raw)) throw new OverrideError(field, `must be one of ${choices.join(', ')}`);
    return { value: raw };
  }
  if (BOOLEAN_FIELDS.has(field)) {
    if (typeof raw !== 'boolean') throw new OverrideError(field, 'must be true or false');
    return { value: raw };
  }
  const spec = QUANTITY_FIELDS[field] as QuantitySpec;
  const units = Object.keys(spec.units);
  let value: unknown;
  let unit: string;
  if (typeof raw === 'number') {
    if (!spec.bareUnit) throw new OverrideError(field, `give { value, unit } with unit ${units.join(' or ')}; units are never guessed`);
    value = raw;
    unit = spec.bareUnit;
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as { value?: unknown; unit?: unknown };
    value = o.value;
    if (typeof o.unit !== 'string' || !(o.unit in spec.units)) throw new OverrideError(field, `unit must be ${units.join(' or ')}`);
    unit = o.unit;
  } else {
    throw new OverrideError(field, spec.bareUnit ? `must be a number (${spec.bareUnit}) or { value, unit }` : `must be { value, unit } with unit ${units.join(' or ')}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OverrideError(field, 'value must be a finite number');
  const range = spec.units[unit] as { min: number; max: number; unit: string };
  if (value < range.min || value > range.max) {
    throw new OverrideError(field, `${fmtNumber(value)} ${unit} is not plausible (accepted ${range.min}-${range.max} ${unit}); check the value and its unit`);
  }
  if (field === 'age' && !Number.isInteger(value)) throw new OverrideError(field, 'must be whole years');
  return { value, unit };
}

/**
 * Replaces inputs with the clinician's values (source 'entered'); their basis is dropped.
 * Throws OverrideError for the first value that cannot be used.
 */
export function applyOverrides(record: AssembledRecord, overrides: Readonly<Record<string, unknown>> | undefined): AssembledRecord {
  if (!overrides) return record;
  const inputs: AssembledInputs = { ...record.inputs };
  const basis = { ...record.basis };
  const qrisk3 = { ...record.qrisk3 };
  for (const [field, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const parsed = parseOverride(field, raw);
    const f = field as InputField;
    const shown = `${typeof parsed.value === 'number' ? fmtNumber(parsed.value) : String(parsed.value)}${parsed.unit && f !== 'age' ? ` ${parsed.unit}` : ''}`;
    inputs[f] = {
      value: parsed.value,
      ...(parsed.unit ? { unit: parsed.unit } : {}),
      source: { kind: 'entered', display: `Entered by the clinician: ${shown}` },
    };
    delete basis[f];
    // A diabetes status entered by hand says nothing of its type; QRISK3 will ask.
    if (f === 'diabetes') qrisk3.diabetesType = parsed.value === false ? 'none' : undefined;
    if (f === 'smoker') qrisk3.smoking = parsed.value === false ? (record.qrisk3.smoking === 'ex' ? 'ex' : record.qrisk3.smoking === 'never' ? 'never' : undefined) : undefined;
  }
  return { ...record, inputs, basis, qrisk3 };
}

// ---------------------------------------------------------------------------------------
// To the engines

function quantityOf<U extends string>(i: AssembledInput | undefined): Quantity<U> | undefined {
  if (!i || typeof i.value !== 'number') return undefined;
  return { value: i.value, unit: (i.unit ?? '') as U };
}

function boolOf(i: AssembledInput | undefined): boolean | undefined {
  return typeof i?.value === 'boolean' ? i.value : undefined;
}

/**
 * The engines' input. Sex and age may be absent (a record without them): the engines refuse
 * with MISSING_INPUT naming the field, which is what the report should say.
 */
export function toRiskInput(record: AssembledRecord): RiskInput {
  const i = record.inputs;
  const qrisk3 = Object.fromEntries(Object.entries(record.qrisk3).filter(([, v]) => v !== undefined)) as Qrisk3Extras;
  const input = {
    sex: i.sex?.value,
    age: i.age?.value,
    race: i.race?.value,
    region: i.region?.value as RiskRegion | undefined,
    totalCholesterol: quantityOf<CholesterolUnit>(i.totalCholesterol),
    hdlCholesterol: quantityOf<CholesterolUnit>(i.hdlCholesterol),
    ldlCholesterol: record.ldlCholesterol ? { value: record.ldlCholesterol.value, unit: record.ldlCholesterol.unit } : undefined,
    systolicBp: quantityOf<'mmHg'>(i.systolicBp),
    bpTreated: boolOf(i.bpTreated),
    smoker: boolOf(i.smoker),
    diabetes: boolOf(i.diabetes),
    statin: boolOf(i.statin),
    egfr: quantityOf<'mL/min/1.73m2'>(i.egfr),
    bmi: quantityOf<'kg/m2'>(i.bmi),
    hba1c: quantityOf<'%' | 'mmol/mol'>(i.hba1c),
    uacr: quantityOf<'mg/g' | 'mg/mmol'>(i.uacr),
    qrisk3,
  };
  // Drop absent keys so the canonical input (and its hash) holds only what was used.
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as unknown as RiskInput;
}

/** Every resource the inputs came from, deduplicated (`Type/id`), for RiskAssessment.basis. */
export function basisOf(record: AssembledRecord): string[] {
  const refs = new Set<string>();
  for (const list of Object.values(record.basis)) for (const r of list ?? []) refs.add(r);
  if (record.ldlCholesterol) refs.add(record.ldlCholesterol.ref);
  return [...refs];
}
