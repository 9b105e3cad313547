import { expect, test } from '@playwright/test';
import { base, loginOwner, session, shot } from './helpers';

// A 1×1 PNG: the server sniffs the type from the bytes and decodes the header.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test('organization settings: invite a user with a role, upload a logo, set billing options', async ({ page, browser }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { _type: string }) => o._type === 'ORGANIZATION')._id;
  const shop = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Blumen Settings', address_line1: 'Gartenweg 4', zip: '04109', town: 'Leipzig', country_code: 'DEU', managed_by_organization_id: vendor,
  });
  await page.goto(`${base()}/organizations/${shop._id}`);
  await expect(page.getByRole('heading', { name: 'Blumen Settings' })).toBeVisible();

  await page.getByLabel('E-mail address').fill('no-address');
  await page.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByText('Not an e-mail address')).toBeVisible();
  await page.getByLabel('E-mail address').fill('flora@blumen.example');
  await page.getByRole('textbox', { name: 'Role' }).or(page.getByRole('combobox', { name: 'Role' })).first().click();
  await page.getByRole('option', { name: 'admin' }).click();
  await page.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByText('Invitation for flora@blumen.example created')).toBeVisible();
  const link = (await page.getByText(/\/invite\//).textContent())!.trim();
  await expect(page.getByTestId('member-table')).toContainText('invited');

  await page.locator('input[type=file]').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await expect(page.getByTestId('logo-preview')).toBeVisible();

  await page.getByLabel('Withhold billing').check();
  await page.getByRole('button', { name: 'Save' }).last().click();
  await page.reload();
  await expect(page.getByLabel('Withhold billing')).toBeChecked();
  await page.getByRole('button', { name: 'New billing address' }).click();
  const addr = page.getByRole('dialog', { name: 'New billing address' });
  await expect(addr.getByLabel('Company name')).toHaveValue('Blumen Settings');
  await addr.getByLabel('Invoice e-mail').fill('rechnung@blumen.example');
  await addr.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('combobox', { name: 'Billing address' })).toHaveValue('Blumen Settings, Leipzig');
  await page.screenshot({ path: shot('organization-settings'), fullPage: true });

  // The invited user joins, changes the password, and logs in with the new one.
  const guest = await browser.newContext({ reducedMotion: 'reduce' });
  const gp = await guest.newPage();
  await gp.goto(link);
  await gp.getByLabel('Password', { exact: true }).fill('flora-password-1');
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await gp.getByRole('button', { name: 'Account' }).click();
  await gp.getByRole('menuitem', { name: 'Change password' }).click();
  const dialog = gp.getByRole('dialog', { name: 'Change password' });
  await dialog.getByLabel('Current password').fill('flora-password-1');
  await dialog.getByLabel('New password').fill('flora-password-2');
  await dialog.getByLabel('Repeat password').fill('flora-password-2');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Password changed')).toBeVisible();
  expect((await gp.request.post(base() + '/api/dashboard/login', { data: { email: 'flora@blumen.example', password: 'flora-password-1' } })).status()).toBe(401);
  expect((await gp.request.post(base() + '/api/dashboard/login', { data: { email: 'flora@blumen.example', password: 'flora-password-2' } })).status()).toBe(200);
  await guest.close();
});
