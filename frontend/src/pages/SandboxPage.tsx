import { ActionIcon, Alert, Button, Card, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { type FailureInput, describeRule, useAddFailure, useDeleteFailure, useFailures } from '../api/sandbox';
import { errorText } from '../api/errors';
import { tssLabel, useTssList } from '../api/tss';
import { QueryState } from '../components/QueryState';
import { formatTime } from '../format';
import { useScope } from '../org/scope';
import { DemoDataCard } from '../sandbox/DemoDataCard';

interface RuleForm {
  target: string; // '' = the whole org
  kind: 'error' | 'latency' | 'defective';
  status: number | string;
  code: string;
  latency_ms: number | string;
  remaining: number | string;
  duration_s: number | string;
}

/** The form's values as the API's rule body; empty numbers are left out. */
export function ruleBody(v: RuleForm, orgId: string): FailureInput {
  const num = (x: number | string) => (x === '' ? undefined : Number(x));
  const body: FailureInput = { kind: v.kind, remaining: num(v.remaining), duration_s: num(v.duration_s) };
  if (v.target) body.tss_id = v.target;
  else body.organization_id = orgId;
  if (v.kind === 'error') Object.assign(body, { status: num(v.status), code: v.code.trim() || undefined });
  if (v.kind === 'latency') body.latency_ms = num(v.latency_ms);
  return body;
}

export function SandboxPage() {
  const { t } = useTranslation();
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>{t('sandbox.title')}</Title>
        <Text c="dimmed">{t('sandbox.intro')}</Text>
      </div>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <FailureForm />
        <DemoDataCard />
      </SimpleGrid>
      <FailureList />
    </Stack>
  );
}

function FailureForm() {
  const { t } = useTranslation();
  const { org, canWrite } = useScope();
  const tss = useTssList([], { limit: 100, offset: 0 });
  const add = useAddFailure();
  const form = useForm<RuleForm>({
    mode: 'controlled',
    initialValues: { target: '', kind: 'error', status: 503, code: 'E_TSS_LOCKED', latency_ms: 2000, remaining: 3, duration_s: '' },
    validate: {
      status: (v, all) => (all.kind === 'error' && (Number(v) < 400 || Number(v) > 599) ? t('sandbox.statusRange') : null),
      latency_ms: (v, all) => (all.kind === 'latency' && (Number(v) < 1 || Number(v) > 60000) ? t('sandbox.latencyRange') : null),
    },
  });
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('sandbox.failures')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('sandbox.failuresIntro')}</Text>
      <form onSubmit={form.onSubmit((v) => add.mutate(ruleBody(v, org._id)))} noValidate>
        <Stack>
          {add.error && <Alert color="red">{errorText(t, add.error)}</Alert>}
          <Select
            label={t('sandbox.target')}
            data={[{ value: '', label: t('sandbox.wholeOrg', { org: org.name }) }, ...(tss.data?.data ?? []).map((s) => ({ value: s._id, label: `${tssLabel(s)} (${s._id})` }))]}
            allowDeselect={false}
            {...form.getInputProps('target')}
          />
          <SegmentedControl
            fullWidth
            data={[
              { value: 'error', label: t('sandbox.kindError') },
              { value: 'latency', label: t('sandbox.kindLatency') },
              { value: 'defective', label: t('sandbox.kindDefective') },
            ]}
            {...form.getInputProps('kind')}
          />
          {form.values.kind === 'error' && (
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <NumberInput label={t('sandbox.status')} min={400} max={599} {...form.getInputProps('status')} />
              <TextInput label={t('sandbox.code')} {...form.getInputProps('code')} />
            </SimpleGrid>
          )}
          {form.values.kind === 'latency' && <NumberInput label={t('sandbox.latency')} min={1} max={60000} step={500} {...form.getInputProps('latency_ms')} />}
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <NumberInput label={t('sandbox.remaining')} description={t('sandbox.remainingHint')} min={0} {...form.getInputProps('remaining')} />
            <NumberInput label={t('sandbox.duration')} description={t('sandbox.durationHint')} min={1} {...form.getInputProps('duration_s')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" color="orange" disabled={!canWrite} loading={add.isPending}>{t('sandbox.add')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function FailureList() {
  const { t } = useTranslation();
  const rules = useFailures();
  const del = useDeleteFailure();
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('sandbox.active')}</Title>
      <QueryState q={rules}>
        {(l) =>
          l.count === 0 ? (
            <Text size="sm" c="dimmed">{t('sandbox.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={420}><Table striped data-testid="failure-table">
              <Table.Tbody>
                {l.data.map((r) => (
                  <Table.Tr key={r._id}>
                    <Table.Td>{r.tss_id ? `TSS ${r.tss_id.slice(0, 8)}` : t('sandbox.org')}</Table.Td>
                    <Table.Td>{describeRule(r, t)}</Table.Td>
                    <Table.Td>{r.until ? formatTime(r.until) : ''}</Table.Td>
                    <Table.Td w={40}>
                      <ActionIcon variant="subtle" color="red" aria-label={t('sandbox.delete')} onClick={() => del.mutate(r._id)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table></Table.ScrollContainer>
          )
        }
      </QueryState>
    </Card>
  );
}
