/**
 * Treatment plans end to end in real Chromium: a clinician opens a seeded patient whose
 * record excludes options (pregnancy, or isotretinoin in the last 6 months), generates a
 * plan, reads an excluded option with the rule and record entry behind it, removes an
 * option, sets a dose outside the knowledge-base range and finds approval blocked until the
 * warning is acknowledged, approves and sees the plan signed and read-only. Then the demo
 * patient's own plan is generated and approved, and the patient reads it in Spanish, with
 * no rule ids, and prints it without the navigation. An edit to a plan that another tab
 * changed first is refused and the page shows the other version instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../../src/platform/seed/demo-users.ts';
import { shippedKnowledgeBase } from '../../src/plans/kb/shipped.ts';
import type { PlanProfileResponse } from '../../web/src/plans/types.ts';
import { ARTIFACTS, openSession, signInWithKeyboard, startWorld, type World } from './support.ts';

const [AURORA] = DEMO_CLINICS as [(typeof DEMO_CLINICS)[number]];
const kb = shippedKnowledgeBase();

let world: World;
/** The patient whose record excludes options, and why. */
let excluding: { id: string; why: 'pregnancy' | 'isotretinoin' };
/** The Patient the demo patient login is linked to. */
let linkedPatientId: string;
let clinicianName: string;

/** A screenshot for a human to look at: the plan section alone when given, else the whole page. */
async function shot(page: Page, name: string, part?: Locator): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `plans-${name}.png`);
  if (part) await part.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}

/** Sets the generate form to exactly these goals (the intake's goals may prefill other rows). */
async function setGoals(page: Page, goals: { concern: string; area?: string }[]): Promise<void> {
  const form = page.getByTestId('plan-generate-form');
  await form.waitFor();
  for (;;) {
    const rows = await form.getByTestId('plan-goal-row').count();
    if (rows <= 1) break;
    await form.getByRole('button', { name: `Remove goal ${rows}` }).click();
  }
  for (let i = 0; i < goals.length; i++) {
    if (i > 0) await form.getByRole('button', { name: 'Add a goal' }).click();
    const g = goals[i]!;
    await form.getByRole('combobox', { name: `Goal ${i + 1} — Concern` }).selectOption(g.concern);
    await form.getByRole('combobox', { name: `Goal ${i + 1} — Area` }).selectOption(g.area ?? '');
  }
}

beforeAll(async () => {
  world = await startWorld();
  const patientLogin = world.seed.users.find((u) => u.clinicId === AURORA.id && u.role === 'patient');
  if (!patientLogin?.patientId) throw new Error('the demo seed has no Aurora patient login linked to a Patient');
  linkedPatientId = patientLogin.patientId;
  clinicianName = world.seed.users.find((u) => u.clinicId === AURORA.id && u.role === 'clinician')!.displayName;

  // Find, as a clinician's session sees it, a patient whose plan profile is pregnant or on isotretinoin.
  const context = await world.browser.newContext({ baseURL: world.baseUrl });
  try {
    const login = await context.request.post('/api/auth/login', { data: { email: demoEmail(AURORA, 'clinician'), password: DEMO_PASSWORD } });
    expect(login.status()).toBe(200);
    const candidates: { id: string; why: 'pregnancy' | 'isotretinoin' }[] = [];
    for (const id of world.seed.patientsByClinic[AURORA.id] ?? []) {
      if (id === linkedPatientId) continue;
      const res = await context.request.get(`/api/patients/${id}/plans/profile`);
      if (res.status() !== 200) continue;
      const { input } = (await res.json()) as PlanProfileResponse;
      if (input.pregnant === true) candidates.push({ id, why: 'pregnancy' });
      else if ((input.medications ?? []).some((m) => m.class === 'isotretinoin' && !m.end)) candidates.push({ id, why: 'isotretinoin' });
    }
    const pick = candidates.find((c) => c.why === 'pregnancy') ?? candidates[0];
    if (!pick) throw new Error('no Aurora patient has a plan profile that is pregnant or on isotretinoin');
    excluding = pick;
  } finally {
    await context.close();
  }
}, 240_000);

afterAll(async () => {
  await world?.close();
});

describe('treatment plans in Chromium', () => {
  it('a clinician generates, reads an exclusion, edits, is blocked by an out-of-range dose, acknowledges, approves and signs', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1280, height: 1000 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${excluding.id}`);
      const section = page.getByTestId('plans');
      await section.getByRole('heading', { name: 'Treatment plan' }).waitFor();
      await section.getByTestId('plan-new').click();

      // Pregnancy excludes the glabellar neuromodulator; isotretinoin excludes ablative resurfacing for photoaging.
      await setGoals(page, [{ concern: 'dynamic-lines', area: 'glabella' }, { concern: 'photoaging', area: 'face' }]);
      await shot(page, 'generate-form', section);
      await section.getByRole('button', { name: 'Generate plan' }).click();
      const plan = section.locator('[data-testid="plan"][data-status="draft"]');
      await plan.waitFor();
      expect(await plan.getByTestId('plan-goal').count()).toBe(2);
      const goal1 = plan.locator('[data-testid="plan-goal"][data-rank="1"]');
      const goal2 = plan.locator('[data-testid="plan-goal"][data-rank="2"]');
      expect(await goal1.getByRole('heading').textContent()).toBe(`Goal 1: ${kb.concernById.get('dynamic-lines')!.names.en} — ${kb.vocabulary.bodySites.find((s) => s.id === 'glabella')!.names.en}`);

      // Options carry evidence with DOI/PMID links, rationale and dose ranges.
      const firstOption = goal2.getByTestId('plan-option').first();
      await firstOption.waitFor();
      expect(await firstOption.getByTestId('plan-evidence').textContent()).toMatch(/^Evidence level [1-5] \(/);
      const hrefs = await goal2.getByTestId('plan-citations').first().locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs.length).toBeGreaterThan(0);
      for (const h of hrefs) expect(h).toMatch(/^https:\/\/(doi\.org\/10\.|pubmed\.ncbi\.nlm\.nih\.gov\/\d+\/)/);

      // Excluded options are collapsed, one click away, each with its rule and the record entry.
      const excludedGoal = excluding.why === 'pregnancy' ? goal1 : goal2;
      expect(await excludedGoal.getByTestId('plan-excluded').count()).toBe(0);
      await excludedGoal.getByTestId('plan-excluded-toggle').click();
      const excluded = excludedGoal.getByTestId('plan-excluded');
      await excluded.first().waitFor();
      const rule = excluded.getByTestId('plan-rule').first();
      expect(await rule.getAttribute('data-rule')).toBeTruthy();
      expect(await rule.textContent()).toMatch(/Rule \S+ \((absolute|defer|skin-type)\)/);
      const trigger = excluded.getByTestId('plan-trigger').first();
      expect(await trigger.getAttribute('data-field')).toMatch(excluding.why === 'pregnancy' ? /^pregnant/ : /^medications/);
      expect(await trigger.textContent()).toMatch(/^Record entry: /);
      if (excluding.why === 'pregnancy') expect(await excludedGoal.locator('[data-testid="plan-excluded"][data-intervention="botulinum-toxin-glabella"]').count()).toBe(1);
      await shot(page, 'excluded', section);

      // Remove an option of goal 2 (one without a dose range, so the dosed ones stay for the next step).
      const options2 = await goal2.getByTestId('plan-option').evaluateAll((els) =>
        els.map((e) => ({ id: e.getAttribute('data-intervention')!, dosed: e.querySelector('[data-testid="plan-dose-range"]') !== null })),
      );
      const toRemove = options2.find((o) => !o.dosed) ?? options2[options2.length - 1]!;
      const dosed = options2.find((o) => o.dosed && o.id !== toRemove.id);
      expect(dosed, 'goal 2 has an option with a dose range').toBeDefined();
      const removeName = kb.interventionById.get(toRemove.id)!.names.en;
      await goal2.locator(`[data-testid="plan-option"][data-intervention="${toRemove.id}"]`).getByRole('button', { name: 'Remove' }).click();
      await goal2.locator(`[data-testid="plan-option"][data-intervention="${toRemove.id}"]`).waitFor({ state: 'detached' });
      expect(await goal2.getByTestId('plan-removed').textContent()).toContain(removeName);

      // A dose outside the range: warned while typing, then a warning that blocks approval.
      const option = goal2.locator(`[data-testid="plan-option"][data-intervention="${dosed!.id}"]`);
      await option.getByRole('button', { name: 'Change dose' }).click();
      const doseForm = option.getByTestId('plan-dose-form');
      await doseForm.getByRole('textbox').fill('0');
      expect(await doseForm.getByTestId('plan-dose-check').getAttribute('data-status')).toBe('invalid');
      expect(await doseForm.getByRole('button', { name: 'Save dose' }).isDisabled()).toBe(true);
      await doseForm.getByRole('textbox').fill('9999');
      expect(await doseForm.getByTestId('plan-dose-check').getAttribute('data-status')).toBe('out-of-range');
      expect(await doseForm.getByTestId('plan-dose-check').textContent()).toContain('Outside the knowledge-base range');
      await doseForm.getByRole('button', { name: 'Save dose' }).click();
      const warning = plan.locator(`[data-testid="plan-warning"][data-key="DOSE_OUT_OF_RANGE:${dosed!.id}"]`);
      await warning.waitFor();
      expect(await warning.getAttribute('data-acknowledged')).toBe('false');
      expect(await option.getByTestId('plan-dose-set').getAttribute('data-out-of-range')).toBe('true');
      const approve = plan.getByTestId('plan-approve');
      expect(await approve.isDisabled()).toBe(true);
      expect(await plan.getByTestId('plan-approve-blocked').textContent()).toBe('Acknowledge every warning before approving.');
      await shot(page, 'warning', section);

      await warning.getByRole('checkbox', { name: 'I have reviewed this warning and accept it' }).check();
      await plan.locator(`[data-testid="plan-warning"][data-acknowledged="true"]`).waitFor();
      await expect.poll(() => approve.isDisabled()).toBe(false);
      await approve.click();

      // Signed: who and when, and nothing left to edit.
      const signedPlan = section.locator('[data-testid="plan"][data-status="active"]');
      await signedPlan.waitFor();
      expect(await signedPlan.getByTestId('plan-signed').textContent()).toContain(`Approved and signed by ${clinicianName} on`);
      expect(await signedPlan.getByRole('button', { name: 'Remove' }).count()).toBe(0);
      expect(await signedPlan.getByRole('button', { name: 'Change dose' }).count()).toBe(0);
      expect(await signedPlan.getByTestId('plan-approve').count()).toBe(0);
      expect(await signedPlan.locator(`[data-testid="plan-option"][data-intervention="${toRemove.id}"]`).count()).toBe(0);
      await expect.poll(() => section.locator('[data-testid="plan-list"] tr[data-status="active"]').count()).toBe(1);
      await shot(page, 'signed', section);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an edit to a plan that changed in another tab is refused: the page reloads the other version and says so', async () => {
    const patientId = (world.seed.patientsByClinic[AURORA.id] ?? []).find((id) => id !== linkedPatientId && id !== excluding.id);
    expect(patientId, 'a third Aurora patient').toBeDefined();
    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1280, height: 1000 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${patientId}`);
      const section = page.getByTestId('plans');
      await section.getByTestId('plan-new').click();
      await setGoals(page, [{ concern: 'photoaging', area: 'face' }]);
      await section.getByRole('button', { name: 'Generate plan' }).click();
      const plan = section.locator('[data-testid="plan"][data-status="draft"]');
      await plan.waitFor();
      const planId = await plan.getAttribute('data-plan');
      const shown = await plan.getAttribute('data-version');
      const options = await plan.getByTestId('plan-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-intervention')!));
      expect(options.length).toBeGreaterThanOrEqual(2);
      const option = (id: string) => plan.locator(`[data-testid="plan-option"][data-intervention="${id}"]`);

      // Another tab of the same session removes the first option.
      const other = await context.request.patch(`/api/patients/${patientId}/plans/${planId}`, {
        data: { versionId: shown, edits: [{ kind: 'remove', goalRank: 1, interventionId: options[0] }] },
      });
      expect(other.status()).toBe(200);

      // This page still shows the old version; removing the second option must not apply blindly.
      await option(options[1]!).getByRole('button', { name: 'Remove' }).click();
      const notice = section.getByTestId('plan-stale');
      await notice.waitFor();
      expect(await notice.textContent()).toBe('The plan changed elsewhere and has been reloaded; check it and try again.');
      await option(options[0]!).waitFor({ state: 'detached' });
      expect(await option(options[1]!).count()).toBe(1);
      expect(await plan.getAttribute('data-version')).not.toBe(shown);
      expect(await plan.getByRole('alert').filter({ hasNotText: 'changed elsewhere' }).count()).toBe(0);

      // Trying again on the reloaded version works, and the notice goes.
      await option(options[1]!).getByRole('button', { name: 'Remove' }).click();
      await option(options[1]!).waitFor({ state: 'detached' });
      expect(await notice.count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the patient reads their approved plan in Spanish, without rule ids, and prints it without the navigation", async () => {
    // The clinician generates and approves the linked patient's plan first.
    const clinician = await openSession(world, { width: 1280, height: 1000 });
    try {
      const page = clinician.page;
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${linkedPatientId}`);
      const section = page.getByTestId('plans');
      await section.getByTestId('plan-new').click();
      await setGoals(page, [{ concern: 'photoaging', area: 'face' }, { concern: 'pigmentation' }]);
      await section.getByRole('button', { name: 'Generate plan' }).click();
      await section.locator('[data-testid="plan"][data-status="draft"]').waitFor();
      await section.getByTestId('plan-approve').click();
      await section.locator('[data-testid="plan"][data-status="active"]').waitFor();
      expect(clinician.pageErrors).toEqual([]);
    } finally {
      await clinician.context.close();
    }

    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1024, height: 900 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'patient'), DEMO_PASSWORD);
      await page.waitForURL(`**/patients/${linkedPatientId}`);
      // The patient's chart has no staff plan editor.
      expect(await page.getByTestId('plans').count()).toBe(0);
      await page.getByRole('navigation').getByRole('link', { name: 'My plan' }).click();
      await page.waitForURL('**/my-plan');
      const body = page.getByTestId('my-plan-body');
      await body.waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My treatment plan');
      expect(await body.getByTestId('my-plan-goal').count()).toBe(2);

      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      await page.getByRole('heading', { name: 'Mi plan de tratamiento' }).waitFor();
      const goal1 = body.getByTestId('my-plan-goal').first();
      expect(await goal1.getByRole('heading').textContent()).toBe(`Objetivo 1: ${kb.concernById.get('photoaging')!.names.es} (${kb.vocabulary.bodySites.find((s) => s.id === 'face')!.names.es})`);
      const firstOptionId = await goal1.getByTestId('my-plan-option').first().getAttribute('data-intervention');
      expect(await goal1.getByTestId('my-plan-option').first().textContent()).toContain(kb.interventionById.get(firstOptionId!)!.names.es);
      expect(await body.textContent()).toContain('Rutina de cuidado de la piel');
      // Lay words only: no rule ids, rule kinds or evidence levels.
      const text = (await body.textContent()) ?? '';
      expect(text).not.toMatch(/Regla |Rule |skin-type:|preference:|Nivel de evidencia/);
      await shot(page, 'patient-es');

      // Print: the navigation and the Print button disappear, the plan stays.
      const printButton = page.getByRole('button', { name: 'Imprimir' });
      expect(await printButton.isVisible()).toBe(true);
      expect(await page.getByRole('navigation').isVisible()).toBe(true);
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByRole('navigation').isVisible()).toBe(false);
      expect(await page.locator('header').isVisible()).toBe(false);
      expect(await printButton.isVisible()).toBe(false);
      expect(await body.isVisible()).toBe(true);
      // The root tsconfig has no DOM types; the callbacks run in the page, where these exist.
      const style = (el: unknown, prop: string): string => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)[prop] ?? '';
      const colour = await goal1.getByRole('heading').evaluate(style, 'color');
      expect(colour).toBe('rgb(0, 0, 0)');
      const breakBefore = await body.getByTestId('my-plan-goal').nth(1).evaluate(style, 'breakBefore');
      expect(breakBefore).toBe('page');
      await shot(page, 'patient-print');
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
