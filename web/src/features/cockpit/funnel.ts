// The after-contact funnel's rules (DATA-4): of the cycles that came with a product or an order,
// 咨询 → 客服接待 → 下单 → 付款 (within 24 hours of the service); each step's rate from the step
// before, the lines by team, agent, product or entry as table rows (entries by their names, the
// askings not attributed to teams and agents), how those rows sort, the funnel chart's option,
// and the product a buyer to follow up came about.

import type { ComposeOption } from 'echarts/core'
import type { FunnelSeriesOption } from 'echarts/charts'
import type { TooltipComponentOption } from 'echarts/components'
import { i18n } from '../../i18n'
import { ENTRIES, oneOf } from '../../api'
import type { ConversationSummary, Funnel, FunnelLine, FunnelReport } from '../../api'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

const NONE = '—'

export const FUNNEL_STEPS = ['asked', 'served', 'ordered', 'paid'] as const
export type FunnelStep = (typeof FUNNEL_STEPS)[number]

/** What the comparison table groups by. */
export const FUNNEL_GROUPS = ['team', 'agent', 'product', 'entry'] as const
export type FunnelGroup = (typeof FUNNEL_GROUPS)[number]

const LINES: Record<FunnelGroup, 'teams' | 'agents' | 'products' | 'entries'> = {
  team: 'teams',
  agent: 'agents',
  product: 'products',
  entry: 'entries',
}

/** A cycle is asked before any agent takes it: the server counts the asking for the shop, its
 *  products and entries, never for a team or an agent (whose 咨询 reads 0). */
export function askedAttributed(group: FunnelGroup): boolean {
  return group === 'product' || group === 'entry'
}

/** `part ÷ whole`, or null when there is nothing to convert (`whole` 0). */
export function stepRate(part: number, whole: number): number | null {
  return whole > 0 && Number.isFinite(part) && Number.isFinite(whole) ? part / whole : null
}

export interface StepLine {
  step: FunnelStep
  value: number
  /** From the step before (served ÷ asked, ordered ÷ served, paid ÷ ordered); null for 咨询 and
   *  when the step before is 0. */
  rate: number | null
}

/** The four steps in order, each with its rate from the one before. */
export function funnelSteps(f: Funnel): StepLine[] {
  return FUNNEL_STEPS.map((step, i) => ({
    step,
    value: f[step] ?? 0,
    rate: i === 0 ? null : stepRate(f[step] ?? 0, f[FUNNEL_STEPS[i - 1]] ?? 0),
  }))
}

/** 咨询 → 付款: paid ÷ asked, or null without askings. */
export function overallRate(f: Funnel): number | null {
  return stepRate(f.paid ?? 0, f.asked ?? 0)
}

/** Whether anything was asked, served, ordered or paid. */
export function hasFunnel(f: Funnel): boolean {
  return FUNNEL_STEPS.some((s) => (f[s] ?? 0) > 0)
}

// ---- the table ----

export interface FunnelRow {
  key: string
  name: string
  asked: number
  served: number
  ordered: number
  paid: number
  /** ordered ÷ served (接待→下单). */
  orderRate: number | null
  /** paid ÷ ordered (下单→付款). */
  payRate: number | null
}

/** An entry's name as the UI has it: `商品详情页`; `无入口` for none. */
export function entryName(key: string, fallback = key): string {
  if (!key) return t('cockpit.funnel.noEntry')
  return oneOf(ENTRIES, key) ? t(`entry.${key}`) : fallback || key
}

function row(line: FunnelLine, group: FunnelGroup): FunnelRow {
  const f = line.funnel
  return {
    key: line.key,
    name: group === 'entry' ? entryName(line.key, line.name) : line.name || line.key,
    asked: f.asked ?? 0,
    served: f.served ?? 0,
    ordered: f.ordered ?? 0,
    paid: f.paid ?? 0,
    orderRate: stepRate(f.ordered ?? 0, f.served ?? 0),
    payRate: stepRate(f.paid ?? 0, f.ordered ?? 0),
  }
}

/** A group's lines as table rows, in the server's order. */
export function funnelRows(report: FunnelReport, group: FunnelGroup): FunnelRow[] {
  return (report[LINES[group]] ?? []).map((line) => row(line, group))
}

export type FunnelSortKey = 'name' | FunnelStep | 'orderRate' | 'payRate'
export type SortOrder = 'ascending' | 'descending'

/** The rows sorted by `key` (none or no order: as they came); rows without a rate last either
 *  way, then by name. */
export function sortFunnelRows(rows: readonly FunnelRow[], key: FunnelSortKey | null, order: SortOrder | null): FunnelRow[] {
  const list = [...rows]
  if (!key || !order) return list
  const sign = order === 'ascending' ? 1 : -1
  const byName = (a: FunnelRow, b: FunnelRow) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key)
  return list.sort((a, b) => {
    if (key === 'name') return byName(a, b) * sign
    const x = a[key]
    const y = b[key]
    if (x == null || y == null) return x == null && y == null ? byName(a, b) : x == null ? 1 : -1
    return (x - y) * sign || byName(a, b)
  })
}

// ---- the buyers to follow up ----

/** The product a conversation came about: its name among the funnel's products, else its code;
 *  an order card's order (`订单 T2026…`) when it names no product; `—` without either. */
export function droppedProduct(c: Pick<ConversationSummary, 'context'>, names: ReadonlyMap<string, string>): string {
  const code = c.context?.product_code
  if (code) return names.get(code) ?? code
  const order = c.context?.order_no
  return order ? t('cockpit.funnel.dropped.order', { no: order }) : NONE
}

/** The funnel's products by code, for naming a buyer's product. */
export function productNames(report: FunnelReport | null): Map<string, string> {
  return new Map((report?.products ?? []).filter((p) => p.name && p.name !== p.key).map((p) => [p.key, p.name]))
}

// ---- the chart ----

export type FunnelChartOption = ComposeOption<FunnelSeriesOption | TooltipComponentOption>

export interface FunnelLabels {
  /** A step's name: `客服接待`. */
  step: (step: FunnelStep) => string
  /** The series' name. */
  name: string
  /** A step as its tooltip reads. */
  tooltip: (line: StepLine) => string
  /** The steps' colours, 咨询 first. */
  colours: readonly string[]
}

/** 咨询 at the top to 付款 at the bottom, each as wide as its count (never narrower than a
 *  quarter, so its label fits: the rates beside the chart say how far each step falls). */
export function funnelOption(f: Funnel, labels: FunnelLabels): FunnelChartOption {
  const lines = funnelSteps(f)
  const max = Math.max(1, ...lines.map((l) => l.value))
  return {
    animation: false,
    tooltip: {
      trigger: 'item',
      formatter: (params) => {
        const index = (Array.isArray(params) ? params[0] : params)?.dataIndex
        const line = typeof index === 'number' ? lines[index] : undefined
        return line ? labels.tooltip(line) : ''
      },
    },
    series: [
      {
        name: labels.name,
        type: 'funnel',
        sort: 'none',
        orient: 'vertical',
        funnelAlign: 'center',
        min: 0,
        max,
        minSize: '25%',
        maxSize: '100%',
        left: 8,
        right: 8,
        top: 8,
        bottom: 8,
        gap: 3,
        label: {
          show: true,
          position: 'inside',
          color: '#fff',
          fontSize: 13,
          formatter: '{b}  {c}',
        },
        labelLine: { show: false },
        itemStyle: { borderColor: '#fff', borderWidth: 0 },
        emphasis: { label: { fontWeight: 'bold' } },
        data: lines.map((l, i) => ({
          name: labels.step(l.step),
          value: l.value,
          itemStyle: { color: labels.colours[i % labels.colours.length] },
        })),
      },
    ],
  }
}
