import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { jsonResponse, renderApp, signedIn, stubFetch } from '../test/render';

const setupRoutes = { ...signedIn, '/api/dashboard/setup': () => jsonResponse(200, { required: true }) };

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
      '/api/dashboard/setup': () => jsonResponse(200, { required: !done }),
      'POST /api/dashboard/setup': () => {
        done = true;
        return jsonResponse(200, { user: { _id: 'u1', email: 'olga@vendor.example' }, csrf_token: 'c' });
      },
    });
    renderApp(<App />, '/setup');
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
  }, 60_000);

  it('names the field the server refused, in the UI language, without its raw message', async () => {
    stubFetch({
      ...setupRoutes,
      'POST /api/dashboard/setup': () =>
        jsonResponse(400, { status_code: 400, error: 'Bad Request', code: 'E_FAILED_SCHEMA_VALIDATION', message: 'country_code: "ZZZ" is not an ISO 3166-1 alpha-3 country code (e.g. DEU)' }),
    });
    renderApp(<App />, '/setup');
    await userEvent.type(screen.getByLabelText(/E-mail address/), 'olga@vendor.example');
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
