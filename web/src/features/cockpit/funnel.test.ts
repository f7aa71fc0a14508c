// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { ENTRIES } from '../../api'
import type { ConversationSummary, Funnel, FunnelLine, FunnelReport } from '../../api'
import {
  FUNNEL_GROUPS,
  FUNNEL_STEPS,
  askedAttributed,
  droppedProduct,
  entryName,
  funnelOption,
  funnelRows,
  funnelSteps,
  hasFunnel,
  overallRate,
  productNames,
  sortFunnelRows,
  stepRate,
} from './funnel'
import type { FunnelRow, StepLine } from './funnel'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const funnel = (asked: number, served: number, ordered: number, paid: number): Funnel => ({ asked, served, ordered, paid })
const line = (key: string, name: string, f: Funnel): FunnelLine => ({ key, name, funnel: f })

function report(over: Partial<FunnelReport> = {}): FunnelReport {
  return {
    from: '2026-05-14',
    to: '2026-05-20',
    shop: funnel(40, 30, 12, 9),
    teams: [line('pre_sales', '售前', funnel(0, 20, 10, 8)), line('after_sales', '售后', funnel(0, 10, 2, 1))],
    agents: [
      line('u-1', '售前·小雨', funnel(0, 12, 6, 6)),
      line('u-2', '售前·阿杰', funnel(0, 8, 4, 2)),
      line('u-3', '售后·小林', funnel(0, 10, 0, 0)),
    ],
    products: [line('TEA-0001', '明前龙井 250g', funnel(25, 20, 9, 7)), line('TEA-0002', 'TEA-0002', funnel(15, 10, 3, 2))],
    entries: [line('', '', funnel(4, 2, 0, 0)), line('order_card', 'order_card', funnel(16, 12, 2, 2)), line('product_page', 'product_page', funnel(20, 16, 10, 7))],
    ...over,
  }
}

function row(key: string, name: string, over: Partial<FunnelRow> = {}): FunnelRow {
  return { key, name, asked: 0, served: 0, ordered: 0, paid: 0, orderRate: null, payRate: null, ...over }
}

describe('steps and rates', () => {
  it('divide one step by the one before, with nothing to convert read as no rate', () => {
    expect(stepRate(1, 4)).toBe(0.25)
    expect(stepRate(0, 4)).toBe(0)
    expect(stepRate(3, 0)).toBeNull()
    expect(stepRate(0, 0)).toBeNull()
    expect(stepRate(Number.NaN, 4)).toBeNull()
  })

  it('walk 咨询 → 客服接待 → 下单 → 付款, each with its rate from the step before', () => {
    expect(FUNNEL_STEPS).toEqual(['asked', 'served', 'ordered', 'paid'])
    expect(funnelSteps(funnel(40, 30, 12, 9))).toEqual<StepLine[]>([
      { step: 'asked', value: 40, rate: null },
      { step: 'served', value: 30, rate: 0.75 },
      { step: 'ordered', value: 12, rate: 0.4 },
      { step: 'paid', value: 9, rate: 0.75 },
    ])
    // Nobody ordered: no payment rate, not 0 %.
    expect(funnelSteps(funnel(5, 2, 0, 0)).map((s) => s.rate)).toEqual([null, 0.4, 0, null])
    expect(overallRate(funnel(40, 30, 12, 9))).toBe(0.225)
    expect(overallRate(funnel(0, 3, 1, 1))).toBeNull()
  })

  it('tell an empty funnel', () => {
    expect(hasFunnel(funnel(0, 0, 0, 0))).toBe(false)
    expect(hasFunnel(funnel(0, 0, 0, 1))).toBe(true)
  })
})

describe('the table', () => {
  it('lists a group in the server order with its counts and rates', () => {
    expect(FUNNEL_GROUPS).toEqual(['team', 'agent', 'product', 'entry'])
    const teams = funnelRows(report(), 'team')
    expect(teams.map((r) => r.key)).toEqual(['pre_sales', 'after_sales'])
    expect(teams[0]).toEqual({ key: 'pre_sales', name: '售前', asked: 0, served: 20, ordered: 10, paid: 8, orderRate: 0.5, payRate: 0.8 })
    const agents = funnelRows(report(), 'agent')
    expect(agents.map((r) => r.name)).toEqual(['售前·小雨', '售前·阿杰', '售后·小林'])
    expect(agents[2]).toMatchObject({ orderRate: 0, payRate: null })
    expect(funnelRows(report(), 'product')[0]).toMatchObject({ key: 'TEA-0001', name: '明前龙井 250g', asked: 25 })
    expect(funnelRows(report({ teams: [] }), 'team')).toEqual([])
  })

  it('names the entries as the UI does, none as 无入口, in either language', () => {
    expect(funnelRows(report(), 'entry').map((r) => [r.key, r.name])).toEqual([
      ['', '无入口'],
      ['order_card', '订单卡片'],
      ['product_page', '商品详情页'],
    ])
    expect(entryName('live_room')).toBe('直播间')
    expect(entryName('somewhere_new', 'Somewhere')).toBe('Somewhere')
    i18n.global.locale.value = 'en'
    expect(entryName('product_page')).toBe('Product page')
    expect(entryName('')).toBe('No entry')
  })

  it('counts askings for products and entries only: buyers ask before an agent serves them', () => {
    expect(FUNNEL_GROUPS.filter(askedAttributed)).toEqual(['product', 'entry'])
  })

  it('sorts by any column, those without a rate last either way, ties by name', () => {
    const rows = [
      row('a', 'Bo', { served: 8, ordered: 4, orderRate: 0.5, payRate: null }),
      row('b', 'Al', { served: 8, ordered: 2, orderRate: 0.25, payRate: 1 }),
      row('c', 'Cy', { served: 0, orderRate: null, payRate: null }),
      row('d', 'Di', { served: 12, ordered: 6, orderRate: 0.5, payRate: 0.5 }),
    ]
    const keys = (list: FunnelRow[]) => list.map((r) => r.key)
    expect(keys(sortFunnelRows(rows, null, null))).toEqual(['a', 'b', 'c', 'd'])
    expect(keys(sortFunnelRows(rows, 'served', null))).toEqual(['a', 'b', 'c', 'd'])
    expect(keys(sortFunnelRows(rows, 'served', 'descending'))).toEqual(['d', 'b', 'a', 'c'])
    expect(keys(sortFunnelRows(rows, 'served', 'ascending'))).toEqual(['c', 'b', 'a', 'd'])
    expect(keys(sortFunnelRows(rows, 'orderRate', 'descending'))).toEqual(['a', 'd', 'b', 'c'])
    expect(keys(sortFunnelRows(rows, 'orderRate', 'ascending'))).toEqual(['b', 'a', 'd', 'c'])
    expect(keys(sortFunnelRows(rows, 'payRate', 'ascending'))).toEqual(['d', 'b', 'a', 'c'])
    expect(keys(sortFunnelRows(rows, 'payRate', 'descending'))).toEqual(['b', 'd', 'a', 'c'])
    expect(keys(sortFunnelRows(rows, 'name', 'ascending'))).toEqual(['b', 'a', 'c', 'd'])
    expect(keys(sortFunnelRows(rows, 'name', 'descending'))).toEqual(['d', 'c', 'a', 'b'])
    // The input is left as it was.
    expect(keys(rows)).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('the buyers to follow up', () => {
  const summary = (context: ConversationSummary['context']) => ({ context }) as Pick<ConversationSummary, 'context'>

  it('name the product a buyer came about, by its code when the funnel does not name it', () => {
    const names = productNames(report())
    expect([...names]).toEqual([['TEA-0001', '明前龙井 250g']])
    expect(droppedProduct(summary({ product_code: 'TEA-0001' }), names)).toBe('明前龙井 250g')
    expect(droppedProduct(summary({ product_code: 'TEA-0009' }), names)).toBe('TEA-0009')
    expect(droppedProduct(summary({ order_no: 'T2026' }), names)).toBe('订单 T2026')
    expect(droppedProduct(summary({}), productNames(null))).toBe('—')
    i18n.global.locale.value = 'en'
    expect(droppedProduct(summary({ order_no: 'T2026' }), names)).toBe('Order T2026')
  })
})

describe('the chart', () => {
  it('draws the four steps top to bottom, as they are, in their colours', () => {
    const option = funnelOption(funnel(40, 30, 12, 9), {
      step: (s) => i18n.global.t(`cockpit.funnel.steps.${s}`),
      name: '转化漏斗',
      tooltip: (l) => `${l.step}:${l.value}:${l.rate ?? '-'}`,
      colours: ['#a', '#b', '#c', '#d'],
    })
    const series = option.series as { type: string; sort: string; name: string; max: number; min: number; data: { name: string; value: number; itemStyle: { color: string } }[] }[]
    expect(series[0]).toMatchObject({ type: 'funnel', sort: 'none', name: '转化漏斗', min: 0, max: 40 })
    expect(series[0].data.map((d) => [d.name, d.value, d.itemStyle.color])).toEqual([
      ['咨询', 40, '#a'],
      ['客服接待', 30, '#b'],
      ['下单', 12, '#c'],
      ['付款', 9, '#d'],
    ])
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter
    expect(formatter({ dataIndex: 2 })).toBe('ordered:12:0.4')
    expect(formatter({ dataIndex: 9 })).toBe('')
  })

  it('keeps a scale when nothing came', () => {
    const option = funnelOption(funnel(0, 0, 0, 0), { step: (s) => s, name: '', tooltip: () => '', colours: ['#a'] })
    const series = option.series as { max: number; data: { itemStyle: { color: string } }[] }[]
    expect(series[0].max).toBe(1)
    expect(series[0].data.every((d) => d.itemStyle.color === '#a')).toBe(true)
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name every step, rate, grouping and entry in both languages', () => {
    const keys = [
      ...FUNNEL_STEPS.flatMap((s) => [`cockpit.funnel.steps.${s}`, `cockpit.funnel.stepTips.${s}`]),
      ...['served', 'ordered', 'paid', 'overall'].flatMap((r) => [`cockpit.funnel.rates.${r}`, `cockpit.funnel.rateTips.${r}`]),
      ...FUNNEL_GROUPS.flatMap((g) => [`cockpit.funnel.by.${g}`, `cockpit.funnel.columns.${g}`]),
      ...['orderRate', 'payRate'].map((c) => `cockpit.funnel.columns.${c}`),
      ...ENTRIES.map((e) => `entry.${e}`),
      ...['title', 'hint', 'count', 'empty', 'buyer', 'channel', 'entry', 'product', 'order', 'lastMessage', 'open', 'openTitle'].map((k) => `cockpit.funnel.dropped.${k}`),
      'cockpit.tabs.funnel',
      'cockpit.funnel.noEntry',
      'nav.data',
      'nav.reports',
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })
})
