import type { Org } from '../api/orgs';
import { filterTree, orgTree } from './OrganizationsPage';

const o = (id: string, extra: Partial<Org> = {}): Org => ({
  _id: id, _type: 'ORGANIZATION', _envs: ['TEST'], name: id, address_line1: 'a', zip: '1', town: 'Berlin', country_code: 'DEU', created_at: 1, updated_at: 1, ...extra,
});

describe('the organization tree', () => {
  const orgs = [
    o('Vendor'),
    o('Kunde B', { _type: 'MANAGED_ORGANIZATION', managed_by_organization_id: 'Vendor', town: 'Kiel' }),
    o('Kunde A', { _type: 'MANAGED_ORGANIZATION', managed_by_organization_id: 'Vendor' }),
    o('Holding', { administered_by_organization_id: 'Vendor' }),
    o('Filiale', { _type: 'MANAGED_ORGANIZATION', managed_by_organization_id: 'Holding' }),
    o('Orphan', { _type: 'MANAGED_ORGANIZATION', managed_by_organization_id: 'unseen' }),
  ];

  it('puts managed organizations under their parent, by name, and names who administers a main one', () => {
    const tree = orgTree(orgs);
    expect(tree.map((n) => [n.org.name, n.children.map((c) => c.name)])).toEqual([
      ['Holding', ['Filiale']], ['Orphan', []], ['Vendor', ['Kunde A', 'Kunde B']],
    ]);
    expect(tree[0].administeredBy?.name).toBe('Vendor');
  });

  it('searches names, towns and ids, keeping the parent of a match', () => {
    const tree = orgTree(orgs);
    expect(filterTree(tree, 'kiel').map((n) => [n.org.name, n.children.map((c) => c.name)])).toEqual([['Vendor', ['Kunde B']]]);
    expect(filterTree(tree, 'vendor').map((n) => n.children.length)).toEqual([2]);
    expect(filterTree(tree, 'nothing')).toEqual([]);
  });
});
