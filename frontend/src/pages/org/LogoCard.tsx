import { Alert, Button, Card, FileButton, Group, Image, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/errors';
import { deleteLogo, uploadLogo } from '../../api/members';
import type { Org } from '../../api/orgs';
import { logoURL } from '../../components/OrgLogo';

/** The server's limit (org.MaxLogoBytes): 512 KiB. */
export const MAX_LOGO_BYTES = 512 * 1024;
const types = ['image/png', 'image/jpeg', 'image/webp'];

/** Why a file cannot be a logo, before it is sent: too big or not an image
 * type the server takes (it checks the bytes again). */
export function logoProblem(file: File): 'logo.tooLarge' | 'logo.wrongType' | undefined {
  if (file.type && !types.includes(file.type)) return 'logo.wrongType';
  if (file.size > MAX_LOGO_BYTES) return 'logo.tooLarge';
  return undefined;
}

/** The logo shown in the switcher and on this page and printed on the
 * organization's reports and invoices: PNG, JPEG or WebP up to 512 KiB. */
export function LogoCard({ org, canWrite }: { org: Org; canWrite: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setBusy(true);
    try {
      await fn();
      // The org's updated_at changes with its logo, and with it the logo's URL everywhere.
      await Promise.all([qc.invalidateQueries({ queryKey: ['orgs'] }), qc.invalidateQueries({ queryKey: ['me'] })]);
      notifications.show({ color: 'teal', message: t(done) });
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  const upload = (f: File | null) => {
    if (!f) return;
    const problem = logoProblem(f);
    if (problem) {
      setError(t(problem, { size: (f.size / 1024).toFixed(0) }));
      return;
    }
    void act(() => uploadLogo(org._id, f), 'logo.uploaded');
  };
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">{t('logo.title')}</Title>
      <Stack>
        {error && <Alert color="red" data-testid="logo-error">{error}</Alert>}
        {org.has_logo ? (
          <Image src={logoURL(org)} alt={t('logo.alt', { org: org.name })} h={80} w="auto" maw="100%" fit="contain" data-testid="logo-preview" />
        ) : (
          <Text size="sm" c="dimmed">{t('logo.none')}</Text>
        )}
        {canWrite && (
          <Group>
            <FileButton accept="image/png,image/jpeg,image/webp" onChange={upload}>
              {(props) => <Button variant="light" loading={busy} {...props}>{org.has_logo ? t('logo.replace') : t('logo.upload')}</Button>}
            </FileButton>
            {org.has_logo && <Button variant="subtle" color="red" onClick={() => void act(() => deleteLogo(org._id), 'logo.removed')}>{t('logo.remove')}</Button>}
          </Group>
        )}
        <Text size="xs" c="dimmed">{t('logo.hint')}</Text>
      </Stack>
    </Card>
  );
}
