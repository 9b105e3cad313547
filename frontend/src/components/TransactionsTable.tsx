import { Alert, Anchor, Button, Chip, Code, Drawer, Group, NumberInput, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { QRCodeSVG } from 'qrcode.react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { errorText } from '../api/errors';
import { ListFooter } from './ListFooter';
import { StateBadge } from './StateBadge';
import { type Transaction, useClients, useTransactions } from '../api/tss';
import { formatDecimal, formatTime } from '../format';
import { receiptSummary } from '../receipt/receipt';
import { verifyLog } from '../receipt/verify';
import { getBlob, getJSON } from '../api/client';
import { useScope } from '../org/scope';
import { CopyField } from './CopyField';
import { QueryState } from './QueryState';

const PAGE = 25;
const txStates = ['ACTIVE', 'FINISHED', 'CANCELLED'];

/** A TSS's transactions, paged and filtered on the server. The one that is
 * open is in the URL (?tx=<number>): a link to it opens it again. */
export function TransactionsTable({ tssId }: { tssId: string }) {
  const { t } = useTranslation();
  const [states, setStates] = useState<string[]>([]);
  const [clientId, setClientId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [params, setParams] = useSearchParams();
  const [seed, setSeed] = useState<Transaction | null>(null);
  const openNumber = Number(params.get('tx')) || undefined;
  const link = (n: number) => {
    const p = new URLSearchParams(params);
    p.set('tx', String(n));
    return `?${p}`;
  };
  const open = (tx: Transaction) => {
    setSeed(tx);
    setParams((p) => { p.set('tx', String(tx.number)); return p; });
  };
  const close = () => setParams((p) => { p.delete('tx'); return p; });
  const clients = useClients(tssId, { limit: 100, offset: 0 });
  const txs = useTransactions(tssId, { states, clientId: clientId ?? undefined }, { limit: PAGE, offset: (page - 1) * PAGE });

  return (
    <Stack>
      <Group justify="space-between">
        <Chip.Group multiple value={states} onChange={(v) => { setStates(v); setPage(1); }}>
          <Group gap="xs">
            {txStates.map((s) => <Chip key={s} value={s} size="sm">{t(`states.${s}`)}</Chip>)}
          </Group>
        </Chip.Group>
        <GoToNumber tssId={tssId} onFound={open} />
        <Select
          aria-label={t('tx.client')}
          placeholder={t('tx.allClients')}
          clearable
          data={(clients.data?.data ?? []).map((c) => ({ value: c._id, label: c.serial_number }))}
          value={clientId}
          onChange={(v) => { setClientId(v); setPage(1); }}
          w={{ base: '100%', xs: 240 }}
        />
      </Group>
      <QueryState q={txs}>
        {(l) =>
          l.count === 0 ? (
            <Alert color="blue" title={t('tx.emptyTitle')}>{t('tx.emptyBody')}</Alert>
          ) : (
            <>
              <Table withTableBorder striped highlightOnHover data-testid="tx-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th ta="right">{t('tx.number')}</Table.Th>
                    <Table.Th>{t('tx.state')}</Table.Th>
                    <Table.Th visibleFrom="md">{t('tx.client')}</Table.Th>
                    <Table.Th visibleFrom="sm">{t('tx.start')}</Table.Th>
                    <Table.Th visibleFrom="lg">{t('tx.end')}</Table.Th>
                    <Table.Th ta="right">{t('tx.total')}</Table.Th>
                    <Table.Th ta="right" visibleFrom="lg">{t('tx.counter')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.data.map((tx) => (
                    <Table.Tr key={tx._id} style={{ cursor: 'pointer' }} onClick={() => open(tx)} tabIndex={0}
                      onKeyDown={(e) => e.key === 'Enter' && open(tx)} aria-label={t('tx.open', { number: tx.number })}>
                      <Table.Td ta="right">
                        <Anchor component={Link} to={link(tx.number)} onClick={(e) => { e.preventDefault(); e.stopPropagation(); open(tx); }}>{tx.number}</Anchor>
                      </Table.Td>
                      <Table.Td><StateBadge state={tx.state} /></Table.Td>
                      <Table.Td visibleFrom="md">{tx.client_serial_number}</Table.Td>
                      <Table.Td visibleFrom="sm">{formatTime(tx.time_start)}</Table.Td>
                      <Table.Td visibleFrom="lg">{tx.time_end ? formatTime(tx.time_end) : '—'}</Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>{totalOf(tx)}</Table.Td>
                      <Table.Td ta="right" visibleFrom="lg">{tx.signature.counter}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <ListFooter count={l.count} pageSize={PAGE} page={page} onPage={setPage} />
            </>
          )
        }
      </QueryState>
      <Drawer opened={openNumber !== undefined} onClose={close} position="right" size="lg" title={openNumber ? t('tx.title', { number: openNumber }) : ''}>
        {openNumber !== undefined && <OpenTransaction tssId={tssId} number={openNumber} seed={seed?.number === openNumber ? seed : undefined} />}
      </Drawer>
    </Stack>
  );
}

/** A receipt's total in the UI language, or a dash for what has none. */
function totalOf(tx: Transaction): string {
  const total = receiptSummary(tx.schema).total;
  return total ? formatDecimal(total) : '—';
}

/** The transaction the URL names, read by its number (the row clicked is shown at once). */
function OpenTransaction({ tssId, number, seed }: { tssId: string; number: number; seed?: Transaction }) {
  const { t } = useTranslation();
  const { org, env, headers } = useScope();
  const tx = useQuery({
    queryKey: ['tss', org._id, env, tssId, 'tx-by-number', number],
    queryFn: () => getJSON<Transaction>(`/api/v2/tss/${tssId}/tx/${number}`, headers),
    initialData: seed,
  });
  if (tx.error) return <Alert color="red">{errorText(t, tx.error)}</Alert>;
  if (!tx.data) return null;
  return <TransactionView tx={tx.data} />;
}

/** One transaction as a receipt: what was sold, how it was paid, its signature and QR code. */
export function TransactionView({ tx }: { tx: Transaction }) {
  const { t } = useTranslation();
  const r = receiptSummary(tx.schema);
  return (
    <Stack>
      <Group gap="xs">
        <StateBadge state={tx.state} />
        <Text size="sm" c="dimmed">{t('tx.revision', { revision: tx.revision, latest: tx.latest_revision })}</Text>
      </Group>
      {r.kind === 'receipt' && (
        <Table withTableBorder data-testid="receipt">
          <Table.Tbody>
            {r.receiptType && <Table.Tr><Table.Th>{t('tx.receiptType')}</Table.Th><Table.Td>{r.receiptType}</Table.Td></Table.Tr>}
            {r.vat.map((v) => <Table.Tr key={'v' + v.label}><Table.Td>{t('tx.vat', { rate: v.label })}</Table.Td><Table.Td ta="right">{formatDecimal(v.amount)}</Table.Td></Table.Tr>)}
            {r.payments.map((p) => <Table.Tr key={'p' + p.label}><Table.Td>{p.label}</Table.Td><Table.Td ta="right">{formatDecimal(p.amount)}</Table.Td></Table.Tr>)}
            {r.total && <Table.Tr><Table.Th>{t('tx.total')}</Table.Th><Table.Th ta="right">{formatDecimal(r.total)}</Table.Th></Table.Tr>}
          </Table.Tbody>
        </Table>
      )}
      {r.kind !== 'receipt' && <Code block>{JSON.stringify(tx.schema, null, 2)}</Code>}
      <Table variant="vertical">
        <Table.Tbody>
          <Table.Tr><Table.Th w="40%">{t('tx.client')}</Table.Th><Table.Td>{tx.client_serial_number}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('tx.start')}</Table.Th><Table.Td>{formatTime(tx.time_start)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('tx.end')}</Table.Th><Table.Td>{tx.time_end ? formatTime(tx.time_end) : '—'}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('tx.logTime')}</Table.Th><Table.Td>{tx.log.operation} · {formatTime(tx.log.timestamp)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('tx.counter')}</Table.Th><Table.Td>{tx.signature.counter}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('tx.algorithm')}</Table.Th><Table.Td>{tx.signature.algorithm}</Table.Td></Table.Tr>
        </Table.Tbody>
      </Table>
      <CopyField label={t('tx.signature')} value={tx.signature.value} />
      <VerifySignature tx={tx} />
      {tx.qr_code_data ? (
        <Stack align="center" gap="xs">
          <Title order={5}>{t('tx.qr')}</Title>
          <QRCodeSVG value={tx.qr_code_data} size={220} level="L" marginSize={2} data-testid="receipt-qr" aria-label={t('tx.qr')} />
          <CopyField label={t('tx.qrData')} value={tx.qr_code_data} />
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">{t('tx.noQr')}</Text>
      )}
    </Stack>
  );
}

/** Fetches the revision's raw log and checks its signature here, with WebCrypto. */
function VerifySignature({ tx }: { tx: Transaction }) {
  const { t } = useTranslation();
  const { headers } = useScope();
  const check = useMutation({
    mutationFn: async () => {
      const log = await getBlob(`/api/v2/tss/${tx.tss_id}/tx/${tx._id}/log?tx_revision=${tx.revision}`, headers);
      return verifyLog(new Uint8Array(await log.arrayBuffer()), tx.signature.public_key, tx.signature.value);
    },
  });
  const r = check.data;
  return (
    <Stack gap="xs">
      <Group>
        <Button size="xs" variant="light" loading={check.isPending} onClick={() => check.mutate()}>{t('tx.verify')}</Button>
      </Group>
      {check.error && <Alert color="red">{errorText(t, check.error)}</Alert>}
      {r && (r.valid && r.sameAsAnswer ? (
        <Alert color="green" data-testid="verify-result">{t('tx.verifyOk')}</Alert>
      ) : (
        <Alert color="red" data-testid="verify-result">{r.valid ? t('tx.verifyOther') : t('tx.verifyBad')}</Alert>
      ))}
    </Stack>
  );
}

/** Opens a transaction by its number, as a receipt or an auditor names it. */
function GoToNumber({ tssId, onFound }: { tssId: string; onFound: (tx: Transaction) => void }) {
  const { t } = useTranslation();
  const { headers } = useScope();
  const [n, setN] = useState<number | string>('');
  const find = useMutation({ mutationFn: (num: number) => getJSON<Transaction>(`/api/v2/tss/${tssId}/tx/${num}`, headers), onSuccess: onFound });
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (Number(n) >= 1) find.mutate(Number(n)); }}>
      <Group gap="xs" align="flex-start">
        <NumberInput aria-label={t('tx.goTo')} placeholder={t('tx.goTo')} min={1} allowDecimal={false} hideControls w={150} value={n} onChange={setN}
          error={find.error ? errorText(t, find.error) : undefined} />
        <Button type="submit" variant="default" loading={find.isPending}>{t('tx.openButton')}</Button>
      </Group>
    </form>
  );
}
