/**
 * Demo lesions for the lesion second opinion, written through the lesion service (so the
 * model really runs, and files, FHIR resources and the audit log are filled as in use):
 * per demo clinic, on up to three patients who allowed AI analysis,
 *  - a lesion whose exam awaits the clinician's impression (blinded first read),
 *  - a lesion signed and confirmed by histopathology,
 *  - a lesion imaged twice eight months apart, for the follow-up (evolution) view.
 *
 * Images: test/fixtures/lesion/*.jpg (HAM10000, CC BY-NC-SA 4.0; ISIC 2017; see its
 * ATTRIBUTION.md: non-commercial). Pairing an earlier nevus image with a later melanoma image
 * on one lesion is a demonstration, not a real case. When the images or the model are
 * missing (a build without test fixtures or models), no lesions are seeded and the reason
 * is returned.
 */
import fs from 'node:fs/promises';
import { and, eq, inArray } from 'drizzle-orm';
import type { RequestContext, UserPrincipal } from '../context.ts';
import { appUser } from '../db/schema.ts';
import type { Services } from '../services.ts';
import type { DemoClinic } from './demo-users.ts';
import { demoEmail } from './demo-users.ts';

const FIXTURES = new URL('../../../test/fixtures/lesion/', import.meta.url);
const DAY_MS = 86_400_000;
/** The dermoscope scale the demo assumes for the 200x150 HAM10000 images (about 10 mm across). */
const DEMO_PIXELS_PER_MM = 20;

export interface DemoLesionsResult {
  readonly lesions: number;
  readonly exams: number;
  /** Why nothing was seeded, when nothing was. */
  readonly skipped?: string | undefined;
}

async function staffContext(services: Services, clinic: DemoClinic, role: 'clinician' | 'nurse'): Promise<RequestContext> {
  const [u] = await services.deps.database.db
    .select()
    .from(appUser)
    .where(and(eq(appUser.email, demoEmail(clinic, role)), eq(appUser.clinicId, clinic.id)));
  if (!u) throw new Error(`seed: no demo ${role} in ${clinic.id}`);
  const principal: UserPrincipal = {
    kind: 'user',
    userId: u.id,
    role: u.role,
    clinicId: u.clinicId,
    displayName: u.displayName,
    ...(u.practitionerId ? { practitionerId: u.practitionerId } : {}),
  };
  return { principal, clientAddress: 'local', requestId: 'seed:demo-lesions' };
}

/**
 * Seeds the demo lesions of each clinic. `patientsByClinic` in generation order; the patient
 * login's Patient (`showcase`) comes first when it allowed AI analysis.
 */
export async function seedDemoLesions(
  services: Services,
  clinics: readonly DemoClinic[],
  patientsByClinic: Record<string, string[]>,
  referenceDate: Date,
): Promise<DemoLesionsResult> {
  let images: Record<'nv' | 'mel' | 'bkl' | 'bcc', Buffer>;
  try {
    const [nv, mel, bkl, bcc] = await Promise.all(['ham-nv.jpg', 'ham-mel.jpg', 'isic-bkl.jpg', 'large-640x480.jpg'].map((f) => fs.readFile(new URL(f, FIXTURES))));
    images = { nv: nv!, mel: mel!, bkl: bkl!, bcc: bcc! };
  } catch {
    return { lesions: 0, exams: 0, skipped: 'the demo images (test/fixtures/lesion) are not present' };
  }
  const now = services.deps.clock();
  // Never date an exam after "now", whatever reference date the seed was given.
  const daysAgo = (d: number): Date => new Date(Math.min(referenceDate.getTime(), now.getTime()) - d * DAY_MS);
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  try {
    await services.lesion.ready();
  } catch (e) {
    return { lesions: 0, exams: 0, skipped: `the lesion model cannot run here: ${(e as Error).message}` };
  }
  let lesions = 0;
  let exams = 0;
  for (const clinic of clinics) {
    const nurse = await staffContext(services, clinic, 'nurse');
    const clinician = await staffContext(services, clinic, 'clinician');
    const [patientLogin] = await services.deps.database.db
      .select({ patientId: appUser.patientId })
      .from(appUser)
      .where(and(eq(appUser.clinicId, clinic.id), inArray(appUser.email, [demoEmail(clinic, 'patient')])));
    const ids = patientsByClinic[clinic.id] ?? [];
    const ordered = patientLogin?.patientId ? [patientLogin.patientId, ...ids.filter((i) => i !== patientLogin.patientId)] : ids;
    const consenting: string[] = [];
    for (const id of ordered) {
      if (consenting.length === 3) break;
      if ((await services.consent.hasConsent(clinician, id, 'ai-analysis')) && (await services.consent.hasConsent(clinician, id, 'care'))) consenting.push(id);
    }
    if (consenting.length === 0) continue;
    const who = (i: number): string => consenting[i % consenting.length]!;
    const capture = async (lesionId: string, patientId: string, bytes: Buffer, at: Date) => {
      const file = await services.files.store(nurse, { bytes, patientId });
      exams++;
      return services.lesion.createExam(nurse, lesionId, { fileId: file.id, pixelsPerMm: DEMO_PIXELS_PER_MM }, { at });
    };
    const site = clinic.country === 'ES';
    const label = (en: string, es: string): string => (site ? es : en);

    // 1. Follow-up: a nevus imaged eight months ago (signed, monitor), changed at the latest visit.
    const p1 = who(0);
    const evolving = await services.lesion.createLesion(nurse, p1, { bodySite: '77568009', label: label('Upper back, left of the spine', 'Espalda alta, a la izquierda de la columna') });
    lesions++;
    const first = await capture(evolving.id, p1, images.nv, daysAgo(240));
    if (first.status !== 'cannot-assess') {
      const revealed = await services.lesion.recordImpression(clinician, first.id, { diagnosis: 'nv', action: 'monitor', confidence: 'medium' });
      const ai = revealed.analysis?.status === 'ok' ? revealed.analysis.suggestion.action : 'monitor';
      await services.lesion.recordDecision(clinician, first.id, { agreesWithAi: ai === 'monitor', diagnosis: 'nv', action: 'monitor', note: label('Review in 6 months.', 'Revisión en 6 meses.') });
    }
    const second = await capture(evolving.id, p1, images.mel, daysAgo(14));
    if (second.status === 'awaiting-impression') {
      await services.lesion.recordImpression(clinician, second.id, { diagnosis: 'mel', action: 'refer', confidence: 'medium' });
    }

    // 2. Signed and confirmed by histopathology.
    const p2 = who(1);
    const excised = await services.lesion.createLesion(nurse, p2, { bodySite: '89545001', label: label('Left cheek, pearly papule', 'Mejilla izquierda, pápula perlada') });
    lesions++;
    const examined = await capture(excised.id, p2, images.bcc, daysAgo(60));
    if (examined.status !== 'cannot-assess') {
      const revealed = await services.lesion.recordImpression(clinician, examined.id, { diagnosis: 'bcc', action: 'refer', confidence: 'high' });
      const ai = revealed.analysis?.status === 'ok' ? revealed.analysis.suggestion.action : 'refer';
      await services.lesion.recordDecision(clinician, examined.id, { agreesWithAi: ai === 'refer', diagnosis: 'bcc', action: 'refer' });
      const biopsy = new Date(Math.min(daysAgo(60).getTime() + 21 * DAY_MS, now.getTime()));
      await services.lesion.recordHistopathology(clinician, examined.id, { diagnosis: 'bcc', malignant: true, date: day(biopsy), note: label('Nodular basal cell carcinoma, margins clear.', 'Carcinoma basocelular nodular, márgenes libres.') });
    }

    // 3. Awaiting the clinician's impression (blinded first read).
    const p3 = who(2);
    const waiting = await services.lesion.createLesion(nurse, p3, { bodySite: '51185008', label: label('Chest, below the right clavicle', 'Tórax, bajo la clavícula derecha') });
    lesions++;
    await capture(waiting.id, p3, images.bkl, daysAgo(1));
  }
  return { lesions, exams };
}
