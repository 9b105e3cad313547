import { type APIRequestContext, type Page, expect } from '@playwright/test';

export const base = () => process.env.FISKALDESK_URL!;
export const shot = (name: string) => `../test-output/screenshots/${name}.png`;
export const owner = { email: 'olga@vendor.example', password: 'olga-password-123' };
/** The first-start token serve printed (global-setup.ts). */
export const setupToken = () => process.env.FISKALDESK_SETUP_TOKEN!;

/** Logs the page in as the installation's owner, doing the first start
 * through the API when no spec has done it yet. */
export async function loginOwner(page: Page) {
  const setup = await (await page.request.get(base() + '/api/dashboard/setup')).json();
  if (setup.required) {
    const res = await page.request.post(base() + '/api/dashboard/setup', {
      data: {
        ...owner, first_name: 'Olga', last_name: 'Owner',
        organization: { name: 'Vendor GmbH', address_line1: 'Hauptstraße 1', zip: '10115', town: 'Berlin', country_code: 'DEU' },
      },
      headers: { 'X-Setup-Token': setupToken() },
    });
    expect(res.status()).toBe(200);
    return;
  }
  const res = await page.request.post(base() + '/api/dashboard/login', { data: owner });
  expect(res.status()).toBe(200);
}

/** A POS: signs in with an API key and drives SIGN DE v2 over HTTP. */
export class Pos {
  private token = '';
  constructor(private readonly req: APIRequestContext) {}

  async auth(api_key: string, api_secret: string) {
    const res = await this.req.post(base() + '/api/v2/auth', { data: { api_key, api_secret } });
    expect(res.status(), await res.text()).toBe(200);
    this.token = (await res.json()).access_token;
  }

  async call(method: string, path: string, data?: unknown) {
    const res = await this.req.fetch(base() + '/api/v2' + path, {
      method,
      data: data ?? {},
      headers: { Authorization: `Bearer ${this.token}` },
    });
    expect(res.status(), `${method} ${path}: ${await res.text()}`).toBe(200);
    return res.json();
  }

  /** Creates a TSS and brings it to INITIALIZED with one client; returns their ids. */
  async initializedTss(serial: string) {
    const tss = crypto.randomUUID();
    const client = crypto.randomUUID();
    const created = await this.call('PUT', `/tss/${tss}`, {});
    await this.call('PATCH', `/tss/${tss}`, { state: 'UNINITIALIZED' });
    await this.call('PATCH', `/tss/${tss}/admin`, { admin_puk: created.admin_puk, new_admin_pin: '123456' });
    await this.call('POST', `/tss/${tss}/admin/auth`, { admin_pin: '123456' });
    await this.call('PATCH', `/tss/${tss}`, { state: 'INITIALIZED' });
    await this.call('PUT', `/tss/${tss}/client/${client}`, { serial_number: serial });
    return { tss, client };
  }

  /** Signs one receipt (start + finish) of total euros at 19 % and 7 %. */
  async receipt(tss: string, client: string, total: string) {
    const tx = crypto.randomUUID();
    await this.call('PUT', `/tss/${tss}/tx/${tx}?tx_revision=1`, { state: 'ACTIVE', client_id: client });
    return this.call('PUT', `/tss/${tss}/tx/${tx}?tx_revision=2`, {
      state: 'FINISHED',
      client_id: client,
      schema: {
        standard_v1: {
          receipt: {
            receipt_type: 'RECEIPT',
            amounts_per_vat_rate: [
              { vat_rate: 'NORMAL', amount: total },
              { vat_rate: 'REDUCED_1', amount: '1.07' },
            ],
            amounts_per_payment_type: [{ payment_type: 'CASH', amount: (parseFloat(total) + 1.07).toFixed(2) }],
          },
        },
      },
    });
  }
}

/** A dashboard API call with the page's session, CSRF token included. */
export async function session(page: Page, method: string, path: string, data?: unknown, headers: Record<string, string> = {}) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'fiskaldesk_csrf')?.value ?? '';
  const res = await page.request.fetch(base() + path, { method, data, headers: { 'X-CSRF-Token': csrf, ...headers } });
  expect(res.status(), `${method} ${path}: ${await res.text()}`).toBe(200);
  return res.json();
}

/** The page fits its width: nothing scrolls sideways, not even inside it,
 * no badge or button label is cut short, no table cell's text runs over. */
export async function expectNoSidewaysScroll(page: Page, what: string) {
  const m = await page.evaluate(() => {
    const overflows = (e: HTMLElement) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
    return {
      scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
      client: document.documentElement.clientWidth,
      // A box that scrolls sideways inside the page hides what is beyond its
      // edge just as well (a table's figures cut off in German, where the
      // headers are longer): every visible one must fit too.
      inner: [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((e) => {
          const o = getComputedStyle(e).overflowX;
          return (o === 'auto' || o === 'scroll') && overflows(e);
        })
        .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} [${e.closest('[data-testid]')?.getAttribute('data-testid') ?? ''}] ${e.scrollWidth} px in ${e.clientWidth}`),
      // A badge cut to "DRA…" or a button to "Beim nächsten Start
      // wiederhers…" says nothing: every badge and button reads whole.
      cut: [...document.querySelectorAll<HTMLElement>('.mantine-Badge-label, .mantine-Button-label')]
        .filter(overflows)
        .map((e) => `"${e.textContent}" ${e.scrollWidth} px in ${e.clientWidth}`),
      // Text that runs out of its table cell lies over the next one.
      spill: [...document.querySelectorAll<HTMLElement>('th, td')]
        .filter(overflows)
        .map((e) => `cell "${e.textContent?.slice(0, 40)}" ${e.scrollWidth} px in ${e.clientWidth}`),
    };
  });
  expect(m.scroll, `${what}: page is ${m.scroll} px wide in a ${m.client} px window`).toBeLessThanOrEqual(m.client);
  expect.soft(m.spill, `${what}: table cells whose text runs over`).toEqual([]);
  expect.soft(m.inner, `${what}: boxes that scroll sideways`).toEqual([]);
  expect.soft(m.cut, `${what}: badges and buttons cut short`).toEqual([]);
}

/** Collects what a page does wrong: answers ≥ 400, requests that fail, console errors. */
export function watchFailures(page: Page) {
  const failures: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  page.on('requestfailed', (r) => {
    // Going to another address cancels what the page before still had in
    // flight (a health poll): the browser's doing, not a failed request.
    if (r.method() === 'GET' && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    failures.push(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  return failures;
}

/** A reseller of its own: a main organization the owner creates, customers
 * with a TSS each and receipts signed by their POS, and a holding created
 * with the reseller's key (administered by it). Names end in tag. */
export async function resellerFixture(page: Page, tag: string, receipts: number[]) {
  const reseller = await session(page, 'POST', '/api/v0/organizations', {
    name: `Reseller ${tag}`, address_line1: 'Ring 1', zip: '50667', town: 'Köln', country_code: 'DEU',
  });
  const customers: { id: string; name: string; receipts: number }[] = [];
  for (const [i, n] of receipts.entries()) {
    const name = `Kunde ${String.fromCharCode(65 + i)} ${tag}`;
    const c = await session(page, 'POST', '/api/v0/organizations', {
      name, address_line1: `Gasse ${i + 1}`, zip: '50667', town: 'Köln', country_code: 'DEU',
      managed_by_organization_id: reseller._id, generate_api_key: true,
      billing_options: i === 0 ? { withhold_billing: true, bill_to_organization: reseller._id } : undefined,
    });
    const pos = new Pos(page.request);
    await pos.auth(c.api_key.key, c.api_key.secret);
    const { tss, client } = await pos.initializedTss(`KASSE-${i + 1}`);
    for (let r = 0; r < n; r++) await pos.receipt(tss, client, `${r + 1}.00`);
    customers.push({ id: c._id, name, receipts: n });
  }
  // A holding created with the reseller's own key is administered by it.
  const key = await session(page, 'POST', `/api/v0/organizations/${reseller._id}/api-keys`, { name: 'Provisioning' });
  const token = (await (await page.request.post(base() + '/api/v0/auth', { data: { api_key: key.key, api_secret: key.secret } })).json()).access_token;
  const holding = await (await page.request.post(base() + '/api/v0/organizations', {
    data: { name: `Holding ${tag}`, address_line1: 'Platz 2', zip: '80331', town: 'München', country_code: 'DEU' },
    headers: { Authorization: `Bearer ${token}` },
  })).json();
  return { reseller: reseller._id as string, holding: holding._id as string, customers };
}
