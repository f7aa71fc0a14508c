// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { MAX_QUESTION_WEEKS, PROBLEM_STATUSES, TRENDS } from '../../api'
import type { BeforeAfter, ProblemView, ProductAsked, TopicLine, TopicsReport, WeekCount } from '../../api'
import {
  ALL_PRODUCTS,
  DEFAULT_QUESTION_WEEKS,
  NO_PRODUCT,
  PROBLEM_FILTERS,
  QUESTION_WEEKS,
  beforeAfterView,
  defaultProblemProduct,
  keepProblem,
  mayChangeProblem,
  mondayOf,
  patchTopic,
  percentText,
  problemChartOption,
  problemProduct,
  problemQuery,
  problemShown,
  productLabel,
  productParam,
  productsWith,
  rateChange,
  topicChartOption,
  trendTone,
  weekAskers,
  weekBars,
  weekLabel,
  weekRate,
} from './questions'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const ID = '0b7c2f4e-3a7d-4c59-9a43-1f3e2d5c6b7a'
const OWNER = '5d1f8a2b-6c3e-4f7a-8b9c-0d1e2f3a4b5c'

function week(monday: string, asked: number, total: number): WeekCount {
  return { week: monday, asked, total }
}

function topic(weeks: WeekCount[], over: Partial<TopicLine> = {}): TopicLine {
  return {
    id: ID,
    label: '奶粉怎么冲',
    keywords: ['奶粉', '冲泡'],
    first_week: weeks[0]?.week ?? '2026-11-02',
    weeks,
    count: weeks[weeks.length - 1]?.asked ?? 0,
    previous: weeks[weeks.length - 2]?.asked ?? 0,
    trend: 'steady',
    proposal_id: null,
    open_problems: 0,
    ...over,
  }
}

function problem(over: Partial<ProblemView> = {}): ProblemView {
  return {
    id: ID,
    topic_id: ID,
    topic_label: '奶粉怎么冲',
    product_code: 'MILK-900',
    product_title: '示例奶粉 900g',
    owner_id: OWNER,
    owner_name: '王经理',
    note: '',
    status: 'open',
    fixed_on: null,
    created_by: OWNER,
    created_at: 0,
    updated_at: 0,
    weeks: [],
    before_after: null,
    ...over,
  }
}

function fix(before: number | null, after: number | null, over: Partial<BeforeAfter> = {}): BeforeAfter {
  const change = before != null && after != null && before > 0 ? after / before - 1 : null
  return { fixed_on: '2026-11-18', before, after, change, weeks_before: 4, weeks_after: 4, ...over }
}

describe('the filters', () => {
  it('offer 4, 8, 12 and 26 weeks, 8 at first', () => {
    expect(QUESTION_WEEKS).toEqual([4, 8, 12, 26])
    expect(QUESTION_WEEKS).toContain(DEFAULT_QUESTION_WEEKS)
    expect(Math.max(...QUESTION_WEEKS)).toBeLessThanOrEqual(MAX_QUESTION_WEEKS)
  })

  it('ask for all products, none, or one', () => {
    expect(productParam(ALL_PRODUCTS)).toBeNull()
    expect(productParam(NO_PRODUCT)).toBe('')
    expect(productParam('MILK-900')).toBe('MILK-900')
  })

  it('send a problem about one product or none', () => {
    expect(problemProduct('MILK-900')).toBe('MILK-900')
    expect(problemProduct(NO_PRODUCT)).toBeNull()
    expect(problemProduct(ALL_PRODUCTS)).toBeNull()
  })

  it('never take a product code for all or none: codes hold no spaces', () => {
    expect(ALL_PRODUCTS).toContain(' ')
    expect(NO_PRODUCT).toContain(' ')
  })

  it('name a product by its title, else its code, and none as such', () => {
    expect(productLabel({ code: 'MILK-900', title: '示例奶粉 900g', asked: 12 })).toBe('示例奶粉 900g（12）')
    expect(productLabel({ code: 'MILK-900', title: null, asked: 3 }, false)).toBe('MILK-900')
    expect(productLabel({ code: '', asked: 5 })).toBe('无商品（5）')
    i18n.global.locale.value = 'en'
    expect(productLabel({ code: 'MILK-900', title: 'Formula 900g', asked: 12 })).toBe('Formula 900g (12)')
  })
})

describe('a new problem’s product', () => {
  const products: ProductAsked[] = [
    { code: '', asked: 30 },
    { code: 'MILK-900', title: '示例奶粉 900g', asked: 12 },
    { code: 'BOTTLE', title: '奶瓶', asked: 4 },
  ]

  it('is the page’s product when it shows one', () => {
    expect(defaultProblemProduct('BOTTLE', products)).toBe('BOTTLE')
  })

  it('is none when the page shows the conversations about none', () => {
    expect(defaultProblemProduct('', products)).toBeNull()
  })

  it('is else the one the topic was asked about most, never "none"', () => {
    expect(defaultProblemProduct(null, products)).toBe('MILK-900')
    expect(defaultProblemProduct(null, [{ code: '', asked: 3 }])).toBeNull()
    expect(defaultProblemProduct(null, [])).toBeNull()
  })

  it('is chosen among the products asked about, and the chosen one if it is not among them', () => {
    expect(productsWith(products, 'MILK-900').map((p) => p.code)).toEqual(['MILK-900', 'BOTTLE'])
    expect(productsWith(products, 'TEA').map((p) => p.code)).toEqual(['TEA', 'MILK-900', 'BOTTLE'])
    expect(productsWith(products, null).map((p) => p.code)).toEqual(['MILK-900', 'BOTTLE'])
  })
})

describe('rates', () => {
  it('are a topic’s share of the week’s askers, none when nobody asked', () => {
    expect(weekRate(week('2026-11-02', 3, 12))).toBe(0.25)
    expect(weekRate(week('2026-11-02', 0, 0))).toBeNull()
  })

  it('read to one decimal', () => {
    expect(percentText(0.3)).toBe('30.0%')
    expect(percentText(0.08)).toBe('8.0%')
    expect(percentText(0.12345)).toBe('12.3%')
    expect(percentText(null)).toBe('—')
    expect(percentText(Number.NaN)).toBe('—')
  })

  it('count this week’s askers from the topics’ latest weeks', () => {
    const report: TopicsReport = {
      weeks: ['2026-11-02', '2026-11-09'],
      asked: 90,
      topics: [topic([week('2026-11-02', 2, 40), week('2026-11-09', 5, 50)]), topic([week('2026-11-02', 1, 40), week('2026-11-09', 1, 50)])],
      products: [],
    }
    expect(weekAskers(report)).toBe(50)
    expect(weekAskers({ ...report, topics: [] })).toBeNull()
  })
})

describe('rateChange', () => {
  it('compares this week’s share with last week’s', () => {
    expect(rateChange(topic([week('2026-11-02', 10, 100), week('2026-11-09', 15, 100)]))).toEqual({ direction: 'up', text: '↑50%' })
    expect(rateChange(topic([week('2026-11-02', 10, 100), week('2026-11-09', 8, 100)]))).toEqual({ direction: 'down', text: '↓20%' })
  })

  it('is fair to a week under way: fewer asked of fewer askers is no fall', () => {
    expect(rateChange(topic([week('2026-11-02', 10, 100), week('2026-11-09', 3, 30)]))).toEqual({ direction: 'flat', text: '持平' })
  })

  it('rises from nothing without a percentage', () => {
    expect(rateChange(topic([week('2026-11-02', 0, 100), week('2026-11-09', 4, 20)]))).toEqual({ direction: 'up', text: '↑' })
    expect(rateChange(topic([week('2026-11-02', 0, 100), week('2026-11-09', 0, 20)])).direction).toBe('flat')
  })

  it('has nothing to say without two weeks of askers', () => {
    expect(rateChange(topic([week('2026-11-09', 4, 20)])).text).toBe('—')
    expect(rateChange(topic([week('2026-11-02', 0, 0), week('2026-11-09', 4, 20)])).text).toBe('—')
  })
})

describe('trends', () => {
  it('make new and rising topics stand out, falling ones good news', () => {
    expect(trendTone('new')).toBe('hot')
    expect(trendTone('rising')).toBe('hot')
    expect(trendTone('falling')).toBe('cool')
    expect(trendTone('steady')).toBe('flat')
  })
})

describe('weekBars', () => {
  it('scale each week’s share to the row’s highest, the latest marked', () => {
    const bars = weekBars([week('2026-11-02', 1, 10), week('2026-11-09', 4, 20), week('2026-11-16', 0, 0), week('2026-11-23', 1, 100)])
    expect(bars.map((b) => b.height)).toEqual([0.5, 1, 0, 0.06])
    expect(bars.map((b) => b.latest)).toEqual([false, false, false, true])
    expect(bars[1].title).toBe('11-09 这周：20.0%（4/20）')
  })

  it('are flat when nobody asked', () => {
    expect(weekBars([week('2026-11-02', 0, 10), week('2026-11-09', 0, 0)]).map((b) => b.height)).toEqual([0, 0])
    expect(weekBars([])).toEqual([])
  })
})

describe('weeks', () => {
  it('are named by their Monday', () => {
    expect(weekLabel('2026-11-02')).toBe('11-02')
  })

  it('begin on Monday', () => {
    expect(mondayOf('2026-11-18')).toBe('2026-11-16') // a Wednesday
    expect(mondayOf('2026-11-16')).toBe('2026-11-16')
    expect(mondayOf('2026-11-22')).toBe('2026-11-16') // a Sunday
    expect(mondayOf('2027-01-01')).toBe('2026-12-28')
  })
})

describe('patchTopic', () => {
  it('changes the one line', () => {
    const other = topic([], { id: OWNER })
    const list = patchTopic([topic([]), other], ID, { proposal_id: OWNER, open_problems: 1 })
    expect(list[0].proposal_id).toBe(OWNER)
    expect(list[0].open_problems).toBe(1)
    expect(list[1]).toBe(other)
  })
})

describe('problems', () => {
  it('are named in the address by their id', () => {
    expect(problemQuery({ tab: 'problems', problem: ID })).toBe(ID)
    expect(problemQuery({ problem: [ID] })).toBe(ID)
    expect(problemQuery({ problem: 'nope' })).toBeNull()
    expect(problemQuery({})).toBeNull()
  })

  it('are changed by their owner or whoever reads reports', () => {
    expect(mayChangeProblem(problem(), OWNER, false)).toBe(true)
    expect(mayChangeProblem(problem(), ID, false)).toBe(false)
    expect(mayChangeProblem(problem(), ID, true)).toBe(true)
    expect(mayChangeProblem(problem(), null, false)).toBe(false)
  })

  it('are kept in their place, or first when new', () => {
    const a = problem()
    const b = problem({ id: OWNER })
    const fixed = problem({ status: 'fixed', fixed_on: '2026-11-18' })
    expect(keepProblem([a, b], fixed)).toEqual([fixed, b])
    expect(keepProblem([b], a)).toEqual([a, b])
  })

  it('are listed by status, or all', () => {
    expect(PROBLEM_FILTERS).toEqual(['all', ...PROBLEM_STATUSES])
    expect(problemShown(problem(), 'all')).toBe(true)
    expect(problemShown(problem(), 'open')).toBe(true)
    expect(problemShown(problem(), 'fixed')).toBe(false)
  })
})

describe('beforeAfterView', () => {
  it('reads a fall as good news', () => {
    const v = beforeAfterView(fix(0.3, 0.08))
    expect(v.text).toBe('修复前 30.0% → 修复后 8.0%，下降 73%')
    expect(v.tone).toBe('better')
    expect(v.hint).toContain('4')
  })

  it('reads a rise as bad news', () => {
    const v = beforeAfterView(fix(0.1, 0.12))
    expect(v.text).toBe('修复前 10.0% → 修复后 12.0%，上升 20%')
    expect(v.tone).toBe('worse')
  })

  it('holds still', () => {
    expect(beforeAfterView(fix(0.1, 0.1)).text).toBe('修复前 10.0% → 修复后 10.0%，持平')
  })

  it('waits for a week after the fix', () => {
    const v = beforeAfterView(fix(0.3, null, { weeks_after: 0 }))
    expect(v.text).toBe('修复前 30.0% → 修复后的数据还在积累')
    expect(v.tone).toBe('neutral')
  })

  it('compares nothing with nothing', () => {
    expect(beforeAfterView(fix(null, 0.05)).text).toBe('修复前 — → 修复后 5.0%')
    expect(beforeAfterView(fix(0, 0.05)).tone).toBe('neutral')
  })

  it('reads in English too', () => {
    i18n.global.locale.value = 'en'
    expect(beforeAfterView(fix(0.3, 0.08)).text).toBe('Before the fix 30.0% → after 8.0%, down 73%')
  })
})

describe('charts', () => {
  const weeks = [week('2026-11-02', 3, 10), week('2026-11-09', 0, 0), week('2026-11-16', 2, 40), week('2026-11-23', 1, 50)]

  it('show a topic’s askers as bars and their share as a line, a week without askers a gap', () => {
    const option = topicChartOption(weeks, { asked: '提问会话', rate: '占比' })
    expect(option.xAxis).toMatchObject({ data: ['11-02', '11-09', '11-16', '11-23'] })
    const series = option.series as { type: string; name: string; data: (number | null)[] }[]
    expect(series.map((s) => [s.type, s.name])).toEqual([
      ['bar', '提问会话'],
      ['line', '占比'],
    ])
    expect(series[0].data).toEqual([3, 0, 2, 1])
    expect(series[1].data).toEqual([30, null, 5, 2])
  })

  it('mark the week a problem’s fix went out', () => {
    const option = problemChartOption(weeks, '2026-11-18', { rate: '占比', fix: '修复 11-18' })
    const [line] = option.series as { data: (number | null)[]; markLine?: { data: { xAxis: string }[]; label: { formatter: string } } }[]
    expect(line.data).toEqual([30, null, 5, 2])
    expect(line.markLine?.data).toEqual([{ xAxis: '11-16' }])
    expect(line.markLine?.label.formatter).toBe('修复 11-18')
  })

  it('mark nothing while open, or when the fix is outside the weeks', () => {
    const open = problemChartOption(weeks, null, { rate: '占比', fix: '' })
    expect((open.series as { markLine?: unknown }[])[0].markLine).toBeUndefined()
    const outside = problemChartOption(weeks, '2026-12-20', { rate: '占比', fix: '' })
    expect((outside.series as { markLine?: unknown }[])[0].markLine).toBeUndefined()
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name every trend, tab, filter and status in both languages', () => {
    const keys = [
      ...TRENDS.flatMap((x) => [`questions.trend.${x}`, `questions.trendHint.${x}`]),
      ...PROBLEM_STATUSES.map((s) => `questions.problems.status.${s}`),
      ...PROBLEM_FILTERS.map((f) => `questions.problems.filters.${f}`),
      'questions.tabs.topics',
      'questions.tabs.problems',
      'nav.questions',
      'notice.problem',
      'notice.openProblem',
      'errors.topic_not_found',
      'errors.problem_not_found',
      'errors.invalid_problem',
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })
})
