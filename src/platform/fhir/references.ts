/**
 * References inside a resource: finding them (with the FHIRPath of each), classifying
 * them, and rewriting them. Pure functions; the repository decides what each one means.
 */
import type { Resource } from '@medplum/fhirtypes';

/** FHIR id: 1-64 letters, digits, '-' and '.' (http://hl7.org/fhir/R4/datatypes.html#id). */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export type ParsedReference =
  | { kind: 'literal'; type: string; id: string; version?: string | undefined }
  | { kind: 'contained'; id: string }
  | { kind: 'placeholder'; value: string }
  | { kind: 'conditional'; type: string; query: string }
  | { kind: 'external'; value: string }
  | { kind: 'invalid'; value: string };

const LITERAL = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const CONDITIONAL = /^([A-Z][A-Za-z]{1,63})\?(.+)$/;

/**
 * Classifies a Reference.reference string. `baseUrl` (this server's FHIR base) turns
 * absolute URLs that point back here into literal references.
 */
export function parseReference(value: string, baseUrl?: string): ParsedReference {
  if (value.startsWith('#')) return { kind: 'contained', id: value.slice(1) };
  if (value.startsWith('urn:uuid:') || value.startsWith('urn:oid:')) return { kind: 'placeholder', value };
  let rel = value;
  if (baseUrl && value.startsWith(`${baseUrl}/`)) rel = value.slice(baseUrl.length + 1);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { kind: 'external', value };
  const lit = LITERAL.exec(rel);
  if (lit) return { kind: 'literal', type: lit[1] as string, id: lit[2] as string, version: lit[3] };
  const cond = CONDITIONAL.exec(rel);
  if (cond) return { kind: 'conditional', type: cond[1] as string, query: cond[2] as string };
  return { kind: 'invalid', value };
}

export interface FoundReference {
  /** FHIRPath of the Reference element, e.g. `Observation.performer[0]`. */
  readonly path: string;
  /** The Reference object itself (mutable: rewriting changes it in place). */
  readonly ref: { reference: string; [k: string]: unknown };
}

/**
 * Every Reference (an object with a string `reference`) in the resource, contained
 * resources included, in document order.
 */
export function findReferences(resource: Resource): FoundReference[] {
  const out: FoundReference[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.reference === 'string') out.push({ path, ref: obj as FoundReference['ref'] });
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'reference' || v === null || typeof v !== 'object') continue;
      walk(v, `${path}.${k}`);
    }
  };
  walk(resource, resource.resourceType);
  return out;
}

/**
 * Replaces reference strings found in `map` (e.g. `urn:uuid:…` → `Patient/123`), in
 * place, everywhere in the resource. Returns how many were replaced.
 */
export function rewriteReferences(resource: Resource, map: ReadonlyMap<string, string>): number {
  let n = 0;
  for (const { ref } of findReferences(resource)) {
    const to = map.get(ref.reference);
    if (to !== undefined) {
      ref.reference = to;
      n++;
    }
  }
  return n;
}
