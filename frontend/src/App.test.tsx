import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import de from './locales/de.json';
import en from './locales/en.json';
import { jsonResponse, renderApp, stubFetch } from './test/render';

const healthy = () => stubFetch({ '/healthz': () => jsonResponse(200, { status: 'ok', version: '0.9.0', store_format: 1 }) });

describe('App routes', () => {
  it('shows the POS base URLs on the overview', async () => {
    healthy();
    renderApp(<App />);
    expect(await screen.findByText(`${window.location.origin}/api/v2`)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('version')).toHaveTextContent('0.9.0'));
  });

  it('shows the listen address from the desktop binding inside the window', async () => {
    healthy();
    window.go = { main: { App: { APIURL: async () => 'http://127.0.0.1:8280', DataDir: async () => '/d', OpenDataDir: async () => {} } } };
    try {
      renderApp(<App />);
      expect(await screen.findByText('http://127.0.0.1:8280/api/v0')).toBeInTheDocument();
    } finally {
      delete window.go;
    }
  });

  it('opens a deep route directly and marks its navigation entry', () => {
    healthy();
    renderApp(<App />, '/settings/workstation');
    expect(screen.getByRole('heading', { name: 'This workstation', level: 2 })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'This workstation' })).toHaveAttribute('data-active', 'true');
    expect(screen.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('data-active');
  });

  it('navigates with the sidebar', async () => {
    healthy();
    renderApp(<App />);
    await userEvent.click(screen.getByRole('link', { name: 'This workstation' }));
    expect(screen.getByRole('heading', { name: 'This workstation', level: 2 })).toBeInTheDocument();
  });

  it('answers an unknown route with a not-found page naming the path', () => {
    healthy();
    renderApp(<App />, '/no/such/page');
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('There is no page at /no/such/page.')).toBeInTheDocument();
  });
});

describe('translations', () => {
  // Every key must exist in both languages, so no string silently shows in English.
  const keys = (o: object, prefix = ''): string[] =>
    Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));

  it('has the same keys in German and English', () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
  });
});
