import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { execute } from '../db/database.ts';
import { appUser, authSession } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import type { AuditLog } from '../audit/types.ts';
import type { RequestContext, UserPrincipal } from '../context.ts';
import { createAuthService, type AuthService } from './auth.service.ts';
import { hashToken } from './credentials.ts';
import { createClinic, createUser, listUsers } from './users.ts';
import { PASSWORD, seedTenants, testConfig } from '../../../test/support/tenants.ts';

/** The AppError a promise rejects with (fails the test when it resolves or throws something else). */
async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

function ctxOf(p: UserPrincipal): RequestContext {
  return { principal: p, clientAddress: '198.51.100.9', requestId: 'test' };
}

describe.each(DB_KINDS)('identity and access on %s', (kind) => {
  let t: TestDatabase;
  let auth: AuthService;
  let audit: AuditLog;
  let now = Date.parse('2026-04-01T08:00:00Z');
  const clock = () => new Date(now);

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    audit = createAuditLog({ database: t.database, clock });
    auth = createAuthService({ database: t.database, clock, config: testConfig({ WELLAGE_SESSION_TTL_MINUTES: '60' }), audit });
    await seedTenants(t.database.db);
  });
  afterAll(() => t.drop());

  describe('createUser', () => {
    it('stores the email lower-case and an argon2id hash, never the password', async () => {
      await createUser(t.database.db, { id: 'u-case', clinicId: 'clinic-a', email: '  Mixed.Case@A.Test ', displayName: 'Mixed', role: 'nurse', password: 'long-enough-pw' });
      const [row] = await t.database.db.select().from(appUser).where(eq(appUser.id, 'u-case'));
      expect(row?.email).toBe('mixed.case@a.test');
      expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$/);
      expect(row?.passwordHash).not.toContain('long-enough-pw');
    });

    it.each([
      [{ email: 'not-an-email' }, 'email'],
      [{ password: 'short' }, 'password'],
      [{ role: 'patient' }, 'patientId'],
      [{ role: 'nurse', patientId: 'pat-a1' }, 'patientId'],
      [{ role: 'superuser' }, 'role'],
      [{ displayName: '   ' }, 'displayName'],
      [{ clinicId: 'no-such-clinic' }, 'clinicId'],
      [{ locale: 'fr' }, 'locale'],
      [{ id: '../etc' }, 'id'],
    ])('refuses %o naming %s', async (bad, field) => {
      const input = { clinicId: 'clinic-a', email: 'fresh@a.test', displayName: 'Fresh', role: 'nurse', password: 'long-enough-pw', ...bad };
      const err = await appError(createUser(t.database.db, input as Parameters<typeof createUser>[1]));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.field).toBe(field);
    });

    it('refuses a duplicate email whatever its case, with CONFLICT on email', async () => {
      const err = await appError(createUser(t.database.db, { clinicId: 'clinic-b', email: 'NURSE@a.test', displayName: 'Dup', role: 'nurse', password: 'long-enough-pw' }));
      expect({ code: err.code, status: err.status, field: err.field }).toEqual({ code: 'CONFLICT', status: 409, field: 'email' });
    });

    it('refuses a duplicate clinic id', async () => {
      const err = await appError(createClinic(t.database.db, { id: 'clinic-a', name: 'Again' }));
      expect([err.code, err.field]).toEqual(['CONFLICT', 'id']);
    });

    it('lists only the clinic asked for, without password hashes', async () => {
      const users = await listUsers(t.database.db, 'clinic-b');
      expect(users.map((u) => u.email)).toEqual(['admin@b.test', 'clinician@b.test', 'learner@b.test', 'nurse@b.test', 'patient@b.test']);
      expect(JSON.stringify(users)).not.toContain('argon2');
    });
  });

  describe('login and sessions', () => {
    it('opens a session whose token authenticates as the user, and audits the login', async () => {
      const r = await auth.login({ email: 'Clinician@A.test', password: PASSWORD, clientAddress: '203.0.113.1' });
      expect(r.user).toEqual({
        id: 'clinician-a', email: 'clinician@a.test', displayName: 'clinician of a', role: 'clinician',
        clinicId: 'clinic-a', clinicName: 'Clinic A', practitionerId: 'prac-a', locale: 'en',
      });
      expect(r.expiresAt.getTime()).toBe(now + 60 * 60_000);
      expect(await auth.authenticate(r.token)).toMatchObject({ kind: 'user', userId: 'clinician-a', role: 'clinician', clinicId: 'clinic-a' });
      const [stored] = await t.database.db.select().from(authSession).where(eq(authSession.tokenHash, hashToken(r.token)));
      expect(stored?.kind).toBe('session');
      const rows = await execute<{ token_hash: string }>(t.database.db, sql`select token_hash from auth_session`);
      expect(rows.some((row) => row.token_hash === r.token)).toBe(false);
      const [event] = await audit.list('clinic-a', { action: 'login' });
      expect(event).toMatchObject({ userId: 'clinician-a', outcome: 'success', clientAddress: '203.0.113.1' });
    });

    it('answers an unknown email and a wrong password with the same error', async () => {
      const unknown = await appError(auth.login({ email: 'nobody@a.test', password: PASSWORD, clientAddress: '203.0.113.2' }));
      const wrong = await appError(auth.login({ email: 'nurse@a.test', password: 'wrong-password', clientAddress: '203.0.113.2' }));
      expect([unknown.code, unknown.message, unknown.status]).toEqual([wrong.code, wrong.message, wrong.status]);
      expect(wrong.code).toBe('INVALID_CREDENTIALS');
      const failed = await audit.list('clinic-a', { action: 'login', userId: 'nurse-a' });
      expect(failed[0]).toMatchObject({ outcome: 'failed', detail: { reason: 'wrong-password' } });
    });

    it('refuses the 6th attempt within the window even with the right password, per account', async () => {
      for (let i = 0; i < 5; i++) {
        const e = await appError(auth.login({ email: 'nurse@b.test', password: `guess-${i}-xxxxxx`, clientAddress: `203.0.113.${10 + i}` }));
        expect(e.code).toBe('INVALID_CREDENTIALS');
      }
      const sixth = await appError(auth.login({ email: 'nurse@b.test', password: PASSWORD, clientAddress: '203.0.113.99' }));
      expect([sixth.code, sixth.status]).toEqual(['TOO_MANY_ATTEMPTS', 429]);
      expect((await audit.list('clinic-b', { action: 'login', userId: 'nurse-b' }))[0]).toMatchObject({ outcome: 'denied' });
      now += 15 * 60_000 + 1000; // the window passes
      const later = await auth.login({ email: 'nurse@b.test', password: PASSWORD, clientAddress: '203.0.113.99' });
      expect(later.user.id).toBe('nurse-b');
    });

    it('limits by client address across accounts, and refuses a parallel burst too', async () => {
      const address = '198.51.100.200';
      const burst = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => auth.login({ email: `victim${i}@b.test`, password: 'wrong-password', clientAddress: address })),
      );
      const codes = burst.map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok'));
      expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(5);
      expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(7);
      const e = await appError(auth.login({ email: 'admin@b.test', password: PASSWORD, clientAddress: address }));
      expect(e.code).toBe('TOO_MANY_ATTEMPTS');
    });

    it('a success clears the account failures', async () => {
      for (let i = 0; i < 4; i++) await appError(auth.login({ email: 'learner@a.test', password: 'wrong-password', clientAddress: `192.0.2.${i}` }));
      await auth.login({ email: 'learner@a.test', password: PASSWORD, clientAddress: '192.0.2.50' });
      for (let i = 0; i < 4; i++) await appError(auth.login({ email: 'learner@a.test', password: 'wrong-password', clientAddress: `192.0.2.${60 + i}` }));
      expect((await auth.login({ email: 'learner@a.test', password: PASSWORD, clientAddress: '192.0.2.70' })).user.id).toBe('learner-a');
    });

    it('logout revokes at once, and expired sessions and inactive users stop working', async () => {
      const a = await auth.login({ email: 'admin@a.test', password: PASSWORD, clientAddress: '192.0.2.80' });
      await auth.logout(a.token, { clientAddress: '192.0.2.80', requestId: 'r' });
      expect(await auth.authenticate(a.token)).toBeUndefined();
      expect((await audit.list('clinic-a', { action: 'logout' }))[0]).toMatchObject({ userId: 'admin-a', outcome: 'success' });

      const b = await auth.login({ email: 'admin@a.test', password: PASSWORD, clientAddress: '192.0.2.80' });
      now += 61 * 60_000;
      expect(await auth.authenticate(b.token)).toBeUndefined();

      const c = await auth.login({ email: 'admin@a.test', password: PASSWORD, clientAddress: '192.0.2.80' });
      await t.database.db.update(appUser).set({ active: false }).where(eq(appUser.id, 'admin-a'));
      expect(await auth.authenticate(c.token)).toBeUndefined();
      expect((await appError(auth.login({ email: 'admin@a.test', password: PASSWORD, clientAddress: '192.0.2.81' }))).code).toBe('INVALID_CREDENTIALS');
      await t.database.db.update(appUser).set({ active: true }).where(eq(appUser.id, 'admin-a'));

      expect(await auth.authenticate('wls_not-a-real-token-but-well-formed-xx')).toBeUndefined();
      expect(await auth.authenticate('garbage')).toBeUndefined();
    });
  });

  describe('API tokens', () => {
    it('creates a token for staff that works as a bearer, lists it without the secret, and revokes it', async () => {
      const nurse = await auth.authenticate((await auth.login({ email: 'nurse@a.test', password: PASSWORD, clientAddress: '192.0.2.90' })).token);
      const ctx = ctxOf(nurse!);
      const created = await auth.createApiToken(ctx, { label: 'nightly export', expiresInDays: 7 });
      expect(created.token).toMatch(/^wla_/);
      expect(await auth.authenticate(created.token)).toMatchObject({ userId: 'nurse-a' });
      const list = await auth.listApiTokens(ctx);
      expect(list).toEqual([expect.objectContaining({ id: created.id, label: 'nightly export', revokedAt: null })]);
      expect(JSON.stringify(list)).not.toContain(created.token);
      await auth.revokeApiToken(ctx, created.id);
      expect(await auth.authenticate(created.token)).toBeUndefined();
      expect((await appError(auth.revokeApiToken(ctx, created.id))).code).toBe('NOT_FOUND');
    });

    it('refuses tokens to patients and learners, bad labels and lifetimes, and revoking another user token', async () => {
      const patient = ctxOf((await auth.authenticate((await auth.login({ email: 'patient@a.test', password: PASSWORD, clientAddress: '192.0.2.91' })).token))!);
      expect((await appError(auth.createApiToken(patient, { label: 'x' }))).code).toBe('FORBIDDEN');
      const clinician = ctxOf((await auth.authenticate((await auth.login({ email: 'clinician@b.test', password: PASSWORD, clientAddress: '192.0.2.92' })).token))!);
      expect((await appError(auth.createApiToken(clinician, { label: '' }))).field).toBe('label');
      expect((await appError(auth.createApiToken(clinician, { label: 'x', expiresInDays: 1000 }))).field).toBe('expiresInDays');
      const mine = await auth.createApiToken(clinician, { label: 'mine' });
      const other = ctxOf((await auth.authenticate((await auth.login({ email: 'nurse@b.test', password: PASSWORD, clientAddress: '192.0.2.93' })).token))!);
      expect((await appError(auth.revokeApiToken(other, mine.id))).code).toBe('NOT_FOUND');
      expect(await auth.authenticate(mine.token)).toBeDefined();
    });
  });

  describe('clinic users', () => {
    it('lets an admin add and list users of their own clinic only, and audits the creation', async () => {
      const admin = ctxOf((await auth.authenticate((await auth.login({ email: 'admin@b.test', password: PASSWORD, clientAddress: '192.0.2.94' })).token))!);
      const user = await auth.addUser(admin, { email: 'new.nurse@b.test', displayName: '<script>alert(1)</script>', role: 'nurse', password: 'long-enough-pw' });
      expect(user).toMatchObject({ clinicId: 'clinic-b', displayName: '<script>alert(1)</script>', role: 'nurse' });
      expect((await auth.listClinicUsers(admin)).every((u) => u.clinicId === 'clinic-b')).toBe(true);
      expect((await audit.list('clinic-b', { action: 'user-create' }))[0]).toMatchObject({ resourceId: user.id, userId: 'admin-b' });
      const nurse = ctxOf((await auth.authenticate((await auth.login({ email: 'new.nurse@b.test', password: 'long-enough-pw', clientAddress: '192.0.2.95' })).token))!);
      expect((await appError(auth.listClinicUsers(nurse))).code).toBe('FORBIDDEN');
    });
  });
});
