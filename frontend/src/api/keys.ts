import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON, query, request } from './client';
import type { Schemas } from './schema';

/** An API key; secret only in the answer that creates it. */
export type ApiKey = Schemas['AuthAPIKey'];

const path = (orgId: string) => `/api/v0/organizations/${orgId}/api-keys`;

export const useKeys = (orgId: string, page: { limit: number; offset: number }) =>
  useQuery({
    queryKey: ['keys', orgId, page],
    queryFn: () => getJSON<List<ApiKey>>(path(orgId) + query({ order_by: 'created_at', order: 'desc', ...page })),
    placeholderData: (prev) => prev,
  });

function useKeysChanged(orgId: string) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['keys', orgId] });
}

export function useCreateKey(orgId: string) {
  const changed = useKeysChanged(orgId);
  return useMutation({
    mutationFn: (input: { name: string; env: string }) => postJSON<ApiKey>(path(orgId), input),
    onSuccess: changed,
  });
}

export function useSetKeyStatus(orgId: string) {
  const changed = useKeysChanged(orgId);
  return useMutation({
    mutationFn: ({ id, status }: { id: string; status: ApiKey['status'] }) =>
      request<ApiKey>('PATCH', `${path(orgId)}/${id}`, { status }),
    onSuccess: changed,
  });
}

export function useDeleteKey(orgId: string) {
  const changed = useKeysChanged(orgId);
  return useMutation({
    mutationFn: (id: string) => request('DELETE', `${path(orgId)}/${id}`),
    onSuccess: changed,
  });
}
