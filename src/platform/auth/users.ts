/**
 * Clinics (tenants) and user accounts. Every field is checked here, so the seed, the CLI
 * and the HTTP routes all refuse the same bad input with the same error naming the field.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { AppError, invalidField } from '../errors.ts';
import type { Queryable } from '../db/database.ts';
import { appUser, clinic, ROLES, type Role } from '../db/schema.ts';
import { hashPassword } from './passwords.ts';

/** FHIR-style ids: letters, digits, '-' and '.', at most 64 characters. */
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
/** Deliberately loose: one '@', no spaces, a dot in the domain. Delivery proves the rest. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const PASSWORD_MIN_LENGTH = 10;
/** argon2 cost does not depend on length, but parsing megabytes of "password" is pointless. */
export const PASSWORD_MAX_LENGTH = 256;
export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

export interface NewClinic {
  id: string;
  name: string;
  country?: string | undefined;
}

export interface NewUser {
  id?: string | undefined;
  clinicId: string;
  email: string;
  displayName: string;
  role: Role;
  password: string;
  patientId?: string | undefined;
  practitionerId?: string | undefined;
  locale?: Locale | undefined;
}

/** A user as the rest of the platform sees it: never the password hash. */
export interface UserRecord {
  id: string;
  clinicId: string;
  email: string;
  displayName: string;
  role: Role;
  patientId: string | null;
  practitionerId: string | null;
  locale: Locale;
  active: boolean;
  createdAt: Date;
}

/** Lower-cases and trims an email, the form it is stored and looked up in. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function requireId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw invalidField(field, 'must be 1-64 letters, digits, "-" or "."');
  }
  return value;
}

function requireText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidField(field, 'is required');
  if (value.length > max) throw invalidField(field, `must be at most ${max} characters`);
  return value.trim();
}

/** Postgres unique_violation, whichever driver (and Drizzle wrapper) reports it. */
function isUniqueViolation(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    if ((cur as { code?: unknown }).code === '23505') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Creates a clinic (tenant). CONFLICT naming `id` when it already exists. */
export async function createClinic(q: Queryable, input: NewClinic): Promise<{ id: string }> {
  const id = requireId('id', input.id);
  const name = requireText('name', input.name, 200);
  let country: string | null = null;
  if (input.country !== undefined) {
    if (typeof input.country !== 'string' || !/^[A-Z]{2}$/.test(input.country)) {
      throw invalidField('country', 'must be an ISO 3166-1 alpha-2 code such as ES');
    }
    country = input.country;
  }
  const existing = await q.select({ id: clinic.id }).from(clinic).where(eq(clinic.id, id));
  if (existing.length > 0) throw new AppError('CONFLICT', `A clinic with id ${id} already exists`, { field: 'id' });
  try {
    await q.insert(clinic).values({ id, name, country });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('CONFLICT', `A clinic with id ${id} already exists`, { field: 'id' });
    throw e;
  }
  return { id };
}

/**
 * Creates a user with an argon2id password hash. Checks every field first (email shape,
 * password length, role, a patient user's `patientId`), then that the clinic exists and
 * the email is free (CONFLICT naming `email`).
 *
 * The linked Patient is not looked up: the FHIR store is another room's, and the seed
 * creates users and patients in either order. The FHIR store scopes by clinic anyway.
 */
export async function createUser(q: Queryable, input: NewUser): Promise<{ id: string }> {
  const id = input.id === undefined ? randomUUID() : requireId('id', input.id);
  const clinicId = requireId('clinicId', input.clinicId);
  if (typeof input.email !== 'string' || input.email.length > 254 || !EMAIL_PATTERN.test(input.email.trim())) {
    throw invalidField('email', 'must be an email address such as name@example.org');
  }
  const email = normalizeEmail(input.email);
  const displayName = requireText('displayName', input.displayName, 200);
  if (typeof input.role !== 'string' || !(ROLES as readonly string[]).includes(input.role)) {
    throw invalidField('role', `must be one of ${ROLES.join(', ')}`);
  }
  const role = input.role;
  if (typeof input.password !== 'string' || input.password.length < PASSWORD_MIN_LENGTH) {
    throw invalidField('password', `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (input.password.length > PASSWORD_MAX_LENGTH) {
    throw invalidField('password', `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  let patientId: string | null = null;
  if (role === 'patient') {
    if (input.patientId === undefined) throw invalidField('patientId', 'is required for a patient user');
    patientId = requireId('patientId', input.patientId);
  } else if (input.patientId !== undefined) {
    throw invalidField('patientId', 'only a patient user is linked to a Patient');
  }
  const practitionerId = input.practitionerId === undefined ? null : requireId('practitionerId', input.practitionerId);
  const locale = input.locale ?? 'en';
  if (!(LOCALES as readonly string[]).includes(locale)) throw invalidField('locale', `must be one of ${LOCALES.join(', ')}`);

  const clinics = await q.select({ id: clinic.id }).from(clinic).where(eq(clinic.id, clinicId));
  if (clinics.length === 0) throw invalidField('clinicId', `no clinic ${clinicId}`);
  const taken = await q.select({ id: appUser.id }).from(appUser).where(eq(appUser.email, email));
  if (taken.length > 0) throw new AppError('CONFLICT', 'A user with this email already exists', { field: 'email' });

  const passwordHash = await hashPassword(input.password);
  try {
    await q.insert(appUser).values({ id, clinicId, email, displayName, role, passwordHash, patientId, practitionerId, locale });
  } catch (e) {
    // Lost a race with another insert of the same email (or id).
    if (isUniqueViolation(e)) throw new AppError('CONFLICT', 'A user with this email or id already exists', { field: 'email' });
    throw e;
  }
  return { id };
}

const USER_COLUMNS = {
  id: appUser.id,
  clinicId: appUser.clinicId,
  email: appUser.email,
  displayName: appUser.displayName,
  role: appUser.role,
  patientId: appUser.patientId,
  practitionerId: appUser.practitionerId,
  locale: appUser.locale,
  active: appUser.active,
  createdAt: appUser.createdAt,
};

/** The users of one clinic, by email. Never returns password hashes. */
export async function listUsers(q: Queryable, clinicId: string): Promise<UserRecord[]> {
  return q.select(USER_COLUMNS).from(appUser).where(eq(appUser.clinicId, clinicId)).orderBy(asc(appUser.email));
}

/** One user by id, or undefined. Never returns the password hash. */
export async function getUser(q: Queryable, id: string): Promise<UserRecord | undefined> {
  const rows = await q.select(USER_COLUMNS).from(appUser).where(eq(appUser.id, id));
  return rows[0];
}
