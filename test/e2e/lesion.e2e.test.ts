/**
 * The lesion second opinion end to end in real Chromium: a clinician opens a demo patient
 * who allowed AI analysis, adds a lesion, uploads a dermoscopic image, finds the AI result
 * hidden (on screen and at the server) until the impression is recorded, then sees the
 * calibrated probabilities, the suggestion and the lesion outline, confirms and signs, and
 * adds the histopathology. A nurse on an upright touch tablet opens the same exam and sees
 * the image and its status but no AI output, and a photo too small to read is refused with
 * retake guidance. Without the patient's ai-analysis consent nothing is analysed; an admin
 * reads the model card, agreement per clinician and the operating points.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../../src/platform/seed/demo-users.ts';
import { ARTIFACTS, TABLET_PORTRAIT, openSession, signInWithKeyboard, startWorld, type World } from './support.ts';

const [AURORA] = DEMO_CLINICS as [(typeof DEMO_CLINICS)[number]];
const IMAGE = path.resolve('test/fixtures/lesion/ham-mel.jpg');
/** The machine is slow and the analysis runs on CPU: polled expectations get room. */
const SLOW = { timeout: 20_000 };

let world: World;
/** A patient of Aurora whose ai-analysis consent is given, and one who refused it. */
let patientId: string;
let refusedId: string;
let clinicianName: string;
/** Set by the clinician's test, read by the nurse's. */
let examPath: string | undefined;

async function shot(page: Page, name: string, part?: Locator): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `lesion-${name}.png`);
  if (part) await part.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}

/** Whether an <img> finished loading real pixels (a refused or broken URL has naturalWidth 0). */
async function imageLoaded(img: Locator): Promise<boolean> {
  return img.evaluate((el) => {
    const i = el as unknown as { complete: boolean; naturalWidth: number };
    return i.complete && i.naturalWidth > 0;
  });
}

/** Whether the page is no wider than the screen (nothing to scroll sideways to). */
async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth <= root.clientWidth;
  });
}

beforeAll(async () => {
  world = await startWorld();
  clinicianName = world.seed.users.find((u) => u.clinicId === AURORA.id && u.role === 'clinician')!.displayName;
  const context = await world.browser.newContext({ baseURL: world.baseUrl });
  try {
    const login = await context.request.post('/api/auth/login', { data: { email: demoEmail(AURORA, 'clinician'), password: DEMO_PASSWORD } });
    expect(login.status()).toBe(200);
    for (const id of world.seed.patientsByClinic[AURORA.id] ?? []) {
      const res = await context.request.get(`/api/patients/${id}/consents`);
      if (res.status() !== 200) continue;
      const consents = (await res.json()) as { purpose: string; status: string }[];
      const ai = consents.find((c) => c.purpose === 'ai-analysis')?.status;
      if (ai === 'permit') patientId ??= id;
      if (ai === 'deny') refusedId ??= id;
      if (patientId && refusedId) break;
    }
    if (!patientId) throw new Error('no Aurora patient has given ai-analysis consent');
    if (!refusedId) throw new Error('no Aurora patient has refused ai-analysis consent');
  } finally {
    await context.close();
  }
}, 240_000);

afterAll(async () => {
  await world?.close();
});

describe('lesion second opinion in Chromium', () => {
  it('a clinician adds a lesion, uploads an image, records an impression before the AI is revealed, then confirms and signs', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1280, height: 1000 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${patientId}`);
      const section = page.getByTestId('lesions');
      await section.getByRole('heading', { name: 'Skin lesions' }).waitFor();

      // Add a lesion at a body site from the server's SNOMED CT list.
      await section.getByTestId('lesion-add').click();
      const addForm = section.getByTestId('lesion-add-form');
      const site = addForm.getByRole('combobox', { name: 'Body site' });
      await site.waitFor();
      const siteOptions = await site.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.getAttribute('value') ?? '', text: o.textContent ?? '' })));
      const chosen = siteOptions.find((o) => o.value !== '');
      expect(chosen, 'the body-site list is not empty').toBeDefined();
      // Refused without a label: said in words, nothing sent.
      await site.selectOption(chosen!.value);
      await addForm.getByRole('button', { name: 'Add lesion' }).click();
      expect(await addForm.getByRole('alert').textContent()).toBe('Give the lesion a label.');
      await addForm.getByRole('textbox', { name: /^Label/ }).fill('Left shoulder, 2 cm below the scar');
      await addForm.getByRole('button', { name: 'Add lesion' }).click();

      // The new lesion is listed and its image form opens: camera on a tablet, file here.
      const row = section.getByTestId('lesion-row').filter({ hasText: 'Left shoulder, 2 cm below the scar' });
      await row.waitFor(SLOW);
      expect(await row.textContent()).toContain(chosen!.text);
      const imageForm = section.getByTestId('lesion-image-form');
      await imageForm.waitFor();
      const file = imageForm.getByTestId('lesion-file');
      expect(await file.getAttribute('accept')).toBe('image/*');
      expect(await file.getAttribute('capture')).toBe('environment');
      await imageForm.getByRole('textbox', { name: /Pixels per mm/ }).fill('abc');
      await imageForm.getByTestId('lesion-upload').click();
      expect(await imageForm.getByRole('alert').textContent()).toBe('Choose or take an image.');
      await file.setInputFiles(IMAGE);
      await imageForm.getByTestId('lesion-upload').click();
      expect(await imageForm.getByRole('alert').textContent()).toBe('Pixels per mm must be a number from 1 to 1000, or left empty.');
      await imageForm.getByRole('textbox', { name: /Pixels per mm/ }).fill('20');
      // The model is busy on the first try: the form says so, and the retry reuses the image
      // already stored instead of storing the patient's photograph a second time.
      const uploads: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/files') uploads.push(r.url());
      });
      const examsRoute = '**/api/lesion/lesions/*/exams';
      await page.route(examsRoute, (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'NOT_READY', detail: 'The lesion model could not analyse the image; nothing was saved.' }) }),
      );
      await imageForm.getByTestId('lesion-upload').click();
      await expect.poll(async () => (await imageForm.getByRole('alert').allTextContents()).join(' '), SLOW).toContain('could not analyse the image');
      await page.unroute(examsRoute);
      await imageForm.getByTestId('lesion-upload').click();

      // The exam page: the image, and the AI hidden until the impression is recorded.
      await page.waitForURL('**/lesions/exams/*', { timeout: 60_000 });
      expect(uploads).toHaveLength(1);
      examPath = new URL(page.url()).pathname;
      const examId = examPath.split('/').pop()!;
      const exam = page.locator('[data-testid="lesion-exam"][data-status="awaiting-impression"]');
      await exam.waitFor(SLOW);
      await expect.poll(() => imageLoaded(exam.getByTestId('lesion-image')), SLOW).toBe(true);
      const hidden = exam.getByTestId('lesion-ai-hidden');
      expect(await hidden.textContent()).toContain('Record your impression first — the AI result is hidden until you do');
      expect(await exam.getByTestId('lesion-ai').count()).toBe(0);
      expect(await exam.getByTestId('lesion-probabilities').count()).toBe(0);
      expect(await exam.getByTestId('lesion-outline').count()).toBe(0);
      // Not merely hidden on screen: the server refuses the outline too.
      const early = await page.request.get(`/api/lesion/exams/${examId}/outline.png`);
      expect(early.status()).toBeGreaterThanOrEqual(400);

      // The impression: a form that refuses to go half-filled.
      const impression = exam.getByTestId('lesion-impression-form');
      await impression.getByTestId('lesion-impression-submit').click();
      expect(await impression.getByRole('alert').textContent()).toBe('Choose a diagnosis, an action and your confidence.');
      await impression.getByRole('combobox', { name: 'Most likely diagnosis' }).selectOption('mel');
      await impression.getByRole('radio', { name: 'Refer' }).check();
      await impression.getByRole('radio', { name: 'High' }).check();
      await impression.getByTestId('lesion-impression-submit').click();

      // The reveal: all seven calibrated probabilities, melanoma and malignant probability,
      // uncertainty in words, the suggestion worded as one, and the outline picture.
      const ai = page.getByTestId('lesion-ai');
      await ai.waitFor(SLOW);
      expect(await page.getByTestId('lesion-ai-hidden').count()).toBe(0);
      expect(await page.getByTestId('lesion-impression').getAttribute('data-blinded')).toBe('true');
      const bars = ai.getByTestId('lesion-probability');
      expect(await bars.count()).toBe(7);
      const values = (await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))) as number[];
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
      expect(await ai.getByTestId('lesion-melanoma-probability').textContent()).toMatch(/^(< )?\d+(\.\d)?%$/);
      expect(await ai.getByTestId('lesion-malignant-probability').textContent()).toMatch(/^(< )?\d+(\.\d)?%$/);
      const suggestion = ai.getByTestId('lesion-suggestion');
      expect(['refer', 'monitor', 'benign-appearing']).toContain(await suggestion.getAttribute('data-action'));
      const suggestionText = (await suggestion.textContent()) ?? '';
      expect(suggestionText).toContain('Suggestion:');
      expect(suggestionText).toContain('not a diagnosis');
      expect(await ai.getByTestId('lesion-uncertainty').textContent()).toMatch(/uncertainty/i);
      expect(await ai.getByTestId('lesion-diameter').textContent()).toMatch(/^\d+(\.\d)? mm \([\d,]+ px\)$/);
      expect(await ai.getByTestId('lesion-calibration').textContent()).toContain('Calibration in force:');
      expect(await ai.getByTestId('lesion-model').getByRole('link', { name: 'Model card' }).getAttribute('href')).toBe('/lesions/model-card');
      await expect.poll(() => imageLoaded(ai.getByTestId('lesion-outline')), SLOW).toBe(true);
      await ai.getByTestId('lesion-show-heatmap').click();
      await expect.poll(() => imageLoaded(ai.getByTestId('lesion-heatmap')), { timeout: 60_000 }).toBe(true);
      await shot(page, 'revealed', page.getByTestId('lesion-exam'));

      // Confirm: agree with the AI; the action follows its suggestion, the diagnosis the impression.
      const decision = page.getByTestId('lesion-decision-form');
      await decision.getByRole('radio', { name: 'I agree with the AI' }).check();
      expect(await decision.getByRole('combobox', { name: 'Final diagnosis' }).inputValue()).toBe('mel');
      await decision.getByTestId('lesion-sign').click();
      const signed = page.getByTestId('lesion-signed');
      await signed.waitFor(SLOW);
      expect(await signed.textContent()).toContain(`Signed by ${clinicianName} on`);
      expect(await signed.getAttribute('data-agrees')).toBe('true');
      expect(await page.locator('[data-testid="lesion-exam"][data-status="signed"]').count()).toBe(1);
      // Read-only: no forms left to change the signed report.
      expect(await page.getByTestId('lesion-decision-form').count()).toBe(0);
      expect(await page.getByTestId('lesion-impression-form').count()).toBe(0);

      // Histopathology comes later and is shown with the exam.
      await page.getByTestId('lesion-histo-add').click();
      const histo = page.getByTestId('lesion-histo-form');
      await histo.getByRole('combobox', { name: 'Histopathological diagnosis' }).selectOption('mel');
      expect(await histo.getByRole('checkbox', { name: 'Malignant' }).isChecked()).toBe(true);
      // Today: a report cannot predate the image it examines, nor lie in the future.
      await histo.getByLabel('Date of the report').fill(new Date().toISOString().slice(0, 10));
      await histo.getByRole('button', { name: 'Save histopathology' }).click();
      const recorded = page.getByTestId('lesion-histopathology');
      await recorded.waitFor(SLOW);
      expect(await recorded.textContent()).toContain('Melanoma (malignant)');
      await shot(page, 'signed', page.getByTestId('lesion-exam'));

      // The follow-up page: one image so far, so nothing to compare yet.
      await page.getByRole('link', { name: 'Follow-up of this lesion' }).click();
      const evolution = page.getByTestId('lesion-evolution');
      await evolution.waitFor(SLOW);
      expect(await evolution.getByTestId('lesion-evolution-exam').count()).toBe(1);
      expect(await evolution.textContent()).toContain('At least two assessable images are needed to compare.');

      // Back in the chart, the lesion row shows the signed status and the suggestion.
      await page.goto(`/patients/${patientId}`);
      const signedRow = page.getByTestId('lesion-row').filter({ hasText: 'Left shoulder, 2 cm below the scar' });
      await signedRow.waitFor(SLOW);
      expect(await signedRow.getByTestId('lesion-exam-status').getAttribute('data-status')).toBe('signed');
      expect(await signedRow.getByTestId('lesion-row-suggestion').count()).toBe(1);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a nurse on an upright tablet sees the image and its status but no AI output, and is told to retake an image too small to read', async () => {
    expect(examPath, 'the clinician test created an exam').toBeDefined();
    const { context, page, dialogs, pageErrors } = await openSession(world, TABLET_PORTRAIT);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'nurse'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(examPath!);
      const exam = page.getByTestId('lesion-exam');
      await exam.waitFor(SLOW);
      expect(await exam.getAttribute('data-status')).toBe('signed');
      await expect.poll(() => imageLoaded(exam.getByTestId('lesion-image')), SLOW).toBe(true);
      expect(await exam.getByTestId('lesion-exam-status').textContent()).toBe('Signed');
      expect(await exam.getByTestId('lesion-ai-withheld').textContent()).toContain('AI results are shown to clinicians only.');
      expect(await page.getByTestId('lesion-ai').count()).toBe(0);
      expect(await page.getByTestId('lesion-probabilities').count()).toBe(0);
      expect(await page.getByTestId('lesion-outline').count()).toBe(0);
      expect(await page.getByTestId('lesion-impression-form').count()).toBe(0);
      expect(await page.getByTestId('lesion-decision-form').count()).toBe(0);
      const text = (await exam.textContent()) ?? '';
      expect(text).not.toMatch(/Melanoma probability|Suggestion:/);
      expect(await fitsTheScreen(page), 'no sideways scrolling on the tablet').toBe(true);
      await shot(page, 'nurse', exam);
      // In Spanish too.
      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      await page.getByRole('heading', { name: 'Imagen de la lesión' }).waitFor();
      expect(await exam.getByTestId('lesion-ai-withheld').textContent()).toContain('Los resultados de la IA solo se muestran a los clínicos.');
      expect(await exam.getByTestId('lesion-exam-status').textContent()).toBe('Firmado');
      await page.getByRole('combobox', { name: 'Idioma' }).selectOption('en');

      // The chart's lesion list shows the status but no AI suggestion to a nurse.
      await page.goto(`/patients/${patientId}`);
      const row = page.getByTestId('lesion-row').filter({ hasText: 'Left shoulder, 2 cm below the scar' });
      await row.waitFor(SLOW);
      expect(await row.getByTestId('lesion-exam-status').getAttribute('data-status')).toBe('signed');
      expect(await row.getByTestId('lesion-row-suggestion').count()).toBe(0);

      // The nurse captures a new image that is far too small: the quality gate says so, with retake guidance.
      // Touch all the way; the camera itself cannot be driven here, the rear-camera request can be read.
      expect(await fitsTheScreen(page)).toBe(true);
      await row.getByTestId('lesion-new-image').tap();
      const form = page.getByTestId('lesion-image-form');
      expect(await form.getByTestId('lesion-file').getAttribute('capture')).toBe('environment');
      const tiny = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 150, g: 100, b: 80 } } }).jpeg().toBuffer();
      await form.getByTestId('lesion-file').setInputFiles({ name: 'tiny.jpg', mimeType: 'image/jpeg', buffer: tiny });
      await form.getByTestId('lesion-upload').tap();
      await page.waitForURL('**/lesions/exams/*', { timeout: 60_000 });
      const rejected = page.getByTestId('lesion-cannot-assess');
      await rejected.waitFor(SLOW);
      expect(await rejected.getAttribute('data-reason')).toBe('too-small');
      const guidance = (await rejected.textContent()) ?? '';
      expect(guidance).toContain('The image is too small for a reliable reading.');
      expect(guidance).toContain('Retake the image and add it as a new image of this lesion.');
      expect(await page.getByTestId('lesion-exam').getAttribute('data-status')).toBe('cannot-assess');
      await shot(page, 'cannot-assess', page.getByTestId('lesion-exam'));
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('without the ai-analysis consent the chart says so, points to the consents, and offers no image capture', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1280, height: 1000 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.goto(`/patients/${refusedId}`);
      const section = page.getByTestId('lesions');
      const notice = section.getByTestId('lesion-no-consent');
      await notice.waitFor(SLOW);
      expect(await notice.textContent()).toContain('The patient has not given consent for AI-assisted analysis');
      // Adding a lesion (care) is allowed, but its image form does not open.
      await section.getByTestId('lesion-add').click();
      const addForm = section.getByTestId('lesion-add-form');
      const site = addForm.getByRole('combobox', { name: 'Body site' });
      await site.waitFor();
      const first = await site.locator('option').nth(1).getAttribute('value');
      await site.selectOption(first!);
      await addForm.getByRole('textbox', { name: /^Label/ }).fill('Right forearm');
      await addForm.getByRole('button', { name: 'Add lesion' }).click();
      const row = section.getByTestId('lesion-row').filter({ hasText: 'Right forearm' });
      await row.waitFor(SLOW);
      expect(await section.getByTestId('lesion-image-form').count()).toBe(0);
      expect(await row.getByTestId('lesion-new-image').isDisabled()).toBe(true);
      // The link brings the consents section into view and focus.
      await notice.getByRole('button', { name: 'See the consents section' }).click();
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-testid'))).toBe('consents');
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an admin reads the model card, agreement per clinician and the operating points, with adoption refused below the minimum', async () => {
    const card = JSON.parse(fs.readFileSync(path.resolve('models/lesion/model-card.json'), 'utf8')) as { model: { sha256: string } };
    const { context, page, dialogs, pageErrors } = await openSession(world, { width: 1280, height: 1000 });
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'admin'), DEMO_PASSWORD);
      await page.waitForURL('**/patients');
      await page.getByRole('navigation').getByRole('link', { name: 'Lesion AI' }).click();
      await page.getByRole('heading', { name: 'Lesion model card', level: 1 }).waitFor(SLOW);
      const body = page.getByTestId('lesion-model-card');
      await body.waitFor(SLOW);
      expect(await body.getByTestId('lesion-card-noncommercial').textContent()).toContain('non-commercial use only');
      expect(await body.getByTestId('lesion-card-in-force').textContent()).toContain('the model card’s calibration');
      const overall = body.getByTestId('lesion-metrics-overall');
      expect(await overall.locator('tbody tr').count()).toBe(2);
      expect(await overall.locator('tbody tr').first().textContent()).toMatch(/Overall.*95% CI/);
      for (const group of ['lesion-metrics-source', 'lesion-metrics-sex', 'lesion-metrics-age', 'lesion-metrics-site']) {
        expect(await body.getByTestId(group).locator('tbody tr').count(), group).toBeGreaterThan(0);
      }
      expect(await body.getByTestId('lesion-card-sha').textContent()).toContain(card.model.sha256);
      await expect.poll(() => imageLoaded(body.getByTestId('lesion-reliability-plot')), SLOW).toBe(true);
      await shot(page, 'model-card');

      // Agreement per clinician: the clinician's blinded read is counted (the demo seed may hold others).
      await page.getByRole('link', { name: 'Live performance' }).click();
      const perf = page.getByTestId('lesion-performance');
      await perf.waitFor(SLOW);
      const clinicianRow = perf.getByTestId('lesion-clinician').filter({ hasText: clinicianName });
      await clinicianRow.waitFor(SLOW);
      expect(Number(await clinicianRow.locator('td').first().textContent())).toBeGreaterThanOrEqual(1);
      expect(Number(await perf.getByTestId('lesion-live-cases').getAttribute('data-cases'))).toBeGreaterThanOrEqual(1);
      await shot(page, 'performance', perf);

      // Operating points: one confirmed case is far below the minimum, so adopting is refused and said why.
      await page.getByRole('link', { name: 'Settings and operating points' }).click();
      const points = page.getByTestId('lesion-settings-points');
      await points.getByTestId('lesion-adopt-form').waitFor(SLOW);
      expect(await page.getByTestId('lesion-blinded-switch').isChecked()).toBe(true);
      expect(await points.getByTestId('lesion-adopt-disabled').textContent()).toMatch(/^Adopting is disabled: \S/);
      expect(await points.getByTestId('lesion-adopt').isDisabled()).toBe(true);
      await shot(page, 'settings');

      // The demo seed images one lesion twice: the follow-up page compares them side by side.
      let twice: string | undefined;
      for (const id of world.seed.patientsByClinic[AURORA.id] ?? []) {
        const res = await page.request.get(`/api/lesion/patients/${id}/lesions`);
        if (res.status() !== 200) continue;
        const lesions = (await res.json()) as { id: string; exams: { status: string }[] }[];
        twice = lesions.find((l) => l.exams.filter((e) => e.status !== 'cannot-assess').length >= 2)?.id;
        if (twice) break;
      }
      expect(twice, 'the demo seed has a lesion imaged twice').toBeDefined();
      await page.goto(`/lesions/${twice}`);
      const evolution = page.getByTestId('lesion-evolution');
      await evolution.waitFor(SLOW);
      expect(await evolution.getByTestId('lesion-evolution-exam').count()).toBeGreaterThanOrEqual(2);
      const change = evolution.getByTestId('lesion-change').first();
      await change.waitFor();
      expect(await change.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await change.textContent()).toMatch(/From .+ to .+ \(\d+ days\)/);
      await shot(page, 'evolution', evolution);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
