/**
 * The web app end to end in real Chromium: a clinician signs in with the keyboard, finds
 * and opens a patient, cannot reach another clinic's patient (neither in the app nor by
 * the API), switches to Spanish, signs out; an admin reads the clinician's reads in the
 * audit log. A patient named `<script>…` shows as text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { sql } from 'drizzle-orm';
import { execute } from '../../src/platform/db/database.ts';
import { systemContext } from '../../src/platform/context.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../../src/platform/seed/demo-users.ts';
import { ARTIFACTS, openSession, signInWithKeyboard, startWorld, type World } from './support.ts';

const [AURORA, LUMEN] = DEMO_CLINICS as [(typeof DEMO_CLINICS)[number], (typeof DEMO_CLINICS)[number]];
const XSS_NAME = '<script>alert(1)</script>';

let world: World;
/** The Aurora patient the clinician opens: the one with the fullest record. */
let chosen: { id: string; family: string; display: string; conditionTexts: string[] };
/** A Lumen patient, and the words of its record that must never reach an Aurora page. */
let foreign: { id: string; words: string[] };

function nameOf(p: Patient): { given: string; family: string } {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  return { given: (n?.given ?? []).join(' '), family: n?.family ?? '' };
}

beforeAll(async () => {
  world = await startWorld();
  const auroraIds = world.seed.patientsByClinic[AURORA.id] ?? [];
  const lumenIds = world.seed.patientsByClinic[LUMEN.id] ?? [];
  expect(auroraIds.length).toBeGreaterThan(0);
  expect(lumenIds.length).toBeGreaterThan(0);

  // The Aurora patient with problems, medications, allergies and blood pressures, most rows first.
  const rows = await execute<{ patient_id: string }>(
    world.database.db,
    sql`select patient_id from fhir_resource
        where clinic_id = ${AURORA.id} and patient_id is not null and not deleted
          and resource_type in ('Condition', 'MedicationStatement', 'MedicationRequest', 'AllergyIntolerance', 'Observation')
        group by patient_id
        having count(distinct resource_type) filter (where resource_type <> 'MedicationRequest') = 4
        order by count(*) desc, patient_id limit 1`,
  );
  const chosenId = rows[0]?.patient_id;
  if (!chosenId) throw new Error('the demo seed has no Aurora patient with problems, medications, allergies and vitals');
  const auroraCtx = systemContext(AURORA.id, 'e2e');
  const patient = (await world.services.fhir.read(auroraCtx, 'Patient', chosenId)) as Patient;
  const n = nameOf(patient);
  const conditions = await execute<{ content: { code?: { text?: string; coding?: { display?: string }[] } } }>(
    world.database.db,
    sql`select content from fhir_resource where resource_type = 'Condition' and patient_id = ${chosenId} and not deleted`,
  );
  chosen = {
    id: chosenId,
    family: n.family,
    display: `${n.given} ${n.family}`.trim(),
    conditionTexts: conditions.map((c) => c.content.code?.text ?? c.content.code?.coding?.[0]?.display ?? '').filter(Boolean),
  };

  const lumenId = lumenIds[0] as string;
  const lumenPatient = (await world.services.fhir.read(systemContext(LUMEN.id, 'e2e'), 'Patient', lumenId)) as Patient;
  const ln = nameOf(lumenPatient);
  foreign = { id: lumenId, words: [ln.family, ln.given].filter((w) => w.length > 2) };
  expect(foreign.words.length).toBeGreaterThan(0);

  // A patient whose name is markup: it must be shown, never run.
  await world.services.fhir.create(auroraCtx, {
    resourceType: 'Patient',
    name: [{ use: 'official', given: [XSS_NAME], family: 'Zzxss' }],
    gender: 'female',
    birthDate: '1980-01-01',
  } satisfies Patient);
}, 240_000);

afterAll(async () => {
  await world?.close();
});

describe('the web app in Chromium', () => {
  it('a clinician signs in with the keyboard, finds and opens a patient, and sees the chart', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world);
    try {
      // Not signed in: the app sends us to the login form.
      await page.goto('/');
      await page.waitForURL('**/login');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to WellAge');

      // A wrong password is refused with a readable message, and nothing else happens.
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), 'not-the-password');
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('The email or password is not correct');
      expect(page.url()).toContain('/login');

      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      const table = page.getByRole('table', { name: /Patients of/ });
      await table.waitFor();
      expect(await table.getByRole('link').count()).toBeGreaterThan(0);
      // The clinician sees no audit entry in the navigation.
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).count()).toBe(0);

      // Search by family name: the chosen patient is found.
      const search = page.getByRole('searchbox', { name: 'Search by name' });
      await search.fill(chosen.family);
      await search.press('Enter');
      await page.waitForURL(/name=/);
      const link = table.getByRole('link', { name: chosen.display });
      await link.first().waitFor();
      // Every row found answers the search.
      for (const text of await table.getByRole('link').allTextContents()) expect(text.toLowerCase()).toContain(chosen.family.toLowerCase().slice(0, 3));

      // The markup-named patient is listed as text; no script runs.
      await search.fill('Zzxss');
      await search.press('Enter');
      const xss = table.getByRole('link', { name: `${XSS_NAME} Zzxss` });
      await xss.waitFor();
      expect(await xss.textContent()).toBe(`${XSS_NAME} Zzxss`);
      expect(dialogs).toEqual([]);

      // Open the chosen patient.
      await search.fill(chosen.family);
      await search.press('Enter');
      await link.first().click();
      await page.waitForURL(`**/patients/${chosen.id}`);
      await expect.poll(() => page.getByTestId('patient-name').textContent()).toBe(chosen.display);

      const problems = page.getByTestId('problems');
      await problems.getByRole('table').waitFor();
      const problemText = await problems.textContent();
      expect(chosen.conditionTexts.some((t) => problemText?.includes(t))).toBe(true);
      await page.getByTestId('medications').getByRole('table').waitFor();
      expect(await page.getByTestId('medications').getByRole('row').count()).toBeGreaterThan(1);
      await page.getByTestId('allergies').getByRole('table').waitFor();
      expect(await page.getByTestId('allergies').getByRole('row').count()).toBeGreaterThan(1);
      const vitals = page.getByTestId('vitals');
      await vitals.getByRole('table').waitFor();
      expect(await vitals.getByRole('rowheader', { name: 'Blood pressure' }).count()).toBe(1);
      // The trend chart is drawn: a line per blood-pressure component, and its summary in words.
      await vitals.locator('.recharts-line path.recharts-line-curve').first().waitFor();
      expect(await vitals.locator('.recharts-line path.recharts-line-curve').count()).toBe(2);
      expect(await vitals.locator('figcaption').textContent()).toMatch(/Blood pressure: \d+ readings/);
      await page.getByTestId('consents').getByRole('table').waitFor();

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'chart-en-1024.png'), fullPage: true });

      // An administrator-only page is refused plainly.
      await page.goto('/audit');
      await page.getByTestId('not-allowed').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("another clinic's patient cannot be reached by URL, in the app or through the API", async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');

      const asked: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/fhir/') || r.url().includes('/api/')) asked.push(new URL(r.url()).pathname + new URL(r.url()).search);
      });
      await page.goto(`/patients/${foreign.id}`);
      await page.getByTestId('patient-not-found').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Patient not found');
      const body = (await page.locator('body').innerText()).toLowerCase();
      for (const w of foreign.words) expect(body).not.toContain(w.toLowerCase());
      // Nothing beyond the Patient read was asked for that patient.
      expect([...new Set(asked.filter((u) => u.includes(foreign.id)))]).toEqual([`/fhir/R4/Patient/${foreign.id}`]);

      const read = await page.request.get(`/fhir/R4/Patient/${foreign.id}`);
      expect(read.status()).toBe(404);
      const outcome = (await read.json()) as { resourceType: string };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(outcome).toLowerCase()).not.toContain(foreign.words[0]?.toLowerCase());
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('switches to Spanish, keeps the choice, and signing out closes the chart (tablet portrait)', async () => {
    const { context, page, pageErrors } = await openSession(world, { width: 768, height: 1024 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${chosen.id}`);
      await page.getByTestId('problems').getByRole('table').waitFor();

      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      await page.getByRole('heading', { name: 'Problemas de salud' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Constantes vitales' }).count()).toBe(1);
      expect(await page.locator('html').getAttribute('lang')).toBe('es');

      // The choice survives a reload.
      await page.reload();
      await page.getByRole('heading', { name: 'Medicación' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('es');
      await page.getByTestId('vitals').locator('.recharts-line').first().waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, 'chart-es-768.png'), fullPage: true });

      await page.getByRole('button', { name: 'Cerrar sesión' }).click();
      await page.waitForURL('**/login');
      await page.goto(`/patients/${chosen.id}`);
      await page.waitForURL('**/login');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Iniciar sesión en WellAge');
      expect(await page.locator('body').innerText()).not.toContain(chosen.display);
      // The session is gone on the server too.
      expect((await page.request.get('/api/auth/me')).status()).toBe(401);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('when the session ends elsewhere, the next step leads to the login form and back', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${chosen.id}`);
      await page.getByTestId('problems').getByRole('table').waitFor();
      // Every section has loaded (risk what-if, lesions): otherwise a section's own late call
      // meets the ended session first and the app leaves for the login form before the click.
      await page.waitForLoadState('networkidle');
      // Signed out behind the page's back (another tab, or the session expired).
      expect((await page.request.post('/api/auth/logout')).status()).toBe(204);
      await page.getByRole('link', { name: 'Back to patients' }).click();
      await page.waitForURL('**/login');
      // Signing in again returns to where the user was going.
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.getByRole('table', { name: /Patients of/ }).waitFor();
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("an admin opens the audit log and sees the clinician's reads of the patient", async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'admin'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
      await page.waitForURL('**/audit');
      const table = page.getByTestId('audit-table');
      await table.waitFor();

      // Filter to the chosen patient: the clinician's read of the Patient is there.
      await page.getByLabel('Patient id').fill(chosen.id);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      // Long ids show shortened, with the full id in the cell's title.
      // (The chart's risk section also records an 'ai-call' on the Patient: pick the read.)
      const read = table
        .getByRole('row')
        .filter({ hasText: 'clinician' })
        .filter({ has: page.locator(`td[title="Patient/${chosen.id}"]`) })
        .filter({ has: page.getByRole('cell', { name: 'read', exact: true }) });
      await read.first().waitFor();
      expect(await read.first().textContent()).toContain('read');

      await page.getByRole('button', { name: 'Verify the chain' }).click();
      await page.getByTestId('audit-verify').waitFor();
      expect(await page.getByTestId('audit-verify').textContent()).toMatch(/The chain is intact: \d+ events checked/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'audit-en-1024.png'), fullPage: true });
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a patient lands on their own chart and cannot open the patient list', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      const login = world.seed.users.find((u) => u.clinicId === AURORA.id && u.role === 'patient');
      expect(login?.patientId).toBeTruthy();
      await signInWithKeyboard(page, demoEmail(AURORA, 'patient'), DEMO_PASSWORD);
      await page.waitForURL(`**/patients/${login?.patientId}`);
      await page.getByTestId('problems').waitFor();
      expect(await page.getByRole('navigation').getByRole('link', { name: 'My record' }).count()).toBe(1);
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Patients' }).count()).toBe(0);
      await page.goto('/patients');
      await page.getByTestId('not-allowed').waitFor();
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a learner lands on a home with no patient data and cannot open the patient list', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'learner'), DEMO_PASSWORD);
      await page.waitForURL('**/learn');
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Patients' }).count()).toBe(0);
      await page.goto('/patients');
      await page.getByTestId('not-allowed').waitFor();
      expect(await page.locator('body').innerText()).not.toContain(chosen.family);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
