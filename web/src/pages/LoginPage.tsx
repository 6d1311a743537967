import { Alert, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { afterLoginPath } from '../auth/home.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { PageTitle } from '../components/PageTitle.tsx';

/** The sign-in form. Errors are announced (role=alert) and never echo the password. */
export function LoginPage() {
  const { t } = useTranslation();
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  if (user) return <Navigate to={afterLoginPath(user, from)} replace />;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const u = await login(email.trim(), password);
      navigate(afterLoginPath(u, from), { replace: true });
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.code === 'INVALID_CREDENTIALS') setError(t('login.invalid'));
      else if (err instanceof ApiError && (err.code === 'TOO_MANY_ATTEMPTS' || err.status === 429)) setError(t('login.tooMany'));
      else setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box mih="100vh" bg="gray.0" p="md">
      <Group justify="flex-end">
        <LanguageSwitch />
      </Group>
      <Center mt="xl">
        <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420} component="main">
          <PageTitle focus={false}>{t('login.title')}</PageTitle>
          <Text c="dimmed" size="sm" mb="lg">
            {t('login.subtitle')}
          </Text>
          <form onSubmit={(e) => void onSubmit(e)} noValidate aria-describedby={error ? 'login-error' : undefined}>
            <Stack>
              <TextInput
                label={t('login.email')}
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
              <PasswordInput
                label={t('login.password')}
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              {error && (
                <Alert id="login-error" color="red" variant="light" role="alert">
                  {error}
                </Alert>
              )}
              <Button type="submit" loading={busy} fullWidth>
                {t('login.submit')}
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </Box>
  );
}
