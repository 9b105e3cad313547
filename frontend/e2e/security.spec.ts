import { type Page, expect, test } from '@playwright/test';
import { base, loginOwner, session, shot } from './helpers';

// The dashboard under its Content-Security-Policy, and the installation
// role shown and granted (docs/security.md).

/** Collects CSP violations the page reports, from its first script on. */
async function watchCSP(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('__cspViolation', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

test('the dashboard runs under its CSP without a single violation', async ({ page }) => {
  test.setTimeout(120_000); // seven pages
  const violations = await watchCSP(page);
  await loginOwner(page);
  const res = await page.goto(base() + '/');
  const csp = res!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  expect(csp).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9]+'/);
  expect(csp).not.toContain('unsafe-inline');
  expect(res!.headers()['x-frame-options']).toBe('DENY');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  // Mantine's injected <style> elements carry the nonce of this answer.
  const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(csp)![1];
  const styles = await page.locator('style').evaluateAll((els) => els.map((e) => (e as HTMLStyleElement).nonce));
  expect(styles.length).toBeGreaterThan(0);
  expect(styles.every((n) => n === nonce)).toBe(true);
  // The pages with charts, tables, drawers, QR codes and file inputs.
  for (const [path, heading] of [
    ['/organizations', 'Organizations'],
    ['/tss', 'Technical security systems'],
    ['/exports', 'Exports'],
    ['/sandbox', 'Sandbox tools'],
    ['/developers/api-keys', 'API keys'],
    ['/settings/workstation', 'This workstation'],
  ]) {
    await page.goto(base() + path);
    await expect(page.getByRole('heading', { name: heading, level: 2 }).first()).toBeVisible();
  }
  await page.getByRole('button', { name: 'Account' }).click(); // a menu in a portal
  await expect(page.getByTestId('installation-admin-role')).toBeVisible();
  await page.keyboard.press('Escape');
  expect(violations).toEqual([]);
});

test('an installation administrator grants the role; an organization owner alone has no sync or restore', async ({ page, browser }) => {
  test.setTimeout(120_000); // two sessions, several reloads
  await loginOwner(page);
  const me = await session(page, 'GET', '/api/dashboard/me');
  expect(me.installation_admin).toBe(true);
  const vendor = me.organizations.find((o: { _type: string }) => o._type === 'ORGANIZATION')._id;
  const inv = await session(page, 'POST', `/api/v0/organizations/${vendor}/users`, { email: 'otto@vendor.example', role: 'owner' });

  const guest = await browser.newContext({ reducedMotion: 'reduce' });
  const gp = await guest.newPage();
  await gp.goto(base() + inv.accept_url);
  await gp.getByLabel('Password', { exact: true }).fill('otto-password-1');
  await gp.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(gp.getByRole('heading', { name: 'Overview' })).toBeVisible();
  // An owner of the setup organization, but not of the installation.
  await gp.goto(base() + '/settings/workstation');
  await expect(gp.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await expect(gp.getByTestId('sync-role')).toHaveCount(0);
  await expect(gp.getByTestId('installation-admins')).toHaveCount(0);
  expect((await gp.request.get(base() + '/api/dashboard/sync')).status()).toBe(403);

  await page.goto(base() + '/settings/workstation');
  const card = page.getByTestId('installation-admins');
  const row = card.getByRole('row', { name: /otto@vendor\.example/ });
  await row.getByRole('button', { name: 'Make administrator' }).click();
  await expect(row.getByText('Administrator')).toBeVisible();
  await page.screenshot({ path: shot('installation-admins'), fullPage: true });

  await gp.reload();
  await expect(gp.getByTestId('sync-role')).toBeVisible({ timeout: 15_000 });
  await expect(gp.getByTestId('installation-admins')).toBeVisible();
  await row.getByRole('button', { name: 'Remove role' }).click();
  await expect(row.getByRole('button', { name: 'Make administrator' })).toBeVisible();
  await gp.reload();
  await expect(gp.getByRole('heading', { name: 'This workstation', level: 2 })).toBeVisible();
  await expect(gp.getByTestId('installation-admins')).toHaveCount(0, { timeout: 15_000 });
  await expect(gp.getByTestId('sync-role')).toHaveCount(0);
  await guest.close();
});
