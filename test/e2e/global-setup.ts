/** Builds the web app (when its sources are newer than web/dist) before any browser test. */
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  // vitest sets NODE_ENV=test, and Vite keeps an inherited NODE_ENV: the build would bundle
  // React's development code. The browser tests test the production build.
  const r = spawnSync(process.execPath, ['scripts/ensure-web-build.mjs'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error('The web build failed; see the output above');
}
