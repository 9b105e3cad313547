import { useMantineTheme } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** Transactions per day as bars; days are YYYY-MM-DD, shown as DD.MM. */
export function TransactionsChart({ data, label }: { data: { day: string; transactions: number }[]; label: string }) {
  const theme = useMantineTheme();
  const rows = data.map((d) => ({ ...d, short: `${d.day.slice(8, 10)}.${d.day.slice(5, 7)}.` }));
  return (
    <div style={{ width: '100%', height: 220 }} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="short" fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} />
          <Tooltip labelFormatter={(_, p) => p?.[0]?.payload?.day ?? ''} />
          <Bar dataKey="transactions" name={label} fill={theme.colors.blue[6]} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
