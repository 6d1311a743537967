import { Group, List, Paper, SegmentedControl, Slider, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { riskApi } from './api.ts';
import { Qrisk3Notice, useLooseT } from './common.tsx';
import { assumptionSources, formatPercent, formatPoints, initialSbpTarget, shortModelName, smokesNow, whatIfRows } from './present.ts';
import { QRISK3_DISCLAIMER } from './qrisk3.ts';
import type { Overrides, RiskReport, WhatIfResponse, WhatIfScenario } from './types.ts';

/** The systolic target slider's range, mmHg: the targets guidelines discuss. */
const SBP_MIN = 110;
const SBP_MAX = 160;
/** Wait this long after the last slider move before asking (the brief: ~150 ms). */
const DEBOUNCE_MS = 150;

type Statin = 'none' | 'moderate' | 'high';

/**
 * What-if: a systolic target, quitting smoking (only for a smoker) and a statin. Each change
 * asks the server again, debounced so dragging the slider sends a request when it pauses; an
 * older answer never replaces a newer one, and the last table stays up while the next loads.
 */
export function WhatIfPanel({ patientId, report, overrides }: { patientId: string; report: RiskReport; overrides: Overrides }) {
  const { t } = useTranslation();
  const { tr, locale } = useLooseT();
  const hasSbp = typeof report.inputs.systolicBp?.value === 'number';
  const smoker = smokesNow(report);
  const [sbp, setSbp] = useState(() => initialSbpTarget(report, SBP_MIN, SBP_MAX));
  const [quit, setQuit] = useState(false);
  const [statin, setStatin] = useState<Statin>('none');
  const scenario = useMemo<WhatIfScenario>(
    () => ({
      ...(hasSbp ? { sbpTarget: sbp } : {}),
      ...(smoker && quit ? { quitSmoking: true } : {}),
      ...(statin !== 'none' ? { statin } : {}),
    }),
    [hasSbp, sbp, smoker, quit, statin],
  );
  const [debounced] = useDebouncedValue(scenario, DEBOUNCE_MS);
  const [answer, setAnswer] = useState<{ data?: WhatIfResponse; error?: unknown; pending: boolean }>({ pending: true });

  useEffect(() => {
    let stale = false;
    setAnswer((a) => ({ ...a, pending: true }));
    riskApi.whatIf(patientId, { overrides, scenario: debounced }).then(
      (data) => {
        if (!stale) setAnswer({ data, pending: false });
      },
      (error: unknown) => {
        if (!stale) setAnswer((a) => ({ ...a, error, pending: false }));
      },
    );
    return () => {
      stale = true;
    };
  }, [patientId, overrides, debounced]);

  const rows = answer.data ? whatIfRows(answer.data) : [];
  const sources = answer.data ? assumptionSources(answer.data.assumptions) : [];
  const showsQrisk3 = rows.some((r) => r.model.id === 'qrisk3');
  const busy = answer.pending || debounced !== scenario;

  return (
    <Paper withBorder p="sm" radius="sm" data-testid="risk-whatif" data-busy={busy}>
      <Title order={3} size="h5" mb={4}>
        {t('risk.whatIf.title')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('risk.whatIf.intro')}
      </Text>
      <Stack gap="md">
        {hasSbp && (
          <div>
            <Group justify="space-between" mb={4}>
              <Text size="sm" fw={500} id="whatif-sbp-label">
                {t('risk.whatIf.sbpTarget')}
              </Text>
              <Text size="sm" fw={700} data-testid="whatif-sbp-value">
                {t('risk.whatIf.sbpValue', { value: sbp })}
              </Text>
            </Group>
            <Slider
              min={SBP_MIN}
              max={SBP_MAX}
              step={1}
              value={sbp}
              onChange={setSbp}
              thumbLabel={t('risk.whatIf.sbpTarget')}
              label={(v) => t('risk.whatIf.sbpValue', { value: v })}
              marks={[SBP_MIN, 120, 130, 140, 150, SBP_MAX].map((v) => ({ value: v, label: String(v) }))}
              mb="lg"
            />
          </div>
        )}
        <Group gap="xl" align="flex-end" wrap="wrap">
          {smoker && <Switch label={t('risk.whatIf.quitSmoking')} checked={quit} onChange={(e) => setQuit(e.currentTarget.checked)} />}
          <div>
            <Text size="sm" fw={500} mb={4} id="whatif-statin-label">
              {t('risk.whatIf.statin')}
            </Text>
            <SegmentedControl
              aria-labelledby="whatif-statin-label"
              value={statin}
              onChange={(v) => setStatin(v as Statin)}
              data={[
                { value: 'none', label: t('risk.whatIf.statinNone') },
                { value: 'moderate', label: t('risk.whatIf.statinModerate') },
                { value: 'high', label: t('risk.whatIf.statinHigh') },
              ]}
            />
          </div>
        </Group>
        {answer.error !== undefined && <ErrorNotice error={answer.error} />}
        {answer.data && rows.length === 0 && <Text c="dimmed">{t('risk.whatIf.none')}</Text>}
        {rows.length > 0 && (
          <Table verticalSpacing={4} aria-label={t('risk.whatIf.title')} aria-busy={busy} style={{ opacity: busy ? 0.7 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('risk.whatIf.model')}</Table.Th>
                <Table.Th scope="col" ta="right">{t('risk.whatIf.baseline')}</Table.Th>
                <Table.Th scope="col" ta="right">{t('risk.whatIf.projected')}</Table.Th>
                <Table.Th scope="col" ta="right">{t('risk.whatIf.change')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => (
                <Table.Tr
                  key={`${p.model.id}/${p.outcome}`}
                  data-testid="whatif-row"
                  data-model={p.model.id}
                  data-outcome={p.outcome}
                  data-baseline={p.baselinePercent}
                  data-projected={p.projectedPercent}
                >
                  <Table.Td>
                    {shortModelName(p.model.id)} — {tr(`risk.outcomeName.${p.outcome}`)}
                    {p.warnings.length > 0 && (
                      <Text size="xs" c="dimmed">
                        {p.warnings.join('; ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{formatPercent(p.baselinePercent, locale)}</Table.Td>
                  <Table.Td ta="right" fw={700}>
                    → {formatPercent(p.projectedPercent, locale)}
                  </Table.Td>
                  <Table.Td ta="right">{formatPoints(-p.absoluteReductionPercentPoints, locale)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {sources.length > 0 && (
          <div>
            <Text size="sm" fw={500}>
              {t('risk.whatIf.assumptions')}
            </Text>
            <List size="xs" spacing={2} data-testid="whatif-assumptions">
              {sources.map((s) => {
                const key = `risk.whatIf.assumption.${s.key}`;
                return (
                  <List.Item key={s.key}>
                    {tr(key) === key ? s.key : tr(key)}: <Text span size="xs" c="dimmed">{s.source}</Text>
                  </List.Item>
                );
              })}
            </List>
          </div>
        )}
        {showsQrisk3 && <Qrisk3Notice text={QRISK3_DISCLAIMER} />}
      </Stack>
    </Paper>
  );
}
