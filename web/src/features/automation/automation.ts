// The automatic replies page's rules (WB-2): the parts and the variables their texts may use,
// a keyword rule as its dialog edits it and back, question buttons, and the checks the server
// makes (kefu-domain automation.rs `AutoReplies::check`), so the page can say what is wrong
// before saving. The server stays the judge: a pattern is only checked there (Rust syntax).

import { ENTRIES, allOf } from '../../api'
import type { AutoReplies, Entry, KeywordRule, MatchMode } from '../../api'

/** The parts of a shop's automatic replies, in the page's order. */
export type Part = keyof AutoReplies
export const PARTS = allOf<Part>()(['welcome', 'keywords', 'idle', 'off_hours', 'queue', 'closing', 'rating'])
/** The parts that are only a text (and, for `idle`, a wait), in the page's order. */
export type TextPart = Exclude<Part, 'welcome' | 'keywords'>
export const TEXT_PARTS = allOf<TextPart>()(['idle', 'off_hours', 'queue', 'closing', 'rating'])

export const MATCH_MODES = allOf<MatchMode>()(['any', 'all'])

// The server's limits.
export const MAX_REPLY_CHARS = 1000
export const MAX_WELCOME_BUTTONS = 6
export const MAX_BUTTON_CHARS = 60
export const MAX_RULES = 500
export const MAX_RULE_ID_CHARS = 40
export const MAX_RULE_NAME_CHARS = 40
export const MAX_KEYWORDS = 50
export const MAX_KEYWORD_CHARS = 50
export const MAX_PATTERN_CHARS = 200
export const MAX_IDLE_MINUTES = 120
export const MAX_COOLDOWN_MINUTES = 1440

/** What the server fills in an automatic reply (kefu-domain phrases.rs `VARIABLES`); what a
 *  conversation has nothing for is left out. `{下次营业}` is the next opening, `{排队位置}`
 *  the buyer's place in the queue. */
export const VARIABLES = ['买家', '订单号', '商品', '客服', '营业时间', '下次营业', '排队位置']
/** Each variable's English name, which the server reads too (`{buyer}`), and the locale key
 *  of its hint. */
export const VARIABLE_KEYS: Record<string, string> = {
  买家: 'buyer',
  订单号: 'order',
  商品: 'product',
  客服: 'agent',
  营业时间: 'hours',
  下次营业: 'next_open',
  排队位置: 'position',
}

/** The variables offered for a part's text: its own first; the queue place only where there is
 *  a queue. */
export function variablesFor(part: Part): string[] {
  const own: Partial<Record<Part, string>> = { off_hours: '下次营业', queue: '排队位置' }
  const first = own[part]
  const rest = VARIABLES.filter((v) => v !== first && v !== '排队位置')
  return first ? [first, ...rest] : rest
}

/** `text` with `{name}` put in place of the selection `start`–`end` (at the end when there
 *  is none), and where the caret goes after it. */
export function insertVariable(text: string, name: string, start?: number | null, end?: number | null): { text: string; caret: number } {
  const braced = `{${name}}`
  const from = start == null ? text.length : Math.max(0, Math.min(start, text.length))
  const to = end == null ? from : Math.max(from, Math.min(end, text.length))
  return { text: text.slice(0, from) + braced + text.slice(to), caret: from + braced.length }
}

function chars(text: string): number {
  return [...text].length
}

// ---- question buttons ----

export type ButtonProblem = 'empty' | 'too_long' | 'too_many' | 'duplicate'

/** A question added to a welcome's buttons, or why it cannot be. */
export function addButton(buttons: readonly string[], label: string): { buttons: string[]; problem: ButtonProblem | null } {
  const q = label.trim()
  const problem: ButtonProblem | null = !q
    ? 'empty'
    : chars(q) > MAX_BUTTON_CHARS
      ? 'too_long'
      : buttons.length >= MAX_WELCOME_BUTTONS
        ? 'too_many'
        : buttons.includes(q)
          ? 'duplicate'
          : null
  return { buttons: problem ? [...buttons] : [...buttons, q], problem }
}

/** Buttons as the server takes them: trimmed, none empty, none twice, at most six. */
export function normaliseButtons(buttons: readonly string[]): string[] {
  const out: string[] = []
  for (const b of buttons) {
    const q = b.trim()
    if (q && !out.includes(q)) out.push(q)
  }
  return out.slice(0, MAX_WELCOME_BUTTONS)
}

/** The entries that have no welcome of their own yet. */
export function entriesLeft(replies: AutoReplies): Entry[] {
  const taken = new Set(replies.welcome.by_entry.map((e) => e.entry))
  return ENTRIES.filter((e) => !taken.has(e))
}

// ---- keyword rules ----

/** A keyword rule as its dialog edits it: every field present, the pattern '' for none. */
export interface RuleDraft {
  id: string
  name: string
  enabled: boolean
  priority: number
  keywords: string[]
  mode: MatchMode
  pattern: string
  reply: string
  cooldown: number
}

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes)
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(buf)
  else for (let i = 0; i < bytes; i++) buf[i] = Math.floor(Math.random() * 256)
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A new rule's id, chosen here (the server wants 1–40 characters, unique in the shop). */
export function newRuleId(taken: readonly string[] = []): string {
  for (;;) {
    const id = `r-${randomHex(6)}`
    if (!taken.includes(id)) return id
  }
}

export function blankRule(taken: readonly string[] = []): RuleDraft {
  return { id: newRuleId(taken), name: '', enabled: true, priority: 0, keywords: [], mode: 'any', pattern: '', reply: '', cooldown: 0 }
}

export function draftOfRule(rule: KeywordRule): RuleDraft {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled ?? true,
    priority: rule.priority ?? 0,
    keywords: [...(rule.keywords ?? [])],
    mode: rule.mode ?? 'any',
    pattern: rule.pattern ?? '',
    reply: rule.reply,
    cooldown: rule.cooldown_minutes ?? 0,
  }
}

/** Keywords trimmed, none empty, none twice (case ignored, as the server matches them). */
export function normaliseKeywords(keywords: readonly string[]): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  for (const k of keywords) {
    const word = k.trim()
    if (word && !seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase())
      out.push(word)
    }
  }
  return out
}

/** A rule as the server takes it, every field present in one order. */
export function ruleOf(d: RuleDraft): KeywordRule {
  const pattern = d.pattern.trim()
  return {
    id: d.id,
    name: d.name.trim(),
    enabled: d.enabled,
    priority: Math.trunc(d.priority) || 0,
    keywords: normaliseKeywords(d.keywords),
    mode: d.mode,
    pattern: pattern || null,
    reply: d.reply.trim(),
    cooldown_minutes: Math.trunc(d.cooldown) || 0,
  }
}

export type RuleProblem = 'id' | 'name' | 'match' | 'keywords' | 'pattern' | 'reply' | 'cooldown'

/** What the server would refuse in this rule, if anything. */
export function ruleProblem(d: RuleDraft): RuleProblem | null {
  const r = ruleOf(d)
  if (!r.id || chars(r.id) > MAX_RULE_ID_CHARS) return 'id'
  if (!r.name || chars(r.name) > MAX_RULE_NAME_CHARS) return 'name'
  const keywords = r.keywords ?? []
  if (!keywords.length && !r.pattern) return 'match'
  if (keywords.length > MAX_KEYWORDS || keywords.some((k) => chars(k) > MAX_KEYWORD_CHARS)) return 'keywords'
  if (r.pattern && chars(r.pattern) > MAX_PATTERN_CHARS) return 'pattern'
  if (!r.reply || chars(r.reply) > MAX_REPLY_CHARS) return 'reply'
  const cooldown = r.cooldown_minutes ?? 0
  if (cooldown < 0 || cooldown > MAX_COOLDOWN_MINUTES) return 'cooldown'
  return null
}

/** The rules in the order they are tried: highest priority first, ties in the shop's order. */
export function byPriority<R extends Pick<KeywordRule, 'priority'>>(rules: readonly R[]): R[] {
  return rules
    .map((rule, i) => ({ rule, i }))
    .sort((a, b) => (b.rule.priority ?? 0) - (a.rule.priority ?? 0) || a.i - b.i)
    .map((x) => x.rule)
}

// ---- the whole document ----

/** A copy to edit, every rule with every field (so an untouched copy equals what was saved). */
export function editableOf(replies: AutoReplies): AutoReplies {
  const copy = JSON.parse(JSON.stringify(replies)) as AutoReplies
  copy.welcome.by_entry = copy.welcome.by_entry.map((e) => ({ entry: e.entry, text: e.text, buttons: e.buttons ?? [] }))
  copy.keywords.rules = copy.keywords.rules.map((r) => ruleOf(draftOfRule(r)))
  return copy
}

/** Whether two copies say the same. */
export function sameReplies(a: AutoReplies, b: AutoReplies): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** What to send: texts trimmed and buttons normalised. */
export function preparedOf(replies: AutoReplies): AutoReplies {
  const r = editableOf(replies)
  r.welcome.text = r.welcome.text.trim()
  r.welcome.buttons = normaliseButtons(r.welcome.buttons)
  r.welcome.by_entry = r.welcome.by_entry.map((e) => ({ entry: e.entry, text: e.text.trim(), buttons: normaliseButtons(e.buttons ?? []) }))
  r.idle.minutes = Math.trunc(r.idle.minutes)
  for (const part of TEXT_PARTS) r[part].text = r[part].text.trim()
  return r
}

/** Where the server would refuse the document and why: the part, the entry or rule, the rule's
 *  problem. Texts of parts that are off may be empty (drafts), never too long. */
export interface RepliesProblem {
  part: Part
  why: 'text' | 'buttons' | 'entry' | 'minutes' | 'too_many_rules' | 'duplicate_rule' | RuleProblem
  entry?: Entry
  rule?: string
}

function textBad(text: string, enabled: boolean): boolean {
  const n = chars(text.trim())
  return n > MAX_REPLY_CHARS || (enabled && n === 0)
}

function buttonsBad(buttons: readonly string[]): boolean {
  return buttons.length > MAX_WELCOME_BUTTONS || buttons.some((b) => !b.trim() || chars(b.trim()) > MAX_BUTTON_CHARS)
}

export function repliesProblem(replies: AutoReplies): RepliesProblem | null {
  const w = replies.welcome
  if (textBad(w.text, w.enabled)) return { part: 'welcome', why: 'text' }
  if (buttonsBad(w.buttons)) return { part: 'welcome', why: 'buttons' }
  const seen = new Set<Entry>()
  for (const e of w.by_entry) {
    if (seen.has(e.entry)) return { part: 'welcome', why: 'entry', entry: e.entry }
    seen.add(e.entry)
    if (textBad(e.text, true)) return { part: 'welcome', why: 'text', entry: e.entry }
    if (buttonsBad(e.buttons ?? [])) return { part: 'welcome', why: 'buttons', entry: e.entry }
  }
  const rules = replies.keywords.rules
  if (rules.length > MAX_RULES) return { part: 'keywords', why: 'too_many_rules' }
  const ids = new Set<string>()
  for (const rule of rules) {
    const problem = ruleProblem(draftOfRule(rule))
    if (problem) return { part: 'keywords', why: problem, rule: rule.name || rule.id }
    if (ids.has(rule.id)) return { part: 'keywords', why: 'duplicate_rule', rule: rule.name || rule.id }
    ids.add(rule.id)
  }
  const minutes = replies.idle.minutes
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_IDLE_MINUTES) return { part: 'idle', why: 'minutes' }
  for (const part of TEXT_PARTS) {
    if (textBad(replies[part].text, replies[part].enabled)) return { part, why: 'text' }
  }
  return null
}
