// Order and product cards (CH-2): what a card send names, how a stored card's snapshot is read
// back out of a message body, and which colour each order status is shown in.

import type { AfterSaleStatus, CardKind, OrderCard, PaymentStatus, ProductCard, ShippingStatus } from '../../api'

/** The body of a card send: the server swaps it for its own snapshot, so cards cannot be forged. */
export function orderCardRef(orderNo: string): string {
  return JSON.stringify({ order_no: orderNo })
}

export function productCardRef(productCode: string, skuCode?: string | null): string {
  return JSON.stringify(skuCode ? { product_code: productCode, sku_code: skuCode } : { product_code: productCode })
}

function parseObject(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body)
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** A stored order card's snapshot, or null when the body is not one (a send's reference, or
 *  text that is not JSON at all). */
export function readOrderCard(body: string): OrderCard | null {
  const o = parseObject(body)
  if (!o || typeof o.order_no !== 'string' || !Array.isArray(o.items) || typeof o.total_fen !== 'number') return null
  return o as unknown as OrderCard
}

export function readProductCard(body: string): ProductCard | null {
  const o = parseObject(body)
  if (!o || typeof o.code !== 'string' || typeof o.title !== 'string' || typeof o.price_fen !== 'number') return null
  return o as unknown as ProductCard
}

/** What a card send (not yet swapped for a snapshot) names: an order number or product code. */
export function cardRefName(kind: CardKind, body: string): string | null {
  const o = parseObject(body)
  const name = kind === 'order_card' ? o?.order_no : o?.product_code
  return typeof name === 'string' ? name : null
}

export function isCardKind(kind: string): kind is CardKind {
  return kind === 'order_card' || kind === 'product_card'
}

export type Tone = 'brand' | 'success' | 'warning' | 'danger' | 'neutral'

const PAYMENT_TONES: Record<PaymentStatus, Tone> = {
  unpaid: 'warning',
  paid: 'success',
  partially_refunded: 'warning',
  refunded: 'neutral',
  closed: 'neutral',
}

const SHIPPING_TONES: Record<ShippingStatus, Tone> = {
  unshipped: 'neutral',
  shipped: 'brand',
  in_transit: 'brand',
  delivered: 'success',
  returned: 'danger',
}

const AFTER_SALE_TONES: Record<AfterSaleStatus, Tone> = {
  none: 'neutral',
  requested: 'danger',
  processing: 'warning',
  refunded: 'success',
  rejected: 'neutral',
  completed: 'success',
}

export type StatusGroup = 'payment' | 'shipping' | 'afterSale'

/** The i18n key and colour of one order status. Unknown values (a newer server) stay neutral. */
export function statusTag(group: StatusGroup, value: string): { key: string; tone: Tone } {
  const tones: Record<string, Tone> =
    group === 'payment' ? PAYMENT_TONES : group === 'shipping' ? SHIPPING_TONES : AFTER_SALE_TONES
  return { key: `${group}Status.${value}`, tone: tones[value] ?? 'neutral' }
}

/** The one status that best says where an order stands, for one-line order lists: an
 *  after-sale case first, then money that never arrived or went back, then the parcel. */
export function headlineStatus(order: {
  payment_status: PaymentStatus
  shipping_status: ShippingStatus
  after_sale_status: AfterSaleStatus
}): { group: StatusGroup; value: string } {
  if (order.after_sale_status !== 'none') return { group: 'afterSale', value: order.after_sale_status }
  if (order.payment_status !== 'paid') return { group: 'payment', value: order.payment_status }
  return { group: 'shipping', value: order.shipping_status }
}
