/**
 * Stored images and documents. The type is sniffed from the bytes (the client's declared
 * type and file name are never trusted); images are checked for size in pixels from
 * their header before any decoding, auto-rotated, and re-encoded with every metadata block
 * (EXIF, GPS, XMP, IPTC, ICC comments) dropped, so a photo cannot carry the patient's
 * location or the camera owner out of the clinic.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { RequestContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { storedFile } from '../db/schema.ts';
import { AppError, invalidField } from '../errors.ts';
import type { AuditLog } from '../audit/types.ts';
import { assertPatientAccess } from '../auth/access.ts';
import { createConsentService, type ConsentService } from '../consent/consent.service.ts';
import type { BlobStore } from './blob-store.ts';
import { sweepUnattachedFiles, type SweepOptions, type SweepResult } from './sweep.ts';

/** The accepted types, by sniffed MIME type. */
export const ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff', 'application/pdf'] as const;
export type AllowedType = (typeof ALLOWED_TYPES)[number];

export function isImageType(t: string): boolean {
  return t.startsWith('image/');
}

export interface StoredFileInfo {
  id: string;
  contentType: AllowedType;
  byteSize: number;
  sha256: string;
  width?: number | undefined;
  height?: number | undefined;
}

export interface FileContent extends StoredFileInfo {
  bytes: Buffer;
  patientId?: string | undefined;
  createdAt: Date;
}

export interface FileService {
  /** Checks, cleans and stores one file; audited as 'file-upload'. */
  store(ctx: RequestContext, input: { bytes: Buffer; patientId?: string | undefined; filename?: string | undefined }): Promise<StoredFileInfo>;
  /** One stored file, with the same access rules; audited as 'file-read'. */
  read(ctx: RequestContext, id: string): Promise<FileContent>;
  /** Deletes uploads never attached to a record within the grace period (sweep.ts); each audited as 'file-expire'. */
  sweepUnattached(options?: SweepOptions): Promise<SweepResult>;
}

export interface FileServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly config: Config;
  readonly audit: AuditLog;
  readonly blobs: BlobStore;
  /** Used to require 'care' consent for files of a patient; built here when absent. */
  readonly consent?: ConsentService | undefined;
}

/**
 * Sniffs the type from the bytes. FILE_TYPE_NOT_ALLOWED for anything outside the list.
 * Pure apart from file-type's own parsing.
 */
export async function sniffType(bytes: Buffer): Promise<AllowedType> {
  const found = await fileTypeFromBuffer(bytes);
  if (!found || !(ALLOWED_TYPES as readonly string[]).includes(found.mime)) {
    throw new AppError('FILE_TYPE_NOT_ALLOWED', `The file content is ${found ? found.mime : 'not a recognised format'}; accepted are JPEG, PNG, WebP, TIFF and PDF`, {
      field: 'file',
      details: { accepted: [...ALLOWED_TYPES] },
    });
  }
  return found.mime as AllowedType;
}

/**
 * Re-encodes an image in its own format without any metadata, upright. Refuses images
 * above `maxPixels` from the header, before decoding (a decompression bomb is small on the
 * wire and huge in memory); sharp's limitInputPixels backs that up during decoding.
 */
export async function cleanImage(bytes: Buffer, type: AllowedType, maxPixels: number): Promise<{ bytes: Buffer; width: number; height: number }> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new AppError('FILE_TYPE_NOT_ALLOWED', `The file looks like ${type} but cannot be read as one`, { field: 'file', cause: e });
  }
  const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
  if (pixels > maxPixels) {
    throw new AppError('IMAGE_TOO_MANY_PIXELS', `The image is ${meta.width}×${meta.height} pixels; the limit is ${maxPixels} pixels`, {
      field: 'file',
      details: { width: meta.width, height: meta.height, limitPixels: maxPixels },
    });
  }
  // sharp writes no metadata unless asked (withMetadata/keepExif), so the output is clean;
  // autoOrient applies the EXIF orientation first, since it is about to be dropped.
  const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).autoOrient();
  const encoded =
    type === 'image/jpeg'
      ? pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      : type === 'image/png'
        ? pipeline.png()
        : type === 'image/webp'
          ? pipeline.webp({ quality: 95 })
          : pipeline.tiff({ compression: 'lzw' });
  try {
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height };
  } catch (e) {
    if (String(e).includes('pixel limit')) {
      throw new AppError('IMAGE_TOO_MANY_PIXELS', `The image has more than ${maxPixels} pixels`, { field: 'file', cause: e });
    }
    throw new AppError('FILE_TYPE_NOT_ALLOWED', `The file looks like ${type} but cannot be decoded`, { field: 'file', cause: e });
  }
}

const FILE_ID = /^[0-9a-f-]{36}$/;

export function createFileService(deps: FileServiceDeps): FileService {
  const { database, config, audit, blobs } = deps;
  const consent = deps.consent ?? createConsentService({ database, clock: deps.clock, audit });

  return {
    async store(ctx, { bytes, patientId }) {
      if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw invalidField('file', 'is required and must not be empty');
      if (bytes.length > config.uploadLimitBytes) {
        throw new AppError('FILE_TOO_LARGE', `The file is ${bytes.length} bytes; the limit is ${config.uploadLimitBytes}`, {
          field: 'file',
          details: { limitBytes: config.uploadLimitBytes },
        });
      }
      if (patientId !== undefined) {
        if (typeof patientId !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(patientId)) throw invalidField('patientId', 'must be a FHIR id');
        await assertPatientAccess(database.db, ctx, patientId);
        await consent.requireConsent(ctx, patientId, 'care');
      } else if (ctx.principal.kind === 'user' && ctx.principal.role === 'patient') {
        // A patient's uploads always belong to their own record.
        patientId = ctx.principal.patientId;
        if (patientId) await consent.requireConsent(ctx, patientId, 'care');
      }
      const contentType = await sniffType(bytes);
      let stored = bytes;
      let width: number | undefined;
      let height: number | undefined;
      if (isImageType(contentType)) {
        ({ bytes: stored, width, height } = await cleanImage(bytes, contentType, config.uploadLimitPixels));
      }
      const id = randomUUID();
      const storageKey = `${ctx.principal.clinicId.replace(/[^A-Za-z0-9_-]/g, '_')}/${id}`;
      const sha256 = createHash('sha256').update(stored).digest('hex');
      const info: StoredFileInfo = { id, contentType, byteSize: stored.length, sha256, width, height };
      // Blob first, then the row: if the row fails the blob is removed, so neither is left
      // alone (a crash in between leaves only an unreferenced blob, never a dangling row).
      await blobs.put(storageKey, stored, contentType);
      try {
        await database.transaction(async (tx) => {
          await tx.insert(storedFile).values({
            id,
            clinicId: ctx.principal.clinicId,
            patientId: patientId ?? null,
            contentType,
            byteSize: stored.length,
            sha256,
            width: width ?? null,
            height: height ?? null,
            storageKey,
            createdBy: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
            createdAt: deps.clock(),
          });
          await audit.record(ctx, { action: 'file-upload', outcome: 'success', resourceType: 'File', resourceId: id, patientId, detail: { contentType, byteSize: stored.length } }, tx);
        });
      } catch (e) {
        await blobs.delete(storageKey).catch(() => undefined);
        throw e;
      }
      return info;
    },

    async read(ctx, id) {
      if (typeof id !== 'string' || !FILE_ID.test(id)) throw invalidField('id', 'must be a file id');
      const rows = await database.db
        .select()
        .from(storedFile)
        .where(and(eq(storedFile.id, id), eq(storedFile.clinicId, ctx.principal.clinicId)));
      const row = rows[0];
      if (!row) throw new AppError('NOT_FOUND', `No file ${id}`, { field: 'id' });
      if (row.patientId) await assertPatientAccess(database.db, ctx, row.patientId);
      const bytes = await blobs.get(row.storageKey);
      if (!bytes) throw new AppError('GONE', `The bytes of file ${id} are missing from storage`);
      await audit.record(ctx, { action: 'file-read', outcome: 'success', resourceType: 'File', resourceId: id, patientId: row.patientId ?? undefined });
      return {
        id,
        bytes,
        contentType: row.contentType as AllowedType,
        byteSize: row.byteSize,
        sha256: row.sha256,
        width: row.width ?? undefined,
        height: row.height ?? undefined,
        patientId: row.patientId ?? undefined,
        createdAt: row.createdAt,
      };
    },

    sweepUnattached(options) {
      return sweepUnattachedFiles({ database, clock: deps.clock, audit, blobs }, { graceHours: config.unattachedFileHours, ...options });
    },
  };
}
