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

/** Stubs fetch with a handler keyed by path. Unknown paths answer the server's 404 body. */
export function stubFetch(routes: Record<string, () => Response>) {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url;
    calls.push(path);
    const handler = routes[path];
    if (handler) return handler();
    return jsonResponse(404, { status_code: 404, error: 'Not Found', code: 'E_ROUTE_NOT_FOUND', message: 'Route not found' });
  });
  return calls;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
