import { Alert, Button, Group, Stack, Switch, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Section } from '../components/Section.tsx';
import { useActions } from '../components/useActions.ts';
import { useLoad } from '../components/useLoad.ts';
import { formatDate, formatNumber } from '../fhir/display.ts';
import { lesionApi, type LesionSettings, type OperatingPointsView } from './api.ts';
import { FormFeedback, useLooseT } from './common.tsx';
import { LesionAiLinks } from './ModelCardPage.tsx';
import { PointsTable } from './PerformancePage.tsx';
import { calibrationSourceText, formatProbability, parseThresholdPercent } from './present.ts';

/** Admin: the blinded-first-read switch and the clinic's operating points. */
export function SettingsPage() {
  const { t } = useLooseT();
  return (
    <Stack gap="md">
      <LesionAiLinks />
      <PageTitle>{t('lesion.settings.title')}</PageTitle>
      <BlindedSetting />
      <OperatingPoints />
    </Stack>
  );
}

function BlindedSetting() {
  const { t, lang } = useLooseT();
  const load = useLoad(() => lesionApi.settings(), []);
  return (
    <Section title={t('lesion.settings.blinded')} testId="lesion-settings-blinded">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <BlindedForm initial={load.data} lang={lang} />}
    </Section>
  );
}

function BlindedForm({ initial, lang }: { initial: LesionSettings; lang: string }) {
  const { t } = useLooseT();
  const [saved, setSaved] = useState(initial);
  const [on, setOn] = useState(initial.blindedFirstRead);
  const actions = useActions<'save'>();
  const [done, setDone] = useState(false);
  const save = async () => {
    setDone(false);
    await actions.run('save', async () => {
      const next = await lesionApi.saveSettings(on);
      setSaved(next);
      setOn(next.blindedFirstRead);
      setDone(true);
    });
  };
  return (
    <Stack gap="sm">
      <Switch checked={on} onChange={(e) => setOn(e.currentTarget.checked)} label={t('lesion.settings.blinded')} description={t('lesion.settings.blindedHint')} data-testid="lesion-blinded-switch" />
      {saved.updatedAt && saved.updatedBy && (
        <Text size="xs" c="dimmed">
          {t('lesion.settings.updated', { name: saved.updatedBy.name ?? '—', date: formatDate(saved.updatedAt, lang, true) })}
        </Text>
      )}
      {actions.failed && <ErrorNotice error={actions.failed.error} />}
      <Group>
        <Button onClick={() => void save()} loading={actions.busy === 'save'} disabled={on === saved.blindedFirstRead}>
          {t('lesion.settings.save')}
        </Button>
        {done && (
          <Text size="sm" c="teal.8" role="status">
            {t('lesion.settings.saved')}
          </Text>
        )}
      </Group>
    </Stack>
  );
}

function OperatingPoints() {
  const { t } = useLooseT();
  const load = useLoad(() => lesionApi.operatingPoints(), []);
  return (
    <Section title={t('lesion.settings.points')} testId="lesion-settings-points">
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && <PointsBody view={load.data} onChanged={load.reload} />}
    </Section>
  );
}

function PointsBody({ view, onChanged }: { view: OperatingPointsView; onChanged: () => void }) {
  const { t, lang } = useLooseT();
  const p = (v: number) => formatProbability(v, lang);
  const temp = (v: number) => formatNumber(v, lang, 3);
  return (
    <Stack gap="md">
      <Text data-testid="lesion-points-in-force">
        {t('lesion.settings.inForce', { source: calibrationSourceText(view.inForce.source, t), refer: p(view.inForce.referThreshold), monitor: p(view.inForce.monitorThreshold), temperature: temp(view.inForce.temperature) })}
      </Text>
      <Text size="sm" c="dimmed">
        {t('lesion.settings.card', { refer: p(view.card.referThreshold), monitor: p(view.card.monitorThreshold), temperature: temp(view.card.temperature) })}
      </Text>
      <Text fw={600} data-testid="lesion-points-cases" data-confirmed={view.clinic.counts.confirmed}>
        {t('lesion.settings.clinicCases', { cases: view.clinic.counts.confirmed, melanomas: view.clinic.counts.melanomas })}
      </Text>
      <Text size="sm" c="dimmed">
        {t('lesion.settings.caseSources', {
          histo: view.clinic.counts.byHistopathology,
          followUp: view.clinic.counts.byFollowUp,
          total: view.clinic.counts.total,
          minCases: view.minimum.cases,
          minMelanomas: view.minimum.melanomas,
        })}
      </Text>
      <Title order={3} size="h5">
        {t('lesion.settings.atCard')}
      </Title>
      <PointsTable points={view.clinic.atCard} testId="lesion-points-at-card" />
      {view.clinic.atInForce && (
        <>
          <Title order={3} size="h5">
            {t('lesion.settings.atInForce')}
          </Title>
          <PointsTable points={view.clinic.atInForce} />
        </>
      )}
      <Title order={3} size="h5">
        {t('lesion.settings.proposal')}
      </Title>
      {view.proposal ? (
        <>
          <Text size="sm">{t('lesion.settings.proposalLine', { refer: p(view.proposal.referThreshold), monitor: p(view.proposal.monitorThreshold), temperature: temp(view.proposal.temperature) })}</Text>
          <PointsTable points={view.proposal.points} testId="lesion-points-proposal" />
          <Text size="xs" c="dimmed">
            {view.proposal.note}
          </Text>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          {t('lesion.settings.noProposal')}
        </Text>
      )}
      <AdoptForm view={view} onChanged={onChanged} />
      <Versions view={view} />
    </Stack>
  );
}

const percentText = (v: number) => String(Math.round(v * 1000) / 10);

function AdoptForm({ view, onChanged }: { view: OperatingPointsView; onChanged: () => void }) {
  const { t } = useLooseT();
  const start = view.proposal ?? view.inForce;
  const [refer, setRefer] = useState(percentText(start.referThreshold));
  const [monitor, setMonitor] = useState(percentText(start.monitorThreshold));
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const actions = useActions<'adopt' | 'revert'>();
  const disabled = !view.minimum.met;

  const send = async (kind: 'adopt' | 'revert') => {
    setProblem(undefined);
    actions.clear();
    if (reason.trim() === '') return setProblem(t('lesion.settings.needReason'));
    let body: Parameters<typeof lesionApi.adoptOperatingPoint>[0];
    if (kind === 'revert') body = { revertToModelCard: true, reason: reason.trim() };
    else {
      const r = parseThresholdPercent(refer);
      const m = parseThresholdPercent(monitor);
      if (r === undefined || m === undefined || r < m) return setProblem(t('lesion.settings.badThresholds'));
      body = { referThreshold: r, monitorThreshold: m, reason: reason.trim(), ...(view.proposal ? { temperature: view.proposal.temperature } : {}) };
    }
    await actions.run(kind, async () => {
      await lesionApi.adoptOperatingPoint(body);
      setReason('');
      onChanged();
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send('adopt');
  };
  return (
    <form onSubmit={submit} noValidate data-testid="lesion-adopt-form">
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('lesion.settings.adopt')}
        </Title>
        {disabled && (
          <Alert color="gray" variant="light" data-testid="lesion-adopt-disabled">
            {t('lesion.settings.disabled', { message: view.minimum.message })}
          </Alert>
        )}
        <Group align="flex-end" gap="sm">
          <TextInput label={t('lesion.settings.refer')} inputMode="decimal" value={refer} onChange={(e) => setRefer(e.currentTarget.value)} w={200} disabled={disabled} />
          <TextInput label={t('lesion.settings.monitor')} inputMode="decimal" value={monitor} onChange={(e) => setMonitor(e.currentTarget.value)} w={200} disabled={disabled} />
        </Group>
        <Textarea label={t('lesion.settings.reason')} value={reason} maxLength={2000} autosize minRows={2} onChange={(e) => setReason(e.currentTarget.value)} />
        <FormFeedback problem={problem} error={actions.failed?.error} />
        <Group>
          <Button type="submit" disabled={disabled} loading={actions.busy === 'adopt'} data-testid="lesion-adopt">
            {t('lesion.settings.adoptSubmit')}
          </Button>
          {view.inForce.version !== null && (
            <Button variant="default" onClick={() => void send('revert')} loading={actions.busy === 'revert'}>
              {t('lesion.settings.revert')}
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}

function Versions({ view }: { view: OperatingPointsView }) {
  const { t, lang } = useLooseT();
  return (
    <Stack gap={4}>
      <Title order={3} size="h5">
        {t('lesion.settings.versions')}
      </Title>
      {view.versions.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('lesion.settings.noVersions')}
        </Text>
      ) : (
        <Table verticalSpacing={4} data-testid="lesion-point-versions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('lesion.settings.version')}</Table.Th>
              <Table.Th scope="col">{t('lesion.settings.thresholds')}</Table.Th>
              <Table.Th scope="col">{t('lesion.settings.reasonCol')}</Table.Th>
              <Table.Th scope="col">{t('lesion.settings.by')}</Table.Th>
              <Table.Th scope="col">{t('lesion.settings.date')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.versions.map((v) => (
              <Table.Tr key={v.version}>
                <Table.Td>v{v.version}</Table.Td>
                <Table.Td>
                  {v.revertToModelCard ? t('lesion.settings.reverted') : `${formatProbability(v.referThreshold, lang)} / ${formatProbability(v.monitorThreshold, lang)}`}
                </Table.Td>
                <Table.Td>{v.reason}</Table.Td>
                <Table.Td>{v.createdBy.name ?? '—'}</Table.Td>
                <Table.Td>{formatDate(v.createdAt, lang, true)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
