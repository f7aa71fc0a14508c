import { describe, expect, it } from 'vitest'
import { afterEdit, extrasOf, extrasToSend } from './phraseExtras'

const PICTURE = '0b7c5a4e-2f0e-4a61-9d55-3f1a2b6c7d8e'

describe('extrasOf', () => {
  it('keeps a phrase’s picture and product', () => {
    expect(extrasOf({ image: PICTURE, productCode: 'P-1001' })).toEqual({ image: PICTURE, productCode: 'P-1001' })
    expect(extrasOf({ image: PICTURE })).toEqual({ image: PICTURE, productCode: null })
    expect(extrasOf({ productCode: 'P-1001', image: null })).toEqual({ image: null, productCode: 'P-1001' })
  })

  it('is nothing for a text-only phrase', () => {
    expect(extrasOf({})).toBeNull()
    expect(extrasOf({ image: null, productCode: '' })).toBeNull()
  })
})

describe('afterEdit', () => {
  const pending = { image: PICTURE, productCode: 'P-1001' }

  it('keeps the extras while the phrase’s text is edited', () => {
    expect(afterEdit(pending, '亲，订单 T2026 已为您加急处理～')).toBe(pending)
  })

  it('drops them once the box is emptied', () => {
    expect(afterEdit(pending, '')).toBeNull()
    expect(afterEdit(pending, ' \n ')).toBeNull()
  })

  it('has nothing to drop when nothing was pending', () => {
    expect(afterEdit(null, '你好')).toBeNull()
  })
})

describe('extrasToSend', () => {
  it('sends the picture, then the product card', () => {
    expect(extrasToSend({ image: PICTURE, productCode: 'P-1001' })).toEqual([
      { kind: 'image', attachmentId: PICTURE },
      { kind: 'product_card', productCode: 'P-1001' },
    ])
  })

  it('sends only what the phrase has', () => {
    expect(extrasToSend({ image: null, productCode: 'P-1001' })).toEqual([{ kind: 'product_card', productCode: 'P-1001' }])
    expect(extrasToSend({ image: PICTURE, productCode: null })).toEqual([{ kind: 'image', attachmentId: PICTURE }])
  })

  it('sends nothing after a plain text', () => {
    expect(extrasToSend(null)).toEqual([])
  })

  it('sends nothing once another phrase without extras replaced the first', () => {
    const first = extrasOf({ image: PICTURE, productCode: 'P-1001' })
    expect(first).not.toBeNull()
    const second = extrasOf({})
    expect(extrasToSend(second)).toEqual([])
  })
})
