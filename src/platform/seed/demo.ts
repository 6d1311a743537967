/**
 * Seeds the synthetic demo: the two DEMO_CLINICS, their generated patients (written
 * through the FHIR repository, so ids are server-assigned and the search index and the
 * audit log are filled like any other write) and a login of every role per clinic.
 *
 * The server seeds only an empty database (`isDemoSeeded` tells whether the demo is
 * there). Each Bundle is one transaction; the clinic row goes first because the FHIR rows
 * reference it, and the logins go last, so a seed interrupted part-way shows as "not
 * seeded" but leaves the clinic rows behind: start again from an empty database then.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { inArray } from 'drizzle-orm';
import { createClinic, createUser, type Locale } from '../auth/users.ts';
import { systemContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { appUser, clinic as clinicTable, type Role } from '../db/schema.ts';
import { AppError, invalidField } from '../errors.ts';
import type { Services } from '../services.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, DEMO_ROLES, demoEmail, type DemoClinic } from './demo-users.ts';
import { generateClinicPopulation, replaceReferences, type ClinicPopulation, type SyntheticPatientSummary } from './synthetic.ts';
import { seedDemoLesions, type DemoLesionsResult } from './demo-lesions.ts';

/** "Today" for the demo data, fixed so the demo is the same on every machine. */
export const DEMO_REFERENCE_DATE = new Date('2026-11-01T00:00:00Z');
/** The generator seed; change it (and the docs' screenshots) to get another population. */
export const DEMO_SEED = 'wellage-demo-v1';
export const DEMO_PATIENTS_PER_CLINIC = 30;
/** The base URL given to the FHIR repository for the seed's own writes. */
const SEED_BASE_URL = 'http://localhost/fhir/R4';
const ACTOR = 'seed:demo';

export interface SeedDemoOptions {
  /** Defaults to DEMO_REFERENCE_DATE. */
  referenceDate?: Date | undefined;
  /** Defaults to 30. */
  patientsPerClinic?: number | undefined;
  /** Seed demo lesions (runs the lesion model a few times per clinic); default true. */
  lesions?: boolean | undefined;
}

export interface DemoLogin {
  readonly email: string;
  readonly password: string;
  readonly role: Role;
  readonly clinicId: string;
  readonly displayName: string;
  /** Set for the patient login: the FHIR Patient id it may see. */
  readonly patientId?: string | undefined;
  /** Set for staff linked to a FHIR Practitioner. */
  readonly practitionerId?: string | undefined;
}

export interface SeedDemoResult {
  readonly clinics: readonly DemoClinic[];
  readonly users: readonly DemoLogin[];
  /** Server-assigned Patient ids per clinic id, in generation order. */
  readonly patientsByClinic: Record<string, string[]>;
  /** What demo-lesions.ts wrote (absent when not asked). */
  readonly lesions?: DemoLesionsResult | undefined;
}

/** The named people behind the admin and learner logins (fictional). */
const OFFICE_STAFF: Record<Locale, { admin: string; learner: string }> = {
  es: { admin: 'Beatriz Soler Campos', learner: 'Marcos Vidal Peña' },
  en: { admin: 'Harriet Quinn', learner: 'Samuel Okoro' },
};

function localeOf(clinic: DemoClinic): Locale {
  return clinic.country === 'ES' ? 'es' : 'en';
}

/** True when every demo clinic and every demo login exist (the seed writes logins last). */
export async function isDemoSeeded(database: Database): Promise<boolean> {
  const clinicIds = DEMO_CLINICS.map((c) => c.id);
  const clinics = await database.db.select({ id: clinicTable.id }).from(clinicTable).where(inArray(clinicTable.id, clinicIds));
  if (clinics.length < clinicIds.length) return false;
  const emails = DEMO_CLINICS.flatMap((c) => DEMO_ROLES.map((r) => demoEmail(c, r)));
  const users = await database.db.select({ id: appUser.id }).from(appUser).where(inArray(appUser.email, emails));
  return users.length === emails.length;
}

/**
 * Creates the demo clinics, their synthetic patients and the demo logins. Refuses with
 * CONFLICT when a demo clinic already exists (seed an empty database only).
 */
export async function seedDemo(services: Services, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const referenceDate = options.referenceDate ?? DEMO_REFERENCE_DATE;
  const count = options.patientsPerClinic ?? DEMO_PATIENTS_PER_CLINIC;
  if (!(referenceDate instanceof Date) || Number.isNaN(referenceDate.getTime())) {
    throw invalidField('referenceDate', 'must be a valid date');
  }
  if (!Number.isInteger(count) || count < 1 || count > 500) {
    throw invalidField('patientsPerClinic', 'must be a whole number from 1 to 500');
  }
  const { database } = services.deps;
  const existing = await database.db
    .select({ id: clinicTable.id })
    .from(clinicTable)
    .where(inArray(clinicTable.id, DEMO_CLINICS.map((c) => c.id)));
  if (existing.length > 0) {
    throw new AppError('CONFLICT', `The demo clinic ${existing[0]?.id} already exists; seed an empty database`, { field: 'clinicId' });
  }

  const users: DemoLogin[] = [];
  const patientsByClinic: Record<string, string[]> = {};
  for (const clinic of DEMO_CLINICS) {
    const locale = localeOf(clinic);
    const population = generateClinicPopulation({
      seed: DEMO_SEED,
      clinicId: clinic.id,
      count,
      referenceDate,
      locale,
      clinicName: clinic.name,
    });
    await createClinic(database.db, { id: clinic.id, name: clinic.name, country: clinic.country });
    const written = await writePopulation(services, clinic.id, population);
    patientsByClinic[clinic.id] = written.patientIds;
    users.push(...(await createLogins(database, clinic, locale, population, written)));
  }
  const lesions = options.lesions === false ? undefined : await seedDemoLesions(services, DEMO_CLINICS, patientsByClinic, referenceDate);
  return { clinics: DEMO_CLINICS, users, patientsByClinic, ...(lesions ? { lesions } : {}) };
}

interface WrittenPopulation {
  /** Generator fullUrl (urn:uuid) → server reference (`Practitioner/abc`). */
  readonly clinicRefs: Map<string, string>;
  readonly patientIds: string[];
}

async function writePopulation(services: Services, clinicId: string, population: ClinicPopulation): Promise<WrittenPopulation> {
  const ctx = systemContext(clinicId, ACTOR);
  const clinicResponse = await services.fhir.processBundle(ctx, population.clinicBundle, SEED_BASE_URL);
  const clinicRefs = new Map<string, string>();
  (population.clinicBundle.entry ?? []).forEach((e, i) => {
    clinicRefs.set(e.fullUrl as string, referenceFromLocation(clinicResponse, i));
  });
  const patientIds: string[] = [];
  for (const bundle of population.patientBundles) {
    const response = await services.fhir.processBundle(ctx, replaceReferences(bundle, clinicRefs), SEED_BASE_URL);
    // The generator puts the Patient first in each bundle.
    const patientRef = referenceFromLocation(response, 0);
    if (!patientRef.startsWith('Patient/')) throw new Error(`seed: expected a Patient first, got ${patientRef}`);
    patientIds.push(patientRef.slice('Patient/'.length));
  }
  return { clinicRefs, patientIds };
}

/** `Type/id` from a transaction-response entry's location (`Type/id/_history/1`). */
function referenceFromLocation(response: Bundle, index: number): string {
  const location = response.entry?.[index]?.response?.location;
  const m = location ? /^(?:.*\/)?([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/[^/]+$/.exec(location) : null;
  if (!m) throw new Error(`seed: transaction response entry ${index} has no usable location (${String(location)})`);
  return `${m[1]}/${m[2]}`;
}

/**
 * The showcase patient behind the patient login: an adult in the risk models' age range
 * with lipids on file who allowed AI analysis and monitoring, so every screen has data.
 */
export function pickShowcasePatient(patients: readonly SyntheticPatientSummary[]): number {
  let best = 0;
  let bestScore = -Infinity;
  patients.forEach((p, i) => {
    const denials = Object.values(p.consents).filter((d) => d === 'deny').length;
    const score =
      (p.age >= 40 && p.age <= 79 ? 8 : 0) +
      (p.lipidPanels > 0 ? 4 : 0) +
      (p.consents['ai-analysis'] === 'permit' ? 4 : 0) +
      (p.hasWearableData ? 2 : 0) +
      (p.conditions.includes('hypertension') || p.conditions.includes('hyperlipidaemia') ? 1 : 0) -
      denials * 3;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

async function createLogins(
  database: Database,
  clinic: DemoClinic,
  locale: Locale,
  population: ClinicPopulation,
  written: WrittenPopulation,
): Promise<DemoLogin[]> {
  const practitionerId = (kind: string): { id: string; displayName: string; given: string; family: string } => {
    const p = population.practitioners.find((x) => x.kind === kind);
    const ref = p ? written.clinicRefs.get(p.fullUrl) : undefined;
    if (!p || !ref) throw new Error(`seed: no ${kind} practitioner was written`);
    return { id: ref.slice('Practitioner/'.length), displayName: p.displayName, given: p.given, family: p.family };
  };
  const showcase = pickShowcasePatient(population.patients);
  const showcasePatientId = written.patientIds[showcase] as string;
  const physician = practitionerId('aesthetic-physician');
  const nurse = practitionerId('nurse');

  const logins: DemoLogin[] = [];
  for (const role of DEMO_ROLES) {
    const email = demoEmail(clinic, role);
    switch (role) {
      case 'admin':
        logins.push({ email, password: DEMO_PASSWORD, role, clinicId: clinic.id, displayName: OFFICE_STAFF[locale].admin });
        break;
      case 'clinician':
        logins.push({ email, password: DEMO_PASSWORD, role, clinicId: clinic.id, displayName: physician.displayName, practitionerId: physician.id });
        break;
      case 'nurse':
        logins.push({ email, password: DEMO_PASSWORD, role, clinicId: clinic.id, displayName: nurse.displayName, practitionerId: nurse.id });
        break;
      case 'patient':
        logins.push({
          email,
          password: DEMO_PASSWORD,
          role,
          clinicId: clinic.id,
          displayName: (population.patients[showcase] as SyntheticPatientSummary).displayName,
          patientId: showcasePatientId,
        });
        break;
      case 'learner':
        logins.push({ email, password: DEMO_PASSWORD, role, clinicId: clinic.id, displayName: OFFICE_STAFF[locale].learner });
        break;
    }
  }
  // More named staff: the clinic's other doctors, each with a personal login.
  for (const kind of ['dermatologist', 'general-practitioner']) {
    const doctor = practitionerId(kind);
    const email = `${slug(doctor.given)}.${slug(doctor.family.split(' ')[0] ?? doctor.family)}@${clinic.emailDomain}`;
    logins.push({ email, password: DEMO_PASSWORD, role: 'clinician', clinicId: clinic.id, displayName: doctor.displayName, practitionerId: doctor.id });
  }

  // One transaction per clinic: all of its logins, or none.
  await database.transaction(async (tx) => {
    for (const login of logins) {
      await createUser(tx, {
        clinicId: login.clinicId,
        email: login.email,
        displayName: login.displayName,
        role: login.role,
        password: login.password,
        patientId: login.patientId,
        practitionerId: login.practitionerId,
        locale,
      });
    }
  });
  return logins;
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
