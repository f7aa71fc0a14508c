// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { REPORT_KINDS } from '../../api'
import type { CockpitMetric, MetricChange, OutcomePoint } from '../../api'
import { tipKey } from '../cockpit/cockpit'
import {
  OUTCOME_MEASURES,
  TOP_QUESTIONS,
  afterToday,
  changeCell,
  defaultPeriod,
  growthText,
  hasOutcomes,
  hourText,
  isPeriod,
  metricColumns,
  metricNameKey,
  noticeLink,
  outcomeOption,
  outcomeValue,
  periodRunning,
  reportParts,
  reportQuery,
  reportTitle,
} from './reports'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

/** The metrics a report lists (kefu-domain health.rs `REPORT_METRICS`). */
const REPORT_METRICS: CockpitMetric[] = [
  'received',
  'served',
  'first_response',
  'quick_reply_rate',
  'robot_resolution_rate',
  'robot_transfer_rate',
  'transfer_rate',
  'average_rating',
  'bad_review_rate',
  'conversion_rate',
  'service_gmv',
  'invalid',
  'complaints',
]

function change(metric: CockpitMetric, value: number | null, previous: number | null, worse = false): MetricChange {
  const c = value != null && previous != null && previous !== 0 ? value / previous - 1 : null
  return { metric, value, previous, last_week: null, change: c, worse }
}

function point(month: string, over: Partial<OutcomePoint> = {}): OutcomePoint {
  return {
    month,
    complaint_rate: 0.0123,
    average_rating: 4.567,
    average_order_fen: 12_345.6,
    agent_minutes_per_conversation: 7.25,
    ...over,
  }
}

describe('periods', () => {
  it('default to yesterday and last month in the shop’s days', () => {
    expect(defaultPeriod('daily', '2026-12-06')).toBe('2026-12-05')
    expect(defaultPeriod('daily', '2027-01-01')).toBe('2026-12-31')
    expect(defaultPeriod('daily', '2028-03-01')).toBe('2028-02-29')
    expect(defaultPeriod('monthly', '2026-12-06')).toBe('2026-11')
    expect(defaultPeriod('monthly', '2027-01-31')).toBe('2026-12')
  })

  it('are real days or months of their kind', () => {
    expect(isPeriod('daily', '2026-12-05')).toBe(true)
    expect(isPeriod('daily', '2028-02-29')).toBe(true)
    expect(isPeriod('daily', '2026-02-29')).toBe(false)
    expect(isPeriod('daily', '2026-04-31')).toBe(false)
    expect(isPeriod('daily', '2026-13-01')).toBe(false)
    expect(isPeriod('daily', '2026-12-00')).toBe(false)
    expect(isPeriod('daily', '2026-12')).toBe(false)
    expect(isPeriod('daily', '2026-12-5')).toBe(false)
    expect(isPeriod('monthly', '2026-11')).toBe(true)
    expect(isPeriod('monthly', '2026-00')).toBe(false)
    expect(isPeriod('monthly', '2026-11-01')).toBe(false)
    expect(isPeriod('monthly', undefined)).toBe(false)
    expect(isPeriod('monthly', ['2026-11'])).toBe(false)
  })

  it('run until their last day is over', () => {
    expect(periodRunning('daily', '2026-12-06', '2026-12-06')).toBe(true)
    expect(periodRunning('daily', '2026-12-05', '2026-12-06')).toBe(false)
    expect(periodRunning('monthly', '2026-12', '2026-12-06')).toBe(true)
    expect(periodRunning('monthly', '2026-11', '2026-12-06')).toBe(false)
  })

  it('cannot be picked before they begin', () => {
    const local = (y: number, m: number, d: number) => new Date(y, m - 1, d)
    expect(afterToday('daily', local(2026, 12, 6), '2026-12-06')).toBe(false)
    expect(afterToday('daily', local(2026, 12, 7), '2026-12-06')).toBe(true)
    expect(afterToday('monthly', local(2026, 12, 1), '2026-12-06')).toBe(false)
    expect(afterToday('monthly', local(2027, 1, 1), '2026-12-06')).toBe(true)
  })
})

describe('reportQuery', () => {
  it('reads the kind and period the notices link to', () => {
    expect(reportQuery({ kind: 'daily', period: '2026-12-05' })).toEqual({ kind: 'daily', period: '2026-12-05' })
    expect(reportQuery({ kind: 'monthly', period: '2026-11' })).toEqual({ kind: 'monthly', period: '2026-11' })
    expect(reportQuery({ kind: ['monthly'], period: ['2026-11', '2026-10'] })).toEqual({ kind: 'monthly', period: '2026-11' })
  })

  it('falls back to daily and the newest for anything else', () => {
    expect(reportQuery({})).toEqual({ kind: 'daily', period: null })
    expect(reportQuery({ kind: 'weekly', period: '2026-12-05' })).toEqual({ kind: 'daily', period: '2026-12-05' })
    expect(reportQuery({ kind: 'monthly', period: '2026-12-05' })).toEqual({ kind: 'monthly', period: null })
    expect(reportQuery({ kind: 'daily', period: 'yesterday' })).toEqual({ kind: 'daily', period: null })
    expect(reportQuery({ kind: null, period: null })).toEqual({ kind: 'daily', period: null })
  })
})

describe('titles and parts', () => {
  it('name the report as the server’s notices do', () => {
    expect(reportTitle('daily', '2026-12-05')).toBe('客服健康度日报 2026-12-05')
    expect(reportTitle('monthly', '2026-11')).toBe('客服健康度月报 2026-11')
    i18n.global.locale.value = 'en'
    expect(reportTitle('daily', '2026-12-05')).toBe('Service health, daily report 2026-12-05')
  })

  it('put what changed most first and the topics and outcomes in monthly ones only', () => {
    expect(reportParts('daily')).toEqual(['biggest', 'metrics', 'worst_hours', 'questions', 'products', 'agents'])
    expect(reportParts('monthly')).toEqual(['biggest', 'metrics', 'worst_hours', 'questions', 'products', 'agents', 'topics', 'outcomes'])
    expect(metricColumns('daily')).toEqual(['value', 'previous', 'last_week', 'change'])
    expect(metricColumns('monthly')).toEqual(['value', 'previous', 'change'])
    expect(TOP_QUESTIONS).toBe(10)
  })

  it('name the volumes without the cockpit’s “today”', () => {
    expect(metricNameKey('received')).toBe('kpi.metrics.received')
    expect(metricNameKey('served')).toBe('kpi.metrics.served')
    expect(metricNameKey('first_response')).toBe('cockpit.metrics.first_response')
    expect(i18n.global.t(metricNameKey('received'))).toBe('进线量')
    expect(i18n.global.t(metricNameKey('complaints'))).toBe('投诉')
  })

  it('show the hours as a span', () => {
    expect(hourText(13)).toBe('13:00–13:59')
    expect(hourText(0)).toBe('00:00–00:59')
    expect(hourText(23)).toBe('23:00–23:59')
  })
})

describe('changeCell', () => {
  it('is red when the server says worse, green when better', () => {
    expect(changeCell(change('first_response', 60, 40, true))).toEqual({ direction: 'up', tone: 'worse', text: '↑50%' })
    expect(changeCell(change('quick_reply_rate', 0.8, 0.9, true))).toEqual({ direction: 'down', tone: 'worse', text: '↓11%' })
    expect(changeCell(change('quick_reply_rate', 0.92, 0.9))).toEqual({ direction: 'up', tone: 'better', text: '↑2.2%' })
    expect(changeCell(change('complaints', 2, 4))).toEqual({ direction: 'down', tone: 'better', text: '↓50%' })
  })

  it('is grey for the volumes, for what did not move and without a comparison', () => {
    expect(changeCell(change('received', 120, 100))).toEqual({ direction: 'up', tone: 'neutral', text: '↑20%' })
    expect(changeCell(change('served', 80, 100))).toEqual({ direction: 'down', tone: 'neutral', text: '↓20%' })
    expect(changeCell(change('average_rating', 4.8, 4.8))).toEqual({ direction: 'flat', tone: 'neutral', text: '持平' })
    expect(changeCell(change('average_rating', 4.8001, 4.8, false))).toMatchObject({ direction: 'flat', tone: 'neutral' })
    expect(changeCell(change('average_rating', null, 4.8))).toEqual({ direction: 'none', tone: 'neutral', text: '—' })
    expect(changeCell(change('average_rating', 4.8, null))).toEqual({ direction: 'none', tone: 'neutral', text: '—' })
  })

  it('reads a change from nothing as up, and nothing twice as flat', () => {
    expect(changeCell(change('complaints', 3, 0))).toEqual({ direction: 'up', tone: 'neutral', text: '↑' })
    expect(changeCell(change('complaints', 0, 0))).toEqual({ direction: 'flat', tone: 'neutral', text: '持平' })
  })

  it('follows the language', () => {
    i18n.global.locale.value = 'en'
    expect(changeCell(change('average_rating', 4.8, 4.8)).text).toBe('no change')
  })
})

describe('growthText', () => {
  it('is the growth over the month before, or new', () => {
    expect(growthText({ tag: 'complaint', count: 30, previous: 20 })).toBe('↑50%')
    expect(growthText({ tag: 'complaint', count: 12, previous: 0 })).toBe('新出现')
    expect(growthText({ tag: 'complaint', count: 0, previous: 0 })).toBe('—')
    expect(growthText({ tag: 'complaint', count: 20, previous: 20 })).toBe('持平')
  })
})

describe('outcomes', () => {
  it('read in their charts’ units', () => {
    const p = point('2026-11')
    expect(outcomeValue('complaint_rate', p)).toBe(1.23)
    expect(outcomeValue('average_rating', p)).toBe(4.57)
    expect(outcomeValue('average_order_fen', p)).toBe(123.46)
    expect(outcomeValue('agent_minutes_per_conversation', p)).toBe(7.3)
    expect(outcomeValue('average_rating', point('2026-11', { average_rating: null }))).toBeNull()
  })

  it('are there when any month has any measure', () => {
    const none = { complaint_rate: null, average_rating: null, average_order_fen: null, agent_minutes_per_conversation: null }
    expect(hasOutcomes([])).toBe(false)
    expect(hasOutcomes([point('2026-10', none), point('2026-11', none)])).toBe(false)
    expect(hasOutcomes([point('2026-10', none), point('2026-11', { ...none, average_rating: 4.5 })])).toBe(true)
  })

  it('chart one measure per grid, the months across, a gap where a month has none', () => {
    const points = [point('2026-10', { average_rating: null }), point('2026-11')]
    const names = { complaint_rate: '投诉率', average_rating: '评分', average_order_fen: '客单价', agent_minutes_per_conversation: '分钟' }
    const option = outcomeOption(points, { names, format: (m, v) => `${m}:${v}` })
    const series = option.series as { name: string; data: (number | null)[]; xAxisIndex: number; yAxisIndex: number; tooltip: { valueFormatter: (v: unknown) => string } }[]
    expect(series.map((s) => s.name)).toEqual(['投诉率', '评分', '客单价', '分钟'])
    expect(series.map((s) => [s.xAxisIndex, s.yAxisIndex])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]])
    expect(series[0].data).toEqual([1.23, 1.23])
    expect(series[1].data).toEqual([null, 4.57])
    expect(series[2].tooltip.valueFormatter(123.46)).toBe('average_order_fen:123.46')
    expect(series[2].tooltip.valueFormatter(null)).toBe('—')
    expect(option.grid).toHaveLength(4)
    expect((option.xAxis as { data: string[]; gridIndex: number }[]).map((x) => [x.gridIndex, x.data])).toEqual(
      OUTCOME_MEASURES.map((_, i) => [i, ['2026-10', '2026-11']]),
    )
  })
})

describe('noticeLink', () => {
  it('keeps the app’s own pages and nothing else', () => {
    expect(noticeLink('/agent/reports?kind=daily&period=2026-12-05')).toBe('/agent/reports?kind=daily&period=2026-12-05')
    expect(noticeLink('/agent/cockpit')).toBe('/agent/cockpit')
    expect(noticeLink('//evil.example/x')).toBeNull()
    expect(noticeLink('/\\evil.example')).toBeNull()
    expect(noticeLink('https://evil.example/')).toBeNull()
    expect(noticeLink('javascript:alert(1)')).toBeNull()
    expect(noticeLink('')).toBeNull()
    expect(noticeLink(null)).toBeNull()
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name and define every metric and part in both languages', () => {
    const keys = [
      ...REPORT_METRICS.flatMap((m) => [metricNameKey(m), tipKey(m)]),
      ...REPORT_KINDS.flatMap((k) => [
        `reports.kinds.${k}`,
        `reports.list.empty.${k}`,
        `reports.none.${k}`,
        `reports.doc.title.${k}`,
        `reports.biggest.previous.${k}`,
        ...['value', 'previous', 'change'].map((c) => `reports.metrics.${c}.${k}`),
      ]),
      ...OUTCOME_MEASURES.map((m) => `reports.outcomes.${m}`),
      ...['biggest', 'metrics', 'worstHours', 'questions', 'products', 'agents', 'topics', 'outcomes'].flatMap((p) => [
        `reports.${p}.title`,
        `reports.${p}.empty`,
      ]),
      'reports.metrics.last_week',
      'nav.reports',
      'notice.alert',
      'notice.report',
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })
})
