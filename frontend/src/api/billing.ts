import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, getJSON, type List, postJSON, query } from './client';
import type { Schemas } from './schema';

export type InvoiceLine = Schemas['BillingLine'];
export type Invoice = Schemas['BillingInvoice'];
export type Usage = Schemas['BillingOrgUsage'];

/** The invoices this user may see. Billing routes answer 404 where billing
 * is withheld; that answer means "no billing here", not an error. */
export const useInvoices = () =>
  useQuery({
    queryKey: ['invoices'],
    queryFn: async () => {
      try {
        return await getJSON<List<Invoice>>('/api/v0/invoices');
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    retry: false,
  });

export const useUsage = (orgId: string, month: string) =>
  useQuery({
    queryKey: ['usage', orgId, month],
    queryFn: () => getJSON<Usage>(`/api/v0/organizations/${orgId}/usage` + query({ month })),
    retry: false,
  });

function useInvoicesChanged() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['invoices'] });
}

export function useGenerateInvoices() {
  const changed = useInvoicesChanged();
  return useMutation({ mutationFn: (month: string) => postJSON<Schemas['GeneratedInvoices']>('/api/v0/invoices/generate', { month } satisfies Schemas['GenerateRequest']), onSuccess: changed });
}

export function useIssueInvoice() {
  const changed = useInvoicesChanged();
  return useMutation({ mutationFn: (id: string) => postJSON<Invoice>(`/api/v0/invoices/${id}/issue`), onSuccess: changed });
}

/** Where the API renders an invoice as PDF (save it with useDownload). */
export const invoicePdfPath = (id: string) => `/api/v0/invoices/${id}/pdf`;
