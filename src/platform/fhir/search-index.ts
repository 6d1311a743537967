/**
 * Extracts the rows of `fhir_search_index` from a resource: one row per value of each
 * indexed R4 search parameter of its type. Pure.
 *
 * - token: (system, code) per Coding / Identifier; bare codes, booleans, ContactPoint values with no system
 * - reference: the reference string (`Type/id`, version stripped)
 * - date: [date_start, date_end) from date, dateTime, instant and Period
 * - string: normalized text (lower case, accents removed), one row per name/address part
 * - uri: the value as is
 */
import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { dateRange } from './dates.ts';
import { searchParamsFor, type IndexedParamType } from './definitions.ts';
import { parseReference } from './references.ts';

export interface IndexRow {
  readonly param: string;
  readonly system: string | null;
  readonly value: string | null;
  readonly date_start: string | null;
  readonly date_end: string | null;
}

/** Lower case, accents and surrounding space removed: `Guzmán` → `guzman`. */
export function normalizeText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/** Index values are capped so one huge string cannot bloat the index. */
const MAX_INDEXED_CHARS = 512;

export function indexRows(resource: Resource): IndexRow[] {
  const rows: IndexRow[] = [];
  const seen = new Set<string>();
  const push = (row: IndexRow): void => {
    const key = `${row.param}\u0000${row.system}\u0000${row.value}\u0000${row.date_start}\u0000${row.date_end}`;
    if (seen.has(key)) return;
    seen.add(key);
    rows.push(row);
  };
  const input = [toTypedValue(resource)];
  for (const def of searchParamsFor(resource.resourceType).values()) {
    let values: TypedValue[];
    try {
      values = evalFhirPathTyped(def.atom, input);
    } catch {
      continue; // an expression that cannot apply to this shape indexes nothing
    }
    for (const tv of values) for (const row of rowsFor(def.code, def.type, tv)) push(row);
  }
  return rows;
}

function row(param: string, system: string | null, value: string | null): IndexRow {
  return { param, system, value: value === null ? null : value.slice(0, MAX_INDEXED_CHARS), date_start: null, date_end: null };
}

function rowsFor(param: string, type: IndexedParamType, tv: TypedValue): IndexRow[] {
  const v = tv.value as unknown;
  if (v === undefined || v === null) return [];
  switch (type) {
    case 'token':
      return tokenRows(param, v);
    case 'reference': {
      const ref = typeof v === 'string' ? v : (v as { reference?: unknown }).reference;
      if (typeof ref !== 'string') return [];
      const p = parseReference(ref);
      return [row(param, null, p.kind === 'literal' ? `${p.type}/${p.id}` : ref)];
    }
    case 'date':
      return dateRows(param, v);
    case 'string':
      return stringRows(param, v);
    case 'uri':
      return typeof v === 'string' ? [row(param, null, v)] : [];
  }
}

function tokenRows(param: string, v: unknown): IndexRow[] {
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return [row(param, null, String(v))];
  if (typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.coding)) {
    // CodeableConcept: one row per coding
    return (o.coding as Record<string, unknown>[]).flatMap((c) => codingRow(param, c));
  }
  if ('code' in o) return codingRow(param, o);
  if ('value' in o && typeof o.value === 'string') {
    // Identifier (system|value); ContactPoint's system is phone/email, not a URI, so drop it
    const isContact = 'use' in o && !('type' in o) && ['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'].includes(String(o.system));
    return [row(param, isContact ? null : typeof o.system === 'string' ? o.system : null, o.value)];
  }
  return [];
}

function codingRow(param: string, c: Record<string, unknown>): IndexRow[] {
  if (typeof c.code !== 'string') return [];
  return [row(param, typeof c.system === 'string' ? c.system : null, c.code)];
}

function dateRows(param: string, v: unknown): IndexRow[] {
  if (typeof v === 'string') {
    const r = dateRange(v);
    return r ? [{ param, system: null, value: null, date_start: r.start, date_end: r.end }] : [];
  }
  if (typeof v === 'object') {
    const p = v as { start?: unknown; end?: unknown };
    if (p.start === undefined && p.end === undefined) return [];
    const s = typeof p.start === 'string' ? dateRange(p.start) : undefined;
    const e = typeof p.end === 'string' ? dateRange(p.end) : undefined;
    // An open end means "still going": null reads as infinity in searches.
    return [{ param, system: null, value: null, date_start: s?.start ?? null, date_end: e?.end ?? null }];
  }
  return [];
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function stringRows(param: string, v: unknown): IndexRow[] {
  if (typeof v === 'string') return [row(param, null, normalizeText(v))];
  if (typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  const parts = 'family' in o || 'given' in o ? NAME_PARTS : ADDRESS_PARTS;
  const out: IndexRow[] = [];
  for (const k of parts) {
    const val = o[k];
    for (const s of Array.isArray(val) ? val : [val]) if (typeof s === 'string') out.push(row(param, null, normalizeText(s)));
  }
  return out;
}
