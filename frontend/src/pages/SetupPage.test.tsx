import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { type Call, jsonResponse, renderApp, signedIn, stubFetch } from '../test/render';

// Setup is open; the token is right when the request carries 'tok-1'.
const setupRoutes = {
  ...signedIn,
  '/api/dashboard/setup': (c: Call) => jsonResponse(200, { required: true, token_valid: c.headers['X-Setup-Token'] === 'tok-1' }),
};

describe('SetupPage', () => {
  it('shows what is wrong before sending anything', async () => {
    const calls = stubFetch(setupRoutes);
    renderApp(<App />, '/setup');
    await userEvent.type(screen.getByLabelText(/E-mail address/), 'not-an-email');
    await userEvent.type(screen.getByLabelText(/^Password/), 'short');
    await userEvent.type(screen.getByLabelText(/Repeat password/), 'other');
    await userEvent.click(screen.getByRole('button', { name: 'Create account and organization' }));

    expect(await screen.findByText('Not an e-mail address')).toBeInTheDocument();
    expect(screen.getByText('At least 10 characters')).toBeInTheDocument();
    expect(screen.getByText('The passwords differ')).toBeInTheDocument();
    expect(screen.getByText('At least 3 characters')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('sends user and organization, then opens the overview', async () => {
    let done = false;
    const calls = stubFetch({
      ...setupRoutes,
      '/api/dashboard/setup': (c) => jsonResponse(200, { required: !done, token_valid: c.headers['X-Setup-Token'] === 'tok-1' }),
      'POST /api/dashboard/setup': () => {
        done = true;
        return jsonResponse(200, { user: { _id: 'u1', email: 'olga@vendor.example' }, csrf_token: 'c' });
      },
    });
    // Opened through the link fiskaldesk printed: no token to type.
    renderApp(<App />, '/setup?token=tok-1');
    expect(await screen.findByLabelText(/E-mail address/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/Setup token/)).toBeNull();
    await userEvent.type(screen.getByLabelText(/E-mail address/), 'olga@vendor.example');
    await userEvent.type(screen.getByLabelText(/^Password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Repeat password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Organization name/), 'Vendor GmbH');
    await userEvent.type(screen.getByLabelText(/Street and number/), 'Hauptstraße 1');
    await userEvent.type(screen.getByLabelText(/Postcode/), '10115');
    await userEvent.type(screen.getByLabelText(/Town/), 'Vienna');
    // The country is picked by its name: typing "Austria" must not become a made-up code.
    const country = screen.getByRole('combobox', { name: /^Country/ });
    expect(country).toHaveValue('Germany');
    await userEvent.clear(country);
    await userEvent.type(country, 'austr');
    await userEvent.click(await screen.findByRole('option', { name: 'Austria', hidden: true }));
    await userEvent.click(screen.getByRole('button', { name: 'Create account and organization' }));

    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/dashboard/setup');
    expect(post?.body).toEqual({
      email: 'olga@vendor.example', password: 'long enough password', first_name: '', last_name: '',
      organization: { name: 'Vendor GmbH', address_line1: 'Hauptstraße 1', zip: '10115', town: 'Vienna', country_code: 'AUT' },
    });
    expect(post?.headers['X-Setup-Token']).toBe('tok-1');
  }, 60_000);

  it('asks for the setup token when the page was opened without the printed link', async () => {
    const calls = stubFetch({ ...setupRoutes, 'POST /api/dashboard/setup': () => jsonResponse(200, { user: { _id: 'u1' }, csrf_token: 'c' }) });
    renderApp(<App />, '/setup');
    const token = await screen.findByLabelText(/Setup token/);
    await userEvent.type(screen.getByLabelText(/E-mail address/), 'olga@vendor.example');
    await userEvent.type(screen.getByLabelText(/^Password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Repeat password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Organization name/), 'Vendor GmbH');
    await userEvent.type(screen.getByLabelText(/Street and number/), 'Hauptstraße 1');
    await userEvent.type(screen.getByLabelText(/Postcode/), '10115');
    await userEvent.type(screen.getByLabelText(/Town/), 'Berlin');
    await userEvent.click(screen.getByRole('button', { name: 'Create account and organization' }));
    expect(await screen.findByText('Paste the setup token fiskaldesk printed')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.type(token, ' tok-1 ');
    await userEvent.click(screen.getByRole('button', { name: 'Create account and organization' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'POST')?.headers['X-Setup-Token']).toBe('tok-1'));
  });

  it('names the field the server refused, in the UI language, without its raw message', async () => {
    stubFetch({
      ...setupRoutes,
      'POST /api/dashboard/setup': () =>
        jsonResponse(400, { status_code: 400, error: 'Bad Request', code: 'E_FAILED_SCHEMA_VALIDATION', message: 'country_code: "ZZZ" is not an ISO 3166-1 alpha-3 country code (e.g. DEU)' }),
    });
    renderApp(<App />, '/setup?token=tok-1');
    await userEvent.type(await screen.findByLabelText(/E-mail address/), 'olga@vendor.example');
    await userEvent.type(screen.getByLabelText(/^Password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Repeat password/), 'long enough password');
    await userEvent.type(screen.getByLabelText(/Organization name/), 'Vendor GmbH');
    await userEvent.type(screen.getByLabelText(/Street and number/), 'Weg 1');
    await userEvent.type(screen.getByLabelText(/Postcode/), '1');
    await userEvent.type(screen.getByLabelText(/Town/), 'Ort');
    await userEvent.click(screen.getByRole('button', { name: 'Create account and organization' }));
    expect(await screen.findByText('Check the field “Country”: the server did not accept it.')).toBeInTheDocument();
    expect(screen.queryByText(/ISO 3166-1/)).toBeNull();
  });
});
