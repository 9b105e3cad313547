import { Badge, MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { setNonce } from 'get-nonce';
import type { ReactNode } from 'react';
import { ApiError } from './api/client';

export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'md',
  // People who ask their system for less motion get no sliding drawers and
  // fading modals (and screenshots of end-to-end tests show settled pages).
  respectReducedMotion: true,
  components: {
    // A badge is a word or two that must read whole: Mantine cuts its label
    // with an ellipsis, which lets a table squeeze "DRAFT" to "DRA…". A
    // visible label makes the badge's width its column's minimum.
    Badge: Badge.extend({ styles: { label: { overflow: 'visible' } } }),
  },
});

/** Retries only what may succeed on a second try: a lost connection or a
 * server error. A 4xx answer (not found, access denied) stands; retrying
 * it only made "not found" pages spin for seconds. */
export function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) return false;
  return failures < 2;
}

export function newQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: shouldRetry } } });
}

/** The CSP nonce of this page: the server puts a fresh one into the
 * csp-nonce meta element (vite.config.ts › html.cspNonce) and allows
 * <style> elements carrying it. Mantine's injected styles get it here. */
export function cspNonce(): string {
  const meta = typeof document === 'undefined' ? null : document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  return meta?.nonce || meta?.getAttribute('nonce') || '';
}

/** Everything a page needs around it; shared by main.tsx and the tests. */
export function Providers({ children, client }: { children: ReactNode; client: QueryClient }) {
  // Modals and drawers lock the page's scrolling with a <style> element of
  // their own (react-remove-scroll through react-style-singleton), which
  // takes its nonce from get-nonce: without it the CSP blocks that style.
  setNonce(cspNonce());
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" getStyleNonce={cspNonce}>
      <Notifications position="top-right" autoClose={4000} />
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </MantineProvider>
  );
}
