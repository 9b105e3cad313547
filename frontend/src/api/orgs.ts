import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON, query, request } from './client';
import type { ApiKey } from './keys';

export interface BillingOptions {
  gln?: string;
  withhold_billing?: boolean;
  bill_to_organization?: string;
}

export interface Org {
  _id: string;
  _type: 'ORGANIZATION' | 'MANAGED_ORGANIZATION';
  _envs: string[];
  name: string;
  display_name?: string;
  address_line1: string;
  address_line2?: string;
  zip: string;
  town: string;
  state?: string;
  country_code: string;
  vat_id?: string;
  tax_number?: string;
  economy_id?: string;
  managed_by_organization_id?: string;
  administered_by_organization_id?: string;
  billing_options?: BillingOptions;
  billing_address_id?: string;
  has_logo?: boolean;
  created_at?: number;
  updated_at?: number;
}

/** A create or PATCH body; null clears an optional field (PATCH). */
export type OrgInput = { [K in keyof Omit<Org, '_id' | '_type' | '_envs'>]?: Org[K] | null } & {
  generate_api_key?: boolean;
};

/** A created org; with generate_api_key it carries its first key, secret included. */
export type CreatedOrg = Org & { api_key?: ApiKey };

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
    mutationFn: () => postJSON(`/api/v0/organizations/${id}/enable-env`, { env: 'LIVE' }),
    onSuccess: changed,
  });
}
