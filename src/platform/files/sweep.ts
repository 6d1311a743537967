/**
 * Retention of uploads that were never attached to a record. An image is uploaded first
 * (POST /api/files) and attached by the step that uses it (a lesion exam); when that step
 * never comes (the tab closed, consent was missing, the analysis was abandoned), the image
 * would otherwise stay stored for good: patient data kept without a purpose. The sweep
 * deletes such files once they are older than the grace period, each deletion audited as
 * 'file-expire' in the file's clinic.
 *
 * "Attached" means referenced by a column in FILE_REFERENCES; a test holds that list equal
 * to the foreign keys that point at stored_file, so a new capability that keeps files
 * cannot forget to register. The foreign keys are also the last guard: a file attached
 * between the query and the delete makes the delete fail, and the file is kept.
 */
import { and, asc, eq, lt, notExists, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Clock } from '../clock.ts';
import { systemContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { lesionExam, storedFile } from '../db/schema.ts';
import type { AuditLog } from '../audit/types.ts';
import type { BlobStore } from './blob-store.ts';

/** Every column that attaches a stored file to a record. */
export const FILE_REFERENCES: readonly AnyPgColumn[] = [lesionExam.fileId];

export interface SweepOptions {
  /** Files created at least this long ago are swept (hours, > 0; the files service defaults it to WELLAGE_UNATTACHED_FILE_HOURS). */
  graceHours?: number;
  /** List what would be deleted and delete nothing. */
  dryRun?: boolean;
  /** At most this many files per run (bounded work; run again for more). */
  limit?: number;
}

export interface SweptFile {
  id: string;
  clinicId: string;
  patientId: string | null;
  contentType: string;
  byteSize: number;
  createdAt: string;
}

export interface SweepResult {
  cutoff: string;
  dryRun: boolean;
  deleted: SweptFile[];
  /** Files that were attached while the sweep ran, and so kept. */
  kept: string[];
}

export interface SweepDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly blobs: BlobStore;
}

export async function sweepUnattachedFiles(deps: SweepDeps, options: SweepOptions & { graceHours: number }): Promise<SweepResult> {
  const { graceHours } = options;
  if (!(Number.isFinite(graceHours) && graceHours > 0)) throw new Error(`graceHours must be a positive number of hours, got ${graceHours}`);
  const limit = options.limit ?? 1000;
  if (!(Number.isInteger(limit) && limit > 0)) throw new Error(`limit must be a positive integer, got ${limit}`);
  const cutoff = new Date(deps.clock().getTime() - graceHours * 3_600_000);
  const { db } = deps.database;
  const unattached = FILE_REFERENCES.map((column) =>
    notExists(db.select({ one: sql`1` }).from(column.table).where(eq(column, storedFile.id))),
  );
  const candidates = await db
    .select()
    .from(storedFile)
    .where(and(lt(storedFile.createdAt, cutoff), ...unattached))
    .orderBy(asc(storedFile.createdAt))
    .limit(limit);
  const describe = (f: (typeof candidates)[number]): SweptFile => ({
    id: f.id,
    clinicId: f.clinicId,
    patientId: f.patientId,
    contentType: f.contentType,
    byteSize: f.byteSize,
    createdAt: f.createdAt.toISOString(),
  });
  const result: SweepResult = { cutoff: cutoff.toISOString(), dryRun: options.dryRun === true, deleted: [], kept: [] };
  if (options.dryRun) {
    result.deleted = candidates.map(describe);
    return result;
  }
  for (const f of candidates) {
    try {
      // Row and audit event together; the bytes after the commit (a crash in between leaves
      // bytes no row points at, never a row without its bytes).
      await deps.database.transaction(async (tx) => {
        await tx.delete(storedFile).where(eq(storedFile.id, f.id));
        await deps.audit.record(
          systemContext(f.clinicId, 'file-sweep'),
          {
            action: 'file-expire',
            outcome: 'success',
            resourceType: 'File',
            resourceId: f.id,
            patientId: f.patientId ?? undefined,
            detail: { reason: `never attached to a record within ${graceHours} h`, createdAt: f.createdAt.toISOString(), byteSize: f.byteSize },
          },
          tx,
        );
      });
    } catch (e) {
      if (isForeignKeyViolation(e)) {
        result.kept.push(f.id);
        continue;
      }
      throw e;
    }
    await deps.blobs.delete(f.storageKey);
    result.deleted.push(describe(f));
  }
  return result;
}

/** PostgreSQL's foreign_key_violation (SQLSTATE 23503), from pg or PGlite, possibly wrapped by Drizzle. */
function isForeignKeyViolation(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) {
    if ((c as { code?: unknown }).code === '23503') return true;
  }
  return false;
}
