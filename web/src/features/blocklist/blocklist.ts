// Blocking and the intake filter (WB-6): a block's state, why a conversation is invalid as the
// event log says it, and the filter's keywords and allowed domains as the page edits them, with
// the checks the server makes (kefu-domain intake.rs `IntakeFilter::check`), so the page can say
// what is wrong before saving.

import { BLOCK_KINDS, oneOf } from '../../api'
import type { Block, BlockKind, EpochMs, IntakeFilter } from '../../api'

/** How long a block lasts, in days; null until a supervisor lifts it. */
export const BLOCK_DAYS: readonly (number | null)[] = [1, 7, 30, null]

// The server's limits.
export const MAX_FILTER_KEYWORDS = 500
export const MAX_FILTER_KEYWORD_CHARS = 50
export const MAX_ALLOWED_DOMAINS = 100
export const MAX_PER_MINUTE = 600

export type BlockState = 'active' | 'lifted' | 'expired'

/** 生效中, 已解除 or 已过期 at `now`. */
export function blockState(b: Pick<Block, 'lifted_at' | 'expires_at'>, now: EpochMs): BlockState {
  if (b.lifted_at != null) return 'lifted'
  return b.expires_at != null && b.expires_at <= now ? 'expired' : 'active'
}

/** Why a conversation was closed as invalid, from its `invalidated` event's `data.reason`:
 *  the intake filter's "keyword:加微信", "link:x.cn" or "rate", or a block's kind. */
export type InvalidReason =
  | { kind: 'keyword' | 'link'; value: string }
  | { kind: 'rate' }
  | { kind: 'block'; block: BlockKind }
  | { kind: 'unknown'; value: string }

export function invalidReason(reason: string): InvalidReason {
  const at = reason.indexOf(':')
  const head = at < 0 ? reason : reason.slice(0, at)
  if (at > 0 && (head === 'keyword' || head === 'link')) return { kind: head, value: reason.slice(at + 1) }
  if (reason === 'rate') return { kind: 'rate' }
  const block = oneOf(BLOCK_KINDS, reason)
  return block ? { kind: 'block', block } : { kind: 'unknown', value: reason }
}

/** The reason as the agent reads it, through the locale's `block.reasons.*` and
 *  `block.kinds.*`. */
export function invalidReasonText(reason: string, t: (key: string, params?: Record<string, string>) => string): string {
  const why = invalidReason(reason)
  if (why.kind === 'block') return t('block.reasons.block', { kind: t(`block.kinds.${why.block}`) })
  if (why.kind === 'rate') return t('block.reasons.rate')
  return t(`block.reasons.${why.kind}`, { value: why.value })
}

function chars(text: string): number {
  return [...text].length
}

// ---- the intake filter ----

export type WordProblem = 'empty' | 'too_long' | 'too_many' | 'duplicate' | 'not_a_domain'

/** A keyword added to the filter's, or why it cannot be (case is ignored when matching, so a
 *  word differing only in case is a duplicate). */
export function addKeyword(words: readonly string[], word: string): { words: string[]; problem: WordProblem | null } {
  const w = word.trim()
  const lower = w.toLowerCase()
  const problem: WordProblem | null = !w
    ? 'empty'
    : chars(w) > MAX_FILTER_KEYWORD_CHARS
      ? 'too_long'
      : words.some((x) => x.toLowerCase() === lower)
        ? 'duplicate'
        : words.length >= MAX_FILTER_KEYWORDS
          ? 'too_many'
          : null
  return { words: problem ? [...words] : [...words, w], problem }
}

/** A domain as the filter keeps it: lower case, without a scheme, path or port
 *  ("https://Shop.Example.com/a" → "shop.example.com"); '' when it is none. */
export function normaliseDomain(text: string): string {
  let d = text.trim().toLowerCase()
  const scheme = d.indexOf('://')
  if (scheme >= 0) d = d.slice(scheme + 3)
  d = d.split(/[/?#]/)[0].split(':')[0].replace(/\.$/, '')
  return /^(?:[a-z0-9-]+\.)+[a-z0-9-]+$/.test(d) ? d : ''
}

/** An allowed domain added (its subdomains are allowed too), or why it cannot be. */
export function addDomain(domains: readonly string[], text: string): { domains: string[]; problem: WordProblem | null } {
  const d = normaliseDomain(text)
  const problem: WordProblem | null = !text.trim()
    ? 'empty'
    : !d
      ? 'not_a_domain'
      : domains.includes(d)
        ? 'duplicate'
        : domains.length >= MAX_ALLOWED_DOMAINS
          ? 'too_many'
          : null
  return { domains: problem ? [...domains] : [...domains, d], problem }
}

/** A copy the page may edit. */
export function editableFilter(f: IntakeFilter): IntakeFilter {
  return { ...f, keywords: [...f.keywords], allowed_domains: [...f.allowed_domains] }
}

export function sameFilter(a: IntakeFilter, b: IntakeFilter): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i])
  return (
    a.enabled === b.enabled &&
    a.block_links === b.block_links &&
    a.max_per_minute === b.max_per_minute &&
    same(a.keywords, b.keywords) &&
    same(a.allowed_domains, b.allowed_domains)
  )
}

export type FilterProblem = 'too_many_keywords' | 'keyword_too_long' | 'too_many_domains' | 'bad_rate'

/** What the server would refuse (`invalid_intake_filter`), or null. */
export function filterProblem(f: IntakeFilter): FilterProblem | null {
  if (f.keywords.length > MAX_FILTER_KEYWORDS) return 'too_many_keywords'
  if (f.keywords.some((w) => chars(w.trim()) > MAX_FILTER_KEYWORD_CHARS)) return 'keyword_too_long'
  if (f.allowed_domains.length > MAX_ALLOWED_DOMAINS) return 'too_many_domains'
  if (!Number.isInteger(f.max_per_minute) || f.max_per_minute < 0 || f.max_per_minute > MAX_PER_MINUTE) return 'bad_rate'
  return null
}
