import { type Browser, type Page, expect, test } from '@playwright/test';
import { base, expectNoSidewaysScroll, loginOwner, owner, resellerFixture, session, shot, watchFailures } from './helpers';

// Every page, in English and German, on a 1440 px screen and a 360 px
// phone: nothing scrolls sideways, the account menu (log out) stays on
// screen, and a screenshot of each lands in test-output/screenshots/pages.
test.describe.configure({ mode: 'serial' });

let pages: { name: string; path: string; ready: (p: Page) => Promise<void> }[] = [];
let inviteURL = '';

test('the pages to look at', async ({ page }) => {
  test.setTimeout(120_000);
  await loginOwner(page);
  const fx = await resellerFixture(page, 'Pages', [3]);
  const cust = fx.customers[0].id;
  const org = (o: string, s = '') => `/organizations/${o}${s}`;
  const tssList = await session(page, 'GET', '/api/v2/tss', undefined, { 'X-Organization-ID': cust });
  const tss = tssList.data[0]._id;
  const invite = await session(page, 'POST', `/api/v0/organizations/${cust}/users`, { email: 'pia@pages.example', role: 'admin' });
  inviteURL = invite.accept_url;
  const heading = (p: Page) => expect(p.getByRole('heading', { level: 2 }).first()).toBeVisible();
  pages = [
    { name: 'overview-reseller', path: org(fx.reseller, '/overview'), ready: (p) => expect(p.getByTestId('rollup-table')).toBeVisible() },
    { name: 'overview-customer', path: org(cust, '/overview'), ready: (p) => expect(p.getByTestId('stat-Transactions').or(p.getByTestId('stat-Transaktionen'))).toHaveAttribute('data-value', '3') },
    { name: 'tss-list', path: org(cust, '/tss'), ready: (p) => expect(p.getByTestId('tss-table')).toBeVisible() },
    { name: 'tss-detail', path: org(cust, `/tss/${tss}`), ready: (p) => expect(p.getByTestId('tx-table')).toBeVisible() },
    { name: 'transaction', path: org(cust, `/tss/${tss}?tx=2`), ready: (p) => expect(p.getByTestId('receipt-qr')).toBeVisible() },
    { name: 'exports', path: org(cust, '/exports'), ready: heading },
    { name: 'cash-registers', path: org(cust, '/cash-registers'), ready: heading },
    { name: 'api-keys', path: org(cust, '/api-keys'), ready: (p) => expect(p.getByTestId('key-table')).toBeVisible() },
    { name: 'sandbox', path: org(cust, '/sandbox'), ready: heading },
    { name: 'billing', path: org(fx.reseller, '/billing'), ready: (p) => expect(p.getByTestId('price-list')).toBeVisible() },
    { name: 'organization', path: org(cust), ready: (p) => expect(p.getByTestId('org-figures')).toBeVisible() },
    { name: 'organizations', path: '/organizations', ready: (p) => expect(p.getByTestId('org-table')).toBeVisible() },
    { name: 'workstation', path: '/settings/workstation', ready: (p) => expect(p.getByTestId('sync-role')).toBeVisible() },
    { name: 'not-found', path: '/no/such/page', ready: heading },
  ];
});

async function tour(browser: Browser, lang: 'en' | 'de', width: number) {
  const ctx = await browser.newContext({ viewport: { width, height: width < 500 ? 780 : 900 }, reducedMotion: 'reduce' });
  await ctx.addInitScript((l) => localStorage.setItem('fiskaldesk.language', l), lang);
  const page = await ctx.newPage();
  const res = await page.request.post(base() + '/api/dashboard/login', { data: owner });
  expect(res.status()).toBe(200);
  const failures = watchFailures(page);
  for (const p of pages) {
    await page.goto(base() + p.path);
    await p.ready(page);
    await page.waitForLoadState('networkidle');
    await expectNoSidewaysScroll(page, `${p.name} (${lang}, ${width} px)`);
    // The account menu with its logout is in reach on every page.
    const account = await page.getByRole('button', { name: lang === 'de' ? 'Konto' : 'Account' }).boundingBox();
    expect(account && account.x + account.width <= width, `${p.name}: account menu off screen`).toBeTruthy();
    // A drawer covers the window, not the page: shot as the window shows it.
    await page.screenshot({ path: shot(`pages/${lang}-${width}-${p.name}`), fullPage: p.name !== 'transaction' });
  }
  if (width < 500) {
    // The navigation opens from the burger and fits as well.
    await page.getByRole('button', { name: lang === 'de' ? 'Navigation ein-/ausblenden' : 'Toggle navigation' }).click();
    await expect(page.getByRole('navigation')).toBeVisible();
    await expectNoSidewaysScroll(page, `navigation (${lang})`);
    await page.screenshot({ path: shot(`pages/${lang}-${width}-navigation`) });
  }
  // Not one refused request or script error on the way.
  expect(failures, failures.join('\n')).toEqual([]);
  // The pages before login.
  const guest = await browser.newContext({ viewport: { width, height: 780 }, reducedMotion: 'reduce' });
  await guest.addInitScript((l) => localStorage.setItem('fiskaldesk.language', l), lang);
  const gp = await guest.newPage();
  for (const [name, path] of [['login', '/login'], ['invitation', inviteURL]] as const) {
    await gp.goto(base() + path);
    await expect(gp.getByRole('heading', { level: 2 })).toBeVisible();
    await expectNoSidewaysScroll(gp, `${name} (${lang}, ${width} px)`);
    await gp.screenshot({ path: shot(`pages/${lang}-${width}-${name}`), fullPage: true });
  }
  await guest.close();
  await ctx.close();
}

for (const lang of ['en', 'de'] as const) {
  for (const width of [1440, 360]) {
    test(`every page fits ${width} px in ${lang === 'en' ? 'English' : 'German'}`, async ({ browser }) => {
      test.setTimeout(240_000);
      await tour(browser, lang, width);
    });
  }
}
