import { Alert, Anchor, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Loading } from '../components/Loading.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { useLoad } from '../components/useLoad.ts';
import { formatDate } from '../fhir/display.ts';
import { riskApi } from '../risk/api.ts';
import { CategoryBadge, Qrisk3Notice, useLooseT } from '../risk/common.tsx';
import { fieldList, formatPercent, refusalText, shortModelName } from '../risk/present.ts';
import { QRISK3_DISCLAIMER } from '../risk/qrisk3.ts';
import { MODEL_IDS, type ModelId, type PanelRow } from '../risk/types.ts';

function isModelId(v: string | null): v is ModelId {
  return v !== null && (MODEL_IDS as readonly string[]).includes(v);
}

/**
 * The clinic's patients ranked by risk for one model, and beside them those who cannot be
 * scored and what they lack. The model is kept in the address (?model=) so a link keeps it.
 */
export function RiskPanelPage() {
  const { t, i18n } = useTranslation();
  const { tr, locale } = useLooseT();
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const asked = params.get('model');
  const model = isModelId(asked) ? asked : undefined;
  const load = useLoad(() => riskApi.panel(model), [model]);

  const scored: PanelRow[] = load.status === 'ok' ? load.data.rows.filter((r) => typeof r.riskPercent === 'number') : [];
  const unscored: PanelRow[] = load.status === 'ok' ? load.data.rows.filter((r) => typeof r.riskPercent !== 'number') : [];
  const sex = (s: string) => (i18n.exists(`gender.${s}`) ? tr(`gender.${s}`) : s);
  const chosenModel = load.status === 'ok' ? load.data.model : undefined;

  return (
    <Stack gap="md">
      <PageTitle>{t('riskPanel.title')}</PageTitle>
      <Text>{t('riskPanel.intro', { clinic: user?.clinicName ?? '' })}</Text>
      <Alert color="blue" variant="light">
        {t('risk.note')}
      </Alert>
      <NativeSelect
        label={t('riskPanel.model')}
        maw={360}
        value={model ?? ''}
        data={[{ value: '', label: t('riskPanel.clinicDefault') }, ...MODEL_IDS.map((m) => ({ value: m, label: shortModelName(m) }))]}
        onChange={(e) => {
          const next = new URLSearchParams(params);
          if (e.currentTarget.value) next.set('model', e.currentTarget.value);
          else next.delete('model');
          setParams(next);
        }}
      />
      {load.status === 'loading' && <Loading />}
      {load.status === 'error' && <ErrorNotice error={load.error} onRetry={load.reload} />}
      {load.status === 'ok' && chosenModel && (
        <>
          <Paper withBorder radius="md" p="sm" data-testid="risk-panel-ranked">
            <Title order={2} size="h4" mb={4}>
              {t('riskPanel.ranked')} — {chosenModel.name} {chosenModel.version}
            </Title>
            <Text size="xs" c="dimmed" mb="xs">
              {t('riskPanel.generatedAt', { date: formatDate(load.data.generatedAt, i18n.language, true) })}
            </Text>
            {scored.length === 0 ? (
              <Text c="dimmed">{t('riskPanel.noneScored')}</Text>
            ) : (
              <Table.ScrollContainer minWidth={560}>
                <Table verticalSpacing={4} striped aria-label={t('riskPanel.rankedCaption', { model: shortModelName(chosenModel.id) })}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t('riskPanel.rank')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.patient')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.sex')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.age')}</Table.Th>
                      <Table.Th scope="col" ta="right">{t('riskPanel.risk')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.category')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.modelUsed')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {scored.map((r, i) => (
                      <Table.Tr key={r.patientId} data-testid="risk-panel-row" data-patient={r.patientId} data-risk={r.riskPercent}>
                        <Table.Td>{i + 1}</Table.Td>
                        <Table.Td>
                          <Anchor component={Link} to={`/patients/${encodeURIComponent(r.patientId)}`}>
                            {r.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{sex(r.sex)}</Table.Td>
                        <Table.Td>{r.age ?? '—'}</Table.Td>
                        <Table.Td ta="right" fw={700}>
                          {formatPercent(r.riskPercent as number, locale)}
                        </Table.Td>
                        <Table.Td>
                          <CategoryBadge category={r.category} />
                        </Table.Td>
                        <Table.Td>{shortModelName(r.model)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {(chosenModel.id === 'qrisk3' || scored.some((r) => r.model === 'qrisk3')) && scored.length > 0 && <Qrisk3Notice text={QRISK3_DISCLAIMER} />}
          </Paper>
          <Paper withBorder radius="md" p="sm" data-testid="risk-panel-unscored">
            <Title order={2} size="h4" mb="xs">
              {t('riskPanel.unscored')}
            </Title>
            {unscored.length === 0 ? (
              <Text c="dimmed">{t('riskPanel.allScored')}</Text>
            ) : (
              <Table.ScrollContainer minWidth={480}>
                <Table verticalSpacing={4} aria-label={t('riskPanel.unscoredCaption')}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t('riskPanel.patient')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.age')}</Table.Th>
                      <Table.Th scope="col">{t('riskPanel.lacks')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {unscored.map((r) => (
                      <Table.Tr key={r.patientId} data-testid="risk-panel-unscored-row" data-patient={r.patientId}>
                        <Table.Td>
                          <Anchor component={Link} to={`/patients/${encodeURIComponent(r.patientId)}`}>
                            {r.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{r.age ?? '—'}</Table.Td>
                        <Table.Td>
                          {r.missing.length > 0 ? tr('risk.refusal.missing', { fields: fieldList(r.missing, tr) }) : r.refusal ? refusalText(r.model, r.refusal, tr) : ''}
                          {r.missing.length > 0 && r.refusal && r.refusal.code !== 'MISSING_INPUT' && (
                            <Text size="xs" c="dimmed">
                              {refusalText(r.model, r.refusal, tr)}
                            </Text>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Paper>
        </>
      )}
    </Stack>
  );
}
