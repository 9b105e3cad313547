import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON } from './client';

export interface BillingAddress {
  _id: string;
  organization_id: string;
  company_name: string;
  address_line1: string;
  address_line2?: string;
  zip: string;
  town: string;
  country_code: string;
  vat_id?: string;
  invoice_email?: string;
}

export type BillingAddressInput = Omit<BillingAddress, '_id'>;

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
    mutationFn: () => postJSON(`/api/v0/organizations/${orgId}/hand-over`),
    onSuccess: () => {
      leave();
      return Promise.all([qc.invalidateQueries({ queryKey: ['orgs'] }), qc.invalidateQueries({ queryKey: ['me'] })]);
    },
  });
}
