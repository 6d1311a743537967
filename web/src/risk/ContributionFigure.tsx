import { BarChart } from '@mantine/charts';
import { List, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { contributionChart, fieldLabel, formatPercent, formatPoints, shortModelName } from './present.ts';
import { useLooseT } from './common.tsx';
import type { ModelResult } from './types.ts';

/**
 * Factor contributions as a horizontal waterfall: from the optimal risk (marked by a line)
 * each factor adds its share until the bar of the patient's own risk. The chart is a
 * picture; the caption and the list under it say the same in words.
 */
export function ContributionFigure({ result }: { result: ModelResult }) {
  const { t } = useTranslation();
  const { tr, locale } = useLooseT();
  const explanation = result.explanation;
  if (!explanation) return null;
  const chart = contributionChart(explanation, result.riskPercent, {
    optimal: t('risk.optimalRisk'),
    actual: t('risk.yourRisk'),
    factor: (f) => fieldLabel(f, tr),
  });
  const optimal = formatPercent(chart.optimalRiskPercent, locale);
  return (
    <figure style={{ margin: 0 }} data-testid="risk-contributions" data-model={result.model.id}>
      <figcaption>
        <Text size="sm" fw={500}>
          {t('risk.chartSummary', { model: shortModelName(result.model.id), optimal, actual: formatPercent(result.riskPercent, locale) })}
        </Text>
      </figcaption>
      <div role="img" aria-label={t('risk.explainTitle')}>
        <BarChart
          h={48 + chart.bars.length * 34}
          data={chart.bars}
          dataKey="label"
          type="waterfall"
          orientation="vertical"
          series={[{ name: 'risk', color: 'red.6', label: t('risk.scored') }]}
          withTooltip={false}
          gridAxis="x"
          tickLine="x"
          yAxisProps={{ width: 170 }}
          xAxisProps={{ domain: [0, 'auto'] }}
          valueFormatter={(v) => formatPercent(v, locale)}
          referenceLines={[{ x: chart.optimalRiskPercent, color: 'teal.8', label: `${t('risk.optimalRisk')} ${optimal}`, labelPosition: 'insideTopRight', strokeDasharray: '4 3' }]}
          barChartProps={{ accessibilityLayer: false }}
        />
      </div>
      {chart.factors.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('risk.noContributions')}
        </Text>
      ) : (
        <List size="sm" spacing={2}>
          {chart.factors.map((f) => (
            <List.Item key={f.factor}>
              {t('risk.factorLine', { factor: f.label, actual: f.actual, optimal: f.optimal, points: formatPoints(f.points, locale) })}
            </List.Item>
          ))}
        </List>
      )}
      <Text size="xs" c="dimmed" mt={4}>
        {t('risk.optimalProfile', { description: explanation.optimalProfile.description, source: explanation.optimalProfile.source })}
      </Text>
    </figure>
  );
}
