/**
 * The browser tests' world: the real HTTP server on a free port over an in-memory PGlite
 * seeded with the demo clinics, and one headless Debian chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/platform/config.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createServices, type Services } from '../../src/platform/services.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { seedDemo } from '../../src/platform/seed/demo.ts';

export const CHROMIUM = process.env.WELLAGE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const ARTIFACTS = path.resolve('test/e2e/artifacts');

export interface World {
  baseUrl: string;
  services: Services;
  database: Database;
  seed: Awaited<ReturnType<typeof seedDemo>>;
  browser: Browser;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wellage-e2e-'));
  const config = loadConfig({ WELLAGE_DATA_DIR: dataDir, LOG_LEVEL: 'silent', WELLAGE_SEED_DEMO: 'false' });
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrate(database);
  const services = createServices({ config, database, clock: systemClock });
  const seed = await seedDemo(services);
  const app: FastifyInstance = await buildApp(services, { webDist: path.resolve('web/dist'), logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    services,
    database,
    seed,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await app.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A 10-11 inch tablet held upright, as a nurse holds it to photograph a lesion: touch, mobile viewport, 2x pixels. */
export const TABLET_PORTRAIT = { viewport: { width: 820, height: 1180 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 } as const;

/**
 * A fresh browser session (tablet-landscape size unless told) that records what a test must
 * never see: script dialogs (an injected `<script>` ran) and uncaught page errors.
 */
export async function openSession(
  world: World,
  device: { width: number; height: number } | typeof TABLET_PORTRAIT = { width: 1024, height: 900 },
): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; pageErrors: string[] }> {
  const screen = 'viewport' in device ? device : { viewport: device };
  const context = await world.browser.newContext({ baseURL: world.baseUrl, ...screen, locale: 'en-GB' });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page, dialogs, pageErrors };
}

/**
 * Signs in through the login form with the keyboard only: focus, type, Tab, type, Enter.
 * English is chosen on the form first, as a user would: the demo's Madrid users have a
 * Spanish profile, which the app otherwise follows.
 */
export async function signInWithKeyboard(page: Page, email: string, password: string): Promise<void> {
  if (!page.url().endsWith('/login')) await page.goto('/login');
  await page.getByRole('combobox', { name: /^(Language|Idioma)$/ }).selectOption('en');
  await page.getByLabel('Email').focus();
  // Select-all first so a second try replaces what the first one typed.
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}
