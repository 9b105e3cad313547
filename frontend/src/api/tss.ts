import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useScope } from '../org/scope';
import { getJSON, type List, query, request } from './client';
import type { Schemas } from './schema';

/** A TSS; admin_puk only in the answer that creates it. */
export type Tss = Schemas['TssView'];
export type TssState = Tss['state'];
export type Client = Schemas['TssClient'];
/** A transaction revision; schema is the POS's processData as it sent it. */
export type Transaction = Schemas['TssTxView'];

/** The description a TSS gets when none is given at initialization. */
export const defaultDescription = (id: string) => `fiskaldesk Sandbox TSS (${id})`;

/** The characters a TSS description may have (the server's rule, docs/sign-de.md). */
export const descriptionPattern = /^[A-Za-z0-9 '()+,\-./:=?]{0,100}$/;

/** What a TSS is called in lists and titles: its description, or the one
 * chosen at creation (kept in metadata until the TSS is initialized), or
 * "TSS" with the start of its id — never the id twice. */
export function tssLabel(tss: Pick<Tss, '_id' | 'description' | 'metadata'>): string {
  if (tss.description && tss.description !== defaultDescription(tss._id)) return tss.description;
  return tss.metadata?.description || `TSS ${tss._id.slice(0, 8)}`;
}

export interface Page {
  limit: number;
  offset: number;
}

/** Every SIGN DE call of the dashboard runs in the org and env of the switcher. */
function useV2() {
  const { org, env, headers } = useScope();
  const scopeKey = [org._id, env] as const;
  return {
    scopeKey,
    get: <T>(path: string) => getJSON<T>('/api/v2' + path, headers),
    send: <T>(method: string, path: string, body?: unknown) => request<T>(method, '/api/v2' + path, body ?? {}, headers),
  };
}

export function useTssList(states: string[], page: Page) {
  const v2 = useV2();
  return useQuery({
    queryKey: ['tss', ...v2.scopeKey, 'list', states, page],
    queryFn: () =>
      v2.get<List<Tss>>('/tss' + query({ 'states[]': states, order_by: 'time_creation', order: 'desc', ...page })),
    placeholderData: (prev) => prev,
  });
}

export function useTss(id: string) {
  const v2 = useV2();
  return useQuery({ queryKey: ['tss', ...v2.scopeKey, id], queryFn: () => v2.get<Tss>(`/tss/${id}`) });
}

export function useClients(tssId: string, page: Page) {
  const v2 = useV2();
  return useQuery({
    queryKey: ['tss', ...v2.scopeKey, tssId, 'clients', page],
    queryFn: () => v2.get<List<Client>>(`/tss/${tssId}/client` + query({ ...page })),
    placeholderData: (prev) => prev,
  });
}

export interface TxFilter {
  states: string[];
  clientId?: string;
}

export function useTransactions(tssId: string, filter: TxFilter, page: Page) {
  const v2 = useV2();
  const base = filter.clientId ? `/tss/${tssId}/client/${filter.clientId}/tx` : `/tss/${tssId}/tx`;
  return useQuery({
    queryKey: ['tss', ...v2.scopeKey, tssId, 'tx', filter, page],
    queryFn: () => v2.get<List<Transaction>>(base + query({ 'states[]': filter.states, order: 'desc', ...page })),
    placeholderData: (prev) => prev,
  });
}

/** A SIGN DE call that changes something; the TSS queries are read again after it. */
export function useTssAction<I, O = unknown>(fn: (send: ReturnType<typeof useV2>['send'], input: I) => Promise<O>) {
  const v2 = useV2();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: I) => fn(v2.send, input),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tss', ...v2.scopeKey] }),
  });
}
