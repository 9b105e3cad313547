import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useScope } from '../org/scope';
import { getJSON, request } from './client';
import type { Schemas } from './schema';

export type FailureRule = Schemas['TssRule'];
/** A new rule: the rule without what the server sets, and how long it lasts. */
export type FailureInput = Omit<FailureRule, '_id' | 'until'> & Pick<Schemas['FailureBody'], 'duration_s'>;

export function useFailures() {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['failures', org._id, env],
    queryFn: () => getJSON<Schemas['FailureList']>('/api/v2/sandbox/failures', headers),
    // Rules count down as the POS signs; keep the view current.
    refetchInterval: 3000,
  });
}

function useFailuresChanged() {
  const { org, env } = useScope();
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['failures', org._id, env] });
}

export function useAddFailure() {
  const { headers } = useScope();
  const changed = useFailuresChanged();
  return useMutation({
    mutationFn: (rule: FailureInput) => request<FailureRule>('POST', '/api/v2/sandbox/failures', rule, headers),
    onSuccess: changed,
  });
}

export function useDeleteFailure() {
  const { headers } = useScope();
  const changed = useFailuresChanged();
  return useMutation({
    mutationFn: (id: string) => request<Schemas['SuccessBody']>('DELETE', `/api/v2/sandbox/failures/${id}`, undefined, headers),
    onSuccess: changed,
  });
}

/** A rule in words, for the table. */
export function describeRule(r: FailureRule, t: (k: string, o?: Record<string, unknown>) => string): string {
  const what =
    r.kind === 'error' ? t('sandbox.describeError', { status: r.status, code: r.code })
    : r.kind === 'latency' ? t('sandbox.describeLatency', { ms: r.latency_ms })
    : t('sandbox.describeDefective');
  const howLong = r.remaining ? t('sandbox.forNext', { count: r.remaining }) : r.until ? t('sandbox.untilTime') : t('sandbox.untilDeleted');
  return `${what} · ${howLong}`;
}
