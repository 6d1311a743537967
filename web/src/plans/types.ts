/**
 * Shapes of the plans API (a copy of the contract in issue 6; the engine's own types come
 * from src/plans by type-only import, so the Plan JSON is exactly the engine's `Plan`).
 */
import type { Plan, PlanProfileInput } from '../../../src/plans/index.ts';

export type { Plan, PlanProfileInput };
export type { PlanOption, ExcludedOption, GoalPlan, RuleHit, WellAgingItem, Trigger, LocalText } from '../../../src/plans/index.ts';

/** One profile field and the record entry (or intake answer) it came from. */
export interface Sourced {
  field: string;
  value: unknown;
  source: { resourceType?: string; resourceId?: string; date?: string; display: string };
}

/** GET /api/patients/:id/plans/profile. */
export interface PlanProfileResponse {
  input: PlanProfileInput;
  sources: Sourced[];
  missing: string[];
}

export type EditKind = 'remove' | 'add' | 'dose';

/** One edit as PATCH takes it. */
export interface PlanEditInput {
  kind: EditKind;
  goalRank: number;
  interventionId: string;
  site?: string;
  dose?: { value: number; unit: string };
}

/** One edit as the server keeps it. */
export interface PlanEdit extends PlanEditInput {
  outOfRange?: boolean;
  acknowledged?: boolean;
  by: string;
  at: string;
}

export interface PlanWarning {
  code: 'DOSE_OUT_OF_RANGE' | (string & {});
  message: { en: string; es: string };
  interventionId?: string;
  acknowledged: boolean;
}

export type PlanStatus = 'draft' | 'active' | 'revoked';

/** GET/POST/PATCH answers: one stored plan (a FHIR CarePlan underneath). */
export interface PlanRecord {
  planId: string;
  versionId: string;
  status: PlanStatus;
  createdAt: string;
  approvedBy?: { userId: string; displayName: string };
  approvedAt?: string;
  profile: PlanProfileResponse;
  plan: Plan;
  edits: PlanEdit[];
  warnings: PlanWarning[];
}

/** One row of GET /api/patients/:id/plans. */
export interface PlanSummary {
  planId: string;
  status: PlanStatus;
  createdAt: string;
  approvedAt?: string;
  goals: string[];
}

export interface GenerateBody {
  goals?: { concern: string; area?: string }[];
  preferences?: { maxDowntimeDays?: number; budget?: 'low' | 'medium' | 'high' };
  overrides?: Partial<PlanProfileInput>;
}

export interface PatchBody {
  versionId: string;
  edits: PlanEditInput[];
  acknowledge?: string[];
}
