/**
 * Sign-in, sessions, API tokens and the clinic's user list.
 *
 * Web sessions and script tokens are the same thing underneath: an opaque random token
 * (credentials.ts) whose SHA-256 sits in `auth_session`. Revoking sets `revoked_at`, and
 * `authenticate` checks it on every request, so a logout takes effect at once.
 *
 * Login is rate-limited through `login_attempt` (OWASP Authentication Cheat Sheet:
 * throttle per account and per source, answer the same for unknown accounts and wrong
 * passwords, spend the same time on both).
 */
import { and, desc, eq, isNull, like } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { isStaff, type RequestContext, type UserPrincipal } from '../context.ts';
import { execute, type Database } from '../db/database.ts';
import { appUser, authSession, clinic, loginAttempt, type Role } from '../db/schema.ts';
import { AppError, invalidField } from '../errors.ts';
import type { AuditLog } from '../audit/types.ts';
import { hashToken, newToken, TOKEN_PREFIX } from './credentials.ts';
import { dummyHash, verifyPassword } from './passwords.ts';
import { createUser, getUser, listUsers, normalizeEmail, type Locale, type NewUser, type UserRecord } from './users.ts';

/** The signed-in user as the web app sees it (GET /api/auth/me). */
export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  clinicId: string;
  clinicName: string;
  patientId?: string | undefined;
  practitionerId?: string | undefined;
  locale: Locale;
}

export interface LoginResult {
  /** The session token; shown once, as a cookie. */
  token: string;
  expiresAt: Date;
  user: SessionUser;
}

export interface ApiTokenInfo {
  /** A short public handle (the first 16 hex digits of the token's hash), used to revoke it. */
  id: string;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface AuthService {
  /** The principal a session or API token stands for; undefined when unknown, revoked, expired, or the user is inactive. */
  authenticate(token: string): Promise<UserPrincipal | undefined>;
  /** Checks the password and opens a web session. INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS. */
  login(input: { email: string; password: string; clientAddress: string; requestId?: string }): Promise<LoginResult>;
  /** Revokes a session or API token. Unknown or already revoked tokens are ignored. */
  logout(token: string, ctx?: { clientAddress: string; requestId: string }): Promise<void>;
  /** The /me view of a signed-in user. */
  me(ctx: RequestContext): Promise<SessionUser>;
  /** A new bearer token for scripts, returned once; staff only. */
  createApiToken(ctx: RequestContext, input: { label: string; expiresInDays?: number | undefined }): Promise<ApiTokenInfo & { token: string }>;
  /** Revokes one of the caller's own API tokens. NOT_FOUND when it is not theirs. */
  revokeApiToken(ctx: RequestContext, id: string): Promise<void>;
  /** The caller's API tokens, newest first (never the tokens themselves). */
  listApiTokens(ctx: RequestContext): Promise<ApiTokenInfo[]>;
  /** The users of the caller's clinic; admins only. */
  listClinicUsers(ctx: RequestContext): Promise<UserRecord[]>;
  /** Adds a user to the caller's clinic; admins only; audited as 'user-create'. */
  addUser(ctx: RequestContext, input: Omit<NewUser, 'clinicId' | 'id'>): Promise<UserRecord>;
}

export interface AuthServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly config: Config;
  readonly audit: AuditLog;
}

/** Serialises the rate-limit check and the attempt's bookkeeping row across connections. */
const LOGIN_LOCK_KEY = 741_852_965;
const API_TOKEN_DEFAULT_DAYS = 90;
const API_TOKEN_MAX_DAYS = 365;
/** API tokens record their last use, but at most this often, to keep `authenticate` read-only nearly always. */
const LAST_USED_GRANULARITY_MS = 5 * 60 * 1000;
const TOKEN_SHAPE = new RegExp(`^(${TOKEN_PREFIX.session}|${TOKEN_PREFIX.api})[A-Za-z0-9_-]{20,100}$`);

function tokenId(tokenHash: string): string {
  return tokenHash.slice(0, 16);
}

function userCtx(user: { id: string; role: Role; clinicId: string; displayName: string; patientId: string | null; practitionerId: string | null }, clientAddress: string, requestId: string): RequestContext {
  return {
    principal: {
      kind: 'user',
      userId: user.id,
      role: user.role,
      clinicId: user.clinicId,
      displayName: user.displayName,
      patientId: user.patientId ?? undefined,
      practitionerId: user.practitionerId ?? undefined,
    },
    clientAddress,
    requestId,
  };
}

/** An attempt with no account behind it: audited with no user and no clinic. */
function anonymousCtx(clientAddress: string, requestId: string): RequestContext {
  return { principal: { kind: 'system', clinicId: '', actor: 'anonymous' }, clientAddress, requestId };
}

function requireUser(ctx: RequestContext): UserPrincipal {
  if (ctx.principal.kind !== 'user') throw new AppError('FORBIDDEN', 'This needs a signed-in user');
  return ctx.principal;
}

export function createAuthService({ database, clock, config, audit }: AuthServiceDeps): AuthService {
  const db = database.db;

  async function sessionUser(userId: string): Promise<SessionUser> {
    const rows = await db
      .select({
        id: appUser.id,
        email: appUser.email,
        displayName: appUser.displayName,
        role: appUser.role,
        clinicId: appUser.clinicId,
        clinicName: clinic.name,
        patientId: appUser.patientId,
        practitionerId: appUser.practitionerId,
        locale: appUser.locale,
      })
      .from(appUser)
      .innerJoin(clinic, eq(clinic.id, appUser.clinicId))
      .where(eq(appUser.id, userId));
    const row = rows[0];
    if (!row) throw new AppError('UNAUTHENTICATED');
    return { ...row, patientId: row.patientId ?? undefined, practitionerId: row.practitionerId ?? undefined };
  }

  /**
   * Counts recent failures and books this attempt (as failed until proven otherwise) in one
   * locked transaction, so a burst of parallel guesses cannot all slip past the check.
   * Returns the attempt's id, or undefined when the limit is reached.
   */
  async function bookAttempt(email: string, clientAddress: string): Promise<number | undefined> {
    const now = clock();
    const since = new Date(now.getTime() - config.loginWindowSeconds * 1000);
    return database.transaction(async (tx) => {
      await execute(tx, sql`select pg_advisory_xact_lock(${LOGIN_LOCK_KEY})`);
      // Failures for the account count from its last success (a good login clears them);
      // failures from the address count over the whole window.
      const [counts] = await execute<{ by_email: number | string; by_address: number | string }>(
        tx,
        sql`select
              (select count(*) from login_attempt
                where email = ${email} and not succeeded and at > ${since}
                  and id > coalesce((select max(id) from login_attempt where email = ${email} and succeeded), 0)) as by_email,
              (select count(*) from login_attempt
                where client_address = ${clientAddress} and not succeeded and at > ${since}) as by_address`,
      );
      const byEmail = Number(counts?.by_email ?? 0);
      const byAddress = Number(counts?.by_address ?? 0);
      if (byEmail >= config.loginMaxAttempts || byAddress >= config.loginMaxAttempts) return undefined;
      const [row] = await tx.insert(loginAttempt).values({ email, clientAddress, succeeded: false, at: now }).returning({ id: loginAttempt.id });
      return row?.id;
    });
  }

  return {
    async authenticate(token) {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return undefined;
      const tokenHash = hashToken(token);
      const rows = await db
        .select({
          kind: authSession.kind,
          expiresAt: authSession.expiresAt,
          revokedAt: authSession.revokedAt,
          lastUsedAt: authSession.lastUsedAt,
          id: appUser.id,
          role: appUser.role,
          clinicId: appUser.clinicId,
          displayName: appUser.displayName,
          patientId: appUser.patientId,
          practitionerId: appUser.practitionerId,
          active: appUser.active,
        })
        .from(authSession)
        .innerJoin(appUser, eq(appUser.id, authSession.userId))
        .where(eq(authSession.tokenHash, tokenHash));
      const row = rows[0];
      const now = clock();
      if (!row || row.revokedAt || !row.active) return undefined;
      if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return undefined;
      if (row.kind === 'api' && (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS)) {
        await db.update(authSession).set({ lastUsedAt: now }).where(eq(authSession.tokenHash, tokenHash));
      }
      return userCtx(row, '', '').principal as UserPrincipal;
    },

    async login({ email: rawEmail, password, clientAddress, requestId = 'login' }) {
      if (typeof rawEmail !== 'string' || rawEmail.trim() === '') throw invalidField('email', 'is required');
      if (typeof password !== 'string' || password === '') throw invalidField('password', 'is required');
      const email = normalizeEmail(rawEmail);
      const attemptId = await bookAttempt(email, clientAddress);
      const users = await db.select().from(appUser).where(eq(appUser.email, email));
      const user = users[0];
      if (attemptId === undefined) {
        await audit.record(user ? userCtx(user, clientAddress, requestId) : anonymousCtx(clientAddress, requestId), {
          action: 'login',
          outcome: 'denied',
          detail: { reason: 'rate-limited' },
        });
        throw new AppError('TOO_MANY_ATTEMPTS', 'Too many failed sign-in attempts; wait a few minutes before trying again');
      }
      // Verify even when the account does not exist, so both cost one argon2 verification.
      const ok = await verifyPassword(user ? user.passwordHash : await dummyHash(), password);
      if (!user || !ok || !user.active) {
        const reason = !user ? 'unknown-email' : !ok ? 'wrong-password' : 'inactive-user';
        await audit.record(user ? userCtx(user, clientAddress, requestId) : anonymousCtx(clientAddress, requestId), {
          action: 'login',
          outcome: 'failed',
          detail: { reason },
        });
        throw new AppError('INVALID_CREDENTIALS', 'The email or password is not correct');
      }
      const token = newToken('session');
      const now = clock();
      const expiresAt = new Date(now.getTime() + config.sessionTtlMinutes * 60 * 1000);
      const ctx = userCtx(user, clientAddress, requestId);
      await database.transaction(async (tx) => {
        await tx.insert(authSession).values({ tokenHash: hashToken(token), userId: user.id, kind: 'session', createdAt: now, expiresAt });
        await tx.update(loginAttempt).set({ succeeded: true }).where(eq(loginAttempt.id, attemptId));
        await audit.record(ctx, { action: 'login', outcome: 'success' }, tx);
      });
      return { token, expiresAt, user: await sessionUser(user.id) };
    },

    async logout(token, callCtx) {
      if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return;
      const now = clock();
      await database.transaction(async (tx) => {
        const revoked = await tx
          .update(authSession)
          .set({ revokedAt: now })
          .where(and(eq(authSession.tokenHash, hashToken(token)), isNull(authSession.revokedAt)))
          .returning({ userId: authSession.userId, kind: authSession.kind });
        const first = revoked[0];
        if (!first) return;
        const [user] = await tx.select().from(appUser).where(eq(appUser.id, first.userId));
        if (!user) return;
        const ctx = userCtx(user, callCtx?.clientAddress ?? 'local', callCtx?.requestId ?? 'logout');
        await audit.record(ctx, { action: 'logout', outcome: 'success', detail: { kind: first.kind } }, tx);
      });
    },

    async me(ctx) {
      return sessionUser(requireUser(ctx).userId);
    },

    async createApiToken(ctx, input) {
      const p = requireUser(ctx);
      if (!isStaff(p)) throw new AppError('FORBIDDEN', 'API tokens are for staff users');
      if (typeof input.label !== 'string' || input.label.trim() === '') throw invalidField('label', 'is required');
      if (input.label.length > 100) throw invalidField('label', 'must be at most 100 characters');
      const days = input.expiresInDays ?? API_TOKEN_DEFAULT_DAYS;
      if (!Number.isInteger(days) || days < 1 || days > API_TOKEN_MAX_DAYS) {
        throw invalidField('expiresInDays', `must be a whole number of days from 1 to ${API_TOKEN_MAX_DAYS}`);
      }
      const token = newToken('api');
      const tokenHash = hashToken(token);
      const now = clock();
      const expiresAt = new Date(now.getTime() + days * 86_400_000);
      const label = input.label.trim();
      await database.transaction(async (tx) => {
        await tx.insert(authSession).values({ tokenHash, userId: p.userId, kind: 'api', label, createdAt: now, expiresAt });
        await audit.record(ctx, { action: 'token-create', outcome: 'success', resourceId: tokenId(tokenHash) }, tx);
      });
      return { id: tokenId(tokenHash), token, label, createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null };
    },

    async revokeApiToken(ctx, id) {
      const p = requireUser(ctx);
      if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) throw invalidField('id', 'must be 16 hexadecimal digits');
      await database.transaction(async (tx) => {
        const rows = await tx
          .update(authSession)
          .set({ revokedAt: clock() })
          .where(and(like(authSession.tokenHash, `${id}%`), eq(authSession.userId, p.userId), eq(authSession.kind, 'api'), isNull(authSession.revokedAt)))
          .returning({ tokenHash: authSession.tokenHash });
        if (rows.length === 0) throw new AppError('NOT_FOUND', `You have no active API token ${id}`, { field: 'id' });
        // Revoking ends a credential, as a logout does; the detail says which one.
        await audit.record(ctx, { action: 'logout', outcome: 'success', resourceId: id, detail: { kind: 'api', revoked: true } }, tx);
      });
    },

    async listApiTokens(ctx) {
      const p = requireUser(ctx);
      const rows = await db
        .select()
        .from(authSession)
        .where(and(eq(authSession.userId, p.userId), eq(authSession.kind, 'api')))
        .orderBy(desc(authSession.createdAt));
      return rows.map((r) => ({
        id: tokenId(r.tokenHash),
        label: r.label ?? '',
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        revokedAt: r.revokedAt,
        lastUsedAt: r.lastUsedAt,
      }));
    },

    async listClinicUsers(ctx) {
      const p = requireUser(ctx);
      if (p.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs one of the roles: admin');
      return listUsers(db, p.clinicId);
    },

    async addUser(ctx, input) {
      const p = requireUser(ctx);
      if (p.role !== 'admin') throw new AppError('FORBIDDEN', 'This needs one of the roles: admin');
      return database.transaction(async (tx) => {
        const { id } = await createUser(tx, { ...input, clinicId: p.clinicId });
        await audit.record(ctx, { action: 'user-create', outcome: 'success', resourceType: 'User', resourceId: id }, tx);
        const created = await getUser(tx, id);
        if (!created) throw new Error('created user not found');
        return created;
      });
    },
  };
}
