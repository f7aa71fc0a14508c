import { describe, expect, it } from 'vitest'
import { cardRefName, headlineStatus, isCardKind, orderCardRef, productCardRef, readOrderCard, readProductCard, statusTag } from './cards'

describe('card sends', () => {
  it('names only what the server needs to build the snapshot', () => {
    expect(JSON.parse(orderCardRef('E20261121001'))).toEqual({ order_no: 'E20261121001' })
    expect(JSON.parse(productCardRef('TEA-01'))).toEqual({ product_code: 'TEA-01' })
    expect(JSON.parse(productCardRef('TEA-01', null))).toEqual({ product_code: 'TEA-01' })
    expect(JSON.parse(productCardRef('TEA-01', 'TEA-01-250G'))).toEqual({ product_code: 'TEA-01', sku_code: 'TEA-01-250G' })
  })

  it('reads back what a send names', () => {
    expect(cardRefName('order_card', orderCardRef('E1'))).toBe('E1')
    expect(cardRefName('product_card', productCardRef('P1', 'S1'))).toBe('P1')
    expect(cardRefName('order_card', productCardRef('P1'))).toBeNull()
    expect(cardRefName('order_card', 'not json')).toBeNull()
    expect(cardRefName('order_card', '["E1"]')).toBeNull()
  })

  it('knows the card kinds', () => {
    expect(isCardKind('order_card')).toBe(true)
    expect(isCardKind('product_card')).toBe(true)
    expect(isCardKind('text')).toBe(false)
  })
})

describe('card snapshots', () => {
  const order = {
    order_no: 'E1',
    placed_at: 1,
    items: [],
    total_fen: 12_900,
    payment_status: 'paid',
    shipping_status: 'shipped',
    after_sale_status: 'none',
    logistics_company: null,
    tracking_no: null,
  }

  it('reads a stored order card, not a reference or text', () => {
    expect(readOrderCard(JSON.stringify(order))?.order_no).toBe('E1')
    expect(readOrderCard(orderCardRef('E1'))).toBeNull()
    expect(readOrderCard('null')).toBeNull()
    expect(readOrderCard('{')).toBeNull()
    expect(readOrderCard(JSON.stringify({ ...order, total_fen: '129' }))).toBeNull()
  })

  it('reads a stored product card, not a reference', () => {
    const product = { code: 'P1', title: '明前龙井', category: '绿茶', image_url: null, price_fen: 9_900, sku_code: null, sku_name: null, room_title: null }
    expect(readProductCard(JSON.stringify(product))?.title).toBe('明前龙井')
    expect(readProductCard(productCardRef('P1'))).toBeNull()
    expect(readProductCard(JSON.stringify({ ...product, price_fen: null }))).toBeNull()
  })
})

describe('order statuses', () => {
  it('gives each status its key and colour, and unknown ones a neutral one', () => {
    expect(statusTag('payment', 'unpaid')).toEqual({ key: 'paymentStatus.unpaid', tone: 'warning' })
    expect(statusTag('shipping', 'delivered')).toEqual({ key: 'shippingStatus.delivered', tone: 'success' })
    expect(statusTag('afterSale', 'requested')).toEqual({ key: 'afterSaleStatus.requested', tone: 'danger' })
    expect(statusTag('shipping', 'teleported')).toEqual({ key: 'shippingStatus.teleported', tone: 'neutral' })
  })

  it('picks the status that says most about an order', () => {
    const base = { payment_status: 'paid', shipping_status: 'in_transit', after_sale_status: 'none' } as const
    expect(headlineStatus(base)).toEqual({ group: 'shipping', value: 'in_transit' })
    expect(headlineStatus({ ...base, payment_status: 'refunded' })).toEqual({ group: 'payment', value: 'refunded' })
    expect(headlineStatus({ ...base, payment_status: 'refunded', after_sale_status: 'processing' })).toEqual({
      group: 'afterSale',
      value: 'processing',
    })
  })
})
