/**
 * The cardiovascular risk screens end to end in real Chromium: a clinician opens a seeded
 * patient aged 40-69 with a lipid panel, sees SCORE2 scored and the Pooled Cohort Equations
 * asking for race, enters race and sees PCE appear, moves the what-if slider by keyboard and
 * sees the projected risk fall and never exceed the baseline, saves to the record (and the
 * FHIR API then lists the RiskAssessment), opens the risk panel and finds the patient ranked,
 * and reads the section in Spanish.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Patient, RiskAssessment } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { execute } from '../../src/platform/db/database.ts';
import { systemContext } from '../../src/platform/context.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../../src/platform/seed/demo-users.ts';
import type { RiskReport } from '../../web/src/risk/types.ts';
import { ARTIFACTS, openSession, signInWithKeyboard, startWorld, type World } from './support.ts';

const [AURORA] = DEMO_CLINICS as [(typeof DEMO_CLINICS)[number]];

let world: World;
/** The patient the clinician opens: SCORE2 scores them, PCE lacks only race, SBP above 120. */
let chosen: { id: string; family: string; display: string; sbp: number };

function nameOf(p: Patient): { given: string; family: string } {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  return { given: (n?.given ?? []).join(' '), family: n?.family ?? '' };
}

/** Numbers a locator's rows carry in data attributes, read in one go. */
async function whatIfNumbers(page: Page): Promise<{ key: string; baseline: number; projected: number }[]> {
  return page.getByTestId('whatif-row').evaluateAll((rows) =>
    rows.map((r) => ({
      key: `${r.getAttribute('data-model')}/${r.getAttribute('data-outcome')}`,
      baseline: Number(r.getAttribute('data-baseline')),
      projected: Number(r.getAttribute('data-projected')),
    })),
  );
}

/** Waits until the what-if panel has no request in flight or pending. */
async function whatIfSettled(page: Page): Promise<void> {
  await page.locator('[data-testid="risk-whatif"][data-busy="false"]').waitFor();
}

beforeAll(async () => {
  world = await startWorld();
  // Candidates: Aurora patients with a total cholesterol result; the risk API then says
  // which of them SCORE2 scores while PCE lacks only race, as a clinician's session sees it.
  const rows = await execute<{ patient_id: string }>(
    world.database.db,
    sql`select patient_id from fhir_resource
        where clinic_id = ${AURORA.id} and resource_type = 'Observation' and not deleted and patient_id is not null
          and content::text like '%"2093-3"%'
        group by patient_id order by patient_id`,
  );
  expect(rows.length).toBeGreaterThan(0);
  const context = await world.browser.newContext({ baseURL: world.baseUrl });
  try {
    const login = await context.request.post('/api/auth/login', { data: { email: demoEmail(AURORA, 'clinician'), password: DEMO_PASSWORD } });
    expect(login.status()).toBe(200);
    for (const { patient_id: id } of rows) {
      const res = await context.request.get(`/api/patients/${id}/risk`);
      if (res.status() !== 200) continue;
      const report = (await res.json()) as RiskReport;
      const score2 = report.results.find((r) => r.model.id === 'score2');
      const pce = report.results.find((r) => r.model.id === 'pce');
      const sbp = report.inputs.systolicBp?.value;
      if (
        score2 && !('refused' in score2) &&
        pce && 'refused' in pce && pce.refused.code === 'MISSING_INPUT' && pce.refused.field === 'race' &&
        report.missing.includes('race') && !report.missing.includes('totalCholesterol') &&
        typeof sbp === 'number' && sbp > 120 &&
        // Ids are random, so the candidate order changes per run: a patient already on a
        // statin would (rightly) gain nothing from the statin step below.
        report.inputs.statin?.value === false
      ) {
        const patient = (await world.services.fhir.read(systemContext(AURORA.id, 'e2e'), 'Patient', id)) as Patient;
        const n = nameOf(patient);
        chosen = { id, family: n.family, display: `${n.given} ${n.family}`.trim(), sbp };
        break;
      }
    }
  } finally {
    await context.close();
  }
  if (!chosen) throw new Error('the demo seed has no Aurora patient that SCORE2 scores, with race missing for PCE, SBP above 120 and no statin');
}, 240_000);

afterAll(async () => {
  await world?.close();
});

describe('the cardiovascular risk screens in Chromium', () => {
  it('a clinician sees the risk section, enters race for PCE, plays what-if, and saves to the record', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${chosen.id}`);
      const risk = page.getByTestId('risk');
      await risk.getByRole('heading', { name: 'Cardiovascular risk' }).waitFor();
      expect(await risk.getByTestId('risk-note').textContent()).toContain('not a diagnosis');

      // SCORE2 is scored: a percent with one decimal and a category.
      const score2 = risk.getByTestId('risk-model-score2');
      await score2.waitFor();
      expect(await score2.getAttribute('data-scored')).toBe('true');
      expect(await score2.getByTestId('risk-percent').first().textContent()).toMatch(/^\d+\.\d%$/);
      expect(await score2.locator('[data-category]').count()).toBeGreaterThan(0);
      expect(await score2.textContent()).toContain('2021 ESC Guidelines');

      // PCE says, in plain words, that it needs race.
      const pce = risk.getByTestId('risk-model-pce');
      expect(await pce.getAttribute('data-scored')).toBe('false');
      expect(await pce.getByTestId('risk-refusal').first().textContent()).toBe('Needs: Race');

      // The inputs table says where each value came from.
      const inputs = risk.getByTestId('risk-inputs');
      const tc = inputs.locator('tr[data-field="totalCholesterol"]');
      expect(await tc.getAttribute('data-source')).toBe('observation');
      expect(await tc.textContent()).toMatch(/mg\/dL|mmol\/L/);

      // The form asks only for what is missing: race, with why the equations ask it.
      const form = risk.getByTestId('risk-missing-form');
      await form.waitFor();
      expect(await form.getByLabel('Total cholesterol').count()).toBe(0);
      const race = form.getByRole('combobox', { name: 'Race' });
      expect(await form.textContent()).toContain('fitted separately for White and African American adults');
      await race.selectOption('white');
      await form.getByRole('button', { name: 'Score with these values' }).click();

      // PCE now scores; race shows as entered here.
      await risk.locator('[data-testid="risk-model-pce"][data-scored="true"]').waitFor();
      expect(await risk.getByTestId('risk-model-pce').getByTestId('risk-percent').first().textContent()).toMatch(/^\d+\.\d%$/);
      expect(await inputs.locator('tr[data-field="race"]').getAttribute('data-source')).toBe('entered');
      expect(await risk.getByTestId('risk-missing-form').count()).toBe(0);

      // The contribution chart is drawn with the optimal risk marked.
      const figure = risk.getByTestId('risk-contributions');
      await figure.locator('.recharts-bar-rectangle').first().waitFor();
      expect(await figure.locator('.recharts-reference-line').count()).toBe(1);
      expect(await figure.locator('figcaption').textContent()).toMatch(/optimal risk \d+\.\d%, current risk \d+\.\d%/);

      // What-if: the slider starts at the patient's pressure; Home takes it to 110 mmHg.
      const whatIf = risk.getByTestId('risk-whatif');
      await whatIf.getByTestId('whatif-row').first().waitFor();
      await whatIfSettled(page);
      const before = await whatIfNumbers(page);
      expect(before.length).toBeGreaterThan(0);
      for (const r of before) expect(r.projected, r.key).toBeLessThanOrEqual(r.baseline + 1e-9);
      const slider = whatIf.getByRole('slider', { name: 'Target systolic blood pressure' });
      expect(Number(await slider.getAttribute('aria-valuenow'))).toBe(Math.min(160, Math.round(chosen.sbp)));
      await slider.focus();
      await page.keyboard.press('Home');
      await expect.poll(() => whatIf.getByTestId('whatif-sbp-value').textContent()).toBe('110 mmHg');
      await expect
        .poll(async () => {
          await whatIfSettled(page);
          const now = await whatIfNumbers(page);
          return now.some((r) => r.projected < (before.find((b) => b.key === r.key)?.projected ?? -1) - 1e-9);
        }, { timeout: 20_000 })
        .toBe(true);
      const lowered = await whatIfNumbers(page);
      for (const r of lowered) expect(r.projected, r.key).toBeLessThanOrEqual(r.baseline + 1e-9);
      // Step back up a few mmHg: the projection rises again but stays at or below baseline.
      for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
      await expect.poll(() => whatIf.getByTestId('whatif-sbp-value').textContent()).toBe('115 mmHg');
      await whatIfSettled(page);
      const at115 = await whatIfNumbers(page);
      for (const r of at115) expect(r.projected, r.key).toBeLessThanOrEqual(r.baseline + 1e-9);
      // A statin lowers it further; the assumptions name their sources.
      await whatIf.getByText('High intensity', { exact: true }).click();
      await expect
        .poll(async () => {
          await whatIfSettled(page);
          const now = await whatIfNumbers(page);
          return now.some((r) => r.projected < (at115.find((b) => b.key === r.key)?.projected ?? -1) - 1e-9);
        }, { timeout: 20_000 })
        .toBe(true);
      for (const r of await whatIfNumbers(page)) expect(r.projected, r.key).toBeLessThanOrEqual(r.baseline + 1e-9);
      expect(await whatIf.getByTestId('whatif-assumptions').textContent()).toContain('Ettehad');

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      // The section alone; the fixed header would otherwise lie over it in the capture.
      await risk.screenshot({ path: path.join(ARTIFACTS, 'risk-en-1024.png'), style: 'header { visibility: hidden !important; }' });

      // Save to the record: the saved RiskAssessment ids show, and the FHIR API lists them.
      await risk.getByRole('button', { name: 'Save to record' }).click();
      const saved = risk.getByTestId('risk-saved');
      await saved.waitFor();
      expect(await saved.textContent()).toContain('RiskAssessment');
      const search = await page.request.get(`/fhir/R4/RiskAssessment?subject=Patient/${chosen.id}`);
      expect(search.status()).toBe(200);
      const bundle = (await search.json()) as Bundle<RiskAssessment>;
      const assessments = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is RiskAssessment => r?.resourceType === 'RiskAssessment');
      expect(assessments.length).toBeGreaterThan(0);
      const methods = assessments.map((a) => a.method?.coding?.[0]?.code);
      expect(methods).toContain('score2');
      expect(methods).toContain('pce');
      for (const a of assessments) {
        expect(a.subject?.reference).toBe(`Patient/${chosen.id}`);
        expect(await saved.textContent()).toContain(a.id as string);
      }

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the risk panel ranks the patient and lists who cannot be scored, each row leading to the chart', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.getByRole('navigation').getByRole('link', { name: 'Risk panel' }).click();
      await page.waitForURL('**/risk');
      await page.getByRole('heading', { level: 1, name: 'Risk panel' }).waitFor();

      const ranked = page.getByTestId('risk-panel-ranked');
      await ranked.getByTestId('risk-panel-row').first().waitFor();
      const risks = await ranked.getByTestId('risk-panel-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-risk'))));
      expect(risks.length).toBeGreaterThan(0);
      expect([...risks].sort((a, b) => b - a)).toEqual(risks);
      const row = ranked.locator(`[data-patient="${chosen.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(chosen.family);
      expect(await row.textContent()).toMatch(/\d+\.\d%/);

      // Who cannot be scored, and why, in words.
      const unscored = page.getByTestId('risk-panel-unscored');
      const lacking = unscored.getByTestId('risk-panel-unscored-row');
      await lacking.first().waitFor();
      for (const text of await lacking.allTextContents()) expect(text).toMatch(/Needs: |applies from|not for people|validated|plausible|unit/);

      await page.screenshot({ path: path.join(ARTIFACTS, 'risk-panel-en-1024.png'), fullPage: true });
      await row.getByRole('link').click();
      await page.waitForURL(`**/patients/${chosen.id}`);
      await page.getByTestId('risk').getByTestId('risk-model-score2').waitFor();
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('reads the risk section in Spanish', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${chosen.id}`);
      const risk = page.getByTestId('risk');
      await risk.getByTestId('risk-model-score2').waitFor();
      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      await risk.getByRole('heading', { name: 'Riesgo cardiovascular' }).waitFor();
      expect(await risk.getByRole('heading', { name: 'Datos utilizados' }).count()).toBe(1);
      expect(await risk.getByTestId('risk-note').textContent()).toContain('No son un diagnóstico');
      expect(await risk.getByTestId('risk-model-pce').getByTestId('risk-refusal').first().textContent()).toBe('Necesita: Raza');
      expect(await risk.getByTestId('risk-model-score2').getByTestId('risk-percent').first().textContent()).toMatch(/^\d+,\d\s%$/);
      await risk.getByTestId('risk-whatif').getByRole('slider', { name: 'Presión sistólica objetivo' }).waitFor();
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Panel de riesgo' }).count()).toBe(1);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
