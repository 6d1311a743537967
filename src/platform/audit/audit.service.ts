/**
 * The append-only, hash-chained audit log (the contract is ./types.ts).
 *
 * Each row's hash is sha256(prev_hash + canonical JSON of its fields, seq and ISO time
 * included); the first row's prev_hash is 64 zeros. Sequence numbers are gapless and are
 * handed out under a transaction-scoped advisory lock, so concurrent writers (a pool of
 * connections, several processes) append one after the other and never fork the chain.
 * A database trigger refuses UPDATE and DELETE; verify() catches what the trigger cannot
 * (someone with owner rights disabling it, or editing the files).
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { RequestContext } from '../context.ts';
import { execute, type Database, type Queryable } from '../db/database.ts';
import { auditEvent } from '../db/schema.ts';
import { AUDIT_ACTIONS, type AuditInput, type AuditLog, type AuditOutcome, type AuditQuery, type AuditRecord, type AuditVerifyResult } from './types.ts';

export * from './types.ts';

/** The prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Arbitrary constant naming the audit append lock (the migration lock is 741_852_963). */
const AUDIT_LOCK_KEY = 741_852_964;
/** Rows per page when verifying, so memory stays flat however long the log grows. */
const VERIFY_PAGE = 1000;

export interface AuditLogDeps {
  readonly database: Database;
  readonly clock: Clock;
}

/** The fields a row's hash covers, in the form they are stored. */
export interface ChainedFields {
  seq: number;
  at: string;
  userId: string | null;
  role: string | null;
  clinicId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  clientAddress: string | null;
  outcome: AuditOutcome;
  detail: Record<string, unknown> | null;
}

/** JSON with object keys sorted at every level, so the same content always hashes alike (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of one row given the previous row's hash. Pure. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/** Who is acting, as the log stores it. An empty clinic id (anonymous login attempts) is stored as null. */
function actorOf(ctx: RequestContext): { userId: string | null; role: string | null; clinicId: string | null; actor?: string } {
  const p = ctx.principal;
  if (p.kind === 'user') return { userId: p.userId, role: p.role, clinicId: p.clinicId };
  return { userId: null, role: 'system', clinicId: p.clinicId || null, actor: p.actor };
}

/** Detail as jsonb will give it back: undefined dropped, dates as strings. */
function normalizeDetail(detail: Record<string, unknown> | undefined, actor: string | undefined): Record<string, unknown> | null {
  const merged = actor === undefined ? detail : { ...detail, actor };
  if (merged === undefined) return null;
  return JSON.parse(JSON.stringify(merged)) as Record<string, unknown>;
}

function toRecord(row: typeof auditEvent.$inferSelect): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    userId: row.userId,
    role: row.role,
    clinicId: row.clinicId,
    clientAddress: row.clientAddress,
    action: row.action as AuditRecord['action'],
    outcome: row.outcome,
    resourceType: row.resourceType ?? undefined,
    resourceId: row.resourceId ?? undefined,
    patientId: row.patientId ?? undefined,
    detail: row.detail ?? undefined,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function fieldsOf(row: typeof auditEvent.$inferSelect): ChainedFields {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    userId: row.userId,
    role: row.role,
    clinicId: row.clinicId,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    patientId: row.patientId,
    clientAddress: row.clientAddress,
    outcome: row.outcome,
    detail: row.detail,
  };
}

/** Creates the audit log over the `audit_event` table. */
export function createAuditLog({ database, clock }: AuditLogDeps): AuditLog {
  /** Appends events (each with its own caller) at the chain's tail, inside `tx`. */
  async function append(tx: Queryable, entries: readonly { ctx: RequestContext; input: AuditInput }[]): Promise<void> {
    // Held until the surrounding transaction ends: the next writer sees these rows as the tail.
    await execute(tx, sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
    const tail = await tx.select({ seq: auditEvent.seq, hash: auditEvent.hash }).from(auditEvent).orderBy(desc(auditEvent.seq)).limit(1);
    let seq = tail[0]?.seq ?? 0;
    let prevHash = tail[0]?.hash ?? GENESIS_HASH;
    const at = clock();
    const rows = entries.map(({ ctx, input }) => {
      if (!(AUDIT_ACTIONS as readonly string[]).includes(input.action)) throw new Error(`Unknown audit action ${input.action}`);
      const { actor, ...who } = actorOf(ctx);
      seq += 1;
      const fields: ChainedFields = {
        seq,
        at: at.toISOString(),
        ...who,
        action: input.action,
        resourceType: input.resourceType ?? null,
        resourceId: input.resourceId ?? null,
        patientId: input.patientId ?? null,
        clientAddress: ctx.clientAddress || null,
        outcome: input.outcome,
        detail: normalizeDetail(input.detail, actor),
      };
      const hash = chainHash(prevHash, fields);
      const row = { ...fields, at, prevHash, hash };
      prevHash = hash;
      return row;
    });
    // Bounded statement size: a large import audits thousands of entries at once.
    for (let i = 0; i < rows.length; i += 500) await tx.insert(auditEvent).values(rows.slice(i, i + 500));
  }

  /**
   * Group commit for events recorded outside a caller's transaction (reads, searches,
   * logins). Every request must append to the one chain under one lock, so one
   * transaction per event serialises the whole server on the audit tail. Instead, events
   * that arrive while a flush is running wait and go together in the next transaction.
   * Each caller still resolves only after its own events are committed: nothing is
   * answered before it is audited, and a failed flush fails every request in it.
   */
  let pending: { ctx: RequestContext; inputs: readonly AuditInput[]; done: () => void; fail: (e: unknown) => void }[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        try {
          await database.transaction((tx) => append(tx, batch.flatMap(({ ctx, inputs }) => inputs.map((input) => ({ ctx, input })))));
          for (const item of batch) item.done();
        } catch (e) {
          for (const item of batch) item.fail(e);
        }
      }
    } finally {
      flushing = false;
    }
  }

  async function recordMany(ctx: RequestContext, inputs: readonly AuditInput[], q?: Queryable): Promise<void> {
    if (inputs.length === 0) return;
    // The bare database handle is not a transaction: the advisory lock would end with the statement.
    if (q && q !== database.db) return append(q, inputs.map((input) => ({ ctx, input })));
    // A bug, not a refusal: fail the caller alone, before its events can spoil a shared flush.
    for (const input of inputs) {
      if (!(AUDIT_ACTIONS as readonly string[]).includes(input.action)) throw new Error(`Unknown audit action ${input.action}`);
    }
    await new Promise<void>((done, fail) => {
      pending.push({ ctx, inputs, done, fail });
      if (!flushing) void flush();
    });
  }

  return {
    record: (ctx, input, q) => recordMany(ctx, [input], q),
    recordMany,

    async verify(): Promise<AuditVerifyResult> {
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let checked = 0;
      for (;;) {
        const page = await database.db
          .select()
          .from(auditEvent)
          .where(gt(auditEvent.seq, expectedSeq - 1))
          .orderBy(asc(auditEvent.seq))
          .limit(VERIFY_PAGE);
        for (const row of page) {
          if (row.seq !== expectedSeq) {
            return { ok: false, checked, brokenAt: { seq: expectedSeq, reason: `row ${expectedSeq} is missing (next row is ${row.seq})` } };
          }
          if (row.prevHash !== prevHash) {
            return { ok: false, checked, brokenAt: { seq: row.seq, reason: 'prev_hash does not match the previous row' } };
          }
          if (chainHash(prevHash, fieldsOf(row)) !== row.hash) {
            return { ok: false, checked, brokenAt: { seq: row.seq, reason: 'content does not match its hash' } };
          }
          prevHash = row.hash;
          expectedSeq += 1;
          checked += 1;
        }
        if (page.length < VERIFY_PAGE) return { ok: true, checked };
      }
    },

    async list(clinicId: string, query: AuditQuery): Promise<AuditRecord[]> {
      const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 500);
      const where: SQL[] = [eq(auditEvent.clinicId, clinicId)];
      if (query.patientId !== undefined) where.push(eq(auditEvent.patientId, query.patientId));
      if (query.userId !== undefined) where.push(eq(auditEvent.userId, query.userId));
      if (query.action !== undefined) where.push(eq(auditEvent.action, query.action));
      if (query.since !== undefined) where.push(gte(auditEvent.at, query.since));
      if (query.until !== undefined) where.push(lte(auditEvent.at, query.until));
      if (query.beforeSeq !== undefined) where.push(lt(auditEvent.seq, query.beforeSeq));
      const rows = await database.db
        .select()
        .from(auditEvent)
        .where(and(...where))
        .orderBy(desc(auditEvent.seq))
        .limit(limit);
      return rows.map(toRecord);
    },
  };
}
