import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON, query, request } from './client';
import type { Schemas } from './schema';

export type InvoiceLine = Schemas['BillingLine'];
export type Invoice = Schemas['BillingInvoice'];
export type Usage = Schemas['BillingOrgUsage'];

/** The invoices this user may see. Only asked for where billing exists
 * for the user (Scope.billingVisible): elsewhere the server answers 404 and
 * the dashboard does not ask. */
export const useInvoices = (enabled = true) =>
  useQuery({
    queryKey: ['invoices'],
    queryFn: () => getJSON<List<Invoice>>('/api/v0/invoices'),
    enabled,
  });

export interface PriceList {
  currency: string;
  tss_per_month: number;
  included_transactions_per_tss: number;
  per_1000_transactions: number;
  per_export: number;
  updated_at?: number;
}

/** The installation's price list (amounts in cents); for its administrators. */
export const usePriceList = (enabled = true) =>
  useQuery({ queryKey: ['price-list'], queryFn: () => getJSON<PriceList>('/api/v0/billing/price-list'), enabled });

export function useSetPriceList() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: PriceList) => request<PriceList>('PUT', '/api/v0/billing/price-list', p),
    onSuccess: (p) => qc.setQueryData(['price-list'], p),
  });
}

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
