import { matchPath } from 'react-router';

/** The sections of one organization, each a path under /organizations/<id>. */
export type Section = '' | 'overview' | 'tss' | 'exports' | 'cash-registers' | 'api-keys' | 'sandbox' | 'billing';

/** The path of section (and what follows it) of organization id. */
export function orgPath(id: string, section: Section = '', rest = ''): string {
  return `/organizations/${id}` + (section ? `/${section}` : '') + rest;
}

/** Where the switcher goes when another organization is chosen: the same
 * section of the new one (a TSS or transaction of the old one does not
 * exist there), or the new one's overview from a page outside any org. */
export function switchPath(pathname: string, id: string): string {
  const m = matchPath({ path: '/organizations/:orgId/*' }, pathname);
  if (m) return orgPath(id, (m.params['*'] ?? '').split('/')[0] as Section);
  // A path of earlier versions that is about to be sent to its section.
  const legacy = legacySections.find(([p]) => pathname === p || pathname.startsWith(p + '/'));
  return orgPath(id, legacy ? legacy[1] : 'overview');
}

/** Paths without an organization, from earlier versions and the desktop
 * menu, and the section of the current organization they stand for. */
export const legacySections: [string, Section][] = [
  ['/tss', 'tss'],
  ['/exports', 'exports'],
  ['/cash-registers', 'cash-registers'],
  ['/developers/api-keys', 'api-keys'],
  ['/sandbox', 'sandbox'],
  ['/billing', 'billing'],
];
