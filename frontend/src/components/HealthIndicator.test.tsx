import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { jsonResponse, renderApp, stubFetch } from '../test/render';
import { HealthIndicator } from './HealthIndicator';

describe('HealthIndicator', () => {
  it('shows the server version once /healthz answers', async () => {
    const calls = stubFetch({ '/healthz': () => jsonResponse(200, { status: 'ok', version: '1.2.3', store_format: 1 }) });
    renderApp(<HealthIndicator />);
    expect(screen.getByTestId('health')).toHaveTextContent('Connecting…');
    await screen.findByText('Server connected · 1.2.3');
    expect(screen.getByTestId('health')).toHaveAttribute('data-state', 'ok');
    expect(calls.map((c) => c.path)).toContain('/healthz');
  });

  it('says the server is unreachable when /healthz fails', async () => {
    stubFetch({
      '/healthz': () => jsonResponse(503, { status_code: 503, error: 'Service Unavailable', code: 'E_UNAVAILABLE', message: 'Store unavailable' }),
    });
    renderApp(<HealthIndicator />);
    await screen.findByText('Server unreachable');
    expect(screen.getByTestId('health')).toHaveAttribute('data-state', 'down');
  });
});
