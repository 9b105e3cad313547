import { useQuery } from '@tanstack/react-query';
import { useScope } from '../org/scope';
import { getJSON } from './client';

export interface Overview {
  tss_by_state: Record<'CREATED' | 'UNINITIALIZED' | 'INITIALIZED' | 'DISABLED', number>;
  registered_clients: number;
  transactions: number;
  transactions_per_day: { day: string; transactions: number }[];
}

export function useOverview(days = 14) {
  const { org, env, headers } = useScope();
  return useQuery({
    queryKey: ['overview', org._id, env, days],
    queryFn: () => getJSON<Overview>(`/api/dashboard/overview?days=${days}`, headers),
    refetchInterval: 30_000,
  });
}
