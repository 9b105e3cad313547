import { Alert, Button, Card, Code, FileInput, Group, Stack, Text, Title } from '@mantine/core';
import { IconFolderOpen } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../api/client';
import { errorText } from '../api/errors';
import { useHealth } from '../api/health';
import { InstallationAdmins } from '../components/InstallationAdmins';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { SyncSettings } from '../components/SyncSettings';
import { ThemeSwitch } from '../components/ThemeSwitch';
import { backup, dataDir, isDesktop, openDataDir } from '../desktop';
import { useScope } from '../org/scope';

/** This installation: data directory, backup and restore, sync. Its
 * powers span every tenant, so the page is for the installation's
 * administrators; nobody else is offered it or asks its routes. */
export function WorkstationPage() {
  const { t } = useTranslation();
  const { installationAdmin } = useScope();
  if (!installationAdmin)
    return (
      <Stack gap="sm" maw={720}>
        <Title order={2}>{t('workstation.title')}</Title>
        <Alert color="gray">{t('workstation.adminsOnly')}</Alert>
      </Stack>
    );
  return <Workstation />;
}

function Workstation() {
  const { t } = useTranslation();
  const health = useHealth();
  const desktop = isDesktop();
  const dir = useQuery({ queryKey: ['desktop', 'dataDir'], queryFn: dataDir, enabled: desktop });

  return (
    <Stack gap="lg" maw={720}>
      <Title order={2}>{t('workstation.title')}</Title>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          {t('workstation.dataDir')}
        </Title>
        {desktop ? (
          <Group justify="space-between">
            <Text ff="monospace" style={{ overflowWrap: 'anywhere' }}>{dir.data ?? '…'}</Text>
            <Button variant="light" leftSection={<IconFolderOpen size={16} />} onClick={() => void openDataDir()}>
              {t('workstation.openDataDir')}
            </Button>
          </Group>
        ) : (
          <Text c="dimmed">{t('workstation.dataDirBrowser')}</Text>
        )}
      </Card>
      <BackupCard />
      <SyncSettings />
      <InstallationAdmins />
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          {t('workstation.appearance')}
        </Title>
        <Stack gap="sm">
          <Group justify="space-between">
            <Text>{t('language.label')}</Text>
            <LanguageSwitch />
          </Group>
          <Group justify="space-between">
            <Text>{t('theme.label')}</Text>
            <ThemeSwitch />
          </Group>
        </Stack>
      </Card>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          {t('workstation.about')}
        </Title>
        <Text>
          fiskaldesk {health.data?.version ?? '…'} · {t('overview.storeFormat')} {health.data?.store_format ?? '…'}
        </Text>
      </Card>
    </Stack>
  );
}

/** Backup in the window; the commands for backup and restore everywhere. */
function BackupCard() {
  const { t } = useTranslation();
  const run = useMutation({ mutationFn: backup });
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('workstation.backup')}</Title>
      <Stack gap="sm">
        <Text size="sm">{t('workstation.backupIntro')}</Text>
        {isDesktop() && (
          <Group>
            <Button variant="light" loading={run.isPending} onClick={() => run.mutate()}>{t('workstation.backupNow')}</Button>
          </Group>
        )}
        {run.error && <Alert color="red">{errorText(t, run.error)}</Alert>}
        {run.data && <Alert color="teal">{t('workstation.backupDone', { path: run.data })}</Alert>}
        <Text size="sm" c="dimmed">{t('workstation.backupCli')}</Text>
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>{'fiskaldesk backup --out fiskaldesk.backup\nfiskaldesk restore --in fiskaldesk.backup --data /path/to/empty-dir'}</Code>
        <RestoreForm />
      </Stack>
    </Card>
  );
}

/** Stages a backup for the next start: the running store cannot be swapped. */
const stageRestore = (file: File) => request<{ staged: boolean }>('POST', '/api/dashboard/restore', file);

function RestoreForm() {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const stage = useMutation({ mutationFn: stageRestore });
  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <FileInput label={t('workstation.restoreFile')} placeholder={t('workstation.restorePick')} value={file} onChange={setFile} clearable w={{ base: '100%', xs: 320 }} />
        <Button variant="light" color="orange" disabled={!file} loading={stage.isPending} onClick={() => file && stage.mutate(file)} w={{ base: '100%', xs: 'auto' }}>
          {t('workstation.restoreStage')}
        </Button>
      </Group>
      {stage.error && <Alert color="red">{errorText(t, stage.error)}</Alert>}
      {stage.isSuccess && <Alert color="orange" title={t('workstation.restoreStagedTitle')}>{t('workstation.restoreStaged')}</Alert>}
    </Stack>
  );
}
