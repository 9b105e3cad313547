import { fireEvent, screen, waitFor } from '@testing-library/react';
import { conflictText, remoteUrlError } from '../api/sync';
import { jsonResponse, renderApp, stubFetch } from '../test/render';
import { SyncSettings } from './SyncSettings';

const standalone = { role: 'standalone', instance: 'ab'.repeat(16), backlog: 0, last_sequence: 0, conflicts: 0, can_manage: true };

describe('sync settings', () => {
  it('allows http only to this machine, as the server does', () => {
    expect(remoteUrlError('https://central.example.com')).toBeNull();
    expect(remoteUrlError('http://127.0.0.1:8280')).toBeNull();
    expect(remoteUrlError('http://localhost:8280')).toBeNull();
    expect(remoteUrlError('http://[::1]:8280')).toBeNull();
    expect(remoteUrlError('http://central.example.com')).toBe('https');
    expect(remoteUrlError('http://10.0.0.5')).toBe('https');
    expect(remoteUrlError('central.example.com')).toBe('invalid');
    expect(remoteUrlError('ftp://central.example.com')).toBe('invalid');
  });

  it('shows a conflict value as the text it stores', () => {
    const value = btoa(String.fromCharCode(...new TextEncoder().encode('{"name":"Bäckerei"}')));
    expect(conflictText({ origin: 'x', at: '', deleted: false, value })).toBe('{"name":"Bäckerei"}');
    expect(conflictText({ origin: 'x', at: '', deleted: true, value: null })).toBe('');
  });

  it('checks the pairing form before sending and sends URL and credential', async () => {
    const calls = stubFetch({
      'GET /api/dashboard/sync': () => jsonResponse(200, standalone),
      'GET /api/dashboard/sync/workstations': () => jsonResponse(200, { data: [], count: 0 }),
      'POST /api/dashboard/sync/connect': () =>
        jsonResponse(200, { url: 'https://central.example.com', central_instance: 'cd'.repeat(16), workstation_id: 'w1', paired_at: 1 }),
    });
    renderApp(<SyncSettings />);
    const url = await screen.findByLabelText('URL of the central instance');
    fireEvent.change(url, { target: { value: 'http://central.example.com' } });
    fireEvent.change(screen.getByLabelText('Sync credential'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Pair' }));
    expect(await screen.findByText(/Use https:\/\//)).toBeInTheDocument();
    expect(screen.getByText(/Paste the fdsync_/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(url, { target: { value: 'https://central.example.com' } });
    fireEvent.change(screen.getByLabelText('Sync credential'), { target: { value: ' fdsync_w1_secret ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Pair' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ url: 'https://central.example.com', credential: 'fdsync_w1_secret' });
  });

  it("shows a workstation's backlog and its last error with the next try", async () => {
    stubFetch({
      'GET /api/dashboard/sync': () =>
        jsonResponse(200, {
          ...standalone,
          role: 'workstation',
          backlog: 1234,
          remote: { url: 'https://central.example.com', central_instance: 'cd', workstation_id: 'w1', paired_at: 1 },
          state: { pushed_entries: 5, pulled_entries: 2, conflicts: 0, consecutive_failures: 3, last_error: 'push: connection refused', next_attempt_at: 1764583200 },
        }),
    });
    renderApp(<SyncSettings />);
    expect(await screen.findByTestId('sync-backlog')).toHaveTextContent('1234');
    expect(screen.getByText('Sync fails (3 times in a row)')).toBeInTheDocument();
    expect(screen.getByText(/push: connection refused/)).toBeInTheDocument();
    expect(screen.getByTestId('sync-last')).toHaveTextContent('never');
  });

  it('shows a customer user the status, not the pairing and admin tools', async () => {
    stubFetch({ 'GET /api/dashboard/sync': () => jsonResponse(200, { ...standalone, can_manage: false }) });
    renderApp(<SyncSettings />);
    expect(await screen.findByText(/installation administrators/)).toBeInTheDocument();
    expect(screen.queryByLabelText('URL of the central instance')).toBeNull();
    expect(screen.queryByText('Paired workstations')).toBeNull();
  });
});
