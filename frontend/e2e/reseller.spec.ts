import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { Pos, base, loginOwner, session, shot } from './helpers';

// The individual-customers scenario through the dashboard: the vendor creates
// a customer as a managed organization with its key, the customer's POS
// signs receipts, and the vendor finds them, with their QR codes, in the UI.
test.describe.configure({ mode: 'serial' });

let customerKey = { key: '', secret: '' };

test('a managed organization is created with its API key, the secret shown once', async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/organizations');
  await expect(page.getByRole('heading', { name: 'Organizations', level: 2 })).toBeVisible();
  await page.getByRole('button', { name: 'Create organization' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Create managed organization').check();
  await expect(dialog.getByRole('combobox', { name: 'Managed by' })).toHaveValue('Vendor GmbH');
  await dialog.getByLabel('Organization name').fill('Café Kunde');
  await dialog.getByLabel('Street and number').fill('Marktplatz 3');
  await dialog.getByLabel('Postcode').fill('20095');
  await dialog.getByLabel('Town').fill('Hamburg');
  // The form checks the VAT id before sending.
  await dialog.getByLabel('VAT id').fill('DE12345');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByText('DE and 9 digits')).toBeVisible();
  await dialog.getByLabel('VAT id').fill('DE123456789');
  await page.screenshot({ path: shot('org-create'), fullPage: true });
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();

  const reveal = page.getByRole('dialog', { name: 'API key created' });
  await expect(reveal.getByText('Copy the secret now')).toBeVisible();
  const codes = reveal.locator('code');
  customerKey = { key: (await codes.nth(0).textContent())!, secret: (await codes.nth(1).textContent())! };
  expect(customerKey.key).toMatch(/^test_[a-z0-9]{24}_/);
  expect(customerKey.secret).toMatch(/^[A-Za-z0-9]{40}$/);
  await page.screenshot({ path: shot('key-secret-once'), fullPage: true });
  await reveal.getByRole('button', { name: 'I have stored the secret' }).click();

  // The tree shows the customer below its parent.
  const row = page.getByTestId('org-table').getByRole('rowgroup', { name: 'Vendor GmbH' }).getByRole('row', { name: /Café Kunde/ });
  await expect(row).toContainText('managed');
  await expect(row).toHaveAttribute('aria-level', '2');
  await page.screenshot({ path: shot('organizations'), fullPage: true });
});

test("the customer's POS signs receipts that the vendor sees with their QR codes", async ({ page }) => {
  const pos = new Pos(page.request);
  await pos.auth(customerKey.key, customerKey.secret);
  const { tss, client } = await pos.initializedTss('KASSE-01');
  const signed = [];
  for (const total of ['10.00', '20.00', '30.00']) signed.push(await pos.receipt(tss, client, total));

  await loginOwner(page);
  await page.goto(base() + '/tss');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Café Kunde/ }).click();
  await expect(page.getByText('TSS of Café Kunde in TEST.')).toBeVisible();
  await page.screenshot({ path: shot('tss-list'), fullPage: true });
  await page.getByTestId('tss-table').getByRole('link').first().click();
  await expect(page.getByText(tss, { exact: true })).toBeVisible();
  const rows = page.getByTestId('tx-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('FINISHED');
  await expect(rows.first()).toContainText('31.07'); // newest first: 30.00 + 1.07
  await page.screenshot({ path: shot('tss-detail'), fullPage: true });

  // By number, as a receipt names it.
  await page.getByRole('textbox', { name: 'Transaction no.' }).fill(String(signed[0].number));
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('dialog', { name: `Transaction ${signed[0].number}` })).toContainText('11.07');
  await page.keyboard.press('Escape');
  await page.getByRole('textbox', { name: 'Transaction no.' }).fill('999');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByText(/not found/i)).toBeVisible();

  await rows.first().click();
  const drawer = page.getByRole('dialog', { name: `Transaction ${signed[2].number}` });
  await expect(drawer.getByTestId('receipt')).toContainText('31.07');
  await expect(drawer.getByTestId('receipt-qr')).toBeVisible();
  await expect(drawer.getByText(signed[2].qr_code_data, { exact: true })).toBeVisible();
  await expect(drawer.getByText(signed[2].signature.value, { exact: true })).toBeVisible();
  await page.screenshot({ path: shot('transaction-qr') });
  await drawer.getByRole('button', { name: 'Verify signature' }).click();
  await expect(drawer.getByTestId('verify-result')).toContainText('Signature valid');

  // The overview of the customer counts them, today.
  await page.goto(base() + '/');
  await expect(page.getByTestId('stat-Transactions')).toHaveText('3');
  await expect(page.getByTestId('stat-Today')).toHaveText('3');
  await expect(page.getByTestId('stat-Registered clients')).toHaveText('1');
  await page.screenshot({ path: shot('overview-customer'), fullPage: true });

  // The same in German.
  await page.getByText('DE', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Übersicht' })).toBeVisible();
  await expect(page.getByText('Transaktionen pro Tag (UTC, letzte 14 Tage)')).toBeVisible();
  await page.screenshot({ path: shot('overview-customer-de'), fullPage: true });
  await page.getByRole('link', { name: 'TSS' }).click();
  await expect(page.getByRole('heading', { name: 'Technische Sicherheitseinrichtungen' })).toBeVisible();
  await page.getByText('EN', { exact: true }).first().click();
});

test("the vendor exports the customer's TSS as TAR, and fiskaldesk verify accepts it", async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/exports');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Café Kunde/ }).click();
  await page.getByRole('combobox', { name: 'TSS' }).click();
  await page.getByRole('option', { name: /INITIALIZED/ }).first().click();
  await page.getByRole('button', { name: 'Start export' }).click();
  const row = page.getByTestId('export-table').locator('tbody tr').first();
  await expect(row).toContainText('COMPLETED', { timeout: 15_000 });
  await page.screenshot({ path: shot('exports'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
  const file = resolve('../test-output/e2e-export.tar');
  await download.saveAs(file);
  // verify exits non-zero on any finding; its output names what it checked.
  const out = execFileSync(resolve(process.env.FISKALDESK_BIN ?? '../bin/fiskaldesk'), ['verify', file], { encoding: 'utf8' });
  expect(out).toContain('OK: everything checkable holds');

  // The month's report as PDF, and as XLSX.
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report' }).click()]);
  expect(pdf.suggestedFilename()).toMatch(/^transactions-.*\.pdf$/);
  const pdfPath = resolve('../test-output/e2e-report.pdf');
  await pdf.saveAs(pdfPath);
  expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
});

test('API keys: created with the secret once, disabled, deleted', async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/developers/api-keys');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /^Vendor GmbH$/ }).click();
  await page.getByRole('button', { name: 'Create API key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create API key' });
  await dialog.getByLabel('Name').fill('x');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog.getByText('3–30 letters')).toBeVisible();
  await dialog.getByLabel('Name').fill('Kasse Filiale 1');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  const reveal = page.getByRole('dialog', { name: 'API key created' });
  const secret = (await reveal.locator('code').nth(1).textContent())!;
  const key = (await reveal.locator('code').nth(0).textContent())!;
  await reveal.getByRole('button', { name: 'I have stored the secret' }).click();

  // The secret is gone for good: not in the table, not after a reload.
  await page.reload();
  const row = page.getByTestId('key-table').getByRole('row', { name: /Kasse Filiale 1/ });
  await expect(row).toContainText(key);
  expect(await page.content()).not.toContain(secret);
  await page.screenshot({ path: shot('api-keys'), fullPage: true });

  const pos = new Pos(page.request);
  await pos.auth(key, secret);
  await row.getByRole('switch').click({ force: true });
  await expect(row.getByRole('switch')).not.toBeChecked();
  const refused = await page.request.post(base() + '/api/v2/auth', { data: { api_key: key, api_secret: secret } });
  expect(refused.status()).toBe(401);

  await row.getByRole('button', { name: 'Delete Kasse Filiale 1' }).click();
  await page.getByRole('dialog', { name: 'Delete key' }).getByRole('button', { name: 'Delete key' }).click();
  await expect(page.getByTestId('key-table').getByRole('row', { name: /Kasse Filiale 1/ })).toHaveCount(0);
});

test('a TSS is created, deployed, given a PIN and initialized from the dashboard', async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/tss');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /^Vendor GmbH$/ }).click();
  await page.getByRole('button', { name: 'Create TSS' }).click();
  const create = page.getByRole('dialog', { name: 'Create TSS' });
  // Descriptions are ASCII only (they go into the TSS's signed logs).
  await create.getByLabel('Description').fill('Kasse Köln');
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(create.getByText('no umlauts')).toBeVisible();
  await create.getByLabel('Description').fill('Kasse 1 Koeln');
  await create.getByRole('button', { name: 'Create', exact: true }).click();
  const created = page.getByRole('dialog', { name: 'TSS created' });
  const puk = (await created.locator('code').nth(0).textContent())!;
  expect(puk).toMatch(/^\d{10}$/);
  await page.screenshot({ path: shot('tss-puk-once'), fullPage: true });
  await created.getByRole('button', { name: 'I have stored the PUK' }).click();

  await expect(page.getByRole('heading', { name: 'Kasse 1 Koeln', level: 2 })).toBeVisible();
  await expect(page.getByText('CREATED').first()).toBeVisible();
  await page.getByRole('button', { name: 'Deploy' }).click();
  await expect(page.getByText('UNINITIALIZED').first()).toBeVisible();

  await page.getByRole('button', { name: 'Set admin PIN' }).click();
  let dialog = page.getByRole('dialog', { name: 'Set admin PIN' });
  await dialog.getByLabel('Admin PUK').fill('0000000000');
  await dialog.getByLabel('New admin PIN').fill('246810');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('The PUK is wrong.')).toBeVisible();
  await dialog.getByLabel('Admin PUK').fill(puk);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);

  await page.getByRole('button', { name: 'Initialize' }).click();
  dialog = page.getByRole('dialog', { name: 'Initialize' });
  // The description chosen at creation is written into the TSS now.
  await expect(dialog.getByLabel('Description')).toHaveValue('Kasse 1 Koeln');
  await dialog.getByLabel('Admin PIN').fill('246810');
  await dialog.getByRole('button', { name: 'Initialize' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('INITIALIZED', { exact: true }).first()).toBeVisible();
  const tssId = page.url().split('/tss/')[1];
  expect((await session(page, 'GET', `/api/v2/tss/${tssId}`, undefined, { 'X-Organization-ID': page.url().split('/')[4] })).description).toBe('Kasse 1 Koeln');

  await page.getByRole('tab', { name: 'Clients' }).click();
  await page.getByLabel('Client serial number').fill('KASSE-UI');
  await page.getByRole('button', { name: 'Register client' }).click();
  await expect(page.getByTestId('client-table')).toContainText('KASSE-UI');
  await page.screenshot({ path: shot('tss-initialized'), fullPage: true });
});
