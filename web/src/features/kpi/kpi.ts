// The performance page's rules (KPI-1, KPI-2, KPI-4, WB-10): the date presets in the shop's
// days, how each metric reads (rates as percentages, waits in seconds, money in yuan, "—"
// where there is no data), a scorecard's breakdown by the points each part cost, sorting the
// agents' table with the empty ones last, and the scorecard rules as their form edits them
// (rates as percentages) with the checks the server makes (kefu-domain kpi.rs `KpiRules::check`).

import { i18n } from '../../i18n'
import { duration, yuan } from '../shared/format'
import { addDays, monthDays, monthOf, previousMonth } from '../shared/shopDays'
import type { AgentCard, Grade, KpiLine, KpiLines, KpiMetrics, KpiRules, KpiWeights, ScorePart, ScoredMetric } from '../../api'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

// ---- date ranges ----

export type RangePreset = 'today' | 'yesterday' | 'last7' | 'thisMonth' | 'lastMonth'
export const RANGE_PRESETS: RangePreset[] = ['today', 'yesterday', 'last7', 'thisMonth', 'lastMonth']

/** Both days included, `YYYY-MM-DD` in the shop's zone. */
export interface DayRange {
  from: string
  to: string
}

/** The range a preset names on the shop's day `today`. */
export function presetRange(preset: RangePreset, today: string): DayRange {
  switch (preset) {
    case 'today':
      return { from: today, to: today }
    case 'yesterday': {
      const day = addDays(today, -1)
      return { from: day, to: day }
    }
    case 'last7':
      return { from: addDays(today, -6), to: today }
    case 'thisMonth':
      return { from: `${monthOf(today)}-01`, to: today }
    case 'lastMonth':
      return monthDays(previousMonth(monthOf(today)))
  }
}

/** The preset `range` is on `today`, or null for a range of one's own. */
export function presetOf(range: DayRange, today: string): RangePreset | null {
  return RANGE_PRESETS.find((p) => {
    const r = presetRange(p, today)
    return r.from === range.from && r.to === range.to
  }) ?? null
}

// ---- how fresh a report is ----

/** How old a report's rollups may be when the team tab opens before it catches them up first. */
export const AS_OF_MAX_AGE_MS = 60_000

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** When the rollups last caught up, in the viewer's zone: `14:05:09` today, else
 *  `2026-05-30 14:05:09`. */
export function asOfClock(asOf: number, now = Date.now()): string {
  const d = new Date(asOf)
  const n = new Date(now)
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate()
  return sameDay ? time : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`
}

/** 数据更新于 14:05:09, or 尚未统计 when the rollups never ran. */
export function asOfText(asOf: number | null | undefined, now = Date.now()): string {
  return asOf == null ? t('kpi.asOf.never') : t('kpi.asOf.at', { time: asOfClock(asOf, now) })
}

/** Whether the rollups never ran or last caught up more than `maxAge` ago. */
export function asOfStale(asOf: number | null | undefined, now = Date.now(), maxAge = AS_OF_MAX_AGE_MS): boolean {
  return asOf == null || now - asOf > maxAge
}

// ---- how values read ----

const NONE = '—'

/** A fraction as a percentage with at most one decimal: `85.3%`, `100%`; `—` without data. */
export function rateText(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? NONE : `${Number((v * 100).toFixed(1))}%`
}

/** Seconds: `8.5 秒`, `27 秒`, `1 分 5 秒`; `—` without data. */
export function secondsText(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return NONE
  if (v < 10) return t('time.seconds', { n: Number(v.toFixed(1)) })
  if (v < 60) return t('time.seconds', { n: Math.round(v) })
  return duration(v * 1000)
}

/** Average stars: `4.82`; `—` without data. */
export function ratingText(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? NONE : v.toFixed(2)
}

/** A score out of 100, or a per-day count: at most one decimal; `—` without data. */
export function numberText(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? NONE : String(Number(v.toFixed(1)))
}

/** Money in integer fen as yuan: `¥1,299.00`. */
export function moneyText(fen: number): string {
  return yuan(fen)
}

/** A scorecard part's value in its metric's unit. */
export function partValueText(metric: ScoredMetric, value: number | null | undefined): string {
  switch (metric) {
    case 'first_response':
      return secondsText(value)
    case 'average_rating':
      return ratingText(value)
    case 'qa_score':
      return numberText(value)
    default:
      return rateText(value)
  }
}

// ---- scorecards ----

/** A part of a scorecard as its breakdown shows it. */
export interface BreakdownRow {
  metric: ScoredMetric
  value: number | null
  weight: number
  points: number
  /** The points it cost: its weight less what it earned (0 when it had no data). */
  lost: number
  standing: Grade | null
  /** False when the range had no data for it: it was left out and the rest scaled to 100. */
  counted: boolean
}

const round1 = (v: number) => Math.round(v * 10) / 10

/** The parts, the ones that cost the most points first and those left out last. */
export function breakdownRows(parts: readonly ScorePart[]): BreakdownRow[] {
  return parts
    .map<BreakdownRow>((p) => {
      const counted = p.value != null
      return {
        metric: p.metric,
        value: p.value ?? null,
        weight: p.weight,
        points: p.points,
        lost: counted ? Math.max(0, round1(p.weight - p.points)) : 0,
        standing: p.standing ?? null,
        counted,
      }
    })
    .sort((a, b) => Number(b.counted) - Number(a.counted) || b.lost - a.lost)
}

/** How far served-per-day is towards the daily target (WB-10), 0–1 for a bar. */
export function targetProgress(perDay: number | null | undefined, target: number): number {
  if (perDay == null || !(target > 0)) return 0
  return Math.min(1, Math.max(0, perDay / target))
}

/** Whether an agent did any live-stream or short-video work worth showing (KPI-5). */
export function hasLiveFigures(m: KpiMetrics): boolean {
  return m.live_served > 0 || m.live_orders > 0 || m.live_fen > 0 || m.video_served > 0
}

// ---- the agents' table ----

/** The metrics the table shows, each a column with its definition. */
export const METRIC_COLUMNS = [
  'served',
  'served_per_day',
  'first_response_avg_s',
  'first_response_p90_s',
  'quick_reply_rate',
  'resolution_rate',
  'transfer_rate',
  'conversion_rate',
  'bad_review_rate',
  'average_rating',
] as const satisfies readonly (keyof KpiMetrics)[]
export type MetricColumn = (typeof METRIC_COLUMNS)[number]

export type SortKey = 'name' | 'team' | MetricColumn | 'qa_score' | 'score'
export type SortOrder = 'ascending' | 'descending'

function sortValue(card: AgentCard, key: SortKey): number | string | null {
  switch (key) {
    case 'name':
      return card.name
    case 'team':
      return card.team ?? null
    case 'qa_score':
      return card.qa_score ?? null
    case 'score':
      return card.scorecard.grade == null ? null : card.scorecard.score
    default:
      return card.metrics[key] ?? null
  }
}

/** The cards sorted by `key`; those without a value last either way, then by name. */
export function sortCards(cards: readonly AgentCard[], key: SortKey | null, order: SortOrder | null): AgentCard[] {
  const list = [...cards]
  if (!key || !order) return list
  const sign = order === 'ascending' ? 1 : -1
  return list.sort((a, b) => {
    const x = sortValue(a, key)
    const y = sortValue(b, key)
    if (x == null || y == null) return x == null && y == null ? a.name.localeCompare(b.name) : x == null ? 1 : -1
    const c = typeof x === 'string' || typeof y === 'string' ? String(x).localeCompare(String(y)) : x - y
    return c * sign || a.name.localeCompare(b.name)
  })
}

// ---- the scorecard rules ----

export type WeightsProblem = 'not_whole' | 'sum'

/** Whole numbers 0–100 that add up to 100, as the server wants them; null when they do. */
export function weightsProblem(w: KpiWeights): WeightsProblem | null {
  const parts = [w.response, w.conversion, w.satisfaction]
  if (!parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 100)) return 'not_whole'
  return parts.reduce((a, b) => a + b, 0) === 100 ? null : 'sum'
}

export function weightsSum(w: KpiWeights): number {
  return (w.response || 0) + (w.conversion || 0) + (w.satisfaction || 0)
}

export type LineMetric = Exclude<keyof KpiLines, 'daily_target'>
export const LINE_METRICS: LineMetric[] = [
  'first_response_s',
  'quick_reply_rate',
  'bad_review_rate',
  'conversion_rate',
  'average_rating',
  'qa_score',
]
/** The lines kept as fractions, which the form edits as percentages. */
const PERCENT_LINES: ReadonlySet<LineMetric> = new Set(['quick_reply_rate', 'bad_review_rate', 'conversion_rate'])
/** Lower is better for these: their excellence line lies below their pass line. */
export const LOWER_BETTER: ReadonlySet<LineMetric> = new Set(['first_response_s', 'bad_review_rate'])

/** The form's unit for a line: seconds, percent, stars or points. */
export function lineUnit(metric: LineMetric): 'seconds' | 'percent' | 'stars' | 'points' {
  if (metric === 'first_response_s') return 'seconds'
  if (PERCENT_LINES.has(metric)) return 'percent'
  return metric === 'average_rating' ? 'stars' : 'points'
}

/** Lines as the form edits them: the rates as percentages. */
export type LinesForm = KpiLines

const tidy = (v: number, digits: number) => Number(v.toFixed(digits))

/** A copy of `lines` with each line's values through `f` (a copy of its own, whether or not
 *  `lines` is a reactive draft). */
function mapLines(lines: KpiLines, f: (metric: LineMetric, value: number) => number): KpiLines {
  const line = (m: LineMetric): KpiLine => ({ pass: f(m, lines[m].pass), excellent: f(m, lines[m].excellent) })
  return {
    first_response_s: line('first_response_s'),
    quick_reply_rate: line('quick_reply_rate'),
    bad_review_rate: line('bad_review_rate'),
    conversion_rate: line('conversion_rate'),
    average_rating: line('average_rating'),
    qa_score: line('qa_score'),
    daily_target: lines.daily_target,
  }
}

export function copyLines(lines: KpiLines): KpiLines {
  return mapLines(lines, (_, v) => v)
}

export function linesForm(lines: KpiLines): LinesForm {
  return mapLines(lines, (m, v) => (PERCENT_LINES.has(m) ? tidy(v * 100, 4) : v))
}

export function linesOf(form: LinesForm): KpiLines {
  return mapLines(form, (m, v) => (PERCENT_LINES.has(m) ? tidy(v / 100, 6) : v))
}

/** The first line (or the daily target) the server would refuse, else null. Lines are as sent
 *  (fractions); lower-better ones excel below their pass line. */
export function linesProblem(lines: KpiLines): LineMetric | 'daily_target' | null {
  const finite = (l: KpiLine) => Number.isFinite(l.pass) && Number.isFinite(l.excellent)
  const lower = (l: KpiLine, max: number) => finite(l) && l.excellent >= 0 && l.excellent < l.pass && l.pass <= max
  const higher = (l: KpiLine, min: number, max: number) => finite(l) && l.pass >= min && l.pass < l.excellent && l.excellent <= max
  const ok: Record<LineMetric, boolean> = {
    first_response_s: lower(lines.first_response_s, 86_400),
    quick_reply_rate: higher(lines.quick_reply_rate, 0, 1),
    bad_review_rate: lower(lines.bad_review_rate, 1),
    conversion_rate: higher(lines.conversion_rate, 0, 1),
    average_rating: higher(lines.average_rating, 1, 5),
    qa_score: higher(lines.qa_score, 0, 100),
  }
  const bad = LINE_METRICS.find((m) => !ok[m])
  if (bad) return bad
  const target = lines.daily_target
  return Number.isInteger(target) && target >= 1 && target <= 10_000 ? null : 'daily_target'
}

/** What is wrong with the rules before saving: the weights, or a line of the shop's (`team`
 *  null) or a team's; null when the server would take them. */
export function rulesProblem(
  rules: KpiRules,
): { part: 'weights'; why: WeightsProblem } | { part: 'lines'; team: string | null; metric: LineMetric | 'daily_target' } | null {
  const weights = weightsProblem(rules.weights)
  if (weights) return { part: 'weights', why: weights }
  const own = linesProblem(rules.lines)
  if (own) return { part: 'lines', team: null, metric: own }
  for (const [team, lines] of Object.entries(rules.teams)) {
    const metric = linesProblem(lines)
    if (metric) return { part: 'lines', team, metric }
  }
  return null
}

// ---- metrics as the cards and grids show them ----

/** The metrics a card or grid may show, each read in its unit. */
export type MetricKey = keyof KpiMetrics

const COUNTS: ReadonlySet<MetricKey> = new Set(['received', 'served', 'effective_replies', 'rated', 'live_served', 'live_orders', 'video_served', 'invalid'])
const SECONDS: ReadonlySet<MetricKey> = new Set(['first_response_avg_s', 'first_response_p90_s', 'response_avg_s'])
const MONEY: ReadonlySet<MetricKey> = new Set(['converted_fen', 'live_fen'])

/** One metric of `m` in its unit: counts as they are, waits in seconds, money in yuan, stars to
 *  two decimals, per-day counts to one, and the rest (rates) as percentages. */
export function metricText(key: MetricKey, m: KpiMetrics): string {
  const v = m[key]
  if (COUNTS.has(key)) return v == null ? '—' : String(v)
  if (SECONDS.has(key)) return secondsText(v)
  if (MONEY.has(key)) return moneyText(v ?? 0)
  if (key === 'average_rating') return ratingText(v)
  if (key === 'served_per_day') return numberText(v)
  return rateText(v)
}

/** A team's name: from the named teams, else its key; `—` for none. */
export function teamNameOf(key: string | null | undefined, named: readonly { team?: string; key?: string; name: string }[]): string {
  if (!key) return '—'
  return named.find((x) => (x.team ?? x.key) === key)?.name || key
}
