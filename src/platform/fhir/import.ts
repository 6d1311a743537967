/**
 * Whole-record import and export, for the CLI (`wellage import`, `wellage export`) and
 * scripts. Import goes through the same repository (validation, references, access,
 * audit) as the REST API.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { RequestContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { FhirRepository } from './repository.ts';

export interface ImportResult {
  readonly created: number;
  readonly updated: number;
  /** Ids of the Patients created or updated. */
  readonly patients: string[];
  /** Batch entries that failed (a transaction either fails whole or has none). */
  readonly failed: number;
}

/**
 * Imports a transaction or batch Bundle as is. A `collection` (or `searchset`) Bundle is
 * imported as one transaction that POSTs every entry, its fullUrls kept as placeholders so
 * references between entries still resolve.
 * A batch whose entries fail reports the first failure as the thrown error only when
 * nothing at all was written; otherwise the counts cover what succeeded.
 */
export async function importBundle(repo: FhirRepository, ctx: RequestContext, bundle: Bundle, baseUrl: string): Promise<ImportResult> {
  let input: Bundle = bundle;
  if (bundle.resourceType === 'Bundle' && (bundle.type === 'collection' || bundle.type === 'searchset')) {
    input = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: (bundle.entry ?? []).map(
        (e): BundleEntry => ({
          fullUrl: e.fullUrl ?? (e.resource?.id ? `${e.resource.resourceType}/${e.resource.id}` : undefined),
          resource: e.resource,
          request: { method: 'POST', url: e.resource?.resourceType ?? '' },
        }),
      ),
    };
  }
  const response = await repo.processBundle(ctx, input, baseUrl);
  let created = 0;
  let updated = 0;
  const patients = new Set<string>();
  const requests = input.entry ?? [];
  let firstFailure: BundleEntry | undefined;
  let failed = 0;
  (response.entry ?? []).forEach((e, i) => {
    const code = Number.parseInt(e.response?.status ?? '', 10);
    const method = requests[i]?.request?.method;
    const location = e.response?.location ?? '';
    const wrote = code === 201 || (code === 200 && method === 'PUT');
    if (code === 201) created++;
    else if (code === 200 && method === 'PUT') updated++;
    else if (code >= 400) {
      failed++;
      firstFailure ??= e;
    }
    if (wrote && location.startsWith('Patient/')) patients.add(location.split('/')[1] as string);
  });
  if (firstFailure && created === 0 && updated === 0) {
    const issue = firstFailure.response?.outcome?.issue?.[0];
    throw new AppError('INVALID_RESOURCE', issue?.diagnostics ?? 'No entry of the bundle could be imported', {
      field: issue?.expression?.[0],
    });
  }
  return { created, updated, patients: [...patients], failed };
}

/** Everything about one Patient as a FHIR Bundle (Patient/$everything). */
export async function exportPatient(repo: FhirRepository, ctx: RequestContext, patientId: string, baseUrl: string): Promise<Bundle> {
  const bundle = await repo.everything(ctx, patientId, baseUrl);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: (bundle.entry ?? []).map((e) => ({ fullUrl: e.fullUrl, resource: e.resource })),
  };
}
