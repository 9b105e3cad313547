import type { MeOrganization } from '../api/session';
import { billingVisible, defaultOrg, orgIdOfPath, pickOrg } from './scope';

const o = (id: string, extra: Partial<MeOrganization> = {}): MeOrganization => ({
  _id: id, _type: 'ORGANIZATION', _envs: ['TEST'], name: id, role: 'owner', member: true, created_at: 1, updated_at: 1, ...extra,
});

describe('scope', () => {
  it("opens on the user's own main organization: the oldest they belong to, never one administered through theirs", () => {
    const orgs = [
      o('a-holding', { member: false, created_at: 1 }), // administered through the vendor
      o('b-customer', { _type: 'MANAGED_ORGANIZATION', member: true, created_at: 2 }),
      o('c-partner', { member: true, created_at: 50 }),
      o('d-vendor', { member: true, created_at: 10 }),
    ];
    expect(defaultOrg(orgs)._id).toBe('d-vendor');
    // A customer's own user: its managed organization.
    expect(defaultOrg([o('x', { _type: 'MANAGED_ORGANIZATION', member: true })])._id).toBe('x');
    expect(pickOrg(orgs, 'c-partner')._id).toBe('c-partner');
    expect(pickOrg(orgs, 'gone')._id).toBe('d-vendor');
  });

  it('reads the organization from the URL', () => {
    expect(orgIdOfPath('/organizations/abc/tss/t1')).toBe('abc');
    expect(orgIdOfPath('/organizations/abc')).toBe('abc');
    expect(orgIdOfPath('/organizations')).toBeUndefined();
    expect(orgIdOfPath('/settings/workstation')).toBeUndefined();
  });

  it('has billing only through an own organization that does not withhold it (docs/billing.md)', () => {
    const withheld = { withhold_billing: true };
    expect(billingVisible([o('v', { member: true })])).toBe(true);
    expect(billingVisible([o('c', { member: true, billing_options: withheld })])).toBe(false);
    // Seeing a paying org through administration is not belonging to it.
    expect(billingVisible([o('c', { member: true, billing_options: withheld }), o('v', { member: false })])).toBe(false);
    expect(billingVisible([o('c', { member: true, billing_options: withheld }), o('v', { member: true })])).toBe(true);
  });
});
