import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import i18n from '../i18n';
import { useScope } from '../org/scope';
import { getJSON, type List, query, request } from './client';
import type { Schemas } from './schema';

/** A SIGN DE TAR export as the API answers it (generated from the Go type). */
export type TssExport = Schemas['TssExport'];
export type ExportState = TssExport['state'];

export interface ExportFilter {
  start_date?: number;
  end_date?: number;
  start_transaction_number?: number;
  end_transaction_number?: number;
  client_id?: string;
}

const running = (e: TssExport) => e.state === 'PENDING' || e.state === 'WORKING';

/** Every export of the org and env in view, newest first. The list is
 * read again every 2 s while one of them is still running. */
export function useExports(page: { limit: number; offset: number }) {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['exports', org._id, env, page],
    queryFn: () => getJSON<List<TssExport>>('/api/v2/export' + query({ order_by: 'time_request', order: 'desc', ...page }), headers),
    refetchInterval: (q) => (q.state.data?.data.some(running) ? 2000 : false),
    placeholderData: (prev) => prev,
  });
}

export function useStartExport() {
  const { org, env, headers } = useScope();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ tssId, filter }: { tssId: string; filter: ExportFilter }) =>
      request<TssExport>('PUT', `/api/v2/tss/${tssId}/export/${crypto.randomUUID()}` + query({ ...filter }), undefined, headers),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['exports', org._id, env] }),
  });
}

/** Where the API serves an export's TAR (save it with useDownload). */
export const exportFilePath = (e: TssExport) => `/api/v2/tss/${e.tss_id}/export/${e._id}/file`;

export interface ReportInput {
  from: string;
  to: string;
  format: 'csv' | 'xlsx' | 'pdf';
  include_managed: boolean;
}

/** Where the API renders a transaction report of org (save it with
 * useDownload), in the language of the page that asks for it. */
export const reportPath = (orgId: string, r: ReportInput) =>
  '/api/dashboard/reports/transactions' +
  query({
    organization_id: orgId, from: r.from, to: r.to, format: r.format, include_managed: r.include_managed ? 'true' : undefined,
    lang: i18n.resolvedLanguage === 'de' ? 'de' : 'en',
  });

/** A DSFinV-K export, a cash register and the body that starts an export,
 * as the API defines them (generated from the Go types). */
export type DsfinvkExport = Schemas['DsfinvkExport'];
export type CashRegister = Schemas['DsfinvkCashRegister'];
export type DsfinvkInput = Pick<Schemas['DsfinvkExportParams'], 'client_id' | 'business_date_start' | 'business_date_end'> & { format: 'tar' | 'zip' };

/** DSFinV-K exports of the org and env in view; read again while one runs. */
export function useDsfinvkExports() {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['dsfinvk-exports', org._id, env],
    queryFn: () => getJSON<List<DsfinvkExport>>('/api/v1/exports' + query({ limit: 20, order_by: 'time_request', order: 'desc' }), headers),
    refetchInterval: (q) => (q.state.data?.data.some((e) => e.state === 'PENDING' || e.state === 'WORKING') ? 2000 : false),
  });
}

export function useCashRegisters() {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['cash-registers', org._id, env],
    queryFn: () => getJSON<List<CashRegister>>('/api/v1/cash_registers' + query({ limit: 100 }), headers),
  });
}

export function useStartDsfinvk() {
  const { org, env, headers } = useScope();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: DsfinvkInput) => request<DsfinvkExport>('PUT', `/api/v1/exports/${crypto.randomUUID()}`, input, headers),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['dsfinvk-exports', org._id, env] }),
  });
}

/** Where the API serves a DSFinV-K export's archive (save it with useDownload). */
export const dsfinvkFilePath = (e: DsfinvkExport) => `/api/v1/exports/${e._id}/download`;

/** A cash point closing's summary and a validation report (generated from the Go types). */
export type Closing = Schemas['DsfinvkClosingView'];
export type ClosingReport = Schemas['DsfinvkReport'];

/** Cash point closings of the org in view, newest first, paged on the server. */
export function useClosings(page: { limit: number; offset: number }) {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['closings', org._id, env, page],
    queryFn: () => getJSON<List<Closing>>('/api/v1/cash_point_closings' + query({ order_by: 'time_creation', order: 'desc', ...page }), headers),
    placeholderData: (prev) => prev,
    refetchInterval: (q) => (q.state.data?.data.some((c) => c.state === 'PENDING' || c.state === 'WORKING') ? 2000 : false),
  });
}

export function useClosingReports(id: string | null) {
  const { headers } = useScope();
  return useQuery({
    queryKey: ['closing-reports', id],
    queryFn: () => getJSON<List<ClosingReport>>(`/api/v1/cash_point_closings/${id}/reports`, headers),
    enabled: id !== null,
  });
}
