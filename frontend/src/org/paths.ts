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
  if (!m) return orgPath(id, 'overview');
  const section = (m.params['*'] ?? '').split('/')[0] as Section;
  return orgPath(id, section);
}
