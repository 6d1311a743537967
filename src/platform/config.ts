/**
 * Configuration, parsed once from the environment into a typed, frozen object.
 *
 * Every variable, its default and its unit are listed in `ENV_TABLE` below; a bad value
 * stops start-up with one error that names every offending variable.
 */
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const positiveInt = z.coerce.number().int().positive();

/** The environment variables WellAge reads, with defaults and units. */
const ENV_TABLE = z.object({
  /** TCP port of the HTTP server. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Folder for the embedded PGlite database and stored files. */
  WELLAGE_DATA_DIR: z.string().min(1).default('./data'),
  /** A PostgreSQL server URL; when set, PGlite is not used. */
  DATABASE_URL: z.string().url().optional(),
  /** Largest accepted request body, bytes (FHIR bundles can be large). */
  WELLAGE_BODY_LIMIT_BYTES: positiveInt.default(16 * 1024 * 1024),
  /** Largest accepted streamed panel for batch risk scoring, bytes (read as it arrives). */
  WELLAGE_BATCH_LIMIT_BYTES: positiveInt.default(256 * 1024 * 1024),
  /** Largest accepted uploaded file, bytes. */
  WELLAGE_UPLOAD_LIMIT_BYTES: positiveInt.default(20 * 1024 * 1024),
  /** Largest accepted decoded image, pixels (width × height). */
  WELLAGE_UPLOAD_LIMIT_PIXELS: positiveInt.default(40_000_000),
  /** Web session lifetime, minutes. */
  WELLAGE_SESSION_TTL_MINUTES: positiveInt.default(8 * 60),
  /** Login attempts allowed per account and per client address in the window below. */
  WELLAGE_LOGIN_MAX_ATTEMPTS: positiveInt.default(5),
  /** Login rate-limit window, seconds. */
  WELLAGE_LOGIN_WINDOW_SECONDS: positiveInt.default(15 * 60),
  /** Mark cookies Secure (set when served behind https). */
  WELLAGE_SECURE_COOKIES: bool.default(false),
  /** Hours an upload may stay unattached to any record before the server's hourly sweep deletes it. */
  WELLAGE_UNATTACHED_FILE_HOURS: positiveInt.default(24),
  /** Seed the synthetic demo clinic on first start of an empty database. */
  WELLAGE_SEED_DEMO: bool.default(true),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly bodyLimitBytes: number;
  readonly batchLimitBytes: number;
  readonly uploadLimitBytes: number;
  readonly uploadLimitPixels: number;
  readonly sessionTtlMinutes: number;
  readonly loginMaxAttempts: number;
  readonly loginWindowSeconds: number;
  readonly secureCookies: boolean;
  readonly unattachedFileHours: number;
  readonly seedDemo: boolean;
  readonly logLevel: z.infer<typeof ENV_TABLE>['LOG_LEVEL'];
}

/** Thrown when the environment holds invalid values; the message names each one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (default: `process.env`) into a frozen Config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, so `DATABASE_URL= npm start` means "no server".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ENV_TABLE.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.WELLAGE_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    bodyLimitBytes: e.WELLAGE_BODY_LIMIT_BYTES,
    batchLimitBytes: e.WELLAGE_BATCH_LIMIT_BYTES,
    uploadLimitBytes: e.WELLAGE_UPLOAD_LIMIT_BYTES,
    uploadLimitPixels: e.WELLAGE_UPLOAD_LIMIT_PIXELS,
    sessionTtlMinutes: e.WELLAGE_SESSION_TTL_MINUTES,
    loginMaxAttempts: e.WELLAGE_LOGIN_MAX_ATTEMPTS,
    loginWindowSeconds: e.WELLAGE_LOGIN_WINDOW_SECONDS,
    secureCookies: e.WELLAGE_SECURE_COOKIES,
    unattachedFileHours: e.WELLAGE_UNATTACHED_FILE_HOURS,
    seedDemo: e.WELLAGE_SEED_DEMO,
    logLevel: e.LOG_LEVEL,
  });
}
