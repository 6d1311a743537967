/**
 * The lesion API calls (shapes in src/lesion/views.ts, the server's own contract, imported
 * as types only so zod stays out of the browser bundle). Same-origin, session cookie.
 */
import { ApiError, errorFromResponse } from '../api/errors.ts';
import { call } from '../api/client.ts';
import type {
  BodySite,
  CreateExamBody,
  CreateLesionBody,
  DecisionBody,
  Evolution,
  ExamView,
  HistopathologyBody,
  ImpressionBody,
  LesionSettings,
  LesionSummary,
  ModelCardView,
  OperatingPointBody,
  OperatingPointsView,
  OperatingPointVersion,
  PerformanceView,
} from '../../../src/lesion/views.ts';

export type {
  BodySite,
  DecisionBody,
  Evolution,
  EvolutionChange,
  EvolutionExam,
  ExamAnalysis,
  ExamPicture,
  ExamStatus,
  ExamView,
  HistopathologyBody,
  ImpressionBody,
  LesionSettings,
  LesionSummary,
  ModelCardView,
  OperatingPointsView,
  OperatingPointVersion,
  PerformanceView,
  PointStats,
  Rate,
} from '../../../src/lesion/views.ts';
export type { ModelCard } from '../../../src/lesion/model-card.ts';

const BASE = '/api/lesion';
const id = (s: string) => encodeURIComponent(s);
const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

/** What POST /api/files answers. */
export interface StoredFile {
  id: string;
  contentType: string;
  byteSize: number;
  sha256: string;
  width?: number;
  height?: number;
}

export const lesionApi = {
  bodySites(): Promise<BodySite[]> {
    return call<BodySite[]>(`${BASE}/body-sites`);
  },
  lesions(patientId: string): Promise<LesionSummary[]> {
    return call<LesionSummary[]>(`${BASE}/patients/${id(patientId)}/lesions`);
  },
  createLesion(patientId: string, body: CreateLesionBody): Promise<LesionSummary> {
    return call<LesionSummary>(`${BASE}/patients/${id(patientId)}/lesions`, post(body));
  },
  createExam(lesionId: string, body: CreateExamBody): Promise<ExamView> {
    return call<ExamView>(`${BASE}/lesions/${id(lesionId)}/exams`, post(body));
  },
  exam(examId: string): Promise<ExamView> {
    return call<ExamView>(`${BASE}/exams/${id(examId)}`);
  },
  impression(examId: string, body: ImpressionBody): Promise<ExamView> {
    return call<ExamView>(`${BASE}/exams/${id(examId)}/impression`, post(body));
  },
  decision(examId: string, body: DecisionBody): Promise<ExamView> {
    return call<ExamView>(`${BASE}/exams/${id(examId)}/decision`, post(body));
  },
  histopathology(examId: string, body: HistopathologyBody): Promise<ExamView> {
    return call<ExamView>(`${BASE}/exams/${id(examId)}/histopathology`, post(body));
  },
  evolution(lesionId: string): Promise<Evolution> {
    return call<Evolution>(`${BASE}/lesions/${id(lesionId)}/evolution`);
  },
  modelCard(): Promise<ModelCardView> {
    return call<ModelCardView>(`${BASE}/model-card`);
  },
  performance(): Promise<PerformanceView> {
    return call<PerformanceView>(`${BASE}/performance`);
  },
  settings(): Promise<LesionSettings> {
    return call<LesionSettings>(`${BASE}/settings`);
  },
  saveSettings(blindedFirstRead: boolean): Promise<LesionSettings> {
    return call<LesionSettings>(`${BASE}/settings`, { method: 'PUT', body: JSON.stringify({ blindedFirstRead }) });
  },
  operatingPoints(): Promise<OperatingPointsView> {
    return call<OperatingPointsView>(`${BASE}/operating-points`);
  },
  adoptOperatingPoint(body: OperatingPointBody): Promise<OperatingPointVersion> {
    return call<OperatingPointVersion>(`${BASE}/operating-points`, post(body));
  },
  /**
   * Uploads an image for a patient (multipart `file` + `patientId`). Not through `call`:
   * the browser must set the multipart content type with its boundary itself.
   */
  async upload(patientId: string, file: Blob, filename: string): Promise<StoredFile> {
    const form = new FormData();
    form.append('patientId', patientId);
    form.append('file', file, filename);
    let res: Response;
    try {
      res = await fetch('/api/files', { method: 'POST', body: form, credentials: 'same-origin', headers: { accept: 'application/json' } });
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
    if (!res.ok) throw errorFromResponse(res.status, body, res.statusText);
    return body as StoredFile;
  },
};
