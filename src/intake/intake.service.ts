/**
 * The intake service: the patient's resumable draft, submission (validation, extraction,
 * reconciliation with earlier intakes and the preliminary history note, all in one FHIR
 * transaction), the clinician's edit and signature of the note, and the clinic's red-flag
 * dashboard. Everything is stored through the FHIR repository, which scopes by clinic and
 * role and writes the audit log; the clinical logic lives in the pure engines (index.ts).
 *
 * Access: a patient user acts on their own record only, staff on their clinic's patients,
 * learners never; another clinic's patient is 404; the patient's 'care' consent is required.
 *
 * Why submission writes on the platform's behalf for patient users: the FHIR access rules let
 * a patient write only QuestionnaireResponse and Observation (so a patient cannot record a
 * "confirmed" diagnosis through /fhir/R4). The Conditions, allergies, medicines and the note
 * that an intake produces are derived by the engines, not typed by the patient, so once this
 * service has checked the patient's access and consent it writes them with a system
 * principal bound to the patient's clinic whose actor names the user
 * (`intake:submit:user:<id>`); the user's own audit event follows the commit. Staff write
 * with their own principal. Widening PATIENT_WRITABLE_TYPES instead would open those types to
 * direct patient writes.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type {
  Bundle,
  BundleEntry,
  Composition,
  CompositionAttester,
  Extension,
  Patient,
  Questionnaire,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { AuditLog } from '../platform/audit/types.ts';
import { checkPatientRole } from '../platform/auth/access.ts';
import type { Clock } from '../platform/clock.ts';
import type { ConsentService } from '../platform/consent/consent.service.ts';
import { isStaff, type RequestContext, type UserPrincipal } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { appUser } from '../platform/db/schema.ts';
import { AppError, invalidField, isAppError } from '../platform/errors.ts';
import type { FhirRepository } from '../platform/fhir/repository.ts';
import {
  EXT_INTAKE_SOURCE,
  EXT_NOTE_SENTENCE,
  QUESTIONNAIRE_URL,
  SHIPPED_INDEX,
  SHIPPED_QUESTIONNAIRE,
  intakeKeyOf,
  intakeValidationError,
  noteToComposition,
  processIntake,
  reconcileIntake,
  sectionCodeOf,
  validateIntakeResponse,
  type HistoryNote,
  type IntakeScores,
  type Lang,
  type RedFlag,
  type SectionCode,
  type SentenceKind,
} from './index.ts';
import { itemOf, optionFor } from './questionnaire-index.ts';

// ---------------------------------------------------------------------------------------
// The API contract (JSON), shared with the web app (web/src/intake/types.ts mirrors it)

/** A red flag as the engines produce it, serialised unchanged. */
export type FlagJson = RedFlag;
/** Fitzpatrick type, DCQ screen and pack-years as scoreIntake returns them. */
export type ScoresJson = IntakeScores;

export interface AnswerIssueJson {
  readonly linkId: string;
  readonly code: string;
  readonly message: string;
}

export interface DraftJson {
  readonly response: QuestionnaireResponse | null;
  readonly savedAt?: string;
}

export interface DraftSavedJson {
  readonly savedAt: string;
  readonly issues: AnswerIssueJson[];
}

export interface SubmitResultJson {
  readonly questionnaireResponseId: string;
  readonly compositionId: string;
  readonly flags: FlagJson[];
  readonly scores: ScoresJson;
  readonly changes: {
    readonly created: number;
    readonly updated: number;
    readonly unchanged: number;
    readonly noLongerReported: number;
    readonly summary: { readonly en: string; readonly es: string };
  };
  readonly missing: { readonly linkId: string; readonly text: string }[];
}

export interface NoteSentenceJson {
  readonly id: string;
  readonly kind: SentenceKind;
  readonly text: string;
  readonly linkIds: string[];
  readonly edited?: boolean;
}

export interface NoteJson {
  readonly lang: Lang;
  readonly title: string;
  readonly complete: boolean;
  readonly sections: { readonly code: SectionCode; readonly title: string; readonly sentences: NoteSentenceJson[] }[];
}

export interface IntakeHistoryJson {
  readonly questionnaireResponseId: string;
  readonly questionnaireResponse: QuestionnaireResponse;
  readonly compositionId: string;
  readonly status: 'preliminary' | 'final';
  readonly signedBy?: { readonly userId: string; readonly displayName: string };
  readonly signedAt?: string;
  readonly versionId: string;
  readonly note: NoteJson;
  readonly flags: FlagJson[];
  readonly scores: ScoresJson;
  readonly answers: { readonly linkId: string; readonly text: string; readonly answer: string }[];
}

export interface HistoryEditJson {
  readonly versionId: string;
  readonly sections: readonly { readonly code: string; readonly sentences: readonly { readonly id: string; readonly text: string }[] }[];
}

export interface FlagRowJson {
  readonly patientId: string;
  readonly patientName: string;
  readonly submittedAt: string;
  readonly questionnaireResponseId: string;
  readonly flag: FlagJson;
}

export interface IntakeService {
  /** The shipped Questionnaire. */
  questionnaire(): Questionnaire;
  /** The patient's in-progress response, if any. */
  getDraft(ctx: RequestContext, patientId: string): Promise<DraftJson>;
  /** Saves the in-progress response (one per patient, updated in place); answer problems come back as issues. */
  saveDraft(ctx: RequestContext, patientId: string, response: unknown): Promise<DraftSavedJson>;
  /** Validates and stores a completed intake with its extracted resources and note, all or nothing. */
  submit(ctx: RequestContext, patientId: string, response: unknown): Promise<SubmitResultJson>;
  /** The latest submitted intake and its note (in `lang` while nobody has edited or signed it). */
  history(ctx: RequestContext, patientId: string, lang?: Lang): Promise<IntakeHistoryJson>;
  /** Clinician edits of sentence text; 409 once signed, 412 on a stale versionId. */
  editHistory(ctx: RequestContext, patientId: string, edit: HistoryEditJson, lang?: Lang): Promise<IntakeHistoryJson>;
  /** Signs the note: Composition final with a legal attester; 409 once signed, 412 on a stale versionId. */
  sign(ctx: RequestContext, patientId: string, versionId: string, lang?: Lang): Promise<IntakeHistoryJson>;
  /** Red flags of the clinic's latest intakes: newest day first, most severe first within a day. */
  flags(ctx: RequestContext, limit?: number): Promise<{ rows: FlagRowJson[] }>;
}

export interface IntakeServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly fhir: FhirRepository;
  readonly consent: ConsentService;
  readonly audit: AuditLog;
}

/** Base URL for the repository's own reference handling (no server is named). */
const BASE_URL = 'urn:wellage:intake/fhir/R4';
/** The user that signed, on the attester's party reference. */
export const USER_IDENTIFIER_SYSTEM = 'https://wellage.dev/fhir/NamingSystem/user';
/** Resource types the extraction writes; earlier intakes' resources are looked up among these. */
const EXTRACTED_TYPES = ['Condition', 'MedicationStatement', 'AllergyIntolerance', 'FamilyMemberHistory', 'Observation', 'Procedure'] as const;
const SEVERITY_RANK: Record<RedFlag['severity'], number> = { urgent: 0, high: 1, moderate: 2 };
const MAX_SENTENCE_LENGTH = 4000;
const PAGE = 1000;

// ---------------------------------------------------------------------------------------
// Pure helpers

const unescapeXhtml = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The note a stored Composition holds: sentence texts from the narrative spans, kinds and linkIds from the extensions. */
export function noteFromComposition(c: Composition): NoteJson {
  const sections = (c.section ?? []).map((s) => {
    const texts = new Map<string, string>();
    for (const m of (s.text?.div ?? '').matchAll(/<span id="([^"]+)">([^<]*)<\/span>/g)) texts.set(m[1] as string, unescapeXhtml(m[2] as string));
    const sentences = (s.extension ?? [])
      .filter((e) => e.url === EXT_NOTE_SENTENCE)
      .map((e): NoteSentenceJson => {
        const parts = e.extension ?? [];
        const id = parts.find((p) => p.url === 'sentence')?.valueString ?? '';
        const edited = parts.some((p) => p.url === 'edited' && p.valueBoolean === true);
        return {
          id,
          kind: (parts.find((p) => p.url === 'kind')?.valueCode ?? 'answer') as SentenceKind,
          text: texts.get(id) ?? '',
          linkIds: parts.filter((p) => p.url === 'linkId').map((p) => p.valueString ?? ''),
          ...(edited ? { edited: true } : {}),
        };
      });
    const code = sectionCodeOf(s.code?.coding?.[0]) ?? ((sentences[0]?.id.replace(/-\d+$/, '') ?? 'chief-complaint') as SectionCode);
    return { code, title: s.title ?? '', sentences };
  });
  return {
    lang: c.language === 'es' ? 'es' : 'en',
    title: c.title,
    complete: !sections.some((s) => s.code === 'incomplete'),
    sections,
  };
}

function noteJson(note: HistoryNote): NoteJson {
  return {
    lang: note.lang,
    title: note.title,
    complete: note.complete,
    sections: note.sections.map((s) => ({ code: s.code, title: s.title, sentences: s.sentences.map((x) => ({ id: x.id, kind: x.kind, text: x.text, linkIds: [...x.linkIds] })) })),
  };
}

/** True once a clinician has changed any sentence. */
function isEdited(c: Composition): boolean {
  return (c.section ?? []).some((s) => (s.extension ?? []).some((e) => e.url === EXT_NOTE_SENTENCE && (e.extension ?? []).some((p) => p.url === 'edited')));
}

/** Writes `note` into the Composition's sections (narrative and sentence extensions), marking edited sentences. */
function withNote(c: Composition, note: NoteJson): Composition {
  const patient = (c.subject ?? { reference: 'Patient/unknown' }) as Reference<Patient>;
  const fresh = noteToComposition(
    { lang: note.lang, title: note.title, complete: note.complete, sections: note.sections },
    { patient, response: { reference: 'QuestionnaireResponse/unused' }, asOf: c.date },
  );
  const edited = new Set(note.sections.flatMap((s) => s.sentences.filter((x) => x.edited).map((x) => x.id)));
  const section = (fresh.section ?? []).map((s) => ({
    ...s,
    extension: (s.extension ?? []).map((e): Extension => {
      const id = e.extension?.find((p) => p.url === 'sentence')?.valueString;
      return id && edited.has(id) ? { ...e, extension: [...(e.extension ?? []), { url: 'edited', valueBoolean: true }] } : e;
    }),
  }));
  return { ...c, language: note.lang, title: note.title, type: { ...c.type, text: note.title }, section };
}

/** The response's answers in words, one row per answered item (repeating groups give several rows). */
export function answersInWords(qr: QuestionnaireResponse, lang: Lang): { linkId: string; text: string; answer: string }[] {
  const out: { linkId: string; text: string; answer: string }[] = [];
  const yes = lang === 'en' ? 'Yes' : 'Sí';
  const word = (linkId: string, a: QuestionnaireResponseItemAnswer): string => {
    if (a.valueCoding) {
      const def = SHIPPED_INDEX.items.get(linkId);
      return (def && optionFor(def, a.valueCoding)?.display[lang]) ?? a.valueCoding.display ?? a.valueCoding.code ?? '';
    }
    if (a.valueBoolean !== undefined) return a.valueBoolean ? yes : 'No';
    if (a.valueQuantity) return `${a.valueQuantity.value ?? ''} ${a.valueQuantity.unit ?? a.valueQuantity.code ?? ''}`.trim();
    const v = a.valueString ?? a.valueDate ?? a.valueDateTime ?? a.valueTime ?? a.valueUri ?? a.valueInteger ?? a.valueDecimal;
    return v === undefined ? '' : String(v);
  };
  const walk = (items: readonly QuestionnaireResponseItem[] | undefined): void => {
    for (const item of items ?? []) {
      if (item.answer?.length) {
        const def = SHIPPED_INDEX.items.get(item.linkId);
        out.push({ linkId: item.linkId, text: def ? itemOf(SHIPPED_INDEX, item.linkId).text[lang] : (item.text ?? item.linkId), answer: item.answer.map((a) => word(item.linkId, a)).join(', ') });
        for (const a of item.answer) walk(a.item);
      }
      walk(item.item);
    }
  };
  walk(qr.item);
  return out;
}

/** Newest day first; within a day, urgent before high before moderate; then newest first. */
export function compareFlagRows(a: FlagRowJson, b: FlagRowJson): number {
  const day = b.submittedAt.slice(0, 10).localeCompare(a.submittedAt.slice(0, 10));
  if (day !== 0) return day;
  const sev = SEVERITY_RANK[a.flag.severity] - SEVERITY_RANK[b.flag.severity];
  if (sev !== 0) return sev;
  return b.submittedAt.localeCompare(a.submittedAt);
}

function patientName(p: Patient | undefined): string {
  const n = p?.name?.[0];
  if (!n) return p?.id ?? '';
  return n.text ?? [...(n.given ?? []), n.family ?? ''].join(' ').trim();
}

const isIntakeResponse = (r: Resource | undefined): r is QuestionnaireResponse =>
  r?.resourceType === 'QuestionnaireResponse' && typeof r.questionnaire === 'string' && r.questionnaire.split('|')[0] === QUESTIONNAIRE_URL;

/** The QuestionnaireResponse an intake Composition was written from, if it is one. */
function responseRefOf(c: Composition): string | undefined {
  const ext = (c.extension ?? []).find((e) => e.url === EXT_INTAKE_SOURCE);
  return ext?.extension?.find((p) => p.url === 'questionnaireResponse')?.valueReference?.reference;
}

/** Body checks shared by draft and submit: a QuestionnaireResponse about this patient. */
function checkBody(response: unknown, patientId: string): QuestionnaireResponse {
  if (!response || typeof response !== 'object' || Array.isArray(response) || (response as Resource).resourceType !== 'QuestionnaireResponse') {
    throw invalidField('response.resourceType', 'must be a FHIR QuestionnaireResponse');
  }
  const qr = response as QuestionnaireResponse;
  const subject = qr.subject?.reference;
  if (subject !== undefined && subject !== `Patient/${patientId}`) {
    throw invalidField('response.subject', `names ${String(subject).slice(0, 80)}, not Patient/${patientId}`);
  }
  return qr;
}

// ---------------------------------------------------------------------------------------

const SIGNED_TITLE: Record<Lang, string> = {
  en: 'Medical history from the patient intake, reviewed and signed',
  es: 'Historia clínica del cuestionario del paciente, revisada y firmada',
};

export function createIntakeService({ database, clock, fhir, consent, audit }: IntakeServiceDeps): IntakeService {
  async function searchAll<T extends Resource>(ctx: RequestContext, type: string, params: Record<string, string>, max = Infinity): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const q = new URLSearchParams({ ...params, _count: String(Math.min(PAGE, max)), ...(offset ? { _offset: String(offset) } : {}) });
      const bundle: Bundle = await fhir.search(ctx, type, q, BASE_URL);
      for (const e of bundle.entry ?? []) if (e.resource?.resourceType === type) out.push(e.resource as T);
      if (out.length >= max || (bundle.entry?.length ?? 0) < PAGE || offset + PAGE >= (bundle.total ?? 0)) return out;
    }
  }

  /** Role (learner, another patient: 403), then the Patient in the caller's clinic (404), then 'care' consent (403). */
  async function open(ctx: RequestContext, patientId: string): Promise<Patient> {
    checkPatientRole(ctx, patientId);
    const patient = (await fhir.read(ctx, 'Patient', patientId)) as Patient;
    await consent.requireConsent(ctx, patientId, 'care');
    return patient;
  }

  async function findDraft(ctx: RequestContext, patientId: string): Promise<QuestionnaireResponse | undefined> {
    const found = await searchAll<QuestionnaireResponse>(ctx, 'QuestionnaireResponse', { patient: patientId, status: 'in-progress', _sort: '-_lastUpdated' }, 50);
    return found.find(isIntakeResponse);
  }

  /** The patient's interface language: their own account's locale, else English. */
  async function patientLang(ctx: RequestContext, patientId: string): Promise<Lang> {
    const [row] = await database.db
      .select({ locale: appUser.locale })
      .from(appUser)
      .where(and(eq(appUser.clinicId, ctx.principal.clinicId), eq(appUser.role, 'patient'), eq(appUser.patientId, patientId)))
      .limit(1);
    return row?.locale === 'es' ? 'es' : 'en';
  }

  /** The latest intake Composition of the patient and the response it came from; 404 when none. */
  async function latest(ctx: RequestContext, patientId: string): Promise<{ composition: Composition; response: QuestionnaireResponse }> {
    const compositions = await searchAll<Composition>(ctx, 'Composition', { patient: patientId, type: 'http://loinc.org|34117-2', _sort: '-date' }, 20);
    const composition = compositions.find((c) => responseRefOf(c)?.startsWith('QuestionnaireResponse/'));
    if (!composition) throw new AppError('NOT_FOUND', `Patient ${patientId} has no submitted intake`, { field: 'patientId' });
    const ref = responseRefOf(composition) as string;
    const response = (await fhir.read(ctx, 'QuestionnaireResponse', ref.slice('QuestionnaireResponse/'.length))) as QuestionnaireResponse;
    return { composition, response };
  }

  /** Re-runs the engines on a stored response as of its submission: the same flags and scores as then. */
  function rerun(response: QuestionnaireResponse, composition: Composition, lang: Lang) {
    const out = processIntake(response, {
      asOf: composition.date,
      lang,
      patient: (composition.subject ?? { reference: 'Patient/unknown' }) as Reference<Patient>,
      response: { reference: `QuestionnaireResponse/${response.id}` },
    });
    // Validated when submitted, with the same questionnaire and date: failing now is a bug.
    if (!out.ok) throw new AppError('INTERNAL', 'A stored intake no longer validates');
    return out;
  }

  /** The note to show: the stored one once edited or signed (or asked in its language); else written afresh in `lang`. */
  function currentNote(composition: Composition, out: ReturnType<typeof rerun>, lang: Lang | undefined): NoteJson {
    const stored = noteFromComposition(composition);
    if (lang === undefined || lang === stored.lang || composition.status === 'final' || isEdited(composition)) return stored;
    return noteJson(out.note);
  }

  function view(composition: Composition, response: QuestionnaireResponse, lang: Lang | undefined): IntakeHistoryJson {
    const shown = lang ?? (composition.language === 'es' ? 'es' : 'en');
    const out = rerun(response, composition, shown);
    const attester = (composition.attester ?? []).find((a) => a.mode === 'legal');
    const userId = attester?.party?.identifier?.system === USER_IDENTIFIER_SYSTEM ? attester.party.identifier.value : undefined;
    return {
      questionnaireResponseId: response.id as string,
      questionnaireResponse: response,
      compositionId: composition.id as string,
      status: composition.status === 'final' ? 'final' : 'preliminary',
      ...(attester ? { signedBy: { userId: userId ?? '', displayName: attester.party?.display ?? '' } } : {}),
      ...(attester?.time ? { signedAt: attester.time } : {}),
      versionId: composition.meta?.versionId ?? '1',
      note: currentNote(composition, out, lang),
      flags: [...out.flags],
      scores: out.scores,
      answers: answersInWords(response, shown),
    };
  }

  /** Refuses changes to a signed note (409) or from a stale version (412). */
  function assertEditable(composition: Composition, versionId: string): void {
    if (composition.status === 'final') {
      throw new AppError('CONFLICT', 'The history note is signed; a signed note cannot be changed', { field: 'status' });
    }
    const current = composition.meta?.versionId ?? '1';
    if (versionId !== current) {
      throw new AppError('VERSION_CONFLICT', `The note is at version ${current}, not ${versionId.slice(0, 20)}; reload it`, { field: 'versionId' });
    }
  }

  /** The stored note, or, while nobody has touched it, the note in `lang` (so a clinician may edit and sign it in their language). */
  function noteToChange(composition: Composition, response: QuestionnaireResponse, lang: Lang | undefined): NoteJson {
    const stored = noteFromComposition(composition);
    if (lang === undefined || lang === stored.lang || isEdited(composition)) return stored;
    return noteJson(rerun(response, composition, lang).note);
  }

  return {
    questionnaire() {
      return SHIPPED_QUESTIONNAIRE;
    },

    async getDraft(ctx, patientId) {
      await open(ctx, patientId);
      const draft = await findDraft(ctx, patientId);
      if (!draft) return { response: null };
      return { response: draft, ...(draft.meta?.lastUpdated ? { savedAt: draft.meta.lastUpdated } : {}) };
    },

    async saveDraft(ctx, patientId, body) {
      await open(ctx, patientId);
      const qr = checkBody(body, patientId);
      if (qr.status !== 'in-progress') throw invalidField('response.status', `a draft is in-progress, not "${String(qr.status).slice(0, 40)}"`);
      const validation = validateIntakeResponse(qr, { asOf: clock().toISOString() });
      // Not a response to this questionnaire (or not a tree of items) cannot be saved at all.
      const fatal = validation.errors.find((e) => ['NOT_A_RESPONSE', 'WRONG_QUESTIONNAIRE', 'WRONG_VERSION', 'BAD_STATUS', 'MALFORMED_ITEM'].includes(e.code));
      if (fatal) throw invalidField(`response.${fatal.path}`, fatal.message.en);
      const draft = await findDraft(ctx, patientId);
      const id = draft?.id ?? randomUUID();
      const { meta: _meta, ...rest } = qr;
      const resource: QuestionnaireResponse = { ...rest, id, status: 'in-progress', subject: { reference: `Patient/${patientId}` }, authored: clock().toISOString() };
      const saved = await fhir.update(ctx, 'QuestionnaireResponse', id, resource);
      const lang = ctx.principal.kind === 'user' && ctx.principal.role === 'patient' ? await patientLang(ctx, patientId) : 'en';
      return {
        savedAt: saved.resource.meta?.lastUpdated ?? clock().toISOString(),
        issues: validation.errors.map((e) => ({ linkId: e.linkId ?? e.path, code: e.code, message: e.message[lang] })),
      };
    },

    async submit(ctx, patientId, body) {
      await open(ctx, patientId);
      const qrBody = checkBody(body, patientId);
      const lang = await patientLang(ctx, patientId);
      const asOf = clock().toISOString();
      const draft = await findDraft(ctx, patientId);
      const qrId = draft?.id ?? randomUUID();
      const compositionId = randomUUID();
      const { meta: _meta, ...rest } = qrBody;
      const qr: QuestionnaireResponse = { ...rest, id: qrId, status: 'completed', subject: { reference: `Patient/${patientId}` }, authored: asOf };
      const patient = { reference: `Patient/${patientId}` };
      const responseRef = { reference: `QuestionnaireResponse/${qrId}` };
      const out = processIntake(qr, { asOf, lang, patient, response: responseRef });
      if (!out.ok) throw intakeValidationError(out.validation, lang);

      const writer = writerContext(ctx);
      const existing = (await Promise.all(EXTRACTED_TYPES.map((t) => searchAll<Resource>(writer, t, { patient: patientId })))).flat().filter((r) => intakeKeyOf(r) !== undefined);
      const change = reconcileIntake(out.extracted, existing, responseRef.reference);
      const composition: Composition = { ...out.composition, id: compositionId };
      const entry: BundleEntry[] = [
        // The draft's version guards against a double submission creating everything twice.
        { resource: qr, request: { method: 'PUT', url: `QuestionnaireResponse/${qrId}`, ...(draft?.meta?.versionId ? { ifMatch: `W/"${draft.meta.versionId}"` } : {}) } },
        ...(change.bundle.entry ?? []),
        { resource: composition, request: { method: 'PUT', url: `Composition/${compositionId}` } },
      ];
      await fhir.processBundle(writer, { resourceType: 'Bundle', type: 'transaction', entry }, BASE_URL);
      await audit.record(ctx, {
        action: 'create',
        outcome: 'success',
        resourceType: 'Composition',
        resourceId: compositionId,
        patientId,
        detail: {
          operation: 'intake-submit',
          questionnaireResponse: qrId,
          created: change.creates.length,
          updated: change.updates.length,
          unchanged: change.unchanged.length,
          noLongerReported: change.noLongerReported.length,
          flags: out.flags.map((f) => f.code),
        },
      });
      return {
        questionnaireResponseId: qrId,
        compositionId,
        flags: [...out.flags],
        scores: out.scores,
        changes: {
          created: change.creates.length,
          updated: change.updates.length,
          unchanged: change.unchanged.length,
          noLongerReported: change.noLongerReported.length,
          summary: { en: change.summary.en.join(' '), es: change.summary.es.join(' ') },
        },
        missing: out.validation.missing.map((m) => ({ linkId: m.linkId, text: m.text[lang] })),
      };
    },

    async history(ctx, patientId, lang) {
      await open(ctx, patientId);
      const { composition, response } = await latest(ctx, patientId);
      return view(composition, response, lang);
    },

    async editHistory(ctx, patientId, edit, lang) {
      assertClinician(ctx);
      await open(ctx, patientId);
      const { composition, response } = await latest(ctx, patientId);
      assertEditable(composition, edit.versionId);
      const note = noteToChange(composition, response, lang);
      const sections = note.sections.map((s) => ({ ...s, sentences: s.sentences.map((x) => ({ ...x })) }));
      edit.sections.forEach((es, i) => {
        const section = sections.find((s) => s.code === es.code);
        if (!section) throw invalidField(`sections[${i}].code`, `the note has no section "${es.code.slice(0, 40)}"`);
        es.sentences.forEach((ex, j) => {
          const field = `sections[${i}].sentences[${j}]`;
          const k = section.sentences.findIndex((x) => x.id === ex.id);
          if (k < 0) throw invalidField(`${field}.id`, `section ${section.code} has no sentence "${ex.id.slice(0, 40)}"`);
          const text = ex.text.trim();
          if (text === '') throw invalidField(`${field}.text`, 'a sentence cannot be empty');
          if (text.length > MAX_SENTENCE_LENGTH) throw invalidField(`${field}.text`, `at most ${MAX_SENTENCE_LENGTH} characters`);
          const before = section.sentences[k] as NoteSentenceJson;
          if (text !== before.text) section.sentences[k] = { ...before, text, edited: true };
        });
      });
      const updated = withNote(composition, { ...note, sections });
      const saved = await fhir.update(ctx, 'Composition', composition.id as string, updated, { ifMatch: edit.versionId });
      return view(saved.resource, response, lang);
    },

    async sign(ctx, patientId, versionId, lang) {
      const principal = assertClinician(ctx);
      await open(ctx, patientId);
      const { composition, response } = await latest(ctx, patientId);
      assertEditable(composition, versionId);
      const note = noteToChange(composition, response, lang);
      let practitioner: string | undefined;
      if (principal.practitionerId) {
        // Point at the Practitioner only when it exists: a dangling reference would be refused.
        practitioner = await fhir.read(ctx, 'Practitioner', principal.practitionerId).then(
          () => `Practitioner/${principal.practitionerId}`,
          (e: unknown) => {
            if (isAppError(e) && (e.code === 'NOT_FOUND' || e.code === 'GONE')) return undefined;
            throw e;
          },
        );
      }
      const attester: CompositionAttester = {
        mode: 'legal',
        time: clock().toISOString(),
        party: {
          ...(practitioner ? { reference: practitioner } : {}),
          identifier: { system: USER_IDENTIFIER_SYSTEM, value: principal.userId },
          display: principal.displayName,
        },
      };
      // The engine titles the draft "unsigned"; the signed document must not say so.
      const signedNote = { ...note, title: SIGNED_TITLE[note.lang] };
      const signed: Composition = { ...withNote(composition, signedNote), status: 'final', attester: [...(composition.attester ?? []), attester] };
      const saved = await fhir.update(ctx, 'Composition', composition.id as string, signed, { ifMatch: versionId });
      await audit.record(ctx, {
        action: 'update',
        outcome: 'success',
        resourceType: 'Composition',
        resourceId: composition.id,
        patientId,
        detail: { operation: 'intake-sign', versionId: saved.resource.meta?.versionId },
      });
      return view(saved.resource, response, lang);
    },

    async flags(ctx, limit = 50) {
      if (!isStaff(ctx.principal)) throw new AppError('FORBIDDEN', 'The red-flag dashboard is for clinic staff');
      // The latest completed intake of each patient; an earlier one is superseded by it.
      const responses = (await searchAll<QuestionnaireResponse>(ctx, 'QuestionnaireResponse', { status: 'completed', _sort: '-authored' }, 500)).filter(isIntakeResponse);
      const latestByPatient = new Map<string, QuestionnaireResponse>();
      for (const r of responses) {
        const pid = r.subject?.reference?.startsWith('Patient/') ? r.subject.reference.slice('Patient/'.length) : undefined;
        if (pid && !latestByPatient.has(pid)) latestByPatient.set(pid, r);
      }
      const rows: FlagRowJson[] = [];
      const ids: string[] = [];
      for (const [pid, r] of latestByPatient) {
        // Without care consent the intake is not used here either.
        if (!(await consent.hasConsent(ctx, pid, 'care'))) continue;
        const submittedAt = r.authored ?? r.meta?.lastUpdated ?? '';
        const out = processIntake(r, { asOf: submittedAt, lang: 'en' });
        if (!out.ok) continue;
        if (out.flags.length) ids.push(pid);
        for (const flag of out.flags) rows.push({ patientId: pid, patientName: '', submittedAt, questionnaireResponseId: r.id as string, flag });
      }
      const names = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 100) {
        const patients = await searchAll<Patient>(ctx, 'Patient', { _id: ids.slice(i, i + 100).join(',') });
        for (const p of patients) names.set(p.id as string, patientName(p));
      }
      rows.sort(compareFlagRows);
      return { rows: rows.slice(0, limit).map((r) => ({ ...r, patientName: names.get(r.patientId) ?? r.patientId })) };
    },
  };

  /** Staff write as themselves; a patient's derived resources are written on the platform's behalf (see the file comment). */
  function writerContext(ctx: RequestContext): RequestContext {
    const p = ctx.principal;
    if (p.kind === 'system' || isStaff(p)) return ctx;
    return { ...ctx, principal: { kind: 'system', clinicId: p.clinicId, actor: `intake:submit:user:${p.userId}` } };
  }
}

/** Editing and signing the note: clinician or admin. */
function assertClinician(ctx: RequestContext): UserPrincipal {
  const p = ctx.principal;
  if (p.kind !== 'user' || (p.role !== 'clinician' && p.role !== 'admin')) {
    throw new AppError('FORBIDDEN', 'Only a clinician (or an admin) may edit or sign the history note');
  }
  return p;
}
