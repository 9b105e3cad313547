import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON, query, request } from './client';
import type { Schemas } from './schema';

export type BillingOptions = Schemas['OrgBillingOptions'];
export type Org = Schemas['OrgOrganization'];

/** A create or PATCH body; null clears an optional field (PATCH). */
export type OrgInput = Schemas['OrgInput'];

/** A created org; with generate_api_key it carries its first key, secret included. */
export type CreatedOrg = Schemas['CreatedOrganization'];

export const useOrgs = () =>
  useQuery({
    queryKey: ['orgs'],
    queryFn: () => getJSON<List<Org>>('/api/v0/organizations' + query({ order_by: 'name', order: 'asc', limit: 5000 })),
  });

export const useOrg = (id: string) =>
  useQuery({ queryKey: ['orgs', id], queryFn: () => getJSON<Org>(`/api/v0/organizations/${id}`) });

/** After a change to organizations the list, one org and the session's
 * org list (the switcher) are read again. */
function useOrgsChanged() {
  const qc = useQueryClient();
  return () => Promise.all([qc.invalidateQueries({ queryKey: ['orgs'] }), qc.invalidateQueries({ queryKey: ['me'] })]);
}

export function useCreateOrg() {
  const changed = useOrgsChanged();
  return useMutation({
    mutationFn: (input: OrgInput) => postJSON<CreatedOrg>('/api/v0/organizations', input),
    onSuccess: changed,
  });
}

export function useUpdateOrg(id: string) {
  const changed = useOrgsChanged();
  return useMutation({
    mutationFn: (input: OrgInput) => request<Org>('PATCH', `/api/v0/organizations/${id}`, input),
    onSuccess: changed,
  });
}

export function useGoLive(id: string) {
  const changed = useOrgsChanged();
  return useMutation({
    mutationFn: () => postJSON<Schemas['SuccessBody']>(`/api/v0/organizations/${id}/enable-env`, { env: 'LIVE' } satisfies Schemas['EnableEnvRequest']),
    onSuccess: changed,
  });
}
