import { expect, test } from '@playwright/test';
import { Pos, base, expectNoSidewaysScroll, loginOwner, session, shot } from './helpers';

// Withheld billing: the vendor sees usage and invoices covering its
// customer; the customer's own user sees no billing page and no price.
test('invoices are visible to the paying vendor and hidden from a customer whose billing is withheld', async ({ page, browser }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { _type: string }) => o._type === 'ORGANIZATION')._id;
  const shop = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Eisdiele Withheld', address_line1: 'Strandweg 2', zip: '18055', town: 'Rostock', country_code: 'DEU',
    managed_by_organization_id: vendor, generate_api_key: true,
    billing_options: { withhold_billing: true, bill_to_organization: vendor },
  });
  const pos = new Pos(page.request);
  await pos.auth(shop.api_key.key, shop.api_key.secret);
  const { tss, client } = await pos.initializedTss('EIS-1');
  await pos.receipt(tss, client, '3.50');
  const invite = await session(page, 'POST', `/api/v0/organizations/${shop._id}/users`, { email: 'ella@eisdiele.example', role: 'admin' });

  await page.goto(base() + '/billing');
  await expect(page.getByRole('link', { name: 'Billing' })).toBeVisible();
  await page.getByRole('button', { name: 'Compute drafts' }).click();
  await expect(page.getByText(/drafts? computed/)).toBeVisible();
  const row = page.getByTestId('invoice-table').getByRole('row', { name: /Eisdiele Withheld/ });
  await expect(row).toContainText('€');
  await page.screenshot({ path: shot('billing-vendor'), fullPage: true });

  // On a phone, in both languages, the invoices and the customer's usage
  // keep their figures in view: nothing scrolls sideways, not even a table.
  await page.setViewportSize({ width: 360, height: 780 });
  for (const lang of ['en', 'de'] as const) {
    await page.evaluate((l) => localStorage.setItem('fiskaldesk.language', l), lang);
    const views = [['vendor', `/organizations/${vendor}/billing`, 'invoice-table'], ['customer', `/organizations/${shop._id}/billing`, 'usage-table']] as const;
    for (const [name, path, table] of views) {
      await page.goto(base() + path);
      await expect(page.getByTestId(table)).toBeVisible();
      await expectNoSidewaysScroll(page, `billing of the ${name} (${lang}, 360 px)`);
      await page.screenshot({ path: shot(`billing-${name}-360-${lang}`), fullPage: true });
    }
  }

  // The customer's user: no billing in the navigation, none on the page, 404 from the API.
  const guest = await browser.newContext({ reducedMotion: 'reduce' });
  const gp = await guest.newPage();
  await gp.goto(base() + invite.accept_url);
  await gp.getByLabel('Password', { exact: true }).fill('ella-password-123');
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(gp.getByRole('link', { name: 'TSS' })).toBeVisible();
  await expect(gp.getByRole('link', { name: 'Billing' })).toHaveCount(0);
  await gp.goto(base() + '/billing');
  await expect(gp.getByText('Billing is withheld for this account')).toBeVisible();
  await expect(gp.getByText('€')).toHaveCount(0);
  expect((await gp.request.get(base() + '/api/v0/invoices')).status()).toBe(404);
  await gp.screenshot({ path: shot('billing-withheld'), fullPage: true });
  await guest.close();
});
