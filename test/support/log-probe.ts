/**
 * Run by logs.int.test.ts in a child process: drives the real app at log level `trace`
 * through sign-in, an authenticated call, failures and sign-out, so the parent can read
 * everything pino wrote to stdout. Prints the secrets it used on stderr for the parent.
 */
import { openTestDatabase } from './database.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { createServices } from '../../src/platform/services.ts';
import { PASSWORD, seedTenants, testConfig } from './tenants.ts';

const t = await openTestDatabase('pglite');
await seedTenants(t.database.db);
const services = createServices({ config: testConfig(), database: t.database, clock: () => new Date() });
const app = await buildApp(services, { webDist: false, logLevel: 'trace' });
const login = await app.inject({ method: 'POST', url: '/api/auth/login?next=/patients', payload: { email: 'nurse@a.test', password: PASSWORD } });
const session = login.cookies.find((c) => c.name === 'wellage_session')?.value ?? '';
const cookie = `wellage_session=${session}`;
const created = await app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { label: 'probe' } });
const apiToken = (created.json() as { token: string }).token;
await app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${apiToken}` } });
await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nurse@a.test', password: 'Wrong-Secret-Guess-42' } });
await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nurse@a.test', password: 'Overlong-'.repeat(40) } });
await app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: { email: 'x@a.test', displayName: 'Y', role: 'nurse', password: 'Created-Secret-77' } });
await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
await app.close();
await t.drop();
process.stderr.write(`${JSON.stringify({ session, apiToken, statuses: [login.statusCode, created.statusCode] })}\n`);
