import { Alert, Button, Loader, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { acceptInvitation, useInvitation, useSessionRefresh } from '../api/session';
import { password } from '../components/validation';
import { PublicLayout } from '../layout/PublicLayout';
import { errorText } from '../api/errors';

export function InvitePage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const refresh = useSessionRefresh();
  const info = useInvitation(token);
  const [error, setError] = useState<string>();
  const form = useForm({
    mode: 'controlled',
    initialValues: { first_name: '', last_name: '', password: '' },
    validate: { password: (v) => (info.data?.user_exists ? (v ? null : t('form.required')) : password(t)(v)) },
  });
  const submit = form.onSubmit(async (v) => {
    setError(undefined);
    try {
      await acceptInvitation(token, v);
      await refresh();
      navigate('/', { replace: true });
    } catch (e) {
      setError(errorText(t, e, { 401: 'invite.wrongPassword' }));
    }
  });

  if (info.isPending) {
    return (
      <PublicLayout>
        <Loader />
      </PublicLayout>
    );
  }
  if (info.isError) {
    return (
      <PublicLayout>
        <Alert color="red">{t('invite.invalid')}</Alert>
      </PublicLayout>
    );
  }
  const inv = info.data;
  return (
    <PublicLayout>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2}>{t('invite.title', { org: inv.organization_name })}</Title>
          <Text c="dimmed">{t('invite.intro', { role: t(`roles.${inv.role}`), email: inv.email })}</Text>
          {inv.user_exists && <Text size="sm">{t('invite.existing')}</Text>}
          {error && <Alert color="red">{error}</Alert>}
          {!inv.user_exists && (
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput label={t('form.firstName')} {...form.getInputProps('first_name')} />
              <TextInput label={t('form.lastName')} {...form.getInputProps('last_name')} />
            </SimpleGrid>
          )}
          <PasswordInput label={t('form.password')} autoComplete={inv.user_exists ? 'current-password' : 'new-password'} {...form.getInputProps('password')} />
          <Button type="submit" loading={form.submitting}>{t('invite.submit')}</Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
