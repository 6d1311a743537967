import { AppShell, Anchor, Box, Button, Group, Text } from '@mantine/core';
import { NavLink as RouterNavLink, Outlet, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext.tsx';
import { canListPatients, canReadAudit } from '../auth/home.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import classes from './Layout.module.css';

/** The signed-in frame: skip link, header with navigation, language and sign-out, then the page. */
export function Layout() {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  if (!user) return null;

  const links: { to: string; label: string }[] = [];
  if (canListPatients(user.role)) links.push({ to: '/patients', label: t('nav.patients') });
  if (canListPatients(user.role)) links.push({ to: '/risk', label: t('nav.risk') });
  if (canListPatients(user.role)) links.push({ to: '/lesions/model-card', label: t('lesion.nav') });
  if (user.role === 'patient' && user.patientId) {
    links.push({ to: `/patients/${encodeURIComponent(user.patientId)}`, label: t('nav.myChart') });
    links.push({ to: '/intake', label: t('intake.nav') });
    links.push({ to: '/my-plan', label: t('plans.my.nav') });
  }
  if (user.role === 'learner') links.push({ to: '/learn', label: t('nav.learn') });
  if (canReadAudit(user.role)) links.push({ to: '/audit', label: t('nav.audit') });

  // One 60 px header row only where every role's links fit in both languages; below, two rows.
  return (
    <AppShell header={{ height: { base: 104, lg: 60 } }} padding="md">
      <a href="#main" className={classes.skip}>
        {t('app.skipToContent')}
      </a>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="wrap" gap="xs" py={6}>
          <Group gap="lg" wrap="nowrap">
            <Text fw={700} size="lg" c="teal.8">
              {t('app.name')}
            </Text>
            <nav aria-label={t('app.mainNav')}>
              <Group gap="xs" wrap="nowrap">
                {links.map((l) => (
                  <Anchor key={l.to} component={RouterNavLink} to={l.to} className={classes.navLink} end={l.to !== '/patients'}>
                    {l.label}
                  </Anchor>
                ))}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {/* Long names and clinic names would wrap the fixed-height header on tablets. */}
            <Text size="sm" c="dimmed" visibleFrom="xl" truncate maw={420} data-testid="signed-in-as">
              {t('nav.signedInAs', { name: user.displayName, role: t(`roles.${user.role}`), clinic: user.clinicName })}
            </Text>
            <Text size="sm" c="dimmed" hiddenFrom="xl" visibleFrom="sm" truncate maw={180} title={user.displayName}>
              {user.displayName}
            </Text>
            <LanguageSwitch />
            <Button
              variant="default"
              size="xs"
              onClick={() => {
                void logout().finally(() => navigate('/login', { replace: true }));
              }}
            >
              {t('nav.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <Box maw={1200} mx="auto">
          <Outlet />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
