/**
 * `wellage serve` (and `npm start`): migrate, seed the demo into an empty database, serve
 * the API and the web app, print where and how to sign in. Stops cleanly on SIGINT/SIGTERM.
 */
import type { Config } from '../platform/config.ts';
import { buildApp, WEB_DIST } from '../platform/http/app.ts';
import { describeDatabase, openPlatform } from '../platform/runtime.ts';
import { isDemoSeeded, seedDemo } from '../platform/seed/demo.ts';
import { shippedKnowledgeBase } from '../plans/index.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, DEMO_ROLES, demoEmail } from '../platform/seed/demo-users.ts';
import fs from 'node:fs';
import { clinic } from '../platform/db/schema.ts';
import { startFileSweeper } from '../platform/files/sweeper.ts';

const say = (text: string): void => void process.stdout.write(`${text}\n`);

export async function serveCommand(config: Config, opts: { seed: boolean }): Promise<void> {
  // Shipped content is validated before anything is served: a knowledge-base entry that
  // breaks its schema stops start-up with the file, entry and field, not a bad plan later.
  shippedKnowledgeBase();
  const platform = await openPlatform(config);
  const { services, database } = platform;
  if (platform.migrations.applied.length > 0) say(`Applied migrations: ${platform.migrations.applied.join(', ')}`);

  let demo = await isDemoSeeded(database);
  if (!demo && opts.seed && config.seedDemo) {
    const empty = await database.db.$count(clinic);
    if (empty === 0) {
      say('Seeding the synthetic demo clinic (first start)…');
      const started = Date.now();
      await seedDemo(services);
      say(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      demo = true;
    }
  }

  const app = await buildApp(services);
  const sweeper = startFileSweeper(services.files, { graceHours: config.unattachedFileHours, log: app.log });
  const close = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'shutting down');
    sweeper.stop();
    await app.close();
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  say('');
  say(`WellAge is running at ${url}`);
  say(`  API docs: ${url}/docs    FHIR R4: ${url}/fhir/R4/metadata`);
  say(`  Data: ${describeDatabase(config)}`);
  if (!fs.existsSync(WEB_DIST)) say('  Web app not built: run `npm run build:web` (npm start does it for you).');
  if (demo) {
    say('');
    say(`Demo logins (synthetic data only; password for all: ${DEMO_PASSWORD})`);
    for (const clinic of DEMO_CLINICS) {
      say(`  ${clinic.name}`);
      for (const role of DEMO_ROLES) say(`    ${role.padEnd(10)} ${demoEmail(clinic, role)}`);
    }
  }
  say('');
}
