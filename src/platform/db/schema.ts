/**
 * Drizzle table definitions. They mirror the SQL migrations in ./migrations, which are
 * the source of truth for the database; `schema.int.test.ts` fails when the two drift.
 */
import { bigint, bigserial, boolean, check, doublePrecision, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const clinic = pgTable('clinic', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  country: text('country'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: tz('created_at').notNull().defaultNow(),
});

export const ROLES = ['admin', 'clinician', 'nurse', 'patient', 'learner'] as const;
export type Role = (typeof ROLES)[number];

export const appUser = pgTable(
  'app_user',
  {
    id: text('id').primaryKey(),
    clinicId: text('clinic_id')
      .notNull()
      .references(() => clinic.id),
    email: text('email').notNull().unique(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    passwordHash: text('password_hash').notNull(),
    patientId: text('patient_id'),
    practitionerId: text('practitioner_id'),
    locale: text('locale').$type<'en' | 'es'>().notNull().default('en'),
    active: boolean('active').notNull().default(true),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [check('app_user_role_check', sql`${t.role} in ('admin','clinician','nurse','patient','learner')`)],
);

export const authSession = pgTable('auth_session', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => appUser.id),
  kind: text('kind').$type<'session' | 'api'>().notNull(),
  label: text('label'),
  createdAt: tz('created_at').notNull().defaultNow(),
  expiresAt: tz('expires_at'),
  revokedAt: tz('revoked_at'),
  lastUsedAt: tz('last_used_at'),
});

export const loginAttempt = pgTable('login_attempt', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  email: text('email').notNull(),
  clientAddress: text('client_address').notNull(),
  succeeded: boolean('succeeded').notNull(),
  at: tz('at').notNull().defaultNow(),
});

export const fhirResource = pgTable(
  'fhir_resource',
  {
    resourceType: text('resource_type').notNull(),
    id: text('id').notNull(),
    versionId: integer('version_id').notNull(),
    lastUpdated: tz('last_updated').notNull(),
    clinicId: text('clinic_id')
      .notNull()
      .references(() => clinic.id),
    patientId: text('patient_id'),
    deleted: boolean('deleted').notNull().default(false),
    content: jsonb('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resourceType, t.id] })],
);

export const fhirResourceHistory = pgTable(
  'fhir_resource_history',
  {
    resourceType: text('resource_type').notNull(),
    id: text('id').notNull(),
    versionId: integer('version_id').notNull(),
    lastUpdated: tz('last_updated').notNull(),
    deleted: boolean('deleted').notNull().default(false),
    content: jsonb('content'),
  },
  (t) => [primaryKey({ columns: [t.resourceType, t.id, t.versionId] })],
);

export const fhirSearchIndex = pgTable('fhir_search_index', {
  resourceType: text('resource_type').notNull(),
  id: text('id').notNull(),
  param: text('param').notNull(),
  system: text('system'),
  value: text('value'),
  dateStart: tz('date_start'),
  dateEnd: tz('date_end'),
});

export const auditEvent = pgTable('audit_event', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: tz('at').notNull(),
  userId: text('user_id'),
  role: text('role'),
  clinicId: text('clinic_id'),
  action: text('action').notNull(),
  resourceType: text('resource_type'),
  resourceId: text('resource_id'),
  patientId: text('patient_id'),
  clientAddress: text('client_address'),
  outcome: text('outcome').$type<'success' | 'denied' | 'failed'>().notNull(),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const storedFile = pgTable('stored_file', {
  id: text('id').primaryKey(),
  clinicId: text('clinic_id')
    .notNull()
    .references(() => clinic.id),
  patientId: text('patient_id'),
  contentType: text('content_type').notNull(),
  byteSize: integer('byte_size').notNull(),
  sha256: text('sha256').notNull(),
  width: integer('width'),
  height: integer('height'),
  storageKey: text('storage_key').notNull(),
  createdBy: text('created_by'),
  createdAt: tz('created_at').notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------
// Lesion second opinion (0002_lesion.sql)

export const lesion = pgTable('lesion', {
  id: text('id').primaryKey(),
  clinicId: text('clinic_id')
    .notNull()
    .references(() => clinic.id),
  patientId: text('patient_id').notNull(),
  bodySite: text('body_site').notNull(),
  label: text('label').notNull(),
  createdBy: text('created_by'),
  createdAt: tz('created_at').notNull(),
});

export const LESION_EXAM_STATUSES = ['awaiting-impression', 'revealed', 'signed', 'cannot-assess'] as const;
export type LesionExamStatus = (typeof LESION_EXAM_STATUSES)[number];

export const lesionExam = pgTable(
  'lesion_exam',
  {
    id: text('id').primaryKey(),
    clinicId: text('clinic_id')
      .notNull()
      .references(() => clinic.id),
    patientId: text('patient_id').notNull(),
    lesionId: text('lesion_id')
      .notNull()
      .references(() => lesion.id),
    status: text('status').$type<LesionExamStatus>().notNull(),
    fileId: text('file_id')
      .notNull()
      .references(() => storedFile.id),
    mediaId: text('media_id').notNull(),
    pixelsPerMm: doublePrecision('pixels_per_mm'),
    inputSha256: text('input_sha256').notNull(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    modelSha256: text('model_sha256').notNull(),
    calibrationVersion: integer('calibration_version'),
    analysis: jsonb('analysis').$type<Record<string, unknown>>().notNull(),
    impression: jsonb('impression').$type<Record<string, unknown>>(),
    decision: jsonb('decision').$type<Record<string, unknown>>(),
    histopathology: jsonb('histopathology').$type<Record<string, unknown>>(),
    diagnosticReportId: text('diagnostic_report_id'),
    observationId: text('observation_id'),
    createdBy: text('created_by'),
    createdAt: tz('created_at').notNull(),
    updatedAt: tz('updated_at').notNull(),
  },
  (t) => [check('lesion_exam_status_check', sql`${t.status} in ('awaiting-impression','revealed','signed','cannot-assess')`)],
);

export const lesionPicture = pgTable(
  'lesion_picture',
  {
    examId: text('exam_id')
      .notNull()
      .references(() => lesionExam.id),
    kind: text('kind').$type<'outline' | 'heatmap'>().notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    pngBase64: text('png_base64').notNull(),
    createdAt: tz('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.examId, t.kind] })],
);

export const lesionClinicSetting = pgTable('lesion_clinic_setting', {
  clinicId: text('clinic_id')
    .primaryKey()
    .references(() => clinic.id),
  blindedFirstRead: boolean('blinded_first_read').notNull().default(true),
  updatedBy: text('updated_by'),
  updatedAt: tz('updated_at').notNull(),
});

export const lesionOperatingPoint = pgTable(
  'lesion_operating_point',
  {
    clinicId: text('clinic_id')
      .notNull()
      .references(() => clinic.id),
    version: integer('version').notNull(),
    referThreshold: doublePrecision('refer_threshold').notNull(),
    monitorThreshold: doublePrecision('monitor_threshold').notNull(),
    temperature: doublePrecision('temperature').notNull(),
    revertToModelCard: boolean('revert_to_model_card').notNull().default(false),
    reason: text('reason').notNull(),
    basis: jsonb('basis').$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by'),
    createdAt: tz('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.version] })],
);
