// ESC-3: which of the buyer's work orders the chat page shows above the messages: the open ones
// and those resolved within the day (closed ones never), newest first, at most three — each
// with the progress line the server wrote ("您的退款工单 … 处理中，预计 … 前处理完成。").

import type { BuyerWorkOrder, Message } from '../../api'

/** The strip stays small: the rest are in the chat's history. */
export const MAX_SHOWN_WORK_ORDERS = 3
/** How long a resolved order keeps its line after it was resolved. */
export const RESOLVED_SHOWN_MS = 24 * 60 * 60 * 1000

/** Whether the strip shows this order at `now`. */
export function showsWorkOrder(order: BuyerWorkOrder, now: number): boolean {
  if (order.status === 'closed') return false
  if (order.status === 'resolved') return now - order.updated_at < RESOLVED_SHOWN_MS
  return true
}

/** The orders the strip shows: open ones before those resolved, each newest first as the
 *  server lists them. */
export function shownWorkOrders(orders: readonly BuyerWorkOrder[], now: number): BuyerWorkOrder[] {
  const rank = (o: BuyerWorkOrder) => (o.status === 'resolved' ? 1 : 0)
  return orders
    .map((order, index) => ({ order, index }))
    .filter(({ order }) => showsWorkOrder(order, now))
    .sort((a, b) => rank(a.order) - rank(b.order) || a.index - b.index)
    .slice(0, MAX_SHOWN_WORK_ORDERS)
    .map(({ order }) => order)
}

/** A message that may say a work order moved: the server posts a system message on each
 *  change of status, so the buyer's orders are read again. */
export function mayMoveWorkOrders(message: Pick<Message, 'sender_kind'>): boolean {
  return message.sender_kind === 'system'
}
