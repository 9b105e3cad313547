import type { Org } from '../../api/orgs';
import { liveRequirements } from './GoLiveCard';

const org = (extra: Partial<Org>): Org => ({
  _id: 'o', _type: 'ORGANIZATION', _envs: ['TEST'], name: 'X', address_line1: 'a', zip: '1', town: 't', country_code: 'DEU', created_at: 1, updated_at: 1, ...extra,
});

describe('liveRequirements (the server rule of docs/management-api.md › Going live)', () => {
  it('misses both for a bare main organization, with where to fix each', () => {
    const r = liveRequirements(org({}));
    expect(r.map((x) => [x.key, x.met])).toEqual([['tax', false], ['billing', false]]);
    expect(r[0].fix).toEqual(['details']);
    expect(r[1].fix).toEqual(['billing-address', 'billing-options']);
  });

  it('takes a VAT id or a tax number, and any way of being billed', () => {
    expect(liveRequirements(org({ tax_number: '12/345/67890', billing_address_id: 'a' })).every((x) => x.met)).toBe(true);
    expect(liveRequirements(org({ vat_id: 'DE123456789', billing_options: { withhold_billing: false, bill_to_organization: 'v' } })).map((x) => x.how)).toEqual(['live.taxVat', 'live.billedOrg']);
    expect(liveRequirements(org({ _type: 'MANAGED_ORGANIZATION', managed_by_organization_id: 'p' }))[1]).toMatchObject({ met: true, how: 'live.billedParent' });
  });
});
