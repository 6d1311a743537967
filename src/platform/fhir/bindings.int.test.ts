/**
 * Required bindings over HTTP: a code outside its value set is a 400 OperationOutcome
 * naming the element, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { DB_KINDS } from '../../../test/support/database.ts';
import { openTestApp, type TestApp } from '../../../test/support/app.ts';

describe.each(DB_KINDS)('required bindings over HTTP on %s', (kind) => {
  let h: TestApp;
  let nurse: string;

  beforeAll(async () => {
    h = await openTestApp(kind);
    nurse = await h.login('nurse@a.test');
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, body: unknown) =>
    h.app.inject({ method: 'POST', url, headers: { cookie: nurse, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(body) });

  it("POST /fhir/R4/Patient with gender 'robot' answers 400 naming Patient.gender, and stores nothing", async () => {
    const res = await post('/fhir/R4/Patient', { resourceType: 'Patient', name: [{ family: 'Robotnik' }], gender: 'robot' });
    expect(res.statusCode).toBe(400);
    const outcome = res.json<OperationOutcome>();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.severity).toBe('error');
    expect(outcome.issue[0]?.expression).toEqual(['Patient.gender']);
    expect(outcome.issue[0]?.diagnostics ?? outcome.issue[0]?.details?.text).toContain("'robot' is not in the value set http://hl7.org/fhir/ValueSet/administrative-gender");

    const search = await h.app.inject({ url: '/fhir/R4/Patient?name=Robotnik', headers: { cookie: nurse } });
    expect(search.statusCode).toBe(200);
    expect(search.json<Bundle>().entry ?? []).toHaveLength(0);
  });

  it("the same patient with gender 'female' is created", async () => {
    const res = await post('/fhir/R4/Patient', { resourceType: 'Patient', name: [{ family: 'Robotnik' }], gender: 'female' });
    expect(res.statusCode).toBe(201);
  });
});
