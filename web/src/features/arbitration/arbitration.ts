// Arbitration by the platform (平台仲裁, ACC-1, ESC-1) as the pages read it: the list's filters;
// what a case allows now (evidence before the ruling, carrying out a ruled one); what the buyer
// is asked and how their strip reads; the ruling in words; the shop's deadline against now; a
// shop's rate; the texts an agent or a buyer types (1–1,000 characters) and the ruling form
// (the amount typed in yuan, sent in fen); a message of the shop's conversation as one line.

import { MAX_ARBITRATION_TEXT_CHARS } from '../../api'
import type {
  Arbitration,
  ArbitrationDetail,
  ArbitrationEvidenceRequest,
  ArbitrationFilter,
  ArbitrationParty,
  ArbitrationRate,
  ArbitrationRuling,
  ArbitrationRulingInput,
  ArbitrationRulingKind,
  ArbitrationSide,
  Message,
  Uuid,
} from '../../api'
import { i18n } from '../../i18n'
import { dateTime, parseYuan, yuan } from '../shared/format'
import { readOrderCard, readProductCard } from '../catalogue/cards'
import { readButtons } from '../messages/buttons'
import { spanText } from '../workorders/workOrders'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

/** The list's filter: 进行中 (not closed), 全部, 已结束. */
export const CASE_FILTERS = ['active', 'all', 'closed'] as const satisfies readonly ArbitrationFilter[]
export type CaseFilter = (typeof CASE_FILTERS)[number]

/** How often the buyer's chat reads their case again while it is not closed. */
export const BUYER_POLL_MS = 20_000
/** How long a closed case keeps its strip in the buyer's chat after it last changed. */
export const CLOSED_SHOWN_MS = 24 * 60 * 60 * 1000

type Status = Pick<Arbitration, 'status'>

/** Evidence may be asked for and given, and the platform may rule: not ruled, not closed. */
export function isGathering(c: Status): boolean {
  return c.status === 'open' || c.status === 'awaiting_evidence'
}

/** The shop has a ruling to carry out. */
export function mayComply(c: Status): boolean {
  return c.status === 'ruled'
}

/** What the platform asked `party` for and is still waiting on (the newest such request), while
 *  evidence may still be given; else null. */
export function openRequest(
  c: Status & Pick<Arbitration, 'requests'>,
  party: ArbitrationParty,
): ArbitrationEvidenceRequest | null {
  if (!isGathering(c)) return null
  const waiting = c.requests.filter((r) => r.party === party && r.answered_at == null)
  return waiting.reduce<ArbitrationEvidenceRequest | null>((newest, r) => (!newest || r.at >= newest.at ? r : newest), null)
}

/** How the buyer's strip reads the case: 平台处理中, 待您补充证据, 已裁定, 已结束. */
export type BuyerStage = 'open' | 'asked' | 'ruled' | 'closed'

export function buyerStage(c: Status & Pick<Arbitration, 'requests'>): BuyerStage {
  if (c.status === 'closed') return 'closed'
  if (c.status === 'ruled') return 'ruled'
  return openRequest(c, 'buyer') ? 'asked' : 'open'
}

/** `店铺退款 ¥38.00`, `店铺补偿 ¥12.50`, `不予支持`. */
export function rulingText(r: Pick<ArbitrationRuling, 'kind' | 'amount_fen'>): string {
  if (r.kind === 'no_action') return t('arbitration.rulingText.no_action')
  return t(`arbitration.rulingText.${r.kind}`, { amount: yuan(r.amount_fen ?? 0) })
}

/** The buyer's strip: `平台处理中`, `待您补充证据`, `已裁定：店铺退款 ¥38.00，请留意`, `已结束`. */
export function buyerStatusText(c: Status & Pick<Arbitration, 'requests' | 'ruling'>): string {
  const stage = buyerStage(c)
  if (stage === 'ruled' && c.ruling) return t('arbitration.buyer.stage.ruled', { ruling: rulingText(c.ruling) })
  if (stage === 'ruled') return t('arbitration.buyer.stage.ruledBare')
  return t(`arbitration.buyer.stage.${stage}`)
}

/** Whether the buyer's chat shows the case at `now`: always until closed, then for a day. */
export function showsBuyerCase(c: Status & Pick<Arbitration, 'updated_at'>, now: number): boolean {
  return c.status !== 'closed' || now - c.updated_at < CLOSED_SHOWN_MS
}

/** Whether the buyer's chat keeps reading the case again: until it is closed. */
export function followsCase(c: Status | null | undefined): boolean {
  return !!c && c.status !== 'closed'
}

/** `left`: a ruling's deadline ahead; `overdue`: passed (or marked so); `none`: no deadline to
 *  show (not ruled, or carried out). */
export interface ShopClock {
  state: 'left' | 'overdue' | 'none'
  /** `剩余 5 小时 12 分`, `已超时 3 小时`, `已超时`, or ''. */
  text: string
  /** The deadline itself, or ''. */
  at: string
}

export function shopClock(c: Status & Pick<Arbitration, 'shop_deadline_at' | 'overdue_at'>, now: number): ShopClock {
  const due = c.shop_deadline_at ?? null
  if (c.status !== 'ruled' || due == null) return { state: 'none', text: '', at: '' }
  const left = due - now
  if (left > 0 && c.overdue_at == null) return { state: 'left', text: t('arbitration.clock.left', { time: spanText(left) }), at: dateTime(due) }
  const text = left <= 0 ? t('arbitration.clock.overdueBy', { time: spanText(left) }) : t('arbitration.clock.overdue')
  return { state: 'overdue', text, at: dateTime(due) }
}

/** The other party in the caller's list: the shop for the platform's desk, the buyer for a shop. */
export function counterpart(c: Pick<Arbitration, 'shop_name' | 'buyer_name'>, side: ArbitrationSide): string {
  return side === 'platform' ? c.shop_name : c.buyer_name
}

/** `近 30 天仲裁 3 起，每百会话 0.75 起`. */
export function rateText(rate: ArbitrationRate): string {
  return t('arbitration.rate', { cases: rate.cases, rate: rate.per_hundred.toFixed(2) })
}

/** The case `?case=` names (a notice links so), or null. */
export function caseQuery(query: Record<string, unknown>): Uuid | null {
  const value = Array.isArray(query.case) ? query.case[0] : query.case
  return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value) ? value : null
}

/** How the drawer runs a change of its actions: the detail answered is shown and `done` said;
 *  a refusal is said, and `arbitration_closed` (changed meanwhile) reads the case again.
 *  Resolves whether it went through. */
export type RunAction = (action: () => Promise<ArbitrationDetail>, done: string) => Promise<boolean>

// ---- what is typed ----

export type TextProblem = 'empty' | 'too_long'

/** What is wrong with a reason, a piece of evidence, a request or a note (1–1,000 characters
 *  once trimmed, as the server counts them). */
export function textProblem(text: string): TextProblem | null {
  const n = Array.from(text.trim()).length
  if (!n) return 'empty'
  return n > MAX_ARBITRATION_TEXT_CHARS ? 'too_long' : null
}

/** A refund and a compensation name what the shop pays. */
export function needsAmount(kind: ArbitrationRulingKind): boolean {
  return kind !== 'no_action'
}

/** Yuan as typed (`38`, `38.5`, `¥1,299.00`) in fen, or null unless a positive amount with at
 *  most two decimals. */
export function fenOf(text: string): number | null {
  const fen = parseYuan(text)
  return fen != null && fen > 0 ? fen : null
}

/** Fen as the amount box shows it: `38.00`. */
export function yuanInput(fen: number): string {
  return yuan(fen).replace(/^(-?)¥/, '$1').replace(/,/g, '')
}

export interface RulingDraft {
  kind: ArbitrationRulingKind | null
  /** In yuan, as typed. */
  amount: string
  reason: string
}

export type RulingProblem = 'kind' | 'amount' | `reason_${TextProblem}`

/** The ruling the form sends, or the first thing wrong with it. */
export function rulingInput(draft: RulingDraft, version: number): { input: ArbitrationRulingInput } | { problem: RulingProblem } {
  const { kind } = draft
  if (!kind) return { problem: 'kind' }
  let amount: number | null = null
  if (needsAmount(kind)) {
    amount = fenOf(draft.amount)
    if (amount == null) return { problem: 'amount' }
  }
  const reason = textProblem(draft.reason)
  if (reason) return { problem: `reason_${reason}` }
  return { input: { version, kind, reason: draft.reason.trim(), ...(amount != null ? { amount_fen: amount } : {}) } }
}

// ---- the shop's conversation, read-only ----

/** One message as a line of text: its words, or `[图片]`, `[文件] name`, `[订单] …`, `[商品] …`. */
export function messageLine(m: Pick<Message, 'kind' | 'body' | 'attachment'>): string {
  switch (m.kind) {
    case 'image':
      return t('message.image')
    case 'file':
      return `${t('message.file')} ${m.attachment?.file_name ?? ''}`.trim()
    case 'order_card': {
      const card = readOrderCard(m.body)
      return t('arbitration.message.order', { no: card?.order_no ?? '' })
    }
    case 'product_card': {
      const card = readProductCard(m.body)
      return t('arbitration.message.product', { title: card?.title ?? '' })
    }
    case 'buttons':
      return readButtons(m.body)?.text ?? m.body
    case 'rating':
      return t('arbitration.message.rating')
    default:
      return m.body
  }
}
