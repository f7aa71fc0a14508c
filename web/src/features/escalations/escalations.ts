// Escalations as the agent pages read them (ESC-1): a level's rank; the cockpit list's filters
// and order (active before handled, the newest raised first) and the overview's top few (the
// highest level first); where an open one stands against its deadline and how that reads; who
// raised it; where its matter opens; the reason or outcome an agent types; the rules' draft
// (the amount line in yuan, kept in fen) and what it sends; a rule word added to a list.

import {
  ESCALATION_LEVELS,
  MAX_ESCALATION_TEXT_CHARS,
  MAX_ESCALATION_WORD_CHARS,
  MAX_ESCALATION_WORDS,
  MAX_REPEAT_CONTACTS,
  MIN_REPEAT_CONTACTS,
} from '../../api'
import type { Escalation, EscalationFilter, EscalationLevel, EscalationRules, Uuid } from '../../api'
import { i18n } from '../../i18n'
import { dateTime } from '../shared/format'
import { spanText } from '../workorders/workOrders'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

/** The cockpit list's filter: 进行中 (open and taken), 已处理, 全部. */
export const BOARD_FILTERS = ['active', 'handled', 'all'] as const satisfies readonly EscalationFilter[]
export type BoardFilter = (typeof BOARD_FILTERS)[number]

/** How often the cockpit reads the list again while it is on screen. */
export const ESCALATION_POLL_MS = 15_000

/** 1, 2 or 3. */
export function levelRank(level: EscalationLevel): number {
  return ESCALATION_LEVELS.indexOf(level) + 1
}

export function isActive(e: Pick<Escalation, 'status'>): boolean {
  return e.status !== 'handled'
}

/** The cockpit's order: active ones before handled ones, then the newest raised first. */
export function sortEscalations<E extends Pick<Escalation, 'status' | 'raised_at' | 'id'>>(list: readonly E[]): E[] {
  return [...list].sort(
    (a, b) => Number(isActive(b)) - Number(isActive(a)) || b.raised_at - a.raised_at || a.id.localeCompare(b.id),
  )
}

/** The overview's few: the active ones, the highest level first, then the newest. */
export function topEscalations<E extends Pick<Escalation, 'status' | 'raised_at' | 'id' | 'level'>>(list: readonly E[], n = 3): E[] {
  return list
    .filter(isActive)
    .sort((a, b) => levelRank(b.level) - levelRank(a.level) || b.raised_at - a.raised_at || a.id.localeCompare(b.id))
    .slice(0, n)
}

/** `left`: an open one's deadline ahead; `overdue`: passed; `none`: no clock (level 1, or
 *  taken up, or handled). */
export type ClockState = 'left' | 'overdue' | 'none'

export interface EscalationClock {
  state: ClockState
  /** `剩余 27 分钟`, `已超时 3 分钟`, `已超时`, or ''. */
  text: string
  /** The deadline, when there is one. */
  at: string
}

/** Where an open escalation stands against its deadline at `now`. */
export function escalationClock(e: Pick<Escalation, 'status' | 'due_at' | 'overdue_at'>, now: number): EscalationClock {
  if (e.status !== 'open') return { state: 'none', text: '', at: '' }
  const due = e.due_at ?? null
  if (due == null) {
    return e.overdue_at != null ? { state: 'overdue', text: t('escalations.clock.overdue'), at: '' } : { state: 'none', text: '', at: '' }
  }
  const left = due - now
  if (left > 0 && e.overdue_at == null) return { state: 'left', text: t('escalations.clock.left', { time: spanText(left) }), at: dateTime(due) }
  const text = left <= 0 ? t('escalations.clock.overdueBy', { time: spanText(left) }) : t('escalations.clock.overdue')
  return { state: 'overdue', text, at: dateTime(due) }
}

/** Who raised it: the agent's name, or 规则 (the rules, a missed deadline). */
export function raisedByText(e: Pick<Escalation, 'raised_by' | 'raised_by_name'>): string {
  if (!e.raised_by) return t('escalations.byRules')
  return e.raised_by_name || t('escalations.someone')
}

/** Where the escalated matter opens: its conversation in the workbench, else its work order. */
export function subjectRoute(
  e: Pick<Escalation, 'conversation_id' | 'work_order_id'>,
): { name: 'workbench'; query: { conversation: Uuid } } | { name: 'work-orders'; query: { order: Uuid } } | null {
  if (e.conversation_id) return { name: 'workbench', query: { conversation: e.conversation_id } }
  if (e.work_order_id) return { name: 'work-orders', query: { order: e.work_order_id } }
  return null
}

/** Characters, as the server counts them. */
function chars(text: string): number {
  return Array.from(text).length
}

/** What is wrong with a reason or an outcome (1–500 characters once trimmed). */
export function textProblem(text: string): 'empty' | 'too_long' | null {
  const n = chars(text.trim())
  if (!n) return 'empty'
  return n > MAX_ESCALATION_TEXT_CHARS ? 'too_long' : null
}

// ---- the rules ----

/** The rules as the form edits them: the amount line in yuan. */
export interface RulesDraft {
  enabled: boolean
  complaint_words: string[]
  public_words: string[]
  high_amount_yuan: number
  repeat_contacts: number
}

export function rulesDraftOf(rules: EscalationRules): RulesDraft {
  return {
    enabled: rules.enabled,
    complaint_words: [...rules.complaint_words],
    public_words: [...rules.public_words],
    high_amount_yuan: rules.high_amount_fen / 100,
    repeat_contacts: rules.repeat_contacts,
  }
}

/** What the form sends: the amount line back in whole fen. */
export function rulesBody(draft: RulesDraft): EscalationRules {
  return {
    enabled: draft.enabled,
    complaint_words: [...draft.complaint_words],
    public_words: [...draft.public_words],
    high_amount_fen: Math.round((Number(draft.high_amount_yuan) || 0) * 100),
    repeat_contacts: draft.repeat_contacts,
  }
}

export type RulesProblem = 'amount' | 'repeat' | 'words'

/** What the server would refuse (`invalid_escalation_rules`), checked before sending. */
export function rulesProblem(rules: EscalationRules): RulesProblem | null {
  if (!Number.isSafeInteger(rules.high_amount_fen) || rules.high_amount_fen <= 0) return 'amount'
  if (!Number.isInteger(rules.repeat_contacts) || rules.repeat_contacts < MIN_REPEAT_CONTACTS || rules.repeat_contacts > MAX_REPEAT_CONTACTS) {
    return 'repeat'
  }
  for (const list of [rules.complaint_words, rules.public_words]) {
    if (list.length > MAX_ESCALATION_WORDS) return 'words'
    if (list.some((w) => !w.trim() || chars(w.trim()) > MAX_ESCALATION_WORD_CHARS)) return 'words'
  }
  return null
}

/** Adds a rule word for WordList: trimmed, 1–30 characters, new, at most 200. */
export function addRuleWord(list: readonly string[], text: string): { list: string[]; problem: string | null } {
  const word = text.trim()
  if (!word) return { list: [...list], problem: 'empty' }
  if (chars(word) > MAX_ESCALATION_WORD_CHARS) return { list: [...list], problem: 'too_long' }
  if (list.includes(word)) return { list: [...list], problem: 'duplicate' }
  if (list.length >= MAX_ESCALATION_WORDS) return { list: [...list], problem: 'too_many' }
  return { list: [...list, word], problem: null }
}
