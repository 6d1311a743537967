/** The risk API calls (see types.ts for the shapes). Same-origin, session cookie. */
import { call } from '../api/client.ts';
import type { ModelId, Overrides, PanelResponse, RiskReport, WhatIfResponse, WhatIfScenario } from './types.ts';

const patientPath = (patientId: string) => `/api/patients/${encodeURIComponent(patientId)}/risk`;

export const riskApi = {
  /** Every model's score from the record alone. */
  report(patientId: string, signal?: AbortSignal): Promise<RiskReport> {
    return call<RiskReport>(patientPath(patientId), signal ? { signal } : {});
  },
  /** Re-scores with the values the user entered; `save` writes a RiskAssessment per scored model. */
  score(patientId: string, body: { overrides?: Overrides; models?: ModelId[]; allowExtrapolation?: boolean; save?: boolean }): Promise<RiskReport> {
    return call<RiskReport>(patientPath(patientId), { method: 'POST', body: JSON.stringify(body) });
  },
  whatIf(patientId: string, body: { overrides?: Overrides; models?: ModelId[]; scenario: WhatIfScenario }, signal?: AbortSignal): Promise<WhatIfResponse> {
    return call<WhatIfResponse>(`${patientPath(patientId)}/what-if`, { method: 'POST', body: JSON.stringify(body), ...(signal ? { signal } : {}) });
  },
  /** The clinic's patients ranked by risk for one model (the server's default when none). */
  panel(model?: ModelId): Promise<PanelResponse> {
    return call<PanelResponse>(`/api/risk/panel${model ? `?model=${encodeURIComponent(model)}` : ''}`);
  },
};
