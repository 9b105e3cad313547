import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import i18n from '../i18n';
import { useScope } from '../org/scope';
import { getBlob, getJSON, type List, query, request } from './client';

export type ExportState = 'PENDING' | 'WORKING' | 'COMPLETED' | 'ERROR' | 'CANCELLED';

export interface TssExport {
  _id: string;
  tss_id: string;
  state: ExportState;
  exception?: string;
  time_request: number;
  time_end?: number;
  time_expiration?: number;
  records?: number;
  size?: number;
  sha256?: string;
  parameters: Record<string, string | number>;
}

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

export function useExportFile() {
  const { headers } = useScope();
  return (e: TssExport) => getBlob(`/api/v2/tss/${e.tss_id}/export/${e._id}/file`, headers);
}

export interface ReportInput {
  from: string;
  to: string;
  format: 'csv' | 'xlsx' | 'pdf';
  include_managed: boolean;
}

export function useReport() {
  const { org, headers } = useScope();
  return useMutation({
    mutationFn: (r: ReportInput) =>
      getBlob(
        '/api/dashboard/reports/transactions' +
          query({
            organization_id: org._id, from: r.from, to: r.to, format: r.format, include_managed: r.include_managed ? 'true' : undefined,
            // The report is written in the language of the page that asks for it.
            lang: i18n.resolvedLanguage === 'de' ? 'de' : 'en',
          }),
        headers,
      ),
  });
}

export interface DsfinvkExport {
  _id: string;
  state: ExportState;
  error?: { code: string; message: string };
  format: 'tar' | 'zip';
  time_request: number;
  time_completed?: number;
  cash_point_closings: string[];
  size?: number;
  parameters: { format: string; client_id?: string; business_date_start?: string; business_date_end?: string };
}

export interface CashRegister {
  client_id: string;
  cash_register_type: string;
  brand: string;
  model: string;
}

export interface DsfinvkInput {
  format: 'tar' | 'zip';
  client_id?: string;
  business_date_start?: string;
  business_date_end?: string;
}

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

export function useDsfinvkFile() {
  const { headers } = useScope();
  return (e: DsfinvkExport) => getBlob(`/api/v1/exports/${e._id}/download`, headers);
}

export interface Closing {
  closing_id: string;
  cash_point_closing_export_id: number;
  state: ExportState;
  error?: { code: string; message: string };
  client_id: string;
  business_date?: string;
  full_amount: number;
  cash_amount: number;
  time_creation: number;
}

export interface ClosingReport {
  report_id: string;
  code: string;
  severity: string;
  message: string;
}

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
