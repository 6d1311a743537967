/**
 * Opens the platform for an interface (server or CLI): the configured database, migrated,
 * and the services over it. `close` releases everything.
 */
import type { Config } from './config.ts';
import { systemClock, type Clock } from './clock.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate, type MigrationResult } from './db/migrate.ts';
import { createServices, type Services } from './services.ts';
import { closeSharedAnalyzers } from '../lesion/lesion.service.ts';

export interface Platform {
  readonly config: Config;
  readonly database: Database;
  readonly services: Services;
  readonly migrations: MigrationResult;
  close(): Promise<void>;
}

export async function openPlatform(config: Config, clock: Clock = systemClock): Promise<Platform> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const migrations = await migrate(database);
    const services = createServices({ config, database, clock });
    return {
      config,
      database,
      services,
      migrations,
      // The lesion model session is shared per process: released with the platform, not with one app.
      close: async () => {
        await closeSharedAnalyzers();
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/** Where the data lives, in words, for start-up messages. */
export function describeDatabase(config: Config): string {
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL server ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  return `embedded PGlite in ${config.dataDir}/pglite`;
}
