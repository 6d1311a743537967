/**
 * The CapabilityStatement served at GET /fhir/R4/metadata: every R4 resource type with
 * the interactions and search parameters this server really answers.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { allResourceTypes, searchParamsFor } from './definitions.ts';

const COMMON_PARAMS = [
  { name: '_id', type: 'token', documentation: 'Logical id; comma-separated for several' },
  { name: '_lastUpdated', type: 'date', documentation: 'Prefixes eq ne lt le gt ge sa eb; partial dates' },
  { name: '_count', type: 'number', documentation: 'Page size, default 20, at most 1000' },
  { name: '_offset', type: 'number', documentation: 'Paging: matches to skip (next/previous links carry it)' },
  { name: '_sort', type: 'special', documentation: '_lastUpdated, _id, or any parameter below (date params sort by start); "-" for descending' },
  { name: '_summary', type: 'token', documentation: 'count: the total only' },
] as const;

const cache = new Map<string, CapabilityStatement>();

export function capabilityStatement(baseUrl: string): CapabilityStatement {
  const cached = cache.get(baseUrl);
  if (cached) return cached;
  const resources: CapabilityStatementRestResource[] = allResourceTypes().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    interaction: (['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'] as const).map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    referencePolicy: ['literal', 'logical', 'local', 'enforced'],
    searchParam: [
      ...COMMON_PARAMS.map((p) => ({ ...p })),
      ...[...searchParamsFor(type).values()]
        .sort((a, b) => a.code.localeCompare(b.code))
        .map((p) => ({
          name: p.code,
          definition: p.url,
          type: p.type,
          documentation:
            p.type === 'string'
              ? 'Matches anywhere in the text, ignoring case and accents; :exact and :contains accepted'
              : p.type === 'token'
                ? 'code, system|code, |code, system|; :not accepted'
                : p.type === 'reference'
                  ? 'Type/id or a bare id'
                  : p.type === 'date'
                    ? 'Prefixes eq ne lt le gt ge sa eb; partial dates (2021, 2021-07)'
                    : undefined,
        })),
    ],
    ...(type === 'Patient' ? { operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }] } : {}),
  }));
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'WellAge', version: '0.1.0' },
    implementation: { description: 'WellAge FHIR R4 server', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Sign in with a session cookie or an API bearer token. Each clinic sees only its own data.',
        security: { cors: false, description: 'Session cookie or Authorization: Bearer token' },
        resource: resources,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
  // The base URL comes from the Host header: keep only a few, so odd hosts cannot grow memory.
  if (cache.size >= 8) cache.clear();
  cache.set(baseUrl, statement);
  return statement;
}
