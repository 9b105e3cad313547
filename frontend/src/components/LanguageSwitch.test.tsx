import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { jsonResponse, renderApp, signedIn, stubFetch } from '../test/render';

describe('LanguageSwitch', () => {
  it('switches every visible string to German and remembers the choice', async () => {
    stubFetch({ ...signedIn, '/healthz': () => jsonResponse(200, { status: 'ok', version: '1.0.0', store_format: 1 }) });
    renderApp(<App />);
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument();

    await userEvent.click(screen.getAllByText('DE')[0]);

    expect(await screen.findByRole('heading', { name: 'Übersicht' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Dieser Arbeitsplatz' })).toBeInTheDocument();
    // The header and, on phones, the navigation show it.
    expect((await screen.findAllByText('Server verbunden · 1.0.0')).length).toBeGreaterThan(0);
    expect(localStorage.getItem('fiskaldesk.language')).toBe('de');
    expect(document.documentElement.lang).toBe('de');
  });
});
