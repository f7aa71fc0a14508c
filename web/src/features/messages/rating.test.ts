import { describe, expect, it } from 'vitest'
import type { BuyerRating } from '../../api'
import {
  buyerCardState,
  commentTooLong,
  keepOffered,
  mayReinvite,
  ratingInput,
  ratingState,
  readRatingInvitation,
  reasonsFor,
  starLabel,
  toggleReason,
} from './rating'

const ID = '00000000-0000-7000-8000-0000000000aa'
const LABELS = ['非常不满意', '不满意', '一般', '满意', '非常满意']

function buyerRating(extra: Partial<BuyerRating> = {}): BuyerRating {
  return {
    id: ID,
    state: 'open',
    expires_at: 10_000,
    stars: null,
    reasons: [],
    comment: '',
    star_labels: LABELS,
    good_reasons: ['回复及时', '态度热情', '解决了问题', '专业耐心'],
    bad_reasons: ['回复太慢', '态度不好', '问题没解决', '答非所问', '推诿转接'],
    ...extra,
  }
}

describe('the rating invitation', () => {
  it('reads a rating body', () => {
    const body = JSON.stringify({ rating_id: ID, expires_at: 5, text: '您对本次服务满意吗？' })
    expect(readRatingInvitation(body)).toEqual({ rating_id: ID, expires_at: 5, text: '您对本次服务满意吗？' })
  })

  it('refuses what is not one, and does without a text', () => {
    expect(readRatingInvitation('您对本次服务满意吗？')).toBeNull()
    expect(readRatingInvitation('null')).toBeNull()
    expect(readRatingInvitation(JSON.stringify({ rating_id: ID }))).toBeNull()
    expect(readRatingInvitation(JSON.stringify({ rating_id: '', expires_at: 5 }))).toBeNull()
    expect(readRatingInvitation(JSON.stringify({ rating_id: ID, expires_at: 5 }))).toEqual({ rating_id: ID, expires_at: 5, text: '' })
  })
})

describe('the reasons offered', () => {
  it('are the good ones with 4 or 5 stars, the bad ones with 1 to 3, none without stars', () => {
    const r = buyerRating()
    expect(reasonsFor(r, 5)).toEqual(r.good_reasons)
    expect(reasonsFor(r, 4)).toEqual(r.good_reasons)
    expect(reasonsFor(r, 3)).toEqual(r.bad_reasons)
    expect(reasonsFor(r, 1)).toEqual(r.bad_reasons)
    expect(reasonsFor(r, 0)).toEqual([])
  })

  it('drop the ticked ones the new stars do not offer', () => {
    const r = buyerRating()
    const ticked = toggleReason(toggleReason([], '回复及时'), '态度热情')
    expect(ticked).toEqual(['回复及时', '态度热情'])
    expect(keepOffered(ticked, reasonsFor(r, 4))).toEqual(ticked)
    expect(keepOffered(ticked, reasonsFor(r, 2))).toEqual([])
    expect(toggleReason(ticked, '回复及时')).toEqual(['态度热情'])
  })
})

describe('the request', () => {
  it('takes the stars, the reasons offered for them once each, and the comment trimmed', () => {
    const input = ratingInput(buyerRating(), { stars: 2, reasons: ['回复太慢', '回复及时', '回复太慢'], comment: '  等了很久 \n' })
    expect(input).toEqual({ stars: 2, reasons: ['回复太慢'], comment: '等了很久' })
  })

  it('is not made without stars or with a comment over 500 characters', () => {
    expect(ratingInput(buyerRating(), { stars: 0, reasons: [], comment: '' })).toBeNull()
    expect(ratingInput(buyerRating(), { stars: 5, reasons: [], comment: '好'.repeat(501) })).toBeNull()
    expect(ratingInput(buyerRating(), { stars: 5, reasons: [], comment: '好'.repeat(500) })?.comment).toHaveLength(500)
  })

  it('counts characters, not UTF-16 units', () => {
    expect(commentTooLong('😀'.repeat(500))).toBe(false)
    expect(commentTooLong('😀'.repeat(501))).toBe(true)
  })
})

describe('where a rating stands', () => {
  it('labels the stars', () => {
    expect(starLabel(LABELS, 1)).toBe('非常不满意')
    expect(starLabel(LABELS, 5)).toBe('非常满意')
    expect(starLabel(LABELS, null)).toBe('')
    expect(starLabel(LABELS, 0)).toBe('')
  })

  it('is rated once it has stars, else open until it expires', () => {
    expect(ratingState({ stars: 3, expires_at: 10 }, 20)).toBe('rated')
    expect(ratingState({ stars: null, expires_at: 10 }, 9)).toBe('open')
    expect(ratingState({ stars: null, expires_at: 10 }, 10)).toBe('expired')
  })

  it('on the buyer’s card follows the server, then the invitation before it answered', () => {
    const invitation = { rating_id: ID, expires_at: 10, text: '' }
    expect(buyerCardState(undefined, invitation, 9)).toBe('open')
    expect(buyerCardState(undefined, invitation, 10)).toBe('expired')
    // Invited again: the server's later expiry wins over the first message's.
    expect(buyerCardState(buyerRating({ expires_at: 100 }), invitation, 50)).toBe('open')
    expect(buyerCardState(buyerRating({ expires_at: 100 }), invitation, 100)).toBe('expired')
    expect(buyerCardState(buyerRating({ state: 'rated', stars: 5 }), invitation, 1e9)).toBe('rated')
  })

  it('may be invited again by a supervisor, once, while not rated', () => {
    expect(mayReinvite({ stars: null, reinvited: false }, true)).toBe(true)
    expect(mayReinvite({ stars: null, reinvited: false }, false)).toBe(false)
    expect(mayReinvite({ stars: null, reinvited: true }, true)).toBe(false)
    expect(mayReinvite({ stars: 4, reinvited: false }, true)).toBe(false)
  })
})
