/**
 * The signed-in principal on each request, and the guards routes use. The auth hook in
 * app.ts sets `request.principal` from the session cookie or the bearer token.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { RequestContext, UserPrincipal } from '../context.ts';
import type { Role } from '../db/schema.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook when the request carries a valid session or token. */
    principal: UserPrincipal | undefined;
    /** The raw credential that authenticated this request (for logout). */
    credential: string | undefined;
  }
}

/** The caller's context; 401 when nobody is signed in. */
export function requireContext(request: FastifyRequest): RequestContext & { principal: UserPrincipal } {
  const principal = request.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  return { principal, clientAddress: request.ip, requestId: String(request.id) };
}

/** The caller's context when their role is one of `roles`; 403 otherwise. */
export function requireRole(
  request: FastifyRequest,
  roles: readonly Role[],
): RequestContext & { principal: UserPrincipal } {
  const ctx = requireContext(request);
  if (!roles.includes(ctx.principal.role)) {
    throw new AppError('FORBIDDEN', `This needs one of the roles: ${roles.join(', ')}`);
  }
  return ctx;
}
