/**
 * Consent per patient and purpose, read from the FHIR Consent resources in the store
 * (the FHIR room writes them). `requireConsent` is the one check every capability makes
 * before acting on a patient's data for a purpose.
 *
 * Decision rule (FHIR R4 Consent, http://hl7.org/fhir/R4/consent.html, "Consent
 * evaluation"): among the patient's Consents whose category carries the purpose, the
 * newest active one (by dateTime, then lastUpdated) decides; provision.type 'permit'
 * inside provision.period (when given) allows; 'deny', a period not yet begun or already
 * ended, a non-active status, or no Consent at all refuses.
 */
import { and, eq } from 'drizzle-orm';
import type { Consent } from '@medplum/fhirtypes';
import type { Clock } from '../clock.ts';
import type { RequestContext } from '../context.ts';
import type { Database, Queryable } from '../db/database.ts';
import { fhirResource } from '../db/schema.ts';
import { AppError, invalidField } from '../errors.ts';
import type { AuditLog } from '../audit/types.ts';
import { assertPatientAccess } from '../auth/access.ts';
import { CONSENT_PURPOSES, isConsentPurpose, type ConsentPurpose } from './purposes.ts';

import { decideConsent, type ConsentDecision, type StoredConsent } from './consent.ts';

export * from './consent.ts';

export interface ConsentService {
  /** Throws CONSENT_MISSING (403, field `consent.<purpose>`) unless the patient permits `purpose` now. */
  requireConsent(ctx: RequestContext, patientId: string, purpose: ConsentPurpose, q?: Queryable): Promise<void>;
  /** True when the patient permits `purpose` now. */
  hasConsent(ctx: RequestContext, patientId: string, purpose: ConsentPurpose, q?: Queryable): Promise<boolean>;
  /** The decision for every purpose; staff of the patient's clinic or the patient themself. */
  summary(ctx: RequestContext, patientId: string): Promise<ConsentDecision[]>;
}

export interface ConsentServiceDeps {
  readonly database: Database;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

export function createConsentService({ database, clock, audit }: ConsentServiceDeps): ConsentService {
  async function load(q: Queryable, ctx: RequestContext, patientId: string): Promise<StoredConsent[]> {
    const rows = await q
      .select({ id: fhirResource.id, lastUpdated: fhirResource.lastUpdated, content: fhirResource.content })
      .from(fhirResource)
      .where(
        and(
          eq(fhirResource.resourceType, 'Consent'),
          eq(fhirResource.patientId, patientId),
          eq(fhirResource.clinicId, ctx.principal.clinicId),
          eq(fhirResource.deleted, false),
        ),
      );
    return rows.map((r) => ({ id: r.id, lastUpdated: r.lastUpdated, content: r.content as Consent }));
  }

  async function decide(ctx: RequestContext, patientId: string, purpose: ConsentPurpose, q?: Queryable): Promise<ConsentDecision> {
    if (!isConsentPurpose(purpose)) throw invalidField('purpose', `must be one of ${CONSENT_PURPOSES.join(', ')}`);
    return decideConsent(await load(q ?? database.db, ctx, patientId), purpose, clock());
  }

  return {
    async requireConsent(ctx, patientId, purpose, q) {
      const decision = await decide(ctx, patientId, purpose, q);
      if (decision.status === 'permit') return;
      // Inside a caller's transaction the refusal rolls back with it; the caller audits its own denial then.
      if (!q) {
        await audit.record(ctx, { action: 'consent-check', outcome: 'denied', resourceType: 'Patient', resourceId: patientId, patientId, detail: { purpose } });
      }
      throw new AppError('CONSENT_MISSING', `The patient has not given consent for ${purpose}`, {
        field: `consent.${purpose}`,
        details: { purpose, ...(decision.reason ? { reason: decision.reason } : {}) },
      });
    },

    async hasConsent(ctx, patientId, purpose, q) {
      return (await decide(ctx, patientId, purpose, q)).status === 'permit';
    },

    async summary(ctx, patientId) {
      await assertPatientAccess(database.db, ctx, patientId);
      const consents = await load(database.db, ctx, patientId);
      const now = clock();
      const decisions = CONSENT_PURPOSES.map((purpose) => decideConsent(consents, purpose, now));
      await audit.record(ctx, { action: 'read', outcome: 'success', resourceType: 'Consent', patientId, detail: { view: 'consent-summary' } });
      return decisions;
    },
  };
}
