// The satisfaction rating (KPI-3): a `rating` message's body read back, the reasons a buyer may
// tick with the stars chosen, the request their choices make, and where an invitation stands.
// The buyer's page lends its cards the invitations' states through `BUYER_RATINGS`.

import type { InjectionKey } from 'vue'
import type { BuyerRating, EpochMs, Rating, RatingInput, RatingInvitation, RatingState, Uuid } from '../../api'

/** The longest comment the server takes, in characters. */
export const MAX_RATING_COMMENT_CHARS = 500
/** From this many stars the good reasons are offered, below it the bad ones. */
const GOOD_FROM_STARS = 4

/** A `rating` body, or null when it is not one (then it shows as plain text). */
export function readRatingInvitation(body: string): RatingInvitation | null {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const o = value as Record<string, unknown>
  if (typeof o.rating_id !== 'string' || !o.rating_id || typeof o.expires_at !== 'number') return null
  return { rating_id: o.rating_id, expires_at: o.expires_at, text: typeof o.text === 'string' ? o.text : '' }
}

/** The reasons offered with `stars`: the good ones with 4–5, the bad ones with 1–3, none
 *  before a star is chosen. */
export function reasonsFor(rating: Pick<BuyerRating, 'good_reasons' | 'bad_reasons'>, stars: number): string[] {
  if (stars < 1 || stars > 5) return []
  return stars >= GOOD_FROM_STARS ? rating.good_reasons : rating.bad_reasons
}

/** The ticked reasons still offered (changing the stars drops the others), in ticking order. */
export function keepOffered(ticked: readonly string[], offered: readonly string[]): string[] {
  return ticked.filter((r) => offered.includes(r))
}

/** `ticked` with `reason` ticked, or unticked when it was. */
export function toggleReason(ticked: readonly string[], reason: string): string[] {
  return ticked.includes(reason) ? ticked.filter((r) => r !== reason) : [...ticked, reason]
}

export function commentTooLong(comment: string): boolean {
  return [...comment.trim()].length > MAX_RATING_COMMENT_CHARS
}

export interface RatingDraft {
  /** 0 while none is chosen. */
  stars: number
  reasons: readonly string[]
  comment: string
}

/** What `POST /buyer/ratings/{id}` takes for the buyer's choices, or null while they cannot be
 *  sent (no star, a comment over 500 characters): the reasons offered for those stars, each
 *  once, and the comment trimmed. */
export function ratingInput(rating: Pick<BuyerRating, 'good_reasons' | 'bad_reasons'>, draft: RatingDraft): RatingInput | null {
  const stars = Math.round(draft.stars)
  if (stars < 1 || stars > 5 || commentTooLong(draft.comment)) return null
  const reasons = [...new Set(keepOffered(draft.reasons, reasonsFor(rating, stars)))]
  return { stars, reasons, comment: draft.comment.trim() }
}

/** What `stars` (1–5) say in `labels` (非常不满意 … 非常满意); '' for none. */
export function starLabel(labels: readonly string[], stars: number | null | undefined): string {
  if (!stars || stars < 1) return ''
  return labels[Math.min(stars, labels.length) - 1] ?? ''
}

/** Where a rating stands at `now`: rated once it has stars, else open until it expires. */
export function ratingState(rating: Pick<Rating, 'stars' | 'expires_at'>, now: EpochMs): RatingState {
  if (rating.stars != null) return 'rated'
  return now < rating.expires_at ? 'open' : 'expired'
}

/** The buyer's card: the server's answer when it came (an open one whose day has passed since
 *  is expired), else what the invitation itself says. */
export function buyerCardState(rating: Pick<BuyerRating, 'state' | 'expires_at'> | undefined, invitation: RatingInvitation, now: EpochMs): RatingState {
  if (!rating) return now < invitation.expires_at ? 'open' : 'expired'
  return rating.state === 'open' && now >= rating.expires_at ? 'expired' : rating.state
}

/** A supervisor (`team.manage`) may invite the buyer once more, while they have not rated. */
export function mayReinvite(rating: Pick<Rating, 'stars' | 'reinvited'>, canManageTeam: boolean): boolean {
  return canManageTeam && rating.stars == null && !rating.reinvited
}

/** What the buyer's page lends the rating cards in its chat: the invitations' states, shared by
 *  every card of one invitation (a re-invite shows it twice), and the rating sheet. */
export interface BuyerRatingDesk {
  /** The invitation as the server last told it; undefined until loaded. */
  get(id: Uuid): BuyerRating | undefined
  /** Loads it, once for all its cards. */
  load(id: Uuid): void
  /** Opens the sheet to rate it. */
  open(id: Uuid): void
}

export const BUYER_RATINGS: InjectionKey<BuyerRatingDesk> = Symbol('buyerRatings')
