import { Alert, Button, Card, Group, NumberInput, Progress, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/errors';
import { useScope } from '../org/scope';
import { type DemoProgress, demoCustomers, generateDemo } from './demo';

export function DemoDataCard() {
  const { t } = useTranslation();
  const { org, canWrite } = useScope();
  const qc = useQueryClient();
  const [receipts, setReceipts] = useState<number | string>(1000);
  const [progress, setProgress] = useState<DemoProgress>();
  const [state, setState] = useState<'idle' | 'running' | 'done'>('idle');
  const [error, setError] = useState<string>();
  const main = org._type === 'ORGANIZATION';

  const run = async () => {
    setError(undefined);
    setState('running');
    try {
      await generateDemo(org._id, Number(receipts), setProgress);
      setState('done');
    } catch (e) {
      setError(errorText(t, e));
      setState('idle');
    } finally {
      await qc.invalidateQueries();
    }
  };

  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="xs">{t('sandbox.demo')}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('sandbox.demoIntro', { names: demoCustomers.map((c) => c.name).join(', '), org: org.name })}
      </Text>
      <Stack>
        {!main && <Alert color="gray">{t('sandbox.demoMainOnly')}</Alert>}
        {error && <Alert color="red">{error}</Alert>}
        {state === 'done' && <Alert color="teal">{t('sandbox.demoDone', { count: progress?.total ?? 0 })}</Alert>}
        <NumberInput label={t('sandbox.demoReceipts')} min={1} max={5000} value={receipts} onChange={setReceipts} disabled={state === 'running'} />
        {state === 'running' && progress && (
          <div>
            <Text size="xs" c="dimmed">{progress.step} · {progress.done} / {progress.total}</Text>
            <Progress value={(100 * progress.done) / Math.max(progress.total, 1)} aria-label={t('sandbox.demoProgress')} />
          </div>
        )}
        <Group justify="flex-end">
          <Button onClick={() => void run()} loading={state === 'running'} disabled={!main || !canWrite || !(Number(receipts) >= 1 && Number(receipts) <= 5000)}>
            {t('sandbox.demoRun')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
