import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { ApiKey } from '../api/keys';
import { CopyField } from './CopyField';

/** Shows a new key's secret, the one time it exists outside the hash. */
export function SecretReveal({ apiKey, onClose }: { apiKey: ApiKey | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={apiKey !== null} onClose={onClose} title={t('keys.createdTitle')} size="lg" closeOnClickOutside={false}>
      {apiKey && (
        <Stack>
          <Alert color="orange" icon={<IconAlertTriangle size={18} />} title={t('keys.onceTitle')}>
            {t('keys.onceBody')}
          </Alert>
          <CopyField label={t('keys.key')} value={apiKey.key} />
          <CopyField label={t('keys.secret')} value={apiKey.secret ?? ''} />
          <Group justify="flex-end">
            <Button onClick={onClose}>{t('keys.stored')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
