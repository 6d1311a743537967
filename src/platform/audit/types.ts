/**
 * The audit contract every service writes through. Implemented by audit.service.ts.
 */
import type { Queryable } from '../db/database.ts';
import type { RequestContext } from '../context.ts';
import { AUDIT_ACTIONS } from './actions.ts';

export { AUDIT_ACTIONS };
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditOutcome = 'success' | 'denied' | 'failed';

export interface AuditInput {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  readonly resourceType?: string | undefined;
  readonly resourceId?: string | undefined;
  /** The Patient whose data this touched, when there is one. */
  readonly patientId?: string | undefined;
  /** Small, non-clinical facts (search parameter names, counts, model version, input hash). Never free text. */
  readonly detail?: Record<string, unknown> | undefined;
}

export interface AuditRecord extends AuditInput {
  readonly seq: number;
  readonly at: Date;
  readonly userId: string | null;
  readonly role: string | null;
  readonly clinicId: string | null;
  readonly clientAddress: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerifyResult {
  readonly ok: boolean;
  readonly checked: number;
  /** The first row whose hash does not match, when the chain is broken. */
  readonly brokenAt?: { seq: number; reason: string } | undefined;
}

export interface AuditQuery {
  readonly patientId?: string | undefined;
  readonly userId?: string | undefined;
  readonly action?: AuditAction | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Page size (default 50, max 500) and the seq to continue before (newest first). */
  readonly limit?: number | undefined;
  readonly beforeSeq?: number | undefined;
}

export interface AuditLog {
  /**
   * Appends one event. Pass the open transaction `q` when the audited write happens in
   * one, so the event and the write commit together; without it the event commits alone.
   * For a system principal, user id is null and the actor goes into detail.actor.
   */
  record(ctx: RequestContext, input: AuditInput, q?: Queryable): Promise<void>;
  /** Appends several events in order, in one statement where possible (bundles, imports). */
  recordMany(ctx: RequestContext, inputs: readonly AuditInput[], q?: Queryable): Promise<void>;
  /** Recomputes the chain from the first row; reports the first row that does not match. */
  verify(): Promise<AuditVerifyResult>;
  /** Newest first, scoped to the caller's clinic (admins only: the route checks the role). */
  list(clinicId: string, query: AuditQuery): Promise<AuditRecord[]>;
}
