import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { Providers, newQueryClient } from '../providers';

/** Renders ui inside the app's providers at the given route. */
export function renderApp(ui: ReactElement, route = '/') {
  const client = newQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: 0 } });
  return render(
    <Providers client={client}>
      <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
    </Providers>,
  );
}

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  headers: Record<string, string>;
}

/** Stubs fetch with handlers keyed by "METHOD /path" or "/path" (any
 * method). Unknown routes answer the server's 404 body. Returns the calls. */
export function stubFetch(routes: Record<string, (call: Call) => Response>) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.pathname + input.search : input.url;
    // Routes are matched without the query; the call keeps it.
    const path = url.split('?')[0];
    const method = init?.method ?? 'GET';
    const call: Call = { method, path, query: new URLSearchParams(url.split('?')[1] ?? ''), headers: (init?.headers ?? {}) as Record<string, string> };
    if (typeof init?.body === 'string') call.body = JSON.parse(init.body);
    calls.push(call);
    const handler = routes[`${method} ${path}`] ?? routes[path];
    if (handler) return handler(call);
    return jsonResponse(404, { status_code: 404, error: 'Not Found', code: 'E_ROUTE_NOT_FOUND', message: 'Route not found' });
  });
  return calls;
}

/** Routes of a signed-in dashboard with one organization. */
export const signedIn = {
  '/healthz': () => jsonResponse(200, { status: 'ok', version: '0.9.0', store_format: 1 }),
  '/api/dashboard/setup': () => jsonResponse(200, { required: false }),
  '/api/dashboard/me': () =>
    jsonResponse(200, {
      user: { _id: 'u1', email: 'olga@vendor.example' },
      organizations: [{ _id: 'o1', _type: 'ORGANIZATION', _envs: ['TEST'], name: 'Vendor GmbH', role: 'owner', member: true }],
      installation_admin: true,
    }),
  '/api/dashboard/rollup': () => jsonResponse(200, emptyRollup),
  '/api/v2/export': () => jsonResponse(200, { data: [], count: 0 }),
};

/** The rollup of one organization without TSS. */
export const emptyRollup = {
  env: 'TEST',
  days: 14,
  totals: { organizations: 1, live_organizations: 0, tss: 0, tss_by_state: {}, clients: 0, transactions: 0, today: 0, last_activity: 0 },
  transactions_per_day: [],
  data: [],
  count: 0,
};

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
