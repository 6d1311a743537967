/**
 * SQL over the three FHIR tables. Parameterised queries only; bulk writes go through
 * `jsonb_to_recordset` so a 1,789-entry transaction is a handful of statements, not
 * thousands of round trips.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Resource } from '@medplum/fhirtypes';
import { execute, type Queryable } from '../db/database.ts';
import type { Principal } from '../context.ts';
import { visibleRowsSql } from './access.ts';
import type { IndexRow } from './search-index.ts';
import type { Filter, SearchRequest, SortKey } from './search-params.ts';

export interface StoredRow {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly clinicId: string;
  readonly patientId: string | null;
  readonly deleted: boolean;
  readonly content: Resource;
}

/** One new version of one resource, ready to write. */
export interface VersionWrite {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly clinicId: string;
  readonly patientId: string | null;
  /** null for a delete. */
  readonly content: Resource | null;
  readonly index: readonly IndexRow[];
}

type RawRow = {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date | string;
  clinic_id: string;
  patient_id: string | null;
  deleted: boolean;
  content: Resource | string;
};

function toRow(r: RawRow): StoredRow {
  return {
    resourceType: r.resource_type,
    id: r.id,
    versionId: Number(r.version_id),
    lastUpdated: new Date(r.last_updated).toISOString(),
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    deleted: r.deleted,
    content: orderKeys(typeof r.content === 'string' ? (JSON.parse(r.content) as Resource) : r.content),
  };
}

/** jsonb sorts keys by length; put resourceType first again, as FHIR JSON conventionally has it. */
export function orderKeys<T extends Resource | null>(r: T): T {
  if (!r) return r;
  const { resourceType, ...rest } = r as Resource;
  return { resourceType, ...rest } as T;
}

const ROW_COLUMNS = sql`r.resource_type, r.id, r.version_id, r.last_updated, r.clinic_id, r.patient_id, r.deleted, r.content`;

/** The current rows of the given `Type/id` keys (deleted ones included), by key. */
export async function getRows(q: Queryable, keys: readonly string[], forUpdate = false): Promise<Map<string, StoredRow>> {
  const out = new Map<string, StoredRow>();
  if (keys.length === 0) return out;
  const rows = await execute<RawRow>(
    q,
    sql`select ${ROW_COLUMNS} from fhir_resource r
        where (r.resource_type, r.id) in (
          select split_part(k, '/', 1), split_part(k, '/', 2) from jsonb_array_elements_text(${JSON.stringify([...new Set(keys)])}::jsonb) as k
        ) ${forUpdate ? sql`for update` : sql``}`,
  );
  for (const raw of rows) {
    const row = toRow(raw);
    out.set(`${row.resourceType}/${row.id}`, row);
  }
  return out;
}

export async function getRow(q: Queryable, type: string, id: string, forUpdate = false): Promise<StoredRow | undefined> {
  return (await getRows(q, [`${type}/${id}`], forUpdate)).get(`${type}/${id}`);
}

/** Writes new versions (current row, history, index) in bulk. */
export async function writeVersions(q: Queryable, writes: readonly VersionWrite[]): Promise<void> {
  if (writes.length === 0) return;
  // Chunks keep each statement's JSON parameter moderate (a few MB at most).
  for (const chunk of chunked(writes, 400)) {
    const current = chunk.map((w) => ({
      resource_type: w.resourceType,
      id: w.id,
      version_id: w.versionId,
      last_updated: w.lastUpdated,
      clinic_id: w.clinicId,
      patient_id: w.patientId,
      deleted: w.content === null,
      content: w.content,
    }));
    const json = JSON.stringify(current);
    await execute(
      q,
      sql`insert into fhir_resource (resource_type, id, version_id, last_updated, clinic_id, patient_id, deleted, content)
          select resource_type, id, version_id, last_updated, clinic_id, patient_id, deleted,
                 coalesce(content, (select f.content from fhir_resource f where f.resource_type = x.resource_type and f.id = x.id))
          from jsonb_to_recordset(${json}::jsonb) as x(resource_type text, id text, version_id integer, last_updated timestamptz,
               clinic_id text, patient_id text, deleted boolean, content jsonb)
          on conflict (resource_type, id) do update set
            version_id = excluded.version_id, last_updated = excluded.last_updated, clinic_id = excluded.clinic_id,
            patient_id = excluded.patient_id, deleted = excluded.deleted, content = excluded.content`,
    );
    await execute(
      q,
      sql`insert into fhir_resource_history (resource_type, id, version_id, last_updated, deleted, content)
          select resource_type, id, version_id, last_updated, deleted, content
          from jsonb_to_recordset(${json}::jsonb) as x(resource_type text, id text, version_id integer, last_updated timestamptz,
               deleted boolean, content jsonb)`,
    );
    await execute(
      q,
      sql`delete from fhir_search_index i using jsonb_to_recordset(${JSON.stringify(
        chunk.map((w) => ({ resource_type: w.resourceType, id: w.id })),
      )}::jsonb) as x(resource_type text, id text)
          where i.resource_type = x.resource_type and i.id = x.id`,
    );
  }
  const index = writes.flatMap((w) =>
    w.index.map((r) => ({ resource_type: w.resourceType, id: w.id, ...r })),
  );
  for (const chunk of chunked(index, 5000)) {
    await execute(
      q,
      sql`insert into fhir_search_index (resource_type, id, param, system, value, date_start, date_end)
          select * from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(resource_type text, id text, param text,
               system text, value text, date_start timestamptz, date_end timestamptz)`,
    );
  }
}

/**
 * Refreshes the planner's statistics of the FHIR tables. PGlite runs no autovacuum, and
 * without statistics after a bulk import PostgreSQL picks nested loops that turn a 5 ms
 * search into seconds.
 */
export async function analyzeTables(q: Queryable): Promise<void> {
  await execute(q, sql`analyze fhir_resource`);
  await execute(q, sql`analyze fhir_search_index`);
}

function* chunked<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface HistoryRow {
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly deleted: boolean;
  readonly content: Resource | null;
}

export async function getHistory(q: Queryable, type: string, id: string, version?: number, limit = 1000): Promise<HistoryRow[]> {
  const rows = await execute<{ version_id: number; last_updated: Date | string; deleted: boolean; content: Resource | string | null }>(
    q,
    sql`select version_id, last_updated, deleted, content from fhir_resource_history
        where resource_type = ${type} and id = ${id} ${version === undefined ? sql`` : sql`and version_id = ${version}`}
        order by version_id desc limit ${limit}`,
  );
  return rows.map((r) => ({
    versionId: Number(r.version_id),
    lastUpdated: new Date(r.last_updated).toISOString(),
    deleted: r.deleted,
    content: orderKeys(typeof r.content === 'string' ? (JSON.parse(r.content) as Resource) : r.content),
  }));
}

// ---------------------------------------------------------------- search

/** Rows whose index has a value of `param` meeting `cond`; a semi-join the planner can hash. */
function idx(type: string, param: string, cond: SQL): SQL {
  return sql`r.id in (select i.id from fhir_search_index i where i.resource_type = ${type} and i.param = ${param} and (${cond}))`;
}

function or(parts: SQL[]): SQL {
  return parts.length === 1 ? (parts[0] as SQL) : sql`(${sql.join(parts, sql` or `)})`;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** [S, E) against the search range [ps, pe), per http://hl7.org/fhir/R4/search.html#prefix */
function dateCond(prefix: string, s: SQL, e: SQL, start: string, end: string): SQL {
  const ps = sql`${start}::timestamptz`;
  const pe = sql`${end}::timestamptz`;
  switch (prefix) {
    case 'ne':
      return sql`not (${s} >= ${ps} and ${e} <= ${pe})`;
    case 'lt':
      return sql`${s} < ${ps}`;
    case 'le':
      return sql`${s} < ${pe}`;
    case 'gt':
      return sql`${e} > ${pe}`;
    case 'ge':
      return sql`${e} > ${ps}`;
    case 'sa':
      return sql`${s} >= ${pe}`;
    case 'eb':
      return sql`${e} <= ${ps}`;
    default:
      return sql`(${s} >= ${ps} and ${e} <= ${pe})`;
  }
}

function filterSql(type: string, f: Filter): SQL {
  switch (f.kind) {
    case 'id':
      return or(f.values.map((v) => sql`r.id = ${v}`));
    case 'lastUpdated':
      return dateCond(f.prefix, sql`r.last_updated`, sql`(r.last_updated + interval '1 millisecond')`, f.start, f.end);
    case 'token': {
      const cond = or(
        f.values.map((t) => {
          const parts: SQL[] = [];
          if (t.system === null) parts.push(sql`i.system is null`);
          else if (t.system !== undefined) parts.push(sql`i.system = ${t.system}`);
          if (t.code !== undefined) parts.push(sql`i.value = ${t.code}`);
          return parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`true`;
        }),
      );
      return f.not ? sql`not ${idx(type, f.param, cond)}` : idx(type, f.param, cond);
    }
    case 'reference':
      return idx(
        type,
        f.param,
        or(f.values.map((v) => (v.startsWith('*/') ? sql`i.value like ${`%/${likeEscape(v.slice(2))}`}` : sql`i.value = ${v}`))),
      );
    case 'date':
      return idx(
        type,
        f.param,
        sql`(i.date_start is not null or i.date_end is not null) and ${dateCond(
          f.prefix,
          sql`coalesce(i.date_start, '-infinity'::timestamptz)`,
          sql`coalesce(i.date_end, 'infinity'::timestamptz)`,
          f.start,
          f.end,
        )}`,
      );
    case 'string':
      return idx(
        type,
        f.param,
        or(f.values.map((v) => (f.match === 'exact' ? sql`i.value = ${v}` : sql`i.value like ${`%${likeEscape(v)}%`}`))),
      );
    case 'uri':
      return idx(type, f.param, or(f.values.map((v) => sql`i.value = ${v}`)));
  }
}

function sortSql(keys: readonly SortKey[], dateParams: ReadonlySet<string>): SQL {
  const parts: SQL[] = keys.map((k) => {
    const dir = k.descending ? sql`desc nulls last` : sql`asc nulls last`;
    if (k.param === '_lastUpdated') return sql`r.last_updated ${dir}`;
    if (k.param === '_id') return sql`r.id ${dir}`;
    const col = dateParams.has(k.param) ? sql`i.date_start` : sql`i.value`;
    const agg = k.descending ? sql`max(${col})` : sql`min(${col})`;
    return sql`(select ${agg} from fhir_search_index i where i.resource_type = r.resource_type and i.id = r.id
                and i.param = ${k.param}) ${dir}`;
  });
  if (keys.length === 0) parts.push(sql`r.last_updated desc`);
  parts.push(sql`r.id asc`);
  return sql.join(parts, sql`, `);
}

function whereSql(p: Principal, req: SearchRequest, extra?: SQL): SQL {
  const conds: SQL[] = [sql`r.resource_type = ${req.resourceType}`, sql`not r.deleted`, visibleRowsSql(p)];
  for (const f of req.filters) conds.push(filterSql(req.resourceType, f));
  if (extra) conds.push(extra);
  return sql.join(conds, sql` and `);
}

/** One page of matches (visible to `p`) and the total count. */
export async function searchRows(
  q: Queryable,
  p: Principal,
  req: SearchRequest,
  dateParams: ReadonlySet<string>,
): Promise<{ rows: StoredRow[]; total: number }> {
  const where = whereSql(p, req);
  const [countRow] = await execute<{ n: number | string }>(q, sql`select count(*) as n from fhir_resource r where ${where}`);
  const total = Number(countRow?.n ?? 0);
  if (req.summaryCount || req.count === 0 || total === 0) return { rows: [], total };
  const rows = await execute<RawRow>(
    q,
    sql`select ${ROW_COLUMNS} from fhir_resource r where ${where}
        order by ${sortSql(req.sort, dateParams)} limit ${req.count} offset ${req.offset}`,
  );
  return { rows: rows.map(toRow), total };
}

/** Every current, visible resource in a Patient's compartment. */
export async function compartmentRows(q: Queryable, p: Principal, patientId: string): Promise<StoredRow[]> {
  const rows = await execute<RawRow>(
    q,
    sql`select ${ROW_COLUMNS} from fhir_resource r
        where r.patient_id = ${patientId} and not r.deleted and ${visibleRowsSql(p)}
        order by r.resource_type, r.id`,
  );
  return rows.map(toRow);
}
