/** The plans API calls (see types.ts for the shapes). Same-origin, session cookie. */
import { call } from '../api/client.ts';
import type { GenerateBody, PatchBody, PlanProfileResponse, PlanRecord, PlanSummary } from './types.ts';

const base = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}/plans`;

export const plansApi = {
  /** The profile the engine would get, with where each value came from. */
  profile(patientId: string): Promise<PlanProfileResponse> {
    return call<PlanProfileResponse>(`${base(patientId)}/profile`);
  },
  list(patientId: string): Promise<{ plans: PlanSummary[] }> {
    return call<{ plans: PlanSummary[] }>(base(patientId));
  },
  get(patientId: string, planId: string): Promise<PlanRecord> {
    return call<PlanRecord>(`${base(patientId)}/${encodeURIComponent(planId)}`);
  },
  generate(patientId: string, body: GenerateBody): Promise<PlanRecord> {
    return call<PlanRecord>(base(patientId), { method: 'POST', body: JSON.stringify(body) });
  },
  patch(patientId: string, planId: string, body: PatchBody): Promise<PlanRecord> {
    return call<PlanRecord>(`${base(patientId)}/${encodeURIComponent(planId)}`, { method: 'PATCH', body: JSON.stringify(body) });
  },
  approve(patientId: string, planId: string, versionId: string): Promise<PlanRecord> {
    return call<PlanRecord>(`${base(patientId)}/${encodeURIComponent(planId)}/approve`, { method: 'POST', body: JSON.stringify({ versionId }) });
  },
};
