import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, type List, postJSON, request } from './client';

export type SyncRole = 'standalone' | 'workstation' | 'central';

export interface SyncRemote {
  url: string;
  central_instance: string;
  workstation_id: string;
  paired_at: number;
}

export interface SyncState {
  last_sync_at?: number;
  last_error?: string;
  last_error_at?: number;
  pushed_entries: number;
  pulled_entries: number;
  conflicts: number;
  consecutive_failures: number;
  next_attempt_at?: number;
}

export interface SyncStatus {
  role: SyncRole;
  instance: string;
  remote?: SyncRemote;
  state?: SyncState;
  backlog: number;
  last_sequence: number;
  conflicts: number;
  /** owner or admin of a main organization: may pair, revoke, restore */
  can_manage: boolean;
}

export interface Workstation {
  id: string;
  name: string;
  created_at: number;
  instance?: string;
  revoked_at?: number;
  last_seen_at?: number;
  cursor: number;
  entries: number;
  tss: number;
  transactions: number;
}

export interface SyncedTss {
  _id: string;
  _env: string;
  state: string;
  organization_id: string;
  organization_name: string;
  transaction_counter: number;
  signature_counter: number;
  number_registered_clients: number;
}

export const useWorkstationTss = (id: string | null) =>
  useQuery({
    queryKey: ['sync', 'workstations', id, 'tss'],
    queryFn: () => getJSON<List<SyncedTss>>(`${base}/workstations/${id}/tss`),
    enabled: id !== null,
  });

export interface ConflictSide {
  origin: string;
  at: string;
  deleted: boolean;
  /** base64 of the stored value */
  value: string | null;
}

export interface Conflict {
  id: string;
  key: string;
  detected_at: string;
  peer: string;
  kept: ConflictSide;
  lost: ConflictSide;
  kept_local: boolean;
}

const base = '/api/dashboard/sync';

/** Polls while the page is open: sync runs in the background. */
export const useSyncStatus = () =>
  useQuery({ queryKey: ['sync', 'status'], queryFn: () => getJSON<SyncStatus>(base), refetchInterval: 3000 });

export const useWorkstations = (enabled: boolean) =>
  useQuery({ queryKey: ['sync', 'workstations'], queryFn: () => getJSON<List<Workstation>>(base + '/workstations'), enabled, refetchInterval: 5000 });

export const useConflicts = (enabled: boolean) =>
  useQuery({ queryKey: ['sync', 'conflicts'], queryFn: () => getJSON<List<Conflict>>(base + '/conflicts'), enabled });

function useSyncChanged() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['sync'] });
}

export function useConnect() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: (input: { url: string; credential: string; ca_pem?: string }) => postJSON<SyncRemote>(base + '/connect', input),
    onSuccess: changed,
  });
}

export function useSyncNow() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: () => postJSON<{ pushed: number; pulled: number; conflicts: number; backlog: number }>(base + '/run'),
    onSuccess: changed,
  });
}

export function usePairWorkstation() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: (name: string) => postJSON<{ workstation: Workstation; credential: string }>(base + '/workstations', { name }),
    onSuccess: changed,
  });
}

export function useRevokeWorkstation() {
  const changed = useSyncChanged();
  return useMutation({ mutationFn: (id: string) => request<object>('DELETE', `${base}/workstations/${id}`), onSuccess: changed });
}

/** A conflict side's value as text: the JSON record most keys hold. */
export function conflictText(side: ConflictSide): string {
  if (side.deleted) return '';
  if (!side.value) return '';
  try {
    const bin = atob(side.value);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return side.value;
  }
}

/** Checks the remote URL the way the server does: https, or http to this machine. */
export function remoteUrlError(url: string): 'invalid' | 'https' | null {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'invalid';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'invalid';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (u.protocol === 'http:' && !loopback) return 'https';
  return null;
}
