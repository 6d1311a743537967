/**
 * Vite build of the web app. Run from the repository root with
 * `vite build --config web/vite.config.ts`; the output goes to web/dist, which the server
 * serves (src/platform/http/app.ts). In `vite dev`, API calls are proxied to the server.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const apiTarget = process.env.WELLAGE_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig(({ command, mode }) => {
  // Vite keeps an inherited NODE_ENV (vitest sets `test`), which would ship React's
  // development build and dev JSX; a production build always gets the production ones.
  if (command === 'build' && mode === 'production') process.env.NODE_ENV = 'production';
  return config;
});

const config = {
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
    // Charts (recharts) are large; a warning at the default 500 kB would be noise.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': apiTarget,
      '/fhir': apiTarget,
    },
  },
} satisfies UserConfig;
