/**
 * HTTP interface of identity and access: sign-in and out, the signed-in user, API tokens
 * for scripts, and the clinic's users. Thin: every rule lives in auth.service.ts and
 * users.ts. Response schemas list every field, so nothing else (a password hash) can leak.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.ts';
import { STAFF_ROLES } from '../context.ts';
import { ROLES } from '../db/schema.ts';
import { requireContext, requireRole } from '../http/request-context.ts';
import { readBearer, SESSION_COOKIE } from './credentials.ts';
import { LOCALES, PASSWORD_MAX_LENGTH, type UserRecord } from './users.ts';

/** The signed-in user as the web app reads it. */
export const sessionUserSchema = z.object({
  id: z.string().describe('User id'),
  email: z.string().describe('Sign-in email, lower-case'),
  displayName: z.string().describe('Name shown in the app'),
  role: z.enum(ROLES).describe('Role: admin, clinician, nurse, patient or learner'),
  clinicId: z.string().describe('The clinic (tenant) the user belongs to'),
  clinicName: z.string().describe("The clinic's name"),
  patientId: z.string().optional().describe('For role patient: the only Patient this user may see'),
  practitionerId: z.string().optional().describe('For staff: the FHIR Practitioner the user acts as'),
  locale: z.enum(LOCALES).describe('Interface language'),
});

/** A user of the clinic, as admins list them. */
export const userSchema = z.object({
  id: z.string().describe('User id'),
  clinicId: z.string().describe('The clinic (tenant) the user belongs to'),
  email: z.string().describe('Sign-in email, lower-case'),
  displayName: z.string().describe('Name shown in the app'),
  role: z.enum(ROLES).describe('Role'),
  patientId: z.string().nullable().describe('For role patient: the linked Patient'),
  practitionerId: z.string().nullable().describe('For staff: the linked Practitioner'),
  locale: z.enum(LOCALES).describe('Interface language'),
  active: z.boolean().describe('False when the account is disabled'),
  createdAt: z.string().describe('When the account was created (ISO 8601)'),
});

const apiTokenSchema = z.object({
  id: z.string().describe('Public handle of the token, used to revoke it'),
  label: z.string().describe('What the token is for'),
  createdAt: z.string().describe('When it was created (ISO 8601)'),
  expiresAt: z.string().nullable().describe('When it stops working (ISO 8601)'),
  revokedAt: z.string().nullable().describe('When it was revoked, if it was (ISO 8601)'),
  lastUsedAt: z.string().nullable().describe('Roughly when it was last used (ISO 8601, to the nearest 5 minutes)'),
});

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function userOut(u: UserRecord): z.infer<typeof userSchema> {
  return { ...u, createdAt: u.createdAt.toISOString() };
}

/** The credential this request came with, valid or not (logout revokes it either way). */
function presentedCredential(request: FastifyRequest): string | undefined {
  return request.credential ?? readBearer(request.headers.authorization) ?? request.cookies[SESSION_COOKIE];
}

function isHttps(request: FastifyRequest, secureCookies: boolean): boolean {
  return secureCookies || request.protocol === 'https';
}

function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}

export const authRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { config } = services.deps;

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: z.object({
          email: z.string().min(1).max(254).describe('Sign-in email (case does not matter)'),
          password: z.string().min(1).max(PASSWORD_MAX_LENGTH).describe('Password'),
        }),
        response: { 200: z.object({ user: sessionUserSchema.describe('The signed-in user') }) },
      },
    },
    async (request, reply) => {
      const { token, user } = await services.auth.login({
        email: request.body.email,
        password: request.body.password,
        clientAddress: request.ip,
        requestId: String(request.id),
      });
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: isHttps(request, config.secureCookies),
        maxAge: config.sessionTtlMinutes * 60,
      });
      return { user };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out: revokes the session (or the bearer token) at once and clears the cookie',
        response: { 204: z.null().describe('Signed out') },
      },
    },
    async (request, reply) => {
      const token = presentedCredential(request);
      if (token) await services.auth.logout(token, { clientAddress: request.ip, requestId: String(request.id) });
      clearSessionCookie(reply, isHttps(request, config.secureCookies));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: z.object({ user: sessionUserSchema.describe('The signed-in user') }) },
      },
    },
    async (request) => ({ user: await services.auth.me(requireContext(request)) }),
  );

  app.post(
    '/api/auth/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a bearer API token for scripts (staff); the token is shown only in this answer',
        body: z.object({
          label: z.string().min(1).max(100).describe('What the token is for, e.g. "nightly export"'),
          expiresInDays: z.number().int().min(1).max(365).optional().describe('Lifetime in days (default 90)'),
        }),
        response: { 201: apiTokenSchema.extend({ token: z.string().describe('The token itself; store it now, it is not shown again') }) },
      },
    },
    async (request, reply) => {
      const ctx = requireRole(request, STAFF_ROLES);
      const t = await services.auth.createApiToken(ctx, { label: request.body.label, expiresInDays: request.body.expiresInDays });
      return reply.status(201).send({ ...t, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt), revokedAt: null, lastUsedAt: null });
    },
  );

  app.get(
    '/api/auth/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: "The caller's API tokens (never the tokens themselves)",
        response: { 200: z.object({ tokens: z.array(apiTokenSchema).describe('Newest first') }) },
      },
    },
    async (request) => {
      const ctx = requireRole(request, STAFF_ROLES);
      const tokens = await services.auth.listApiTokens(ctx);
      return {
        tokens: tokens.map((t) => ({
          ...t,
          createdAt: t.createdAt.toISOString(),
          expiresAt: iso(t.expiresAt),
          revokedAt: iso(t.revokedAt),
          lastUsedAt: iso(t.lastUsedAt),
        })),
      };
    },
  );

  app.delete(
    '/api/auth/tokens/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of your API tokens; it stops working at once',
        params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/).describe('The token handle from GET /api/auth/tokens') }),
        response: { 204: z.null().describe('Revoked') },
      },
    },
    async (request, reply) => {
      const ctx = requireRole(request, STAFF_ROLES);
      await services.auth.revokeApiToken(ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: "The users of the admin's clinic",
        response: { 200: z.object({ users: z.array(userSchema).describe('Users, by email') }) },
      },
    },
    async (request) => {
      const ctx = requireRole(request, ['admin']);
      return { users: (await services.auth.listClinicUsers(ctx)).map(userOut) };
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: "Add a user to the admin's clinic",
        body: z.object({
          email: z.string().describe('Sign-in email; must be unique'),
          displayName: z.string().describe('Name shown in the app (stored as given, shown escaped)'),
          role: z.enum(ROLES).describe('Role'),
          password: z.string().describe('Initial password, at least 10 characters'),
          patientId: z.string().optional().describe('Required for role patient: the Patient this user may see'),
          practitionerId: z.string().optional().describe('For staff: the Practitioner the user acts as'),
          locale: z.enum(LOCALES).optional().describe('Interface language (default en)'),
        }),
        response: { 201: z.object({ user: userSchema.describe('The new user') }) },
      },
    },
    async (request, reply) => {
      const ctx = requireRole(request, ['admin']);
      const user = await services.auth.addUser(ctx, request.body);
      return reply.status(201).send({ user: userOut(user) });
    },
  );
};
