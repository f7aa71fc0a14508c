// The robot page's editing rules (BOT-1, BOT-2, BOT-4, BOT-5, docs/robot.md): an entry as its
// dialog edits it and back, lexicons as rows to edit and back, the checks the server makes (so
// the form can say what is wrong before sending), a validity window in words, a multi-turn flow
// as its form edits it and back, and a proposal's edits.

import {
  MAX_KB_ANSWER_CHARS,
  MAX_KB_ID_CHARS,
  MAX_KB_QUESTION_CHARS,
  MAX_KB_SIMILAR,
  MAX_LEXICON_GROUPS,
  MAX_LEXICON_WORDS,
  MAX_LEXICON_WORD_CHARS,
} from '../../api'
import type { AfterSaleKind, EpochMs, Flow, FlowAction, FlowStepKind, KbEntry, KbTier, Lexicon, Proposal, ProposalEdit } from '../../api'

const KB_ID = /^[A-Za-z0-9._-]{1,64}$/

/** An entry as the dialog edits it: the window as Dates, everything else as typed. */
export interface EntryDraft {
  id: string
  question: string
  similar: string[]
  answer: string
  /** The answer's picture: an upload's id, and a link to show it by. */
  image: { id: string; link: string | null } | null
  /** A product whose card follows the answer ('' for none). */
  productCode: string
  /** Reply buttons under the answer. */
  buttons: string[]
  /** Where the entry is given: entry points and channels (none: everywhere), and when. */
  entries: string[]
  channels: string[]
  officeHours: OfficeHoursCondition
  tier: KbTier
  skus: string[]
  categories: string[]
  validFrom: Date | null
  validTo: Date | null
  /** Issue #16: from this day the robot hands the entry's questions to a person. */
  reviewBy: Date | null
}

/** When an entry is given: any time, only in office hours, or only outside them. */
export type OfficeHoursCondition = 'any' | 'in' | 'out'
export const OFFICE_HOURS_CONDITIONS: OfficeHoursCondition[] = ['any', 'in', 'out']

/** Reply buttons an answer may carry. */
export const MAX_ANSWER_BUTTONS = 6

export function blankEntry(): EntryDraft {
  return {
    id: '',
    question: '',
    similar: [''],
    answer: '',
    image: null,
    productCode: '',
    buttons: [],
    entries: [],
    channels: [],
    officeHours: 'any',
    tier: 'general',
    skus: [],
    categories: [],
    validFrom: null,
    validTo: null,
    reviewBy: null,
  }
}

/** A time the server reads (ISO-8601, or a date as UTC midnight), as a Date; null if none. */
function dateOf(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

export function draftOf(entry: KbEntry & { image_link?: string | null }): EntryDraft {
  return {
    id: entry.id,
    question: entry.question,
    similar: entry.similar.length ? [...entry.similar] : [''],
    answer: entry.answer.text,
    image: entry.answer.image ? { id: entry.answer.image, link: entry.image_link ?? null } : null,
    productCode: entry.answer.product_code ?? '',
    buttons: [...(entry.answer.buttons ?? [])],
    entries: [...(entry.conditions?.entries ?? [])],
    channels: [...(entry.conditions?.channels ?? [])],
    officeHours: entry.conditions?.office_hours == null ? 'any' : entry.conditions.office_hours ? 'in' : 'out',
    tier: entry.tier ?? 'general',
    skus: [...(entry.skus ?? [])],
    categories: [...(entry.categories ?? [])],
    validFrom: dateOf(entry.valid_from),
    validTo: dateOf(entry.valid_to),
    reviewBy: dateOf(entry.review_by),
  }
}

/** The entry to send. The dialog edits every field but an answer's `image_url`, which is
 *  kept from `before`; the window goes only with scenario entries. */
export function entryOf(draft: EntryDraft, before?: KbEntry | null): KbEntry {
  const scenario = draft.tier === 'scenario'
  const imageUrl = before?.answer.image_url
  const buttons = unique(draft.buttons.map((b) => b.trim()).filter(Boolean))
  const code = draft.productCode.trim()
  return {
    id: draft.id.trim(),
    question: draft.question.trim(),
    similar: unique(draft.similar.map((q) => q.trim()).filter(Boolean)),
    answer: {
      text: draft.answer.trim(),
      ...(imageUrl ? { image_url: imageUrl } : {}),
      ...(draft.image ? { image: draft.image.id } : {}),
      ...(code ? { product_code: code } : {}),
      ...(buttons.length ? { buttons } : {}),
    },
    conditions: {
      entries: [...draft.entries],
      channels: [...draft.channels],
      office_hours: draft.officeHours === 'any' ? null : draft.officeHours === 'in',
    },
    tier: draft.tier,
    skus: unique(draft.skus.map((s) => s.trim()).filter(Boolean)),
    categories: unique(draft.categories.map((s) => s.trim()).filter(Boolean)),
    valid_from: scenario && draft.validFrom ? draft.validFrom.toISOString() : null,
    valid_to: scenario && draft.validTo ? draft.validTo.toISOString() : null,
    review_by: draft.reviewBy ? draft.reviewBy.toISOString() : null,
  }
}

function unique(list: string[]): string[] {
  return [...new Set(list)]
}

const chars = (s: string) => [...s].length

/** The server's code for the first problem with an entry (`Entry::check`), or null. */
export function entryProblem(entry: KbEntry): string | null {
  if (!KB_ID.test(entry.id) || entry.id.length > MAX_KB_ID_CHARS) return 'invalid_kb_id'
  const questionOk = (q: string) => chars(q.trim()) >= 1 && chars(q.trim()) <= MAX_KB_QUESTION_CHARS
  if (!questionOk(entry.question) || entry.similar.length > MAX_KB_SIMILAR || !entry.similar.every(questionOk)) {
    return 'invalid_question'
  }
  if (!entry.answer.text.trim() || chars(entry.answer.text) > MAX_KB_ANSWER_CHARS) return 'invalid_answer'
  if (entry.tier === 'product' && !entry.skus.length && !entry.categories.length) return 'product_entry_unbound'
  const from = entry.valid_from ? Date.parse(entry.valid_from) : null
  const to = entry.valid_to ? Date.parse(entry.valid_to) : null
  if (from !== null && to !== null && from >= to) return 'invalid_validity'
  return null
}

/** Where a scenario entry stands now: before, inside or after its window. */
export type Validity = 'always' | 'upcoming' | 'active' | 'expired'

export function validityOf(entry: KbEntry, now: EpochMs = Date.now()): Validity {
  const from = dateOf(entry.valid_from)?.getTime() ?? null
  const to = dateOf(entry.valid_to)?.getTime() ?? null
  if (from === null && to === null) return 'always'
  if (from !== null && now < from) return 'upcoming'
  if (to !== null && now >= to) return 'expired'
  return 'active'
}

// ---- lexicons (BOT-2) ----

/** Lexicons as the editor holds them: the colloquial map as rows, in the order typed. */
export interface LexiconDraft {
  synonyms: string[][]
  colloquial: { from: string; to: string }[]
  negations: string[]
  terms: string[]
  blocked: string[]
  /** Issue #16: the sensitive matters in force (the server sends the built-in list until
   *  the shop saves its own). */
  sensitive: string[]
}

export type WordList = 'negations' | 'terms' | 'blocked' | 'sensitive'
export const WORD_LISTS: WordList[] = ['negations', 'terms', 'blocked', 'sensitive']

const words = (v: unknown): string[] => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : [])

export function lexiconDraftOf(lexicon: Partial<Lexicon> | null | undefined): LexiconDraft {
  const l = lexicon ?? {}
  return {
    synonyms: Array.isArray(l.synonyms) ? l.synonyms.map(words) : [],
    colloquial: Object.entries(l.colloquial ?? {}).map(([from, to]) => ({ from, to: String(to) })),
    negations: words(l.negations),
    terms: words(l.terms),
    blocked: words(l.blocked),
    sensitive: words(l.sensitive),
  }
}

/** The lexicon to send: words trimmed, empty ones and empty rows dropped. */
export function lexiconOf(draft: LexiconDraft): Lexicon {
  const clean = (list: string[]) => unique(list.map((w) => w.trim()).filter(Boolean))
  const colloquial: Record<string, string> = {}
  for (const row of draft.colloquial) {
    const from = row.from.trim()
    const to = row.to.trim()
    if (from && to) colloquial[from] = to
  }
  return {
    synonyms: draft.synonyms.map(clean).filter((g) => g.length > 0),
    colloquial,
    negations: clean(draft.negations),
    terms: clean(draft.terms),
    blocked: clean(draft.blocked),
    sensitive: clean(draft.sensitive),
  }
}

/** Words as the server counts them against its limit (a colloquial pair counts once). */
export function lexiconWordCount(l: Lexicon): number {
  return (
    l.synonyms.reduce((n, g) => n + g.length, 0) +
    Object.keys(l.colloquial).length +
    l.negations.length +
    l.terms.length +
    l.blocked.length +
    (l.sensitive?.length ?? 0)
  )
}

/** The server's code for the first problem with a lexicon (`Lexicon::check`), or null: a
 *  synonym group needs two words, words are 1–32 characters, and there are limits in all. */
export function lexiconProblem(l: Lexicon): { code: string; group?: number } | null {
  const at = l.synonyms.findIndex((g) => g.length < 2)
  if (at >= 0) return { code: 'invalid_lexicon', group: at }
  const all = [...l.synonyms.flat(), ...Object.keys(l.colloquial), ...Object.values(l.colloquial), ...l.negations, ...l.terms, ...l.blocked, ...(l.sensitive ?? [])]
  if (all.some((w) => chars(w) > MAX_LEXICON_WORD_CHARS)) return { code: 'invalid_lexicon' }
  if (l.synonyms.length > MAX_LEXICON_GROUPS || lexiconWordCount(l) > MAX_LEXICON_WORDS) return { code: 'lexicon_too_large' }
  return null
}

// ---- the test console ----

/** Pieces of `text` with the given words marked, for highlighting the matched example. */
export function markWords(text: string, marked: string[]): { text: string; hit: boolean }[] {
  const needles = unique(marked.filter(Boolean)).sort((a, b) => b.length - a.length)
  const out: { text: string; hit: boolean }[] = []
  let plain = ''
  let i = 0
  while (i < text.length) {
    const hit = needles.find((w) => text.startsWith(w, i))
    if (hit) {
      if (plain) out.push({ text: plain, hit: false })
      plain = ''
      out.push({ text: hit, hit: true })
      i += hit.length
    } else {
      plain += text[i]
      i += 1
    }
  }
  if (plain) out.push({ text: plain, hit: false })
  return out
}

/** A 0–1 share as a percentage: `87%`, `4.2%` under ten. */
export function percent(share: number): string {
  const p = share * 100
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

// ---- multi-turn flows (BOT-4) ----

/** A step as the form edits it: the options one per line. `key` keeps a row's inputs in place
 *  while the steps are moved about. */
export interface StepDraft {
  key: number
  slot: string
  kind: FlowStepKind
  prompt: string
  options: string
  optional: boolean
}

/** A flow as the form edits it: triggers one per line. */
export interface FlowDraft {
  id: string
  name: string
  enabled: boolean
  triggers: string
  steps: StepDraft[]
  action: FlowAction
  afterSale: AfterSaleKind
  text: string
}

let stepKeys = 0

export function blankStep(kind: FlowStepKind = 'text', slot = ''): StepDraft {
  return { key: ++stepKeys, slot, kind, prompt: '', options: '', optional: false }
}

/** A new flow starts where most do: which order. */
export function blankFlow(): FlowDraft {
  return { id: '', name: '', enabled: true, triggers: '', steps: [blankStep('order', 'order')], action: 'reply', afterSale: 'return_refund', text: '' }
}

/** Lines of a textarea, trimmed, empty ones dropped. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
}

export function flowDraftOf(flow: Flow): FlowDraft {
  return {
    id: flow.id,
    name: flow.name,
    enabled: flow.enabled,
    triggers: (flow.triggers ?? []).join('\n'),
    steps: (flow.steps ?? []).map((s) => ({
      key: ++stepKeys,
      slot: s.slot,
      kind: s.kind,
      prompt: s.prompt,
      options: (s.options ?? []).join('\n'),
      optional: !!s.optional,
    })),
    action: flow.finish.action,
    afterSale: flow.finish.after_sale ?? 'return_refund',
    text: flow.finish.text ?? '',
  }
}

/** The flow to send: the options only with a choice, the after-sale kind only with that finish.
 *  Whatever else is wrong the server says (`bad_flow`), naming the problem. */
export function flowOf(draft: FlowDraft): Flow {
  return {
    id: draft.id.trim(),
    name: draft.name.trim(),
    enabled: draft.enabled,
    triggers: unique(lines(draft.triggers)),
    steps: draft.steps.map((s) => ({
      slot: s.slot.trim(),
      kind: s.kind,
      prompt: s.prompt.trim(),
      options: s.kind === 'choice' ? lines(s.options) : [],
      optional: (s.kind === 'photo' || s.kind === 'text') && s.optional,
    })),
    finish: {
      action: draft.action,
      ...(draft.action === 'after_sale' ? { after_sale: draft.afterSale } : {}),
      text: draft.text.trim(),
    },
  }
}

/** Only these kinds can be skipped (the robot offers 跳过). */
export function skippable(kind: FlowStepKind): boolean {
  return kind === 'photo' || kind === 'text'
}

/** Moves `list[at]` by `by` places, if it can go there. */
export function move<T>(list: T[], at: number, by: number): void {
  const to = at + by
  if (to < 0 || to >= list.length) return
  const [item] = list.splice(at, 1)
  list.splice(to, 0, item)
}

/** Which part of the form a `bad_flow` message is about ("触发语句（triggers）：…", "第 2 步：…"), to mark it. */
export type FlowPart = 'id' | 'name' | 'triggers' | 'steps' | 'finish' | { step: number }

export function flowPartOf(message: string): FlowPart | null {
  const step = /^(?:第\s*(\d+)\s*步|step (\d+)\b)/i.exec(message)
  if (step) return { step: Number(step[1] ?? step[2]) - 1 }
  if (/^名称/.test(message)) return 'name'
  const head = /^(?:[^（(：:]*[（(])?(id|name|triggers|steps|finish)\b/i.exec(message)
  return head ? (head[1].toLowerCase() as FlowPart) : null
}

// ---- the training loop (BOT-5) ----

/** A proposal as its card edits it: similar questions one per line. */
export interface ProposalDraft {
  question: string
  similar: string
  answer: string
  entryId: string
}

export function proposalDraftOf(p: Proposal): ProposalDraft {
  return { question: p.question, similar: p.similar.join('\n'), answer: p.answer, entryId: '' }
}

/** What an approval sends: a new entry's question, phrasings, answer (and id, if one was
 *  typed); for an existing entry, only the phrasings to add. */
export function proposalEditOf(p: Proposal, draft: ProposalDraft): ProposalEdit {
  const similar = unique(lines(draft.similar))
  if (p.kind === 'similar') return { similar }
  const entryId = draft.entryId.trim()
  return { question: draft.question.trim(), similar, answer: draft.answer.trim(), ...(entryId ? { entry_id: entryId } : {}) }
}

/** What the robot page's charts of rates share (BOT-6): drawn at once (a page of figures: what
 * is on screen is the data), the legend above on the left, an axis tooltip in percent, and a
 * 0–100 % value axis. */
export const RATE_CHART = {
  animation: false,
  legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: '#646a73' } },
  tooltip: {
    trigger: 'axis' as const,
    valueFormatter: (v: unknown) => (typeof v === 'number' && v <= 1 ? percent(v) : String(v)),
  },
  rateAxis: {
    type: 'value' as const,
    min: 0,
    max: 1,
    interval: 0.25,
    axisLabel: { color: '#8f959e', formatter: (v: number) => `${Math.round(v * 100)}%` },
    splitLine: { lineStyle: { color: '#f0f1f4' } },
  },
}
