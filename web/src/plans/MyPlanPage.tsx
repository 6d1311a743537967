import { Alert, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { plansApi } from './api.ts';
import { planKb, siteName } from './kb.ts';
import { PlanExtras } from './PlanEditor.tsx';
import { currentPlan, local } from './present.ts';
import type { PlanRecord } from './types.ts';
import './print.css';

/**
 * The patient's own approved plan, in plain words (no rule ids, no scores), in English or
 * Spanish, with a Print button; the print stylesheet hides the navigation and starts each
 * goal on a new page.
 */
export function MyPlanPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const patientId = user?.patientId ?? '';
  const load = useLoad(async () => {
    const { plans } = await plansApi.list(patientId);
    const approved = plans.filter((p) => p.status === 'active').sort((a, b) => (b.approvedAt ?? b.createdAt).localeCompare(a.approvedAt ?? a.createdAt));
    const latest = approved[0];
    return { latest: latest ? await plansApi.get(patientId, latest.planId) : undefined, count: approved.length };
  }, [patientId]);
  return (
    <Stack gap="md" className="my-plan" data-testid="my-plan">
      <Group justify="space-between">
        <PageTitle>{t('plans.my.title')}</PageTitle>
        {load.status === 'ok' && load.data.latest && (
          <Button variant="default" onClick={() => window.print()} data-print-hide data-testid="my-plan-print">
            {t('plans.my.print')}
          </Button>
        )}
      </Group>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && !load.data.latest && (
        <Alert color="gray" variant="light" data-testid="my-plan-none">
          {t('plans.my.none')}
        </Alert>
      )}
      {load.status === 'ok' && load.data.latest && <LayPlan record={load.data.latest} />}
    </Stack>
  );
}

function LayPlan({ record }: { record: PlanRecord }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const kb = planKb();
  const goals = useMemo(() => currentPlan(record, kb), [record, kb]);
  return (
    <Stack gap="md" data-testid="my-plan-body" data-plan={record.planId}>
      <Text>{t('plans.my.approved', { name: record.approvedBy?.displayName ?? '—', date: formatDate(record.approvedAt, lang) })}</Text>
      {goals.map(({ goal, options }) => (
        <Paper key={goal.rank} withBorder p="md" radius="sm" className="my-plan-goal" data-testid="my-plan-goal">
          <Title order={2} size="h4" mb="xs">
            {t('plans.my.goal', { n: goal.rank, concern: local(goal.concernName, lang), area: local(goal.areaName, lang) })}
          </Title>
          {options.length === 0 ? (
            <Text>{t('plans.my.nothing')}</Text>
          ) : (
            <>
              <Text fw={600} mb={4}>
                {t('plans.my.suggested')}
              </Text>
              <Stack gap="sm">
                {options.map((o) => {
                  const iv = kb.interventionById.get(o.interventionId);
                  const g = o.generated;
                  const sessions = g?.sessions ?? iv?.sessions;
                  const downtime = g?.downtimeDays ?? iv?.downtimeDays;
                  const pre = g?.preCare ?? [];
                  const post = g?.postCare ?? [];
                  return (
                    <div key={o.interventionId} data-testid="my-plan-option" data-intervention={o.interventionId}>
                      <Text fw={700}>{local(o.name, lang)}</Text>
                      {/* A daily cream's "1 session, 0 days off" would only puzzle a lay reader. */}
                      {sessions && sessions.max > 1 && (
                        <Text size="sm">
                          {t('plans.sessions')}: {sessions.min === sessions.max ? sessions.min : `${sessions.min}–${sessions.max}`}
                        </Text>
                      )}
                      {downtime && downtime.max > 0 && (
                        <Text size="sm">
                          {t('plans.downtime')}: {t('plans.daysRange', { min: downtime.min, max: downtime.max })}
                        </Text>
                      )}
                      {o.doses.map((d) => (
                        <Text size="sm" key={d.site}>
                          {t('plans.my.yourDose', { dose: `${d.site ? `${local(siteName(kb, d.site), lang)}: ` : ''}${d.value} ${d.unit}` })}
                        </Text>
                      ))}
                      {pre.length > 0 && (
                        <>
                          <Text size="sm" fw={600}>
                            {t('plans.preCare')}
                          </Text>
                          <List size="sm">
                            {pre.map((p, i) => (
                              <List.Item key={i}>{local(p, lang)}</List.Item>
                            ))}
                          </List>
                        </>
                      )}
                      {post.length > 0 && (
                        <>
                          <Text size="sm" fw={600}>
                            {t('plans.postCare')}
                          </Text>
                          <List size="sm">
                            {post.map((p, i) => (
                              <List.Item key={i}>{local(p, lang)}</List.Item>
                            ))}
                          </List>
                        </>
                      )}
                    </div>
                  );
                })}
              </Stack>
            </>
          )}
          {goal.excluded.length > 0 && (
            <Text size="sm" c="dimmed" mt="sm">
              {t('plans.my.notSuitable')}
            </Text>
          )}
        </Paper>
      ))}
      <div className="my-plan-extras">
        <PlanExtras record={record} lay />
      </div>
    </Stack>
  );
}
