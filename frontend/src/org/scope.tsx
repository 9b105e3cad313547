import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import type { MeOrganization } from '../api/session';

export type Env = 'TEST' | 'LIVE';

/** The organization and env the dashboard is looking at. SIGN DE and
 * DSFinV-K calls name them in X-Organization-ID and X-Env, as a parent's
 * key does when it acts for a managed organization. */
export interface Scope {
  orgs: MeOrganization[];
  org: MeOrganization;
  env: Env;
  setOrg: (id: string) => void;
  setEnv: (env: Env) => void;
  /** Headers that put a SIGN DE or DSFinV-K request into this scope. */
  headers: Record<string, string>;
  /** Whether the user may change things in the current org. */
  canWrite: boolean;
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

/** Chooses the stored org when the user still sees it, else the first main org. */
export function pickOrg(orgs: MeOrganization[], wanted: string | null): MeOrganization {
  return orgs.find((o) => o._id === wanted) ?? orgs.find((o) => o._type === 'ORGANIZATION') ?? orgs[0];
}

export function ScopeProvider({ orgs, children }: { orgs: MeOrganization[]; children: ReactNode }) {
  const [orgId, setOrgId] = useState(() => stored(ORG_KEY));
  const [envChoice, setEnvChoice] = useState<Env>(() => (stored(ENV_KEY) === 'LIVE' ? 'LIVE' : 'TEST'));
  const org = pickOrg(orgs, orgId);
  // An org without LIVE has nothing to show in LIVE.
  const env: Env = envChoice === 'LIVE' && org?._envs.includes('LIVE') ? 'LIVE' : 'TEST';

  const value = useMemo<Scope>(
    () => ({
      orgs,
      org,
      env,
      setOrg: (id) => {
        store(ORG_KEY, id);
        setOrgId(id);
      },
      setEnv: (e) => {
        store(ENV_KEY, e);
        setEnvChoice(e);
      },
      headers: { 'X-Organization-ID': org?._id ?? '', 'X-Env': env },
      canWrite: org?.role !== 'member',
    }),
    [orgs, org, env],
  );
  return <ScopeContext.Provider value={value}>{children}</ScopeContext.Provider>;
}

export function useScope(): Scope {
  const s = useContext(ScopeContext);
  if (!s) throw new Error('useScope outside ScopeProvider');
  return s;
}
