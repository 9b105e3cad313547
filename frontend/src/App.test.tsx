import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import de from './locales/de.json';
import en from './locales/en.json';
import { jsonResponse, renderApp, signedIn, stubFetch } from './test/render';

const healthy = () => stubFetch(signedIn);

describe('App routes', () => {
  it('shows the POS base URLs on the overview', async () => {
    healthy();
    renderApp(<App />);
    expect(await screen.findByText(`${window.location.origin}/api/v2`)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('version')).toHaveTextContent('0.9.0'));
  });

  it('shows the listen address from the desktop binding inside the window', async () => {
    healthy();
    window.go = { main: { App: { APIURL: async () => 'http://127.0.0.1:8280', DataDir: async () => '/d', OpenDataDir: async () => {}, SaveFile: async () => '', SaveDownload: async () => '', Backup: async () => '' } } };
    try {
      renderApp(<App />);
      expect(await screen.findByText('http://127.0.0.1:8280/api/v0')).toBeInTheDocument();
    } finally {
      delete window.go;
    }
  });

  it('opens a deep route directly and marks its navigation entry', async () => {
    healthy();
    renderApp(<App />, '/settings/workstation');
    expect(await screen.findByRole('heading', { name: 'This workstation', level: 2 })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'This workstation' })).toHaveAttribute('data-active', 'true');
    expect(screen.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('data-active');
  });

  it('navigates with the sidebar', async () => {
    healthy();
    renderApp(<App />);
    await userEvent.click(await screen.findByRole('link', { name: 'This workstation' }));
    expect(screen.getByRole('heading', { name: 'This workstation', level: 2 })).toBeInTheDocument();
  });

  it('answers an unknown route with a not-found page naming the path', async () => {
    healthy();
    renderApp(<App />, '/no/such/page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('There is no page at /no/such/page.')).toBeInTheDocument();
  });
});

describe('session gate', () => {
  it('sends a new installation to first-start setup', async () => {
    stubFetch({ ...signedIn, '/api/dashboard/setup': () => jsonResponse(200, { required: true }) });
    renderApp(<App />, '/settings/workstation');
    expect(await screen.findByRole('heading', { name: 'Welcome to fiskaldesk' })).toBeInTheDocument();
  });

  it('sends a visitor without session to login', async () => {
    stubFetch({
      ...signedIn,
      '/api/dashboard/me': () => jsonResponse(401, { status_code: 401, error: 'Unauthorized', code: 'E_UNAUTHORIZED', message: 'Missing bearer token' }),
    });
    renderApp(<App />, '/settings/workstation');
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
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
