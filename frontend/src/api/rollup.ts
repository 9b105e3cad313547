import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useScope } from '../org/scope';
import { getJSON, query } from './client';
import type { TssState } from './tss';

export interface Figures {
  tss: number;
  tss_by_state: Partial<Record<TssState, number>>;
  clients: number;
  transactions: number;
  today: number;
  /** Unix seconds of the last transaction started; 0 without any. */
  last_activity: number;
}

export interface RollupRow extends Figures {
  _id: string;
  _type: 'ORGANIZATION' | 'MANAGED_ORGANIZATION';
  _envs: string[];
  name: string;
  display_name?: string;
  town?: string;
  managed_by_organization_id?: string;
  administered_by_organization_id?: string;
  parent_name?: string;
  has_logo?: boolean;
  updated_at?: number;
  /** Absent for users who see no billing. */
  billing?: { withhold_billing: boolean; bill_to_organization?: string; bill_to_name?: string };
}

export interface Rollup {
  env: string;
  days: number;
  totals: Figures & { organizations: number; live_organizations: number };
  transactions_per_day: { day: string; transactions: number }[];
  data: RollupRow[];
  count: number;
}

export type RollupSort = 'name' | 'tss' | 'clients' | 'transactions' | 'today' | 'last_activity';

export interface RollupQuery {
  search?: string;
  sort?: RollupSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** false: the organization in view alone, without the ones it administers. */
  administered?: boolean;
  days?: number;
}

/** The figures of the organization in view and every organization it
 * administers, in the env in view (GET /api/dashboard/rollup). */
export function useRollup(q: RollupQuery = {}, orgId?: string) {
  const { org, env } = useScope();
  const id = orgId ?? org._id;
  return useQuery({
    queryKey: ['rollup', id, env, q],
    queryFn: () =>
      getJSON<Rollup>(
        '/api/dashboard/rollup' +
          query({
            organization_id: id,
            env,
            search: q.search,
            sort: q.sort,
            order: q.order,
            limit: q.limit,
            offset: q.offset,
            days: q.days,
            administered: q.administered === false ? 'false' : undefined,
          }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}
