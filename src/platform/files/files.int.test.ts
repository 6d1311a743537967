import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { storedFile } from '../db/schema.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import type { AuditLog } from '../audit/types.ts';
import type { RequestContext } from '../context.ts';
import type { Role } from '../db/schema.ts';
import { insertConsent, seedTenants, testConfig } from '../../../test/support/tenants.ts';
import { createLocalBlobStore, type BlobStore } from './blob-store.ts';
import { createFileService, type FileService } from './files.service.ts';
import { GPS_TAG, jpegWithGps, MINIMAL_PDF, png } from '../../../test/support/images.ts';

function user(userId: string, role: Role, clinicId: string, patientId?: string): RequestContext {
  return { principal: { kind: 'user', userId, role, clinicId, displayName: userId, patientId }, clientAddress: '192.0.2.1', requestId: 't' };
}

describe.each(DB_KINDS)('file service on %s', (kind) => {
  let t: TestDatabase;
  let files: FileService;
  let audit: AuditLog;
  let blobDir: string;
  let blobs: BlobStore;
  const clock = () => new Date('2026-06-01T12:00:00Z');
  const config = testConfig({ WELLAGE_UPLOAD_LIMIT_BYTES: '100000', WELLAGE_UPLOAD_LIMIT_PIXELS: '1000000' });
  const nurseA = user('nurse-a', 'nurse', 'clinic-a');

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    audit = createAuditLog({ database: t.database, clock });
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-files-'));
    blobs = createLocalBlobStore(blobDir);
    files = createFileService({ database: t.database, clock, config, audit, blobs });
    await seedTenants(t.database.db);
    await insertConsent(t.database.db, 'clinic-a', 'pat-a1', 'care', 'permit');
  });
  afterAll(() => t.drop());

  it('stores a photo of a consenting patient without EXIF or GPS, and reads it back', async () => {
    const info = await files.store(nurseA, { bytes: await jpegWithGps(), patientId: 'pat-a1', filename: 'IMG_0001.jpg' });
    expect(info).toMatchObject({ contentType: 'image/jpeg', width: 48, height: 64 });
    const back = await files.read(nurseA, info.id);
    expect(back.sha256).toBe(info.sha256);
    const meta = await sharp(back.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(back.bytes.includes(GPS_TAG) || back.bytes.includes(Buffer.from('TestCam'))).toBe(false);
    const events = await audit.list('clinic-a', {});
    expect(events.slice(0, 2).map((e) => [e.action, e.resourceId, e.patientId])).toEqual([
      ['file-read', info.id, 'pat-a1'],
      ['file-upload', info.id, 'pat-a1'],
    ]);
  });

  it('refuses a file of a patient without care consent, naming the consent', async () => {
    await expect(files.store(nurseA, { bytes: await png(8, 8), patientId: 'pat-a2' })).rejects.toMatchObject({
      code: 'CONSENT_MISSING',
      status: 403,
      field: 'consent.care',
    });
  });

  it('enforces who may see the patient: learner, another patient, another clinic', async () => {
    const bytes = await png(8, 8);
    await expect(files.store(user('learner-a', 'learner', 'clinic-a'), { bytes, patientId: 'pat-a1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(files.store(user('patient-a', 'patient', 'clinic-a', 'pat-a2'), { bytes, patientId: 'pat-a1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(files.store(user('nurse-b', 'nurse', 'clinic-b'), { bytes, patientId: 'pat-a1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const stored = await files.store(nurseA, { bytes, patientId: 'pat-a1' });
    await expect(files.read(user('nurse-b', 'nurse', 'clinic-b'), stored.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(files.read(user('learner-a', 'learner', 'clinic-a'), stored.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const own = await files.read(user('patient-a', 'patient', 'clinic-a', 'pat-a1'), stored.id);
    expect(own.contentType).toBe('image/png');
  });

  it('refuses too large, too many pixels and non-accepted types, storing nothing', async () => {
    const rowsBefore = (await t.database.db.select().from(storedFile)).length;
    await expect(files.store(nurseA, { bytes: Buffer.alloc(100_001, 0x25) })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413, field: 'file' });
    await expect(files.store(nurseA, { bytes: await png(1001, 1000) })).rejects.toMatchObject({ code: 'IMAGE_TOO_MANY_PIXELS', status: 413 });
    await expect(files.store(nurseA, { bytes: Buffer.from('name,dob\nJane,1970-01-01\n'), filename: 'photo.jpg' })).rejects.toMatchObject({ code: 'FILE_TYPE_NOT_ALLOWED', status: 415 });
    await expect(files.store(nurseA, { bytes: Buffer.alloc(0) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'file' });
    expect((await t.database.db.select().from(storedFile)).length).toBe(rowsBefore);
  });

  it('stores a PDF as is', async () => {
    const info = await files.store(nurseA, { bytes: MINIMAL_PDF });
    expect(info).toMatchObject({ contentType: 'application/pdf', byteSize: MINIMAL_PDF.length });
    expect((await files.read(nurseA, info.id)).bytes).toEqual(MINIMAL_PDF);
  });

  it('leaves neither a row nor a blob when the write fails half-way', async () => {
    const failingAudit: AuditLog = { ...audit, record: () => Promise.reject(new Error('audit store down')) };
    const broken = createFileService({ database: t.database, clock, config, audit: failingAudit, blobs });
    const rowsBefore = (await t.database.db.select().from(storedFile)).length;
    const blobsBefore = fs.readdirSync(path.join(blobDir, 'clinic-a')).length;
    await expect(broken.store(nurseA, { bytes: await png(8, 8) })).rejects.toThrow('audit store down');
    expect((await t.database.db.select().from(storedFile)).length).toBe(rowsBefore);
    expect(fs.readdirSync(path.join(blobDir, 'clinic-a')).length).toBe(blobsBefore);
  });

  it('refuses a malformed file id naming it', async () => {
    await expect(files.read(nurseA, '../../etc/passwd')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'id' });
  });
});
