// Vite build of the kefu web UI. `dist/` is embedded by the Rust server, which serves it at `/`
// with an SPA fallback; in dev, `/api` and `/files` go to a local `kefu` on port 8080.
// `test` configures vitest (`npm test`), which runs the unit tests of the TypeScript logic.
/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const backend = process.env.KEFU_DEV_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
      '/files': { target: backend },
      '/healthz': { target: backend },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    sourcemap: false,
  },
  test: {
    // Only the unit tests under src/; the browser stories in e2e/ run with `npm run e2e`.
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
