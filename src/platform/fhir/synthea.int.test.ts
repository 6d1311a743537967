/**
 * The whole Synthea set in ../shared (20 patients, 14,067 resources plus the support
 * bundles), when it is there: every bundle imports, and $everything gives back every
 * resource of each patient's source bundle. Skipped where the data set is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Bundle } from '@medplum/fhirtypes';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import { systemContext } from '../context.ts';
import { execute } from '../db/database.ts';
import { importBundle } from './import.ts';
import { createFhirRepository, type FhirRepository } from './repository.ts';

const DIR = path.resolve(import.meta.dirname, '../../../../shared/data/fhir/synthea');
const present = fs.existsSync(path.join(DIR, 'SOURCE.md'));
const BASE = 'https://wellage.test/fhir/R4';

describe.skipIf(!present).each(DB_KINDS)('the Synthea set on %s', (kind) => {
  let t: TestDatabase;
  let repo: FhirRepository;
  const ctx = systemContext('clinic-s', 'test:synthea');
  const files = present ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];
  const patientFiles = files.filter((f) => !f.startsWith('0-'));

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    await execute(t.database.db, sql`insert into clinic (id, name) values ('clinic-s', 'Synthea')`);
    repo = createFhirRepository({ database: t.database, clock: () => new Date(), audit: createAuditLog({ database: t.database, clock: () => new Date() }) });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('loads the support bundles first, with ifNoneExist', { timeout: 180_000 }, async () => {
    for (const f of files.filter((x) => x.startsWith('0-'))) {
      const r = await importBundle(repo, ctx, JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Bundle, BASE);
      expect(r.failed, f).toBe(0);
      expect(r.created, f).toBeGreaterThan(380);
    }
  });

  it('imports every patient bundle whole and $everything returns all of it', { timeout: 600_000 }, async () => {
    expect(patientFiles).toHaveLength(20);
    for (const f of patientFiles) {
      const source = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Bundle;
      const response = await repo.processBundle(ctx, source, BASE);
      const keys = (response.entry ?? []).map((e) => e.response?.location?.split('/_history')[0]);
      expect(keys.every((k) => k !== undefined), f).toBe(true);
      expect(keys, f).toHaveLength(source.entry?.length ?? -1);
      const patientId = keys[0]?.split('/')[1] as string;
      const everything = await repo.everything(ctx, patientId, BASE);
      const got = new Set((everything.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
      const missing = keys.filter((k) => !got.has(k as string));
      expect(missing, f).toEqual([]);
    }
    const found = await repo.search(ctx, 'Patient', new URLSearchParams('name=guzman'), BASE);
    expect(found.total).toBe(1);
    const twins = await repo.search(ctx, 'Patient', new URLSearchParams('birthdate=1946-05-24'), BASE);
    expect(twins.total).toBe(2);
    const lipids = await repo.search(ctx, 'DiagnosticReport', new URLSearchParams('code=http://loinc.org|57698-3&_summary=count'), BASE);
    expect(lipids.total).toBe(118); // SOURCE.md: lipid panels per patient sum to 118
  });
});
