import { Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext.tsx';
import { homePath } from '../auth/home.ts';
import { PageTitle } from '../components/PageTitle.tsx';

/** Shown when the signed-in role may not open a page: said plainly, with a way home. */
export function NotAllowedPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  return (
    <div data-testid="not-allowed">
      <PageTitle>{t('notAllowed.title')}</PageTitle>
      <Text mb="md">{t('notAllowed.body')}</Text>
      {user && (
        <Anchor component={Link} to={homePath(user)}>
          {t('notAllowed.home')}
        </Anchor>
      )}
    </div>
  );
}

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t('notFound.title')}</PageTitle>
      <Text>{t('notFound.body')}</Text>
    </>
  );
}

/** A learner's home until the learning room ships its pages. No patient data here, ever. */
export function LearnerHome() {
  const { t } = useTranslation();
  const { user } = useAuth();
  return (
    <>
      <PageTitle>{t('learner.title', { name: user?.displayName ?? '' })}</PageTitle>
      <Text maw={640}>{t('learner.body')}</Text>
    </>
  );
}
