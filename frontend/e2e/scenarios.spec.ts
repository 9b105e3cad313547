import { type Page, expect, test } from '@playwright/test';
import { Pos, base, loginOwner, session, shot } from './helpers';

async function createOrg(page: Page, name: string, town: string, parent?: string) {
  await page.goto(base() + '/organizations');
  await page.getByRole('button', { name: 'Create organization' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create organization' });
  if (parent) {
    await dialog.getByLabel('Create managed organization').check();
    await dialog.getByRole('combobox', { name: 'Managed by' }).click();
    await page.getByRole('option', { name: parent, exact: true }).click();
  }
  await dialog.getByLabel('Organization name').fill(name);
  await dialog.getByLabel('Street and number').fill('Allee 1');
  await dialog.getByLabel('Postcode').fill('30159');
  await dialog.getByLabel('Town').fill(town);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  if (parent) {
    const reveal = page.getByRole('dialog', { name: 'API key created' });
    const codes = reveal.locator('code');
    const key = { key: (await codes.nth(0).textContent())!, secret: (await codes.nth(1).textContent())! };
    await reveal.getByRole('button', { name: 'I have stored the secret' }).click();
    return key;
  }
  await expect(page.getByTestId('org-table').getByRole('row', { name: new RegExp(name) })).toBeVisible();
  return undefined;
}

test('enterprise holding: the vendor creates the holding and its branches; branches sign and show under the holding', async ({ page }) => {
  await loginOwner(page);
  await createOrg(page, 'Holding AG', 'Hannover');
  const nord = (await createOrg(page, 'Filiale Nord', 'Kiel', 'Holding AG'))!;
  await createOrg(page, 'Filiale Süd', 'Passau', 'Holding AG');

  // The tree shows both branches below the holding.
  const holding = page.getByTestId('org-table').getByRole('rowgroup', { name: 'Holding AG' });
  await expect(holding.getByRole('row', { name: /Filiale Nord/ })).toHaveAttribute('aria-level', '2');
  await expect(holding.getByRole('row', { name: /Filiale Süd/ })).toContainText('managed');

  // The switcher groups the branches under the holding.
  await page.getByTestId('org-switcher').click();
  const group = page.getByRole('listbox').getByRole('group', { name: 'Holding AG' });
  // An option's text ends with its "managed" badge.
  await expect(group.getByRole('option')).toHaveText(['Holding AG', 'Filiale Nordmanaged', 'Filiale Südmanaged']);
  await page.screenshot({ path: shot('holding-switcher') });
  await page.keyboard.press('Escape');

  const pos = new Pos(page.request);
  await pos.auth(nord.key, nord.secret);
  const { tss, client } = await pos.initializedTss('NORD-1');
  await pos.receipt(tss, client, '5.00');

  await page.goto(base() + '/tss');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Filiale Nord/ }).click();
  await page.getByTestId('tss-table').getByRole('link').first().click();
  await expect(page.getByTestId('tx-table').locator('tbody tr')).toHaveCount(1);

  // As fiskaly describes it, a holding the vendor creates with its API key is administered by
  // the vendor until it is handed over; after that the vendor sees it no more.
  const vendorKey = await session(page, 'POST', `/api/v0/organizations/${(await session(page, 'GET', '/api/dashboard/me')).organizations.find((o: { name: string }) => o.name === 'Vendor GmbH')._id}/api-keys`, { name: 'Provisioning' });
  const token = (await (await page.request.post(base() + '/api/v0/auth', { data: { api_key: vendorKey.key, api_secret: vendorKey.secret } })).json()).access_token;
  const created = await page.request.post(base() + '/api/v0/organizations', {
    data: { name: 'Konzern Holding SE', address_line1: 'Ring 1', zip: '60311', town: 'Frankfurt', country_code: 'DEU' },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status()).toBe(200);
  const konzern = await created.json();
  await session(page, 'POST', `/api/v0/organizations/${konzern._id}/users`, { email: 'hans@konzern.example', role: 'owner' });
  await page.goto(`${base()}/organizations/${konzern._id}`);
  await expect(page.getByText('Konzern Holding SE was created with a key of Vendor GmbH')).toBeVisible();
  await page.getByRole('button', { name: 'Hand over administration' }).click();
  await page.getByRole('dialog', { name: 'Hand over administration' }).getByRole('button', { name: 'Hand over', exact: true }).click();
  await expect(page).toHaveURL(/\/organizations$/);
  await expect(page.getByTestId('org-table').getByRole('row', { name: /Konzern Holding SE/ })).toHaveCount(0);
});

test('white-label partner: billed to and withheld by the vendor, it manages its own customers', async ({ page, browser }) => {
  await loginOwner(page);
  await createOrg(page, 'Partner Kassen GmbH', 'Bremen');
  const list = await session(page, 'GET', '/api/v0/organizations?limit=5000');
  const partner = list.data.find((o: { name: string }) => o.name === 'Partner Kassen GmbH');
  const vendor = list.data.find((o: { name: string }) => o.name === 'Vendor GmbH');

  // Billing options in the partner's settings: billed to the vendor, withheld.
  await page.goto(`${base()}/organizations/${partner._id}`);
  await page.getByRole('combobox', { name: 'Bill to organization' }).click();
  await page.getByRole('option', { name: 'Vendor GmbH', exact: true }).click();
  await page.getByLabel('Withhold billing').check();
  await page.getByRole('button', { name: 'Save' }).last().click();
  await expect.poll(async () => (await session(page, 'GET', `/api/v0/organizations/${partner._id}`)).billing_options).toMatchObject({ withhold_billing: true, bill_to_organization: vendor._id });

  // The partner's own user creates its customer as a managed org.
  const invite = await session(page, 'POST', `/api/v0/organizations/${partner._id}/users`, { email: 'pia@partner.example', role: 'owner' });
  const guest = await browser.newContext({ reducedMotion: 'reduce' });
  const gp = await guest.newPage();
  await gp.goto(base() + invite.accept_url);
  await gp.getByLabel('Password', { exact: true }).fill('pia-password-123');
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  const customerKey = (await createOrg(gp, 'Partnerkunde Imbiss', 'Bremen', 'Partner Kassen GmbH'))!;
  // The partner sees itself and its customer, not the vendor, and no billing.
  await expect(gp.getByTestId('org-table').locator('tbody tr')).toHaveCount(2);
  await expect(gp.getByText('Vendor GmbH')).toHaveCount(0);
  await expect(gp.getByRole('link', { name: 'Billing' })).toHaveCount(0);
  await gp.screenshot({ path: shot('white-label-partner'), fullPage: true });

  const pos = new Pos(gp.request);
  await pos.auth(customerKey.key, customerKey.secret);
  await pos.initializedTss('IMBISS-1');
  await guest.close();

  // The vendor still sees the partner's customer.
  await page.goto(base() + '/organizations');
  await expect(page.getByTestId('org-table').getByRole('rowgroup', { name: 'Partner Kassen GmbH' }).getByRole('row', { name: /Partnerkunde Imbiss/ })).toBeVisible();
});
