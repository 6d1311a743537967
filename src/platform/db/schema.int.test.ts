/**
 * The SQL migrations are the source of truth; the Drizzle tables in schema.ts must say
 * the same thing, or typed queries silently read the wrong column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { is, sql } from 'drizzle-orm';
import { PgTable as PgTableClass } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';
import { execute } from './database.ts';
import { migrate } from './migrate.ts';
import { DB_KINDS, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';

const tables = (Object.values(schema) as unknown[]).filter((v): v is PgTable => is(v, PgTableClass));

describe.each(DB_KINDS)('schema on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t?.drop());

  it('has every Drizzle table and column, with the same types and nullability, in the migrated database', async () => {
    const rows = await execute<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      t.database.db,
      sql`select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public'`,
    );
    const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    expect(tables.length).toBeGreaterThan(5);
    for (const table of tables) {
      const config = getTableConfig(table);
      const sqlColumns = rows.filter((r) => r.table_name === config.name).map((r) => r.column_name).sort();
      expect(config.columns.map((c) => c.name).sort(), `columns of ${config.name}`).toEqual(sqlColumns);
      for (const column of config.columns) {
        const row = actual.get(`${config.name}.${column.name}`);
        expect(row, `${config.name}.${column.name}`).toBeDefined();
        expect(row!.is_nullable === 'NO', `${config.name}.${column.name} not null`).toBe(column.notNull);
        expect(row!.data_type, `${config.name}.${column.name} type`).toBe(normaliseType(column.getSQLType()));
      }
    }
  });

  it('re-running the migrations applies nothing and changes nothing', async () => {
    const again = await migrate(t.database);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.length).toBeGreaterThan(0);
  });
});

/** information_schema spells types out in full. */
function normaliseType(drizzleType: string): string {
  const map: Record<string, string> = {
    text: 'text',
    integer: 'integer',
    bigint: 'bigint',
    bigserial: 'bigint',
    boolean: 'boolean',
    jsonb: 'jsonb',
    'timestamp with time zone': 'timestamp with time zone',
  };
  return map[drizzleType] ?? drizzleType;
}
