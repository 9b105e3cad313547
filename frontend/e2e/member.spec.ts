import { expect, test } from '@playwright/test';
import { Pos, base, expectNoSidewaysScroll, loginOwner, session, shot, watchFailures } from './helpers';

// A managed customer's member — billing withheld, role member — goes
// through every page offered. Nothing the page asks may be refused, no
// control offers what the role may not do, and nothing raw reaches the
// screen.
test("a managed customer's member makes no request its role must refuse", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { name: string }) => o.name === 'Vendor GmbH')._id;
  const shop = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Eiscafé Mitglied', address_line1: 'Seeweg 3', zip: '23552', town: 'Lübeck', country_code: 'DEU',
    managed_by_organization_id: vendor, generate_api_key: true,
    billing_options: { withhold_billing: true, bill_to_organization: vendor },
  });
  const pos = new Pos(page.request);
  await pos.auth(shop.api_key.key, shop.api_key.secret);
  const { tss, client } = await pos.initializedTss('EIS-1');
  const signed = await pos.receipt(tss, client, '4.20');
  const invite = await session(page, 'POST', `/api/v0/organizations/${shop._id}/users`, { email: 'mo@eiscafe.example', role: 'member' });

  const guest = await browser.newContext({ reducedMotion: 'reduce' });
  const gp = await guest.newPage();
  await gp.goto(base() + invite.accept_url);
  await gp.getByLabel('Password', { exact: true }).fill('mo-password-1234');
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  const failures = watchFailures(gp);

  // The navigation offers what a member has: no sandbox, billing or workstation.
  const nav = gp.getByRole('navigation', { name: 'Main navigation' });
  for (const name of ['Overview', 'TSS', 'Exports', 'Cash registers', 'API keys', 'Organization', 'All organizations']) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }
  for (const name of ['Sandbox', 'Billing', 'This workstation']) await expect(nav.getByRole('link', { name })).toHaveCount(0);
  await expect(gp.getByTestId('stat-Transactions')).toHaveAttribute('data-value', '1');
  await gp.screenshot({ path: shot('member-overview-en'), fullPage: true });

  // TSS: looked at, not administered; a transaction opens by its row.
  await nav.getByRole('link', { name: 'TSS', exact: true }).click();
  await expect(gp.getByRole('button', { name: 'Create TSS' })).toHaveCount(0);
  await gp.getByTestId('tss-table').getByRole('link').first().click();
  await expect(gp.getByText('As a member you see this TSS; owners and admins administer it.')).toBeVisible();
  for (const name of ['Deploy', 'Set admin PIN', 'Initialize', 'Disable']) await expect(gp.getByRole('button', { name, exact: true })).toHaveCount(0);
  await gp.getByTestId('tx-table').locator('tbody tr').first().click();
  const drawer = gp.getByRole('dialog', { name: `Transaction ${signed.number}` });
  await expect(drawer.getByTestId('receipt')).toContainText('5.27');
  await expect(gp).toHaveURL(new RegExp(`\\?tx=${signed.number}$`));
  await drawer.getByRole('button', { name: 'Verify signature' }).click();
  await expect(drawer.getByTestId('verify-result')).toContainText('Signature valid');
  await gp.keyboard.press('Escape');
  await gp.getByRole('tab', { name: 'Clients' }).click();
  await expect(gp.getByRole('button', { name: 'Register client' })).toHaveCount(0);
  await expect(gp.getByRole('button', { name: 'Deregister' })).toHaveCount(0);

  await nav.getByRole('link', { name: 'Exports' }).click();
  await expect(gp.getByRole('heading', { name: 'Exports', level: 2 })).toBeVisible();
  await nav.getByRole('link', { name: 'Cash registers' }).click();
  await expect(gp.getByRole('heading', { name: 'Cash registers and closings', level: 2 })).toBeVisible();
  await nav.getByRole('link', { name: 'API keys' }).click();
  await expect(gp.getByTestId('key-table')).toBeVisible();
  await expect(gp.getByRole('button', { name: 'Create API key' })).toHaveCount(0);
  await expect(gp.getByTestId('key-table').getByRole('switch').first()).toBeDisabled();

  // The organization: read-only fields, no going live, no billing at all.
  await nav.getByRole('link', { name: 'Organization', exact: true }).click();
  await expect(gp.getByRole('heading', { name: 'Eiscafé Mitglied', level: 2 })).toBeVisible();
  await expect(gp.getByText('Your role: member')).toBeVisible();
  await expect(gp.getByLabel('Organization name')).toHaveAttribute('readonly', '');
  await expect(gp.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(gp.getByRole('button', { name: 'Go live' })).toHaveCount(0);
  await expect(gp.getByText('Owners and admins of the organization take it live.')).toBeVisible();
  await expect(gp.getByRole('heading', { name: 'Billing options' })).toHaveCount(0);
  await expect(gp.getByRole('heading', { name: 'Billing address' })).toHaveCount(0);
  await expect(gp.getByRole('button', { name: 'Invite' })).toHaveCount(0);
  await expect(gp.getByRole('button', { name: 'Upload logo' })).toHaveCount(0);
  await expect(gp.getByText('€')).toHaveCount(0);
  await gp.screenshot({ path: shot('member-organization-en'), fullPage: true });

  await nav.getByRole('link', { name: 'All organizations' }).click();
  await expect(gp.getByTestId('org-table').locator('tbody tr')).toHaveCount(1);
  await expect(gp.getByRole('button', { name: 'Create organization' })).toHaveCount(0);

  // Pages typed into the address bar answer without asking what is refused.
  await gp.goto(`${base()}/organizations/${shop._id}/billing`);
  await expect(gp.getByText('Billing is withheld for this account')).toBeVisible();
  await gp.goto(base() + '/settings/workstation');
  await expect(gp.getByText('Backup, restore and sync of this installation are for its administrators.')).toBeVisible();
  await gp.goto(`${base()}/organizations/${vendor}`);
  await expect(gp.getByTestId('org-not-found')).toBeVisible();
  await expect(gp.getByText('Vendor GmbH')).toHaveCount(0);

  // And in German the same, with German states.
  await gp.goto(`${base()}/organizations/${shop._id}/tss`);
  await gp.getByText('DE', { exact: true }).first().click();
  await expect(gp.getByTestId('tss-table')).toContainText('Initialisiert');
  await gp.screenshot({ path: shot('member-tss-de'), fullPage: true });

  // On a phone, in both languages, every page the member has fits as well.
  await gp.setViewportSize({ width: 360, height: 780 });
  const org = `/organizations/${shop._id}`;
  const pages = [
    ['overview', `${org}/overview`], ['tss', `${org}/tss/${tss}`], ['transaction', `${org}/tss/${tss}?tx=${signed.number}`],
    ['exports', `${org}/exports`], ['api-keys', `${org}/api-keys`], ['organization', org],
    ['billing', `${org}/billing`], ['workstation', '/settings/workstation'],
  ] as const;
  for (const lang of ['en', 'de'] as const) {
    await gp.evaluate((l) => localStorage.setItem('fiskaldesk.language', l), lang);
    for (const [name, path] of pages) {
      await gp.goto(base() + path);
      await expect(gp.getByRole('heading').first()).toBeVisible();
      await gp.waitForLoadState('networkidle');
      await expectNoSidewaysScroll(gp, `member's ${name} (${lang}, 360 px)`);
      await gp.screenshot({ path: shot(`member-360-${lang}-${name}`), fullPage: name !== 'transaction' });
    }
  }

  expect(failures, failures.join('\n')).toEqual([]);
  await guest.close();
});
