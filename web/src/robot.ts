// The robot page's editing rules (BOT-1, BOT-2, docs/robot.md): an entry as its dialog edits
// it and back, lexicons as rows to edit and back, the checks the server makes (so the form can
// say what is wrong before sending), and a validity window in words.

import {
  MAX_KB_ANSWER_CHARS,
  MAX_KB_ID_CHARS,
  MAX_KB_QUESTION_CHARS,
  MAX_KB_SIMILAR,
  MAX_LEXICON_GROUPS,
  MAX_LEXICON_WORDS,
  MAX_LEXICON_WORD_CHARS,
} from './api'
import type { EpochMs, KbEntry, KbTier, Lexicon } from './api'

const KB_ID = /^[A-Za-z0-9._-]{1,64}$/

/** An entry as the dialog edits it: the window as Dates, everything else as typed. */
export interface EntryDraft {
  id: string
  question: string
  similar: string[]
  answer: string
  tier: KbTier
  skus: string[]
  categories: string[]
  validFrom: Date | null
  validTo: Date | null
}

export function blankEntry(): EntryDraft {
  return { id: '', question: '', similar: [''], answer: '', tier: 'general', skus: [], categories: [], validFrom: null, validTo: null }
}

/** A time the server reads (ISO-8601, or a date as UTC midnight), as a Date; null if none. */
function dateOf(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

export function draftOf(entry: KbEntry): EntryDraft {
  return {
    id: entry.id,
    question: entry.question,
    similar: entry.similar.length ? [...entry.similar] : [''],
    answer: entry.answer.text,
    tier: entry.tier ?? 'general',
    skus: [...(entry.skus ?? [])],
    categories: [...(entry.categories ?? [])],
    validFrom: dateOf(entry.valid_from),
    validTo: dateOf(entry.valid_to),
  }
}

/** The entry to send. What the dialog does not edit (a picture, buttons, conditions) is kept
 *  from `before`; the window goes only with scenario entries. */
export function entryOf(draft: EntryDraft, before?: KbEntry | null): KbEntry {
  const scenario = draft.tier === 'scenario'
  return {
    ...(before ?? {}),
    id: draft.id.trim(),
    question: draft.question.trim(),
    similar: unique(draft.similar.map((q) => q.trim()).filter(Boolean)),
    answer: { ...(before?.answer ?? {}), text: draft.answer.trim() },
    tier: draft.tier,
    skus: unique(draft.skus.map((s) => s.trim()).filter(Boolean)),
    categories: unique(draft.categories.map((s) => s.trim()).filter(Boolean)),
    valid_from: scenario && draft.validFrom ? draft.validFrom.toISOString() : null,
    valid_to: scenario && draft.validTo ? draft.validTo.toISOString() : null,
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
}

export type WordList = 'negations' | 'terms' | 'blocked'
export const WORD_LISTS: WordList[] = ['negations', 'terms', 'blocked']

const words = (v: unknown): string[] => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : [])

export function lexiconDraftOf(lexicon: Partial<Lexicon> | null | undefined): LexiconDraft {
  const l = lexicon ?? {}
  return {
    synonyms: Array.isArray(l.synonyms) ? l.synonyms.map(words) : [],
    colloquial: Object.entries(l.colloquial ?? {}).map(([from, to]) => ({ from, to: String(to) })),
    negations: words(l.negations),
    terms: words(l.terms),
    blocked: words(l.blocked),
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
  }
}

/** Words as the server counts them against its limit (a colloquial pair counts once). */
export function lexiconWordCount(l: Lexicon): number {
  return (
    l.synonyms.reduce((n, g) => n + g.length, 0) +
    Object.keys(l.colloquial).length +
    l.negations.length +
    l.terms.length +
    l.blocked.length
  )
}

/** The server's code for the first problem with a lexicon (`Lexicon::check`), or null: a
 *  synonym group needs two words, words are 1–32 characters, and there are limits in all. */
export function lexiconProblem(l: Lexicon): { code: string; group?: number } | null {
  const at = l.synonyms.findIndex((g) => g.length < 2)
  if (at >= 0) return { code: 'invalid_lexicon', group: at }
  const all = [...l.synonyms.flat(), ...Object.keys(l.colloquial), ...Object.values(l.colloquial), ...l.negations, ...l.terms, ...l.blocked]
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
