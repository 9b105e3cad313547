import { expect, test } from '@playwright/test';
import { base, loginOwner, resellerFixture, session, shot } from './helpers';

// The reseller's own job: every customer at once on the overview, the
// organizations as a tree, and the same numbers on each customer's page.
test.describe.configure({ mode: 'serial' });

let fx: Awaited<ReturnType<typeof resellerFixture>>;

test('the overview of a reseller adds up its customers, and the numbers are the API\'s', async ({ page }) => {
  test.setTimeout(180_000);
  await loginOwner(page);
  fx = await resellerFixture(page, 'Rollup', [2, 3, 5]);
  const api = await session(page, 'GET', `/api/dashboard/rollup?organization_id=${fx.reseller}&limit=100`);
  // The API itself counts what the POS signed.
  expect(api.totals.transactions).toBe(10);
  expect(api.totals.organizations).toBe(5); // reseller, three customers, the holding
  expect(api.totals.tss).toBe(3);

  await page.goto(`${base()}/organizations/${fx.reseller}/overview`);
  await expect(page.getByRole('heading', { name: 'Overview', level: 2 })).toBeVisible();
  // The switcher, the navigation and the page name the organization of the URL.
  await expect(page.getByTestId('org-switcher')).toHaveValue('Reseller Rollup');
  await expect(page.getByTestId('nav-org')).toHaveText('Reseller Rollup');
  await expect(page.getByTestId('stat-Organizations')).toHaveAttribute('data-value', String(api.totals.organizations));
  await expect(page.getByTestId('stat-TSS')).toHaveAttribute('data-value', String(api.totals.tss));
  await expect(page.getByTestId('stat-Registered clients')).toHaveAttribute('data-value', String(api.totals.clients));
  await expect(page.getByTestId('stat-Transactions')).toHaveAttribute('data-value', '10');
  await expect(page.getByTestId('stat-Today')).toHaveAttribute('data-value', String(api.totals.today));

  const table = page.getByTestId('rollup-table');
  await expect(table.locator('tbody tr')).toHaveCount(5);
  for (const c of fx.customers) {
    const row = table.locator(`tr[data-org="${c.id}"]`);
    const fromApi = api.data.find((r: { _id: string }) => r._id === c.id);
    await expect(row.locator('[data-col="transactions"]')).toHaveText(String(c.receipts));
    await expect(row.locator('[data-col="tss"]')).toHaveText(String(fromApi.tss));
    await expect(row.locator('[data-col="today"]')).toHaveText(String(fromApi.today));
    await expect(row).toContainText('managed by Reseller Rollup');
  }
  // Billing as the reseller sees it: the first customer withheld.
  await expect(table.locator(`tr[data-org="${fx.customers[0].id}"]`)).toContainText('withheld');
  await page.screenshot({ path: shot('overview-reseller-en'), fullPage: true });

  // Sorted on the server: most transactions first, then fewest.
  await page.getByTestId('sort-transactions').click();
  await expect(table.locator('tbody tr').first()).toHaveAttribute('data-org', fx.customers[2].id);
  await page.getByTestId('sort-transactions').click();
  await expect(table.locator('tbody tr').first().locator('[data-col="transactions"]')).toHaveText('0');
  // Searched: one customer; the totals stay those of all.
  await page.getByTestId('rollup-search').fill('Kunde B');
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.locator('tbody tr')).toHaveAttribute('data-org', fx.customers[1].id);
  await expect(page.getByTestId('stat-Transactions')).toHaveAttribute('data-value', '10');

  // A row opens the customer's page with the same numbers.
  await table.locator('tbody tr').first().click();
  await expect(page).toHaveURL(new RegExp(`/organizations/${fx.customers[1].id}$`));
  await expect(page.getByRole('heading', { name: fx.customers[1].name, level: 2 })).toBeVisible();
  await expect(page.getByTestId('org-switcher')).toHaveValue(fx.customers[1].name);
  const figures = page.getByTestId('org-figures');
  await expect(figures.getByTestId('stat-Transactions')).toHaveAttribute('data-value', '3');
  await expect(figures.getByTestId('stat-TSS')).toHaveAttribute('data-value', '1');
  await page.screenshot({ path: shot('customer-page-en'), fullPage: true });

  // In German: the same overview.
  await page.goto(`${base()}/organizations/${fx.reseller}/overview`);
  await page.getByText('DE', { exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'Übersicht', level: 2 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Organisationen und Kunden' })).toBeVisible();
  await expect(page.getByTestId('stat-Transaktionen')).toHaveAttribute('data-value', '10');
  await expect(page.getByTestId('rollup-table').locator(`tr[data-org="${fx.customers[0].id}"]`)).toContainText('verborgen');
  await page.screenshot({ path: shot('overview-reseller-de'), fullPage: true });
});

test('the organizations are a tree with search and who administers what', async ({ page }) => {
  await loginOwner(page);
  await page.goto(base() + '/organizations');
  const tree = page.getByTestId('org-table');
  const group = tree.getByRole('rowgroup', { name: 'Reseller Rollup' });
  await expect(group.getByRole('row')).toHaveCount(4);
  await expect(group.getByRole('row').first()).toHaveAttribute('aria-level', '1');
  await expect(group.getByRole('row', { name: /Kunde A Rollup/ })).toHaveAttribute('aria-level', '2');
  // The holding made with the reseller's key stands on its own, administered by it.
  const holding = tree.getByRole('rowgroup', { name: 'Holding Rollup' });
  await expect(holding).toContainText('Administered by Reseller Rollup');
  await page.screenshot({ path: shot('organizations-tree-en'), fullPage: true });

  // Search narrows to the customer and keeps its parent above it.
  await page.getByTestId('org-search').fill('kunde c rollup');
  await expect(tree.locator('tbody')).toHaveCount(1);
  await expect(group.getByRole('row')).toHaveCount(2);
  await expect(group.getByRole('row', { name: /Kunde C Rollup/ })).toBeVisible();
  await page.getByTestId('org-search').fill('no such org');
  await expect(page.getByText('No organization matches.')).toBeVisible();
  await page.getByTestId('org-search').fill('');

  // Collapsing hides the managed ones.
  await page.getByRole('button', { name: 'Hide the managed organizations of Reseller Rollup' }).click();
  await expect(group.getByRole('row')).toHaveCount(1);
  await page.getByRole('button', { name: 'Show the managed organizations of Reseller Rollup' }).click();
  await expect(group.getByRole('row')).toHaveCount(4);

  // A name opens that organization: page, switcher and badge agree.
  await group.getByRole('link', { name: 'Kunde C Rollup' }).click();
  await expect(page.getByRole('heading', { name: 'Kunde C Rollup', level: 2 })).toBeVisible();
  await expect(page.getByTestId('org-switcher')).toHaveValue('Kunde C Rollup');

  await page.getByText('DE', { exact: true }).first().click();
  await page.goto(base() + '/organizations');
  await expect(page.getByTestId('org-table').getByRole('rowgroup', { name: 'Holding Rollup' })).toContainText('Administriert von Reseller Rollup');
  await page.screenshot({ path: shot('organizations-tree-de'), fullPage: true });
});

test('a new browser opens on the user\'s own main organization; an unknown one is "not found" at once', async ({ page }) => {
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  // The user's own main organization: the first they belong to (the one of the first start).
  type O = { _id: string; name: string; member: boolean; _type: string; created_at: number };
  const own = (me.organizations as O[]).filter((o) => o.member && o._type === 'ORGANIZATION').sort((a, b) => a.created_at - b.created_at)[0];
  expect(own.name).toBe('Vendor GmbH');
  await page.goto(base() + '/');
  await expect(page).toHaveURL(new RegExp(`/organizations/${own._id}/overview$`));
  await expect(page.getByTestId('org-switcher')).toHaveValue(own.name);

  // Switching keeps the page: the TSS of another organization.
  await page.goto(`${base()}/organizations/${fx.reseller}/tss`);
  await page.getByTestId('org-switcher').click();
  await page.getByRole('option', { name: /Kunde B Rollup/ }).click();
  await expect(page).toHaveURL(new RegExp(`/organizations/${fx.customers[1].id}/tss$`));
  await expect(page.getByText('TSS of Kunde B Rollup in TEST.')).toBeVisible();

  const asked: string[] = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  const missing = '00000000-0000-4000-8000-000000000000';
  await page.goto(`${base()}/organizations/${missing}/tss`);
  await expect(page.getByTestId('org-not-found')).toBeVisible();
  // Answered from the session's own list: no API request names it, none is retried.
  expect(asked.filter((p) => p.startsWith('/api/') && p.includes(missing))).toEqual([]);
});
