/**
 * Databases for integration tests. `DB_KINDS` is the list each `*.int.test.ts` runs
 * against: PGlite always, and the PostgreSQL server when one answers at
 * WELLAGE_TEST_DATABASE_URL (default: the local server's `test` database). In CI
 * (CI=true) the server is required, so a missing server fails instead of skipping.
 *
 * Each test database on the server is a fresh `CREATE DATABASE`, dropped afterwards, so
 * test files run in parallel without seeing each other's rows.
 */
import pg from 'pg';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';

export const SERVER_URL = process.env.WELLAGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DbKind = 'pglite' | 'postgres';

async function serverAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const serverAvailable = await serverAnswers();
if (!serverAvailable && process.env.CI === 'true') {
  throw new Error(`CI needs the PostgreSQL server at ${SERVER_URL}, and it does not answer`);
}

export const DB_KINDS: DbKind[] = serverAvailable ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  database: Database;
  /** The server URL of this test's own database (postgres kind only). */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh database of the given kind, migrated unless `migrated: false`. */
export async function openTestDatabase(kind: DbKind, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' });
    if (migrated) await migrate(database);
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `wellage_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  if (migrated) await migrate(database);
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
