// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { ESCALATION_LEVELS, ESCALATION_STATUSES, ESCALATION_TRIGGERS, MAX_ESCALATION_WORDS } from '../../api'
import type { Escalation, EscalationRules } from '../../api'
import {
  BOARD_FILTERS,
  addRuleWord,
  escalationClock,
  levelRank,
  raisedByText,
  rulesBody,
  rulesDraftOf,
  rulesProblem,
  sortEscalations,
  subjectRoute,
  textProblem,
  topEscalations,
} from './escalations'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const MINUTE = 60_000
const NOW = Date.UTC(2026, 10, 21, 6, 0)
const CONVERSATION = '0b7c2f4e-3a7d-4c59-9a43-1f3e2d5c6b7a'
const ORDER = '5d1f8a2b-6c3e-4f7a-8b9c-0d1e2f3a4b5c'
const AGENT = '7e2a9b3c-1d4f-4a6b-8c9d-0e1f2a3b4c5d'

function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 'e1',
    subject: `conversation:${CONVERSATION}`,
    conversation_id: CONVERSATION,
    work_order_id: null,
    level: 'two',
    triggers: ['agent'],
    reason: '买家称要投诉到平台',
    raised_by: AGENT,
    raised_by_name: '小王',
    status: 'open',
    owner_id: null,
    due_at: NOW + 27 * MINUTE,
    overdue_at: null,
    created_at: NOW - 3 * MINUTE,
    raised_at: NOW - 3 * MINUTE,
    updated_at: NOW - 3 * MINUTE,
    outcome: '',
    version: 1,
    buyer_name: '张三',
    may_handle: true,
    ...over,
  }
}

const RULES: EscalationRules = {
  enabled: true,
  complaint_words: ['投诉', '差评'],
  public_words: ['12315'],
  high_amount_fen: 100_000,
  repeat_contacts: 3,
}

describe('levels and order', () => {
  it('ranks the levels from one to three', () => {
    expect(ESCALATION_LEVELS.map(levelRank)).toEqual([1, 2, 3])
  })

  it('lists active ones before handled ones, the newest raised first', () => {
    const list = [
      escalation({ id: 'old', raised_at: NOW - 60 * MINUTE }),
      escalation({ id: 'done', status: 'handled', raised_at: NOW }),
      escalation({ id: 'new', raised_at: NOW - MINUTE }),
      escalation({ id: 'taken', status: 'taken', raised_at: NOW - 30 * MINUTE }),
    ]
    expect(sortEscalations(list).map((e) => e.id)).toEqual(['new', 'taken', 'old', 'done'])
    expect(list[0].id).toBe('old')
  })

  it('shows the overview the highest levels first, handled ones never', () => {
    const list = [
      escalation({ id: 'a', level: 'one', raised_at: NOW }),
      escalation({ id: 'b', level: 'three', raised_at: NOW - 90 * MINUTE }),
      escalation({ id: 'c', level: 'two', raised_at: NOW - MINUTE }),
      escalation({ id: 'd', level: 'two', raised_at: NOW - 10 * MINUTE }),
      escalation({ id: 'e', level: 'three', status: 'handled', raised_at: NOW }),
    ]
    expect(topEscalations(list).map((e) => e.id)).toEqual(['b', 'c', 'd'])
    expect(topEscalations(list, 1).map((e) => e.id)).toEqual(['b'])
    expect(topEscalations([])).toEqual([])
  })
})

describe('the clock', () => {
  it('counts down to an open one’s deadline', () => {
    const clock = escalationClock(escalation(), NOW)
    expect(clock.state).toBe('left')
    expect(clock.text).toBe('剩余 27 分钟')
    expect(clock.at).not.toBe('')
    i18n.global.locale.value = 'en'
    expect(escalationClock(escalation(), NOW).text).toBe('27 min left')
  })

  it('says how long past its deadline, or only that it is', () => {
    expect(escalationClock(escalation({ due_at: NOW - 3 * MINUTE }), NOW)).toMatchObject({ state: 'overdue', text: '已超时 3 分钟' })
    expect(escalationClock(escalation({ due_at: NOW - 3 * MINUTE, overdue_at: NOW - MINUTE }), NOW).text).toBe('已超时 3 分钟')
    expect(escalationClock(escalation({ due_at: null, overdue_at: NOW }), NOW)).toMatchObject({ state: 'overdue', text: '已超时' })
    expect(escalationClock(escalation({ due_at: NOW + MINUTE, overdue_at: NOW }), NOW)).toMatchObject({ state: 'overdue', text: '已超时' })
  })

  it('has none for level 1, once taken up, or handled', () => {
    expect(escalationClock(escalation({ level: 'one', due_at: null }), NOW)).toEqual({ state: 'none', text: '', at: '' })
    expect(escalationClock(escalation({ status: 'taken' }), NOW).state).toBe('none')
    expect(escalationClock(escalation({ status: 'handled', due_at: NOW - MINUTE }), NOW).state).toBe('none')
  })
})

describe('who and where', () => {
  it('names the agent who raised it, or the rules', () => {
    expect(raisedByText(escalation())).toBe('小王')
    expect(raisedByText(escalation({ raised_by: null, raised_by_name: null }))).toBe('规则')
    expect(raisedByText(escalation({ raised_by_name: null }))).toBe('同事')
    i18n.global.locale.value = 'en'
    expect(raisedByText(escalation({ raised_by: null }))).toBe('Rules')
  })

  it('opens the conversation, else the work order', () => {
    expect(subjectRoute(escalation())).toEqual({ name: 'workbench', query: { conversation: CONVERSATION } })
    expect(subjectRoute(escalation({ conversation_id: null, work_order_id: ORDER }))).toEqual({ name: 'work-orders', query: { order: ORDER } })
    expect(subjectRoute(escalation({ conversation_id: null }))).toBeNull()
  })

  it('takes a reason or an outcome of 1–500 characters', () => {
    expect(textProblem('  ')).toBe('empty')
    expect(textProblem('已退款')).toBeNull()
    expect(textProblem('退'.repeat(500))).toBeNull()
    expect(textProblem('😀'.repeat(500))).toBeNull()
    expect(textProblem('退'.repeat(501))).toBe('too_long')
  })
})

describe('the rules', () => {
  it('edits the amount line in yuan and sends it back in whole fen', () => {
    const draft = rulesDraftOf(RULES)
    expect(draft.high_amount_yuan).toBe(1000)
    expect(rulesBody(draft)).toEqual(RULES)
    expect(rulesBody({ ...draft, high_amount_yuan: 599.99 }).high_amount_fen).toBe(59_999)
    expect(rulesBody({ ...draft, high_amount_yuan: 0.1 + 0.2 }).high_amount_fen).toBe(30)
    draft.complaint_words.push('骗子')
    expect(RULES.complaint_words).toEqual(['投诉', '差评'])
  })

  it('finds what the server would refuse', () => {
    expect(rulesProblem(RULES)).toBeNull()
    expect(rulesProblem({ ...RULES, high_amount_fen: 0 })).toBe('amount')
    expect(rulesProblem(rulesBody({ ...rulesDraftOf(RULES), high_amount_yuan: null as unknown as number }))).toBe('amount')
    expect(rulesProblem({ ...RULES, repeat_contacts: 1 })).toBe('repeat')
    expect(rulesProblem({ ...RULES, repeat_contacts: 11 })).toBe('repeat')
    expect(rulesProblem({ ...RULES, repeat_contacts: 10 })).toBeNull()
    expect(rulesProblem({ ...RULES, public_words: [' '] })).toBe('words')
    expect(rulesProblem({ ...RULES, complaint_words: ['长'.repeat(31)] })).toBe('words')
  })

  it('adds a word once, trimmed, within the limits', () => {
    expect(addRuleWord(['投诉'], ' 骗子 ')).toEqual({ list: ['投诉', '骗子'], problem: null })
    expect(addRuleWord(['投诉'], '投诉').problem).toBe('duplicate')
    expect(addRuleWord([], '  ').problem).toBe('empty')
    expect(addRuleWord([], '长'.repeat(31)).problem).toBe('too_long')
    const full = Array.from({ length: MAX_ESCALATION_WORDS }, (_, i) => `w${i}`)
    expect(addRuleWord(full, 'new').problem).toBe('too_many')
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name every level, status, trigger, filter and problem in both languages', () => {
    const keys = [
      ...ESCALATION_LEVELS.flatMap((l) => [`escalations.levels.${l}`, `escalations.levelNames.${l}`, `escalations.levelHints.${l}`]),
      ...ESCALATION_STATUSES.map((s) => `escalations.statuses.${s}`),
      ...ESCALATION_TRIGGERS.map((tr) => `escalations.triggers.${tr}`),
      ...BOARD_FILTERS.flatMap((f) => [`escalations.filters.${f}`, `escalations.empty.${f}`]),
      ...['empty', 'too_long'].map((p) => `escalations.textProblems.${p}`),
      ...['amount', 'repeat', 'words'].map((p) => `escalations.rules.problems.${p}`),
      ...['empty', 'too_long', 'duplicate', 'too_many'].map((p) => `escalations.rules.wordProblems.${p}`),
      ...['escalations', 'notify'].map((x) => `cockpit.tabs.${x}`),
      'notice.escalation',
      'errors.escalation_changed',
      'errors.invalid_escalation',
      'errors.invalid_escalation_rules',
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })

  it('reads the header badge as level and status', () => {
    const e = escalation()
    expect(i18n.global.t('escalations.badge', { level: i18n.global.t(`escalations.levels.${e.level}`), status: i18n.global.t(`escalations.statuses.${e.status}`) })).toBe(
      '二级升级 · 待接手',
    )
  })
})
