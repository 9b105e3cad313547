import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getJSON, postJSON, request } from './client';
import type { Schemas } from './schema';

export type SyncRemote = Schemas['SyncRemote'];
export type SyncState = Schemas['SyncState'];
/** This instance's sync role and status (can_manage: always true for
 * the installation administrators who may read it). */
export type SyncStatus = Schemas['SyncStatusBody'];
export type SyncRole = SyncStatus['role'];
export type Workstation = Schemas['SyncWorkstation'];
export type SyncedTss = Schemas['TssSyncedTSS'];

export const useWorkstationTss = (id: string | null) =>
  useQuery({
    queryKey: ['sync', 'workstations', id, 'tss'],
    queryFn: () => getJSON<Schemas['SyncedTSSList']>(`${base}/workstations/${id}/tss`),
    enabled: id !== null,
  });

/** One side of a conflict; value is the stored value in base64. */
export type ConflictSide = Schemas['StoreConflictSide'];
export type Conflict = Schemas['StoreConflict'];

const base = '/api/dashboard/sync';

/** Polls while the page is open: sync runs in the background. */
export const useSyncStatus = () =>
  useQuery({ queryKey: ['sync', 'status'], queryFn: () => getJSON<SyncStatus>(base), refetchInterval: 3000 });

export const useWorkstations = (enabled: boolean) =>
  useQuery({ queryKey: ['sync', 'workstations'], queryFn: () => getJSON<Schemas['WorkstationList']>(base + '/workstations'), enabled, refetchInterval: 5000 });

export const useConflicts = (enabled: boolean) =>
  useQuery({ queryKey: ['sync', 'conflicts'], queryFn: () => getJSON<Schemas['ConflictList']>(base + '/conflicts'), enabled });

function useSyncChanged() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['sync'] });
}

export function useConnect() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: (input: Schemas['SyncConnectRequest']) => postJSON<SyncRemote>(base + '/connect', input),
    onSuccess: changed,
  });
}

export function useSyncNow() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: () => postJSON<Schemas['SyncRound']>(base + '/run'),
    onSuccess: changed,
  });
}

export function usePairWorkstation() {
  const changed = useSyncChanged();
  return useMutation({
    mutationFn: (name: string) => postJSON<Schemas['PairedWorkstation']>(base + '/workstations', { name } satisfies Schemas['PairRequest']),
    onSuccess: changed,
  });
}

export function useRevokeWorkstation() {
  const changed = useSyncChanged();
  return useMutation({ mutationFn: (id: string) => request<Schemas['EmptyBody']>('DELETE', `${base}/workstations/${id}`), onSuccess: changed });
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
