import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type Browser, type Page, expect, test } from '@playwright/test';
import { type Server, startServer } from './global-setup';
import { shot } from './helpers';

// Two more instances: a central one and a workstation, paired through
// their dashboards the way a reseller does it (docs/sync.md).

async function firstStart(browser: Browser, server: Server, email: string, orgName: string): Promise<Page> {
  const url = server.url;
  // One context per instance: both are on 127.0.0.1, and cookies do not
  // tell ports apart.
  const ctx = await browser.newContext({ reducedMotion: 'reduce', baseURL: url });
  const page = await ctx.newPage();
  const res = await page.request.post(url + '/api/dashboard/setup', {
    data: {
      email, password: 'sync-password-123', first_name: 'Sam',
      organization: { name: orgName, address_line1: 'Ringstraße 9', zip: '20095', town: 'Hamburg', country_code: 'DEU' },
    },
    headers: { 'X-Setup-Token': server.setupToken },
  });
  expect(res.status()).toBe(200);
  return page;
}

test('pair a workstation with a central instance in the dashboards; the workstation syncs', async ({ browser }) => {
  test.setTimeout(60_000);
  const central = await startServer();
  const ws = await startServer();
  try {
    const cp = await firstStart(browser, central, 'central@reseller.example', 'Reseller Zentrale GmbH');
    await cp.goto(central.url + '/settings/workstation');
    await expect(cp.getByTestId('sync-role')).toHaveText('Standalone');
    await cp.getByLabel('New workstation').fill('Kasse Filiale Nord');
    await cp.getByRole('button', { name: 'Issue credential' }).click();
    const dialog = cp.getByRole('dialog', { name: 'Sync credential' });
    await expect(dialog.getByText('It is shown only now')).toBeVisible();
    const credential = (await dialog.locator('code').textContent())!.trim();
    expect(credential).toMatch(/^fdsync_/);
    await cp.screenshot({ path: shot('sync-central-credential') });
    await dialog.getByRole('button', { name: 'I have stored the secret' }).click();
    await expect(cp.getByTestId('sync-role')).toHaveText('Central instance');

    const wp = await firstStart(browser, ws, 'kasse@shop.example', 'Blumen Nord');
    await wp.goto(ws.url + '/settings/workstation');
    await wp.getByLabel('URL of the central instance').fill('http://central.example.com');
    await wp.getByLabel('Sync credential').fill(credential);
    await wp.getByRole('button', { name: 'Pair' }).click();
    await expect(wp.getByText('Use https://')).toBeVisible();
    await wp.getByLabel('URL of the central instance').fill(central.url);
    await wp.getByRole('button', { name: 'Pair' }).click();
    await expect(wp.getByTestId('sync-role')).toHaveText('Workstation');
    await expect(wp.getByTestId('sync-last')).not.toHaveText('never', { timeout: 15_000 });
    await expect(wp.getByTestId('sync-backlog')).toHaveText('0');
    // A TSS made on the workstation (through the API, as a POS does)
    // shows in the central's view of that workstation.
    const me = await (await wp.request.get(ws.url + '/api/dashboard/me')).json();
    const csrf = (await wp.context().cookies()).find((c) => c.name === 'fiskaldesk_csrf')!.value;
    const key = await (
      await wp.request.post(`${ws.url}/api/v0/organizations/${me.organizations[0]._id}/api-keys`, {
        data: { name: 'pos-key', status: 'enabled' },
        headers: { 'X-CSRF-Token': csrf },
      })
    ).json();
    const auth = await (await wp.request.post(ws.url + '/api/v2/auth', { data: { api_key: key.key, api_secret: key.secret } })).json();
    const tssId = crypto.randomUUID();
    expect((await wp.request.put(`${ws.url}/api/v2/tss/${tssId}`, { data: {}, headers: { Authorization: `Bearer ${auth.access_token}` } })).status()).toBe(200);
    await wp.getByRole('button', { name: 'Sync now' }).click();
    await expect(wp.getByText(/Sent \d+, received \d+, 0 conflicts, 0 waiting/)).toBeVisible();
    await wp.screenshot({ path: shot('sync-workstation'), fullPage: true });

    // The central lists the workstation, and the workstation's user and
    // organization arrived: she can log in there.
    await cp.reload();
    await expect(cp.getByRole('cell', { name: 'Kasse Filiale Nord' })).toBeVisible();
    await expect(cp.getByRole('cell', { name: 'never' })).toHaveCount(0);
    // In a context of her own: cp.request shares the page's cookies, and her
    // session would replace the installation administrator's there.
    const other = await browser.newContext();
    const login = await other.request.post(central.url + '/api/dashboard/login', { data: { email: 'kasse@shop.example', password: 'sync-password-123' } });
    expect(login.status()).toBe(200);
    expect((await login.json()).user.email).toBe('kasse@shop.example');
    await other.close();
    await cp.screenshot({ path: shot('sync-central'), fullPage: true });
    await cp.getByRole('button', { name: 'Kasse Filiale Nord' }).click();
    await expect(cp.getByTestId('workstation-tss')).toContainText(tssId);
    await expect(cp.getByTestId('workstation-tss')).toContainText('Blumen Nord');
    await cp.screenshot({ path: shot('sync-central-workstation') });
    await cp.keyboard.press('Escape');

    // Restore from the dashboard: a file that is no backup is refused, a
    // backup taken from the running instance is staged for the next start.
    await cp.locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello\n') });
    await cp.getByRole('button', { name: 'Restore at next start' }).click();
    await expect(cp.getByText('not a fiskaldesk backup')).toBeVisible();
    const file = join(central.data, 'e2e.backup');
    execFileSync(resolve(process.env.FISKALDESK_BIN ?? '../bin/fiskaldesk'), ['backup', '--data', central.data, '--out', file]);
    await cp.locator('input[type=file]').setInputFiles(file);
    await cp.getByRole('button', { name: 'Restore at next start' }).click();
    await expect(cp.getByText('Restore staged')).toBeVisible();
  } finally {
    await ws.stop();
    await central.stop();
  }
});
