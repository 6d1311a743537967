/**
 * The intake engines in one call: validate a QuestionnaireResponse, score it, find red flags,
 * write the note (and its Composition) and extract coded resources (as a transaction
 * Bundle). Pure; the service and the CLI call this.
 */
import type { Bundle, Composition, Patient, QuestionnaireResponse, Reference } from '@medplum/fhirtypes';
import { extractResources, extractionBundle, type Extracted } from './extract.ts';
import { noteToComposition, writeHistoryNote, type HistoryNote } from './history-note.ts';
import type { Lang, QuestionnaireIndex } from './questionnaire-index.ts';
import { findRedFlags, type RedFlag } from './red-flags.ts';
import { scoreIntake, type IntakeScores } from './scores.ts';
import { SHIPPED_INDEX } from './shipped-index.ts';
import { validateIntakeResponse, type IntakeValidation } from './validate-response.ts';

export { validateIntakeResponse, intakeValidationError } from './validate-response.ts';
export type { IntakeIssue, IntakeIssueCode, IntakeValidation, MissingItem } from './validate-response.ts';
export { extractResources, extractionBundle, intakeKeyOf, sourceLinkIdsOf, EXT_INTAKE_SOURCE, INTAKE_KEY_SYSTEM } from './extract.ts';
export type { Extracted } from './extract.ts';
export { reconcileIntake } from './reconcile.ts';
export type { ReconcileResult } from './reconcile.ts';
export { writeHistoryNote, noteToComposition, noteToText, sectionCodeOf, EXT_NOTE_SENTENCE } from './history-note.ts';
export type { HistoryNote, NoteSection, NoteSentence, SectionCode, SentenceKind } from './history-note.ts';
export { findRedFlags, RED_FLAG_RULES } from './red-flags.ts';
export type { RedFlag, RedFlagCode, RedFlagSeverity } from './red-flags.ts';
export { scoreIntake, fitzpatrickType, packYears, DCQ_CUTOFF } from './scores.ts';
export type { IntakeScores } from './scores.ts';
export { buildResponse } from './build-response.ts';
export type { Draft } from './build-response.ts';
export { SHIPPED_QUESTIONNAIRE } from './shipped.ts';
export { SHIPPED_INDEX } from './shipped-index.ts';
export { QUESTIONNAIRE_URL, QUESTIONNAIRE_VERSION } from './questionnaire-source.ts';
export type { Lang } from './questionnaire-index.ts';

export interface ProcessOptions {
  readonly asOf: string;
  readonly lang: Lang;
  /** Defaults to the response's subject, else `Patient/unknown`. */
  readonly patient?: Reference<Patient>;
  /** Defaults to `QuestionnaireResponse/<id>`, else a urn derived from nothing but the text. */
  readonly response?: Reference<QuestionnaireResponse>;
  readonly index?: QuestionnaireIndex;
}

export type IntakeOutcome =
  | { readonly ok: false; readonly validation: IntakeValidation }
  | {
      readonly ok: true;
      readonly validation: IntakeValidation;
      readonly scores: IntakeScores;
      readonly flags: readonly RedFlag[];
      readonly note: HistoryNote;
      readonly composition: Composition;
      readonly extracted: readonly Extracted[];
      readonly bundle: Bundle;
    };

/** Runs every intake engine on one response. Invalid responses stop after validation. */
export function processIntake(response: unknown, options: ProcessOptions): IntakeOutcome {
  const index = options.index ?? SHIPPED_INDEX;
  const validation = validateIntakeResponse(response, { asOf: options.asOf, index });
  if (!validation.ok || !validation.view) return { ok: false, validation };
  const view = validation.view;
  const qr = view.response;
  const patient = options.patient ?? (qr.subject?.reference ? { reference: qr.subject.reference } : { reference: 'Patient/unknown' });
  const responseRef = options.response ?? { reference: qr.id ? `QuestionnaireResponse/${qr.id}` : 'QuestionnaireResponse/unsaved' };
  const scores = scoreIntake(view, index);
  const flags = findRedFlags(view, index, scores, { asOf: options.asOf });
  const note = writeHistoryNote({ view, index, scores, flags, missing: validation.missing, lang: options.lang });
  const composition = noteToComposition(note, { patient, response: responseRef, asOf: options.asOf });
  const extracted = extractResources(view, index, scores, { patient, response: responseRef, asOf: options.asOf });
  const bundle = extractionBundle(extracted, responseRef.reference ?? 'intake');
  return { ok: true, validation, scores, flags, note, composition, extracted, bundle };
}
