import { Alert, Badge, Button, Group, List, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { STAFF } from '../auth/home.ts';
import { ErrorNotice, errorMessage } from '../components/ErrorNotice.tsx';
import { useActions } from '../components/useActions.ts';
import { Loading } from '../components/Loading.tsx';
import { Section } from '../components/Section.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { riskApi } from './api.ts';
import { CategoryBadge, Qrisk3Notice, useLooseT } from './common.tsx';
import { ContributionFigure } from './ContributionFigure.tsx';
import {
  FIELD_SPECS,
  buildOverrides,
  chooseCards,
  fieldLabel,
  formatPercent,
  headlineResult,
  inputValueText,
  refusalText,
  shortModelName,
  type FieldEntry,
  type ModelCard,
  type Translate,
} from './present.ts';
import { INPUT_FIELDS, type InputField, type ModelResult, type Overrides, type RiskReport } from './types.ts';
import { WhatIfPanel } from './WhatIfPanel.tsx';

/**
 * The chart's cardiovascular risk section: each model's estimate or why it declined, the
 * inputs and their sources, a form for what the record lacks, the factor contributions,
 * saving to the record, and the what-if panel.
 */
export function RiskSection({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const load = useLoad(() => riskApi.report(patientId), [patientId]);
  return (
    <Section title={t('risk.title')} testId="risk">
      <Alert color="blue" variant="light" mb="md" data-testid="risk-note">
        {t('risk.note')}
      </Alert>
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' &&
        (load.error instanceof ApiError && load.error.code === 'CONSENT_MISSING' ? (
          <Text c="dimmed">{t('risk.noConsent')}</Text>
        ) : (
          <ErrorNotice error={load.error} onRetry={load.reload} />
        ))}
      {load.status === 'ok' && <RiskBody key={patientId} patientId={patientId} initial={load.data} />}
    </Section>
  );
}

function RiskBody({ patientId, initial }: { patientId: string; initial: RiskReport }) {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const [report, setReport] = useState(initial);
  const [entered, setEntered] = useState<Overrides>({});
  const actions = useActions<'score' | 'save'>();
  const { busy, failed } = actions;
  const [saved, setSaved] = useState<RiskReport['saved']>(undefined);
  const cards = useMemo(() => chooseCards(report.results), [report]);
  const staff = user !== null && user !== undefined && STAFF.includes(user.role);
  const clinician = user?.role === 'clinician';
  const anyScored = cards.some((c) => c.results.length > 0);

  const rescore = (overrides: Overrides) =>
    actions.run('score', async () => {
      const next = await riskApi.score(patientId, { overrides });
      setEntered(overrides);
      setReport(next);
    });

  const save = () =>
    actions.run('save', async () => {
      const next = await riskApi.score(patientId, { overrides: entered, save: true });
      setReport(next);
      setSaved(next.saved ?? []);
    });

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('risk.asOf', { date: formatDate(report.asOf, i18n.language) })}
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
        {cards.map((card) => (
          <ModelCardView key={card.model.id} card={card} />
        ))}
      </SimpleGrid>
      {staff && report.missing.length > 0 && (
        <MissingInputsForm key={report.missing.join(',')} missing={report.missing} busy={busy === 'score'} onSubmit={(o) => void rescore({ ...entered, ...o })} />
      )}
      {failed?.action === 'score' && <ErrorNotice error={failed.error} />}
      {failed?.action === 'save' && (
        <Alert color="red" variant="light" role="alert">
          {t('risk.saveFailed', { message: errorMessage(failed.error) })}
        </Alert>
      )}
      <InputsTable report={report} />
      {anyScored && <Explain cards={cards} />}
      {clinician && anyScored && (
        <Group gap="sm" align="center">
          <Button onClick={() => void save()} loading={busy === 'save'} disabled={busy !== undefined}>
            {t('risk.save')}
          </Button>
          {saved && saved.length > 0 && (
            <Alert color="teal" variant="light" title={t('risk.savedTitle')} data-testid="risk-saved" py="xs">
              <List size="sm">
                {saved.map((s) => (
                  <List.Item key={s.riskAssessmentId}>{t('risk.savedLine', { model: shortModelName(s.model), id: s.riskAssessmentId })}</List.Item>
                ))}
              </List>
            </Alert>
          )}
        </Group>
      )}
      {staff && anyScored && <WhatIfPanel key={JSON.stringify(entered)} patientId={patientId} report={report} overrides={entered} />}
    </Stack>
  );
}

function ModelCardView({ card }: { card: ModelCard }) {
  const { t } = useTranslation();
  const { tr, locale } = useLooseT();
  const sources = [...new Set(card.results.map((r) => r.category?.source).filter((s): s is string => !!s))];
  const warnings = [...new Set(card.results.flatMap((r) => r.warnings))];
  const disclaimer = card.results.find((r) => r.disclaimer)?.disclaimer;
  const extrapolated = card.results.some((r) => r.extrapolated);
  return (
    <Paper withBorder p="sm" radius="sm" data-testid={`risk-model-${card.model.id}`} data-scored={card.results.length > 0}>
      <Group justify="space-between" align="baseline" gap="xs" mb={4}>
        <Title order={3} size="h5">
          {card.model.name} <Text span size="sm" c="dimmed">{card.model.version}</Text>
        </Title>
        {extrapolated && (
          <Tooltip label={t('risk.extrapolatedHint')} multiline maw={320} withArrow>
            <Badge color="orange" variant="light" tt="none">
              {t('risk.extrapolated')}
            </Badge>
          </Tooltip>
        )}
      </Group>
      {card.results.length > 0 && (
        <Table verticalSpacing={4} horizontalSpacing="xs" aria-label={card.model.name}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('risk.outcome')}</Table.Th>
              <Table.Th scope="col">{t('risk.horizon')}</Table.Th>
              <Table.Th scope="col" ta="right">{t('risk.scored')}</Table.Th>
              <Table.Th scope="col">{t('risk.category')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {card.results.map((r) => (
              <Table.Tr key={`${r.outcome}/${r.horizonYears}`} data-testid="risk-result" data-outcome={r.outcome} data-risk={r.riskPercent}>
                <Table.Td title={r.outcomeLabel}>{tr(`risk.outcomeName.${r.outcome}`)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{t('risk.horizonYears', { count: r.horizonYears })}</Table.Td>
                <Table.Td ta="right" fw={700} style={{ whiteSpace: 'nowrap' }} data-testid="risk-percent">
                  {formatPercent(r.riskPercent, locale)}
                </Table.Td>
                <Table.Td>
                  <CategoryBadge category={r.category} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {card.refusals.length > 0 && (
        <Stack gap={2} mt={card.results.length > 0 ? 'xs' : 0} data-testid="risk-refusals">
          {card.results.length === 0 && (
            <Text size="sm" fw={600} c="orange.9">
              {t('risk.cannotScore')}
            </Text>
          )}
          {card.refusals.map((r, i) => (
            <Text key={i} size="sm" data-testid="risk-refusal" title={r.refused.message}>
              {card.results.length > 0 && r.outcome ? `${tr(`risk.outcomeName.${r.outcome}`)}${r.horizonYears ? ` (${t('risk.horizonYears', { count: r.horizonYears })})` : ''}: ` : ''}
              {refusalText(card.model.id, r.refused, tr)}
            </Text>
          ))}
        </Stack>
      )}
      {warnings.length > 0 && (
        <List size="xs" c="dimmed" mt="xs" aria-label={t('risk.warnings')}>
          {warnings.map((w) => (
            <List.Item key={w}>{w}</List.Item>
          ))}
        </List>
      )}
      {sources.map((s) => (
        <Text key={s} size="xs" c="dimmed" mt={4}>
          {t('risk.categorySource', { source: s })}
        </Text>
      ))}
      <Text size="xs" c="dimmed" mt={2}>
        {t('risk.modelSource', { source: card.model.source })}
      </Text>
      {disclaimer && <Qrisk3Notice text={disclaimer} />}
    </Paper>
  );
}

function InputsTable({ report }: { report: RiskReport }) {
  const { t, i18n } = useTranslation();
  const { tr, locale } = useLooseT();
  const rows = INPUT_FIELDS.flatMap((f) => {
    const input = report.inputs[f];
    return input ? [{ field: f, input }] : [];
  });
  return (
    <div>
      <Title order={3} size="h5" mb={4}>
        {t('risk.inputs')}
      </Title>
      {rows.length === 0 ? (
        <Text c="dimmed">{t('risk.noInputs')}</Text>
      ) : (
        <Table verticalSpacing={4} aria-label={t('risk.inputsCaption')} data-testid="risk-inputs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('risk.input')}</Table.Th>
              <Table.Th scope="col">{t('risk.value')}</Table.Th>
              <Table.Th scope="col">{t('risk.source')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(({ field, input }) => (
              <Table.Tr key={field} data-field={field} data-source={input.source.kind}>
                <Table.Th scope="row" fw={500}>
                  {fieldLabel(field, tr)}
                </Table.Th>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{inputValueText(field, input, tr, locale)}</Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="wrap">
                    <Text size="sm">{input.source.kind === 'entered' ? t('risk.entered') : input.source.display}</Text>
                    {input.source.date && !input.source.display.includes(input.source.date.slice(0, 10)) && (
                      <Text size="xs" c="dimmed">
                        {formatDate(input.source.date, i18n.language)}
                      </Text>
                    )}
                    {input.source.stale && (
                      <Tooltip label={t('risk.staleHint')} multiline maw={300} withArrow>
                        <Badge color="yellow" variant="light" tt="none" data-testid="risk-stale">
                          {t('risk.stale')}
                        </Badge>
                      </Tooltip>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </div>
  );
}

/** Asks only for the inputs the record lacks; units are chosen, never assumed. */
function MissingInputsForm({ missing, busy, onSubmit }: { missing: InputField[]; busy: boolean; onSubmit: (o: Overrides) => void }) {
  const { t } = useTranslation();
  const { tr } = useLooseT();
  const [entries, setEntries] = useState<Partial<Record<InputField, FieldEntry>>>({});
  const [errors, setErrors] = useState<Partial<Record<InputField, string>>>({});
  const set = (field: InputField, patch: Partial<FieldEntry>) =>
    setEntries((e) => ({ ...e, [field]: { value: e[field]?.value ?? '', ...(e[field]?.unit ? { unit: e[field]?.unit } : {}), ...patch } }));

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const r = buildOverrides(missing, entries);
    setErrors(r.errors);
    if (Object.keys(r.errors).length === 0 && Object.keys(r.overrides).length > 0) onSubmit(r.overrides);
  };

  return (
    <Paper withBorder p="sm" radius="sm" bg="var(--mantine-color-gray-0)" data-testid="risk-missing-form">
      <form onSubmit={submit} noValidate>
        <Title order={3} size="h5" mb={4}>
          {t('risk.missingTitle')}
        </Title>
        <Text size="sm" mb="sm">
          {t('risk.missingIntro')}
        </Text>
        <Stack gap="sm">
          {missing.map((field) => {
            const spec = FIELD_SPECS[field];
            const label = fieldLabel(field, tr);
            const error = errors[field] ? tr(errors[field] as string) : undefined;
            const description = field === 'race' ? t('risk.raceWhy') : field === 'region' ? t('risk.regionWhy') : undefined;
            const value = entries[field]?.value ?? '';
            if (spec.kind === 'choice' || spec.kind === 'boolean') {
              const options =
                spec.kind === 'choice'
                  ? spec.options.map((o) => ({ value: o, label: tr(`risk.option.${field}.${o}`) }))
                  : [
                      { value: 'true', label: t('risk.yes') },
                      { value: 'false', label: t('risk.no') },
                    ];
              return (
                <NativeSelect
                  key={field}
                  label={label}
                  description={description}
                  error={error}
                  maw={520}
                  value={value}
                  data={[{ value: '', label: t('risk.form.choose') }, ...options]}
                  onChange={(e) => set(field, { value: e.currentTarget.value })}
                />
              );
            }
            const units = spec.kind === 'quantity' ? spec.units : [spec.unit];
            return (
              <Group key={field} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  label={label}
                  error={error}
                  inputMode="decimal"
                  w={200}
                  value={value}
                  onChange={(e) => set(field, { value: e.currentTarget.value })}
                  rightSection={units.length === 1 ? <Text size="xs" c="dimmed">{field === 'age' ? t('risk.years') : units[0]}</Text> : undefined}
                  rightSectionWidth={units.length === 1 ? 110 : undefined}
                />
                {units.length > 1 && (
                  <NativeSelect
                    label={t('risk.unit', { field: label })}
                    w={150}
                    value={entries[field]?.unit ?? ''}
                    data={[{ value: '', label: t('risk.form.choose') }, ...units.map((u) => ({ value: u, label: u }))]}
                    onChange={(e) => set(field, { unit: e.currentTarget.value })}
                  />
                )}
              </Group>
            );
          })}
          <Group>
            <Button type="submit" loading={busy} variant="filled">
              {t('risk.rescore')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

/** The contribution chart of one scored model, chosen from those that explain themselves. */
function Explain({ cards }: { cards: ModelCard[] }) {
  const { t } = useTranslation();
  const { tr } = useLooseT();
  const options = cards.flatMap((c) => {
    const r = headlineResult(c);
    return r?.explanation ? [{ id: c.model.id, result: r }] : [];
  });
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const current = options.find((o) => o.id === chosen) ?? options[0];
  if (!current) return null;
  return (
    <div data-testid="risk-explain">
      <Title order={3} size="h5" mb={4}>
        {t('risk.explainTitle')}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t('risk.explainIntro')}
      </Text>
      {options.length > 1 && (
        <NativeSelect
          label={t('risk.explainModel')}
          maw={520}
          mb="xs"
          value={current.id}
          data={options.map((o) => ({ value: o.id, label: `${shortModelName(o.id)} — ${tr(`risk.outcomeName.${o.result.outcome}`)}` }))}
          onChange={(e) => setChosen(e.currentTarget.value)}
        />
      )}
      <ContributionFigure result={current.result} />
    </div>
  );
}
