import { request } from '../api/client';

// Demo data for exploring and demos: a reseller's individual customers as
// managed organizations (billing withheld, as resellers sell them), each
// with an initialized TSS, a client and real receipts signed through the
// same SIGN DE API a POS uses.

export const demoCustomers = [
  { name: 'Demo Café Sonne', town: 'Hamburg', zip: '20095', street: 'Jungfernstieg 7', pos: 'CAFE-KASSE-1' },
  { name: 'Demo Bäckerei Korn', town: 'München', zip: '80331', street: 'Marienplatz 2', pos: 'BACK-KASSE-1' },
  { name: 'Demo Eisdiele Venezia', town: 'Köln', zip: '50667', street: 'Hohe Straße 40', pos: 'EIS-KASSE-1' },
];

export interface DemoProgress {
  done: number;
  total: number;
  step: string;
}

const PIN = '135790';

function amounts(): { normal: string; reduced: string; total: string } {
  const n = Math.round(200 + Math.random() * 4800); // 2.00–50.00 €
  const r = Math.round(Math.random() * 1500);
  return { normal: (n / 100).toFixed(2), reduced: (r / 100).toFixed(2), total: ((n + r) / 100).toFixed(2) };
}

/** Runs tasks with at most limit in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Creates the demo customers under parentId with receipts each; reports progress after every receipt. */
export async function generateDemo(parentId: string, receipts: number, onProgress: (p: DemoProgress) => void, count = demoCustomers.length) {
  const customers = demoCustomers.slice(0, count);
  const total = customers.length * receipts;
  let done = 0;
  for (const c of customers) {
    onProgress({ done, total, step: c.name });
    const org = await request<{ _id: string }>('POST', '/api/v0/organizations', {
      name: c.name, address_line1: c.street, zip: c.zip, town: c.town, country_code: 'DEU',
      managed_by_organization_id: parentId, billing_options: { withhold_billing: true, bill_to_organization: parentId },
    });
    const h = { 'X-Organization-ID': org._id, 'X-Env': 'TEST' };
    const v2 = <T>(method: string, path: string, body: unknown = {}) => request<T>(method, '/api/v2' + path, body, h);
    const tss = crypto.randomUUID();
    const client = crypto.randomUUID();
    const created = await v2<{ admin_puk: string }>('PUT', `/tss/${tss}`);
    await v2('PATCH', `/tss/${tss}`, { state: 'UNINITIALIZED' });
    await v2('PATCH', `/tss/${tss}/admin`, { admin_puk: created.admin_puk, new_admin_pin: PIN });
    await v2('POST', `/tss/${tss}/admin/auth`, { admin_pin: PIN });
    // TSS descriptions allow ASCII only, so the POS serial names it.
    await v2('PATCH', `/tss/${tss}`, { state: 'INITIALIZED', description: `Demo ${c.pos}` });
    await v2('PUT', `/tss/${tss}/client/${client}`, { serial_number: c.pos });
    await v2('POST', `/tss/${tss}/admin/logout`);
    await pool(receipts, 4, async () => {
      const tx = `/tss/${tss}/tx/${crypto.randomUUID()}`;
      const a = amounts();
      await v2('PUT', `${tx}?tx_revision=1`, { state: 'ACTIVE', client_id: client });
      await v2('PUT', `${tx}?tx_revision=2`, {
        state: 'FINISHED',
        client_id: client,
        schema: {
          standard_v1: {
            receipt: {
              receipt_type: 'RECEIPT',
              amounts_per_vat_rate: [
                { vat_rate: 'NORMAL', amount: a.normal },
                { vat_rate: 'REDUCED_1', amount: a.reduced },
              ],
              amounts_per_payment_type: [{ payment_type: Math.random() < 0.6 ? 'CASH' : 'NON_CASH', amount: a.total, currency_code: 'EUR' }],
            },
          },
        },
      });
      onProgress({ done: ++done, total, step: c.name });
    });
  }
}
