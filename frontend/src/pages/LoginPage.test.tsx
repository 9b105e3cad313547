import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { jsonResponse, renderApp, signedIn, stubFetch } from '../test/render';

describe('LoginPage', () => {
  it('says the credentials are wrong and returns to the page asked for after login', async () => {
    let loggedIn = false;
    const unauthorized = () => jsonResponse(401, { status_code: 401, error: 'Unauthorized', message: 'Invalid credentials' });
    stubFetch({
      ...signedIn,
      '/api/dashboard/me': () => (loggedIn ? signedIn['/api/dashboard/me']() : unauthorized()),
      'POST /api/dashboard/login': (c) => {
        if ((c.body as { password: string }).password !== 'right password') return unauthorized();
        loggedIn = true;
        return jsonResponse(200, { user: { _id: 'u1', email: 'olga@vendor.example' }, csrf_token: 'c' });
      },
    });
    renderApp(<App />, '/settings/workstation');
    await userEvent.type(await screen.findByLabelText('E-mail address'), 'olga@vendor.example');
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByText('Invalid credentials: check e-mail address and password.')).toBeInTheDocument();

    await userEvent.clear(screen.getByLabelText('Password'));
    await userEvent.type(screen.getByLabelText('Password'), 'right password');
    await userEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { name: 'This workstation', level: 2 })).toBeInTheDocument();
  });

  it('tells an invalid invitation link apart', async () => {
    stubFetch({ ...signedIn });
    renderApp(<App />, '/invite/nope');
    expect(await screen.findByText('This invitation link is invalid or has expired.')).toBeInTheDocument();
  });
});
