/**
 * Wires the platform's services from their dependencies. Interfaces (HTTP, CLI) receive
 * this object and never build services themselves.
 */
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import type { Database } from './db/database.ts';
import { createAuditLog, type AuditLog } from './audit/audit.service.ts';
import { createAuthService, type AuthService } from './auth/auth.service.ts';
import { createConsentService, type ConsentService } from './consent/consent.service.ts';
import { createFhirRepository, type FhirRepository } from './fhir/repository.ts';
import { createLocalBlobStore, type BlobStore } from './files/blob-store.ts';
import { createFileService, type FileService } from './files/files.service.ts';
import { createRiskService, type RiskService } from '../risk/risk.service.ts';
import { createIntakeService, type IntakeService } from '../intake/intake.service.ts';
import { createPlansService, type PlansService } from '../plans/plans.service.ts';
import { createLesionService, type LesionService } from '../lesion/lesion.service.ts';
import path from 'node:path';

export interface PlatformDeps {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  /** Where files go; defaults to a folder under the data directory. */
  readonly blobs?: BlobStore;
}

export interface Services {
  readonly deps: PlatformDeps;
  readonly audit: AuditLog;
  readonly auth: AuthService;
  readonly consent: ConsentService;
  readonly fhir: FhirRepository;
  readonly files: FileService;
  readonly risk: RiskService;
  readonly intake: IntakeService;
  readonly plans: PlansService;
  readonly lesion: LesionService;
}

export function createServices(deps: PlatformDeps): Services {
  const { database, clock, config } = deps;
  const audit = createAuditLog({ database, clock });
  const consent = createConsentService({ database, clock, audit });
  const fhir = createFhirRepository({ database, clock, audit });
  const auth = createAuthService({ database, clock, config, audit });
  const blobs = deps.blobs ?? createLocalBlobStore(path.join(config.dataDir, 'files'));
  const files = createFileService({ database, clock, config, audit, blobs });
  const risk = createRiskService({ database, clock, fhir, consent, audit });
  const intake = createIntakeService({ database, clock, fhir, consent, audit });
  const plans = createPlansService({ database, clock, fhir, consent, audit, intake, risk });
  const lesion = createLesionService({ database, clock, fhir, consent, audit, files });
  return { deps, audit, auth, consent, fhir, files, risk, intake, plans, lesion };
}
