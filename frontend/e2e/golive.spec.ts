import { expect, test } from '@playwright/test';
import { base, loginOwner, session, shot } from './helpers';

// Going live from "missing everything" to LIVE: the checklist says what is
// missing and where to fix it, the button waits until all of it holds,
// and the irreversible step is confirmed.
test('the go-live checklist leads from missing everything to LIVE', async ({ page }) => {
  test.setTimeout(120_000);
  await loginOwner(page);
  const org = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Golive Kassen GmbH', address_line1: 'Werkstraße 5', zip: '28195', town: 'Bremen', country_code: 'DEU',
  });
  await page.goto(`${base()}/organizations/${org._id}`);
  const card = page.getByTestId('go-live');
  const list = page.getByTestId('live-checklist');
  await expect(list.locator('li[data-met="false"]')).toHaveCount(2);
  await expect(card.getByRole('button', { name: 'Go live' })).toBeDisabled();
  await expect(page.getByText(/does not meet the requirements/)).toHaveCount(0);
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot('golive-missing-en'), fullPage: true });

  // The link of the missing tax identity puts the cursor into the VAT id field.
  await card.getByRole('button', { name: 'Enter VAT id or tax number' }).click();
  await expect(page.locator('[data-field="vat_id"]')).toBeFocused();
  await page.keyboard.type('DE123456789');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await expect(page.getByText('Saved.', { exact: true })).toBeVisible();
  await expect(list.locator('li[data-met="true"]')).toHaveCount(1);
  await expect(list).toContainText('VAT id given.');
  await expect(card.getByRole('button', { name: 'Go live' })).toBeDisabled();

  // The billing one: a billing address, made from the organization's own.
  await card.getByRole('button', { name: 'choose a billing address' }).click();
  await page.getByRole('button', { name: 'New billing address' }).click();
  const dialog = page.getByRole('dialog', { name: 'New billing address' });
  await expect(dialog.getByLabel('Company name')).toHaveValue('Golive Kassen GmbH');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Billing address saved.')).toBeVisible();
  await expect(list.locator('li[data-met="true"]')).toHaveCount(2);
  await expect(list).toContainText('Billing address chosen.');
  await page.screenshot({ path: shot('golive-ready-en'), fullPage: true });

  // Going live asks first; the step needs the box ticked.
  await card.getByRole('button', { name: 'Go live' }).click();
  const confirm = page.getByRole('dialog', { name: 'Take Golive Kassen GmbH live?' });
  await expect(confirm).toContainText('cannot be undone');
  await expect(confirm.getByRole('button', { name: 'Go live now' })).toBeDisabled();
  await page.screenshot({ path: shot('golive-confirm-en'), fullPage: true });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  expect((await session(page, 'GET', `/api/v0/organizations/${org._id}`))._envs).toEqual(['TEST']);

  await card.getByRole('button', { name: 'Go live' }).click();
  await confirm.getByLabel('I understand that this cannot be undone').check();
  await confirm.getByRole('button', { name: 'Go live now' }).click();
  await expect(page.getByText('Golive Kassen GmbH is live.')).toBeVisible();
  await expect(card).toContainText('This organization is live');
  expect((await session(page, 'GET', `/api/v0/organizations/${org._id}`))._envs).toEqual(['TEST', 'LIVE']);
  // Switcher and page agree: LIVE can be chosen now, the overview says live.
  await expect(page.getByRole('radio', { name: 'LIVE' }).first()).toBeEnabled();
  await page.goto(`${base()}/organizations/${org._id}/overview`);
  await expect(page.getByTestId('live-badge')).toHaveText('live');
  await page.screenshot({ path: shot('golive-done-en'), fullPage: true });
});

test('the checklist in German, and a managed organization billed through its parent', async ({ page }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { name: string }) => o.name === 'Vendor GmbH')._id;
  const shop = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Golive Filiale', address_line1: 'Markt 1', zip: '01067', town: 'Dresden', country_code: 'DEU', managed_by_organization_id: vendor,
  });
  await page.goto(`${base()}/organizations/${shop._id}`);
  await page.getByText('DE', { exact: true }).first().click();
  const list = page.getByTestId('live-checklist');
  await expect(list).toContainText('Eine Steueridentität');
  await expect(list).toContainText('Abgerechnet über die verwaltende Organisation.');
  await expect(list.locator('li[data-met="false"]')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Live gehen' })).toBeDisabled();
  await page.getByTestId('go-live').scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot('golive-missing-de'), fullPage: true });
});
