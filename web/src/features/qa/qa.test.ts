import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { REVIEW_STATUSES, SAMPLE_REASONS } from '../../api'
import type { QaRubric } from '../../api'
import {
  addForbiddenWord,
  commentsBySeq,
  copyRubric,
  countingScore,
  decidedScoreProblem,
  hitsBySeq,
  liveScore,
  newRubricItem,
  preparedRubric,
  rubricProblem,
  scorable,
  scoreDraft,
  scoreInputOf,
  scoreText,
  textProblem,
} from './qa'
import type { RubricProblem } from './qa'

/** The default rubric (kefu-domain qa.rs), 100 points in all. */
const RUBRIC: QaRubric = {
  items: [
    { key: 'greeting', name: '问候与结束语', points: 10, description: '及时问候，礼貌结束' },
    { key: 'accuracy', name: '回答准确', points: 30, description: '' },
    { key: 'tone', name: '服务态度', points: 20, description: '' },
    { key: 'resolution', name: '问题解决', points: 30, description: '' },
    { key: 'compliance', name: '规范用语', points: 10, description: '' },
  ],
  forbidden_words: ['不知道', '爱买不买'],
  sample_percent: 5,
  sample_min: 3,
}

describe('scoring a review', () => {
  it('starts a pending review at full points, a scored one at what it was given', () => {
    const fresh = scoreDraft(RUBRIC, { items: [] })
    expect(fresh.map((i) => [i.key, i.points, i.max])).toEqual([
      ['greeting', 10, 10],
      ['accuracy', 30, 30],
      ['tone', 20, 20],
      ['resolution', 30, 30],
      ['compliance', 10, 10],
    ])
    expect(fresh[0].description).toBe('及时问候，礼貌结束')
    const again = scoreDraft(RUBRIC, { items: [{ key: 'tone', points: 12, note: '语气生硬' }, { key: 'accuracy', points: 99 }] })
    expect(again.find((i) => i.key === 'tone')).toMatchObject({ points: 12, note: '语气生硬' })
    // More than an item is worth (the rubric changed since) is held to its points.
    expect(again.find((i) => i.key === 'accuracy')?.points).toBe(30)
  })

  it('totals out of 100 as the server does: the points given over the rubric’s, to one decimal', () => {
    const items = scoreDraft(RUBRIC, { items: [] })
    expect(liveScore(items)).toEqual({ given: 100, total: 100, score: 100 })
    items[1].points = 18
    items[2].points = 15
    expect(liveScore(items)).toEqual({ given: 83, total: 100, score: 83 })
    // A rubric of 70 points: 50 of 70 is 71.4.
    expect(liveScore([{ points: 30, max: 40 }, { points: 20, max: 30 }])).toEqual({ given: 50, total: 70, score: 71.4 })
    // An emptied input counts as nothing; more than the item's points as its points.
    expect(liveScore([{ points: Number.NaN, max: 40 }, { points: 35, max: 30 }])).toEqual({ given: 30, total: 70, score: 42.9 })
    expect(liveScore([])).toEqual({ given: 0, total: 0, score: 0 })
  })

  it('sends every item once with trimmed notes, and the comments', () => {
    const items = scoreDraft(RUBRIC, { items: [] })
    items[2].points = 12
    items[2].note = '  语气生硬 '
    const input = scoreInputOf(items, [{ seq: 4, text: ' 应先致歉 ' }])
    expect(input.items).toHaveLength(5)
    expect(input.items[2]).toEqual({ key: 'tone', points: 12, note: '语气生硬' })
    expect(input.comments).toEqual([{ seq: 4, text: '应先致歉' }])
  })

  it('may score again until the agent appeals', () => {
    expect(REVIEW_STATUSES.filter(scorable)).toEqual(['pending', 'scored'])
  })

  it('counts the decided score over the inspector’s', () => {
    expect(countingScore({ score: 72, final_score: 85 })).toBe(85)
    expect(countingScore({ score: 72, final_score: null })).toBe(72)
    expect(countingScore({ score: null })).toBeNull()
    expect(scoreText(71.43)).toBe('71.4')
    expect(scoreText(90)).toBe('90')
    expect(scoreText(null)).toBe('—')
  })
})

describe('messages', () => {
  it('groups forbidden-word hits and comments by message', () => {
    const hits = hitsBySeq([
      { seq: 3, word: '不知道' },
      { seq: 3, word: '不知道' },
      { seq: 3, word: '爱买不买' },
      { seq: 7, word: '不知道' },
    ])
    expect([...hits]).toEqual([
      [3, ['不知道', '爱买不买']],
      [7, ['不知道']],
    ])
    const notes = commentsBySeq([
      { seq: 5, text: 'a' },
      { seq: 2, text: 'b' },
      { seq: 5, text: 'c' },
    ])
    expect(notes.get(5)).toEqual([
      { text: 'a', index: 0 },
      { text: 'c', index: 2 },
    ])
    expect(notes.get(2)).toEqual([{ text: 'b', index: 1 }])
  })

  it('wants 1–500 characters in a comment, an appeal or a decision', () => {
    expect(textProblem('  ')).toBe('empty')
    expect(textProblem('理由')).toBeNull()
    expect(textProblem('好'.repeat(500))).toBeNull()
    expect(textProblem('好'.repeat(501))).toBe('too_long')
  })

  it('takes a decided score of 0–100, or none', () => {
    expect(decidedScoreProblem(null)).toBeNull()
    expect(decidedScoreProblem(undefined)).toBeNull()
    expect(decidedScoreProblem(0)).toBeNull()
    expect(decidedScoreProblem(100)).toBeNull()
    expect(decidedScoreProblem(100.5)).toBe('out_of_range')
    expect(decidedScoreProblem(-1)).toBe('out_of_range')
  })
})

describe('the rubric', () => {
  const check = (over: Partial<QaRubric>): RubricProblem | null => rubricProblem({ ...RUBRIC, ...over })

  it('takes the default rubric', () => {
    expect(rubricProblem(RUBRIC)).toBeNull()
  })

  it('refuses what the server refuses, naming the item', () => {
    expect(check({ items: [] })).toEqual({ why: 'no_items' })
    expect(check({ items: Array.from({ length: 31 }, (_, i) => ({ key: `k${i}`, name: 'n', points: 1 })) })).toEqual({ why: 'too_many_items' })
    expect(check({ items: [RUBRIC.items[0], { ...RUBRIC.items[1], key: 'greeting' }] })).toEqual({ why: 'duplicate_key', item: 1 })
    expect(check({ items: [{ ...RUBRIC.items[0], key: ' ' }] })).toEqual({ why: 'bad_key', item: 0 })
    expect(check({ items: [{ ...RUBRIC.items[0], name: '' }] })).toEqual({ why: 'bad_name', item: 0 })
    expect(check({ items: [{ ...RUBRIC.items[0], points: 0 }] })).toEqual({ why: 'bad_points', item: 0 })
    expect(check({ items: [{ ...RUBRIC.items[0], points: 101 }] })).toEqual({ why: 'bad_points', item: 0 })
    expect(check({ items: [{ ...RUBRIC.items[0], description: 'x'.repeat(201) }] })).toEqual({ why: 'bad_description', item: 0 })
    expect(check({ forbidden_words: ['x'.repeat(21)] })).toEqual({ why: 'bad_word' })
    expect(check({ forbidden_words: Array.from({ length: 201 }, (_, i) => `w${i}`) })).toEqual({ why: 'too_many_words' })
    expect(check({ sample_percent: 101 })).toEqual({ why: 'bad_sample' })
    expect(check({ sample_min: 1001 })).toEqual({ why: 'bad_sample' })
  })

  it('is edited as a copy of its own, reactive or not', () => {
    const saved = reactive(structuredClone(RUBRIC))
    const draft = copyRubric(saved)
    draft.items[0].points = 5
    draft.forbidden_words.push('自己看')
    expect(saved.items[0].points).toBe(10)
    expect(saved.forbidden_words).toEqual(['不知道', '爱买不买'])
    expect(copyRubric(RUBRIC)).toEqual(RUBRIC)
  })

  it('is saved trimmed', () => {
    const rubric = preparedRubric({ ...RUBRIC, items: [{ key: ' tone ', name: ' 态度 ', points: 20 }], forbidden_words: [' 不知道 '] })
    expect(rubric.items).toEqual([{ key: 'tone', name: '态度', points: 20, description: '' }])
    expect(rubric.forbidden_words).toEqual(['不知道'])
  })

  it('adds items with new keys', () => {
    expect(newRubricItem(RUBRIC.items).key).toBe('item_6')
    expect(newRubricItem([{ key: 'item_2', name: 'a', points: 1 }]).key).toBe('item_3')
    expect(newRubricItem([{ key: 'item_2', name: 'a', points: 1 }, { key: 'item_3', name: 'b', points: 1 }]).key).toBe('item_4')
  })

  it('adds forbidden words once, of at most 20 characters', () => {
    expect(addForbiddenWord(['不知道'], ' 自己看 ')).toEqual({ list: ['不知道', '自己看'], problem: null })
    expect(addForbiddenWord(['不知道'], '不知道').problem).toBe('duplicate')
    expect(addForbiddenWord([], '  ').problem).toBe('empty')
    expect(addForbiddenWord([], 'x'.repeat(21)).problem).toBe('too_long')
    expect(addForbiddenWord(Array.from({ length: 200 }, (_, i) => `w${i}`), '新词').problem).toBe('too_many')
  })
})

describe('texts', () => {
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name every reason, status, tab and problem in both languages', () => {
    const problems = ['no_items', 'too_many_items', 'too_many_words', 'bad_word', 'bad_sample', 'bad_key', 'duplicate_key', 'bad_name', 'bad_points', 'bad_description']
    const keys = [
      ...SAMPLE_REASONS.map((r) => `qa.reasons.${r}`),
      ...REVIEW_STATUSES.map((s) => `qa.statuses.${s}`),
      ...['inspect', 'appeals', 'rubric', 'mine'].map((x) => `qa.tabs.${x}`),
      ...['empty', 'too_long'].map((p) => `qa.textProblems.${p}`),
      ...['appealed', 'decided'].map((p) => `qa.appealFilters.${p}`),
      ...problems.map((p) => `qa.rubricEditor.problems.${p}`),
      ...['empty', 'too_long', 'duplicate', 'too_many'].map((p) => `qa.rubricEditor.wordProblems.${p}`),
    ]
    for (const [name, tree] of Object.entries({ zh, en })) {
      expect(keys.filter((k) => typeof at(tree, k) !== 'string'), name).toEqual([])
    }
  })
})
