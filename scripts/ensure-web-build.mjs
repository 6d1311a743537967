// Builds the web app when web/dist is missing or older than its sources, so `npm start`
// always serves the current UI without rebuilding on every start. Skips quietly when the
// build tools are not installed (npm install --omit=dev).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const web = path.join(root, 'web');
const dist = path.join(web, 'dist', 'index.html');

function newest(dir) {
  if (fs.statSync(dir).isFile()) return fs.statSync(dir).mtimeMs;
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

if (!fs.existsSync(path.join(web, 'vite.config.ts'))) process.exit(0);
if (!fs.existsSync(path.join(root, 'node_modules', 'vite'))) {
  console.log('[wellage] vite is not installed; skipping the web build.');
  process.exit(0);
}
// The web bundle also compiles the pure engines and content it shares with the server
// (intake skip logic, the plans knowledge base and types).
const shared = ['src/intake', 'content/intake', 'src/plans', 'content/plans', 'src/platform/audit/actions.ts'];
const sources = [web, ...shared.map((d) => path.join(root, d))].filter((d) => fs.existsSync(d));
const stale = !fs.existsSync(dist) || fs.statSync(dist).mtimeMs < Math.max(...sources.map(newest));
if (!stale && !process.argv.includes('--force')) process.exit(0);
console.log('[wellage] building the web app…');
const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit',
  // Test runners set NODE_ENV=test, and vite would then ship React's development build.
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(r.status ?? 1);
