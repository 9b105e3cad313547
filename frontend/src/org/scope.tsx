import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { matchPath, useLocation } from 'react-router';
import type { Me, MeOrganization } from '../api/session';

export type Env = 'TEST' | 'LIVE';
export type Role = MeOrganization['role'];

/** The organization and env the dashboard is looking at, and what the
 * signed-in user may do there. The organization is the one the URL names
 * (/organizations/<id>/…), so the switcher, the page and its badges always
 * show the same one; pages outside an organization (the list of all of
 * them, this workstation) keep the last one. SIGN DE and DSFinV-K calls
 * name org and env in X-Organization-ID and X-Env, as a parent's key does
 * when it acts for a managed organization. */
export interface Scope {
  me: Me;
  orgs: MeOrganization[];
  org: MeOrganization;
  env: Env;
  setEnv: (env: Env) => void;
  /** Headers that put a SIGN DE or DSFinV-K request into this scope. */
  headers: Record<string, string>;
  /** The URL named an organization this user does not see (or that does not exist). */
  missing?: string;
  /** The user's role in the org in view: owner and admin change things, members look. */
  role: Role;
  canWrite: boolean;
  /** Billing exists for this user: one of their own orgs does not withhold it. */
  billingVisible: boolean;
  /** Backup, restore, sync and the price list: the installation's administrators only. */
  installationAdmin: boolean;
}

const ScopeContext = createContext<Scope | null>(null);

const ORG_KEY = 'fiskaldesk.org';
const ENV_KEY = 'fiskaldesk.env';

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

/** The user's own main organization: one they belong to themselves (the
 * oldest, which for the installation's owner is the one of the first
 * start), a main one before a managed one; never one they only see because
 * it is administered through theirs. */
export function defaultOrg(orgs: MeOrganization[]): MeOrganization {
  const oldest = (list: MeOrganization[]) => list.reduce<MeOrganization | undefined>((a, o) => (!a || (o.created_at ?? 0) < (a.created_at ?? 0) ? o : a), undefined);
  return (
    oldest(orgs.filter((o) => o.member && o._type === 'ORGANIZATION')) ??
    oldest(orgs.filter((o) => o.member)) ??
    orgs.find((o) => o._type === 'ORGANIZATION') ??
    orgs[0]
  );
}

/** Chooses the org wanted when the user still sees it, else their own main org. */
export function pickOrg(orgs: MeOrganization[], wanted: string | null): MeOrganization {
  return orgs.find((o) => o._id === wanted) ?? defaultOrg(orgs);
}

/** The id of the organization the path names, if any. */
export function orgIdOfPath(pathname: string): string | undefined {
  return matchPath({ path: '/organizations/:orgId/*' }, pathname)?.params.orgId;
}

/** Whether billing exists for this user (docs/billing.md › Who sees what):
 * through any of their own organizations that does not withhold it. */
export function billingVisible(orgs: MeOrganization[]): boolean {
  return orgs.some((o) => o.member && !o.billing_options?.withhold_billing);
}

export function ScopeProvider({ me, children }: { me: Me; children: ReactNode }) {
  const orgs = me.organizations;
  const { pathname } = useLocation();
  const [last, setLast] = useState(() => stored(ORG_KEY));
  const [envChoice, setEnvChoice] = useState<Env>(() => (stored(ENV_KEY) === 'LIVE' ? 'LIVE' : 'TEST'));
  const named = orgIdOfPath(pathname);
  const fromURL = named ? orgs.find((o) => o._id === named) : undefined;
  const org = fromURL ?? pickOrg(orgs, last);
  const missing = named && !fromURL ? named : undefined;

  // The org a URL names becomes the one pages outside an org come back to.
  useEffect(() => {
    if (fromURL && fromURL._id !== last) {
      store(ORG_KEY, fromURL._id);
      setLast(fromURL._id);
    }
  }, [fromURL, last]);

  // An org without LIVE has nothing to show in LIVE.
  const env: Env = envChoice === 'LIVE' && org?._envs.includes('LIVE') ? 'LIVE' : 'TEST';
  const role: Role = org?.role ?? 'member';

  const value = useMemo<Scope>(
    () => ({
      me,
      orgs,
      org,
      env,
      setEnv: (e) => {
        store(ENV_KEY, e);
        setEnvChoice(e);
      },
      headers: { 'X-Organization-ID': org?._id ?? '', 'X-Env': env },
      missing,
      role,
      canWrite: role !== 'member',
      billingVisible: billingVisible(orgs),
      installationAdmin: me.installation_admin === true,
    }),
    [me, orgs, org, env, missing, role],
  );
  return <ScopeContext.Provider value={value}>{children}</ScopeContext.Provider>;
}

export function useScope(): Scope {
  const s = useContext(ScopeContext);
  if (!s) throw new Error('useScope outside ScopeProvider');
  return s;
}
