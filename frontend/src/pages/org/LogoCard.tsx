import { Alert, Button, Card, FileButton, Group, Image, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { deleteLogo, uploadLogo } from '../../api/members';
import type { Org } from '../../api/orgs';

/** The logo printed on invoices and reports: PNG, JPEG or WebP up to 512 KiB. */
export function LogoCard({ org, canWrite }: { org: Org; canWrite: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // A new URL after each change, so the preview does not show a cached image.
  const [version, setVersion] = useState(0);
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    setBusy(true);
    try {
      await fn();
      setVersion((v) => v + 1);
      await qc.invalidateQueries({ queryKey: ['orgs'] });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('logo.title')}</Title>
      <Stack>
        {error && <Alert color="red">{error}</Alert>}
        {org.has_logo ? (
          <Image src={`/api/v0/organizations/${org._id}/logo?v=${version}`} alt={t('logo.alt', { org: org.name })} h={80} w="auto" fit="contain" data-testid="logo-preview" />
        ) : (
          <Text size="sm" c="dimmed">{t('logo.none')}</Text>
        )}
        {canWrite && (
          <Group>
            <FileButton accept="image/png,image/jpeg,image/webp" onChange={(f) => f && void act(() => uploadLogo(org._id, f))}>
              {(props) => <Button variant="light" loading={busy} {...props}>{org.has_logo ? t('logo.replace') : t('logo.upload')}</Button>}
            </FileButton>
            {org.has_logo && <Button variant="subtle" color="red" onClick={() => void act(() => deleteLogo(org._id))}>{t('logo.remove')}</Button>}
          </Group>
        )}
        <Text size="xs" c="dimmed">{t('logo.hint')}</Text>
      </Stack>
    </Card>
  );
}
