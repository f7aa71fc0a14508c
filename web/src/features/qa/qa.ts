// Quality inspection's rules (KPI-3): a review's score as the inspector's form edits it and
// its total out of 100 as the server works it out (the points given over the rubric's total,
// to one decimal: kefu-domain qa.rs `ScoreInput::check`), comments and forbidden-word hits by
// message, and the rubric as its editor checks it before saving (`Rubric::check`).

import { MAX_FORBIDDEN_WORDS, MAX_FORBIDDEN_WORD_CHARS, MAX_QA_TEXT_CHARS, MAX_RUBRIC_ITEMS } from '../../api'
import type { ForbiddenHit, MessageComment, QaReview, QaRubric, ReviewStatus, RubricItem, ScoreInput } from '../../api'

/** One rubric item as the inspector scores it. */
export interface ItemDraft {
  key: string
  name: string
  description: string
  /** The item's points: the most it may be given. */
  max: number
  points: number
  note: string
}

/** The form for `review`: what it was given when scored, else every item's full points (the
 *  inspector takes off what was missed). */
export function scoreDraft(rubric: QaRubric, review: Pick<QaReview, 'items'>): ItemDraft[] {
  return rubric.items.map((item) => {
    const given = review.items.find((s) => s.key === item.key)
    return {
      key: item.key,
      name: item.name,
      description: item.description ?? '',
      max: item.points,
      points: given ? Math.min(item.points, Math.max(0, given.points)) : item.points,
      note: given?.note ?? '',
    }
  })
}

/** The score so far: the points given, the rubric's total, and the score out of 100. */
export function liveScore(items: readonly Pick<ItemDraft, 'points' | 'max'>[]): { given: number; total: number; score: number } {
  const given = items.reduce((n, i) => n + (Number.isFinite(i.points) ? Math.min(i.max, Math.max(0, Math.trunc(i.points))) : 0), 0)
  const total = items.reduce((n, i) => n + i.max, 0)
  return { given, total, score: Math.round((given * 1000) / Math.max(total, 1)) / 10 }
}

/** What `POST /qa/reviews/{id}/score` takes. */
export function scoreInputOf(items: readonly ItemDraft[], comments: readonly MessageComment[]): ScoreInput {
  return {
    items: items.map((i) => ({ key: i.key, points: Math.min(i.max, Math.max(0, Math.trunc(i.points || 0))), note: i.note.trim() })),
    comments: comments.map((c) => ({ seq: c.seq, text: c.text.trim() })),
  }
}

/** An inspector may score again until the agent appeals. */
export function scorable(status: ReviewStatus): boolean {
  return status === 'pending' || status === 'scored'
}

/** The score that counts: the decided one, else the inspector's. */
export function countingScore(review: Pick<QaReview, 'score' | 'final_score'>): number | null {
  return review.final_score ?? review.score ?? null
}

/** A score out of 100 with at most one decimal; `—` when there is none. */
export function scoreText(score: number | null | undefined): string {
  return score == null ? '—' : String(Number(score.toFixed(1)))
}

/** The forbidden words hit on each message, by seq. */
export function hitsBySeq(hits: readonly ForbiddenHit[]): Map<number, string[]> {
  const by = new Map<number, string[]>()
  for (const h of hits) {
    const words = by.get(h.seq) ?? []
    if (!words.includes(h.word)) words.push(h.word)
    by.set(h.seq, words)
  }
  return by
}

/** The comments on each message, by seq, with their place in the list (to remove one). */
export function commentsBySeq(comments: readonly MessageComment[]): Map<number, { text: string; index: number }[]> {
  const by = new Map<number, { text: string; index: number }[]>()
  comments.forEach((c, index) => by.set(c.seq, [...(by.get(c.seq) ?? []), { text: c.text, index }]))
  return by
}

export type TextProblem = 'empty' | 'too_long'

/** An appeal, decision or comment: 1–500 characters once trimmed. */
export function textProblem(text: string): TextProblem | null {
  const n = [...text.trim()].length
  if (!n) return 'empty'
  return n > MAX_QA_TEXT_CHARS ? 'too_long' : null
}

/** A decided score: none (the inspector's stands) or 0–100. */
export function decidedScoreProblem(score: number | null | undefined): 'out_of_range' | null {
  return score == null || (Number.isFinite(score) && score >= 0 && score <= 100) ? null : 'out_of_range'
}

// ---- the rubric ----

export type RubricProblem =
  | { why: 'no_items' | 'too_many_items' | 'too_many_words' | 'bad_word' | 'bad_sample' }
  | { why: 'bad_key' | 'duplicate_key' | 'bad_name' | 'bad_points' | 'bad_description'; item: number }

const chars = (s: string) => [...s.trim()].length

/** The first thing the server would refuse, or null. */
export function rubricProblem(rubric: QaRubric): RubricProblem | null {
  if (!rubric.items.length) return { why: 'no_items' }
  if (rubric.items.length > MAX_RUBRIC_ITEMS) return { why: 'too_many_items' }
  const seen = new Set<string>()
  for (const [item, i] of rubric.items.entries()) {
    const key = i.key.trim()
    if (!key || chars(key) > 32) return { why: 'bad_key', item }
    if (seen.has(key)) return { why: 'duplicate_key', item }
    seen.add(key)
    if (!chars(i.name) || chars(i.name) > 40) return { why: 'bad_name', item }
    if (!Number.isInteger(i.points) || i.points < 1 || i.points > 100) return { why: 'bad_points', item }
    if ([...(i.description ?? '')].length > 200) return { why: 'bad_description', item }
  }
  if (rubric.forbidden_words.length > MAX_FORBIDDEN_WORDS) return { why: 'too_many_words' }
  if (rubric.forbidden_words.some((w) => !chars(w) || chars(w) > MAX_FORBIDDEN_WORD_CHARS)) return { why: 'bad_word' }
  const sampleOk = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max
  if (!sampleOk(rubric.sample_percent, 100) || !sampleOk(rubric.sample_min, 1000)) return { why: 'bad_sample' }
  return null
}

/** A copy of the rubric to edit, its own whether or not `rubric` is reactive. */
export function copyRubric(rubric: QaRubric): QaRubric {
  return {
    items: rubric.items.map((i) => ({ key: i.key, name: i.name, points: i.points, description: i.description ?? '' })),
    forbidden_words: [...rubric.forbidden_words],
    sample_percent: rubric.sample_percent,
    sample_min: rubric.sample_min,
  }
}

/** The rubric as saved: keys, names and descriptions trimmed. */
export function preparedRubric(rubric: QaRubric): QaRubric {
  return {
    ...rubric,
    items: rubric.items.map((i) => ({ key: i.key.trim(), name: i.name.trim(), points: i.points, description: (i.description ?? '').trim() })),
    forbidden_words: rubric.forbidden_words.map((w) => w.trim()),
  }
}

/** A new item with a key none of `items` has. */
export function newRubricItem(items: readonly RubricItem[]): RubricItem {
  const taken = new Set(items.map((i) => i.key))
  let n = items.length + 1
  while (taken.has(`item_${n}`)) n++
  return { key: `item_${n}`, name: '', points: 10, description: '' }
}

/** Adds a forbidden word for WordList: trimmed, 1–20 characters, new, at most 200. */
export function addForbiddenWord(list: readonly string[], text: string): { list: string[]; problem: string | null } {
  const word = text.trim()
  if (!word) return { list: [...list], problem: 'empty' }
  if (chars(word) > MAX_FORBIDDEN_WORD_CHARS) return { list: [...list], problem: 'too_long' }
  if (list.includes(word)) return { list: [...list], problem: 'duplicate' }
  if (list.length >= MAX_FORBIDDEN_WORDS) return { list: [...list], problem: 'too_many' }
  return { list: [...list, word], problem: null }
}
