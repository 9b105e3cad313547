import { orgPath, switchPath } from './paths';

describe('organization paths', () => {
  it('keeps the section when another organization is chosen, and drops what belongs to the old one', () => {
    expect(switchPath('/organizations/a/tss/t1', 'b')).toBe('/organizations/b/tss');
    expect(switchPath('/organizations/a/exports', 'b')).toBe('/organizations/b/exports');
    expect(switchPath('/organizations/a', 'b')).toBe('/organizations/b');
    expect(switchPath('/organizations/a/overview', 'b')).toBe('/organizations/b/overview');
  });

  it('goes to the overview from pages outside an organization, and to the section a legacy path names', () => {
    expect(switchPath('/organizations', 'b')).toBe('/organizations/b/overview');
    expect(switchPath('/settings/workstation', 'b')).toBe('/organizations/b/overview');
    expect(switchPath('/exports', 'b')).toBe('/organizations/b/exports');
    expect(switchPath('/tss/t1', 'b')).toBe('/organizations/b/tss');
    expect(switchPath('/developers/api-keys', 'b')).toBe('/organizations/b/api-keys');
  });

  it('builds section paths', () => {
    expect(orgPath('x')).toBe('/organizations/x');
    expect(orgPath('x', 'tss', '/t')).toBe('/organizations/x/tss/t');
  });
});
