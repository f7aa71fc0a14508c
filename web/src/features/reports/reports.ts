// The service-health reports' rules (DATA-2, DATA-6): which report the address names (`?kind=`
// and `?period=`, as the server's notices link), the period to make by default (yesterday, last
// month, in the shop's days) and which may be picked, a report's title, its parts in order, how
// each metric's change reads (↑↓ with the cockpit's percentages: red worse, green better, grey for
// volumes and what did not move), the hours as `13:00–13:59`, a topic's growth, and the monthly
// outcome measures as an ECharts option (one small chart per measure, the months across).

import type { ComposeOption } from 'echarts/core'
import type { LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, TitleComponentOption, TooltipComponentOption } from 'echarts/components'
import { i18n } from '../../i18n'
import { REPORT_KINDS, oneOf } from '../../api'
import type { CockpitMetric, MetricChange, OutcomePoint, ReportKind, TopicGrowth } from '../../api'
import { addDays, monthOf, previousMonth } from '../shared/shopDays'
import { changeText } from '../cockpit/cockpit'
import type { Tone } from '../cockpit/cockpit'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

const NONE = '—'

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

// ---- periods ----

/** What a report is made for by default on the shop's day `today`: yesterday, or last month. */
export function defaultPeriod(kind: ReportKind, today: string): string {
  return kind === 'daily' ? addDays(today, -1) : previousMonth(monthOf(today))
}

/** Whether `value` is a period of `kind`: a real day `YYYY-MM-DD`, or a month `YYYY-MM`. */
export function isPeriod(kind: ReportKind, value: unknown): value is string {
  if (typeof value !== 'string') return false
  const m = (kind === 'daily' ? /^(\d{4})-(\d{2})-(\d{2})$/ : /^(\d{4})-(\d{2})$/).exec(value)
  if (!m) return false
  const [y, mo] = [Number(m[1]), Number(m[2])]
  if (mo < 1 || mo > 12) return false
  if (kind === 'monthly') return true
  const d = Number(m[3])
  return d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate()
}

/** Whether the period is not over on the shop's day `today` (its report reads as far as it
 *  has come). */
export function periodRunning(kind: ReportKind, period: string, today: string): boolean {
  return kind === 'daily' ? period >= today : period >= monthOf(today)
}

/** Whether the picker's local date `d` (a day, or any day of a month) is past the shop's
 *  `today`: a period not begun has no report. */
export function afterToday(kind: ReportKind, d: Date, today: string): boolean {
  const month = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}`
  return kind === 'daily' ? `${month}-${pad2(d.getDate())}` > today : month > monthOf(today)
}

/** The report the address names: `?kind=` (daily unless monthly) and `?period=` (null when
 *  absent or not a period of that kind: the newest is shown). */
export function reportQuery(query: Record<string, unknown>): { kind: ReportKind; period: string | null } {
  const one = (v: unknown) => (Array.isArray(v) ? v[0] : v)
  const kind = oneOf(REPORT_KINDS, one(query.kind) as string | null | undefined) ?? 'daily'
  const period = one(query.period)
  return { kind, period: isPeriod(kind, period) ? period : null }
}

/** 客服健康度日报 2026-12-05 / 客服健康度月报 2026-11 */
export function reportTitle(kind: ReportKind, period: string): string {
  return t(`reports.doc.title.${kind}`, { period })
}

// ---- the parts ----

export type ReportPart = 'biggest' | 'metrics' | 'worst_hours' | 'questions' | 'products' | 'agents' | 'topics' | 'outcomes'

/** A report's parts in the order it reads: what changed most first; the growing topics and the
 *  outcome measures only monthly. */
export function reportParts(kind: ReportKind): ReportPart[] {
  const parts: ReportPart[] = ['biggest', 'metrics', 'worst_hours', 'questions', 'products', 'agents']
  if (kind === 'monthly') parts.push('topics', 'outcomes')
  return parts
}

export type MetricColumn = 'value' | 'previous' | 'last_week' | 'change'

/** The metrics table's columns after the name: the same weekday last week only daily. */
export function metricColumns(kind: ReportKind): MetricColumn[] {
  return kind === 'daily' ? ['value', 'previous', 'last_week', 'change'] : ['value', 'previous', 'change']
}

/** How many of the things buyers asked a report lists. */
export const TOP_QUESTIONS = 10

/** The metrics counted as they come (more or fewer is neither better nor worse). */
const VOLUMES: ReadonlySet<CockpitMetric> = new Set<CockpitMetric>(['received', 'served'])

/** The locale key of a metric's name: the cockpit's, but for the volumes, whose cockpit names
 *  say "today" (今日进线): the KPI page's plain ones there. */
export function metricNameKey(metric: CockpitMetric): string {
  return VOLUMES.has(metric) ? `kpi.metrics.${metric}` : `cockpit.metrics.${metric}`
}

export interface ChangeCell {
  direction: 'up' | 'down' | 'flat' | 'none'
  tone: Tone
  /** `↑12%`, `↓3.4%`, `持平`, `—`; `↑` alone from nothing. */
  text: string
}

/** How a metric's change reads: red when the server says it is worse, green when it moved the
 *  good way, grey for the volumes, for what rounds to 0 % and where there is nothing to compare. */
export function changeCell(m: MetricChange): ChangeCell {
  const { value, previous, change } = m
  if (change == null || !Number.isFinite(change)) {
    // The server compares nothing with 0 (and judges no such change): up from nothing, or
    // still nothing.
    if (value != null && Number.isFinite(value) && previous === 0) {
      if (value === 0) return { direction: 'flat', tone: 'neutral', text: t('cockpit.compare.flat') }
      return { direction: value > 0 ? 'up' : 'down', tone: 'neutral', text: value > 0 ? '↑' : '↓' }
    }
    return { direction: 'none', tone: 'neutral', text: NONE }
  }
  if (change === 0 || changeText(change) === '0%') return { direction: 'flat', tone: 'neutral', text: t('cockpit.compare.flat') }
  const up = change > 0
  const tone: Tone = m.worse ? 'worse' : VOLUMES.has(m.metric) ? 'neutral' : 'better'
  return { direction: up ? 'up' : 'down', tone, text: `${up ? '↑' : '↓'}${changeText(change)}` }
}

/** `13:00–13:59` */
export function hourText(hour: number): string {
  return `${pad2(hour)}:00–${pad2(hour)}:59`
}

/** A topic's growth over the month before: `↑50%`, or 新出现 when it had none. */
export function growthText(topic: TopicGrowth): string {
  if (topic.previous <= 0) return topic.count > 0 ? t('reports.topics.new') : NONE
  const change = (topic.count - topic.previous) / topic.previous
  if (changeText(change) === '0%') return t('cockpit.compare.flat')
  return `${change > 0 ? '↑' : '↓'}${changeText(change)}`
}

// ---- the outcome measures (monthly) ----

export type OutcomeMeasure = 'complaint_rate' | 'average_rating' | 'average_order_fen' | 'agent_minutes_per_conversation'
export const OUTCOME_MEASURES: OutcomeMeasure[] = ['complaint_rate', 'average_rating', 'average_order_fen', 'agent_minutes_per_conversation']

const round = (v: number, digits: number) => Number(v.toFixed(digits))

/** A month's measure in the unit its chart shows: the complaint rate in percent, stars and
 *  yuan to two decimals, minutes to one; null without data. */
export function outcomeValue(measure: OutcomeMeasure, point: OutcomePoint): number | null {
  const v = point[measure]
  if (v == null || !Number.isFinite(v)) return null
  switch (measure) {
    case 'complaint_rate':
      return round(v * 100, 2)
    case 'average_rating':
      return round(v, 2)
    case 'average_order_fen':
      return round(v / 100, 2)
    case 'agent_minutes_per_conversation':
      return round(v, 1)
  }
}

/** Whether any month has any measure. */
export function hasOutcomes(points: readonly OutcomePoint[]): boolean {
  return points.some((p) => OUTCOME_MEASURES.some((m) => outcomeValue(m, p) != null))
}

export type OutcomeChartOption = ComposeOption<LineSeriesOption | GridComponentOption | TitleComponentOption | TooltipComponentOption>

export interface OutcomeLabels {
  /** Each measure's name with its unit. */
  names: Record<OutcomeMeasure, string>
  /** A value in its chart's unit as the tooltip shows it. */
  format: (measure: OutcomeMeasure, value: number) => string
}

const COLOURS: Record<OutcomeMeasure, string> = {
  complaint_rate: '#e8505b',
  average_rating: '#f5871f',
  average_order_fen: '#3370ff',
  agent_minutes_per_conversation: '#14a38b',
}
const AXIS_LABEL = { color: '#8f959e' }

/** Four small line charts in two rows, one per measure, the months (oldest first) across; a
 *  month without a measure is a gap. */
export function outcomeOption(points: readonly OutcomePoint[], labels: OutcomeLabels): OutcomeChartOption {
  const months = points.map((p) => p.month)
  // Left column, right column; top row, bottom row.
  const right = (i: number) => i % 2 === 1
  const lower = (i: number) => i >= 2
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    title: OUTCOME_MEASURES.map((m, i) => ({
      text: labels.names[m],
      left: right(i) ? '52%' : '1%',
      top: lower(i) ? '51%' : 0,
      textStyle: { fontSize: 13, fontWeight: 600, color: '#1f2329' },
    })),
    grid: OUTCOME_MEASURES.map((_, i) => ({
      left: right(i) ? '58%' : '8%',
      top: lower(i) ? '62%' : 36,
      width: '38%',
      height: '26%',
    })),
    xAxis: OUTCOME_MEASURES.map((_, i) => ({
      type: 'category',
      gridIndex: i,
      data: months,
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    })),
    yAxis: OUTCOME_MEASURES.map((_, i) => ({
      type: 'value',
      gridIndex: i,
      scale: true,
      axisLabel: AXIS_LABEL,
      splitLine: { lineStyle: { color: '#f0f1f4' } },
    })),
    series: OUTCOME_MEASURES.map((m, i) => ({
      name: labels.names[m],
      type: 'line',
      xAxisIndex: i,
      yAxisIndex: i,
      symbol: 'circle',
      symbolSize: 6,
      connectNulls: false,
      lineStyle: { width: 2, color: COLOURS[m] },
      itemStyle: { color: COLOURS[m] },
      data: points.map((p) => outcomeValue(m, p)),
      tooltip: { valueFormatter: (v) => (typeof v === 'number' ? labels.format(m, v) : NONE) },
    })),
  }
}

// ---- notices ----

/** A notice's `link` when it is a page of this app (`/agent/…`), else null: a click never
 *  leaves the app. */
export function noticeLink(link: string | null | undefined): string | null {
  return typeof link === 'string' && /^\/(?![/\\])/.test(link) ? link : null
}
