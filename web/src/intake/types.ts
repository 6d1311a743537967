/**
 * Shapes of the intake API (the contract in the intake service's routes), as the web app
 * reads them. Flags and scores reuse the engines' own types: the server serialises them
 * unchanged.
 */
import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import type { RedFlag } from '../../../src/intake/red-flags.ts';
import type { IntakeScores } from '../../../src/intake/scores.ts';

export type { Questionnaire, QuestionnaireResponse };

/** A red flag: code, severity, title/reason/action in both languages, source linkIds, basis. */
export type FlagJson = RedFlag;
export type FlagSeverity = RedFlag['severity'];
/** Fitzpatrick type, DCQ screen and pack-years, each "scored" or "incomplete", with linkIds. */
export type ScoresJson = IntakeScores;

/** One per-answer problem the server found in a draft or a submitted response. */
export interface AnswerIssue {
  linkId: string;
  code: string;
  message: string;
}

/** GET /api/patients/:id/intake/draft */
export interface DraftAnswer {
  response: QuestionnaireResponse | null;
  savedAt?: string;
}

/** PUT /api/patients/:id/intake/draft */
export interface DraftSaved {
  savedAt: string;
  issues: AnswerIssue[];
}

/** POST /api/patients/:id/intake/submit (201). */
export interface SubmitResult {
  questionnaireResponseId: string;
  compositionId: string;
  flags: FlagJson[];
  scores: ScoresJson;
  changes: {
    created: number;
    updated: number;
    unchanged: number;
    noLongerReported: number;
    summary: { en: string; es: string };
  };
  missing: { linkId: string; text: string }[];
}

export type SentenceKind = 'answer' | 'flag' | 'missing';

export interface NoteSentenceJson {
  id: string;
  kind: SentenceKind;
  text: string;
  linkIds: string[];
  edited?: boolean;
}

export interface NoteSectionJson {
  code: string;
  title: string;
  sentences: NoteSentenceJson[];
}

/** GET/PUT /api/patients/:id/intake/history and POST .../history/sign. */
export interface IntakeHistory {
  questionnaireResponseId: string;
  questionnaireResponse: QuestionnaireResponse;
  compositionId: string;
  status: 'preliminary' | 'final';
  signedBy?: { userId: string; displayName: string };
  signedAt?: string;
  versionId: string;
  note: { lang: 'en' | 'es'; title: string; complete: boolean; sections: NoteSectionJson[] };
  flags: FlagJson[];
  scores: ScoresJson;
  answers: { linkId: string; text: string; answer: string }[];
}

/** PUT /api/patients/:id/intake/history body. */
export interface HistoryEdit {
  versionId: string;
  sections: { code: string; sentences: { id: string; text: string }[] }[];
}

/** One row of GET /api/intake/flags. */
export interface FlagRow {
  patientId: string;
  patientName: string;
  submittedAt: string;
  questionnaireResponseId: string;
  flag: FlagJson;
}
