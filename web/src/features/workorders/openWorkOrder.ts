// ESC-3: opening a work order, the parts of the dialog that need no screen: the title it
// suggests, the refund's yuan as fen, the deadline a kind and priority get, which fields are
// missing or malformed, and the body `POST /work-orders` takes. The server checks it all again
// (`invalid_work_order`); these checks only say what is wrong before the round trip.

import { allOf } from '../../api'
import type {
  OpenWorkOrder,
  Order,
  Uuid,
  WorkOrderFieldDef,
  WorkOrderItem,
  WorkOrderSource,
  WorkOrderKind,
  WorkOrderPriority,
  WorkOrderSettingsView,
} from '../../api'

export const WORK_ORDER_KINDS = allOf<WorkOrderKind>()(['refund', 'exchange', 'reissue', 'logistics', 'complaint', 'callback', 'other'])
export const WORK_ORDER_PRIORITIES = allOf<WorkOrderPriority>()(['low', 'normal', 'high', 'urgent'])

/** The server's limits (crates/kefu-domain/src/work_order.rs). */
export const MAX_TITLE_CHARS = 100
export const MAX_DESCRIPTION_CHARS = 2000
export const MAX_ITEMS = 20
export const MAX_VALUE_CHARS = 500
/** A hundred million yuan. */
export const MAX_AMOUNT_FEN = 10_000_000_000

/** Where an order opened from somewhere else came from: a partner hand-off or a QA review
 *  (sent as `source` with the case's or review's id as `source_id`). */
export type OpenSource = Extract<WorkOrderSource, 'handoff' | 'qa'>

/** The share of a kind's target each priority gets (the server's `Priority::scale`). */
const PRIORITY_SCALE: Record<WorkOrderPriority, number> = { low: 2, normal: 1, high: 0.5, urgent: 0.25 }

export type Translate = (key: string, values?: Record<string, unknown>) => string

/** Who will have the order: the one opening it, nobody yet (the team takes it), or — with
 *  `work_order.manage` — a colleague by id. */
export type OwnerChoice = 'me' | 'none' | Uuid

/** What the dialog holds while it is filled in. */
export interface OpenForm {
  kind: WorkOrderKind
  title: string
  description: string
  priority: WorkOrderPriority
  /** The buyer's order it is about, if any. */
  orderNo: string | null
  /** The order's items ticked (already as the work order stores them). */
  items: WorkOrderItem[]
  /** A refund's amount as typed, in yuan; '' for none. */
  amountYuan: string
  /** Custom field values by key, as typed. */
  fields: Record<string, string>
  owner: OwnerChoice
  team: string | null
  tellBuyer: boolean
}

export function chars(text: string): number {
  return Array.from(text).length
}

function clip(text: string, max: number): string {
  const list = Array.from(text)
  return list.length <= max ? text : `${list.slice(0, max - 1).join('')}…`
}

/** A title from the kind, the order and the items ticked: 退款 · 订单 2026…, 退款 · 蓝牙耳机,
 *  or just the kind; never past the server's 100 characters. */
export function suggestTitle(kind: WorkOrderKind, orderNo: string | null, items: readonly Pick<WorkOrderItem, 'title'>[], t: Translate): string {
  const kindName = t(`workOrderLabels.kind.${kind}`)
  let title: string
  if (items.length === 1) {
    title = t('workOrderOpen.titleItem', { kind: kindName, item: items[0].title })
  } else if (items.length > 1) {
    title = t('workOrderOpen.titleItems', { kind: kindName, item: items[0].title, n: items.length })
  } else if (orderNo) {
    title = t('workOrderOpen.titleOrder', { kind: kindName, order: orderNo })
  } else {
    title = kindName
  }
  return clip(title, MAX_TITLE_CHARS)
}

/** Yuan as typed (`12`, `12.5`, `¥1,299.00`) in fen; null when it is not an amount. */
export function yuanToFen(text: string): number | null {
  const cleaned = text.trim().replace(/^[¥￥]/, '').replace(/,/g, '').trim()
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const [whole, frac = ''] = cleaned.split('.')
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}

/** An order's line as a work order keeps it. */
export function itemOf(item: Pick<Order['items'][number], 'sku_code' | 'title' | 'quantity'>): WorkOrderItem {
  return { sku_code: item.sku_code, title: item.title, quantity: Math.max(1, Math.round(item.quantity)) }
}

/** The custom fields the shop defined for `kind`. */
export function fieldDefs(view: WorkOrderSettingsView | null | undefined, kind: WorkOrderKind): WorkOrderFieldDef[] {
  return view?.settings.kinds?.[kind]?.fields ?? []
}

/** Office hours an order of `kind` at `priority` gets: the shop's target for the kind, or its
 *  default, scaled by the priority (low ×2 … urgent ×¼); null while the settings are unknown. */
export function targetHours(view: WorkOrderSettingsView | null | undefined, kind: WorkOrderKind, priority: WorkOrderPriority): number | null {
  if (!view) return null
  const hours = view.settings.kinds?.[kind]?.target_hours ?? view.default_hours[kind]
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0) return null
  return hours * PRIORITY_SCALE[priority]
}

/** A target as the hint says it: whole or one-decimal hours, minutes under an hour. */
export function targetSpan(hours: number): { unit: 'hours' | 'minutes'; n: number } {
  if (hours < 1) return { unit: 'minutes', n: Math.max(1, Math.round(hours * 60)) }
  return { unit: 'hours', n: Math.round(hours * 10) / 10 }
}

/** `YYYY-MM-DD` of a real day. */
export function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
}

/** Whether a custom field's value fits its kind (an empty one always does: `required` is
 *  checked apart). */
export function fieldValueFits(def: WorkOrderFieldDef, value: string): boolean {
  const v = value.trim()
  if (!v) return true
  switch (def.kind) {
    case 'text':
      return chars(v) <= MAX_VALUE_CHARS
    case 'number':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v) && Number.isFinite(Number(v))
    case 'date':
      return isDate(v)
    case 'choice':
      return (def.options ?? []).includes(v)
    default:
      return false
  }
}

/** What is wrong with the form: `title`, `description`, `amount`, `items`, `field:<key>` (a
 *  required field empty or a value that does not fit). Empty: ready to send. */
export function formProblems(form: OpenForm, defs: readonly WorkOrderFieldDef[]): string[] {
  const out: string[] = []
  const title = chars(form.title.trim())
  if (title < 1 || title > MAX_TITLE_CHARS) out.push('title')
  if (chars(form.description.trim()) > MAX_DESCRIPTION_CHARS) out.push('description')
  if (form.items.length > MAX_ITEMS) out.push('items')
  if (form.kind === 'refund' && form.amountYuan.trim()) {
    const fen = yuanToFen(form.amountYuan)
    if (fen === null || fen > MAX_AMOUNT_FEN) out.push('amount')
  }
  for (const def of defs) {
    const value = (form.fields[def.key] ?? '').trim()
    if ((def.required && !value) || !fieldValueFits(def, value)) out.push(`field:${def.key}`)
  }
  return out
}

/** The request body: the fields the kind defines (trimmed, empty ones left out), the amount
 *  only for a refund, the items only with an order, the buyer told only from a conversation,
 *  and where it came from (a hand-off, a QA review) only when it did. */
export function buildOpenPayload(
  form: OpenForm,
  ctx: {
    conversationId: Uuid | null | undefined
    meId: Uuid | null | undefined
    defs: readonly WorkOrderFieldDef[]
    source?: OpenSource | null
    sourceId?: Uuid | null
  },
): OpenWorkOrder {
  const fields: Record<string, string> = {}
  for (const def of ctx.defs) {
    const value = (form.fields[def.key] ?? '').trim()
    if (value) fields[def.key] = value
  }
  const amount = form.kind === 'refund' && form.amountYuan.trim() ? yuanToFen(form.amountYuan) : null
  const owner = form.owner === 'me' ? ctx.meId ?? null : form.owner === 'none' ? null : form.owner
  return {
    kind: form.kind,
    title: form.title.trim(),
    description: form.description.trim(),
    priority: form.priority,
    order_no: form.orderNo || null,
    items: form.orderNo ? form.items.map((i) => ({ ...i })) : [],
    amount_fen: amount,
    fields,
    conversation_id: ctx.conversationId || null,
    owner_id: owner,
    team: form.team || null,
    tell_buyer: !!ctx.conversationId && form.tellBuyer,
    ...(ctx.source ? { source: ctx.source, source_id: ctx.sourceId || null } : {}),
  }
}

/** The title a partner hand-off's order suggests: 合作方处理：携程 · 2026…, within the limit. */
export function handoffTitle(c: { partner_name: string; order_no: string }, t: Translate): string {
  return clip(t('workOrderOpen.handoffTitle', { partner: c.partner_name, order: c.order_no }), MAX_TITLE_CHARS)
}

/** The title a QA finding suggests: 质检发现：the agent reviewed, else the conversation's buyer. */
export function qaTitle(review: { agent_name?: string | null; buyer_name: string }, t: Translate): string {
  const name = review.agent_name?.trim() || review.buyer_name
  return clip(t('workOrderOpen.qaTitle', { name }), MAX_TITLE_CHARS)
}

/** The buyer's orders with this shop (on the platform desk the buyer's list spans shops). */
export function ordersOfShop<T extends Order & { shop?: { slug: string } | null }>(orders: readonly T[], shopSlug: string | null | undefined): T[] {
  return orders.filter((o) => !o.shop || !shopSlug || o.shop.slug === shopSlug)
}
