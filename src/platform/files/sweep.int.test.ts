/**
 * The retention sweep on both databases: an old upload nobody attached is deleted with its
 * bytes and audited; a recent one, or one a lesion exam uses, is kept; a dry run deletes
 * nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { insertConsent, seedTenants, testConfig } from '../../../test/support/tenants.ts';
import { png } from '../../../test/support/images.ts';
import * as schema from '../db/schema.ts';
import { eq as schemaEq } from 'drizzle-orm';
import { lesion, lesionExam, storedFile } from '../db/schema.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import type { RequestContext } from '../context.ts';
import { createLocalBlobStore } from './blob-store.ts';
import { createFileService } from './files.service.ts';
import { FILE_REFERENCES, sweepUnattachedFiles } from './sweep.ts';

const nurse: RequestContext = {
  principal: { kind: 'user', userId: 'nurse-a', role: 'nurse', clinicId: 'clinic-a', displayName: 'nurse-a' },
  clientAddress: '192.0.2.1',
  requestId: 't',
};

describe('FILE_REFERENCES', () => {
  it('lists every foreign key that points at stored_file, so no attached file is ever swept', () => {
    const pointing: string[] = [];
    for (const value of Object.values(schema)) {
      if (!value || typeof value !== 'object' || !(Symbol.for('drizzle:IsDrizzleTable') in value)) continue;
      const config = getTableConfig(value as PgTable);
      for (const fk of config.foreignKeys) {
        const ref = fk.reference();
        if (getTableConfig(ref.foreignTable).name === 'stored_file') pointing.push(...ref.columns.map((c) => `${config.name}.${c.name}`));
      }
    }
    expect(pointing.length).toBeGreaterThan(0);
    expect(FILE_REFERENCES.map((c) => `${getTableConfig(c.table as PgTable).name}.${c.name}`).sort()).toEqual(pointing.sort());
  });
});

describe.each(DB_KINDS)('retention sweep on %s', (kind) => {
  let t: TestDatabase;
  let blobDir: string;
  let now = new Date('2026-06-01T12:00:00Z');
  const clock = () => now;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-sweep-'));
    await seedTenants(t.database.db);
    await insertConsent(t.database.db, 'clinic-a', 'pat-a1', 'care', 'permit');
  });
  afterAll(() => t.drop());

  const deps = () => {
    const audit = createAuditLog({ database: t.database, clock });
    const blobs = createLocalBlobStore(blobDir);
    return { database: t.database, clock, audit, blobs, files: createFileService({ database: t.database, clock, config: testConfig(), audit, blobs }) };
  };
  const blobPath = async (id: string) => {
    const [row] = await t.database.db.select().from(storedFile).where(eqId(id));
    return row ? path.join(blobDir, ...row.storageKey.split('/')) : null;
  };
  const eqId = (id: string) => schemaEq(storedFile.id, id);

  it('deletes an old unattached upload with its bytes, audited; keeps a recent one and an attached one', async () => {
    const d = deps();
    now = new Date('2026-06-01T08:00:00Z');
    const abandoned = await d.files.store(nurse, { bytes: await png(16, 16), patientId: 'pat-a1' });
    const attached = await d.files.store(nurse, { bytes: await png(16, 17), patientId: 'pat-a1' });
    await t.database.db.insert(lesion).values({ id: 'les-1', clinicId: 'clinic-a', patientId: 'pat-a1', bodySite: 'back', label: 'L1', createdAt: now });
    await t.database.db.insert(lesionExam).values({
      id: 'exam-1', clinicId: 'clinic-a', patientId: 'pat-a1', lesionId: 'les-1', status: 'cannot-assess', fileId: attached.id, mediaId: 'media-1',
      inputSha256: attached.sha256, modelName: 'm', modelVersion: '1', modelSha256: 'x', analysis: {}, createdAt: now, updatedAt: now,
    });
    now = new Date('2026-06-02T07:00:00Z');
    const recent = await d.files.store(nurse, { bytes: await png(16, 18), patientId: 'pat-a1' });
    const abandonedBlob = (await blobPath(abandoned.id))!;
    expect(fs.existsSync(abandonedBlob)).toBe(true);

    now = new Date('2026-06-02T09:00:00Z'); // 25 h after the first two uploads, 2 h after the recent one
    const dry = await sweepUnattachedFiles(d, { graceHours: 24, dryRun: true });
    expect(dry.deleted.map((f) => f.id)).toEqual([abandoned.id]);
    expect(fs.existsSync(abandonedBlob)).toBe(true);

    const result = await d.files.sweepUnattached(); // as the CLI calls it
    expect(result).toMatchObject({ dryRun: false, cutoff: '2026-06-01T09:00:00.000Z', kept: [] });
    expect(result.deleted).toEqual([expect.objectContaining({ id: abandoned.id, clinicId: 'clinic-a', patientId: 'pat-a1', contentType: 'image/png' })]);
    expect(await blobPath(abandoned.id)).toBeNull();
    expect(fs.existsSync(abandonedBlob)).toBe(false);
    expect(await blobPath(attached.id)).not.toBeNull();
    expect(await blobPath(recent.id)).not.toBeNull();
    const [event] = await d.audit.list('clinic-a', { action: 'file-expire' });
    expect(event).toMatchObject({ action: 'file-expire', resourceId: abandoned.id, patientId: 'pat-a1', outcome: 'success' });
    expect((await d.audit.verify()).ok).toBe(true);

    expect((await sweepUnattachedFiles(d, { graceHours: 24 })).deleted).toEqual([]); // nothing left to do
  });

  it('refuses a grace period or limit that is not positive, naming it', async () => {
    await expect(sweepUnattachedFiles(deps(), { graceHours: 0 })).rejects.toThrow(/graceHours/);
    await expect(sweepUnattachedFiles(deps(), { graceHours: 24, limit: 1.5 })).rejects.toThrow(/limit/);
  });
});
