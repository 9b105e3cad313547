/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development `vite` proxies the API to a running `fiskaldesk serve`.
const api = process.env.FISKALDESK_URL ?? 'http://127.0.0.1:8280';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': api, '/healthz': api },
  },
  // Every script, stylesheet and the csp-nonce meta element carry this
  // placeholder; the server swaps in a fresh nonce per answer and names it
  // in its Content-Security-Policy (backend/api/spa.go).
  html: { cspNonce: 'FISKALDESK_CSP_NONCE' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // Form tests type into jsdom with user-event, key by key; on the shared,
    // busy two-core machines that run `make test` they took longer than
    // Vitest's 5 s default (and at times 20 s) while passing alone.
    testTimeout: 60_000,
  },
});
