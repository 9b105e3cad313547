import { useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, postJSON, rememberCsrf } from './client';
import type { Schemas } from './schema';

export type User = Schemas['OrgUser'];
export type Organization = Schemas['OrgOrganization'];
/** An organization the user sees, with their role on it. */
export type MeOrganization = Schemas['MeOrg'];
/** Who is signed in; installation_admin is the installation role: backup,
 * restore, sync, price list (docs/security.md). */
export type Me = Schemas['MeBody'];
/** The first user and organization of a first start. */
export type SetupInput = Schemas['SetupRequest'];
export type InvitationInfo = Schemas['OrgInvitationInfo'];
/** The answer of setup, login, password change and accepting an invitation. */
export type Session = Schemas['SessionBody'];

/** Header of the one-time setup token fiskaldesk prints with its URL. */
const setupHeader = (token?: string): Record<string, string> => (token ? { 'X-Setup-Token': token } : {});

/** Whether first-start setup is open, and whether the token (from the
 * printed link, or added by the desktop window itself) is the right one. */
export const useSetupStatus = (token?: string) =>
  useQuery({
    queryKey: ['setup', token ?? ''],
    queryFn: () => getJSON<Schemas['SetupStatus']>('/api/dashboard/setup', setupHeader(token)),
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

export const setup = (input: SetupInput, token?: string) => postJSON<Session>('/api/dashboard/setup', input, setupHeader(token));
export const login = (email: string, password: string) =>
  postJSON<Session>('/api/dashboard/login', { email, password } satisfies Schemas['LoginRequest']);
export const logout = () => postJSON<Schemas['SuccessBody']>('/api/dashboard/logout');
export const acceptInvitation = (token: string, body: { password: string; first_name?: string; last_name?: string }) =>
  postJSON<Session>(`/api/dashboard/invitations/${encodeURIComponent(token)}/accept`, body);

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
