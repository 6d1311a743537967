import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { DB_KINDS } from '../../../test/support/database.ts';
import { appUser } from '../db/schema.ts';
import { PASSWORD } from '../../../test/support/tenants.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';

function problem(res: { headers: Record<string, unknown>; json: () => unknown }) {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json() as { code: string; status: number; field?: string; detail: string; title: string; instance: string };
}

describe.each(DB_KINDS)('auth routes on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp(kind, { WELLAGE_BODY_LIMIT_BYTES: '65536', WELLAGE_SESSION_TTL_MINUTES: '30' });
  });
  afterAll(() => h.close());

  it('login sets an HttpOnly, SameSite=Strict session cookie and answers the user', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'clinician@a.test', password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      user: { id: 'clinician-a', email: 'clinician@a.test', displayName: 'clinician of a', role: 'clinician', clinicId: 'clinic-a', clinicName: 'Clinic A', practitionerId: 'prac-a', locale: 'en' },
    });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^wellage_session=wls_/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Max-Age=1800');
    expect(setCookie).not.toContain('Secure');
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const res = await h.app.inject({
      method: 'POST', url: '/api/auth/login', payload: { email: 'clinician@a.test', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' },
    });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  });

  it('answers a wrong password and an unknown email with the same 401 body', async () => {
    const wrong = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nurse@a.test', password: 'not-the-password' }, remoteAddress: '10.2.0.1' });
    const unknown = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'ghost@a.test', password: 'not-the-password' }, remoteAddress: '10.2.0.2' });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    const { instance: _a, ...w } = problem(wrong);
    const { instance: _b, ...u } = problem(unknown);
    expect(w).toEqual(u);
    expect(w.code).toBe('INVALID_CREDENTIALS');
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('answers the 6th failed attempt with 429 even when the password is right', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nurse@b.test', password: 'wrong-password' }, remoteAddress: `10.3.0.${i}` });
      expect(r.statusCode).toBe(401);
    }
    const sixth = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nurse@b.test', password: PASSWORD }, remoteAddress: '10.3.0.9' });
    expect(sixth.statusCode).toBe(429);
    expect(problem(sixth).code).toBe('TOO_MANY_ATTEMPTS');
    expect(sixth.headers['set-cookie']).toBeUndefined();
  });

  it('logout revokes the session: the old cookie is 401 at once', async () => {
    const cookie = await h.login('admin@a.test');
    expect((await h.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/wellage_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await h.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(problem(after).code).toBe('UNAUTHENTICATED');
  });

  it('a bearer API token works for scripts until revoked', async () => {
    const cookie = await h.login('nurse@a.test', '10.4.0.1');
    const created = await h.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { label: 'nightly export' } });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json() as { token: string; id: string };
    const bearer = { authorization: `Bearer ${token}` };
    const me = await h.app.inject({ url: '/api/auth/me', headers: bearer });
    expect(me.json()).toMatchObject({ user: { id: 'nurse-a', role: 'nurse' } });
    const list = await h.app.inject({ url: '/api/auth/tokens', headers: bearer });
    expect(list.json()).toMatchObject({ tokens: [{ id, label: 'nightly export', revokedAt: null }] });
    expect(list.body).not.toContain(token);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: { cookie } })).statusCode).toBe(204);
    expect((await h.app.inject({ url: '/api/auth/me', headers: bearer })).statusCode).toBe(401);
  });

  it('logout with a bearer token revokes that token', async () => {
    const cookie = await h.login('clinician@b.test', '10.4.0.2');
    const { token } = (await h.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { label: 'script' } })).json() as { token: string };
    expect((await h.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(204);
    expect((await h.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('learners and patients cannot make API tokens', async () => {
    const cookie = await h.login('learner@a.test', '10.4.0.3');
    const res = await h.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { label: 'x' } });
    expect([res.statusCode, problem(res).code]).toEqual([403, 'FORBIDDEN']);
  });

  describe('users', () => {
    it('a patient user cannot list users; nobody signed in gets 401', async () => {
      const cookie = await h.login('patient@a.test', '10.5.0.1');
      const res = await h.app.inject({ url: '/api/users', headers: { cookie } });
      expect([res.statusCode, problem(res).code]).toEqual([403, 'FORBIDDEN']);
      expect((await h.app.inject({ url: '/api/users' })).statusCode).toBe(401);
    });

    it("an admin lists only their clinic's users, never a password hash", async () => {
      const cookie = await h.login('admin@b.test', '10.5.0.2');
      const res = await h.app.inject({ url: '/api/users', headers: { cookie } });
      expect(res.statusCode).toBe(200);
      const users = (res.json() as { users: Array<{ clinicId: string }> }).users;
      expect(users.length).toBe(5);
      expect(users.every((u) => u.clinicId === 'clinic-b')).toBe(true);
      expect(res.body).not.toMatch(/argon2|password/i);
    });

    it('an admin adds a user; a <script> display name is stored verbatim and JSON-escaped on the way out', async () => {
      const cookie = await h.login('admin@b.test', '10.5.0.3');
      const name = '<script>alert("x")</script>';
      const res = await h.app.inject({
        method: 'POST', url: '/api/users', headers: { cookie },
        payload: { email: 'New.Nurse@B.test', displayName: name, role: 'nurse', password: 'long-enough-pw', locale: 'es' },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ user: { email: 'new.nurse@b.test', displayName: name, role: 'nurse', clinicId: 'clinic-b', locale: 'es', active: true } });
      expect(res.body).not.toContain('password');
      const [row] = await h.t.database.db.select().from(appUser).where(eq(appUser.email, 'new.nurse@b.test'));
      expect(row?.displayName).toBe(name);
      const again = await h.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: 'new.nurse@b.test', displayName: 'Twin', role: 'nurse', password: 'long-enough-pw' } });
      expect([again.statusCode, problem(again).code, problem(again).field]).toEqual([409, 'CONFLICT', 'email']);
    });

    it.each([
      [{ email: 'bad', displayName: 'X', role: 'nurse', password: 'long-enough-pw' }, 400, 'email'],
      [{ email: 'p@b.test', displayName: 'X', role: 'nurse', password: 'short' }, 400, 'password'],
      [{ email: 'p@b.test', displayName: 'X', role: 'patient', password: 'long-enough-pw' }, 400, 'patientId'],
      [{ email: 'p@b.test', displayName: 'X', role: 'overlord', password: 'long-enough-pw' }, 400, 'body.role'],
      [{ email: 'p@b.test', displayName: 42, role: 'nurse', password: 'long-enough-pw' }, 400, 'body.displayName'],
      [{ email: 'p@b.test', role: 'nurse', password: 'long-enough-pw' }, 400, 'body.displayName'],
    ])('refuses a bad new user %o naming the field', async (payload, status, field) => {
      const cookie = await h.login('admin@a.test', '10.5.0.4');
      const res = await h.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload });
      expect(res.statusCode).toBe(status);
      const p = problem(res);
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.field).toBe(field);
    });
  });

  describe('bad input', () => {
    it('malformed JSON is a 400 problem, and the server keeps answering', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": "a@a.test", "password": ' });
      expect([res.statusCode, problem(res).code]).toEqual([400, 'MALFORMED_JSON']);
      expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
    });

    it('wrong types and missing fields name the field', async () => {
      const wrongType = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 123, password: PASSWORD } });
      expect([wrongType.statusCode, problem(wrongType).code, problem(wrongType).field]).toEqual([400, 'VALIDATION_FAILED', 'body.email']);
      const missing = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@a.test' } });
      expect([missing.statusCode, problem(missing).field]).toEqual([400, 'body.password']);
      const tokenDays = await h.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie: await h.login('nurse@a.test', '10.6.0.1') }, payload: { label: 'x', expiresInDays: 'forever' } });
      expect([tokenDays.statusCode, problem(tokenDays).field]).toEqual([400, 'body.expiresInDays']);
    });

    it('an oversized body is a 413 problem', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'a@a.test', password: 'x'.repeat(70_000) } });
      expect([res.statusCode, problem(res).code]).toEqual([413, 'BODY_TOO_LARGE']);
      expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
    });

    it('SQL- and script-like sign-in input is just a failed login', async () => {
      for (const email of ["' OR 1=1 --", 'admin@a.test\'; drop table app_user; --', '<script>alert(1)</script>']) {
        const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: "' OR '1'='1" }, remoteAddress: `10.7.0.${email.length}` });
        expect([res.statusCode, problem(res).code]).toEqual([401, 'INVALID_CREDENTIALS']);
      }
      expect((await h.login('admin@a.test', '10.7.1.1')).length).toBeGreaterThan(20);
    });

    it('a malformed token handle names the field', async () => {
      const res = await h.app.inject({ method: 'DELETE', url: '/api/auth/tokens/..%2F..%2Fetc', headers: { cookie: await h.login('nurse@a.test', '10.6.0.2') } });
      expect([res.statusCode, problem(res).field]).toEqual([400, 'params.id']);
    });
  });
});
