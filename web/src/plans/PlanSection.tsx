import { Alert, Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { Loading } from '../components/Loading.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { plansApi } from './api.ts';
import { concernAreas, concernName, planKb, siteName } from './kb.ts';
import { PlanEditor } from './PlanEditor.tsx';
import { defaultGoals, goalsForRequest, local } from './present.ts';
import type { GenerateBody, PlanRecord, PlanStatus, PlanSummary } from './types.ts';

const STATUS_COLOR: Record<PlanStatus, string> = { draft: 'gray', active: 'teal', revoked: 'red' };

/** A plan's status as a badge. */
export function PlanStatusBadge({ status }: { status: PlanStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLOR[status]} variant="light" tt="none" data-testid="plan-status" data-status={status}>
      {t(`plans.status.${status}`)}
    </Badge>
  );
}

/**
 * The chart's treatment plan section (staff): the patient's plans, a form that generates a
 * new one from the record's profile, and the open plan with its editor and sign-off.
 */
export function PlanSection({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const list = useLoad(() => plansApi.list(patientId), [patientId]);
  const [open, setOpen] = useState<{ planId: string; record?: PlanRecord } | 'new' | undefined>(undefined);

  const consentMissing = list.status === 'error' && list.error instanceof ApiError && list.error.code === 'CONSENT_MISSING';
  return (
    <Section title={t('plans.title')} testId="plans">
      <Alert color="blue" variant="light" mb="md">
        {t('plans.note')}
      </Alert>
      {list.status === 'loading' && !list.data && <Loading />}
      {consentMissing && <Text c="dimmed">{t('plans.noConsent')}</Text>}
      {list.status === 'error' && !consentMissing && <ErrorNotice error={list.error} onRetry={list.reload} />}
      <Stack gap="md">
        {list.data && (list.data.plans.length === 0 ? <Text c="dimmed">{t('plans.none')}</Text> : <PlanList plans={list.data.plans} onOpen={(planId) => setOpen({ planId })} />)}
        {/* The open plan stays mounted while the list reloads after each change. */}
        {open === undefined && list.status !== 'error' && (
          <Group>
            <Button onClick={() => setOpen('new')} data-testid="plan-new">
              {t('plans.newPlan')}
            </Button>
          </Group>
        )}
        {open === 'new' && (
          <GenerateForm
            patientId={patientId}
            onCancel={() => setOpen(undefined)}
            onGenerated={(record) => {
              setOpen({ planId: record.planId, record });
              list.reload();
            }}
          />
        )}
        {open !== undefined && open !== 'new' && (
          <OpenPlan key={open.planId} patientId={patientId} planId={open.planId} initial={open.record} onClose={() => setOpen(undefined)} onChanged={list.reload} />
        )}
      </Stack>
    </Section>
  );
}

function PlanList({ plans, onOpen }: { plans: readonly PlanSummary[]; onOpen: (planId: string) => void }) {
  const { t, i18n } = useTranslation();
  const kb = planKb();
  return (
    <Table aria-label={t('plans.list')} data-testid="plan-list" verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t('plans.created')}</Table.Th>
          <Table.Th scope="col">{t('plans.goalsCol')}</Table.Th>
          <Table.Th scope="col">{t('plans.statusCol')}</Table.Th>
          <Table.Th scope="col" />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {plans.map((p) => (
          <Table.Tr key={p.planId} data-plan={p.planId} data-status={p.status}>
            <Table.Td>{formatDate(p.createdAt, i18n.language, true)}</Table.Td>
            <Table.Td>{p.goals.map((g) => (kb.concernById.has(g) ? local(concernName(kb, g), i18n.language) : g)).join(', ')}</Table.Td>
            <Table.Td>
              <PlanStatusBadge status={p.status} />
            </Table.Td>
            <Table.Td>
              <Button size="xs" variant="default" onClick={() => onOpen(p.planId)}>
                {t('plans.open')}
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function OpenPlan({ patientId, planId, initial, onClose, onChanged }: { patientId: string; planId: string; initial: PlanRecord | undefined; onClose: () => void; onChanged: () => void }) {
  const { t } = useTranslation();
  const load = useLoad(() => (initial ? Promise.resolve(initial) : plansApi.get(patientId, planId)), [patientId, planId]);
  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <Button variant="subtle" size="xs" onClick={onClose}>
          {t('plans.close')}
        </Button>
      </Group>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <PlanEditor patientId={patientId} initial={load.data} onChanged={onChanged} />}
    </Stack>
  );
}

interface GoalRow {
  concern: string;
  area: string;
}

/** The generate form: goals (prefilled from the profile's intake goals), downtime and budget. */
function GenerateForm({ patientId, onGenerated, onCancel }: { patientId: string; onGenerated: (r: PlanRecord) => void; onCancel: () => void }) {
  const profile = useLoad(() => plansApi.profile(patientId), [patientId]);
  if (profile.status === 'loading') return <Loading />;
  if (profile.status === 'error') return <ErrorNotice error={profile.error} onRetry={profile.reload} />;
  const goals = defaultGoals(profile.data.input);
  return <GenerateFormBody patientId={patientId} initialGoals={goals} onGenerated={onGenerated} onCancel={onCancel} />;
}

function GenerateFormBody({ patientId, initialGoals, onGenerated, onCancel }: { patientId: string; initialGoals: GoalRow[]; onGenerated: (r: PlanRecord) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const kb = planKb();
  const lang = i18n.language;
  const [rows, setRows] = useState<GoalRow[]>(initialGoals.length ? initialGoals : [{ concern: '', area: '' }]);
  const [downtime, setDowntime] = useState('');
  const [budget, setBudget] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const actions = useActions<'generate'>();
  const busy = actions.busy !== undefined;

  const setRow = (i: number, row: GoalRow) => setRows((rs) => rs.map((r, j) => (j === i ? row : r)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    actions.clear();
    const goals = goalsForRequest(rows);
    if (goals.length === 0) {
      setProblem(t('plans.form.needGoal'));
      return;
    }
    const body: GenerateBody = { goals };
    const prefs: NonNullable<GenerateBody['preferences']> = {};
    if (downtime.trim() !== '') {
      const n = Number(downtime);
      if (!Number.isInteger(n) || n < 0 || n > 365) {
        setProblem(t('plans.form.badDowntime'));
        return;
      }
      prefs.maxDowntimeDays = n;
    }
    if (budget === 'low' || budget === 'medium' || budget === 'high') prefs.budget = budget;
    if (Object.keys(prefs).length) body.preferences = prefs;
    await actions.run('generate', async () => onGenerated(await plansApi.generate(patientId, body)));
  };

  return (
    <form onSubmit={(e) => void submit(e)} data-testid="plan-generate-form" noValidate>
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('plans.form.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {initialGoals.length ? t('plans.form.fromIntake') : t('plans.form.noIntakeGoals')}
        </Text>
        {rows.map((row, i) => (
          <Group key={i} align="flex-end" gap="sm" data-testid="plan-goal-row">
            <NativeSelect
              label={`${t('plans.form.goal', { n: i + 1 })} — ${t('plans.form.concern')}`}
              value={row.concern}
              onChange={(e) => setRow(i, { concern: e.currentTarget.value, area: '' })}
              data={[{ value: '', label: t('plans.form.chooseConcern') }, ...kb.concerns.map((c) => ({ value: c.id, label: local(c.names, lang) }))]}
              miw={260}
            />
            <NativeSelect
              label={`${t('plans.form.goal', { n: i + 1 })} — ${t('plans.form.area')}`}
              value={row.area}
              disabled={row.concern === ''}
              onChange={(e) => setRow(i, { ...row, area: e.currentTarget.value })}
              data={[{ value: '', label: t('plans.form.areaDefault') }, ...concernAreas(kb, row.concern).map((a) => ({ value: a, label: local(siteName(kb, a), lang) }))]}
              miw={220}
            />
            {rows.length > 1 && (
              <Button variant="subtle" color="red" size="xs" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                {t('plans.form.removeGoal', { n: i + 1 })}
              </Button>
            )}
          </Group>
        ))}
        <Group>
          <Button variant="default" size="xs" onClick={() => setRows((rs) => [...rs, { concern: '', area: '' }])}>
            {t('plans.form.addGoal')}
          </Button>
        </Group>
        <Group align="flex-end" gap="sm">
          <TextInput label={t('plans.form.maxDowntime')} inputMode="numeric" value={downtime} onChange={(e) => setDowntime(e.currentTarget.value)} w={240} />
          <NativeSelect
            label={t('plans.form.budget')}
            value={budget}
            onChange={(e) => setBudget(e.currentTarget.value)}
            data={[
              { value: '', label: t('plans.form.budgetAny') },
              { value: 'low', label: t('plans.form.budgetLevel.low') },
              { value: 'medium', label: t('plans.form.budgetLevel.medium') },
              { value: 'high', label: t('plans.form.budgetLevel.high') },
            ]}
          />
        </Group>
        {problem && (
          <Alert color="orange" variant="light" role="alert">
            {problem}
          </Alert>
        )}
        {actions.failed && <ErrorNotice error={actions.failed.error} />}
        <Group>
          <Button type="submit" loading={busy}>
            {t('plans.form.submit')}
          </Button>
          <Button variant="subtle" onClick={onCancel} disabled={busy}>
            {t('plans.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
