// Question mining's rules (DATA-5): the filters the topics page offers (weeks, and a product,
// none, or all), a week's rate (the topic's share of that week's askers) and how rates and
// their changes read, a trend's tone, the row's weekly bars, the product a problem is about by
// default, how a fix's before and after reads, which problem the address names, and the
// topic's and a problem's weeks as ECharts options.

import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
} from 'echarts/components'
import { i18n } from '../../i18n'
import type { BeforeAfter, ProblemView, ProductAsked, TopicLine, TopicsReport, Trend, Uuid, WeekCount } from '../../api'
import { changeText } from '../cockpit/cockpit'
import type { Tone } from '../cockpit/cockpit'
import { addDays } from '../shared/shopDays'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

const NONE = '—'

// ---- the filters ----

export const QUESTION_WEEKS = [4, 8, 12, 26] as const
export const DEFAULT_QUESTION_WEEKS = 8

/** The product selects' values besides a product's code: every conversation, or those about
 *  no product. A code never holds a space (the server's `bad_code`), so neither is one. */
export const ALL_PRODUCTS = ' all'
export const NO_PRODUCT = ' none'

/** What the topics API is asked for by a choice: null for all, '' for none, else the code. */
export function productParam(choice: string): string | null {
  if (choice === ALL_PRODUCTS) return null
  return choice === NO_PRODUCT ? '' : choice
}

/** A problem's `product_code` by a choice: null for none (or all), else the code. */
export function problemProduct(choice: string): string | null {
  return choice === ALL_PRODUCTS || choice === NO_PRODUCT ? null : choice
}

/** A product as the selects read it: `示例奶粉 900g（12）`, its code without a title. */
export function productLabel(p: ProductAsked, withCount = true): string {
  const name = p.code === '' ? t('questions.filters.noProduct') : p.title || p.code
  return withCount ? t('questions.filters.productAsked', { name, n: p.asked }) : name
}

/** The product a new problem is about at first: the one the page is filtered by; none when
 *  it shows the conversations about none; else the topic's most asked about (not "none"). */
export function defaultProblemProduct(filter: string | null, products: readonly ProductAsked[]): string | null {
  if (filter != null) return filter === '' ? null : filter
  return products.find((p) => p.code !== '')?.code ?? null
}

/** The products to choose from (a filter's, a problem's): those asked about (not "none"), most
 *  asked first, after `chosen` when it is not among them. */
export function productsWith(products: readonly ProductAsked[], chosen: string | null): ProductAsked[] {
  const list = products.filter((p) => p.code !== '')
  if (chosen && !list.some((p) => p.code === chosen)) list.unshift({ code: chosen, title: null, asked: 0 })
  return list
}

// ---- rates and changes ----

/** The topic's share of the week's askers; null when nobody asked anything that week. */
export function weekRate(w: WeekCount): number | null {
  return w.total > 0 ? w.asked / w.total : null
}

/** A rate to one decimal: `30.0%`; `—` without one. */
export function percentText(rate: number | null | undefined): string {
  return rate == null || !Number.isFinite(rate) ? NONE : `${(rate * 100).toFixed(1)}%`
}

/** The current week's askers (for the page's product): every topic's latest week counts them
 *  all; null without topics. */
export function weekAskers(report: TopicsReport): number | null {
  let most: number | null = null
  for (const topic of report.topics) {
    const latest = topic.weeks[topic.weeks.length - 1]
    if (latest && (most == null || latest.total > most)) most = latest.total
  }
  return most
}

export interface ChangeCell {
  direction: 'up' | 'down' | 'flat' | 'none'
  /** `↑50%`, `↓20%`, 持平, `↑` alone from nothing, `—` without a week to compare. */
  text: string
}

/** How the topic's share of askers moved from last week to this one: shares rather than counts,
 *  so a week still under way compares fairly with a whole one. */
export function rateChange(topic: TopicLine): ChangeCell {
  const [previous, latest] = topic.weeks.slice(-2).map(weekRate)
  if (topic.weeks.length < 2 || latest == null || previous == null) return { direction: 'none', text: NONE }
  if (previous === 0) {
    return latest > 0 ? { direction: 'up', text: '↑' } : { direction: 'flat', text: t('cockpit.compare.flat') }
  }
  const change = latest / previous - 1
  if (changeText(change) === '0%') return { direction: 'flat', text: t('cockpit.compare.flat') }
  return change > 0 ? { direction: 'up', text: `↑${changeText(change)}` } : { direction: 'down', text: `↓${changeText(change)}` }
}

/** New and rising topics stand out (hot); falling ones are good news (cool). */
export function trendTone(trend: Trend): 'hot' | 'cool' | 'flat' {
  if (trend === 'new' || trend === 'rising') return 'hot'
  return trend === 'falling' ? 'cool' : 'flat'
}

export interface WeekBar {
  week: string
  rate: number | null
  /** Of the row's highest rate, 0–1; a week with any asking at least a sliver. */
  height: number
  /** The current week's, still under way. */
  latest: boolean
  /** `12-01：8.0%（4/50）` */
  title: string
}

const MIN_BAR = 0.06

/** A row's weeks as bars of their rates, scaled to its highest. */
export function weekBars(weeks: readonly WeekCount[]): WeekBar[] {
  const rates = weeks.map(weekRate)
  const top = Math.max(0, ...rates.map((r) => r ?? 0))
  return weeks.map((w, i) => {
    const rate = rates[i]
    const height = rate == null || top === 0 ? 0 : Math.max(rate / top, rate > 0 ? MIN_BAR : 0)
    return {
      week: w.week,
      rate,
      height,
      latest: i === weeks.length - 1,
      title: t('questions.table.weekTitle', { week: weekLabel(w.week), rate: percentText(rate), asked: w.asked, total: w.total }),
    }
  })
}

/** `12-01`: a week by its Monday. */
export function weekLabel(monday: string): string {
  return monday.slice(5)
}

/** The Monday of `day`'s week (`YYYY-MM-DD`). */
export function mondayOf(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7
  return addDays(day, -weekday)
}

/** The list's line, a proposal or a problem later. */
export function patchTopic(topics: readonly TopicLine[], id: Uuid, patch: Partial<TopicLine>): TopicLine[] {
  return topics.map((x) => (x.id === id ? { ...x, ...patch } : x))
}

// ---- problems ----

export type ProblemFilter = 'all' | 'open' | 'fixed'
export const PROBLEM_FILTERS: ProblemFilter[] = ['all', 'open', 'fixed']

/** The problem `?problem=` names (the owner's notice links so), or null. */
export function problemQuery(query: Record<string, unknown>): Uuid | null {
  const value = Array.isArray(query.problem) ? query.problem[0] : query.problem
  return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value) ? value : null
}

/** Its owner and whoever reads reports mark a problem fixed or open it again. */
export function mayChangeProblem(problem: ProblemView, userId: Uuid | null | undefined, readsReports: boolean): boolean {
  return readsReports || (!!userId && problem.owner_id === userId)
}

/** `list` with `problem` in its place, or first when new. */
export function keepProblem(list: readonly ProblemView[], problem: ProblemView): ProblemView[] {
  return list.some((p) => p.id === problem.id) ? list.map((p) => (p.id === problem.id ? problem : p)) : [problem, ...list]
}

/** Whether a problem belongs in the list of a status. */
export function problemShown(problem: ProblemView, filter: ProblemFilter): boolean {
  return filter === 'all' || problem.status === filter
}

export interface BeforeAfterView {
  /** better: the rate fell; worse: it rose; neutral: it held, or nothing to compare yet. */
  tone: Tone
  /** `修复前 30.0% → 修复后 8.0%，下降 73%` */
  text: string
  /** Over how many weeks each side was measured. */
  hint: string
}

/** How a fix's before and after reads; the after side waits for a week from the fix on. */
export function beforeAfterView(ba: BeforeAfter): BeforeAfterView {
  const hint = t('questions.problems.weeksHint', { before: ba.weeks_before, after: ba.weeks_after })
  const before = t('questions.problems.before', { rate: percentText(ba.before) })
  if (ba.weeks_after === 0 || ba.after == null) {
    return { tone: 'neutral', text: `${before} → ${t('questions.problems.afterPending')}`, hint }
  }
  const after = t('questions.problems.after', { rate: percentText(ba.after) })
  const change = ba.change
  if (change == null || !Number.isFinite(change)) return { tone: 'neutral', text: `${before} → ${after}`, hint }
  if (changeText(change) === '0%') return { tone: 'neutral', text: `${before} → ${after}${t('questions.problems.flat')}`, hint }
  const down = change < 0
  const moved = t(down ? 'questions.problems.down' : 'questions.problems.up', { p: changeText(change) })
  return { tone: down ? 'better' : 'worse', text: `${before} → ${after}${moved}`, hint }
}

// ---- charts ----

export type QuestionChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | MarkLineComponentOption
>

const BRAND = '#3370ff'
const ORANGE = '#f5871f'
const GREEN = '#14a38b'
const AXIS_LABEL = { color: '#8f959e' }
const SPLIT_LINE = { lineStyle: { color: '#f0f1f4' } }

/** A rate in percent to one decimal, as the charts plot it; null without one. */
function ratePercent(w: WeekCount): number | null {
  const rate = weekRate(w)
  return rate == null ? null : Number((rate * 100).toFixed(1))
}

const percentFormatter = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)}%` : NONE)

export interface TopicChartLabels {
  /** The bars: conversations that asked the topic. */
  asked: string
  /** The line: their share of the week's askers. */
  rate: string
}

/** A topic's weeks: the conversations that asked it as bars, their share of the week's askers
 *  as a line on the right axis (a week nobody asked anything is a gap). */
export function topicChartOption(weeks: readonly WeekCount[], labels: TopicChartLabels): QuestionChartOption {
  return {
    animation: false,
    color: ['#c9d8fb', ORANGE],
    grid: { left: 40, right: 48, top: 36, bottom: 24 },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: '#646a73' } },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: weeks.map((w) => weekLabel(w.week)),
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: AXIS_LABEL, splitLine: SPLIT_LINE },
      { type: 'value', min: 0, position: 'right', axisLabel: { ...AXIS_LABEL, formatter: '{value}%' }, splitLine: { show: false } },
    ],
    series: [
      {
        name: labels.asked,
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { borderRadius: [3, 3, 0, 0] },
        data: weeks.map((w) => w.asked),
      },
      {
        name: labels.rate,
        type: 'line',
        yAxisIndex: 1,
        smooth: true,
        symbol: 'circle',
        symbolSize: 6,
        data: weeks.map(ratePercent),
        tooltip: { valueFormatter: percentFormatter },
      },
    ],
  }
}

export interface ProblemChartLabels {
  rate: string
  /** The fix's mark: `修复 12-03`. */
  fix: string
}

/** A problem's weeks as its topic's rate, with a line at the week the fix went out (when the
 *  weeks reach it). */
export function problemChartOption(weeks: readonly WeekCount[], fixedOn: string | null, labels: ProblemChartLabels): QuestionChartOption {
  const categories = weeks.map((w) => weekLabel(w.week))
  const fixWeek = fixedOn ? weekLabel(mondayOf(fixedOn)) : null
  const marked = fixWeek != null && categories.includes(fixWeek)
  return {
    animation: false,
    grid: { left: 40, right: 44, top: 26, bottom: 22 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: categories,
      boundaryGap: false,
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    },
    yAxis: { type: 'value', min: 0, axisLabel: { ...AXIS_LABEL, formatter: '{value}%' }, splitLine: SPLIT_LINE },
    series: [
      {
        name: labels.rate,
        type: 'line',
        symbol: 'circle',
        symbolSize: 5,
        lineStyle: { width: 2, color: BRAND },
        itemStyle: { color: BRAND },
        areaStyle: { color: 'rgba(51,112,255,0.08)' },
        data: weeks.map(ratePercent),
        tooltip: { valueFormatter: percentFormatter },
        ...(marked
          ? {
              markLine: {
                symbol: 'none',
                silent: true,
                lineStyle: { color: GREEN, type: 'dashed', width: 1.5 },
                label: { formatter: labels.fix, color: GREEN, position: 'end' },
                data: [{ xAxis: fixWeek }],
              },
            }
          : {}),
      },
    ],
  }
}
