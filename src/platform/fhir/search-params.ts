/**
 * Parses a FHIR search query string into a typed request, refusing anything WellAge
 * does not answer (UNSUPPORTED_SEARCH naming the parameter) rather than ignoring it.
 * Pure. Semantics: http://hl7.org/fhir/R4/search.html
 */
import { AppError } from '../errors.ts';
import { dateRange } from './dates.ts';
import { searchParamsFor } from './definitions.ts';
import { ID_PATTERN, parseReference } from './references.ts';
import { normalizeText } from './search-index.ts';

export const DATE_PREFIXES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

export interface TokenValue {
  /** undefined: any system; null: no system (`|code`). */
  readonly system?: string | null | undefined;
  readonly code?: string | undefined;
}

export type Filter =
  | { kind: 'id'; values: string[] }
  | { kind: 'lastUpdated'; prefix: DatePrefix; start: string; end: string }
  | { kind: 'token'; param: string; not: boolean; values: TokenValue[] }
  | { kind: 'reference'; param: string; values: string[] }
  | { kind: 'date'; param: string; prefix: DatePrefix; start: string; end: string }
  | { kind: 'string'; param: string; match: 'contains' | 'exact' | 'starts'; values: string[] }
  | { kind: 'uri'; param: string; values: string[] };

export interface SortKey {
  /** `_lastUpdated`, `_id` or an indexed parameter code. */
  readonly param: string;
  readonly descending: boolean;
}

export interface SearchRequest {
  readonly resourceType: string;
  readonly filters: Filter[];
  readonly count: number;
  readonly offset: number;
  readonly sort: SortKey[];
  /** `_summary=count`: the total only. */
  readonly summaryCount: boolean;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;
/** Parameters that change nothing in a JSON-only server. */
const IGNORED = new Set(['_format', '_pretty']);

function unsupported(param: string, why: string): AppError {
  return new AppError('UNSUPPORTED_SEARCH', `${param}: ${why}`, { field: param });
}

function parseIntParam(name: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(raw)) throw new AppError('UNSUPPORTED_SEARCH', `${name}: must be a whole number`, { field: name });
  const n = Number(raw);
  if (n < min || n > max) {
    throw new AppError('UNSUPPORTED_SEARCH', `${name}: must be between ${min} and ${max}`, { field: name });
  }
  return n;
}

function splitValues(raw: string): string[] {
  // Commas separate alternatives (OR); `\,` is a literal comma.
  return raw
    .split(/(?<!\\),/)
    .map((s) => s.replace(/\\,/g, ','))
    .filter((s) => s !== '');
}

export function parseDateValue(name: string, raw: string): { prefix: DatePrefix; start: string; end: string } {
  const prefix = (DATE_PREFIXES as readonly string[]).includes(raw.slice(0, 2)) ? (raw.slice(0, 2) as DatePrefix) : 'eq';
  const rest = raw.slice(0, 2) === prefix ? raw.slice(2) : raw;
  const range = dateRange(rest);
  if (!range) {
    throw new AppError('UNSUPPORTED_SEARCH', `${name}: "${rest.slice(0, 40)}" is not a FHIR date`, { field: name });
  }
  return { prefix, ...range };
}

/** Parses `params` for `resourceType`. Throws UNSUPPORTED_SEARCH naming the first bad parameter. */
export function parseSearch(resourceType: string, params: URLSearchParams): SearchRequest {
  const defs = searchParamsFor(resourceType);
  const filters: Filter[] = [];
  let count = DEFAULT_COUNT;
  let offset = 0;
  let sort: SortKey[] = [];
  let summaryCount = false;
  for (const [key, raw] of params) {
    const [name, modifier, ...extra] = key.split(':') as [string, string | undefined, ...string[]];
    if (IGNORED.has(name)) continue;
    if (extra.length > 0) throw unsupported(key, 'chained or multiple modifiers are not supported');
    const noModifier = (): void => {
      if (modifier !== undefined) throw unsupported(key, `the modifier :${modifier} is not supported here`);
    };
    switch (name) {
      case '_count':
        noModifier();
        count = parseIntParam('_count', raw, 0, MAX_COUNT);
        continue;
      case '_offset':
        noModifier();
        offset = parseIntParam('_offset', raw, 0, 100_000_000);
        continue;
      case '_summary':
        noModifier();
        if (raw !== 'count' && raw !== 'false') throw unsupported('_summary', 'only _summary=count is supported');
        summaryCount = raw === 'count';
        continue;
      case '_total':
        noModifier();
        continue; // the total is always given
      case '_sort':
        noModifier();
        sort = raw.split(',').map((s) => {
          const descending = s.startsWith('-');
          const param = descending ? s.slice(1) : s;
          if (param !== '_lastUpdated' && param !== '_id') {
            const def = defs.get(param);
            if (!def) throw unsupported('_sort', `cannot sort ${resourceType} by "${param.slice(0, 64)}"`);
          }
          return { param, descending };
        });
        continue;
      case '_id': {
        noModifier();
        const values = splitValues(raw);
        for (const v of values) if (!ID_PATTERN.test(v)) throw unsupported('_id', 'not a valid id');
        filters.push({ kind: 'id', values });
        continue;
      }
      case '_lastUpdated':
        noModifier();
        filters.push({ kind: 'lastUpdated', ...parseDateValue('_lastUpdated', raw) });
        continue;
    }
    if (name.startsWith('_')) throw unsupported(name, 'this search parameter is not supported');
    const def = defs.get(name);
    if (!def) throw unsupported(name, `${resourceType} has no search parameter "${name.slice(0, 64)}"`);
    const values = splitValues(raw);
    if (values.length === 0) throw unsupported(name, 'a value is required');
    switch (def.type) {
      case 'token': {
        if (modifier !== undefined && modifier !== 'not') throw unsupported(key, `the modifier :${modifier} is not supported`);
        filters.push({ kind: 'token', param: name, not: modifier === 'not', values: values.map(parseToken) });
        break;
      }
      case 'reference': {
        // `Patient/123`, `123` (any target type) or a `:Patient` type modifier
        if (modifier !== undefined && !/^[A-Z][A-Za-z]+$/.test(modifier)) {
          throw unsupported(key, `the modifier :${modifier} is not supported`);
        }
        filters.push({ kind: 'reference', param: name, values: values.map((v) => parseReferenceValue(key, v, modifier)) });
        break;
      }
      case 'date': {
        noModifier();
        if (values.length > 1) throw unsupported(name, 'give one date per parameter; repeat the parameter for AND');
        filters.push({ kind: 'date', param: name, ...parseDateValue(name, values[0] as string) });
        break;
      }
      case 'string': {
        if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') {
          throw unsupported(key, `the modifier :${modifier} is not supported`);
        }
        // Without a modifier WellAge matches anywhere in the text (a superset of FHIR's
        // starts-with), which is what a patient-list search box needs.
        filters.push({
          kind: 'string',
          param: name,
          match: modifier === 'exact' ? 'exact' : 'contains',
          values: values.map(normalizeText),
        });
        break;
      }
      case 'uri':
        noModifier();
        filters.push({ kind: 'uri', param: name, values });
        break;
    }
  }
  return { resourceType, filters, count, offset, sort, summaryCount };
}

function parseToken(v: string): TokenValue {
  const bar = v.indexOf('|');
  if (bar < 0) return { code: v };
  const system = v.slice(0, bar);
  const code = v.slice(bar + 1);
  return { system: system === '' ? null : system, code: code === '' ? undefined : code };
}

/** `Patient/123` stays; `123` becomes `*\/123` (any type) unless a type modifier names one. */
function parseReferenceValue(key: string, v: string, typeModifier: string | undefined): string {
  const p = parseReference(v);
  if (p.kind === 'literal') return `${p.type}/${p.id}`;
  if (ID_PATTERN.test(v)) return typeModifier ? `${typeModifier}/${v}` : `*/${v}`;
  if (p.kind === 'external') return v;
  throw new AppError('UNSUPPORTED_SEARCH', `${key}: "${v.slice(0, 64)}" is not a reference`, { field: key });
}
