import { expect, test } from '@playwright/test';

const base = () => process.env.FISKALDESK_URL!;
const shot = (name: string) => `../test-output/screenshots/${name}.png`;

test('overview shows a connected server and the POS base URLs', async ({ page }) => {
  const health = page.waitForResponse((r) => r.url().endsWith('/healthz'));
  await page.goto(base() + '/');
  expect((await health).status()).toBe(200);
  await expect(page.getByTestId('health')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('health')).toContainText('Server connected');
  await expect(page.getByText(base() + '/api/v2')).toBeVisible();
  await page.screenshot({ path: shot('overview-en'), fullPage: true });
});

test('a deep link is served by the SPA fallback and keeps working after reload', async ({ page }) => {
  const res = await page.goto(base() + '/settings/workstation');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await page.screenshot({ path: shot('workstation-en'), fullPage: true });
});

test('the language switch turns the shell German and survives a reload', async ({ page }) => {
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

test('an unknown client route shows the not-found page', async ({ page }) => {
  await page.goto(base() + '/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('unknown API routes never fall back to the SPA', async ({ request }) => {
  const res = await request.get(base() + '/api/x', { headers: { 'request-id': 'e2e-req-1' } });
  expect(res.status()).toBe(404);
  expect(res.headers()['request-id']).toBe('e2e-req-1');
  expect(await res.json()).toEqual({ status_code: 404, error: 'Not Found', code: 'E_ROUTE_NOT_FOUND', message: 'Route not found' });
});
