/**
 * The thin fetch client of the web app. Every call goes to the same origin with the
 * session cookie; failures become an `ApiError` (see errors.ts) with the server's message.
 */
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { ApiError, errorFromResponse } from './errors.ts';
import type { AuditPage, AuditVerify, ConsentState, User } from './types.ts';

const FHIR_BASE = '/fhir/R4';

/**
 * The same-origin path of a FHIR paging link. The server gives full URLs; we keep only
 * path and query so the session cookie always travels and a link can never lead the app
 * to another host. Links outside the FHIR base are refused (undefined).
 */
export function fhirLinkPath(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link, base);
  } catch {
    return undefined;
  }
  if (!url.pathname.startsWith(`${FHIR_BASE}/`)) return undefined;
  return url.pathname + url.search;
}

/** A FHIR search URL for `type` with the given parameters (empty values are left out). */
export function fhirSearchPath(type: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return `${FHIR_BASE}/${type}${qs ? `?${qs}` : ''}`;
}

let sessionEnded: (() => void) | undefined;

/**
 * Registers what to do when the server says the session is over (401 on a data call):
 * the auth provider forgets the user, and the router sends them to the login form.
 */
export function onSessionEnded(handler: (() => void) | undefined): void {
  sessionEnded = handler;
}

/**
 * One JSON call to the API with the session cookie; a failure becomes an ApiError.
 * Exported for the capability folders (e.g. web/src/risk/api.ts) that add their own calls.
 */
export async function call<T>(path: string, init: RequestInit = {}, fhir = false): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('accept', fhir ? 'application/fhir+json' : 'application/json');
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'The server could not be reached');
  }
  const text = await res.text();
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    // A wrong password (login) or "nobody signed in" (me) is not a session that ended.
    if (res.status === 401 && !path.startsWith('/api/auth/')) sessionEnded?.();
    throw errorFromResponse(res.status, body, res.statusText);
  }
  return body as T;
}

/** The entries of a searchset bundle that are of the asked type (drops included/outcome entries). */
export function bundleResources<T extends Resource>(bundle: Bundle | undefined, type: T['resourceType']): T[] {
  return (bundle?.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is T => r !== undefined && r.resourceType === type);
}

export const api = {
  async login(email: string, password: string): Promise<User> {
    const r = await call<{ user: User }>('/api/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
    return r.user;
  },
  async logout(): Promise<void> {
    await call<void>('/api/auth/logout', { method: 'POST' });
  },
  /** The signed-in user, or null when nobody is (401). */
  async me(): Promise<User | null> {
    try {
      const r = await call<{ user: User }>('/api/auth/me');
      return r.user;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return null;
      throw e;
    }
  },
  /** A FHIR search; `path` may be a paging link already made local by fhirLinkPath. */
  searchPath(path: string): Promise<Bundle> {
    return call<Bundle>(path, {}, true);
  },
  search(type: string, params: Record<string, string | number | undefined>): Promise<Bundle> {
    return call<Bundle>(fhirSearchPath(type, params), {}, true);
  },
  patient(id: string): Promise<Patient> {
    return call<Patient>(`${FHIR_BASE}/Patient/${encodeURIComponent(id)}`, {}, true);
  },
  consents(patientId: string): Promise<ConsentState[]> {
    return call<ConsentState[]>(`/api/patients/${encodeURIComponent(patientId)}/consents`);
  },
  audit(params: { limit?: number; beforeSeq?: number; action?: string; patientId?: string }): Promise<AuditPage> {
    const q = new URLSearchParams();
    q.set('limit', String(params.limit ?? 50));
    if (params.beforeSeq !== undefined) q.set('beforeSeq', String(params.beforeSeq));
    if (params.action) q.set('action', params.action);
    if (params.patientId) q.set('patientId', params.patientId);
    return call<AuditPage>(`/api/audit?${q.toString()}`);
  },
  auditVerify(): Promise<AuditVerify> {
    return call<AuditVerify>('/api/audit/verify');
  },
};
