// Issue #21, CH-4: 来电核验 — before an agent tells a caller anything about an order, the
// number they call from and the last four digits they tell are checked against the order's
// receiver phone (`GET /conversations/{id}/caller-check`, which answers masked numbers only).
// What is asked, as the server takes it, and what its answer comes to.

import type { CallerCheck, QueryOf } from '../../api'

/** The longest order number the box takes (the server's order numbers are far shorter). */
export const MAX_ORDER_NO_CHARS = 64

/** The query for the check, or the field to fix first: an order number is needed; the four
 *  digits the caller told are optional, but four digits when given (else `invalid_query`). */
export function callerCheckQuery(
  orderNo: string,
  lastFour: string,
): { query: QueryOf<'caller_check'> } | { problem: 'orderNo' | 'lastFour' } {
  const order = orderNo.trim()
  if (!order || order.length > MAX_ORDER_NO_CHARS) return { problem: 'orderNo' }
  const four = lastFour.replace(/\s/g, '')
  if (four && !/^\d{4}$/.test(four)) return { problem: 'lastFour' }
  return { query: { order_no: order, ...(four ? { last_four: four } : {}) } }
}

/** One comparison's outcome: the numbers end alike, they do not, or there was nothing to
 *  compare (no calling number, no digits told). */
export type Comparison = 'match' | 'mismatch' | 'none'

export function comparison(matches: boolean | null | undefined): Comparison {
  if (matches === true) return 'match'
  return matches === false ? 'mismatch' : 'none'
}

/** The answer at a glance: `failed` when anything compared differs, `passed` when something
 *  compared and all of it matched, `partial` when nothing could be compared. */
export type CallerVerdict = 'passed' | 'failed' | 'partial'

export function callerVerdict(check: Pick<CallerCheck, 'caller_matches' | 'told_matches'>): CallerVerdict {
  const outcomes = [comparison(check.caller_matches), comparison(check.told_matches)]
  if (outcomes.includes('mismatch')) return 'failed'
  return outcomes.includes('match') ? 'passed' : 'partial'
}
