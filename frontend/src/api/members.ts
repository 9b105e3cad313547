import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { csrfToken, getJSON, type List, postJSON, request, toApiError } from './client';
import type { Schemas } from './schema';

export type Member = Schemas['OrgMember'];
export type Role = Member['role'];
/** A new invitation; its accept link is in this answer only. */
export type Invitation = Schemas['Invitation'];

const users = (orgId: string) => `/api/v0/organizations/${orgId}/users`;

export const useMembers = (orgId: string) =>
  useQuery({ queryKey: ['members', orgId], queryFn: () => getJSON<List<Member>>(users(orgId)) });

function useMembersChanged(orgId: string) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['members', orgId] });
}

export function useInvite(orgId: string) {
  const changed = useMembersChanged(orgId);
  return useMutation({
    mutationFn: (v: Schemas['InviteRequest']) => postJSON<Invitation>(users(orgId), v),
    onSuccess: changed,
  });
}

export function useSetRole(orgId: string) {
  const changed = useMembersChanged(orgId);
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) =>
      request<Schemas['SuccessBody']>('PATCH', `${users(orgId)}/${id}`, { role } satisfies Schemas['RoleRequest']),
    onSuccess: changed,
  });
}

export function useRemoveMember(orgId: string) {
  const changed = useMembersChanged(orgId);
  return useMutation({ mutationFn: (id: string) => request('DELETE', `${users(orgId)}/${id}`), onSuccess: changed });
}

/** Uploads a logo as the raw body; the server sniffs the type from the bytes. */
export async function uploadLogo(orgId: string, file: File): Promise<void> {
  const res = await fetch(`/api/v0/organizations/${orgId}/logo`, {
    method: 'PUT',
    body: file,
    headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrfToken() ?? '' },
    credentials: 'same-origin',
  });
  if (!res.ok) throw await toApiError(res);
}

export const deleteLogo = (orgId: string) => request('DELETE', `/api/v0/organizations/${orgId}/logo`);

export function useChangePassword() {
  return useMutation({
    mutationFn: (v: Schemas['PasswordRequest']) => postJSON<Schemas['SessionBody']>('/api/dashboard/password', v),
  });
}
