import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { Pos, base, loginOwner, session, shot } from './helpers';

// A POS sends a cash point closing for a day; the back office exports
// DSFinV-K from the dashboard and gets index.xml with the CSV tables.
test('a DSFinV-K export of a cash point closing is started and downloaded from the dashboard', async ({ page }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  const vendor = me.organizations.find((o: { _type: string }) => o._type === 'ORGANIZATION')._id;
  const shop = await session(page, 'POST', '/api/v0/organizations', {
    name: 'Kiosk DSFinV-K', address_line1: 'Bahnhofstr. 9', zip: '99084', town: 'Erfurt', country_code: 'DEU', tax_number: '151/815/08156',
    managed_by_organization_id: vendor, generate_api_key: true,
  });
  const pos = new Pos(page.request);
  await pos.auth(shop.api_key.key, shop.api_key.secret);
  const { tss, client } = await pos.initializedTss('KIOSK-1');
  const v1 = async (method: string, path: string, data: unknown) => {
    const token = (await (await page.request.post(base() + '/api/v1/auth', { data: { api_key: shop.api_key.key, api_secret: shop.api_key.secret } })).json()).access_token;
    const r = await page.request.fetch(base() + '/api/v1' + path, { method, data, headers: { Authorization: `Bearer ${token}` } });
    expect(r.status(), await r.text()).toBe(200);
    return r.json();
  };
  await v1('PUT', `/cash_registers/${client}`, {
    cash_register_type: { type: 'MASTER', tss_id: tss }, brand: 'Kiosk', model: 'K1', software: { brand: 'POS', version: '1.0' }, base_currency_code: 'EUR',
  });
  const fin = await pos.receipt(tss, client, '11.90'); // 11.90 at 19 % + 1.07 at 7 %
  const vat = [
    { vat_definition_export_id: 1, incl_vat: 11.9, excl_vat: 10, vat: 1.9 },
    { vat_definition_export_id: 2, incl_vat: 1.07, excl_vat: 1, vat: 0.07 },
  ];
  const closing = await v1('PUT', `/cash_point_closings/${crypto.randomUUID()}`, {
    client_id: client, cash_point_closing_export_id: 1,
    head: { export_creation_date: Math.floor(Date.now() / 1000), first_transaction_export_id: 'B1', last_transaction_export_id: 'B1', business_date: '2026-11-30' },
    cash_statement: {
      business_cases: [{ type: 'Umsatz', amounts_per_vat_id: vat }],
      payment: { full_amount: 12.97, cash_amount: 12.97, cash_amounts_by_currency: [{ currency_code: 'EUR', amount: 12.97 }], payment_types: [{ type: 'Bar', currency_code: 'EUR', amount: 12.97 }] },
    },
    transactions: [{
      head: { tx_id: fin._id, transaction_export_id: 'B1', closing_client_id: client, type: 'Beleg', storno: false, number: 1, timestamp_start: fin.time_start, timestamp_end: fin.log.timestamp, user: { user_export_id: '1', name: 'Kim' } },
      data: { full_amount_incl_vat: 12.97, payment_types: [{ type: 'Bar', currency_code: 'EUR', amount: 12.97 }], amounts_per_vat_id: vat,
        lines: [{ lineitem_export_id: '1', storno: false, text: 'Zeitung', item: { number: 'Z1', quantity: 1, price_per_unit: 11.9 }, business_case: { type: 'Umsatz', amounts_per_vat_id: [vat[0]] } }] },
      security: { tss_tx_id: fin._id },
    }],
  });
  expect(closing.state).toBe('PENDING');

  // The closing is validated in the background; the register and its closing show up.
  await page.goto(base() + '/cash-registers');
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Kiosk DSFinV-K/ }).click();
  await expect(page.getByTestId('register-table')).toContainText('MASTER');
  const closingRow = page.getByTestId('closing-table').locator('tbody tr').first();
  await expect(closingRow).toContainText('COMPLETED', { timeout: 15_000 });
  await expect(closingRow).toContainText('2026-11-30');
  await page.screenshot({ path: shot('cash-registers'), fullPage: true });
  await closingRow.click();
  await expect(page.getByRole('dialog', { name: 'Closing Z_NR 1' })).toBeVisible();
  await page.keyboard.press('Escape');

  await page.goto(base() + '/exports');
  await page.getByLabel('From business date').fill('2026-11-01');
  await page.getByLabel('To business date').fill('2026-11-30');
  await page.getByRole('button', { name: 'Start DSFinV-K export' }).click();
  const row = page.getByTestId('dsfinvk-table').locator('tbody tr').first();
  await expect(row).toContainText('COMPLETED', { timeout: 15_000 });
  await expect(row).toContainText('1 closing');
  await page.screenshot({ path: shot('exports-dsfinvk'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
  const file = resolve('../test-output/e2e-dsfinvk.tar');
  await download.saveAs(file);
  const tar = readFileSync(file).toString('latin1');
  for (const name of ['index.xml', 'gdpdu-01-09-2004.dtd', 'transactions_tse.csv', 'cashpointclosing.csv']) expect(tar).toContain(name);
  expect(tar).toContain(fin.signature.value);
});
