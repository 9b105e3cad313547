import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, postJSON, rememberCsrf } from './client';

export interface User {
  _id: string;
  email: string;
  first_name?: string;
  last_name?: string;
}

export interface Organization {
  _id: string;
  _type: 'ORGANIZATION' | 'MANAGED_ORGANIZATION';
  _envs: string[];
  name: string;
  display_name?: string;
  managed_by_organization_id?: string;
  administered_by_organization_id?: string;
  billing_options?: { withhold_billing?: boolean; bill_to_organization?: string; gln?: string };
  has_logo?: boolean;
  town?: string;
  created_at?: number;
  updated_at?: number;
}

export interface MeOrganization extends Organization {
  role: 'owner' | 'admin' | 'member';
  /** The user belongs to this org itself (not through an org that administers it). */
  member?: boolean;
}

export interface Me {
  user?: User;
  organizations: MeOrganization[];
  csrf_token?: string;
  /** The installation role: backup, restore, sync, price list (docs/security.md). */
  installation_admin: boolean;
}

export interface OrganizationInput {
  name: string;
  address_line1: string;
  zip: string;
  town: string;
  country_code: string;
}

export interface SetupInput {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  organization: OrganizationInput;
}

export interface InvitationInfo {
  email: string;
  organization_name: string;
  role: string;
  user_exists: boolean;
}

/** Header of the one-time setup token fiskaldesk prints with its URL. */
const setupHeader = (token?: string): Record<string, string> => (token ? { 'X-Setup-Token': token } : {});

/** Whether first-start setup is open, and whether the token (from the
 * printed link, or added by the desktop window itself) is the right one. */
export const useSetupStatus = (token?: string) =>
  useQuery({
    queryKey: ['setup', token ?? ''],
    queryFn: () => getJSON<{ required: boolean; token_valid?: boolean }>('/api/dashboard/setup', setupHeader(token)),
    retry: false,
  });

export const useMe = (enabled = true) =>
  useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      const me = await getJSON<Me>('/api/dashboard/me');
      rememberCsrf(me.csrf_token);
      return me;
    },
    retry: false,
    enabled,
  });

export const useInvitation = (token: string) =>
  useQuery({
    queryKey: ['invitation', token],
    queryFn: () => getJSON<InvitationInfo>(`/api/dashboard/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });

export const setup = (input: SetupInput, token?: string) => postJSON('/api/dashboard/setup', input, setupHeader(token));
export const login = (email: string, password: string) => postJSON('/api/dashboard/login', { email, password });
export const logout = () => postJSON('/api/dashboard/logout');
export const acceptInvitation = (token: string, body: { password: string; first_name?: string; last_name?: string }) =>
  postJSON(`/api/dashboard/invitations/${encodeURIComponent(token)}/accept`, body);

/** After login, logout or setup the session queries must be read again.
 * They are dropped, not just invalidated: stale data of an inactive query
 * would otherwise route the next page by the old state (e.g. back to setup). */
export function useSessionRefresh() {
  const qc = useQueryClient();
  return async () => {
    qc.removeQueries({ queryKey: ['me'] });
    qc.removeQueries({ queryKey: ['setup'] });
  };
}
