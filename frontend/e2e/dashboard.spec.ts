import { type Page, expect, test } from '@playwright/test';

// One server for the whole file (global-setup), so the tests run in order:
// the first one performs the first start that the others build on.
test.describe.configure({ mode: 'serial' });

const base = () => process.env.FISKALDESK_URL!;
const shot = (name: string) => `../test-output/screenshots/${name}.png`;
const owner = { email: 'olga@vendor.example', password: 'olga-password-123' };

async function login(page: Page, who = owner) {
  const res = await page.request.post(base() + '/api/dashboard/login', { data: who });
  expect(res.status()).toBe(200);
}

test('first start: create the first user and organization', async ({ page }) => {
  // Without the printed link the page asks for the setup token, and the
  // server refuses a setup without it.
  await page.goto(base() + '/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByLabel('Setup token')).toBeVisible();
  const bare = await page.request.post(base() + '/api/dashboard/setup', {
    data: { email: 'mallory@evil.example', password: 'whatever-long', organization: {} },
  });
  expect(bare.status()).toBe(403);
  // The link serve printed carries it.
  await page.goto(`${base()}/setup?token=${process.env.FISKALDESK_SETUP_TOKEN}`);
  await expect(page.getByTestId('health')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByLabel('First name')).toBeVisible();
  await expect(page.getByLabel('Setup token')).toHaveCount(0);
  await page.getByLabel('First name').fill('Olga');
  await page.getByLabel('Last name').fill('Owner');
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByLabel(/^Password/).fill(owner.password);
  await page.getByLabel('Repeat password').fill(owner.password);
  await page.getByLabel('Organization name').fill('Vendor GmbH');
  await page.getByLabel('Street and number').fill('Hauptstraße 1');
  await page.getByLabel('Postcode').fill('10115');
  await page.getByLabel('Town').fill('Berlin');
  await page.screenshot({ path: shot('setup'), fullPage: true });
  await page.getByRole('button', { name: 'Create account and organization' }).click();

  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText(base() + '/api/v2')).toBeVisible();
  await page.screenshot({ path: shot('overview-en'), fullPage: true });
  // A second setup is refused: the installation has its owner now.
  const again = await page.request.post(base() + '/api/dashboard/setup', { data: { email: 'x@y.example', password: 'whatever-long', organization: {} } });
  expect(again.status()).toBe(409);
});

test('a deep link without session goes through login and back', async ({ page }) => {
  await page.goto(base() + '/settings/workstation');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('E-mail address').fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Invalid credentials')).toBeVisible();
  await page.screenshot({ path: shot('login-failed'), fullPage: true });
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await page.screenshot({ path: shot('workstation-en'), fullPage: true });
});

test('the language switch turns the dashboard German and survives a reload', async ({ page }) => {
  await login(page);
  await page.goto(base() + '/');
  await page.getByText('DE', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Übersicht' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Übersicht' })).toBeVisible();
  await expect(page.getByTestId('health')).toContainText('Server verbunden');
  await page.getByRole('link', { name: 'Dieser Arbeitsplatz' }).click();
  await expect(page).toHaveURL(/\/settings\/workstation$/);
  await page.screenshot({ path: shot('workstation-de'), fullPage: true });
});

test('an invited user accepts the local link and gets in', async ({ page, browser }) => {
  await login(page);
  const me = await (await page.request.get(base() + '/api/dashboard/me')).json();
  const orgId = me.organizations[0]._id;
  const csrf = (await page.context().cookies()).find((c) => c.name === 'fiskaldesk_csrf')!.value;
  const inv = await page.request.post(`${base()}/api/v0/organizations/${orgId}/users`, {
    data: { email: 'mia@vendor.example', role: 'member' },
    headers: { 'X-CSRF-Token': csrf },
  });
  expect(inv.status()).toBe(200);
  const link = (await inv.json()).accept_url as string;

  const guest = await browser.newContext();
  const gp = await guest.newPage();
  await gp.goto(base() + link);
  await expect(gp.getByRole('heading', { name: 'Join Vendor GmbH' })).toBeVisible();
  await gp.getByLabel('First name').fill('Mia');
  await gp.getByLabel('Password', { exact: true }).fill('mia-password-123');
  await gp.screenshot({ path: shot('invitation'), fullPage: true });
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await guest.close();
});

test('logout ends the session', async ({ page }) => {
  await login(page);
  await page.goto(base() + '/');
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
  expect((await page.request.get(base() + '/api/dashboard/me')).status()).toBe(401);
});

test('an unknown client route shows the not-found page', async ({ page }) => {
  await login(page);
  await page.goto(base() + '/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('unknown API routes never fall back to the SPA', async ({ request }) => {
  const res = await request.get(base() + '/api/x', { headers: { 'request-id': 'e2e-req-1' } });
  expect(res.status()).toBe(404);
  expect(res.headers()['request-id']).toBe('e2e-req-1');
  expect(await res.json()).toEqual({ status_code: 404, error: 'Not Found', code: 'E_ROUTE_NOT_FOUND', message: 'Route not found' });
});
