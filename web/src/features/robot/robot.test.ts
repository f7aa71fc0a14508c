import { describe, expect, it } from 'vitest'
import type { Flow, KbEntry, Lexicon } from '../../api'
import {
  blankEntry,
  blankFlow,
  draftOf,
  entryOf,
  entryProblem,
  flowDraftOf,
  flowOf,
  flowPartOf,
  lexiconDraftOf,
  lexiconOf,
  lexiconProblem,
  lexiconWordCount,
  lines,
  markWords,
  move,
  percent,
  validityOf,
} from './robot'

function entry(extra: Partial<KbEntry> = {}): KbEntry {
  return {
    id: 'shipping-time',
    question: '多久发货？',
    similar: ['什么时候发货'],
    answer: { text: '48 小时内发货。' },
    tier: 'general',
    skus: [],
    categories: [],
    valid_from: null,
    valid_to: null,
    review_by: null,
    ...extra,
  }
}

describe('knowledge base entries', () => {
  it('finds the first problem as the server names it', () => {
    expect(entryProblem(entry())).toBeNull()
    expect(entryProblem(entry({ id: 'has space' }))).toBe('invalid_kb_id')
    expect(entryProblem(entry({ id: 'x'.repeat(65) }))).toBe('invalid_kb_id')
    expect(entryProblem(entry({ question: '  ' }))).toBe('invalid_question')
    expect(entryProblem(entry({ similar: ['ok', ''] }))).toBe('invalid_question')
    expect(entryProblem(entry({ question: '问'.repeat(200) }))).toBeNull()
    expect(entryProblem(entry({ question: '问'.repeat(201) }))).toBe('invalid_question')
    expect(entryProblem(entry({ answer: { text: ' ' } }))).toBe('invalid_answer')
    expect(entryProblem(entry({ tier: 'product' }))).toBe('product_entry_unbound')
    expect(entryProblem(entry({ tier: 'product', categories: ['绿茶'] }))).toBeNull()
    expect(
      entryProblem(entry({ tier: 'scenario', valid_from: '2026-11-11T00:00:00Z', valid_to: '2026-11-11T00:00:00Z' })),
    ).toBe('invalid_validity')
  })

  it('places now in a scenario window', () => {
    const window = entry({ tier: 'scenario', valid_from: '2026-11-01', valid_to: '2026-11-12T00:00:00Z' })
    expect(validityOf(entry(), 0)).toBe('always')
    expect(validityOf(window, Date.parse('2026-10-31T23:59:59Z'))).toBe('upcoming')
    expect(validityOf(window, Date.parse('2026-11-01T00:00:00Z'))).toBe('active')
    expect(validityOf(window, Date.parse('2026-11-12T00:00:00Z'))).toBe('expired')
    expect(validityOf(entry({ valid_to: '2026-11-12T00:00:00Z' }), 0)).toBe('active')
  })

  it('edits an entry and sends it back as it was', () => {
    const stored = entry({
      answer: { text: '48 小时内发货。', image: 'img-1', image_url: 'kept', product_code: 'TEA-01', buttons: ['好的'] },
      conditions: { entries: ['order_card'], channels: [], office_hours: false },
    })
    const draft = draftOf({ ...stored, image_link: '/files/img-1' })
    expect(draft.officeHours).toBe('out')
    expect(draft.image).toEqual({ id: 'img-1', link: '/files/img-1' })
    expect(entryOf(draft, stored)).toEqual(stored)
  })

  it('keeps a review date for any tier (issue #16)', () => {
    const stored = entry({ review_by: '2027-03-01T00:00:00.000Z' })
    const draft = draftOf(stored)
    expect(draft.reviewBy?.toISOString()).toBe('2027-03-01T00:00:00.000Z')
    expect(entryOf(draft, stored).review_by).toBe('2027-03-01T00:00:00.000Z')
    expect(entryOf({ ...draft, reviewBy: null }).review_by).toBeNull()
  })

  it('trims and dedupes what the dialog typed, and keeps a window only for scenarios', () => {
    const draft = {
      ...blankEntry(),
      id: ' faq-1 ',
      question: ' 包邮吗 ',
      similar: ['包邮吗？', ' 包邮吗？', ''],
      answer: ' 满 99 包邮 ',
      buttons: ['好', ' 好 ', ''],
      validFrom: new Date('2026-11-01T00:00:00Z'),
    }
    const sent = entryOf(draft)
    expect(sent).toMatchObject({ id: 'faq-1', question: '包邮吗', similar: ['包邮吗？'], answer: { text: '满 99 包邮', buttons: ['好'] } })
    expect(sent.valid_from).toBeNull()
    expect(sent.conditions?.office_hours).toBeNull()
    expect(entryOf({ ...draft, tier: 'scenario' }).valid_from).toBe('2026-11-01T00:00:00.000Z')
  })
})

describe('lexicons', () => {
  const lexicon: Lexicon = {
    synonyms: [['茶艺课', '茶道课']],
    colloquial: { 阔以: '可以' },
    negations: ['不'],
    terms: ['明前龙井'],
    blocked: [],
    sensitive: ['盗刷'],
  }

  it('goes to rows and back, dropping empty words and rows', () => {
    const draft = lexiconDraftOf(lexicon)
    expect(draft.colloquial).toEqual([{ from: '阔以', to: '可以' }])
    draft.synonyms.push([' ', ''])
    draft.colloquial.push({ from: '木有', to: ' ' })
    draft.terms.push(' 明前龙井 ')
    expect(lexiconOf(draft)).toEqual(lexicon)
    expect(lexiconDraftOf(null)).toEqual({ synonyms: [], colloquial: [], negations: [], terms: [], blocked: [], sensitive: [] })
  })

  it('counts words and finds problems as the server does', () => {
    expect(lexiconWordCount(lexicon)).toBe(6)
    expect(lexiconProblem(lexicon)).toBeNull()
    expect(lexiconProblem({ ...lexicon, synonyms: [['a', 'b'], ['c']] })).toEqual({ code: 'invalid_lexicon', group: 1 })
    expect(lexiconProblem({ ...lexicon, terms: ['词'.repeat(33)] })).toEqual({ code: 'invalid_lexicon' })
    const many = Array.from({ length: 2000 }, (_, i) => `w${i}`)
    expect(lexiconProblem({ ...lexicon, blocked: many })).toEqual({ code: 'lexicon_too_large' })
  })
})

describe('the test console and figures', () => {
  it('marks the longest matching words first', () => {
    expect(markWords('茶道课怎么报名', ['茶道', '茶道课', ''])).toEqual([
      { text: '茶道课', hit: true },
      { text: '怎么报名', hit: false },
    ])
    expect(markWords('abc', [])).toEqual([{ text: 'abc', hit: false }])
  })

  it('shows shares as percentages', () => {
    expect(percent(0)).toBe('0%')
    expect(percent(0.042)).toBe('4.2%')
    expect(percent(0.875)).toBe('88%')
    expect(percent(1)).toBe('100%')
  })
})

describe('multi-turn flows', () => {
  const flow: Flow = {
    id: 'return',
    name: '退货退款',
    enabled: true,
    triggers: ['我要退货', '退货'],
    steps: [
      { slot: 'order', kind: 'order', prompt: '哪个订单？', options: [], optional: false },
      { slot: 'reason', kind: 'choice', prompt: '原因？', options: ['不想要了', '质量问题'], optional: false },
      { slot: 'photo', kind: 'photo', prompt: '拍张照片', options: [], optional: true },
    ],
    finish: { action: 'after_sale', after_sale: 'return_refund', text: '已提交' },
  }

  it('goes to the form and back', () => {
    const draft = flowDraftOf(flow)
    expect(draft.triggers).toBe('我要退货\n退货')
    expect(draft.steps[1].options).toBe('不想要了\n质量问题')
    expect(flowOf(draft)).toEqual(flow)
  })

  it('sends options only with a choice, skipping only where it can, the after-sale kind only with that finish', () => {
    const draft = flowDraftOf(flow)
    draft.steps[0].options = 'stray'
    draft.steps[0].optional = true
    draft.action = 'reply'
    const sent = flowOf(draft)
    expect(sent.steps[0]).toMatchObject({ options: [], optional: false })
    expect(sent.finish).toEqual({ action: 'reply', text: '已提交' })
    expect(blankFlow().steps.map((s) => s.kind)).toEqual(['order'])
  })

  it('reads lines and moves steps', () => {
    expect(lines(' a \r\n\nb\n ')).toEqual(['a', 'b'])
    const list = ['a', 'b', 'c']
    move(list, 0, 1)
    expect(list).toEqual(['b', 'a', 'c'])
    move(list, 0, -1)
    move(list, 2, 1)
    expect(list).toEqual(['b', 'a', 'c'])
  })

  it("finds the part of the form the server's message is about", () => {
    expect(flowPartOf('第 2 步：选项不能为空')).toEqual({ step: 1 })
    expect(flowPartOf('step 3 has no prompt')).toEqual({ step: 2 })
    expect(flowPartOf('名称不能为空')).toBe('name')
    expect(flowPartOf('触发语句（triggers）：至少一句')).toBe('triggers')
    expect(flowPartOf('finish: text is empty')).toBe('finish')
    expect(flowPartOf('something else')).toBeNull()
  })
})
