/** The intake API calls (shapes in types.ts). Same-origin, session cookie. */
import { call } from '../api/client.ts';
import { ApiError, errorFromResponse } from '../api/errors.ts';
import type { AnswerIssue, DraftAnswer, DraftSaved, FlagRow, HistoryEdit, IntakeHistory, Questionnaire, QuestionnaireResponse, SubmitResult } from './types.ts';

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}/intake`;

/** A submission the server refused answer by answer (400 VALIDATION_FAILED with details.errors). */
export class IntakeRejected extends ApiError {
  readonly errors: AnswerIssue[];
  constructor(error: ApiError, errors: AnswerIssue[]) {
    super(error.status, error.message, error.code, error.field);
    this.name = 'IntakeRejected';
    this.errors = errors;
  }
}

/** Reads `details.errors` of a problem+json body, keeping only well-formed entries. */
export function answerIssuesOf(body: unknown): AnswerIssue[] {
  const details = (body as { details?: { errors?: unknown } } | undefined)?.details;
  const list = Array.isArray(details?.errors) ? (details.errors as unknown[]) : [];
  return list.flatMap((e) => {
    const r = e as Partial<AnswerIssue>;
    return typeof r.linkId === 'string' && typeof r.message === 'string' ? [{ linkId: r.linkId, code: String(r.code ?? ''), message: r.message }] : [];
  });
}

export const intakeApi = {
  questionnaire(): Promise<Questionnaire> {
    return call<Questionnaire>('/api/intake/questionnaire');
  },
  draft(patientId: string): Promise<DraftAnswer> {
    return call<DraftAnswer>(`${base(patientId)}/draft`);
  },
  saveDraft(patientId: string, response: QuestionnaireResponse): Promise<DraftSaved> {
    return call<DraftSaved>(`${base(patientId)}/draft`, { method: 'PUT', body: JSON.stringify({ response }) });
  },
  /** Submits; a 400 with per-answer errors becomes IntakeRejected so the form can point at each. */
  async submit(patientId: string, response: QuestionnaireResponse): Promise<SubmitResult> {
    // Not through call(): its ApiError drops details.errors, which the review step lists.
    let res: Response;
    try {
      res = await fetch(`${base(patientId)}/submit`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ response }),
      });
    } catch {
      throw new ApiError(0, 'The server could not be reached');
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const error = errorFromResponse(res.status, body, res.statusText);
      const issues = answerIssuesOf(body);
      throw issues.length > 0 ? new IntakeRejected(error, issues) : error;
    }
    return body as SubmitResult;
  },
  history(patientId: string, lang: 'en' | 'es'): Promise<IntakeHistory> {
    return call<IntakeHistory>(`${base(patientId)}/history?lang=${lang}`);
  },
  /** Changes sentence texts; 412 VERSION_CONFLICT when the note moved on, 409 once signed. */
  editHistory(patientId: string, edit: HistoryEdit, lang: 'en' | 'es'): Promise<IntakeHistory> {
    return call<IntakeHistory>(`${base(patientId)}/history?lang=${lang}`, { method: 'PUT', body: JSON.stringify(edit) });
  },
  sign(patientId: string, versionId: string, lang: 'en' | 'es'): Promise<IntakeHistory> {
    return call<IntakeHistory>(`${base(patientId)}/history/sign?lang=${lang}`, { method: 'POST', body: JSON.stringify({ versionId }) });
  },
  flags(limit = 50): Promise<{ rows: FlagRow[] }> {
    return call<{ rows: FlagRow[] }>(`/api/intake/flags?limit=${limit}`);
  },
};
