/** The whole HTTP app over a fresh test database with the two seeded tenants. */
import type { FastifyInstance } from 'fastify';
import { openTestDatabase, type DbKind, type TestDatabase } from './database.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { createServices, type Services } from '../../src/platform/services.ts';
import { PASSWORD, seedTenants, testConfig } from './tenants.ts';
import { SESSION_COOKIE } from '../../src/platform/auth/credentials.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  t: TestDatabase;
  close(): Promise<void>;
  /** Signs in and returns the Cookie header value for later requests. */
  login(email: string, remoteAddress?: string): Promise<string>;
}

export async function openTestApp(kind: DbKind, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await openTestDatabase(kind);
  const services = createServices({ config: testConfig(env), database: t.database, clock: () => new Date() });
  await seedTenants(t.database.db);
  const app = await buildApp(services, { webDist: false, logLevel: 'silent' });
  await app.ready();
  return {
    app,
    services,
    t,
    async close() {
      await app.close();
      await t.drop();
    },
    async login(email, remoteAddress = '10.1.1.1') {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD }, remoteAddress });
      if (res.statusCode !== 200) throw new Error(`login of ${email} answered ${res.statusCode}: ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
      if (!cookie) throw new Error('no session cookie');
      return `${SESSION_COOKIE}=${cookie.value}`;
    },
  };
}
