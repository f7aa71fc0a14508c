// The data cockpit's rules (DATA-1 … DATA-3): how each tile's number reads (counts as they
// are, rates as percentages, the first response in seconds, stars to one decimal, money in
// yuan, "—" without data), its comparison with the same hours of yesterday and of last week
// and whether that is better or worse, which snapshot is the newest, how an alert reads, the
// heatmap's series and the hours that most need people, the alert rules as the server checks
// them (kefu-domain anomaly.rs `AlertRules::check`), and the live socket's backoff.

import type { ComposeOption } from 'echarts/core'
import type { HeatmapSeriesOption } from 'echarts/charts'
import type { GridComponentOption, TooltipComponentOption, VisualMapComponentOption } from 'echarts/components'
import { i18n } from '../../i18n'
import { MAX_ALERT_FIRST_RESPONSE_S, MAX_ALERT_MIN_COUNT, MAX_QUEUE_LIMIT } from '../../api'
import type { Alert, AlertKind, AlertRules, Cockpit, CockpitMetric, HeatCell, Tile, Uuid } from '../../api'
import { yuan } from '../shared/format'
import { rateText, secondsText } from '../kpi/kpi'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

const NONE = '—'

// ---- the tiles ----

/** The numbers of this minute: they have no comparisons. */
export const LIVE_METRICS: ReadonlySet<CockpitMetric> = new Set<CockpitMetric>(['waiting', 'serving', 'agents_online'])

const RATES: ReadonlySet<CockpitMetric> = new Set<CockpitMetric>([
  'quick_reply_rate',
  'robot_resolution_rate',
  'robot_transfer_rate',
  'transfer_rate',
  'bad_review_rate',
  'conversion_rate',
])

/** A tile's value in its unit: rates as percentages, the first response as `32 秒` /
 *  `1 分 5 秒`, stars to one decimal, fen as `¥1,299.00`, counts whole; `—` without data. */
export function tileValueText(metric: CockpitMetric, value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return NONE
  if (RATES.has(metric)) return rateText(value)
  switch (metric) {
    case 'first_response':
      return secondsText(value)
    case 'average_rating':
      return value.toFixed(1)
    case 'service_gmv':
      return yuan(Math.round(value))
    default:
      return String(Math.round(value))
  }
}

/** The KPI page's definitions the cockpit shares (the same tallies, kefu-domain kpi.rs). */
const KPI_TIPS: Partial<Record<CockpitMetric, string>> = {
  received: 'received',
  served: 'served',
  first_response: 'first_response_avg_s',
  quick_reply_rate: 'quick_reply_rate',
  transfer_rate: 'transfer_rate',
  average_rating: 'average_rating',
  bad_review_rate: 'bad_review_rate',
  conversion_rate: 'conversion_rate',
  service_gmv: 'converted_fen',
  invalid: 'invalid',
}

/** The locale key of a metric's definition: the KPI page's where it has one. */
export function tipKey(metric: CockpitMetric): string {
  const kpi = KPI_TIPS[metric]
  return kpi ? `kpi.tips.${kpi}` : `cockpit.tips.${metric}`
}

/** better: green; worse: red; neutral: grey (volumes, no change, nothing to compare). */
export type Tone = 'better' | 'worse' | 'neutral'
export type Against = 'yesterday' | 'last_week'

export interface Comparison {
  against: Against
  /** Today's against the other day's, as a fraction (0.12 = 12 % more); null when either is
   *  missing, ±Infinity from nothing. */
  change: number | null
  direction: 'up' | 'down' | 'flat' | 'none'
  tone: Tone
  /** `较昨日 ↑12%`, `较上周同日 持平`, `较昨日 —`. */
  text: string
}

/** A change as a whole percentage from 10 % up, else to one decimal: `12%`, `3.4%`. */
export function changeText(change: number): string {
  const p = Math.abs(change) * 100
  // Past tenfold a percentage says nothing more (a first response of 1 ms the day before).
  if (p > 999) return '>999%'
  return `${p >= 10 ? Math.round(p) : Number(p.toFixed(1))}%`
}

/** How a tile's value compares with the same hours of yesterday or of last week. */
export function compare(tile: Tile, against: Against): Comparison {
  const label = t(`cockpit.compare.${against}`)
  const value = tile.value
  const other = against === 'yesterday' ? tile.yesterday : tile.last_week
  if (value == null || other == null || !Number.isFinite(value) || !Number.isFinite(other)) {
    return { against, change: null, direction: 'none', tone: 'neutral', text: `${label} ${NONE}` }
  }
  const change = other === 0 ? (value === 0 ? 0 : Math.sign(value) * Infinity) : (value - other) / Math.abs(other)
  // What rounds to 0 % reads as no change.
  if (change === 0 || (Number.isFinite(change) && changeText(change) === '0%')) {
    return { against, change, direction: 'flat', tone: 'neutral', text: `${label} ${t('cockpit.compare.flat')}` }
  }
  const up = change > 0
  const better = tile.higher_is_better
  const tone: Tone = better == null ? 'neutral' : up === better ? 'better' : 'worse'
  const amount = Number.isFinite(change) ? changeText(change) : ''
  return { against, change, direction: up ? 'up' : 'down', tone, text: `${label} ${up ? '↑' : '↓'}${amount}` }
}

/** What the other day's same hours read, for a comparison's title: `昨日同时段 ¥1,299.00`. */
export function referenceText(tile: Tile, against: Against): string {
  const other = against === 'yesterday' ? tile.yesterday : tile.last_week
  return t(`cockpit.compare.${against}Was`, { value: tileValueText(tile.metric, other) })
}

/** The snapshot to show: `next` unless `current` is newer (a slow first read arriving after a
 *  live frame). */
export function newerCockpit(current: Cockpit | null, next: Cockpit): Cockpit {
  return current && current.generated_at > next.generated_at ? current : next
}

/** A socket message as a snapshot, or null for anything else. */
export function readCockpit(text: string): Cockpit | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const c = value as Partial<Cockpit> | null
  return c && typeof c === 'object' && Array.isArray(c.tiles) && typeof c.generated_at === 'number' ? (c as Cockpit) : null
}

/** What the drawer lists: the conversations behind a tile, or those given a tag. */
export type DrillTarget = { metric: CockpitMetric } | { tag: string }

// ---- the live socket ----

export const SOCKET_MIN_BACKOFF_MS = 1_000
export const SOCKET_MAX_BACKOFF_MS = 30_000
/** The server sends at least every 30 s: a socket silent this long is dead. */
export const SOCKET_SILENCE_MS = 75_000

/** How long to wait before the `attempt`th reconnection (0 first): doubling from a second up
 *  to half a minute, with the upper half jittered. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(SOCKET_MAX_BACKOFF_MS, SOCKET_MIN_BACKOFF_MS * 2 ** Math.max(0, attempt))
  return Math.round(base / 2 + (random() * base) / 2)
}

// ---- alerts ----

/** The open alerts less those acknowledged here (a frame sent before the acknowledgement may
 *  still list them). */
export function openAlerts(alerts: readonly Alert[], acknowledged: ReadonlySet<Uuid>): Alert[] {
  return alerts.filter((a) => !acknowledged.has(a.id))
}

const SUBJECT_KINDS = ['product', 'tag', 'issue_type'] as const
type SubjectKind = (typeof SUBJECT_KINDS)[number]

/** What a surge is about: `商品：保温杯`, `标签：投诉`; '' for the kinds about the shop. `tagName`
 *  names the shop's own tags (the server names the built-in ones). */
export function alertSubjectText(alert: Alert, tagName?: (key: string) => string): string {
  const at = alert.subject.indexOf(':')
  if (at < 0) return ''
  const kind = alert.subject.slice(0, at)
  const key = alert.subject.slice(at + 1)
  if (!(SUBJECT_KINDS as readonly string[]).includes(kind)) return alert.label || key
  let name = alert.label || key
  if (kind === 'tag' && tagName && (!alert.label || alert.label === key)) name = tagName(key)
  return t(`cockpit.alert.subjects.${kind as SubjectKind}`, { name })
}

const round1 = (v: number) => Math.round(v * 10) / 10

/** What was seen against what was expected, in the kind's unit: `近 1 小时 12 个会话，通常约 3 个`. */
export function alertFiguresText(alert: Pick<Alert, 'kind' | 'observed' | 'expected'>): string {
  const figures =
    alert.kind === 'first_response'
      ? { observed: secondsText(alert.observed), expected: secondsText(alert.expected) }
      : { observed: Math.round(alert.observed), expected: round1(alert.expected) }
  return t(`cockpit.alert.figures.${alert.kind}`, figures)
}

/** The sample conversations an alert's evidence names. */
export function alertSamples(alert: Alert): Uuid[] {
  const list = alert.evidence?.conversations
  return Array.isArray(list) ? list.filter((id): id is Uuid => typeof id === 'string' && !!id) : []
}

/** How far past its line an alert is, for ordering: observed ÷ expected. */
function severity(alert: Alert): number {
  return alert.expected > 0 ? alert.observed / alert.expected : Infinity
}

/** Queue and first-response alerts (people waiting now) first, then the rest; the newest and
 *  the furthest past their line first within each. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const urgent = (k: AlertKind) => (k === 'queue' || k === 'first_response' ? 0 : 1)
  return [...alerts].sort(
    (a, b) => urgent(a.kind) - urgent(b.kind) || b.created_at - a.created_at || severity(b) - severity(a),
  )
}

// ---- the alert rules ----

export type AlertRulesProblem = 'min_count' | 'queue_limit' | 'first_response_s'

/** The first rule the server would refuse, else null. */
export function alertRulesProblem(r: AlertRules): AlertRulesProblem | null {
  const whole = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max
  if (!whole(r.min_count, 1, MAX_ALERT_MIN_COUNT)) return 'min_count'
  if (!whole(r.queue_limit, 1, MAX_QUEUE_LIMIT)) return 'queue_limit'
  if (!whole(r.first_response_s, 0, MAX_ALERT_FIRST_RESPONSE_S)) return 'first_response_s'
  return null
}

// ---- the heatmap ----

export const HEATMAP_WEEKS = [1, 2, 4, 8, 12] as const
export const DEFAULT_HEATMAP_WEEKS = 4
/** The `team` / `entry` filter for conversations without one. */
export const NO_VALUE = '-'

/** What a heatmap colours: conversations per week, or agents online (staffing). */
export type HeatMeasure = 'per_week' | 'agents_online'

/** `周三 14:00–15:00` */
export function cellText(cell: Pick<HeatCell, 'weekday' | 'hour'>): string {
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n))
  return t('cockpit.heatmap.cell', {
    day: t(`cockpit.weekdays.${cell.weekday}`),
    from: `${pad(cell.hour)}:00`,
    to: `${pad((cell.hour + 1) % 24)}:00`,
  })
}

/** Whether a cell had conversations but nobody online to take them. */
export function unstaffed(cell: HeatCell): boolean {
  return cell.received > 0 && (cell.load_per_agent == null || !(cell.agents_online > 0))
}

/** The hours that most need people: those with conversations but nobody online first (the
 *  most conversations first), then the highest load per agent online; at most `n`. */
export function worstCells(cells: readonly HeatCell[], n = 5): HeatCell[] {
  return cells
    .filter((c) => c.received > 0)
    .sort(
      (a, b) =>
        Number(unstaffed(b)) - Number(unstaffed(a)) ||
        (unstaffed(a) ? 0 : (b.load_per_agent ?? 0) - (a.load_per_agent ?? 0)) ||
        b.per_week - a.per_week ||
        a.weekday - b.weekday ||
        a.hour - b.hour,
    )
    .slice(0, n)
}

/** The heatmap's points, `[hour, weekday, value]` (values to one decimal), Monday 00:00 first,
 *  and the largest value (at least 1, so an empty map still has a scale). */
export function heatmapSeries(cells: readonly HeatCell[], measure: HeatMeasure): { data: [number, number, number][]; max: number } {
  const data = [...cells]
    .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour)
    .map<[number, number, number]>((c) => [c.hour, c.weekday, round1(Number.isFinite(c[measure]) ? c[measure] : 0)])
  const max = data.reduce((m, [, , v]) => Math.max(m, v), 0)
  return { data, max: Math.max(1, Math.ceil(max)) }
}

export type HeatChartOption = ComposeOption<HeatmapSeriesOption | GridComponentOption | TooltipComponentOption | VisualMapComponentOption>

export interface HeatmapLabels {
  /** Monday first. */
  weekdays: string[]
  /** The series' name. */
  name: string
  /** A cell as its tooltip reads. */
  tooltip: (cell: HeatCell) => string
  /** The scale's colours, lowest first. */
  colours: string[]
}

const AXIS_LABEL = { color: '#8f959e' }

/** Hours across, Monday to Sunday down, each cell coloured by `measure` on a scale below. */
export function heatmapOption(cells: readonly HeatCell[], measure: HeatMeasure, labels: HeatmapLabels): HeatChartOption {
  const { data, max } = heatmapSeries(cells, measure)
  const byKey = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c]))
  return {
    animation: false,
    grid: { left: 48, right: 12, top: 8, bottom: 64 },
    tooltip: {
      position: 'top',
      formatter: (params) => {
        const value = (Array.isArray(params) ? params[0] : params)?.value
        if (!Array.isArray(value)) return ''
        const cell = byKey.get(`${value[1]}:${value[0]}`)
        return cell ? labels.tooltip(cell) : ''
      },
    },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => String(h)),
      splitArea: { show: true },
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    },
    yAxis: {
      type: 'category',
      data: labels.weekdays,
      inverse: true,
      splitArea: { show: true },
      axisLine: { lineStyle: { color: '#e5e8ee' } },
      axisLabel: AXIS_LABEL,
      axisTick: { show: false },
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      itemWidth: 12,
      textStyle: { color: '#646a73' },
      inRange: { color: labels.colours },
    },
    series: [
      {
        name: labels.name,
        type: 'heatmap',
        data,
        emphasis: { itemStyle: { borderColor: '#1f2329', borderWidth: 1 } },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  }
}
