import { expect, test } from '@playwright/test';
import { Pos, base, loginOwner, session, shot } from './helpers';

test('a failure rule makes the next signing calls fail the way the cloud can, then signing recovers', async ({ page }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { _type: string }) => o._type === 'ORGANIZATION')._id;
  const dev = await session(page, 'POST', '/api/v0/organizations', {
    name: 'POS Dev Sandbox', address_line1: 'Testweg 1', zip: '01067', town: 'Dresden', country_code: 'DEU',
    managed_by_organization_id: vendor, generate_api_key: true,
  });
  const pos = new Pos(page.request);
  await pos.auth(dev.api_key.key, dev.api_key.secret);
  const { tss, client } = await pos.initializedTss('DEV-1');

  await page.goto(base() + '/sandbox');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /POS Dev Sandbox/ }).click();
  await page.getByRole('combobox', { name: 'Applies to' }).click();
  await page.getByRole('option', { name: new RegExp(tss) }).click();
  await page.getByLabel('Next N calls').fill('2');
  await page.getByRole('button', { name: 'Add rule' }).click();
  const rules = page.getByTestId('failure-table');
  await expect(rules).toContainText('answers 503 E_TSS_LOCKED · next 2 calls');
  await page.screenshot({ path: shot('sandbox'), fullPage: true });

  const tx = () => `${base()}/api/v2/tss/${tss}/tx/${crypto.randomUUID()}?tx_revision=1`;
  const headers = { Authorization: `Bearer ${(await (await page.request.post(base() + '/api/v2/auth', { data: { api_key: dev.api_key.key, api_secret: dev.api_key.secret } })).json()).access_token}` };
  for (let i = 0; i < 2; i++) {
    const r = await page.request.put(tx(), { data: { state: 'ACTIVE', client_id: client }, headers });
    expect(r.status()).toBe(503);
    expect((await r.json()).code).toBe('E_TSS_LOCKED');
  }
  expect((await page.request.put(tx(), { data: { state: 'ACTIVE', client_id: client }, headers })).status()).toBe(200);
  await expect(page.getByText('No rules: every call signs normally.')).toBeVisible({ timeout: 10_000 });
  await pos.receipt(tss, client, '1.00');
});

test('demo data creates customers with initialized TSS and signed receipts', async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/sandbox');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /^Vendor GmbH$/ }).click();
  await page.getByLabel('Receipts per customer').fill('15');
  await page.getByRole('button', { name: 'Generate demo data' }).click();
  await expect(page.getByText('Done: 45 receipts signed.')).toBeVisible({ timeout: 60_000 });

  await page.goto(base() + '/organizations');
  for (const name of ['Demo Café Sonne', 'Demo Bäckerei Korn', 'Demo Eisdiele Venezia']) {
    await expect(page.getByTestId('org-table').getByRole('row', { name: new RegExp(name) })).toContainText('managed');
  }
  await page.goto(base() + '/');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Demo Bäckerei Korn/ }).click();
  await expect(page.getByTestId('stat-Transactions')).toHaveText('15');
  await expect(page.getByText('INITIALIZED')).toBeVisible();
});
