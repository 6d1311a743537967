/**
 * The synthetic demo population: a pure, deterministic generator of FHIR R4 transaction
 * Bundles for one clinic. No I/O, no clock, no Math.random: the seed, the reference date
 * and the options decide every byte, so the demo is the same on every machine.
 *
 * The people are fictional. Their clinical picture is meant to look like an aesthetic and
 * well-aging clinic's patients: mostly women, mostly 25–80, with the cardiometabolic
 * conditions later risk models need (lipids, blood pressure over time, statins,
 * antihypertensives, smoking, diabetes, kidney function, BMI) and the skin conditions,
 * allergies, goals and procedures the aesthetic capabilities need.
 *
 * Prevalences and value ranges are ILLUSTRATIVE: of the order of published European
 * figures (cited where used) but enriched so that a 30-patient clinic shows every feature.
 * They are not epidemiology and must never feed a model.
 */
import type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Coding,
  Condition,
  Consent,
  FamilyMemberHistory,
  Goal,
  HumanName,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Organization,
  Patient,
  Practitioner,
  Procedure,
  Quantity,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { invalidField } from '../errors.ts';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../consent/purposes.ts';
import { buildConsent } from '../consent/consent.ts';
import { createRng, hashString, uuidFrom, type Rng } from './prng.ts';
import {
  ALLERGEN,
  BODY_SITE,
  CONDITION,
  CONDITION_TEXT,
  FITZPATRICK_SYSTEM,
  GOALS,
  GOAL_SYSTEM,
  LOINC,
  PREGNANCY,
  PROCEDURE,
  REACTION,
  RXNORM,
  SMOKING,
  SYNTHETIC_TAG,
  SYSTEM,
  type FitzpatrickType,
  type GoalCode,
} from './codes.ts';
import { ENGLISH_NAMES, LONDON, MADRID, OTHER_NAMES, SPANISH_NAMES, type NamePool } from './names.ts';

export type SeedLocale = 'es' | 'en';

export interface PopulationOptions {
  /** Any integer or text; the same seed gives byte-identical bundles. */
  readonly seed: number | string;
  /** The tenant the bundles are for; also names the MRN system. */
  readonly clinicId: string;
  /** Number of patients, 1–500. */
  readonly count: number;
  /** "Today" for the demo: ages, visit dates and medication periods are counted back from it. */
  readonly referenceDate: Date;
  /** `es`: a Madrid clinic, mostly Spanish names; `en`: a London clinic, mostly English names. */
  readonly locale: SeedLocale;
  /** The Organization's name; defaults to a generic one for the city. */
  readonly clinicName?: string | undefined;
}

export type ConditionKey = keyof typeof CONDITION;
export type SmokingStatus = keyof typeof SMOKING;
export type AllergenKey = keyof typeof ALLERGEN;

/** A clinic staff member, so a loader can link user accounts to the Practitioner. */
export interface SyntheticPractitioner {
  readonly fullUrl: string;
  readonly kind: 'aesthetic-physician' | 'dermatologist' | 'general-practitioner' | 'nurse';
  /** The platform role a login for this person would have. */
  readonly userRole: 'clinician' | 'nurse';
  readonly given: string;
  readonly family: string;
  readonly displayName: string;
}

/** What a loader or test needs to know about a generated patient without parsing FHIR. */
export interface SyntheticPatientSummary {
  readonly fullUrl: string;
  readonly mrn: string;
  readonly displayName: string;
  readonly gender: 'female' | 'male';
  readonly birthDate: string;
  /** Whole years at the reference date. */
  readonly age: number;
  readonly conditions: readonly ConditionKey[];
  readonly smoking: SmokingStatus;
  readonly consents: Readonly<Partial<Record<ConsentPurpose, 'permit' | 'deny'>>>;
  readonly visits: number;
  readonly lipidPanels: number;
  readonly pregnant: boolean;
  readonly onIsotretinoin: boolean;
  readonly hasWearableData: boolean;
}

export interface ClinicPopulation {
  readonly clinicId: string;
  /** Organization and Practitioners; write it first (the patient bundles reference it). */
  readonly clinicBundle: Bundle;
  readonly organizationFullUrl: string;
  readonly practitioners: readonly SyntheticPractitioner[];
  /** One transaction Bundle per patient, in the same order as `patients`. */
  readonly patientBundles: readonly Bundle[];
  readonly patients: readonly SyntheticPatientSummary[];
}

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.25;
const MAX_PATIENTS = 500;
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Generates one clinic's synthetic population as FHIR R4 transaction Bundles (entries
 * POST with `urn:uuid:` fullUrls). Patient bundles point at the clinic bundle's
 * Organization and Practitioners by their `urn:uuid:`; write the clinic bundle first and
 * rewrite those references with `replaceReferences`.
 */
export function generateClinicPopulation(options: PopulationOptions): ClinicPopulation {
  const { seed, clinicId, count, referenceDate, locale } = options;
  if (typeof seed === 'number' ? !Number.isSafeInteger(seed) : typeof seed !== 'string' || seed === '') {
    throw invalidField('seed', 'must be an integer or a non-empty text');
  }
  if (typeof clinicId !== 'string' || !ID_PATTERN.test(clinicId)) {
    throw invalidField('clinicId', 'must be 1-64 letters, digits, "-" or "."');
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_PATIENTS) {
    throw invalidField('count', `must be a whole number from 1 to ${MAX_PATIENTS}`);
  }
  if (!(referenceDate instanceof Date) || Number.isNaN(referenceDate.getTime())) {
    throw invalidField('referenceDate', 'must be a valid date');
  }
  if (locale !== 'es' && locale !== 'en') throw invalidField('locale', 'must be "es" or "en"');

  const root = createRng(hashString(`${String(seed)}|${clinicId}|${locale}`));
  const ref = startOfDay(referenceDate.getTime());
  const city = locale === 'es' ? MADRID : LONDON;
  const clinicName = options.clinicName ?? (locale === 'es' ? 'Clínica de demostración (Madrid)' : 'Demo clinic (London)');

  const clinic = buildClinic(root.fork('clinic'), clinicId, clinicName, locale);
  const bands = ageBands(root.fork('ages'), count);
  const profiles: Profile[] = [];
  for (let i = 0; i < count; i++) {
    profiles.push(drawProfile(root.fork(`patient:${i}`), i, bands[i] as AgeBand, locale, ref));
  }
  ensureFeatures(root.fork('features'), profiles);

  const ctx: EmitContext = {
    clinicId,
    clinicName,
    locale,
    ref,
    city,
    organization: { reference: clinic.organizationFullUrl, display: clinicName },
    practitioners: clinic.practitioners,
  };
  const patientBundles: Bundle[] = [];
  const patients: SyntheticPatientSummary[] = [];
  for (const p of profiles) {
    const { bundle, summary } = emitPatient(p, ctx);
    patientBundles.push(bundle);
    patients.push(summary);
  }
  return {
    clinicId,
    clinicBundle: clinic.bundle,
    organizationFullUrl: clinic.organizationFullUrl,
    practitioners: clinic.practitioners,
    patientBundles,
    patients,
  };
}

/**
 * A copy of `bundle` with every `reference` found in `map` replaced (e.g. the clinic
 * bundle's `urn:uuid:` fullUrls by the server-assigned `Practitioner/123`).
 */
export function replaceReferences(bundle: Bundle, map: ReadonlyMap<string, string>): Bundle {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        out[k] = k === 'reference' && typeof x === 'string' && map.has(x) ? map.get(x) : walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(bundle) as Bundle;
}

// ---------------------------------------------------------------------------------------
// The clinic: Organization and staff

interface ClinicParts {
  bundle: Bundle;
  organizationFullUrl: string;
  practitioners: SyntheticPractitioner[];
}

const STAFF: readonly { kind: SyntheticPractitioner['kind']; userRole: 'clinician' | 'nurse'; en: string; es: string }[] = [
  { kind: 'aesthetic-physician', userRole: 'clinician', en: 'Physician, aesthetic medicine', es: 'Médico/a especialista en medicina estética' },
  { kind: 'dermatologist', userRole: 'clinician', en: 'Consultant dermatologist', es: 'Dermatólogo/a' },
  { kind: 'general-practitioner', userRole: 'clinician', en: 'General practitioner, well-aging', es: 'Médico/a de familia, envejecimiento saludable' },
  { kind: 'nurse', userRole: 'nurse', en: 'Aesthetic nurse', es: 'Enfermero/a de medicina estética' },
];

function buildClinic(rng: Rng, clinicId: string, clinicName: string, locale: SeedLocale): ClinicParts {
  const ids = rng.fork('ids');
  const organizationFullUrl = `urn:uuid:${uuidFrom(ids)}`;
  const city = locale === 'es' ? MADRID : LONDON;
  const pool = locale === 'es' ? SPANISH_NAMES : ENGLISH_NAMES;
  const organization: Organization = {
    resourceType: 'Organization',
    meta: { tag: [SYNTHETIC_TAG] },
    identifier: [{ system: 'https://wellage.dev/fhir/sid/clinic', value: clinicId }],
    active: true,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] }],
    name: clinicName,
    telecom: [
      { system: 'phone', value: locale === 'es' ? '+34 910 000 000' : '+44 20 7946 0000', use: 'work' },
      { system: 'email', value: `contact@${clinicId}.example.org`, use: 'work' },
    ],
    address: [{ use: 'work', line: [`${rng.pick(city.streets)} ${rng.int(1, 90)}`], city: city.city, postalCode: postcode(rng, city.postcodes, locale), country: city.country }],
  };
  const entries: BundleEntry[] = [entry(organizationFullUrl, organization)];
  const practitioners: SyntheticPractitioner[] = [];
  const usedNames = new Set<string>();
  for (const staff of STAFF) {
    const female = staff.kind === 'nurse' ? rng.chance(0.8) : rng.chance(0.55);
    let given = '';
    let family = '';
    do {
      given = rng.pick(female ? pool.female : pool.male);
      family = locale === 'es' ? `${rng.pick(pool.surnames)} ${rng.pick(pool.surnames)}` : rng.pick(pool.surnames);
    } while (usedNames.has(`${given} ${family}`));
    usedNames.add(`${given} ${family}`);
    const title = staff.kind === 'nurse' ? '' : locale === 'es' ? (female ? 'Dra. ' : 'Dr. ') : 'Dr ';
    const displayName = `${title}${given} ${family}`;
    const fullUrl = `urn:uuid:${uuidFrom(ids)}`;
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      meta: { tag: [SYNTHETIC_TAG] },
      identifier: [{ system: `https://wellage.dev/fhir/sid/${clinicId}/staff`, value: `${staff.kind}-${practitioners.length + 1}` }],
      active: true,
      name: [{ use: 'official', family, given: [given], ...(title ? { prefix: [title.trim()] } : {}), text: displayName }],
      gender: female ? 'female' : 'male',
      qualification: [{ code: { text: staff[locale] } }],
      communication: [{ coding: [{ system: SYSTEM.bcp47, code: locale === 'es' ? 'es' : 'en-GB' }] }],
    };
    entries.push(entry(fullUrl, practitioner));
    practitioners.push({ fullUrl, kind: staff.kind, userRole: staff.userRole, given, family, displayName });
  }
  return { bundle: transaction(entries), organizationFullUrl, practitioners };
}

// ---------------------------------------------------------------------------------------
// Patient profiles: who each person is, before any dates are laid out

type AgeBand = readonly [number, number];

/**
 * Ages come from a shuffled deck per ten patients, so every clinic of 10+ has the same
 * mix whatever the seed: 2 aged 25–39, 4 aged 40–59, 3 aged 60–79 and one either 18–24
 * or 80–86. Seven in ten fall in 40–79, the range the cardiovascular risk equations
 * accept (Goff et al., Circulation 2014;129:S49; Khan et al., Circulation 2024;149:430).
 */
function ageBands(rng: Rng, count: number): AgeBand[] {
  const out: AgeBand[] = [];
  while (out.length < count) {
    const deck: AgeBand[] = [[25, 39], [25, 39], [40, 59], [40, 59], [40, 59], [40, 59], [60, 79], [60, 79], [60, 79], rng.chance(0.5) ? [18, 24] : [80, 86]];
    out.push(...rng.shuffle(deck));
  }
  return out.slice(0, count);
}

interface AllergyDraw {
  readonly key: AllergenKey;
}

interface Profile {
  readonly index: number;
  readonly rng: Rng;
  readonly ids: Rng;
  readonly locale: SeedLocale;
  readonly gender: 'female' | 'male';
  readonly age: number;
  readonly birthMs: number;
  readonly given: string;
  readonly family: string;
  readonly nameLocale: 'es' | 'en' | 'other';
  readonly fitzpatrick: FitzpatrickType;
  smoking: SmokingStatus;
  readonly conditions: Set<ConditionKey>;
  readonly allergies: AllergyDraw[];
  pregnant: boolean;
  isotretinoin: boolean;
  oralContraceptive: boolean;
  readonly consents: Partial<Record<ConsentPurpose, 'permit' | 'deny'>>;
  /** Latent physiology at the start of follow-up (before any treatment effect). */
  readonly baseline: Baseline;
}

interface Baseline {
  heightCm: number;
  bmi: number;
  /** BMI change per year over follow-up. */
  bmiSlope: number;
  sbp: number;
  dbp: number;
  heartRate: number;
  ldl: number;
  hdl: number;
  triglycerides: number;
  hba1c: number;
  creatinine: number;
  /** Typical daily steps, for the wearable-like data. */
  steps: number;
  restingHr: number;
}

/** Where the generator's prevalences come from (all illustrative, see the file header). */
const PREVALENCE = {
  /** ISAPS Global Survey 2023: most aesthetic patients are women; well-aging clinics less so. */
  female: 0.68,
  /** Smoking: Spain ~20% daily (Encuesta Europea de Salud en España 2020), UK ~13% (ONS 2022). */
  currentSmoker: { es: 0.2, en: 0.13 },
  formerSmoker: 0.25,
  /** Hypertension by age (WHO Global report on hypertension, 2023: ~1 in 3 adults 30–79). */
  hypertension: (age: number) => (age < 40 ? 0.04 : age < 60 ? 0.25 : 0.5),
  /** Type 2 diabetes (IDF Diabetes Atlas 10th ed., 2021: ~9% of European adults 20–79). */
  type2Diabetes: (age: number) => (age < 40 ? 0.01 : age < 60 ? 0.07 : 0.15),
  /** Diagnosed hyperlipidaemia (ESC Atlas of Cardiology; illustrative). */
  hyperlipidaemia: (age: number) => (age < 40 ? 0.05 : age < 60 ? 0.25 : 0.4),
  /** Hypothyroidism, mostly women (Taylor et al., Nat Rev Endocrinol 2018;14:301). */
  hypothyroidism: (female: boolean, age: number) => (female ? (age < 50 ? 0.05 : 0.1) : 0.02),
  /** Rosacea ~5% of adults (Gether et al., Br J Dermatol 2018;179:282), enriched for a skin clinic. */
  rosacea: 0.1,
  /** Adult acne, enriched for a skin clinic; mostly under 40. */
  acne: (age: number) => (age < 30 ? 0.35 : age < 40 ? 0.15 : 0.03),
  /** Melasma: women with phototypes III–V (Ogbechie-Godec & Elbuluk, Dermatol Ther 2017;7:305). */
  melasma: 0.2,
  /** Adult atopic dermatitis ~4–7% (Barbarot et al., Allergy 2018;73:1284). */
  atopicDermatitis: 0.07,
  /** Personal history of melanoma, heavily enriched so the lesion room has follow-up cases. */
  melanoma: (fitz: FitzpatrickType, age: number) => (age < 35 ? 0 : fitz === 'I' || fitz === 'II' ? 0.08 : 0.02),
  /** Self-reported penicillin allergy ~10% (Blumenthal et al., Lancet 2019;393:183). */
  allergy: { penicillin: 0.08, latex: 0.02, lidocaine: 0.015, eggs: 0.02, hyaluronidase: 0.015 } satisfies Record<AllergenKey, number>,
};

/** Fitzpatrick phototype mix per city (illustrative). */
const FITZPATRICK_MIX: Record<SeedLocale, readonly (readonly [FitzpatrickType, number])[]> = {
  es: [['I', 3], ['II', 20], ['III', 45], ['IV', 25], ['V', 5], ['VI', 2]],
  en: [['I', 8], ['II', 30], ['III', 30], ['IV', 15], ['V', 10], ['VI', 7]],
};

function drawProfile(rng: Rng, index: number, band: AgeBand, locale: SeedLocale, ref: number): Profile {
  const ids = rng.fork('ids');
  const gender = rng.chance(PREVALENCE.female) ? 'female' : 'male';
  const female = gender === 'female';
  const age = rng.int(band[0], band[1]);
  // Born `age` whole years before the reference date, minus 0–364 days.
  const birthMs = ref - Math.round((age * YEAR_DAYS + rng.int(1, 364)) * DAY_MS);
  const nameLocale = rng.chance(locale === 'es' ? 0.85 : 0.78) ? locale : 'other';
  const pool: NamePool = nameLocale === 'es' ? SPANISH_NAMES : nameLocale === 'en' ? ENGLISH_NAMES : OTHER_NAMES;
  const given = rng.pick(female ? pool.female : pool.male);
  const family =
    nameLocale === 'es' ? `${rng.pick(pool.surnames)} ${rng.pick(pool.surnames)}` : rng.pick(pool.surnames);
  const fitzpatrick =
    nameLocale === 'other' ? rng.weighted<FitzpatrickType>([['III', 3], ['IV', 3], ['V', 3], ['VI', 2]]) : rng.weighted(FITZPATRICK_MIX[locale]);

  const smokingRoll = rng.next();
  const current = PREVALENCE.currentSmoker[locale];
  const smoking: SmokingStatus = age < 20 ? 'never' : smokingRoll < current ? 'current' : smokingRoll < current + PREVALENCE.formerSmoker ? 'former' : 'never';

  const conditions = new Set<ConditionKey>();
  if (rng.chance(PREVALENCE.hypertension(age))) conditions.add('hypertension');
  if (rng.chance(PREVALENCE.type2Diabetes(age))) conditions.add('type2Diabetes');
  if (rng.chance(PREVALENCE.hyperlipidaemia(age) + (conditions.has('type2Diabetes') ? 0.2 : 0))) conditions.add('hyperlipidaemia');
  if (rng.chance(PREVALENCE.hypothyroidism(female, age))) conditions.add('hypothyroidism');
  if (age >= 25 && ['I', 'II', 'III'].includes(fitzpatrick) && rng.chance(PREVALENCE.rosacea)) conditions.add('rosacea');
  if (rng.chance(PREVALENCE.acne(age))) conditions.add('acne');
  if (female && age >= 25 && age < 60 && ['III', 'IV', 'V'].includes(fitzpatrick) && rng.chance(PREVALENCE.melasma)) conditions.add('melasma');
  if (rng.chance(PREVALENCE.atopicDermatitis)) conditions.add('atopicDermatitis');
  if (rng.chance(PREVALENCE.melanoma(fitzpatrick, age))) conditions.add('melanoma');

  const allergies: AllergyDraw[] = [];
  for (const [key, p] of Object.entries(PREVALENCE.allergy) as [AllergenKey, number][]) {
    if (rng.chance(p)) allergies.push({ key });
  }

  const consents: Partial<Record<ConsentPurpose, 'permit' | 'deny'>> = { care: 'permit' };
  const consentDraw = (permit: number, deny: number): 'permit' | 'deny' | undefined => {
    const r = rng.next();
    return r < permit ? 'permit' : r < permit + deny ? 'deny' : undefined;
  };
  const plan: Record<Exclude<ConsentPurpose, 'care'>, [number, number]> = {
    'ai-analysis': [0.85, 0.05],
    genetics: [0.25, 0.05],
    monitoring: [0.35, 0.05],
    'education-use': [0.4, 0.1],
    research: [0.3, 0.1],
  };
  for (const purpose of CONSENT_PURPOSES) {
    if (purpose === 'care') continue;
    const [permit, deny] = plan[purpose];
    const d = consentDraw(permit, deny);
    if (d) consents[purpose] = d;
  }

  const baseline = drawBaseline(rng, female, age, smoking, conditions);
  if (baseline.bmi >= 30) conditions.add('obesity');

  return {
    index,
    rng,
    ids,
    locale,
    gender,
    age,
    birthMs,
    given,
    family,
    nameLocale,
    fitzpatrick,
    smoking,
    conditions,
    allergies,
    pregnant: false,
    isotretinoin: false,
    oralContraceptive: female && age >= 18 && age <= 45 && rng.chance(0.2),
    consents,
    baseline,
  };
}

/**
 * Latent physiology. Means and spreads are illustrative adult values of the order of
 * European survey data (height: NCD-RisC, eLife 2016;5:e13410; BMI: WHO Europe 2022;
 * blood pressure and lipids: the ranges of the PCE and SCORE2 derivation cohorts).
 */
function drawBaseline(rng: Rng, female: boolean, age: number, smoking: SmokingStatus, c: Set<ConditionKey>): Baseline {
  const years = Math.max(0, age - 25);
  const heightCm = clamp(rng.normal(female ? 163 : 176, female ? 6.5 : 7), female ? 148 : 158, female ? 182 : 198);
  const bmi = clamp(rng.normal(24.5 + 0.06 * years, 3.5) + (c.has('type2Diabetes') ? 3 : 0) + (c.has('hypertension') ? 1.5 : 0), 17.5, 42);
  const sbp = rng.normal(112 + 0.5 * years, 8) + (c.has('hypertension') ? 22 : 0) + (female ? -3 : 2);
  const dbp = rng.normal(70 + 0.18 * years, 6) + (c.has('hypertension') ? 11 : 0);
  const ldl = rng.normal(100 + 0.9 * Math.min(years, 35), 22) + (c.has('hyperlipidaemia') ? 55 : 0) + (c.has('hypothyroidism') ? 10 : 0);
  const hdl = rng.normal(female ? 60 : 48, female ? 12 : 10) - (smoking === 'current' ? 4 : 0) - (c.has('type2Diabetes') ? 6 : 0);
  const triglycerides = Math.exp(rng.normal(Math.log(105), 0.35)) + (c.has('type2Diabetes') ? 60 : 0) + (c.has('hyperlipidaemia') ? 40 : 0);
  const hba1c = c.has('type2Diabetes') ? rng.normal(8.1, 0.6) : clamp(rng.normal(5.25 + 0.006 * years, 0.25), 4.6, 6.2);
  let creatinine = rng.normal(female ? 0.74 : 0.95, female ? 0.1 : 0.12) + 0.004 * Math.max(0, age - 45);
  // Some older hypertensive or diabetic patients have reduced kidney function.
  if (age >= 60 && (c.has('hypertension') || c.has('type2Diabetes')) && rng.chance(0.3)) creatinine *= 1.45;
  return {
    heightCm: round(heightCm, 1),
    bmi,
    bmiSlope: rng.normal(0.1, 0.35),
    sbp,
    dbp,
    heartRate: rng.normal(71, 7) + (smoking === 'current' ? 4 : 0) - (c.has('hypothyroidism') ? 3 : 0),
    ldl: clamp(ldl, 55, 240),
    hdl: clamp(hdl, 25, 100),
    triglycerides: clamp(triglycerides, 45, 450),
    hba1c,
    creatinine: clamp(creatinine, 0.45, 2.4),
    steps: clamp(rng.normal(8200 - 45 * years, 2200), 1800, 16000),
    restingHr: clamp(rng.normal(63, 6) + (smoking === 'current' ? 3 : 0), 46, 90),
  };
}

/**
 * Makes sure a clinic shows every feature the later capabilities demonstrate, however the
 * dice fell: a few melanoma histories, a pregnancy, isotretinoin, smokers and diabetics
 * in the risk-model age range, each allergy, wearable data. Changes the fewest people.
 */
function ensureFeatures(rng: Rng, profiles: Profile[]): void {
  const atLeast = (n: number, has: (p: Profile) => boolean, eligible: (p: Profile) => boolean, apply: (p: Profile) => void): void => {
    let have = profiles.filter(has).length;
    for (const p of rng.shuffle(profiles)) {
      if (have >= n) return;
      if (!has(p) && eligible(p)) {
        apply(p);
        have++;
      }
    }
  };
  const riskAge = (p: Profile): boolean => p.age >= 40 && p.age <= 79;
  atLeast(2, (p) => p.conditions.has('melanoma'), (p) => p.age >= 35, (p) => void p.conditions.add('melanoma'));
  atLeast(3, (p) => p.smoking === 'current' && riskAge(p), riskAge, (p) => (p.smoking = 'current'));
  atLeast(2, (p) => p.smoking === 'former', (p) => p.smoking === 'never' && p.age >= 30, (p) => (p.smoking = 'former'));
  atLeast(2, (p) => p.conditions.has('type2Diabetes') && riskAge(p), riskAge, (p) => {
    p.conditions.add('type2Diabetes');
    p.baseline.hba1c = 7.6 + (p.index % 5) * 0.2;
  });
  atLeast(3, (p) => p.conditions.has('hypertension') && riskAge(p), riskAge, (p) => {
    p.conditions.add('hypertension');
    p.baseline.sbp += 22;
    p.baseline.dbp += 11;
  });
  atLeast(3, (p) => p.conditions.has('hyperlipidaemia') && riskAge(p), riskAge, (p) => {
    p.conditions.add('hyperlipidaemia');
    p.baseline.ldl = Math.min(240, p.baseline.ldl + 55);
  });
  const youngAdult = (p: Profile): boolean => p.age >= 18 && p.age < 40;
  atLeast(1, (p) => p.isotretinoin, (p) => youngAdult(p) && !p.pregnant, (p) => {
    p.isotretinoin = true;
    p.conditions.add('acne');
    // EU isotretinoin Pregnancy Prevention Programme (EMA/261767/2018): effective contraception.
    if (p.gender === 'female') p.oralContraceptive = true;
  });
  // A few more acne patients on isotretinoin, drawn by chance.
  for (const p of profiles) if (p.conditions.has('acne') && youngAdult(p) && !p.isotretinoin && p.rng.chance(0.25)) {
    p.isotretinoin = true;
    if (p.gender === 'female') p.oralContraceptive = true;
  }
  atLeast(1, (p) => p.pregnant, (p) => p.gender === 'female' && p.age >= 25 && p.age <= 42 && !p.isotretinoin, (p) => {
    p.pregnant = true;
    p.oralContraceptive = false;
  });
  for (const key of Object.keys(ALLERGEN) as AllergenKey[]) {
    atLeast(1, (p) => p.allergies.some((a) => a.key === key), (p) => p.allergies.length === 0 && p.age >= 18, (p) => void p.allergies.push({ key }));
  }
  atLeast(3, (p) => p.consents.monitoring === 'permit', (p) => p.consents.monitoring === undefined, (p) => (p.consents.monitoring = 'permit'));
  atLeast(1, (p) => p.consents['ai-analysis'] === 'deny', (p) => p.consents['ai-analysis'] === undefined, (p) => (p.consents['ai-analysis'] = 'deny'));
  atLeast(2, (p) => p.consents['education-use'] === 'permit', (p) => p.consents['education-use'] === undefined, (p) => (p.consents['education-use'] = 'permit'));
}

// ---------------------------------------------------------------------------------------
// Emitting one patient's record

interface EmitContext {
  clinicId: string;
  clinicName: string;
  locale: SeedLocale;
  ref: number;
  city: typeof MADRID;
  organization: Reference<Organization>;
  practitioners: readonly SyntheticPractitioner[];
}

/** A treatment that may start before follow-up or at one of its visits. */
interface Treatment {
  startMs: number;
  /** Undefined while still taken at the reference date. */
  endMs?: number | undefined;
}

function emitPatient(p: Profile, ctx: EmitContext): { bundle: Bundle; summary: SyntheticPatientSummary } {
  const rng = p.rng.fork('emit');
  const t = rng.fork('timeline');
  const ids = p.ids;
  const patientUrl = `urn:uuid:${uuidFrom(ids)}`;
  const subject: Reference<Patient> = { reference: patientUrl };
  const entries: BundleEntry[] = [];
  const add = (resource: Resource): string => {
    const fullUrl = `urn:uuid:${uuidFrom(ids)}`;
    entries.push(entry(fullUrl, { ...resource, meta: { tag: [SYNTHETIC_TAG] } } as Resource));
    return fullUrl;
  };
  const female = p.gender === 'female';
  const L = ctx.locale;
  const physician = ctx.practitioners.find((s) => s.kind === 'aesthetic-physician') ?? ctx.practitioners[0];
  const dermatologist = ctx.practitioners.find((s) => s.kind === 'dermatologist') ?? physician;
  const nurse = ctx.practitioners.find((s) => s.kind === 'nurse') ?? physician;
  const who = (s: SyntheticPractitioner | undefined): Reference<Practitioner>[] => (s ? [{ reference: s.fullUrl, display: s.displayName }] : []);

  // Visits: follow-up of 2–4 years, a visit every 4–8 months, the last within weeks of
  // the reference date.
  const followUpDays = Math.round(t.range(2, 4) * YEAR_DAYS);
  const visits: number[] = [];
  for (let day = followUpDays; day >= 10; day -= t.int(120, 240)) {
    visits.push(visitTime(t, ctx.ref - day * DAY_MS));
  }
  const first = visits[0] as number;
  const last = visits[visits.length - 1] as number;
  const adultFrom = p.birthMs + Math.round(18 * YEAR_DAYS * DAY_MS);

  // --- Patient
  const mrn = `${mrnPrefix(ctx.clinicId)}-${String(p.index + 1).padStart(5, '0')}`;
  const displayName = `${p.given} ${p.family}`;
  const name: HumanName = { use: 'official', family: p.family, given: [p.given], text: displayName };
  const phone =
    L === 'es' ? `+34 600 ${String(100 + p.index).padStart(3, '0')} ${String(rng.int(0, 999)).padStart(3, '0')}` : `+44 7700 900${String(p.index % 1000).padStart(3, '0')}`;
  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: SYSTEM.identifierType, code: 'MR', display: 'Medical record number' }] },
        system: `https://wellage.dev/fhir/sid/${ctx.clinicId}/mrn`,
        value: mrn,
      },
    ],
    active: true,
    name: [name],
    telecom: [
      { system: 'phone', value: phone, use: 'mobile' },
      { system: 'email', value: `${asciiSlug(p.given)}.${asciiSlug(p.family)}.${p.index + 1}@example.com`, use: 'home' },
    ],
    gender: p.gender,
    birthDate: isoDate(p.birthMs),
    address: [
      {
        use: 'home',
        line: [L === 'es' ? `${rng.pick(ctx.city.streets)}, ${rng.int(1, 120)}, ${rng.int(1, 8)}º ${rng.pick(['A', 'B', 'C', 'D'])}` : `${rng.int(1, 180)} ${rng.pick(ctx.city.streets)}`],
        city: ctx.city.city,
        postalCode: postcode(rng, ctx.city.postcodes, L),
        country: ctx.city.country,
      },
    ],
    communication: [
      {
        language: {
          coding: [
            p.nameLocale === 'other' && rng.chance(0.3)
              ? { system: SYSTEM.bcp47, code: 'en', display: 'English' }
              : L === 'es'
                ? { system: SYSTEM.bcp47, code: 'es', display: 'Spanish' }
                : { system: SYSTEM.bcp47, code: 'en-GB', display: 'English (United Kingdom)' },
          ],
        },
        preferred: true,
      },
    ],
    generalPractitioner: who(physician),
    managingOrganization: ctx.organization,
  };
  entries.push(entry(patientUrl, { ...patient, meta: { tag: [SYNTHETIC_TAG] } }));

  // --- Conditions and when they began
  const onsetOf = new Map<ConditionKey, number>();
  /** Before follow-up (treated throughout) or at an early visit (treated from then on). */
  const chronicOnset = (): number => {
    if (visits.length > 3 && t.chance(0.45)) return visits[t.int(1, 2)] as number;
    return Math.max(adultFrom, first - t.int(200, 3500) * DAY_MS);
  };
  for (const key of [...p.conditions].sort()) {
    let onset: number;
    switch (key) {
      case 'hypertension':
      case 'type2Diabetes':
      case 'hyperlipidaemia':
        onset = chronicOnset();
        break;
      case 'acne':
        onset = Math.max(p.birthMs + Math.round(14 * YEAR_DAYS * DAY_MS), first - t.int(100, 2500) * DAY_MS);
        break;
      case 'melanoma':
        onset = Math.max(p.birthMs + Math.round(30 * YEAR_DAYS * DAY_MS), first - t.int(400, 4000) * DAY_MS);
        break;
      case 'obesity':
        onset = Math.max(adultFrom, first - t.int(30, 2000) * DAY_MS);
        break;
      default:
        onset = Math.max(adultFrom, first - t.int(60, 5000) * DAY_MS);
    }
    onsetOf.set(key, Math.min(onset, last));
  }
  for (const [key, onset] of onsetOf) {
    const melanoma = key === 'melanoma';
    const condition: Condition = {
      resourceType: 'Condition',
      clinicalStatus: concept(SYSTEM.conditionClinical, melanoma ? 'remission' : 'active', melanoma ? 'Remission' : 'Active'),
      verificationStatus: concept(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
      category: [concept(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item')],
      code: { coding: [CONDITION[key]], text: CONDITION_TEXT[key][L] },
      subject,
      onsetDateTime: isoDate(onset),
      recordedDate: isoDate(Math.max(onset, first)),
      ...(melanoma ? { bodySite: [{ coding: [rng.pick([BODY_SITE.back, BODY_SITE.trunk, BODY_SITE.lowerLimb, BODY_SITE.upperLimb])] }] } : {}),
      ...(key === 'rosacea' || key === 'melasma' || key === 'acne' ? { bodySite: [{ coding: [BODY_SITE.face] }] } : {}),
    };
    add(condition);
    if (melanoma) {
      // Diagnosed on biopsy and excised (wide local excision) at onset.
      const site = condition.bodySite;
      add(procedure(PROCEDURE.skinBiopsy, onset, subject, who(dermatologist), site, L === 'es' ? 'Biopsia de lesión pigmentada' : 'Biopsy of pigmented lesion'));
      add(procedure(PROCEDURE.excisionSkin, onset + 21 * DAY_MS, subject, who(dermatologist), site, L === 'es' ? 'Ampliación de márgenes' : 'Wide local excision'));
    }
  }

  // --- Medications and their effect on the numbers
  const meds: { code: Coding; text: string; dose: string; period: Treatment }[] = [];
  const fromOnset = (key: ConditionKey, treatedChance: number): Treatment | undefined => {
    const onset = onsetOf.get(key);
    if (onset === undefined || !t.chance(treatedChance)) return undefined;
    return { startMs: onset + t.int(0, 30) * DAY_MS };
  };
  const antiHtn = fromOnset('hypertension', 0.85);
  if (antiHtn) {
    const first = L === 'es' ? t.pick([RXNORM.enalapril, RXNORM.ramipril, RXNORM.amlodipine]) : t.pick([RXNORM.ramipril, RXNORM.lisinopril, RXNORM.amlodipine]);
    meds.push({ code: first, ...doseText(first, L), period: antiHtn });
    if (t.chance(0.3)) {
      const second = first.code === RXNORM.amlodipine.code ? RXNORM.ramipril : t.pick([RXNORM.amlodipine, RXNORM.hydrochlorothiazide]);
      meds.push({ code: second, ...doseText(second, L), period: antiHtn });
    }
  }
  // Diabetes increases the chance of statin treatment (ESC/EASD 2019 recommend statins).
  const statin = fromOnset('hyperlipidaemia', p.conditions.has('type2Diabetes') ? 0.9 : 0.7);
  if (statin) {
    const drug = t.weighted([[RXNORM.atorvastatin, 6], [RXNORM.simvastatin, 2], [RXNORM.rosuvastatin, 2]] as const);
    meds.push({ code: drug, ...doseText(drug, L), period: statin });
  }
  const metformin = fromOnset('type2Diabetes', 0.9);
  if (metformin) meds.push({ code: RXNORM.metformin, ...doseText(RXNORM.metformin, L), period: metformin });
  const thyroxine = fromOnset('hypothyroidism', 1);
  if (thyroxine) meds.push({ code: RXNORM.levothyroxine, ...doseText(RXNORM.levothyroxine, L), period: thyroxine });
  if (p.conditions.has('rosacea') && t.chance(0.35)) {
    const start = visits[t.int(0, visits.length - 1)] as number;
    meds.push({ code: RXNORM.doxycycline, ...doseText(RXNORM.doxycycline, L), period: { startMs: start, endMs: Math.min(start + 112 * DAY_MS, ctx.ref - DAY_MS) } });
  }
  if (p.conditions.has('acne') && !p.isotretinoin && t.chance(0.5)) {
    meds.push({ code: RXNORM.tretinoin, ...doseText(RXNORM.tretinoin, L), period: { startMs: visits[0] as number } });
  }
  let isoCourse: Treatment | undefined;
  if (p.isotretinoin) {
    // A 6-month course that is running at the reference date.
    isoCourse = { startMs: ctx.ref - t.int(30, 150) * DAY_MS };
    meds.push({ code: RXNORM.isotretinoin, ...doseText(RXNORM.isotretinoin, L), period: isoCourse });
  }
  for (const m of meds) {
    const active = m.period.endMs === undefined;
    const statement: MedicationStatement = {
      resourceType: 'MedicationStatement',
      status: active ? 'active' : 'completed',
      medicationCodeableConcept: { coding: [m.code], text: m.text },
      subject,
      effectivePeriod: { start: isoDate(m.period.startMs), ...(active ? {} : { end: isoDate(m.period.endMs as number) }) },
      dateAsserted: isoDateTime(Math.max(m.period.startMs, first)),
      dosage: [{ text: m.dose }],
    };
    add(statement);
  }
  if (p.oralContraceptive) {
    const start = Math.max(adultFrom, first - t.int(100, 1500) * DAY_MS);
    add({
      resourceType: 'MedicationStatement',
      contained: [
        {
          resourceType: 'Medication',
          id: 'coc',
          code: { text: L === 'es' ? 'Levonorgestrel 150 microgramos / etinilestradiol 30 microgramos, comprimidos' : 'Levonorgestrel 150 micrograms / ethinylestradiol 30 micrograms tablets' },
          ingredient: [
            { itemCodeableConcept: { coding: [RXNORM.levonorgestrel] }, isActive: true },
            { itemCodeableConcept: { coding: [RXNORM.ethinylEstradiol] }, isActive: true },
          ],
        },
      ],
      status: 'active',
      medicationReference: { reference: '#coc' },
      subject,
      effectivePeriod: { start: isoDate(start) },
      dateAsserted: isoDateTime(first),
      dosage: [{ text: L === 'es' ? '1 comprimido al día durante 21 días, 7 días de descanso' : 'One tablet daily for 21 days, then 7 tablet-free days' }],
    } satisfies MedicationStatement);
  }

  // --- Allergies
  for (const a of p.allergies) add(allergy(a.key, subject, first, t, L));

  // --- Family history
  const familyHistory: [string, 'FTH' | 'MTH', ConditionKey, number, number][] = [];
  if (t.chance(p.age >= 35 ? 0.25 : 0.1)) familyHistory.push(['father', 'FTH', 'myocardialInfarction', t.int(45, 68), 0.3]);
  if (t.chance(0.08) || (p.conditions.has('melanoma') && t.chance(0.4))) familyHistory.push(['mother', 'MTH', 'melanoma', t.int(42, 75), 0]);
  if (t.chance(p.conditions.has('type2Diabetes') ? 0.45 : 0.12)) familyHistory.push(['mother', 'MTH', 'type2Diabetes', t.int(45, 70), 0]);
  if (t.chance(0.15)) familyHistory.push(['father', 'FTH', 'hypertension', t.int(40, 65), 0]);
  for (const [relation, code, key, onsetAge, deathChance] of familyHistory) {
    const fmh: FamilyMemberHistory = {
      resourceType: 'FamilyMemberHistory',
      status: 'completed',
      patient: subject,
      date: isoDateTime(first),
      relationship: { coding: [{ system: SYSTEM.roleCode, code, display: relation }] },
      sex: { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: code === 'FTH' ? 'male' : 'female', display: code === 'FTH' ? 'Male' : 'Female' }] },
      condition: [
        {
          code: { coding: [CONDITION[key]], text: CONDITION_TEXT[key][L] },
          onsetAge: { value: onsetAge, unit: 'a', system: SYSTEM.ucum, code: 'a' },
          ...(deathChance > 0 && t.chance(deathChance) ? { contributedToDeath: true } : {}),
        },
      ],
    };
    add(fmh);
  }

  // --- Observations over time
  const isOn = (tr: Treatment | undefined, at: number): boolean => !!tr && tr.startMs <= at && (tr.endMs === undefined || at <= tr.endMs);
  const antiHtnAgents = meds.filter((m) => m.period === antiHtn).length;
  let lipidPanels = 0;
  let lastLab = -Infinity;
  const needsLabs = p.age >= 40 || p.conditions.has('hypertension') || p.conditions.has('type2Diabetes') || p.conditions.has('hyperlipidaemia') || p.isotretinoin;
  const firstLabOnly = !needsLabs && t.chance(0.6);
  const bmiAt = (at: number): number => p.baseline.bmi + (p.baseline.bmiSlope * (at - first)) / (YEAR_DAYS * DAY_MS);
  visits.forEach((at, i) => {
    const v = rng.fork(`visit:${i}`);
    const ageAt = (at - p.birthMs) / (YEAR_DAYS * DAY_MS);
    const ageDrift = (ageAt - p.age) * 0.5; // ~0.5 mmHg per year of ageing

    // Vital signs. Antihypertensives: ~9/5 mmHg per standard-dose agent (Law et al., BMJ
    // 2009;338:b1665), a few mmHg more once titrated (after ~6 months on treatment).
    const treatedBp = isOn(antiHtn, at) ? antiHtnAgents : 0;
    const titrated = treatedBp > 0 && antiHtn && at - antiHtn.startMs > 180 * DAY_MS ? 1 : 0;
    let sbp = p.baseline.sbp + ageDrift - 9 * treatedBp - 4 * titrated + v.normal(0, 6);
    let dbp = p.baseline.dbp - 5 * treatedBp - 2 * titrated + v.normal(0, 4);
    sbp = Math.round(clamp(sbp, 92, 195));
    dbp = Math.round(clamp(dbp, 52, Math.min(118, sbp - 25)));
    const hr = Math.round(clamp(p.baseline.heartRate + v.normal(0, 4), 48, 110));
    const weight = round(clamp(bmiAt(at) * (p.baseline.heightCm / 100) ** 2 + v.normal(0, 0.6), 40, 160), 1);
    const bmi = round(weight / (p.baseline.heightCm / 100) ** 2, 1);
    const performer = who(nurse);
    const vital = (code: Coding, value: number, unit: string, ucum: string): string =>
      add(observation('vital-signs', code, subject, at, performer, { valueQuantity: qty(value, unit, ucum) }));
    const members = [
      add(
        observation('vital-signs', LOINC.bloodPressurePanel, subject, at, performer, {
          component: [component(LOINC.systolic, sbp, 'mm[Hg]', 'mm[Hg]'), component(LOINC.diastolic, dbp, 'mm[Hg]', 'mm[Hg]')],
        }),
      ),
      vital(LOINC.heartRate, hr, 'beats/minute', '/min'),
      vital(LOINC.bodyWeight, weight, 'kg', 'kg'),
      vital(LOINC.bodyHeight, p.baseline.heightCm, 'cm', 'cm'),
      vital(LOINC.bmi, bmi, 'kg/m2', 'kg/m2'),
    ];
    add(observation('vital-signs', LOINC.vitalSignsPanel, subject, at, performer, { hasMember: members.map((m) => ({ reference: m })) }));

    // Laboratory: yearly when cardiometabolic follow-up is due, else once.
    const yearly = needsLabs && (at - lastLab >= 330 * DAY_MS || (i === visits.length - 1 && at - lastLab >= 180 * DAY_MS));
    if (yearly || (firstLabOnly && i === 0)) {
      lastLab = at;
      lipidPanels++;
      const lab = (code: Coding, value: number, unit: string, ucum: string): string =>
        add({ ...observation('laboratory', code, subject, at - 20 * 60_000, [], { valueQuantity: qty(value, unit, ucum) }), issued: isoDateTime(at + DAY_MS) });
      // Moderate-intensity statins lower LDL-C by 30–49% (Grundy et al., 2018 AHA/ACC
      // cholesterol guideline, Circulation 2019;139:e1082); we use 40%. Isotretinoin raises
      // triglycerides (about a quarter of users; Zane et al., Arch Dermatol 2006;142:1016).
      const onStatin = isOn(statin, at);
      const ldl = clamp(p.baseline.ldl * (onStatin ? 0.6 : 1) * (1 + v.normal(0, 0.06)), 40, 250);
      const hdl = clamp(p.baseline.hdl * (1 + v.normal(0, 0.05)), 25, 100);
      const tg = clamp(p.baseline.triglycerides * (onStatin ? 0.85 : 1) * (isOn(isoCourse, at) ? 1.35 : 1) * (1 + v.normal(0, 0.12)), 40, 500);
      // Friedewald: TC = LDL + HDL + TG/5 (mg/dL), so the panel adds up.
      const tc = ldl + hdl + tg / 5;
      lab(LOINC.totalCholesterol, Math.round(tc), 'mg/dL', 'mg/dL');
      lab(LOINC.hdl, Math.round(hdl), 'mg/dL', 'mg/dL');
      lab(LOINC.ldl, Math.round(ldl), 'mg/dL', 'mg/dL');
      lab(LOINC.triglycerides, Math.round(tg), 'mg/dL', 'mg/dL');
      // Metformin lowers HbA1c by about 1 percentage point (Hirst et al., Diabetologia 2012;55:1605).
      const a1c = clamp(p.baseline.hba1c - (isOn(metformin, at) ? 1.0 : 0) + v.normal(0, 0.2), 4.5, 11.5);
      lab(LOINC.hba1c, round(a1c, 1), '%', '%');
      // Fasting glucose near the ADAG average glucose, 28.7 × HbA1c − 46.7 mg/dL (Nathan et al., Diabetes Care 2008;31:1473).
      const glucose = clamp(28.7 * a1c - 46.7 - 12 + v.normal(0, 7), 65, 320);
      lab(LOINC.glucose, Math.round(glucose), 'mg/dL', 'mg/dL');
      const scr = round(clamp(p.baseline.creatinine * (1 + v.normal(0, 0.05)), 0.45, 2.6), 2);
      lab(LOINC.creatinine, scr, 'mg/dL', 'mg/dL');
      lab(LOINC.egfr, Math.round(ckdEpi2021(scr, ageAt, female)), 'mL/min/{1.73_m2}', 'mL/min/{1.73_m2}');
    }
  });

  // Smoking status at the first and the latest visit; Fitzpatrick type once.
  for (const at of visits.length > 1 ? [first, last] : [first]) {
    add(observation('social-history', LOINC.smokingStatus, subject, at, who(nurse), { valueCodeableConcept: { coding: [SMOKING[p.smoking]] } }));
  }
  add(
    observation('exam', LOINC.fitzpatrick, subject, first, who(physician), {
      valueCodeableConcept: { coding: [{ system: FITZPATRICK_SYSTEM, code: p.fitzpatrick, display: `Fitzpatrick skin type ${p.fitzpatrick}` }], text: `${L === 'es' ? 'Fototipo' : 'Skin type'} ${p.fitzpatrick}` },
    }),
  );
  if (female && p.age >= 18 && p.age <= 50) {
    add(observation('social-history', LOINC.pregnancyStatus, subject, last, who(nurse), { valueCodeableConcept: { coding: [p.pregnant ? PREGNANCY.pregnant : PREGNANCY.notPregnant] } }));
  }

  // --- Aesthetic procedures at visits (none in the months before a current pregnancy).
  const procedureVisits = visits.filter((at) => !p.pregnant || at < ctx.ref - 300 * DAY_MS);
  if (p.age >= 28 && procedureVisits.length > 0) {
    if (t.chance(0.45)) {
      for (const at of t.shuffle(procedureVisits).slice(0, t.int(1, 3)).sort((a, b) => a - b)) {
        add(procedure(PROCEDURE.botulinumToxin, at, subject, who(physician), [{ coding: [BODY_SITE.face] }], L === 'es' ? 'Toxina botulínica en tercio superior' : 'Botulinum toxin, upper face'));
      }
    }
    if (p.age >= 35 && t.chance(0.25)) {
      add(procedure(PROCEDURE.dermalFiller, t.pick(procedureVisits), subject, who(physician), [{ coding: [BODY_SITE.face] }], L === 'es' ? 'Ácido hialurónico en surcos nasogenianos' : 'Hyaluronic acid filler, nasolabial folds'));
    }
    if ((p.conditions.has('melasma') || p.conditions.has('acne') || t.chance(0.1)) && t.chance(0.5)) {
      add(procedure(PROCEDURE.chemicalPeel, t.pick(procedureVisits), subject, who(dermatologist), [{ coding: [BODY_SITE.face] }], L === 'es' ? 'Peeling químico superficial' : 'Superficial chemical peel'));
    }
    if ((p.conditions.has('rosacea') || ['I', 'II', 'III'].includes(p.fitzpatrick)) && !p.isotretinoin && t.chance(0.15)) {
      add(procedure(PROCEDURE.laserSkin, t.pick(procedureVisits), subject, who(dermatologist), [{ coding: [BODY_SITE.face] }], L === 'es' ? 'Láser vascular facial' : 'Facial vascular laser'));
    }
  }

  // --- Goals
  const goalOptions: GoalCode[] = [];
  if (p.age >= 30) goalOptions.push('soften-dynamic-lines', 'improve-texture');
  if (p.age >= 45) goalOptions.push('restore-volume');
  if (p.age >= 50) goalOptions.push('healthy-aging');
  if (p.conditions.has('melasma')) goalOptions.unshift('even-skin-tone');
  if (p.conditions.has('rosacea')) goalOptions.unshift('reduce-redness');
  if (p.conditions.has('acne')) goalOptions.unshift('clear-acne');
  if (p.conditions.has('melanoma')) goalOptions.unshift('skin-check');
  if (p.conditions.has('hypertension') || p.conditions.has('hyperlipidaemia') || p.conditions.has('type2Diabetes')) goalOptions.push('heart-health');
  if (goalOptions.length === 0) goalOptions.push('improve-texture');
  const goalCodes = [...new Set([goalOptions[0] as GoalCode, ...t.shuffle(goalOptions.slice(1)).slice(0, t.int(0, 1))])];
  for (const code of goalCodes) {
    const goal: Goal = {
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      description: { coding: [{ system: GOAL_SYSTEM, code, display: GOALS[code].en }], text: GOALS[code][L] },
      subject,
      startDate: isoDate(first),
      expressedBy: subject,
    };
    add(goal);
  }

  // --- Consents (through the consent service's own builder, so the shapes agree)
  for (const purpose of CONSENT_PURPOSES) {
    const decision = p.consents[purpose];
    if (!decision) continue;
    const consent: Consent = buildConsent({
      patientId: 'placeholder',
      purpose,
      decision,
      date: isoDateTime(purpose === 'care' ? first : visits[Math.min(1, visits.length - 1)] as number),
      performerRef: patientUrl,
      clinicName: ctx.clinicName,
    });
    add({ ...consent, patient: subject });
  }

  // --- Wearable-like data for the last two weeks (only with monitoring consent).
  const wearable = p.consents.monitoring === 'permit';
  if (wearable) {
    const w = rng.fork('wearable');
    for (let d = 14; d >= 1; d--) {
      const dayStart = ctx.ref - d * DAY_MS;
      const weekend = new Date(dayStart).getUTCDay() % 6 === 0;
      const steps = Math.round(clamp(p.baseline.steps * (weekend ? 0.85 : 1) * (1 + w.normal(0, 0.25)), 300, 30000));
      add({
        ...observation('activity', LOINC.stepsPerDay, subject, dayStart, [], { valueQuantity: qty(steps, 'steps/day', '/d') }),
        effectiveDateTime: undefined,
        effectivePeriod: { start: isoDateTime(dayStart), end: isoDateTime(dayStart + DAY_MS - 1000) },
        method: { text: 'Wrist-worn wearable (synthetic)' },
      } as Observation);
      const rhr = Math.round(clamp(p.baseline.restingHr + w.normal(0, 2.5), 42, 100));
      add({
        ...observation('vital-signs', LOINC.restingHeartRate, subject, dayStart + 6 * 3_600_000, [], { valueQuantity: qty(rhr, 'beats/minute', '/min') }),
        method: { text: 'Wrist-worn wearable (synthetic)' },
      });
    }
  }

  const bundle = transaction(entries.map((e) => (e.resource ? { ...e, resource: dropUndefined(e.resource) } : e)));
  const bpCount = visits.length;
  return {
    bundle,
    summary: {
      fullUrl: patientUrl,
      mrn,
      displayName,
      gender: p.gender,
      birthDate: isoDate(p.birthMs),
      age: wholeYears(p.birthMs, ctx.ref),
      conditions: [...p.conditions].sort(),
      smoking: p.smoking,
      consents: { ...p.consents },
      visits: bpCount,
      lipidPanels,
      pregnant: p.pregnant,
      onIsotretinoin: p.isotretinoin,
      hasWearableData: wearable,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Small builders

function transaction(entries: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

function entry(fullUrl: string, resource: Resource): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType } };
}

function concept(system: string, code: string, display: string): CodeableConcept {
  return { coding: [{ system, code, display }] };
}

function qty(value: number, unit: string, code: string): Quantity {
  return { value, unit, system: SYSTEM.ucum, code };
}

function component(code: Coding, value: number, unit: string, ucum: string): ObservationComponent {
  return { code: { coding: [code] }, valueQuantity: qty(value, unit, ucum) };
}

const CATEGORY_DISPLAY: Record<string, string> = {
  'vital-signs': 'Vital Signs',
  laboratory: 'Laboratory',
  'social-history': 'Social History',
  exam: 'Exam',
  activity: 'Activity',
};

function observation(category: string, code: Coding, subject: Reference<Patient>, at: number, performer: Reference<Practitioner>[], value: Partial<Observation>): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [concept(SYSTEM.observationCategory, category, CATEGORY_DISPLAY[category] ?? category)],
    code: { coding: [code], text: code.display },
    subject,
    effectiveDateTime: isoDateTime(at),
    ...(performer.length > 0 ? { performer } : {}),
    ...value,
  };
}

function procedure(code: Coding, at: number, subject: Reference<Patient>, performer: Reference<Practitioner>[], bodySite: CodeableConcept[] | undefined, text: string): Procedure {
  return {
    resourceType: 'Procedure',
    status: 'completed',
    code: { coding: [code], text },
    subject,
    performedDateTime: isoDateTime(at),
    ...(performer.length > 0 ? { performer: performer.map((actor) => ({ actor })) } : {}),
    ...(bodySite ? { bodySite } : {}),
  };
}

const ALLERGY_FACTS: Record<AllergenKey, { category: 'medication' | 'food' | 'environment'; reactions: (keyof typeof REACTION)[]; text: { en: string; es: string } }> = {
  penicillin: { category: 'medication', reactions: ['urticaria', 'rash'], text: { en: 'Penicillin', es: 'Penicilina' } },
  lidocaine: { category: 'medication', reactions: ['urticaria', 'angioedema'], text: { en: 'Lidocaine (local anaesthetic)', es: 'Lidocaína (anestésico local)' } },
  hyaluronidase: { category: 'medication', reactions: ['angioedema', 'urticaria'], text: { en: 'Hyaluronidase', es: 'Hialuronidasa' } },
  latex: { category: 'environment', reactions: ['contactDermatitis', 'urticaria'], text: { en: 'Latex', es: 'Látex' } },
  eggs: { category: 'food', reactions: ['urticaria', 'anaphylaxis'], text: { en: 'Egg', es: 'Huevo' } },
};

function allergy(key: AllergenKey, patient: Reference<Patient>, recorded: number, rng: Rng, locale: SeedLocale): AllergyIntolerance {
  const facts = ALLERGY_FACTS[key];
  const manifestation = REACTION[rng.pick(facts.reactions)];
  const severe = manifestation.code === REACTION.anaphylaxis.code || manifestation.code === REACTION.angioedema.code;
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: concept(SYSTEM.allergyClinical, 'active', 'Active'),
    verificationStatus: concept(SYSTEM.allergyVerification, 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: [facts.category],
    criticality: severe ? 'high' : 'low',
    code: { coding: [ALLERGEN[key]], text: facts.text[locale] },
    patient,
    recordedDate: isoDateTime(recorded),
    reaction: [{ manifestation: [{ coding: [manifestation] }], severity: severe ? 'severe' : 'mild' }],
  };
}

/** Dosage text in the clinic's language for each ingredient (typical adult doses, BNF/AEMPS). */
function doseText(code: Coding, locale: SeedLocale): { text: string; dose: string } {
  const table: Record<string, { en: [string, string]; es: [string, string] }> = {
    [RXNORM.atorvastatin.code as string]: { en: ['Atorvastatin 20 mg tablets', '20 mg once daily'], es: ['Atorvastatina 20 mg comprimidos', '20 mg una vez al día'] },
    [RXNORM.simvastatin.code as string]: { en: ['Simvastatin 40 mg tablets', '40 mg at night'], es: ['Simvastatina 40 mg comprimidos', '40 mg por la noche'] },
    [RXNORM.rosuvastatin.code as string]: { en: ['Rosuvastatin 10 mg tablets', '10 mg once daily'], es: ['Rosuvastatina 10 mg comprimidos', '10 mg una vez al día'] },
    [RXNORM.ramipril.code as string]: { en: ['Ramipril 5 mg capsules', '5 mg once daily'], es: ['Ramipril 5 mg comprimidos', '5 mg una vez al día'] },
    [RXNORM.enalapril.code as string]: { en: ['Enalapril 10 mg tablets', '10 mg once daily'], es: ['Enalapril 10 mg comprimidos', '10 mg una vez al día'] },
    [RXNORM.lisinopril.code as string]: { en: ['Lisinopril 10 mg tablets', '10 mg once daily'], es: ['Lisinopril 10 mg comprimidos', '10 mg una vez al día'] },
    [RXNORM.amlodipine.code as string]: { en: ['Amlodipine 5 mg tablets', '5 mg once daily'], es: ['Amlodipino 5 mg comprimidos', '5 mg una vez al día'] },
    [RXNORM.hydrochlorothiazide.code as string]: { en: ['Hydrochlorothiazide 25 mg tablets', '25 mg each morning'], es: ['Hidroclorotiazida 25 mg comprimidos', '25 mg por la mañana'] },
    [RXNORM.metformin.code as string]: { en: ['Metformin 850 mg tablets', '850 mg twice daily with meals'], es: ['Metformina 850 mg comprimidos', '850 mg dos veces al día con las comidas'] },
    [RXNORM.levothyroxine.code as string]: { en: ['Levothyroxine 75 micrograms tablets', '75 micrograms each morning before breakfast'], es: ['Levotiroxina 75 microgramos comprimidos', '75 microgramos en ayunas'] },
    [RXNORM.isotretinoin.code as string]: { en: ['Isotretinoin 20 mg capsules', '20 mg once daily with food'], es: ['Isotretinoína 20 mg cápsulas', '20 mg una vez al día con comida'] },
    [RXNORM.doxycycline.code as string]: { en: ['Doxycycline 40 mg modified-release capsules', '40 mg once daily'], es: ['Doxiciclina 40 mg cápsulas de liberación modificada', '40 mg una vez al día'] },
    [RXNORM.tretinoin.code as string]: { en: ['Tretinoin 0.025% cream', 'Apply thinly at night'], es: ['Tretinoína 0,025% crema', 'Aplicar una capa fina por la noche'] },
  };
  const row = table[code.code as string];
  if (!row) throw new Error(`no dosage text for RxNorm ${code.code}`);
  const [text, dose] = row[locale];
  return { text, dose };
}

/**
 * eGFR by the 2021 CKD-EPI creatinine equation without race (Inker et al., N Engl J Med
 * 2021;385:1737): 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 × 0.9938^age × 1.012 [female],
 * κ = 0.7 (F) / 0.9 (M), α = −0.241 (F) / −0.302 (M); Scr in mg/dL.
 */
export function ckdEpi2021(creatinineMgDl: number, age: number, female: boolean): number {
  const k = female ? 0.7 : 0.9;
  const a = female ? -0.241 : -0.302;
  const r = creatinineMgDl / k;
  return 142 * Math.min(r, 1) ** a * Math.max(r, 1) ** -1.2 * 0.9938 ** age * (female ? 1.012 : 1);
}

function visitTime(rng: Rng, dayMs: number): number {
  // Clinic hours, on the quarter hour.
  return startOfDay(dayMs) + (9 * 60 + rng.int(0, 36) * 15) * 60_000;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function isoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function wholeYears(fromMs: number, toMs: number): number {
  const a = new Date(fromMs);
  const b = new Date(toMs);
  let years = b.getUTCFullYear() - a.getUTCFullYear();
  if (b.getUTCMonth() < a.getUTCMonth() || (b.getUTCMonth() === a.getUTCMonth() && b.getUTCDate() < a.getUTCDate())) years--;
  return years;
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function mrnPrefix(clinicId: string): string {
  const letters = clinicId.replace(/^clinic-/, '').replace(/[^A-Za-z]/g, '').toUpperCase();
  return (letters.slice(0, 3) || 'MRN').padEnd(3, 'X');
}

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '');
}

function postcode(rng: Rng, prefixes: readonly string[], locale: SeedLocale): string {
  const prefix = rng.pick(prefixes);
  if (locale === 'es') return prefix;
  return `${prefix} ${rng.int(1, 9)}${rng.pick(['AB', 'DF', 'HJ', 'LN', 'PR', 'TW', 'XY'])}`;
}

/** JSON has no `undefined`; removing those keys keeps the bundle byte-stable and valid. */
function dropUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
