// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { GRADES, SATISFACTION_SOURCES, SCORED_METRICS } from '../../api'
import type { AgentCard, KpiLines, KpiMetrics, KpiRules, ScorePart } from '../../api'
import {
  LINE_METRICS,
  METRIC_COLUMNS,
  AS_OF_MAX_AGE_MS,
  RANGE_PRESETS,
  asOfClock,
  asOfStale,
  asOfText,
  breakdownRows,
  copyLines,
  hasLiveFigures,
  lineUnit,
  linesForm,
  linesOf,
  linesProblem,
  metricText,
  moneyText,
  numberText,
  partValueText,
  presetOf,
  presetRange,
  rateText,
  ratingText,
  rulesProblem,
  secondsText,
  sortCards,
  targetProgress,
  teamNameOf,
  weightsProblem,
  weightsSum,
} from './kpi'
import type { MetricKey } from './kpi'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

/** The seeds' lines (kefu-domain kpi.rs `Lines::default`). */
const LINES: KpiLines = {
  first_response_s: { pass: 30, excellent: 15 },
  quick_reply_rate: { pass: 0.85, excellent: 0.95 },
  bad_review_rate: { pass: 0.02, excellent: 0.005 },
  conversion_rate: { pass: 0.2, excellent: 0.35 },
  average_rating: { pass: 4.5, excellent: 4.8 },
  qa_score: { pass: 80, excellent: 90 },
  daily_target: 300,
}

function metrics(over: Partial<KpiMetrics> = {}): KpiMetrics {
  return {
    received: 0,
    served: 0,
    effective_replies: 0,
    converted_fen: 0,
    rated: 0,
    live_served: 0,
    live_orders: 0,
    live_fen: 0,
    video_served: 0,
    invalid: 0,
    robot_resolution_rate: null,
    robot_transfer_rate: null,
    complaints: 0,
    ...over,
  }
}

function card(name: string, over: Partial<KpiMetrics>, score: number | null, team: string | null = 'pre'): AgentCard {
  return {
    agent_id: name,
    name,
    team,
    daily_target: 300,
    qa_reviews: 0,
    metrics: metrics(over),
    scorecard: { score: score ?? 0, grade: score == null ? null : score >= 80 ? 'pass' : 'below', parts: [] },
    trend: [],
  }
}

describe('date presets', () => {
  const today = '2026-05-20'

  it('name ranges of the shop’s days', () => {
    expect(presetRange('today', today)).toEqual({ from: today, to: today })
    expect(presetRange('yesterday', today)).toEqual({ from: '2026-05-19', to: '2026-05-19' })
    expect(presetRange('last7', today)).toEqual({ from: '2026-05-14', to: today })
    expect(presetRange('thisMonth', today)).toEqual({ from: '2026-05-01', to: today })
    expect(presetRange('lastMonth', today)).toEqual({ from: '2026-04-01', to: '2026-04-30' })
  })

  it('cross the year and month where they must', () => {
    expect(presetRange('yesterday', '2026-01-01')).toEqual({ from: '2025-12-31', to: '2025-12-31' })
    expect(presetRange('lastMonth', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(presetRange('lastMonth', '2024-03-31')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
    expect(presetRange('last7', '2026-03-03')).toEqual({ from: '2026-02-25', to: '2026-03-03' })
  })

  it('say which preset a range is, or none for one’s own', () => {
    for (const p of RANGE_PRESETS) expect(presetOf(presetRange(p, today), today)).toBe(p)
    expect(presetOf({ from: '2026-05-02', to: '2026-05-09' }, today)).toBeNull()
    // On the first of the month, 本月 is today: the first preset that fits wins.
    expect(presetOf(presetRange('thisMonth', '2026-05-01'), '2026-05-01')).toBe('today')
  })
})

describe('how values read', () => {
  it('shows rates as percentages with at most one decimal', () => {
    expect(rateText(0.853)).toBe('85.3%')
    expect(rateText(0.85)).toBe('85%')
    expect(rateText(1)).toBe('100%')
    expect(rateText(0)).toBe('0%')
    expect(rateText(0.005)).toBe('0.5%')
    expect(rateText(null)).toBe('—')
    expect(rateText(undefined)).toBe('—')
    expect(rateText(Number.NaN)).toBe('—')
  })

  it('shows waits in seconds, then minutes', () => {
    expect(secondsText(8.46)).toBe('8.5 秒')
    expect(secondsText(27.4)).toBe('27 秒')
    expect(secondsText(65)).toBe('1 分 5 秒')
    expect(secondsText(0)).toBe('0 秒')
    expect(secondsText(null)).toBe('—')
    i18n.global.locale.value = 'en'
    expect(secondsText(8.46)).toBe('8.5 s')
    expect(secondsText(65)).toBe('1 min 5 s')
  })

  it('shows stars, scores and money', () => {
    expect(ratingText(4.823)).toBe('4.82')
    expect(ratingText(5)).toBe('5.00')
    expect(ratingText(null)).toBe('—')
    expect(numberText(87.5)).toBe('87.5')
    expect(numberText(90)).toBe('90')
    expect(numberText(312.44)).toBe('312.4')
    expect(numberText(undefined)).toBe('—')
    expect(moneyText(129_900)).toBe('¥1,299.00')
    expect(moneyText(5)).toBe('¥0.05')
  })

  it('reads a scorecard part in its metric’s unit', () => {
    expect(partValueText('first_response', 12)).toBe('12 秒')
    expect(partValueText('quick_reply_rate', 0.9)).toBe('90%')
    expect(partValueText('bad_review_rate', 0.015)).toBe('1.5%')
    expect(partValueText('average_rating', 4.7)).toBe('4.70')
    expect(partValueText('qa_score', 88)).toBe('88')
    expect(partValueText('conversion_rate', null)).toBe('—')
  })

  it('reads each metric in its unit', () => {
    const m = metrics({
      served: 42,
      served_per_day: 6.04,
      first_response_avg_s: 12.2,
      quick_reply_rate: 0.9,
      converted_fen: 1_234_50,
      average_rating: 4.9,
      live_fen: 100,
    })
    expect(metricText('served', m)).toBe('42')
    expect(metricText('served_per_day', m)).toBe('6')
    expect(metricText('first_response_avg_s', m)).toBe('12 秒')
    expect(metricText('first_response_p90_s', m)).toBe('—')
    expect(metricText('quick_reply_rate', m)).toBe('90%')
    expect(metricText('converted_fen', m)).toBe('¥1,234.50')
    expect(metricText('live_fen', m)).toBe('¥1.00')
    expect(metricText('average_rating', m)).toBe('4.90')
    expect(metricText('bad_review_rate', m)).toBe('—')
  })
})

describe('a scorecard’s breakdown', () => {
  const parts: ScorePart[] = [
    { metric: 'first_response', value: 20, weight: 20, points: 13.3, standing: 'pass' },
    { metric: 'quick_reply_rate', value: 0.97, weight: 20, points: 20, standing: 'excellent' },
    { metric: 'conversion_rate', value: 0.1, weight: 35, points: 0, standing: 'below' },
    { metric: 'bad_review_rate', value: null, weight: 15, points: 0, standing: null },
    { metric: 'average_rating', value: 4.6, weight: 10, points: 6.7, standing: 'pass' },
  ]

  it('puts what cost the most first and what had no data last', () => {
    const rows = breakdownRows(parts)
    expect(rows.map((r) => r.metric)).toEqual(['conversion_rate', 'first_response', 'average_rating', 'quick_reply_rate', 'bad_review_rate'])
    expect(rows.map((r) => r.lost)).toEqual([35, 6.7, 3.3, 0, 0])
    expect(rows[4]).toMatchObject({ counted: false, value: null, standing: null })
  })

  it('measures served per day against the target', () => {
    expect(targetProgress(150, 300)).toBe(0.5)
    expect(targetProgress(450, 300)).toBe(1)
    expect(targetProgress(null, 300)).toBe(0)
    expect(targetProgress(10, 0)).toBe(0)
  })

  it('shows the live-stream figures only when there are some', () => {
    expect(hasLiveFigures(metrics())).toBe(false)
    expect(hasLiveFigures(metrics({ live_served: 1 }))).toBe(true)
    expect(hasLiveFigures(metrics({ video_served: 2 }))).toBe(true)
  })
})

describe('sorting the agents', () => {
  const cards = [
    card('丙', { served: 10, quick_reply_rate: 0.8 }, 70),
    card('甲', { served: 30, quick_reply_rate: null }, null, null),
    card('乙', { served: 20, quick_reply_rate: 0.95 }, 91, 'after'),
  ]

  it('sorts either way with the ones without a value last', () => {
    expect(sortCards(cards, 'quick_reply_rate', 'descending').map((c) => c.name)).toEqual(['乙', '丙', '甲'])
    expect(sortCards(cards, 'quick_reply_rate', 'ascending').map((c) => c.name)).toEqual(['丙', '乙', '甲'])
    expect(sortCards(cards, 'served', 'ascending').map((c) => c.name)).toEqual(['丙', '乙', '甲'])
    // A score without a grade had no data.
    expect(sortCards(cards, 'score', 'ascending').map((c) => c.name)).toEqual(['丙', '乙', '甲'])
    expect(sortCards(cards, 'team', 'ascending').map((c) => c.name)).toEqual(['乙', '丙', '甲'])
  })

  it('keeps the order it was given without a sort', () => {
    expect(sortCards(cards, null, null)).toEqual(cards)
    expect(sortCards(cards, 'score', null)).not.toBe(cards)
  })

  it('names teams', () => {
    const named = [{ team: 'pre', name: '售前' }, { key: 'after', name: '售后' }]
    expect(teamNameOf('pre', named)).toBe('售前')
    expect(teamNameOf('after', named)).toBe('售后')
    expect(teamNameOf('vip', named)).toBe('vip')
    expect(teamNameOf(null, named)).toBe('—')
  })
})

describe('the scoring rules', () => {
  it('want whole weights that add up to 100', () => {
    expect(weightsProblem({ response: 40, conversion: 35, satisfaction: 25 })).toBeNull()
    expect(weightsProblem({ response: 100, conversion: 0, satisfaction: 0 })).toBeNull()
    expect(weightsProblem({ response: 40, conversion: 35, satisfaction: 30 })).toBe('sum')
    expect(weightsProblem({ response: 40.5, conversion: 34.5, satisfaction: 25 })).toBe('not_whole')
    expect(weightsProblem({ response: -5, conversion: 80, satisfaction: 25 })).toBe('not_whole')
    expect(weightsSum({ response: 40, conversion: 35, satisfaction: 30 })).toBe(105)
  })

  it('edit rates as percentages and send them as fractions', () => {
    const form = linesForm(LINES)
    expect(form.quick_reply_rate).toEqual({ pass: 85, excellent: 95 })
    expect(form.bad_review_rate).toEqual({ pass: 2, excellent: 0.5 })
    expect(form.conversion_rate).toEqual({ pass: 20, excellent: 35 })
    expect(form.first_response_s).toEqual({ pass: 30, excellent: 15 })
    expect(form.average_rating).toEqual({ pass: 4.5, excellent: 4.8 })
    expect(linesOf(form)).toEqual(LINES)
    // The form's copy is its own.
    form.qa_score.pass = 70
    expect(LINES.qa_score.pass).toBe(80)
    // A reactive draft (the saved rules, a team's lines) copies as plain data.
    const draft = reactive(linesForm(LINES))
    expect(linesOf(draft)).toEqual(LINES)
    const copy = copyLines(draft)
    copy.daily_target = 100
    expect(draft.daily_target).toBe(300)
    expect(LINE_METRICS.map(lineUnit)).toEqual(['seconds', 'percent', 'percent', 'percent', 'stars', 'points'])
  })

  it('check the lines as the server does', () => {
    expect(linesProblem(LINES)).toBeNull()
    expect(linesProblem({ ...LINES, first_response_s: { pass: 15, excellent: 30 } })).toBe('first_response_s')
    expect(linesProblem({ ...LINES, bad_review_rate: { pass: 0.02, excellent: 0.02 } })).toBe('bad_review_rate')
    expect(linesProblem({ ...LINES, quick_reply_rate: { pass: 0.85, excellent: 1.2 } })).toBe('quick_reply_rate')
    expect(linesProblem({ ...LINES, average_rating: { pass: 0.5, excellent: 4 } })).toBe('average_rating')
    expect(linesProblem({ ...LINES, qa_score: { pass: 90, excellent: 80 } })).toBe('qa_score')
    expect(linesProblem({ ...LINES, daily_target: 0 })).toBe('daily_target')
    expect(linesProblem({ ...LINES, daily_target: 10_001 })).toBe('daily_target')
    expect(linesProblem({ ...LINES, daily_target: 12.5 })).toBe('daily_target')
  })

  it('name what is wrong: the weights, the shop’s lines or a team’s', () => {
    const rules: KpiRules = { weights: { response: 40, conversion: 35, satisfaction: 25 }, satisfaction: 'ratings', lines: LINES, teams: {} }
    expect(rulesProblem(rules)).toBeNull()
    expect(rulesProblem({ ...rules, weights: { response: 50, conversion: 35, satisfaction: 25 } })).toEqual({ part: 'weights', why: 'sum' })
    expect(rulesProblem({ ...rules, lines: { ...LINES, daily_target: 0 } })).toEqual({ part: 'lines', team: null, metric: 'daily_target' })
    expect(rulesProblem({ ...rules, teams: { pre: LINES, after: { ...LINES, conversion_rate: { pass: 0.4, excellent: 0.3 } } } })).toEqual({
      part: 'lines',
      team: 'after',
      metric: 'conversion_rate',
    })
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
  const METRIC_KEYS: (MetricKey | 'qa_score' | 'score' | 'grade')[] = [
    ...(Object.keys(metrics()) as MetricKey[]),
    'served_per_day',
    'first_response_avg_s',
    'first_response_p90_s',
    'response_avg_s',
    'quick_reply_rate',
    'effective_reply_rate',
    'resolution_rate',
    'transfer_rate',
    'conversion_rate',
    'bad_review_rate',
    'average_rating',
    'live_conversion_rate',
    'video_conversion_rate',
    'qa_score',
    'score',
    'grade',
  ]

  it('name and define every metric, part, grade and preset in both languages', () => {
    const keys = [
      ...METRIC_KEYS.flatMap((k) => [`kpi.metrics.${k}`, `kpi.tips.${k}`]),
      ...METRIC_COLUMNS.flatMap((k) => [`kpi.metrics.${k}`, `kpi.tips.${k}`]),
      ...SCORED_METRICS.flatMap((k) => [`kpi.parts.${k}`, `kpi.partTips.${k}`]),
      ...[...GRADES, 'none'].map((g) => `kpi.grades.${g}`),
      ...RANGE_PRESETS.map((p) => `kpi.range.${p}`),
      ...SATISFACTION_SOURCES.map((s) => `kpi.settings.sources.${s}`),
      ...LINE_METRICS.map((m) => `kpi.settings.units.${lineUnit(m)}`),
      ...['sum', 'not_whole'].map((w) => `kpi.settings.weightProblems.${w}`),
      ...['team', 'rankings', 'settings', 'mine'].map((x) => `kpi.tabs.${x}`),
      ...['asOf.at', 'asOf.never', 'asOf.tip', 'refresh', 'refreshFailed'].map((x) => `kpi.${x}`),
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })
})

describe('as of', () => {
  // Local times, as the viewer's zone reads them.
  const now = new Date(2026, 4, 31, 14, 5, 30).getTime()

  it('reads the time today and the date too on another day', () => {
    expect(asOfClock(new Date(2026, 4, 31, 14, 5, 9).getTime(), now)).toBe('14:05:09')
    expect(asOfClock(new Date(2026, 4, 31, 0, 0, 0).getTime(), now)).toBe('00:00:00')
    expect(asOfClock(new Date(2026, 4, 30, 23, 59, 59).getTime(), now)).toBe('2026-05-30 23:59:59')
    expect(asOfClock(new Date(2025, 4, 31, 14, 5, 9).getTime(), now)).toBe('2025-05-31 14:05:09')
  })

  it('says so when the rollups never ran, in both languages', () => {
    const at = new Date(2026, 4, 31, 9, 3, 7).getTime()
    expect(asOfText(at, now)).toBe('数据更新于 09:03:07')
    expect(asOfText(null, now)).toBe('尚未统计')
    expect(asOfText(undefined, now)).toBe('尚未统计')
    i18n.global.locale.value = 'en'
    expect(asOfText(at, now)).toBe('Data as of 09:03:07')
    expect(asOfText(new Date(2026, 4, 1, 9, 3, 7).getTime(), now)).toBe('Data as of 2026-05-01 09:03:07')
    expect(asOfText(null, now)).toBe('Not computed yet')
  })

  it('is stale when never run or older than a minute', () => {
    expect(AS_OF_MAX_AGE_MS).toBe(60_000)
    expect(asOfStale(null, now)).toBe(true)
    expect(asOfStale(undefined, now)).toBe(true)
    expect(asOfStale(now - 61_000, now)).toBe(true)
    expect(asOfStale(now - 60_000, now)).toBe(false)
    expect(asOfStale(now - 5_000, now)).toBe(false)
    expect(asOfStale(now + 2_000, now)).toBe(false)
    expect(asOfStale(now - 5_000, now, 1_000)).toBe(true)
  })
})
