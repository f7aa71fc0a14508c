// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import { MAX_PLAYBOOK_DUE_MINUTES, MAX_PLAYBOOK_STEPS, MAX_PLAYBOOK_WORDS, MAX_PLAYBOOKS } from '../../api'
import type { Playbooks, PlaybookRun } from '../../api'
import {
  addConditionWord,
  dueView,
  isFinished,
  minutesText,
  moved,
  newPlaybook,
  nextCustomKey,
  openSuggestions,
  pickable,
  pinnedToolOf,
  playbooksBody,
  playbooksDraftOf,
  playbooksProblem,
  problemText,
  progressOf,
  progressText,
  reasonKind,
  reasonText,
  toolText,
  withinText,
  withRun,
} from './playbooks'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const MINUTE = 60_000
const NOW = Date.UTC(2026, 10, 21, 6, 0)
const AGENT = '7e2a9b3c-1d4f-4a6b-8c9d-0e1f2a3b4c5d'

function run(over: Partial<PlaybookRun> = {}): PlaybookRun {
  return {
    id: 'r1',
    conversation_id: 'c1',
    key: 'logistics_delay',
    name: '物流异常',
    steps: [{ title: '查询轨迹' }, { title: '开工单' }, { title: '补券' }, { title: '回访' }],
    done: [{ at: NOW, by: AGENT, by_name: '小王' }, { at: NOW, by: AGENT, by_name: '小王' }, null, null],
    due_at: [NOW + 10 * MINUTE, null, NOW + 30 * MINUTE, NOW + 1440 * MINUTE],
    started_by: AGENT,
    started_by_name: '小王',
    started_at: NOW,
    finished_at: null,
    version: 3,
    ...over,
  }
}

function doc(): Playbooks {
  return {
    playbooks: [
      {
        key: 'logistics_delay',
        name: '物流异常',
        description: '包裹迟迟不到',
        enabled: true,
        applies: { words: ['物流'], tags: [], shipping: ['in_transit'], after_sale: [], escalated: null },
        steps: [
          { title: '查询轨迹', detail: '', reply: '亲，已为您查到', tool: 'logistics', work_order_kind: null, level: null, due_minutes: 10 },
          { title: '联系快递', detail: '', reply: '', tool: 'work_order', work_order_kind: 'logistics', level: null, due_minutes: 120 },
        ],
      },
      { key: 'custom_2', name: '自定义', steps: [{ title: '致歉' }] },
    ],
  }
}

describe('reasonText', () => {
  it('says why a playbook applies, in either language', () => {
    expect(reasonText('word:物流')).toBe('关键词「物流」')
    expect(reasonText('tag:complaint', (k) => (k === 'complaint' ? '投诉' : k))).toBe('标签「投诉」')
    expect(reasonText('shipping:in_transit')).toBe('物流状态 运输中')
    expect(reasonText('after_sale:requested')).toBe('售后 已申请')
    expect(reasonText('escalated:two')).toBe('已升级 二级')
    i18n.global.locale.value = 'en'
    expect(reasonText('word:物流')).toBe('Word “物流”')
    expect(reasonText('escalated:three')).toBe('Escalated: Level 3')
  })

  it('shows what it does not know as it came', () => {
    expect(reasonText('shipping:teleported')).toBe('物流状态 teleported')
    expect(reasonText('weather:rain')).toBe('weather:rain')
    expect(reasonText('plain')).toBe('plain')
    expect(reasonKind('word:x')).toBe('word')
    expect(reasonKind('plain')).toBe('other')
  })
})

describe('deadlines', () => {
  it('counts down, turns soon within half an hour, and overdue after', () => {
    expect(dueView(NOW + 3 * 60 * MINUTE, false, NOW)).toEqual({ state: 'left', text: '剩余 3 小时' })
    expect(dueView(NOW + 25 * MINUTE, false, NOW)).toEqual({ state: 'soon', text: '剩余 25 分钟' })
    expect(dueView(NOW - 10 * MINUTE, false, NOW)).toEqual({ state: 'overdue', text: '已超时 10 分钟' })
    expect(dueView(NOW, false, NOW).state).toBe('overdue')
    expect(dueView(null, false, NOW)).toEqual({ state: 'none', text: '' })
    expect(dueView(NOW - MINUTE, true, NOW)).toEqual({ state: 'done', text: '' })
  })

  it('says minutes in their largest exact unit', () => {
    expect(minutesText(30)).toBe('30 分钟')
    expect(minutesText(2880)).toBe('48 小时')
    expect(minutesText(90)).toBe('1 小时 30 分')
    expect(minutesText(MAX_PLAYBOOK_DUE_MINUTES)).toBe('30 天')
    expect(withinText(2880)).toBe('48 小时内')
    expect(withinText(null)).toBe('')
  })
})

describe('runs', () => {
  it('counts the steps done', () => {
    expect(progressOf(run())).toEqual({ done: 2, total: 4 })
    expect(progressText(run())).toBe('2/4 已完成')
    expect(isFinished(run())).toBe(false)
    expect(isFinished(run({ finished_at: NOW }))).toBe(true)
  })

  it('leaves out suggestions and choices already running, not those finished', () => {
    const suggested = [
      { key: 'logistics_delay', name: '物流异常', because: ['word:物流'] },
      { key: 'quality', name: '质量', because: ['word:坏了'] },
    ]
    expect(openSuggestions(suggested, [run()]).map((s) => s.key)).toEqual(['quality'])
    expect(openSuggestions(suggested, [run({ finished_at: NOW })]).map((s) => s.key)).toEqual(['logistics_delay', 'quality'])
    const all = [
      { key: 'logistics_delay', enabled: true },
      { key: 'quality', enabled: true },
      { key: 'off', enabled: false },
      { key: 'default_on' },
    ]
    expect(pickable(all, [run()]).map((p) => p.key)).toEqual(['quality', 'default_on'])
  })

  it('puts the run answered in place, or first', () => {
    const older = run({ version: 1 })
    const other = run({ id: 'r0', key: 'quality' })
    expect(withRun([older, other], run({ version: 2 })).map((r) => [r.id, r.version])).toEqual([
      ['r1', 2],
      ['r0', 3],
    ])
    expect(withRun([other], older).map((r) => r.id)).toEqual(['r1', 'r0'])
  })

  it('opens the pinned tool or names the dialog', () => {
    expect(pinnedToolOf('compensation')).toBe('refund')
    expect(pinnedToolOf('coupon')).toBe('coupon')
    expect(pinnedToolOf('logistics')).toBe('lookup')
    expect(pinnedToolOf('work_order')).toBeNull()
    expect(pinnedToolOf(null)).toBeNull()
    expect(toolText({ tool: 'work_order', work_order_kind: 'logistics' })).toBe('开物流工单')
    expect(toolText({ tool: 'escalate', level: 'two' })).toBe('升级到二级')
    expect(toolText({ tool: 'compensation' })).toBe('补偿/退款')
    expect(toolText({ tool: null })).toBe('')
  })
})

describe('the editor draft', () => {
  it('fills what the document leaves out and sends what the server keeps', () => {
    const draft = playbooksDraftOf(doc())
    expect(draft.playbooks[1]).toEqual({
      key: 'custom_2',
      name: '自定义',
      description: '',
      enabled: true,
      applies: { words: [], tags: [], shipping: [], after_sale: [], escalated: null },
      steps: [{ title: '致歉', detail: '', reply: '', tool: null, work_order_kind: null, level: null, due_minutes: null }],
    })
    draft.playbooks[0].name = '  物流异常 '
    draft.playbooks[0].steps[0].work_order_kind = 'refund'
    draft.playbooks[0].steps[1].level = 'two'
    const body = playbooksBody(draft)
    expect(body.playbooks[0].name).toBe('物流异常')
    expect(body.playbooks[0].steps[0].work_order_kind).toBeNull()
    expect(body.playbooks[0].steps[1]).toMatchObject({ tool: 'work_order', work_order_kind: 'logistics', level: null })
    expect(playbooksProblem(body)).toBeNull()
  })

  it('keys a new playbook one past the highest custom key', () => {
    expect(nextCustomKey([])).toBe('custom_1')
    expect(nextCustomKey(['quality', 'custom_1', 'custom_7', 'custom_x'])).toBe('custom_8')
    const p = newPlaybook('custom_1', '新方案')
    expect(p.steps).toHaveLength(1)
    expect(p.enabled).toBe(true)
  })

  it('moves steps within the list', () => {
    expect(moved(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c'])
    expect(moved(['a', 'b', 'c'], 1, 1)).toEqual(['a', 'c', 'b'])
    expect(moved(['a', 'b'], 0, -1)).toEqual(['a', 'b'])
    expect(moved(['a', 'b'], 1, 1)).toEqual(['a', 'b'])
  })

  it('adds condition words of 1–30 characters, new, at most 50', () => {
    expect(addConditionWord(['物流'], ' 快递 ')).toEqual({ list: ['物流', '快递'], problem: null })
    expect(addConditionWord([], '  ').problem).toBe('empty')
    expect(addConditionWord([], '字'.repeat(31)).problem).toBe('too_long')
    expect(addConditionWord(['物流'], '物流').problem).toBe('duplicate')
    expect(addConditionWord(Array.from({ length: MAX_PLAYBOOK_WORDS }, (_, i) => `w${i}`), 'new').problem).toBe('too_many')
  })

  it('finds what the server would refuse, and says where', () => {
    const check = (edit: (d: Playbooks) => void) => {
      const d = doc()
      edit(d)
      return playbooksProblem(d)
    }
    expect(check(() => {})).toBeNull()
    expect(check((d) => { d.playbooks[1].key = 'Custom-2' })).toEqual({ code: 'key', playbook: 1 })
    expect(check((d) => { d.playbooks[1].key = 'x'.repeat(41) })).toEqual({ code: 'key', playbook: 1 })
    expect(check((d) => { d.playbooks[1].key = 'logistics_delay' })).toEqual({ code: 'duplicate_key', playbook: 1 })
    expect(check((d) => { d.playbooks[0].name = ' ' })).toEqual({ code: 'name', playbook: 0 })
    expect(check((d) => { d.playbooks[0].name = '名'.repeat(31) })).toEqual({ code: 'name', playbook: 0 })
    expect(check((d) => { d.playbooks[0].name = '名'.repeat(30) })).toBeNull()
    expect(check((d) => { d.playbooks[0].description = 'x'.repeat(501) })?.code).toBe('description')
    expect(check((d) => { d.playbooks[1].steps = [] })).toEqual({ code: 'no_steps', playbook: 1 })
    expect(check((d) => { d.playbooks[1].steps = Array.from({ length: MAX_PLAYBOOK_STEPS + 1 }, () => ({ title: 't' })) })?.code).toBe('too_many_steps')
    expect(check((d) => { d.playbooks[0].applies!.words = Array.from({ length: 51 }, (_, i) => `w${i}`) })?.code).toBe('words')
    expect(check((d) => { d.playbooks[0].applies!.tags = [''] })?.code).toBe('tags')
    expect(check((d) => { d.playbooks[0].steps[1].title = '' })).toEqual({ code: 'step_title', playbook: 0, step: 1 })
    expect(check((d) => { d.playbooks[0].steps[0].reply = 'x'.repeat(501) })?.code).toBe('step_text')
    expect(check((d) => { d.playbooks[0].steps[1].work_order_kind = null })).toEqual({ code: 'work_order_kind', playbook: 0, step: 1 })
    expect(check((d) => { d.playbooks[0].steps[0].due_minutes = 0 })?.code).toBe('due')
    expect(check((d) => { d.playbooks[0].steps[0].due_minutes = MAX_PLAYBOOK_DUE_MINUTES + 1 })?.code).toBe('due')
    expect(check((d) => { d.playbooks[0].steps[0].due_minutes = MAX_PLAYBOOK_DUE_MINUTES })).toBeNull()
    const many = Array.from({ length: MAX_PLAYBOOKS + 1 }, (_, i) => ({ key: `k${i}`, name: 'n', steps: [{ title: 't' }] }))
    expect(check((d) => { d.playbooks = many })).toEqual({ code: 'too_many' })
  })

  it('says the problem with the playbook and step', () => {
    const d = doc()
    expect(problemText({ code: 'work_order_kind', playbook: 0, step: 1 }, d)).toBe('「物流异常」第 2 步须选择工单类型')
    expect(problemText({ code: 'too_many' }, d)).toBe(`最多 ${MAX_PLAYBOOKS} 个处置方案`)
    i18n.global.locale.value = 'en'
    expect(problemText({ code: 'no_steps', playbook: 1 }, d)).toBe('“自定义” needs at least one step')
  })
})
