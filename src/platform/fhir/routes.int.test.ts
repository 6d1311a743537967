/**
 * FHIR R4 REST over HTTP (app.inject), on both databases: headers, status codes,
 * OperationOutcomes for bad input, tenancy, and that the server keeps serving.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { DB_KINDS } from '../../../test/support/database.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/fhir');
const FHIR = 'application/fhir+json';

describe.each(DB_KINDS)('FHIR REST on %s', (kind) => {
  let h: TestApp;
  let nurseA: string;
  let clinicianB: string;
  let learnerA: string;

  beforeAll(async () => {
    h = await openTestApp(kind);
    nurseA = await h.login('nurse@a.test');
    clinicianB = await h.login('clinician@b.test');
    learnerA = await h.login('learner@a.test');
  });
  afterAll(async () => {
    await h.close();
  });

  const send = (cookie: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method,
      url,
      headers: { cookie, ...(body !== undefined ? { 'content-type': FHIR } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const outcome = (body: string) => (JSON.parse(body) as OperationOutcome).issue[0];

  const newPatient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family, given: ['Ana'] }], gender: 'female', birthDate: '1975-02-03' });

  it('serves the CapabilityStatement without sign-in', async () => {
    const res = await h.app.inject({ url: '/fhir/R4/metadata' });
    expect(res.statusCode).toBe(200);
    const cs = res.json<CapabilityStatement>();
    expect(cs.fhirVersion).toBe('4.0.1');
    const types = cs.rest?.[0]?.resource?.map((r) => r.type) ?? [];
    for (const t of ['Patient', 'Observation', 'Questionnaire', 'QuestionnaireResponse', 'RiskAssessment', 'Media', 'ImagingStudy']) expect(types).toContain(t);
    const patient = cs.rest?.[0]?.resource?.find((r) => r.type === 'Patient');
    expect(patient?.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['name', 'family', 'birthdate', 'gender', '_id', '_count']));
    expect(patient?.operation?.[0]?.name).toBe('everything');
    expect(cs.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
  });

  it('asks for sign-in everywhere else (401 OperationOutcome)', async () => {
    const res = await h.app.inject({ url: '/fhir/R4/Patient' });
    expect(res.statusCode).toBe(401);
    expect(outcome(res.body)?.code).toBe('login');
  });

  it('create, read, update with If-Match, history, vread and delete with the FHIR headers', async () => {
    const created = await send(nurseA, 'POST', '/fhir/R4/Patient', newPatient('Headers'));
    expect(created.statusCode).toBe(201);
    expect(created.headers['content-type']).toContain(FHIR);
    const p = created.json<Patient>();
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toMatch(new RegExp(`/fhir/R4/Patient/${p.id}/_history/1$`));
    expect(new Date(created.headers['last-modified'] as string).getTime()).not.toBeNaN();

    const read = await send(nurseA, 'GET', `/fhir/R4/Patient/${p.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.json()).toEqual(p);

    const updated = await send(nurseA, 'PUT', `/fhir/R4/Patient/${p.id}`, { ...p, gender: 'other' }, { 'if-match': 'W/"1"' });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('W/"2"');
    const stale = await send(nurseA, 'PUT', `/fhir/R4/Patient/${p.id}`, { ...p, gender: 'male' }, { 'if-match': 'W/"1"' });
    expect(stale.statusCode).toBe(412);
    expect(outcome(stale.body)?.details?.coding?.[0]?.code).toBe('VERSION_CONFLICT');

    const history = await send(nurseA, 'GET', `/fhir/R4/Patient/${p.id}/_history`);
    expect(history.json<Bundle>().entry?.map((e) => e.response?.etag)).toEqual(['W/"2"', 'W/"1"']);
    const v1 = await send(nurseA, 'GET', `/fhir/R4/Patient/${p.id}/_history/1`);
    expect(v1.json<Patient>().gender).toBe('female');

    expect((await send(nurseA, 'DELETE', `/fhir/R4/Patient/${p.id}`)).statusCode).toBe(204);
    const gone = await send(nurseA, 'GET', `/fhir/R4/Patient/${p.id}`);
    expect(gone.statusCode).toBe(410);
    expect(outcome(gone.body)?.details?.coding?.[0]?.code).toBe('GONE');
  });

  it('PUT to a new id creates it with 201; If-None-Exist returns the match instead of a duplicate', async () => {
    const put = await send(nurseA, 'PUT', '/fhir/R4/Patient/chosen-id-1', { ...newPatient('Upsert'), id: 'chosen-id-1' });
    expect(put.statusCode).toBe(201);
    expect(put.headers.location).toContain('/fhir/R4/Patient/chosen-id-1/_history/1');
    const body = { ...newPatient('Conditional'), identifier: [{ system: 'urn:wellage:test', value: 'MRN-77' }] };
    const first = await send(nurseA, 'POST', '/fhir/R4/Patient', body, { 'if-none-exist': 'identifier=urn:wellage:test|MRN-77' });
    const second = await send(nurseA, 'POST', '/fhir/R4/Patient', body, { 'if-none-exist': 'identifier=urn:wellage:test|MRN-77' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json<Patient>().id).toBe(first.json<Patient>().id);
  });

  it('answers bad input with a clear 4xx OperationOutcome naming the element, and keeps serving', async () => {
    const malformed = await send(nurseA, 'POST', '/fhir/R4/Patient', '{"resourceType": "Patient", ');
    expect(malformed.statusCode).toBe(400);
    expect(outcome(malformed.body)?.details?.coding?.[0]?.code).toBe('MALFORMED_JSON');

    const wrongType = await send(nurseA, 'POST', '/fhir/R4/Patient', { resourceType: 'Patient', gender: 42 });
    expect(wrongType.statusCode).toBe(400);
    expect(outcome(wrongType.body)?.expression).toEqual(['Patient.gender']);

    const unknownElement = await send(nurseA, 'POST', '/fhir/R4/Patient', { resourceType: 'Patient', shoeSize: 42 });
    expect(unknownElement.statusCode).toBe(400);
    expect(outcome(unknownElement.body)?.expression).toEqual(['Patient.shoeSize']);

    const unknownType = await send(nurseA, 'GET', '/fhir/R4/Spaceship/1');
    expect(unknownType.statusCode).toBe(400);
    expect(outcome(unknownType.body)?.details?.coding?.[0]?.code).toBe('UNKNOWN_RESOURCE_TYPE');
    const unknownTypePost = await send(nurseA, 'POST', '/fhir/R4/Spaceship', { resourceType: 'Spaceship' });
    expect(unknownTypePost.statusCode).toBe(400);

    const mismatch = await send(nurseA, 'POST', '/fhir/R4/Observation', newPatient('Mismatch'));
    expect(mismatch.statusCode).toBe(400);
    expect(outcome(mismatch.body)?.expression).toEqual(['resourceType']);

    const broken = await send(nurseA, 'POST', '/fhir/R4/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/nobody-here' },
    });
    expect(broken.statusCode).toBe(400);
    expect(outcome(broken.body)).toMatchObject({ expression: ['Observation.subject'], details: { coding: [{ code: 'BROKEN_REFERENCE' }] } });

    const badSearch = await send(nurseA, 'GET', '/fhir/R4/Patient?favourite-colour=blue');
    expect(badSearch.statusCode).toBe(400);
    expect(outcome(badSearch.body)).toMatchObject({ code: 'not-supported', expression: ['favourite-colour'] });

    const wrongMedia = await h.app.inject({ method: 'POST', url: '/fhir/R4/Patient', headers: { cookie: nurseA, 'content-type': 'text/html' }, payload: '<p>' });
    expect(wrongMedia.statusCode).toBe(415);

    const big = await h.app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { cookie: nurseA, 'content-type': FHIR },
      payload: JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: `<div>${'a'.repeat(17 * 1024 * 1024)}</div>` } }),
    });
    expect(big.statusCode).toBe(413);

    const proto = await send(nurseA, 'POST', '/fhir/R4/Patient', '{"resourceType":"Patient","__proto__":{"x":1}}');
    expect(proto.statusCode).toBe(400);

    // still serving
    expect((await send(nurseA, 'POST', '/fhir/R4/Patient', newPatient('StillHere'))).statusCode).toBe(201);
  });

  it('returns script- and SQL-like text byte-identical, as JSON, never as HTML', async () => {
    const nasty = `<script>alert(1)</script><img src=x onerror=alert(2)>'; DROP TABLE fhir_resource; --`;
    const created = await send(nurseA, 'POST', '/fhir/R4/Patient', newPatient(nasty));
    expect(created.statusCode).toBe(201);
    const read = await send(nurseA, 'GET', `/fhir/R4/Patient/${created.json<Patient>().id}`);
    expect(read.headers['content-type']).toContain(FHIR);
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    expect(read.json<Patient>().name?.[0]?.family).toBe(nasty);
    const search = await send(nurseA, 'GET', `/fhir/R4/Patient?family=${encodeURIComponent("'; DROP TABLE")}`);
    expect(search.json<Bundle>().total).toBe(1);
  });

  it('searches with paging links and the patient-list query of the web app', async () => {
    for (const f of ['Listado1', 'Listado2', 'Listado3']) await send(nurseA, 'POST', '/fhir/R4/Patient', newPatient(f));
    const page = await send(nurseA, 'GET', '/fhir/R4/Patient?name=listado&_count=2&_sort=family');
    expect(page.statusCode).toBe(200);
    const b = page.json<Bundle>();
    expect(b.type).toBe('searchset');
    expect(b.total).toBe(3);
    expect(b.entry?.map((e) => (e.resource as Patient).name?.[0]?.family)).toEqual(['Listado1', 'Listado2']);
    const next = new URL(b.link?.find((l) => l.relation === 'next')?.url as string);
    expect(next.pathname).toBe('/fhir/R4/Patient');
    const page2 = await send(nurseA, 'GET', `${next.pathname}${next.search}`);
    expect(page2.json<Bundle>().entry?.map((e) => (e.resource as Patient).name?.[0]?.family)).toEqual(['Listado3']);
  });

  it('imports the Synthea fixture through POST /fhir/R4 and gives every resource back in $everything', async () => {
    const support = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'synthea-support-batch.json'), 'utf8')) as Bundle;
    const source = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'synthea-patient-transaction.json'), 'utf8')) as Bundle;
    expect((await send(nurseA, 'POST', '/fhir/R4', support)).json<Bundle>().type).toBe('batch-response');
    const res = await send(nurseA, 'POST', '/fhir/R4', source);
    expect(res.statusCode).toBe(200);
    const tx = res.json<Bundle>();
    expect(tx.type).toBe('transaction-response');
    const locations = tx.entry?.map((e) => e.response?.location?.split('/_history')[0]) ?? [];
    const patientId = locations[0]?.split('/')[1] as string;
    const everything = await send(nurseA, 'GET', `/fhir/R4/Patient/${patientId}/$everything`);
    expect(everything.statusCode).toBe(200);
    const got = new Set(everything.json<Bundle>().entry?.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
    for (const l of locations) expect(got).toContain(l);

    // clinic B sees none of it
    expect((await send(clinicianB, 'GET', `/fhir/R4/Patient/${patientId}`)).statusCode).toBe(404);
    expect((await send(clinicianB, 'GET', `/fhir/R4/Patient/${patientId}/$everything`)).statusCode).toBe(404);
    expect((await send(clinicianB, 'GET', `/fhir/R4/Patient/${patientId}/_history/1`)).statusCode).toBe(404);
    expect((await send(clinicianB, 'DELETE', `/fhir/R4/Patient/${patientId}`)).statusCode).toBe(404);
    expect((await send(clinicianB, 'GET', `/fhir/R4/Observation?patient=${patientId}`)).json<Bundle>().total).toBe(0);
    // a learner is refused outright
    expect((await send(learnerA, 'GET', `/fhir/R4/Patient/${patientId}`)).statusCode).toBe(403);
  });

  it('refuses a bad transaction whole, naming the entry', async () => {
    const res = await send(nurseA, 'POST', '/fhir/R4', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:x', resource: newPatient('Half'), request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:y' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(outcome(res.body)?.expression).toEqual(['Bundle.entry[1].resource.subject']);
    expect((await send(nurseA, 'GET', '/fhir/R4/Patient?name=half')).json<Bundle>().total).toBe(0);
    const notBundle = await send(nurseA, 'POST', '/fhir/R4', newPatient('NotABundle'));
    expect(notBundle.statusCode).toBe(400);
  });
});
