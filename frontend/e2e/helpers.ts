import { type APIRequestContext, type Page, expect } from '@playwright/test';

export const base = () => process.env.FISKALDESK_URL!;
export const shot = (name: string) => `../test-output/screenshots/${name}.png`;
export const owner = { email: 'olga@vendor.example', password: 'olga-password-123' };

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
