// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { ALERT_KINDS, COCKPIT_METRICS, SENSITIVITIES } from '../../api'
import type { Alert, AlertRules, Cockpit, CockpitMetric, HeatCell, Tile } from '../../api'
import {
  HEATMAP_WEEKS,
  LIVE_METRICS,
  SOCKET_MAX_BACKOFF_MS,
  SOCKET_MIN_BACKOFF_MS,
  alertFiguresText,
  alertRulesProblem,
  alertSamples,
  alertSubjectText,
  backoffMs,
  cellText,
  changeText,
  compare,
  heatmapOption,
  heatmapSeries,
  newerCockpit,
  openAlerts,
  readCockpit,
  referenceText,
  sortAlerts,
  tileValueText,
  tipKey,
  unstaffed,
  worstCells,
} from './cockpit'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

function tile(metric: CockpitMetric, value: number | null, yesterday: number | null, lastWeek: number | null, higher?: boolean | null): Tile {
  return { metric, value, yesterday, last_week: lastWeek, higher_is_better: higher }
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a-1',
    kind: 'surge',
    subject: 'product:P-1',
    label: '保温杯',
    window_start: 0,
    observed: 12,
    expected: 3.04,
    evidence: { conversations: ['c-1', 'c-2'] },
    created_at: 1_000,
    acknowledged_by: null,
    acknowledged_at: null,
    ...over,
  }
}

function cockpit(generatedAt: number): Cockpit {
  return { day: '2026-05-20', hour: 14, as_of: generatedAt, generated_at: generatedAt, tiles: [], top_tags: [], alerts: [] }
}

/** A week of empty cells, Monday 00:00 first, with `over` laid on the ones it names. */
function week(over: Partial<HeatCell>[] = []): HeatCell[] {
  const cells: HeatCell[] = []
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      cells.push({ weekday, hour, received: 0, per_week: 0, agents_online: 0, load_per_agent: null, first_response_avg_s: null, quick_reply_rate: null })
    }
  }
  for (const o of over) {
    const at = cells.findIndex((c) => c.weekday === o.weekday && c.hour === o.hour)
    cells[at] = { ...cells[at], ...o }
  }
  return cells
}

describe('tile values', () => {
  it('read each metric in its unit', () => {
    expect(tileValueText('waiting', 7)).toBe('7')
    expect(tileValueText('received', 1234)).toBe('1234')
    expect(tileValueText('complaints', 0)).toBe('0')
    expect(tileValueText('quick_reply_rate', 0.853)).toBe('85.3%')
    expect(tileValueText('robot_transfer_rate', 0.2)).toBe('20%')
    expect(tileValueText('first_response', 32.4)).toBe('32 秒')
    expect(tileValueText('first_response', 65)).toBe('1 分 5 秒')
    expect(tileValueText('average_rating', 4.86)).toBe('4.9')
    expect(tileValueText('average_rating', 5)).toBe('5.0')
    expect(tileValueText('service_gmv', 123_450)).toBe('¥1,234.50')
  })

  it('show a dash without data, in every unit', () => {
    for (const m of COCKPIT_METRICS) {
      expect(tileValueText(m, null)).toBe('—')
      expect(tileValueText(m, undefined)).toBe('—')
      expect(tileValueText(m, Number.NaN)).toBe('—')
    }
  })

  it('follow the language', () => {
    i18n.global.locale.value = 'en'
    expect(tileValueText('first_response', 65)).toBe('1 min 5 s')
  })

  it('reuse the KPI page’s definitions where it has them', () => {
    expect(tipKey('first_response')).toBe('kpi.tips.first_response_avg_s')
    expect(tipKey('service_gmv')).toBe('kpi.tips.converted_fen')
    expect(tipKey('received')).toBe('kpi.tips.received')
    expect(tipKey('waiting')).toBe('cockpit.tips.waiting')
    expect(tipKey('robot_resolution_rate')).toBe('cockpit.tips.robot_resolution_rate')
  })
})

describe('comparisons', () => {
  it('are green when better and red when worse, by the metric’s direction', () => {
    const rate = tile('quick_reply_rate', 0.9, 0.75, 0.93, true)
    expect(compare(rate, 'yesterday')).toMatchObject({ direction: 'up', tone: 'better', text: '较昨日 ↑20%' })
    expect(compare(rate, 'last_week')).toMatchObject({ direction: 'down', tone: 'worse', text: '较上周同日 ↓3.2%' })
    const wait = tile('first_response', 40, 20, 50, false)
    expect(compare(wait, 'yesterday')).toMatchObject({ direction: 'up', tone: 'worse', text: '较昨日 ↑100%' })
    expect(compare(wait, 'last_week')).toMatchObject({ direction: 'down', tone: 'better', text: '较上周同日 ↓20%' })
  })

  it('are grey for volumes', () => {
    const received = tile('received', 112, 100, 140, null)
    expect(compare(received, 'yesterday')).toMatchObject({ tone: 'neutral', direction: 'up', text: '较昨日 ↑12%' })
    expect(compare(tile('served', 3, 4, 4), 'last_week')).toMatchObject({ tone: 'neutral', direction: 'down', text: '较上周同日 ↓25%' })
  })

  it('say no change when equal or within rounding, and a dash with nothing to compare', () => {
    expect(compare(tile('received', 5, 5, 0), 'yesterday')).toMatchObject({ direction: 'flat', tone: 'neutral', text: '较昨日 持平', change: 0 })
    expect(compare(tile('received', 0, 0, 0), 'last_week')).toMatchObject({ direction: 'flat', text: '较上周同日 持平' })
    expect(compare(tile('received', 10_001, 10_000, null), 'yesterday')).toMatchObject({ direction: 'flat' })
    expect(compare(tile('received', 10, null, null), 'yesterday')).toMatchObject({ direction: 'none', change: null, text: '较昨日 —' })
    expect(compare(tile('average_rating', null, 4.5, 4.5, true), 'last_week')).toMatchObject({ direction: 'none', tone: 'neutral' })
  })

  it('show only the arrow from nothing', () => {
    const c = compare(tile('complaints', 3, 0, 0, false), 'yesterday')
    expect(c).toMatchObject({ direction: 'up', tone: 'worse', text: '较昨日 ↑' })
    expect(c.change).toBe(Infinity)
  })

  it('round whole from 10 % and to one decimal below', () => {
    expect(changeText(0.124)).toBe('12%')
    expect(changeText(-0.034)).toBe('3.4%')
    expect(changeText(0.1)).toBe('10%')
    expect(changeText(2.5)).toBe('250%')
    expect(changeText(952.4)).toBe('>999%')
  })

  it('name the other day’s figure, in both languages', () => {
    const gmv = tile('service_gmv', 200_000, 150_000, null, true)
    expect(referenceText(gmv, 'yesterday')).toBe('昨日同时段：¥1,500.00')
    expect(referenceText(gmv, 'last_week')).toBe('上周同日同时段：—')
    i18n.global.locale.value = 'en'
    expect(compare(gmv, 'yesterday').text).toBe('vs yesterday ↑33%')
    expect(compare(tile('received', 1, 1, 1), 'last_week').text).toBe('vs last week no change')
  })

  it('are none for the numbers of this minute', () => {
    expect([...LIVE_METRICS].sort()).toEqual(['agents_online', 'serving', 'waiting'])
  })
})

describe('snapshots', () => {
  it('keep the newest, whichever arrives last', () => {
    const older = cockpit(1_000)
    const newer = cockpit(2_000)
    expect(newerCockpit(null, older)).toBe(older)
    expect(newerCockpit(older, newer)).toBe(newer)
    expect(newerCockpit(newer, older)).toBe(newer)
    const again = cockpit(2_000)
    expect(newerCockpit(newer, again)).toBe(again)
  })

  it('read a socket message, and nothing else', () => {
    const c = cockpit(5)
    expect(readCockpit(JSON.stringify(c))).toEqual(c)
    expect(readCockpit('not json')).toBeNull()
    expect(readCockpit('null')).toBeNull()
    expect(readCockpit('{"type":"hello"}')).toBeNull()
    expect(readCockpit('{"tiles":[],"generated_at":"x"}')).toBeNull()
  })

  it('reconnect after a doubling delay, capped, the upper half jittered', () => {
    expect(backoffMs(0, () => 0)).toBe(SOCKET_MIN_BACKOFF_MS / 2)
    expect(backoffMs(0, () => 1)).toBe(SOCKET_MIN_BACKOFF_MS)
    expect(backoffMs(3, () => 1)).toBe(8_000)
    expect(backoffMs(3, () => 0)).toBe(4_000)
    expect(backoffMs(20, () => 1)).toBe(SOCKET_MAX_BACKOFF_MS)
    expect(backoffMs(20, () => 0)).toBe(SOCKET_MAX_BACKOFF_MS / 2)
    expect(backoffMs(-1, () => 1)).toBe(SOCKET_MIN_BACKOFF_MS)
  })
})

describe('alerts', () => {
  it('leave out those acknowledged here', () => {
    const list = [alert({ id: 'a' }), alert({ id: 'b' })]
    expect(openAlerts(list, new Set(['a'])).map((a) => a.id)).toEqual(['b'])
    expect(openAlerts(list, new Set())).toHaveLength(2)
  })

  it('put people waiting now first, then the newest', () => {
    const list = [
      alert({ id: 'old-surge', kind: 'surge', created_at: 100 }),
      alert({ id: 'new-surge', kind: 'surge', created_at: 300 }),
      alert({ id: 'queue', kind: 'queue', subject: 'queue', created_at: 50 }),
      alert({ id: 'slow', kind: 'first_response', subject: 'first_response', created_at: 200 }),
    ]
    expect(sortAlerts(list).map((a) => a.id)).toEqual(['slow', 'queue', 'new-surge', 'old-surge'])
  })

  it('name their subject', () => {
    expect(alertSubjectText(alert())).toBe('商品：保温杯')
    expect(alertSubjectText(alert({ subject: 'product:P-9', label: '' }))).toBe('商品：P-9')
    expect(alertSubjectText(alert({ subject: 'tag:complaint', label: '投诉' }))).toBe('标签：投诉')
    // The shop's own tags are named by the tags the workbench uses.
    expect(alertSubjectText(alert({ subject: 'tag:vip', label: 'vip' }), () => '大客户')).toBe('标签：大客户')
    expect(alertSubjectText(alert({ subject: 'issue_type:refund', label: 'refund' }))).toBe('问题类型：refund')
    expect(alertSubjectText(alert({ kind: 'queue', subject: 'queue', label: '' }))).toBe('')
    i18n.global.locale.value = 'en'
    expect(alertSubjectText(alert())).toBe('Product: 保温杯')
  })

  it('say what was seen against what was expected, in the kind’s unit', () => {
    expect(alertFiguresText(alert())).toBe('近 1 小时 12 个会话，通常约 3 个')
    expect(alertFiguresText({ kind: 'queue', observed: 25, expected: 20 })).toBe('25 位买家排队，上限 20 位')
    expect(alertFiguresText({ kind: 'first_response', observed: 95, expected: 30 })).toBe('近 15 分钟平均首响 1 分 35 秒，预警线 30 秒')
    expect(alertFiguresText({ kind: 'robot_transfer', observed: 9, expected: 2.46 })).toBe('近 1 小时机器人转人工 9 次，通常约 2.5 次')
    i18n.global.locale.value = 'en'
    expect(alertFiguresText({ kind: 'queue', observed: 25, expected: 20 })).toBe('25 buyers waiting, the limit is 20')
  })

  it('list their sample conversations', () => {
    expect(alertSamples(alert())).toEqual(['c-1', 'c-2'])
    expect(alertSamples(alert({ evidence: {} }))).toEqual([])
    // The evidence is whatever the server kept: read it warily.
    const odd = (conversations: unknown) => alert({ evidence: { conversations } as Alert['evidence'] })
    expect(alertSamples(odd('c-1'))).toEqual([])
    expect(alertSamples(odd(['c-1', 3, '', null]))).toEqual(['c-1'])
  })
})

describe('alert rules', () => {
  const rules: AlertRules = { sensitivity: 'normal', min_count: 5, queue_limit: 20, first_response_s: 0, robot_transfer: true }

  it('take what the server takes', () => {
    expect(alertRulesProblem(rules)).toBeNull()
    expect(alertRulesProblem({ ...rules, min_count: 10_000, queue_limit: 100_000, first_response_s: 86_400 })).toBeNull()
  })

  it('name the first the server would refuse', () => {
    expect(alertRulesProblem({ ...rules, min_count: 0 })).toBe('min_count')
    expect(alertRulesProblem({ ...rules, min_count: 10_001 })).toBe('min_count')
    expect(alertRulesProblem({ ...rules, min_count: 2.5 })).toBe('min_count')
    expect(alertRulesProblem({ ...rules, min_count: null as unknown as number })).toBe('min_count')
    expect(alertRulesProblem({ ...rules, queue_limit: 0 })).toBe('queue_limit')
    expect(alertRulesProblem({ ...rules, first_response_s: -1 })).toBe('first_response_s')
    expect(alertRulesProblem({ ...rules, first_response_s: 86_401 })).toBe('first_response_s')
  })
})

describe('the heatmap', () => {
  it('has a point for every hour of every weekday, Monday 00:00 first', () => {
    const cells = week([{ weekday: 2, hour: 14, received: 50, per_week: 12.54, agents_online: 2.04 }]).reverse()
    const { data, max } = heatmapSeries(cells, 'per_week')
    expect(data).toHaveLength(168)
    expect(data[0]).toEqual([0, 0, 0])
    expect(data[167]).toEqual([23, 6, 0])
    expect(data[2 * 24 + 14]).toEqual([14, 2, 12.5])
    expect(max).toBe(13)
    expect(heatmapSeries(cells, 'agents_online').data[2 * 24 + 14]).toEqual([14, 2, 2])
  })

  it('keeps a scale when it is empty', () => {
    expect(heatmapSeries(week(), 'per_week').max).toBe(1)
    expect(heatmapSeries([], 'per_week')).toEqual({ data: [], max: 1 })
  })

  it('draws hours across and weekdays down, Monday at the top', () => {
    const weekdays = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']
    const option = heatmapOption(week([{ weekday: 0, hour: 9, received: 8, per_week: 2 }]), 'per_week', {
      weekdays,
      name: '每周进线',
      tooltip: (c) => cellText(c),
      colours: ['#fff', '#00f'],
    })
    const x = option.xAxis as { data: string[] }
    const y = option.yAxis as { data: string[]; inverse: boolean }
    expect(x.data).toHaveLength(24)
    expect(x.data[0]).toBe('0')
    expect(y.data).toEqual(weekdays)
    expect(y.inverse).toBe(true)
    expect(option.visualMap).toMatchObject({ min: 0, max: 2, inRange: { color: ['#fff', '#00f'] } })
    const series = option.series as { type: string; name: string; data: unknown[] }[]
    expect(series[0]).toMatchObject({ type: 'heatmap', name: '每周进线' })
    expect(series[0].data).toHaveLength(168)
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    expect(formatter({ value: [9, 0, 2] })).toBe('周一 09:00–10:00')
  })

  it('names a cell', () => {
    expect(cellText({ weekday: 2, hour: 14 })).toBe('周三 14:00–15:00')
    expect(cellText({ weekday: 6, hour: 23 })).toBe('周日 23:00–00:00')
    i18n.global.locale.value = 'en'
    expect(cellText({ weekday: 0, hour: 9 })).toBe('Mon 09:00–10:00')
  })

  it('finds the hours that most need people: nobody online first, then the heaviest load', () => {
    const cells = week([
      { weekday: 0, hour: 10, received: 40, per_week: 10, agents_online: 2, load_per_agent: 5 },
      { weekday: 1, hour: 10, received: 80, per_week: 20, agents_online: 2, load_per_agent: 10 },
      { weekday: 2, hour: 3, received: 4, per_week: 1, agents_online: 0, load_per_agent: null },
      { weekday: 3, hour: 22, received: 12, per_week: 3, agents_online: 0, load_per_agent: null },
      { weekday: 4, hour: 10, received: 20, per_week: 5, agents_online: 5, load_per_agent: 1 },
      { weekday: 5, hour: 10, received: 24, per_week: 6, agents_online: 1, load_per_agent: 6 },
      { weekday: 6, hour: 10, received: 28, per_week: 7, agents_online: 1, load_per_agent: 7 },
      // Agents online but nobody came: no need.
      { weekday: 6, hour: 11, received: 0, per_week: 0, agents_online: 3, load_per_agent: 0 },
    ])
    const worst = worstCells(cells)
    expect(worst.map((c) => [c.weekday, c.hour])).toEqual([
      [3, 22],
      [2, 3],
      [1, 10],
      [6, 10],
      [5, 10],
    ])
    expect(worst.slice(0, 2).every(unstaffed)).toBe(true)
    expect(worstCells(cells, 2)).toHaveLength(2)
    expect(worstCells(week())).toEqual([])
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name and define every metric, alert, sensitivity and weekday in both languages', () => {
    const keys = [
      ...COCKPIT_METRICS.flatMap((m) => [`cockpit.metrics.${m}`, tipKey(m)]),
      ...ALERT_KINDS.flatMap((k) => [`cockpit.alert.kinds.${k}`, `cockpit.alert.figures.${k}`]),
      ...['product', 'tag', 'issue_type'].map((s) => `cockpit.alert.subjects.${s}`),
      ...SENSITIVITIES.flatMap((s) => [`cockpit.rules.sensitivities.${s}`, `cockpit.rules.sensitivityTips.${s}`]),
      ...['min_count', 'queue_limit', 'first_response_s'].map((p) => `cockpit.rules.problems.${p}`),
      ...[0, 1, 2, 3, 4, 5, 6].map((d) => `cockpit.weekdays.${d}`),
      ...['overview', 'heatmap', 'funnel', 'alerts', 'rules'].map((x) => `cockpit.tabs.${x}`),
      ...['live', 'connecting', 'reconnecting', 'tip'].map((x) => `cockpit.live.${x}`),
      ...['yesterday', 'last_week', 'flat', 'yesterdayWas', 'last_weekWas', 'live'].map((x) => `cockpit.compare.${x}`),
      'nav.cockpit',
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
    expect(HEATMAP_WEEKS).toEqual([1, 2, 4, 8, 12])
  })
})
