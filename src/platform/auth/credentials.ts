/**
 * How credentials travel: the web app's session cookie, or `Authorization: Bearer` for
 * scripts. Both carry an opaque random token; the database keeps only its SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'wellage_session';

/** Prefixes make a leaked token recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = { session: 'wls_', api: 'wla_' } as const;

export function newToken(kind: keyof typeof TOKEN_PREFIX): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header, if well formed. */
export function readBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9_\-.~+/=]{10,200})$/i.exec(header.trim());
  return m?.[1];
}
