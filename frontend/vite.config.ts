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
    // The machines that run `make test` are shared and slow at times; a form
    // typed key by key may take seconds there.
    testTimeout: 60_000,
  },
});
