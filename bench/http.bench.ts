/**
 * npm run bench: HTTP throughput and tail latency of the platform's hottest reads, each
 * beside a bare Fastify route measured in the same run (the ratio is the figure to watch;
 * absolute numbers depend on the machine).
 *
 *   - bare:   a Fastify route answering a constant JSON object (no auth, no database)
 *   - read:   GET /fhir/R4/Patient/:id, authenticated (session cookie), audited
 *   - search: GET /fhir/R4/Patient?name=<prefix>&_count=20, authenticated, audited
 *
 * on PGlite (in memory) and on the PostgreSQL server (a fresh database), 50 connections.
 * Options: --duration <seconds per case> (default 10), --only pglite|postgres.
 */
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/platform/config.ts';
import { createServices } from '../src/platform/services.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { seedDemo } from '../src/platform/seed/demo.ts';
import { DEMO_CLINICS, DEMO_PASSWORD, demoEmail } from '../src/platform/seed/demo-users.ts';
import { openTestDatabase, DB_KINDS, type DbKind } from '../test/support/database.ts';

const args = process.argv.slice(2);
const duration = Number(args[args.indexOf('--duration') + 1] ?? 10) || 10;
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] as DbKind) : undefined;
const CONNECTIONS = 50;

interface Row {
  database: string;
  case: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  ratioToBare: number;
}

async function load(url: string, headers: Record<string, string> = {}): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration, headers });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address();
  if (!a || typeof a === 'string') throw new Error('no address');
  return `http://127.0.0.1:${a.port}`;
}

async function benchKind(kind: DbKind, rows: Row[]): Promise<void> {
  const t = await openTestDatabase(kind);
  const config = loadConfig({ WELLAGE_DATA_DIR: fs.mkdtempSync('/tmp/wellage-bench-'), LOG_LEVEL: 'silent' });
  const services = createServices({ config, database: t.database, clock: () => new Date() });
  process.stderr.write(`[${kind}] seeding the demo clinic…\n`);
  const seeded = await seedDemo(services);
  const app = await buildApp(services, { webDist: false, logLevel: 'silent' });
  const base = await listen(app);

  const clinic = DEMO_CLINICS[0]!;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: demoEmail(clinic, 'clinician'), password: DEMO_PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!login.ok || !cookie) throw new Error(`login failed: ${login.status}`);
  const patientId = seeded.patientsByClinic[clinic.id]?.[0];
  if (!patientId) throw new Error('no seeded patient');
  const patient = (await (await fetch(`${base}/fhir/R4/Patient/${patientId}`, { headers: { cookie } })).json()) as {
    name?: { family?: string }[];
  };
  const prefix = (patient.name?.[0]?.family ?? 'a').slice(0, 3);

  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => ({ resourceType: 'Patient', id: 'bare' }));
  const bareBase = await listen(bare);

  const cases: [string, () => Promise<autocannon.Result>][] = [
    ['bare fastify route', () => load(`${bareBase}/bare`)],
    ['FHIR read Patient/:id', () => load(`${base}/fhir/R4/Patient/${patientId}`, { cookie })],
    [`FHIR search Patient?name=${prefix}`, () => load(`${base}/fhir/R4/Patient?name=${encodeURIComponent(prefix)}&_count=20`, { cookie })],
  ];
  let bareRps = 0;
  for (const [name, run] of cases) {
    process.stderr.write(`[${kind}] ${name}: ${duration} s at ${CONNECTIONS} connections…\n`);
    const r = await run();
    if (name.startsWith('bare')) bareRps = r.requests.average;
    rows.push({
      database: kind,
      case: name,
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors,
      non2xx: r.non2xx,
      ratioToBare: Number((r.requests.average / bareRps).toFixed(3)),
    });
  }
  await bare.close();
  await app.close();
  await t.drop();
}

const rows: Row[] = [];
for (const kind of DB_KINDS.filter((k) => !only || k === only)) await benchKind(kind, rows);
console.table(rows);
const outDir = path.join(import.meta.dirname, 'results');
fs.mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ connections: CONNECTIONS, durationSeconds: duration, rows }, null, 2));
console.log(`written to ${path.relative(process.cwd(), file)}`);
