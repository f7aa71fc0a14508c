import { describe, expect, it } from 'vitest'
import type { AutoReplies, KeywordRule } from '../../api'
import {
  MAX_BUTTON_CHARS,
  MAX_WELCOME_BUTTONS,
  PARTS,
  VARIABLES,
  VARIABLE_KEYS,
  addButton,
  blankRule,
  byPriority,
  draftOfRule,
  editableOf,
  entriesLeft,
  insertVariable,
  newRuleId,
  normaliseButtons,
  normaliseKeywords,
  preparedOf,
  repliesProblem,
  ruleOf,
  ruleProblem,
  sameReplies,
  variablesFor,
} from './automation'

/** The server's defaults (kefu-domain automation.rs), everything off. */
function defaults(): AutoReplies {
  return {
    welcome: { enabled: false, channels: [], text: '您好，欢迎光临！请问有什么可以帮您？', buttons: [], by_entry: [] },
    keywords: { enabled: false, channels: [], rules: [] },
    idle: { enabled: false, channels: [], minutes: 5, text: '亲，客服正在为您查询，请稍等片刻～' },
    off_hours: { enabled: false, channels: [], text: '您好，现在是非工作时间，客服将于{下次营业}上线。' },
    queue: { enabled: false, channels: [], text: '您前面还有{排队位置}位，请稍候～' },
    closing: { enabled: false, channels: [], text: '感谢您的咨询！' },
    rating: { enabled: false, channels: [], text: '您对本次服务满意吗？点这里为我们打分～' },
  }
}

const RULE: KeywordRule = { id: 'r-ship', name: '发货', keywords: ['发货', '几天到'], reply: '亲，48 小时内发货～' }

describe('variables', () => {
  it('offers each part its own variable first, and the queue place only for the queue', () => {
    expect(variablesFor('off_hours')[0]).toBe('下次营业')
    expect(variablesFor('queue')[0]).toBe('排队位置')
    for (const part of PARTS.filter((p) => p !== 'queue')) expect(variablesFor(part)).not.toContain('排队位置')
    expect(variablesFor('welcome')).toContain('买家')
    expect(new Set(variablesFor('queue')).size).toBe(variablesFor('queue').length)
  })

  it('puts a variable where the cursor is, over the selection, or at the end', () => {
    expect(insertVariable('您好，', '买家')).toEqual({ text: '您好，{买家}', caret: 7 })
    expect(insertVariable('您好！', '买家', 2, 2)).toEqual({ text: '您好{买家}！', caret: 6 })
    expect(insertVariable('您好 XX！', '买家', 3, 5)).toEqual({ text: '您好 {买家}！', caret: 7 })
    expect(insertVariable('ab', '客服', 99, 120)).toEqual({ text: 'ab{客服}', caret: 6 })
  })
})

describe('question buttons', () => {
  it('adds a trimmed question, or says why not', () => {
    expect(addButton([], '  多久发货？ ')).toEqual({ buttons: ['多久发货？'], problem: null })
    expect(addButton(['多久发货？'], '多久发货？').problem).toBe('duplicate')
    expect(addButton([], '   ').problem).toBe('empty')
    expect(addButton([], 'x'.repeat(MAX_BUTTON_CHARS + 1)).problem).toBe('too_long')
    const six = Array.from({ length: MAX_WELCOME_BUTTONS }, (_, i) => `问题 ${i}`)
    expect(addButton(six, '再来一个')).toEqual({ buttons: six, problem: 'too_many' })
  })

  it('normalises what is sent: trimmed, none empty or twice, at most six', () => {
    expect(normaliseButtons([' a ', '', 'a', 'b', 'c', 'd', 'e', 'f', 'g'])).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
  })

  it('offers the entries without a welcome of their own', () => {
    const r = defaults()
    r.welcome.by_entry = [{ entry: 'live_room', text: '直播间的宝宝好', buttons: [] }]
    expect(entriesLeft(r)).not.toContain('live_room')
    expect(entriesLeft(r)).toHaveLength(5)
  })
})

describe('keyword rules', () => {
  it('makes unique ids of 1–40 characters for new rules', () => {
    const ids = Array.from({ length: 50 }, () => newRuleId())
    for (const id of ids) expect(id).toMatch(/^r-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
    const taken = ids.slice(0, 10)
    expect(taken).not.toContain(blankRule(taken).id)
  })

  it('fills what a stored rule leaves out, and sends every field', () => {
    const draft = draftOfRule(RULE)
    expect(draft).toEqual({ id: 'r-ship', name: '发货', enabled: true, priority: 0, keywords: ['发货', '几天到'], mode: 'any', pattern: '', reply: '亲，48 小时内发货～', cooldown: 0 })
    expect(ruleOf(draft)).toEqual({ ...RULE, enabled: true, priority: 0, mode: 'any', pattern: null, cooldown_minutes: 0 })
  })

  it('trims the dialog’s fields and keeps each keyword once, case ignored', () => {
    expect(normaliseKeywords([' 退货 ', '', 'VIP', 'vip', '退货'])).toEqual(['退货', 'VIP'])
    const rule = ruleOf({ ...blankRule(), name: ' 退货 ', keywords: ['退货 '], pattern: '  ', reply: ' 好的 ', priority: 3.7, cooldown: 10 })
    expect(rule).toMatchObject({ name: '退货', keywords: ['退货'], pattern: null, reply: '好的', priority: 3, cooldown_minutes: 10 })
  })

  it('says what the server would refuse', () => {
    const ok = { ...blankRule(), name: '发货', keywords: ['发货'], reply: '48 小时内发货' }
    expect(ruleProblem(ok)).toBeNull()
    expect(ruleProblem({ ...ok, name: '  ' })).toBe('name')
    expect(ruleProblem({ ...ok, name: '名'.repeat(41) })).toBe('name')
    expect(ruleProblem({ ...ok, keywords: [' '] })).toBe('match')
    expect(ruleProblem({ ...ok, keywords: [], pattern: '^\\d{6}$' })).toBeNull()
    expect(ruleProblem({ ...ok, keywords: ['词'.repeat(51)] })).toBe('keywords')
    expect(ruleProblem({ ...ok, pattern: 'a'.repeat(201) })).toBe('pattern')
    expect(ruleProblem({ ...ok, reply: ' ' })).toBe('reply')
    expect(ruleProblem({ ...ok, cooldown: 1441 })).toBe('cooldown')
    expect(ruleProblem({ ...ok, id: '' })).toBe('id')
  })

  it('lists rules highest priority first, ties in the shop’s order', () => {
    const rules = [
      { id: 'a', priority: 1 },
      { id: 'b', priority: 5 },
      { id: 'c' },
      { id: 'd', priority: 5 },
    ]
    expect(byPriority(rules).map((r) => r.id)).toEqual(['b', 'd', 'a', 'c'])
  })
})

describe('the whole document', () => {
  it('edits a copy that equals what was saved until something changes', () => {
    const saved = defaults()
    saved.keywords.rules = [RULE]
    const draft = editableOf(saved)
    expect(sameReplies(draft, editableOf(saved))).toBe(true)
    draft.keywords.rules[0].name = '发货时间'
    expect(saved.keywords.rules[0].name).toBe('发货')
    expect(sameReplies(draft, editableOf(saved))).toBe(false)
  })

  it('sends texts trimmed and buttons normalised', () => {
    const r = defaults()
    r.welcome.text = '  您好 '
    r.welcome.buttons = [' 发货 ', '发货']
    r.welcome.by_entry = [{ entry: 'order_card', text: ' 订单的事 ', buttons: [' 退款 '] }]
    r.closing.text = ' 再见 '
    const sent = preparedOf(r)
    expect(sent.welcome).toMatchObject({ text: '您好', buttons: ['发货'], by_entry: [{ entry: 'order_card', text: '订单的事', buttons: ['退款'] }] })
    expect(sent.closing.text).toBe('再见')
    expect(r.welcome.text).toBe('  您好 ')
  })

  it('takes the defaults, and empty texts of parts that are off', () => {
    expect(repliesProblem(defaults())).toBeNull()
    const r = defaults()
    r.closing.text = ''
    expect(repliesProblem(r)).toBeNull()
    r.closing.enabled = true
    expect(repliesProblem(r)).toEqual({ part: 'closing', why: 'text' })
  })

  it('points at the part, entry or rule the server would refuse', () => {
    const long = defaults()
    long.queue.text = '字'.repeat(1001)
    expect(repliesProblem(long)).toEqual({ part: 'queue', why: 'text' })

    const rating = defaults()
    rating.rating = { enabled: true, channels: ['web'], text: '  ' }
    expect(repliesProblem(rating)).toEqual({ part: 'rating', why: 'text' })

    const idle = defaults()
    idle.idle.minutes = 121
    expect(repliesProblem(idle)).toEqual({ part: 'idle', why: 'minutes' })
    idle.idle.minutes = 0
    expect(repliesProblem(idle)?.why).toBe('minutes')

    const entry = defaults()
    entry.welcome.by_entry = [{ entry: 'live_room', text: ' ', buttons: [] }]
    expect(repliesProblem(entry)).toEqual({ part: 'welcome', why: 'text', entry: 'live_room' })
    entry.welcome.by_entry = [
      { entry: 'live_room', text: '好', buttons: [] },
      { entry: 'live_room', text: '好', buttons: [] },
    ]
    expect(repliesProblem(entry)).toEqual({ part: 'welcome', why: 'entry', entry: 'live_room' })

    const buttons = defaults()
    buttons.welcome.buttons = Array.from({ length: 7 }, (_, i) => `q${i}`)
    expect(repliesProblem(buttons)).toEqual({ part: 'welcome', why: 'buttons' })

    const rules = defaults()
    rules.keywords.rules = [RULE, { ...RULE, name: '又一条' }]
    expect(repliesProblem(rules)).toEqual({ part: 'keywords', why: 'duplicate_rule', rule: '又一条' })
    rules.keywords.rules = [{ ...RULE, keywords: [] }]
    expect(repliesProblem(rules)).toEqual({ part: 'keywords', why: 'match', rule: '发货' })
  })
})

describe('variable names', () => {
  it('has an English name for every variable', () => {
    expect(Object.keys(VARIABLE_KEYS).sort()).toEqual([...VARIABLES].sort())
  })
})
