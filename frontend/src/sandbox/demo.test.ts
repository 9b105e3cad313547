import { generateDemo } from './demo';

describe('generateDemo', () => {
  it('creates each customer as a managed org with an initialized TSS and signs every receipt in its scope', async () => {
    const calls: { method: string; path: string; body: Record<string, unknown>; org?: string }[] = [];
    let orgs = 0;
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(init.body as string) : {};
      const headers = init.headers as Record<string, string>;
      calls.push({ method: init.method!, path, body, org: headers['X-Organization-ID'] });
      const answer = path === '/api/v0/organizations' ? { _id: `org-${++orgs}` } : path.match(/^\/api\/v2\/tss\/[^/]+$/) && init.method === 'PUT' ? { admin_puk: '0123456789' } : {};
      return new Response(JSON.stringify(answer), { status: 200 });
    });
    const progress: number[] = [];
    await generateDemo('parent', 5, (p) => progress.push(p.done), 2);

    const created = calls.filter((c) => c.path === '/api/v0/organizations');
    expect(created).toHaveLength(2);
    expect(created[0].body).toMatchObject({ managed_by_organization_id: 'parent', billing_options: { withhold_billing: true } });
    const finishes = calls.filter((c) => c.body.state === 'FINISHED');
    expect(finishes).toHaveLength(10);
    // Every SIGN DE call names the customer it belongs to.
    expect(calls.filter((c) => c.path.startsWith('/api/v2')).every((c) => c.org === 'org-1' || c.org === 'org-2')).toBe(true);
    // The PIN is set with the PUK the TSS was created with, before initializing.
    const admin = calls.findIndex((c) => c.path.endsWith('/admin'));
    const init = calls.findIndex((c) => c.body.state === 'INITIALIZED');
    expect(calls[admin].body.admin_puk).toBe('0123456789');
    expect(admin).toBeLessThan(init);
    // Every receipt adds up: the payment equals the VAT lines.
    for (const f of finishes) {
      const r = (f.body.schema as { standard_v1: { receipt: { amounts_per_vat_rate: { amount: string }[]; amounts_per_payment_type: { amount: string }[] } } }).standard_v1.receipt;
      const vat = r.amounts_per_vat_rate.reduce((s, v) => s + Math.round(parseFloat(v.amount) * 100), 0);
      expect(Math.round(parseFloat(r.amounts_per_payment_type[0].amount) * 100)).toBe(vat);
    }
    expect(progress.at(-1)).toBe(10);
  });
});
