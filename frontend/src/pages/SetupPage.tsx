import { Alert, Button, Divider, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { setup, useSessionRefresh, useSetupStatus } from '../api/session';
import { CountrySelect } from '../components/CountrySelect';
import { country, email, orgName, password, required } from '../components/validation';
import { PublicLayout } from '../layout/PublicLayout';
import { errorText } from '../api/errors';

export function SetupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const refresh = useSessionRefresh();
  const [error, setError] = useState<string>();
  // The one-time setup token comes with the link fiskaldesk printed
  // (…/setup?token=…); the desktop window sends it by itself.
  const [params] = useSearchParams();
  const linkToken = params.get('token') ?? undefined;
  const status = useSetupStatus(linkToken);
  const needsToken = status.data?.required === true && status.data.token_valid !== true;
  const form = useForm({
    mode: 'controlled',
    initialValues: {
      setup_token: linkToken ?? '',
      first_name: '', last_name: '', email: '', password: '', password2: '',
      name: '', address_line1: '', zip: '', town: '', country_code: 'DEU',
    },
    validate: {
      setup_token: (v) => (!needsToken || v.trim() ? null : t('setup.tokenMissing')),
      email: email(t),
      password: password(t),
      password2: (v, values) => (v === values.password ? null : t('form.passwordMismatch')),
      name: orgName(t),
      address_line1: required(t),
      zip: required(t),
      town: required(t),
      country_code: country(t),
    },
  });

  const submit = form.onSubmit(async (v) => {
    setError(undefined);
    try {
      await setup(
        {
          email: v.email.trim(), password: v.password, first_name: v.first_name, last_name: v.last_name,
          organization: { name: v.name, address_line1: v.address_line1, zip: v.zip, town: v.town, country_code: v.country_code },
        },
        v.setup_token.trim() || undefined,
      );
      await refresh();
      navigate('/', { replace: true });
    } catch (e) {
      setError(errorText(t, e, { 409: 'setup.done' }));
    }
  });

  if (status.data?.required === false) return <Navigate to="/" replace />;
  return (
    <PublicLayout width={640}>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2}>{t('setup.title')}</Title>
          <Text c="dimmed">{t('setup.intro')}</Text>
          {error && <Alert color="red">{error}</Alert>}
          {needsToken && (
            <TextInput
              label={t('setup.token')}
              description={t('setup.tokenHint')}
              withAsterisk
              autoComplete="off"
              {...form.getInputProps('setup_token')}
            />
          )}
          <Divider label={t('setup.you')} labelPosition="left" />
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <TextInput label={t('form.firstName')} autoComplete="given-name" {...form.getInputProps('first_name')} />
            <TextInput label={t('form.lastName')} autoComplete="family-name" {...form.getInputProps('last_name')} />
          </SimpleGrid>
          <TextInput label={t('form.email')} type="email" autoComplete="email" withAsterisk {...form.getInputProps('email')} />
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <PasswordInput label={t('form.password')} autoComplete="new-password" withAsterisk {...form.getInputProps('password')} />
            <PasswordInput label={t('form.passwordRepeat')} autoComplete="new-password" withAsterisk {...form.getInputProps('password2')} />
          </SimpleGrid>
          <Divider label={t('setup.organization')} labelPosition="left" />
          <TextInput label={t('form.orgName')} withAsterisk {...form.getInputProps('name')} />
          <TextInput label={t('form.address')} withAsterisk {...form.getInputProps('address_line1')} />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label={t('form.zip')} withAsterisk {...form.getInputProps('zip')} />
            <TextInput label={t('form.town')} withAsterisk {...form.getInputProps('town')} />
            <CountrySelect withAsterisk {...form.getInputProps('country_code')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" loading={form.submitting}>{t('setup.submit')}</Button>
          </Group>
        </Stack>
      </form>
    </PublicLayout>
  );
}
