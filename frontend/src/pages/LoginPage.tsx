import { Alert, Button, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { login, useSessionRefresh } from '../api/session';
import { email, required } from '../components/validation';
import { PublicLayout } from '../layout/PublicLayout';
import { errorText } from '../api/errors';

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const refresh = useSessionRefresh();
  const [error, setError] = useState<string>();
  const form = useForm({
    mode: 'controlled',
    initialValues: { email: '', password: '' },
    validate: { email: email(t), password: required(t) },
  });
  const submit = form.onSubmit(async (v) => {
    setError(undefined);
    try {
      await login(v.email.trim(), v.password);
      await refresh();
      const next = params.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      setError(errorText(t, e, { 401: 'login.invalid' }));
    }
  });
  return (
    <PublicLayout>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2}>{t('login.title')}</Title>
          {error && <Alert color="red" title={t('login.failed')}>{error}</Alert>}
          <TextInput label={t('form.email')} type="email" autoComplete="username" autoFocus {...form.getInputProps('email')} />
          <PasswordInput label={t('form.password')} autoComplete="current-password" {...form.getInputProps('password')} />
          <Button type="submit" loading={form.submitting} fullWidth>{t('login.submit')}</Button>
        </Stack>
      </form>
    </PublicLayout>
  );
}
