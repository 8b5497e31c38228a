/**
 * The web app's build: a single-page app in dist/web (index.html, hashed assets under assets/),
 * which the server serves at `/`. scripts/build.mjs runs this after tsc; `npx vite --config
 * web/vite.config.ts` serves it for development and `npx vite preview --config web/vite.config.ts`
 * serves the build, both passing /v1 to a Pledge server (PLEDGE_API, http://127.0.0.1:8080 by
 * default) so the app calls the API same-origin, as it will when Pledge serves it.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.PLEDGE_API ?? 'http://127.0.0.1:8080';
const proxy = { '/v1': { target: api, changeOrigin: false } };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  // No inline script or style anywhere: the server's CSP is script-src 'self'; style-src 'self'.
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { proxy },
  preview: { proxy },
});
