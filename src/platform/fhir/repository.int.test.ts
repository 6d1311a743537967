/**
 * The FHIR repository over both databases, with the real audit log: versioning, search,
 * access rules between clinics and roles, bundles and $everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Bundle, Observation, Patient, Questionnaire, Resource } from '@medplum/fhirtypes';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { createAuditLog } from '../audit/audit.service.ts';
import type { AuditLog } from '../audit/types.ts';
import { execute } from '../db/database.ts';
import { systemContext, type RequestContext } from '../context.ts';
import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { createFhirRepository, type FhirRepository } from './repository.ts';
import { exportPatient, importBundle } from './import.ts';

const BASE = 'https://wellage.test/fhir/R4';
const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/fhir');
const readFixture = (name: string): Bundle => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Bundle;

function user(clinicId: string, role: Role, patientId?: string): RequestContext {
  return {
    principal: { kind: 'user', userId: `${role}-${clinicId}`, role, clinicId, displayName: role, patientId },
    clientAddress: '10.0.0.1',
    requestId: `req-${role}`,
  };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; field: string | undefined; status: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, field: e.field, status: e.status };
    throw e;
  }
  throw new Error('expected a refusal');
}

const patient = (family: string, extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Test'] }],
  gender: 'female',
  birthDate: '1980-05-17',
  ...extra,
});

const observation = (patientId: string, code: string, when: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patientId}` },
  effectiveDateTime: when,
  valueQuantity: { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  ...extra,
});

describe.each(DB_KINDS)('FHIR repository on %s', (kind) => {
  let t: TestDatabase;
  let repo: FhirRepository;
  let audit: AuditLog;
  const sysA = systemContext('clinic-a', 'test');
  const sysB = systemContext('clinic-b', 'test');
  const nurseA = user('clinic-a', 'nurse');
  const clinicianB = user('clinic-b', 'clinician');
  const learnerA = user('clinic-a', 'learner');
  let pA: Patient;
  let pA2: Patient;
  let patientA: RequestContext;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    await execute(t.database.db, sql`insert into clinic (id, name) values ('clinic-a', 'A'), ('clinic-b', 'B')`);
    audit = createAuditLog({ database: t.database, clock: () => new Date() });
    repo = createFhirRepository({ database: t.database, clock: () => new Date(), audit });
    pA = (await repo.create(nurseA, patient('Álvarez'))).resource;
    pA2 = (await repo.create(nurseA, patient('Berg', { gender: 'male', birthDate: '1946-05-24' }))).resource;
    patientA = user('clinic-a', 'patient', pA.id);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('assigns id, versionId and lastUpdated, replacing a client id', async () => {
    const { resource, created } = await repo.create(nurseA, { ...patient('Client'), id: 'chosen-by-client' });
    expect(created).toBe(true);
    expect(resource.id).not.toBe('chosen-by-client');
    expect(resource.meta?.versionId).toBe('1');
    expect(Date.parse(resource.meta?.lastUpdated ?? '')).not.toBeNaN();
    const read = await repo.read(nurseA, 'Patient', resource.id as string);
    expect(read).toEqual(resource);
  });

  it('versions updates, keeps history, honours If-Match, and answers 410 after delete', async () => {
    const { resource: p } = await repo.create(nurseA, patient('Versioned'));
    const id = p.id as string;
    const v2 = await repo.update(nurseA, 'Patient', id, { ...p, gender: 'other' }, { ifMatch: 'W/"1"' });
    expect(v2.created).toBe(false);
    expect(v2.resource.meta?.versionId).toBe('2');
    expect(await refusal(repo.update(nurseA, 'Patient', id, { ...p, gender: 'male' }, { ifMatch: 'W/"1"' }))).toMatchObject({
      code: 'VERSION_CONFLICT',
      status: 412,
    });
    expect(((await repo.vread(nurseA, 'Patient', id, '1')) as Patient).gender).toBe('female');
    expect(((await repo.vread(nurseA, 'Patient', id, '2')) as Patient).gender).toBe('other');
    const hist = await repo.history(nurseA, 'Patient', id, new URLSearchParams(), BASE);
    expect(hist.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
    await repo.delete(nurseA, 'Patient', id);
    expect(await refusal(repo.read(nurseA, 'Patient', id))).toMatchObject({ code: 'GONE', status: 410 });
    expect(((await repo.vread(nurseA, 'Patient', id, '2')) as Patient).gender).toBe('other');
    const search = await repo.search(nurseA, 'Patient', new URLSearchParams(`_id=${id}`), BASE);
    expect(search.total).toBe(0);
  });

  it('creates on PUT to a new id (upsert) and rejects a body whose id differs', async () => {
    const r = await repo.update(nurseA, 'Patient', 'upsert-1', { ...patient('Upsert'), id: 'upsert-1' });
    expect(r.created).toBe(true);
    expect(r.resource.meta?.versionId).toBe('1');
    expect(await refusal(repo.update(nurseA, 'Patient', 'upsert-2', { ...patient('X'), id: 'other' }))).toMatchObject({
      code: 'INVALID_RESOURCE',
      field: 'Patient.id',
    });
  });

  it('refuses invalid resources naming the element, and writes nothing', async () => {
    const before = await repo.search(nurseA, 'Patient', new URLSearchParams('_summary=count'), BASE);
    expect(await refusal(repo.create(nurseA, { ...patient('Bad'), birthDate: '17/05/1980' }))).toMatchObject({
      code: 'INVALID_RESOURCE',
      field: 'Patient.birthDate',
    });
    expect(await refusal(repo.create(nurseA, { resourceType: 'Patient', name: [{ given: [42] }] } as never))).toMatchObject({
      code: 'INVALID_RESOURCE',
      field: 'Patient.name[0].given[0]',
    });
    expect(await refusal(repo.create(nurseA, { resourceType: 'Spaceship' } as never))).toMatchObject({
      code: 'UNKNOWN_RESOURCE_TYPE',
      field: 'resourceType',
    });
    expect(await refusal(repo.create(nurseA, { resourceType: 'Observation', status: 'final' } as never))).toMatchObject({
      code: 'INVALID_RESOURCE',
      field: 'Observation.code',
    });
    const after = await repo.search(nurseA, 'Patient', new URLSearchParams('_summary=count'), BASE);
    expect(after.total).toBe(before.total);
  });

  it('refuses broken references naming the element', async () => {
    expect(await refusal(repo.create(nurseA, observation('does-not-exist', '8867-4', '2021-01-01')))).toMatchObject({
      code: 'BROKEN_REFERENCE',
      field: 'Observation.subject',
    });
    expect(
      await refusal(repo.create(nurseA, observation(pA.id as string, '8867-4', '2021-01-01', { performer: [{ reference: 'urn:uuid:nowhere' }] }))),
    ).toMatchObject({ code: 'BROKEN_REFERENCE', field: 'Observation.performer[0]' });
    expect(
      await refusal(repo.create(nurseA, observation(pA.id as string, '8867-4', '2021-01-01', { hasMember: [{ reference: '#missing' }] }))),
    ).toMatchObject({ code: 'BROKEN_REFERENCE', field: 'Observation.hasMember[0]' });
  });

  it('stores script- and SQL-like strings verbatim', async () => {
    const nasty = `<script>alert("x")</script>'; drop table fhir_resource; -- \u00e9\u{1F600} \\ "quoted"`;
    const { resource } = await repo.create(nurseA, patient(nasty, { text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">plain</div>' } }));
    const read = (await repo.read(nurseA, 'Patient', resource.id as string)) as Patient;
    expect(read.name?.[0]?.family).toBe(nasty);
    const found = await repo.search(nurseA, 'Patient', new URLSearchParams({ family: "'; drop table" }), BASE);
    expect(found.entry?.map((e) => e.resource?.id)).toEqual([resource.id]);
    const [count] = await execute<{ n: string | number }>(t.database.db, sql`select count(*) as n from fhir_resource`);
    expect(Number(count?.n)).toBeGreaterThan(0);
  });

  describe('search', () => {
    let bp: Observation[];
    beforeAll(async () => {
      bp = [];
      for (const [code, when] of [
        ['85354-9', '2019-03-04T10:00:00+01:00'],
        ['85354-9', '2021-07-01T10:00:00+02:00'],
        ['85354-9', '2021-07-20T10:00:00+02:00'],
        ['8867-4', '2021-02-10'],
      ] as const) {
        bp.push((await repo.create(nurseA, observation(pA.id as string, code, when))).resource);
      }
      await repo.create(nurseA, observation(pA2.id as string, '85354-9', '2021-07-05T09:00:00Z'));
    });

    const ids = (b: Bundle): (string | undefined)[] => (b.entry ?? []).map((e) => e.resource?.id);

    it('by patient (Patient/id or bare id), code forms and _sort by date', async () => {
      const byRef = await repo.search(nurseA, 'Observation', new URLSearchParams(`patient=Patient/${pA.id}&code=http://loinc.org|85354-9&_sort=date`), BASE);
      expect(ids(byRef)).toEqual([bp[0]?.id, bp[1]?.id, bp[2]?.id]);
      const bare = await repo.search(nurseA, 'Observation', new URLSearchParams(`subject=${pA.id}&code=85354-9&_sort=-date`), BASE);
      expect(ids(bare)).toEqual([bp[2]?.id, bp[1]?.id, bp[0]?.id]);
      const systemOnly = await repo.search(nurseA, 'Observation', new URLSearchParams(`patient=${pA.id}&code=http://loinc.org|`), BASE);
      expect(systemOnly.total).toBe(4);
      const wrongSystem = await repo.search(nurseA, 'Observation', new URLSearchParams(`patient=${pA.id}&code=http://snomed.info/sct|85354-9`), BASE);
      expect(wrongSystem.total).toBe(0);
    });

    it('by date with prefixes and partial dates', async () => {
      const q = (d: string) => repo.search(nurseA, 'Observation', new URLSearchParams(`patient=${pA.id}&date=${d}&_sort=date`), BASE).then(ids);
      expect(await q('2021-07')).toEqual([bp[1]?.id, bp[2]?.id]);
      expect(await q('2021')).toEqual([bp[3]?.id, bp[1]?.id, bp[2]?.id]);
      expect(await q('lt2021')).toEqual([bp[0]?.id]);
      expect(await q('ge2021-07-15')).toEqual([bp[2]?.id]);
      expect(await q('le2021-02-10')).toEqual([bp[0]?.id, bp[3]?.id]);
      expect(await q('gt2021-07-01')).toEqual([bp[2]?.id]);
      expect(await q('ne2021')).toEqual([bp[0]?.id]);
    });

    it('pages with _count and next/previous links', async () => {
      const first = await repo.search(nurseA, 'Observation', new URLSearchParams(`patient=${pA.id}&_count=3&_sort=date`), BASE);
      expect(first.total).toBe(4);
      expect(first.entry).toHaveLength(3);
      const next = first.link?.find((l) => l.relation === 'next')?.url as string;
      expect(next).toContain('_offset=3');
      const second = await repo.search(nurseA, 'Observation', new URL(next).searchParams, BASE);
      expect(ids(second)).toEqual([bp[2]?.id]);
      expect(second.link?.some((l) => l.relation === 'previous')).toBe(true);
      expect(second.link?.some((l) => l.relation === 'next')).toBe(false);
    });

    it('Patient by name (contains, case and accents ignored), gender, birthdate and _sort=family', async () => {
      const byName = await repo.search(nurseA, 'Patient', new URLSearchParams('name=ALVAR'), BASE);
      expect(ids(byName)).toEqual([pA.id]);
      const male = await repo.search(nurseA, 'Patient', new URLSearchParams('gender=male&birthdate=1946'), BASE);
      expect(ids(male)).toEqual([pA2.id]);
      const sorted = await repo.search(nurseA, 'Patient', new URLSearchParams('_sort=family&_count=1000'), BASE);
      const families = (sorted.entry ?? []).map((e) => (e.resource as Patient).name?.[0]?.family?.toLowerCase() ?? '');
      expect(families.indexOf('álvarez')).toBeLessThan(families.indexOf('berg'));
    });

    it('refuses an unknown search parameter naming it', async () => {
      expect(await refusal(repo.search(nurseA, 'Observation', new URLSearchParams('colour=red'), BASE))).toMatchObject({
        code: 'UNSUPPORTED_SEARCH',
        field: 'colour',
      });
    });
  });

  describe('access between clinics and roles', () => {
    let obsA: Observation;
    beforeAll(async () => {
      obsA = (await repo.create(nurseA, observation(pA.id as string, '29463-7', '2021-03-03'))).resource;
    });

    it('a clinician of clinic B can neither read, vread, history, search, update, delete, $everything nor reference a patient of clinic A', async () => {
      const id = pA.id as string;
      expect((await refusal(repo.read(clinicianB, 'Patient', id))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.vread(clinicianB, 'Patient', id, '1'))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.history(clinicianB, 'Patient', id, new URLSearchParams(), BASE))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.read(clinicianB, 'Observation', obsA.id as string))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.update(clinicianB, 'Patient', id, { ...pA, gender: 'male' }))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.delete(clinicianB, 'Patient', id))).code).toBe('NOT_FOUND');
      expect((await refusal(repo.everything(clinicianB, id, BASE))).code).toBe('NOT_FOUND');
      expect(await refusal(repo.create(clinicianB, observation(id, '8867-4', '2021-01-01')))).toMatchObject({
        code: 'BROKEN_REFERENCE',
        field: 'Observation.subject',
      });
      const search = await repo.search(clinicianB, 'Observation', new URLSearchParams(`patient=${id}`), BASE);
      expect(search.total).toBe(0);
      const all = await repo.search(clinicianB, 'Patient', new URLSearchParams('_count=1000'), BASE);
      expect((all.entry ?? []).map((e) => e.resource?.id)).not.toContain(id);
      // clinic A's row is untouched
      expect((await repo.read(nurseA, 'Patient', id)).meta?.versionId).toBe(pA.meta?.versionId);
    });

    it('the refused attempts are audited as denied in clinic B, without clinic A patient ids', async () => {
      const events = await audit.list('clinic-b', { limit: 500 });
      const denied = events.filter((e) => e.outcome === 'denied');
      expect(denied.map((e) => e.action)).toEqual(expect.arrayContaining(['read', 'update', 'delete', 'everything']));
      expect(denied.every((e) => e.patientId === null || e.patientId === undefined)).toBe(true);
    });

    it('a patient user sees only their own compartment', async () => {
      expect((await repo.read(patientA, 'Patient', pA.id as string)).id).toBe(pA.id);
      expect((await refusal(repo.read(patientA, 'Patient', pA2.id as string))).code).toBe('NOT_FOUND');
      const mine = await repo.search(patientA, 'Observation', new URLSearchParams('_count=1000'), BASE);
      expect((mine.entry ?? []).every((e) => (e.resource as Observation).subject?.reference === `Patient/${pA.id}`)).toBe(true);
      expect(mine.total).toBeGreaterThan(0);
      const patients = await repo.search(patientA, 'Patient', new URLSearchParams(), BASE);
      expect((patients.entry ?? []).map((e) => e.resource?.id)).toEqual([pA.id]);
    });

    it('a patient user may record an Observation about themselves only, and nothing else', async () => {
      const own = await repo.create(patientA, observation(pA.id as string, '8867-4', '2021-08-01'));
      expect(own.created).toBe(true);
      expect(await refusal(repo.create(patientA, observation(pA2.id as string, '8867-4', '2021-08-01')))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
      expect(await refusal(repo.create(patientA, patient('Self-made')))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refusal(repo.delete(patientA, 'Observation', own.resource.id as string))).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('a learner gets 403 on patient data but may read a Questionnaire', async () => {
      expect(await refusal(repo.read(learnerA, 'Patient', pA.id as string))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
      expect(await refusal(repo.search(learnerA, 'Observation', new URLSearchParams(), BASE))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refusal(repo.everything(learnerA, pA.id as string, BASE))).toMatchObject({ code: 'FORBIDDEN' });
      const q = await repo.create(nurseA, { resourceType: 'Questionnaire', status: 'active', title: 'Intake' } as Questionnaire);
      expect((await repo.read(learnerA, 'Questionnaire', q.resource.id as string)).id).toBe(q.resource.id);
      expect(await refusal(repo.create(learnerA, { resourceType: 'Questionnaire', status: 'draft' }))).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('reads and writes are audited with the patient id', async () => {
      await repo.read(nurseA, 'Observation', obsA.id as string);
      const events = await audit.list('clinic-a', { patientId: pA.id, limit: 500 });
      const actions = new Set(events.map((e) => `${e.action}:${e.outcome}`));
      for (const a of ['create:success', 'read:success', 'search:success']) expect(actions).toContain(a);
      expect(JSON.stringify(events.map((e) => e.detail))).not.toContain('lvarez');
    });
  });

  describe('bundles', () => {
    it('imports the Synthea fixture: support batch, then the patient transaction, and $everything gives every resource back', async () => {
      const support = await repo.processBundle(sysA, readFixture('synthea-support-batch.json'), BASE);
      expect(support.type).toBe('batch-response');
      expect(support.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
      // ifNoneExist: loading the support bundle again creates no second Organization, Location or Practitioner
      const again = await repo.processBundle(sysA, readFixture('synthea-support-batch.json'), BASE);
      expect(again.entry?.slice(0, 3).map((e) => e.response?.status)).toEqual(['200 OK', '200 OK', '200 OK']);

      const source = readFixture('synthea-patient-transaction.json');
      const response = await repo.processBundle(sysA, source, BASE);
      expect(response.type).toBe('transaction-response');
      expect(response.entry).toHaveLength(source.entry?.length ?? -1);
      const newIds = (response.entry ?? []).map((e) => e.response?.location?.split('/')[1]);
      expect(response.entry?.every((e) => e.response?.status === '201 Created' && e.response?.etag === 'W/"1"')).toBe(true);
      // ids a POST must replace were replaced
      source.entry?.forEach((e, i) => expect(newIds[i]).not.toBe(e.resource?.id));

      const patientId = newIds[0] as string;
      const everything = await repo.everything(nurseA, patientId, BASE);
      const got = new Set((everything.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
      source.entry?.forEach((e, i) => expect(got).toContain(`${e.resource?.resourceType}/${newIds[i]}`));
      // and the resources they reference, one level: Organization, Location, Practitioner
      for (const type of ['Organization', 'Location', 'Practitioner']) {
        expect([...got].some((k) => k.startsWith(`${type}/`)), type).toBe(true);
      }
      // references were rewritten: urn:uuid and conditional references are gone, # and identifier-only ones kept
      const text = JSON.stringify(everything);
      expect(text).not.toContain('"reference":"urn:uuid:');
      expect(text).not.toMatch(/"reference":"[A-Za-z]+\?/);
      expect(text).toContain('"reference":"#coverage"');
      const provenance = everything.entry?.find((e) => e.resource?.resourceType === 'Provenance')?.resource as { target: { reference: string }[] };
      expect(provenance.target.map((r) => r.reference)).toEqual(source.entry?.slice(0, -1).map((e, i) => `${e.resource?.resourceType}/${newIds[i]}`));
      // search finds the imported data by compartment
      const obs = await repo.search(nurseA, 'Observation', new URLSearchParams(`patient=${patientId}&_count=100`), BASE);
      expect(obs.total).toBe(source.entry?.filter((e) => e.resource?.resourceType === 'Observation').length);
      const exported = await exportPatient(repo, nurseA, patientId, BASE);
      expect(exported.type).toBe('collection');
      expect(exported.entry).toHaveLength(everything.entry?.length ?? -1);
    });

    it('a transaction with one bad entry writes nothing and names the entry and element', async () => {
      const before = await repo.search(nurseA, 'Observation', new URLSearchParams('_summary=count'), BASE);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:p', resource: patient('Rollback'), request: { method: 'POST', url: 'Patient' } },
          { resource: observation('x', '8867-4', '2021-01-01', { subject: { reference: 'urn:uuid:p' } }), request: { method: 'POST', url: 'Observation' } },
          { resource: observation('x', '8867-4', '2021-01-01', { subject: { reference: 'Patient/nobody' } }), request: { method: 'POST', url: 'Observation' } },
        ],
      };
      expect(await refusal(repo.processBundle(nurseA, bundle, BASE))).toMatchObject({ code: 'BROKEN_REFERENCE', field: 'Bundle.entry[2].resource.subject' });
      const invalid = structuredClone(bundle);
      (invalid.entry as { resource: Resource }[])[2] = { resource: { resourceType: 'Observation', status: 'final' } as Resource } as never;
      (invalid.entry?.[2] as { request: unknown }).request = { method: 'POST', url: 'Observation' };
      expect(await refusal(repo.processBundle(nurseA, invalid, BASE))).toMatchObject({ code: 'INVALID_RESOURCE', field: 'Bundle.entry[2].resource.code' });
      const after = await repo.search(nurseA, 'Observation', new URLSearchParams('_summary=count'), BASE);
      expect(after.total).toBe(before.total);
      expect((await repo.search(nurseA, 'Patient', new URLSearchParams('name=rollback'), BASE)).total).toBe(0);
    });

    it('a conditional reference that matches nothing fails the transaction naming the element', async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { ...patient('Cond'), managingOrganization: { reference: 'Organization?identifier=urn:x|nothing' } },
            request: { method: 'POST', url: 'Patient' },
          },
        ],
      };
      expect(await refusal(repo.processBundle(nurseA, bundle, BASE))).toMatchObject({
        code: 'BROKEN_REFERENCE',
        field: 'Bundle.entry[0].resource.managingOrganization',
      });
    });

    it('a batch answers each entry on its own', async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: patient('BatchOk'), request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Patient', birthDate: 'soon' } as Patient, request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'GET', url: `Patient/${pA.id}` } },
          { request: { method: 'GET', url: 'Patient?name=batchok' } },
          { request: { method: 'DELETE', url: 'Patient/never-was' } },
        ],
      };
      const res = await repo.processBundle(nurseA, bundle, BASE);
      expect(res.entry?.map((e) => e.response?.status.split(' ')[0])).toEqual(['201', '400', '200', '200', '404']);
      expect(res.entry?.[1]?.response?.outcome?.issue?.[0]?.expression).toEqual(['Bundle.entry[1].resource.birthDate']);
      expect((res.entry?.[3]?.resource as Bundle).total).toBe(1);
    });

    it('a transaction processes DELETE, POST, PUT, GET in FHIR order and answers in entry order', async () => {
      const victim = (await repo.create(nurseA, patient('Victim'))).resource;
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'GET', url: 'Patient?name=ordered' } },
          { fullUrl: 'urn:uuid:new', resource: patient('Ordered'), request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'DELETE', url: `Patient/${victim.id}` } },
          { resource: { ...patient('Put'), id: 'put-in-tx', link: [{ other: { reference: 'urn:uuid:new' }, type: 'seealso' }] }, request: { method: 'PUT', url: 'Patient/put-in-tx' } },
        ],
      };
      const res = await repo.processBundle(nurseA, bundle, BASE);
      expect(res.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created', '204 No Content', '201 Created']);
      expect((res.entry?.[0]?.resource as Bundle).total).toBe(1); // GET ran after the POST
      const put = (await repo.read(nurseA, 'Patient', 'put-in-tx')) as Patient;
      expect(put.link?.[0]?.other.reference).toBe(res.entry?.[1]?.response?.location?.split('/_history')[0]);
      expect((await refusal(repo.read(nurseA, 'Patient', victim.id as string))).code).toBe('GONE');
    });

    it('importBundle counts and names the Patients it created', async () => {
      const r = await importBundle(repo, sysB, {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:a', resource: patient('ImportB'), request: { method: 'POST', url: 'Patient' } },
          { resource: observation('x', '8867-4', '2021-01-01', { subject: { reference: 'urn:uuid:a' } }), request: { method: 'POST', url: 'Observation' } },
        ],
      }, BASE);
      expect(r.created).toBe(2);
      expect(r.updated).toBe(0);
      expect(r.patients).toHaveLength(1);
      // clinic A does not see clinic B's import
      expect((await refusal(repo.read(nurseA, 'Patient', r.patients[0] as string))).code).toBe('NOT_FOUND');
      expect((await repo.read(clinicianB, 'Patient', r.patients[0] as string)).id).toBe(r.patients[0]);
    });
  });
});
