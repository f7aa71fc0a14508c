// The performance page's charts as ECharts options, built from an agent's daily trend: the
// table's sparkline (the day's score, or served where no day has a score) and the trend chart
// (served per day as bars, the average first response and the score as lines). The components
// register the ECharts parts these use.

import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'
import type { DayPoint } from '../../api'

export type KpiChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>

const BRAND = '#3370ff'
const GREEN = '#14a38b'
const ORANGE = '#f5871f'
const AXIS_LABEL = { color: '#8f959e' }

/** What a sparkline draws: each day's score, or what was served when no day has a score. */
export function sparklineSeries(trend: readonly DayPoint[]): { kind: 'score' | 'served'; values: (number | null)[] } {
  if (trend.some((d) => d.score != null)) return { kind: 'score', values: trend.map((d) => d.score ?? null) }
  return { kind: 'served', values: trend.map((d) => d.served) }
}

export function sparklineOption(trend: readonly DayPoint[]): KpiChartOption {
  const { kind, values } = sparklineSeries(trend)
  return {
    animation: false,
    grid: { left: 2, right: 2, top: 3, bottom: 3 },
    xAxis: { type: 'category', show: false, boundaryGap: false, data: trend.map((d) => d.day) },
    yAxis: { type: 'value', show: false, min: kind === 'score' ? 0 : undefined, max: kind === 'score' ? 100 : undefined },
    series: [
      {
        type: 'line',
        data: values,
        connectNulls: true,
        showSymbol: values.length === 1,
        symbolSize: 4,
        lineStyle: { width: 1.5, color: kind === 'score' ? BRAND : GREEN },
        itemStyle: { color: kind === 'score' ? BRAND : GREEN },
        areaStyle: { color: kind === 'score' ? 'rgba(51,112,255,0.12)' : 'rgba(20,163,139,0.12)' },
      },
    ],
  }
}

export interface TrendLabels {
  served: string
  firstResponse: string
  score: string
  /** Seconds as the tooltip shows them. */
  seconds: (v: number) => string
}

export function trendOption(trend: readonly DayPoint[], labels: TrendLabels): KpiChartOption {
  return {
    animation: false,
    color: ['#c9d8fb', ORANGE, BRAND],
    grid: { left: 44, right: 96, top: 40, bottom: 28 },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: '#646a73' } },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: trend.map((d) => d.day.slice(5)),
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: AXIS_LABEL, splitLine: { lineStyle: { color: '#f0f1f4' } } },
      { type: 'value', min: 0, max: 100, position: 'right', axisLabel: AXIS_LABEL, splitLine: { show: false } },
      {
        type: 'value',
        min: 0,
        position: 'right',
        offset: 46,
        axisLabel: { ...AXIS_LABEL, formatter: '{value}s' },
        splitLine: { show: false },
      },
    ],
    series: [
      {
        name: labels.served,
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { borderRadius: [3, 3, 0, 0] },
        data: trend.map((d) => d.served),
      },
      {
        name: labels.firstResponse,
        type: 'line',
        yAxisIndex: 2,
        smooth: true,
        symbol: 'circle',
        symbolSize: 6,
        // A day without a first response has none: a gap, not 0 s.
        data: trend.map((d) => d.first_response_avg_s ?? null),
        tooltip: { valueFormatter: (v) => (typeof v === 'number' ? labels.seconds(v) : '—') },
      },
      {
        name: labels.score,
        type: 'line',
        yAxisIndex: 1,
        smooth: true,
        symbol: 'circle',
        symbolSize: 6,
        data: trend.map((d) => d.score ?? null),
      },
    ],
  }
}
