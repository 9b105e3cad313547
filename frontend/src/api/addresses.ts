import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON } from './client';
import type { Schemas } from './schema';

export type BillingAddress = Schemas['BillingAddress'];
/** What a new address takes: the address without what the server sets. */
export type BillingAddressInput = Omit<BillingAddress, '_id' | '_type' | 'created_at' | 'updated_at'>;

export const useAddresses = () =>
  useQuery({ queryKey: ['billing-addresses'], queryFn: () => getJSON<List<BillingAddress>>('/api/v0/billing-addresses'), retry: false });

export function useCreateAddress() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: BillingAddressInput) => postJSON<BillingAddress>('/api/v0/billing-addresses', a),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['billing-addresses'] }),
  });
}

/** Hands administration over. The caller leaves the org's page before the
 * lists are read again: the org itself is out of sight afterwards. */
export function useHandOver(orgId: string, leave: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => postJSON<Schemas['SuccessBody']>(`/api/v0/organizations/${orgId}/hand-over`),
    onSuccess: () => {
      leave();
      return Promise.all([qc.invalidateQueries({ queryKey: ['orgs'] }), qc.invalidateQueries({ queryKey: ['me'] })]);
    },
  });
}
