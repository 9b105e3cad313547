import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, getJSON, type List, postJSON, query } from './client';

export interface InvoiceLine {
  organization_id: string;
  organization_name: string;
  tss_id?: string;
  env: string;
  kind: 'tss_month' | 'transactions' | 'exports';
  description: string;
  quantity: number;
  unit_price: number;
  amount: number;
  billed: boolean;
}

export interface Invoice {
  _id: string;
  number?: string;
  state: 'draft' | 'issued';
  organization_id: string;
  organization_name: string;
  month: string;
  currency: string;
  lines: InvoiceLine[];
  net: number;
  vat_rate: string;
  vat: number;
  gross: number;
  created_at: number;
  issued_at?: number;
}

export interface Usage {
  organization_id: string;
  name: string;
  month: string;
  managed_organizations: number;
  tss: { tss_id: string; env: string; in_use: boolean; transactions: number; exports: number }[];
}

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
  return useMutation({ mutationFn: (month: string) => postJSON<{ drafts: number }>('/api/v0/invoices/generate', { month }), onSuccess: changed });
}

export function useIssueInvoice() {
  const changed = useInvoicesChanged();
  return useMutation({ mutationFn: (id: string) => postJSON<Invoice>(`/api/v0/invoices/${id}/issue`), onSuccess: changed });
}

/** Where the API renders an invoice as PDF (save it with useDownload). */
export const invoicePdfPath = (id: string) => `/api/v0/invoices/${id}/pdf`;
