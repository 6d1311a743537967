/**
 * The intake end to end in real Chromium. The demo patient fills the whole questionnaire as
 * a patient would: an impossible age is pointed out where it is typed, skip logic opens the
 * smoking questions and closes them again (their answers dropped), a repeating group gets a
 * second row and loses it, a future date is refused; the patient leaves, comes back to the
 * saved answers and submits. A clinician then finds the red flags on the dashboard card,
 * opens the chart, reads the flags and the note, points at a sentence and sees its source
 * answer highlighted, corrects the sentence; signing is refused once because another tab
 * changed the note meanwhile (the page says so and shows that version), then signs and sees
 * the note read-only with the signer's name; the screens read in Spanish after switching
 * language.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { SHIPPED_INDEX } from '../../src/intake/shipped-index.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../../src/platform/seed/demo-users.ts';
import { ARTIFACTS, openSession, signInWithKeyboard, startWorld, type World } from './support.ts';

const [AURORA] = DEMO_CLINICS as [(typeof DEMO_CLINICS)[number]];
const WARFARIN_SENTENCE = 'Warfarin, 5 mg once a day (confirmed with the patient).';
const OTHER_TAB_SENTENCE = 'Never smoked (confirmed by phone).';

let world: World;
let patientId: string;

/** The question's own control group (radio group or checkbox group), by its question text. */
const question = (page: Page | Locator, text: string) => page.getByRole('radiogroup', { name: text, exact: true });
const checkboxes = (page: Page | Locator, text: string) => page.getByRole('group', { name: text, exact: true });

async function choose(scope: Page | Locator, q: string, option: string): Promise<void> {
  await question(scope, q).getByRole('radio', { name: option, exact: true }).check();
}
async function tick(scope: Page | Locator, q: string, option: string): Promise<void> {
  await checkboxes(scope, q).getByRole('checkbox', { name: option, exact: true }).check();
}
async function next(page: Page, expectedTitle: string): Promise<void> {
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent()).toBe(expectedTitle);
}
/** A screenshot of the page, or of one part of it (the chart is too long to read whole). */
async function shot(target: Page | Locator, name: string): Promise<void> {
  const file = path.join(ARTIFACTS, `intake-${name}.png`);
  if ('goto' in target) await target.screenshot({ path: file, fullPage: true });
  else await target.screenshot({ path: file });
}
async function saved(page: Page): Promise<void> {
  await page.locator('[data-testid="intake-save"][data-state="saved"]').waitFor();
}
const isoDaysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  world = await startWorld();
  const login = world.seed.users.find((u) => u.email === demoEmail(AURORA, 'patient'));
  if (!login?.patientId) throw new Error('the demo has no patient login');
  patientId = login.patientId;
});

afterAll(async () => {
  await world?.close();
});

describe('intake in the browser', () => {
  it('a patient fills the whole questionnaire with skip logic, leaves, comes back and submits', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'patient'), DEMO_PASSWORD);
      await page.getByRole('navigation').getByRole('link', { name: 'Health questionnaire' }).click();
      const form = page.getByTestId('intake-section');
      await expect.poll(() => form.getByRole('heading', { level: 2 }).textContent()).toBe('About you');

      // An impossible age is pointed out next to the field, in words, before anything is sent.
      const age = page.getByLabel('Age (years)');
      await age.fill('300');
      await expect.poll(() => age.getAttribute('aria-invalid')).toBe('true');
      await page.getByText('This must be at most 122.').waitFor();
      await age.fill('46');
      await expect.poll(() => page.getByText('This must be at most 122.').count()).toBe(0);
      await choose(page, 'Sex assigned at birth', 'Female');
      await shot(page, 'about');

      await next(page, 'Reason for your visit and goals');
      await tick(page, 'Which areas or concerns would you like to discuss?', 'Forehead lines');
      await tick(page, 'Which areas or concerns would you like to discuss?', 'Pigmentation or sun spots');
      await page.getByLabel('In your own words, what bothers you most and what would you like to achieve?').fill('The lines on my forehead and the spots on my cheeks.');
      await choose(page, 'How long has this concerned you?', '1 to 5 years');
      await choose(page, 'What kind of result are you hoping for?', 'Subtle, natural-looking');

      await next(page, 'Past medical and surgical history');
      await tick(page, 'Have you ever been diagnosed with any of these?', 'Asthma');
      // "None of these" is exclusive: ticking it clears Asthma.
      await tick(page, 'Have you ever been diagnosed with any of these?', 'None of these');
      expect(await checkboxes(page, 'Have you ever been diagnosed with any of these?').getByRole('checkbox', { name: 'Asthma' }).isChecked()).toBe(false);
      await choose(page, 'Have you had any operations?', 'No');

      await next(page, 'Medicines and supplements');
      expect(await page.getByRole('group', { name: 'Medicines 1' }).count()).toBe(0);
      await choose(page, 'Do you take any medicines, vitamins or supplements?', 'Yes');
      const med1 = page.getByRole('group', { name: 'Medicines 1' });
      await med1.getByLabel('Name of the medicine or supplement').fill('Warfarin');
      await page.keyboard.press('Escape');
      await med1.getByLabel('Dose and how often').fill('5 mg once a day');
      await page.getByRole('button', { name: 'Add another: Medicines' }).click();
      const med2 = page.getByRole('group', { name: 'Medicines 2' });
      await med2.getByLabel('Name of the medicine or supplement').fill('Vitamin D');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Remove Medicines 2' }).click();
      expect(await page.getByRole('group', { name: 'Medicines 2' }).count()).toBe(0);
      expect(await med1.getByLabel('Name of the medicine or supplement').inputValue()).toBe('Warfarin');
      await choose(page, 'Do you take blood thinners such as warfarin, apixaban, rivaroxaban, aspirin or clopidogrel?', 'Yes');
      await choose(page, 'Do you take medicines that weaken the immune system (steroid tablets, methotrexate, transplant or biologic drugs)?', 'No');

      await next(page, 'Allergies');
      await choose(page, 'Do you have any allergies?', 'Yes');
      const allergy = page.getByRole('group', { name: 'Allergies 1' });
      await allergy.getByLabel('What are you allergic to?').fill('Lidocaine or other local anaesthetics');
      await page.keyboard.press('Escape');
      await allergy.getByLabel('What happened (the reaction)?').fill('Swelling of the lips');

      await next(page, 'Family history');
      await choose(page, 'Has a blood relative had melanoma?', 'Yes');
      await tick(page, 'Who?', 'Mother');
      await choose(page, 'Has a blood relative had another skin cancer?', 'No');
      await choose(page, 'Has a parent, brother or sister had a heart attack or stroke young (a man before 55, a woman before 65)?', 'No');
      await choose(page, 'Has a blood relative had diabetes?', 'No');

      await next(page, 'Lifestyle');
      const cigarettes = page.getByLabel('How many cigarettes a day (or did you) smoke?');
      const years = page.getByLabel('For how many years in total (have you) smoked?');
      expect(await cigarettes.count()).toBe(0);
      // Skip logic opens a branch: a smoker is asked how much and for how long.
      await choose(page, 'Do you smoke tobacco?', 'Yes, every day');
      await cigarettes.fill('10');
      await years.fill('20');
      await shot(page, 'branch-open');
      // ...and closes it: the questions go, and so do their answers.
      await choose(page, 'Do you smoke tobacco?', 'Never smoked');
      expect(await cigarettes.count()).toBe(0);
      expect(await years.count()).toBe(0);
      await choose(page, 'Do you smoke tobacco?', 'Yes, some days');
      expect(await cigarettes.inputValue()).toBe('');
      await cigarettes.fill('5');
      await years.fill('12');
      await choose(page, 'How often do you have a drink containing alcohol?', 'Monthly or less');
      await page.getByLabel('How many drinks in a typical week?').fill('1');
      await choose(page, 'How much time do you spend in the sun?', 'Moderate (some outdoor leisure)');
      await choose(page, 'Do you use sunscreen on your face?', 'Sometimes');
      await choose(page, 'How many blistering sunburns have you had in your life?', '1 to 4');
      await choose(page, 'Have you ever used tanning beds (sunbeds)?', 'No');
      await page.getByLabel('Occupation').fill('Architect');

      await next(page, 'Skin history');
      await choose(page, 'Do you have a mole or spot that is new, changing, bleeding or itching?', 'Yes');
      await tick(page, 'What have you noticed?', 'It changed colour');
      await page.getByLabel('Where on your body?').fill('Left shoulder');
      await choose(page, 'Have you ever had skin cancer?', 'No');
      await tick(page, 'Do you have any of these skin conditions?', 'None of these');
      await choose(page, 'Do you form thick, raised scars (keloids)?', 'No');
      await choose(page, 'Do you get cold sores?', 'Occasionally');
      await choose(page, 'Acne', 'In the past');
      await choose(page, 'Have you taken isotretinoin (Roaccutane, Accutane) in the last 6 months?', 'No');

      await next(page, 'Previous aesthetic treatments');
      await choose(page, 'Have you had aesthetic treatments before?', 'Yes');
      const tx = page.getByRole('group', { name: 'Treatments 1' });
      await tx.getByLabel('Treatment').selectOption({ label: 'Botulinum toxin (e.g. Botox)' });
      await tx.getByLabel('Product, if known').fill('Botox');
      await tx.getByLabel('Area treated').fill('Forehead');
      await tx.getByLabel('When (approximately)').fill(isoDaysAgo(400));
      await choose(tx, 'Did you have any problem or complication?', 'No');
      await saved(page);

      // Leave and come back: the answers were saved on the server, and the form resumes at
      // the first section still open.
      await page.getByRole('navigation').getByRole('link', { name: 'My record' }).click();
      await page.getByTestId('patient-name').waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Health questionnaire' }).click();
      await page.getByTestId('intake-resumed').waitFor();
      await expect.poll(() => form.getByRole('heading', { level: 2 }).textContent()).toBe("Women's health");
      await shot(page, 'resumed');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: /^7\. Lifestyle/ }).click();
      expect(await page.getByLabel('How many cigarettes a day (or did you) smoke?').inputValue()).toBe('5');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: /Women's health/ }).click();

      // Not pregnant opens the contraception question; unsure closes it again.
      const contraception = page.getByLabel('Which contraception do you use?');
      await choose(page, 'Are you pregnant or could you be?', 'Not sure');
      expect(await contraception.count()).toBe(0);
      await choose(page, 'Are you pregnant or could you be?', 'No');
      await contraception.selectOption({ label: 'Condoms or other barrier' });
      await choose(page, 'Are you breastfeeding?', 'No');
      await choose(page, 'Menopause', 'I still have regular periods');

      await next(page, 'Cancer history');
      await choose(page, 'Have you ever been treated for cancer (other than a skin cancer removed by minor surgery)?', 'No');

      await next(page, 'Heart and circulation');
      await choose(page, 'Do you get chest pain, pressure or tightness?', 'Yes');
      await choose(page, 'Does it come on with physical effort (walking uphill, stairs)?', 'Yes');
      await choose(page, 'Do you get short of breath more easily than others your age?', 'No');
      await choose(page, 'Do you feel palpitations (a racing or irregular heartbeat)?', 'No');
      await choose(page, 'Have you been told you have high blood pressure?', 'No');
      await choose(page, 'Have you been told you have high cholesterol?', 'No');
      await choose(page, 'Have you been told you have diabetes?', 'No');
      await choose(page, 'Do you know a recent blood pressure reading?', 'Yes');
      await page.getByLabel('Systolic (upper number), mmHg').fill('128');
      await page.getByLabel('Diastolic (lower number), mmHg').fill('82');
      const bpDate = page.getByLabel('Date of the reading');
      await bpDate.fill('2099-01-01');
      await page.getByText('This date is in the future.').waitFor();
      await bpDate.fill(isoDaysAgo(20));
      await expect.poll(() => page.getByText('This date is in the future.').count()).toBe(0);

      await next(page, 'Your skin and the sun (Fitzpatrick skin type)');
      const fitz: [string, string][] = [
        ['What colour are your eyes?', 'Hazel or light brown'],
        ['What is your natural hair colour?', 'Dark brown'],
        ['What colour is your skin where it is not exposed to the sun?', 'Pale with a beige tint'],
        ['Do you have freckles on areas not exposed to the sun?', 'A few'],
        ['What happens when you stay in the sun too long?', 'Burns, sometimes followed by peeling'],
        ['How much do you tan?', 'A reasonable tan'],
        ['Do you turn brown within several hours of sun exposure?', 'Sometimes'],
        ['How does your face react to the sun?', 'Normal'],
        ['When did you last expose your body to the sun, a sunbed or tanning cream?', '1 to 2 months ago'],
        ['Do you expose your face to the sun?', 'Sometimes'],
      ];
      for (const [q, a] of fitz) await choose(page, q, a);

      await next(page, 'How you feel about your appearance (Dysmorphic Concern Questionnaire). Have you ever:');
      for (let i = 1; i <= 7; i++) {
        const text = SHIPPED_INDEX.items.get(`dcq.${i}`)?.text.en ?? '';
        await choose(page, text, i <= 2 ? 'Same as most people' : 'Not at all');
      }

      // The review step: nothing missing, nothing wrong; the answers are saved before submitting.
      await form.getByRole('button', { name: 'Review and submit' }).click();
      const review = page.getByTestId('intake-review');
      await review.waitFor();
      await review.getByTestId('intake-all-answered').waitFor();
      await saved(page);
      await shot(page, 'review');
      await review.getByRole('button', { name: 'Submit questionnaire' }).click();
      await page.getByTestId('intake-submitted').waitFor();
      await page.getByText('Thank you. Your questionnaire has been sent to the clinic.').waitFor();
      await shot(page, 'submitted');

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the clinician sees the red flags, traces a sentence to its answer, corrects it and signs', async () => {
    const { context, page, dialogs, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'clinician'), DEMO_PASSWORD);
      // The dashboard card lists the new intake's flags, most urgent first.
      const card = page.getByTestId('intake-flags-card');
      await card.getByTestId('intake-flag-row').first().waitFor();
      const codes = await card.getByTestId('intake-flag-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-code')));
      expect(codes[0]).toBe('CHANGING_MOLE');
      expect(codes).toEqual(expect.arrayContaining(['CHANGING_MOLE', 'MELANOMA_FAMILY', 'EXERTIONAL_CHEST_PAIN', 'ANTITHROMBOTIC', 'PRODUCT_ALLERGY']));
      await shot(card, 'flags-card');
      await card.getByTestId('intake-flag-row').first().getByRole('link').click();
      await expect.poll(() => page.url()).toContain(`/patients/${patientId}`);

      const history = page.getByTestId('intake-history');
      await history.getByTestId('intake-note').waitFor();
      const flags = history.getByTestId('intake-flag');
      expect(await flags.first().getAttribute('data-severity')).toBe('urgent');
      await flags.filter({ hasText: 'Urgent' }).first().getByText('Suggested action:').waitFor();
      expect(await history.getByTestId('intake-note-status').textContent()).toBe('Preliminary, not signed');

      // Pointing at a sentence highlights its source answer in the side panel.
      const sentence = history.locator('[data-sentence-id][data-kind="answer"]', { hasText: 'Warfarin' }).first();
      await sentence.scrollIntoViewIfNeeded();
      await sentence.hover();
      const answers = history.getByTestId('intake-answers');
      const source = answers.locator('li[data-active="true"]');
      await source.first().waitFor();
      expect(await source.evaluateAll((li) => li.map((x) => x.getAttribute('data-linkid')))).toContain('med.list.name');
      expect(await source.filter({ hasText: 'Warfarin' }).count()).toBeGreaterThan(0);
      expect(await answers.locator('li[data-active="false"]').count()).toBeGreaterThan(10);
      // The highlighted answer is scrolled into view inside the panel.
      const inView = () =>
        answers.evaluate((panel) => {
          const li = panel.querySelector('li[data-active="true"]');
          if (!li) return false;
          const p = panel.getBoundingClientRect();
          const r = li.getBoundingClientRect();
          return r.top >= p.top - 1 && r.bottom <= p.bottom + 1;
        });
      await expect.poll(inView).toBe(true);
      await shot(history, 'history-hover');

      // Keyboard: focusing another sentence moves the highlight to its answers.
      const smoking = history.locator('[data-sentence-id][data-kind="answer"]', { hasText: /pack-year|smok/i }).first();
      await smoking.focus();
      await expect.poll(() => answers.locator('li[data-active="true"]').evaluateAll((li) => li.map((x) => x.getAttribute('data-linkid')))).toContain('social.smoking');

      // Correct one sentence, save, then sign.
      const sentenceId = await sentence.getAttribute('data-sentence-id');
      await history.getByRole('button', { name: 'Edit note' }).click();
      const box = history.locator(`textarea[data-sentence-id="${sentenceId}"]`);
      await box.fill(WARFARIN_SENTENCE);
      await history.getByRole('button', { name: 'Save changes' }).click();
      await history.getByText('Changes saved.').waitFor();
      const edited = history.locator(`[data-sentence-id="${sentenceId}"]`);
      await expect.poll(() => edited.textContent()).toBe(WARFARIN_SENTENCE);

      // Meanwhile another tab corrects the smoking sentence: signing the version on screen is
      // refused, the note reloads with the other correction, and the next try signs.
      const smokingId = (await smoking.getAttribute('data-sentence-id'))!;
      const current = (await (await page.request.get(`/api/patients/${patientId}/intake/history?lang=en`)).json()) as {
        versionId: string;
        note: { sections: { code: string; sentences: { id: string }[] }[] };
      };
      const smokingSection = current.note.sections.find((sec) => sec.sentences.some((x) => x.id === smokingId))!;
      const otherTab = await page.request.put(`/api/patients/${patientId}/intake/history?lang=en`, {
        data: { versionId: current.versionId, sections: [{ code: smokingSection.code, sentences: [{ id: smokingId, text: OTHER_TAB_SENTENCE }] }] },
      });
      expect(otherTab.status()).toBe(200);
      await history.getByRole('button', { name: 'Sign note' }).click();
      await history.getByRole('button', { name: 'Sign and make final' }).click();
      await history.getByText('The note changed since you opened it; the latest version is shown. Make your edits again.').waitFor();
      expect(await history.getByTestId('intake-note-status').textContent()).toBe('Preliminary, not signed');
      await expect.poll(() => history.locator(`[data-sentence-id="${smokingId}"]`).textContent()).toBe(OTHER_TAB_SENTENCE);

      await history.getByRole('button', { name: 'Sign note' }).click();
      await history.getByRole('button', { name: 'Sign and make final' }).click();
      await expect.poll(() => history.getByTestId('intake-note-status').textContent()).toBe('Signed');
      const signer = world.seed.users.find((u) => u.email === demoEmail(AURORA, 'clinician'));
      expect(await history.getByTestId('intake-signed-by').textContent()).toContain(`Signed by ${signer?.displayName ?? ''}`);
      expect(await history.getByRole('button', { name: 'Edit note' }).count()).toBe(0);
      expect(await history.getByRole('button', { name: 'Sign note' }).count()).toBe(0);

      // Reloaded, the signed note is the one shown, read-only, with the corrected sentence.
      await page.reload();
      await history.getByTestId('intake-note').waitFor();
      expect(await history.getByTestId('intake-note-status').textContent()).toBe('Signed');
      expect(await history.locator(`[data-sentence-id="${sentenceId}"]`).textContent()).toBe(WARFARIN_SENTENCE);
      expect(await history.getByRole('button', { name: 'Edit note' }).count()).toBe(0);
      await shot(history, 'signed');

      // In Spanish: the section, the flags and the labels change language.
      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      await history.getByRole('heading', { name: 'Historia de la entrevista inicial' }).waitFor();
      await history.getByRole('heading', { name: 'Señales de alarma', exact: true }).waitFor();
      await history.getByText('Acción sugerida:').first().waitFor();
      expect(await history.getByTestId('intake-note-status').textContent()).toBe('Firmada');
      await shot(history, 'history-es');

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the questionnaire itself reads in Spanish, from the translations in the Questionnaire', async () => {
    const { context, page, pageErrors } = await openSession(world);
    try {
      await signInWithKeyboard(page, demoEmail(AURORA, 'nurse'), DEMO_PASSWORD);
      await page.getByRole('table', { name: /Patients of/ }).waitFor();
      await page.goto(`/patients/${patientId}/intake`);
      await page.getByTestId('intake-form').waitFor();
      await page.getByRole('combobox', { name: 'Language' }).selectOption('es');
      const sex = SHIPPED_INDEX.items.get('about.sex');
      const about = SHIPPED_INDEX.items.get('about');
      expect(sex?.text.es).not.toBe(sex?.text.en);
      await page.getByRole('heading', { level: 2, name: about?.text.es ?? '' }).waitFor();
      await page.getByRole('radiogroup', { name: sex?.text.es ?? '' }).waitFor();
      await page.getByRole('button', { name: 'Siguiente', exact: true }).waitFor();
      await shot(page, 'form-es');

      // The review step of an empty questionnaire lists what is missing; each entry leads to its question.
      await page.getByRole('combobox', { name: 'Idioma' }).selectOption('en');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Review and submit' }).click();
      const missing = page.getByTestId('intake-missing');
      await missing.waitFor();
      expect(await missing.textContent()).toMatch(/\d+ questions still need an answer/);
      await missing.getByRole('button', { name: 'Go to: Age (years)' }).click();
      await expect.poll(() => page.getByLabel('Age (years)').evaluate((el) => el.matches(':focus'))).toBe(true);
      await shot(page, 'missing');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
