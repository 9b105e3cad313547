import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, request } from './client';
import type { Schemas } from './schema';

/** A user of the installation with its installation role. */
export type InstallUser = Schemas['OrgInstallUser'];

/** Every user of the installation; for installation administrators only. */
export const useInstallUsers = (enabled: boolean) =>
  useQuery({ queryKey: ['installation', 'users'], queryFn: () => getJSON<List<InstallUser>>('/api/dashboard/installation/users'), enabled });

/** Grants (on) or revokes the installation role. */
export function useSetInstallAdmin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, on }: { id: string; on: boolean }) =>
      request<Schemas['SuccessBody']>(on ? 'PUT' : 'DELETE', `/api/dashboard/installation/admins/${encodeURIComponent(id)}`),
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ['installation'] }), qc.invalidateQueries({ queryKey: ['me'] })]),
  });
}
