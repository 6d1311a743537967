/**
 * Applies the committed SQL migrations in ./migrations, in file-name order, each in its
 * own transaction, recording what ran in `schema_migration`. Safe to run at every start
 * and from several processes at once (a PostgreSQL advisory lock serialises them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { execute, type Database } from './database.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Arbitrary constant naming WellAge's migration lock. */
const MIGRATION_LOCK_KEY = 741_852_963;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export function listMigrations(dir = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  await database.execScript(
    'create table if not exists schema_migration (name text primary key, applied_at timestamptz not null default now())',
  );
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const name of listMigrations(dir)) {
    const done = await database.transaction(async (tx) => {
      await execute(tx, sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      const rows = await execute(tx, sql`select 1 as done from schema_migration where name = ${name}`);
      return rows.length > 0;
    });
    if (done) {
      alreadyApplied.push(name);
      continue;
    }
    const script = fs.readFileSync(path.join(dir, name), 'utf8');
    // The script and its bookkeeping row commit together, or not at all. The lock is
    // taken again inside, and the check repeated, in case another process got there first.
    await database.execScript(
      `begin;
       select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY});
       do $$ begin
         if exists (select 1 from schema_migration where name = '${name}') then
           raise exception 'wellage-migration-already-applied';
         end if;
       end $$;
       ${script}
       ;
       insert into schema_migration (name) values ('${name}');
       commit;`,
    ).catch(async (e: unknown) => {
      await database.execScript('rollback').catch(() => undefined);
      if (String(e).includes('wellage-migration-already-applied')) return;
      throw new Error(`Migration ${name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    applied.push(name);
  }
  return { applied, alreadyApplied };
}
