import { describe, expect, it } from 'vitest'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { OVERFLOW_TARGETS } from '../../api'
import type { Overflow } from '../../api'
import {
  DEFAULT_OVERFLOW_LIMIT,
  MAX_OVERFLOW_LIMIT,
  hasOverflow,
  overflowChange,
  overflowFieldsOf,
  overflowOf,
  overflowProblem,
  overflowRule,
  overflowText,
} from './overflow'
import type { OverflowFields } from './overflow'

/** vue-i18n's `t` over a locale's tree, enough for these texts: `{name}` filled in. */
function translator(tree: unknown) {
  return (key: string, values: Record<string, unknown> = {}) => {
    const text = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
    if (typeof text !== 'string') throw new Error(`no text for ${key}`)
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]))
  }
}

const names: Record<string, string> = { after_sales: '售后' }
const teamName = (key: string) => names[key] ?? key
const on = (over: Partial<OverflowFields> = {}): OverflowFields => ({ on: true, limit: 20, to: 'robot', team: '', ...over })

describe('a channel’s overflow rule (CH-7)', () => {
  it('is off when absent or at a limit of 0', () => {
    expect(overflowOf({ overflow: null })).toBeNull()
    expect(overflowOf({})).toBeNull()
    expect(overflowOf({ overflow: { limit: 0, to: 'robot' } })).toBeNull()
    expect(overflowOf({ overflow: { limit: 5, to: 'team', team: 'after_sales' } })).toEqual({ limit: 5, to: 'team', team: 'after_sales' })
  })

  it('is edited from what is kept, or switched off with the default limit ready', () => {
    expect(overflowFieldsOf({ overflow: null })).toEqual({ on: false, limit: DEFAULT_OVERFLOW_LIMIT, to: 'robot', team: '' })
    expect(overflowFieldsOf({ overflow: { limit: 8, to: 'team', team: ' after_sales ' } })).toEqual({ on: true, limit: 8, to: 'team', team: 'after_sales' })
    expect(OVERFLOW_TARGETS).toEqual(['robot', 'team'])
  })

  it('needs a limit of 1–10000 and, to a team, the team; nothing while off', () => {
    expect(overflowProblem(on())).toBeNull()
    expect(overflowProblem(on({ limit: MAX_OVERFLOW_LIMIT }))).toBeNull()
    for (const limit of [null, 0, -1, 2.5, MAX_OVERFLOW_LIMIT + 1]) expect(overflowProblem(on({ limit })), String(limit)).toBe('limit')
    expect(overflowProblem(on({ to: 'team', team: ' ' }))).toBe('team')
    expect(overflowProblem(on({ to: 'team', team: 'after_sales' }))).toBeNull()
    expect(overflowProblem({ on: false, limit: null, to: 'team', team: '' })).toBeNull()
  })

  it('is sent as the server keeps it: off is a limit of 0 to the robot, a team only to a team', () => {
    expect(overflowRule({ on: false, limit: 20, to: 'team', team: 'after_sales' })).toEqual({ limit: 0, to: 'robot' })
    expect(overflowRule(on({ team: 'after_sales' }))).toEqual({ limit: 20, to: 'robot' })
    expect(overflowRule(on({ to: 'team', team: ' after_sales ', limit: 5 }))).toEqual({ limit: 5, to: 'team', team: 'after_sales' })
  })

  it('changes only what differs from the rule kept', () => {
    const kept = { overflow: { limit: 20, to: 'robot' } as Overflow }
    expect(overflowChange(kept, on())).toEqual({})
    expect(overflowChange(kept, on({ limit: 30 }))).toEqual({ overflow: { limit: 30, to: 'robot' } })
    expect(overflowChange(kept, { ...on(), on: false })).toEqual({ overflow: { limit: 0, to: 'robot' } })
    expect(overflowChange({ overflow: null }, { on: false, limit: 20, to: 'robot', team: '' })).toEqual({})
    expect(overflowChange({ overflow: null }, on({ to: 'team', team: 'after_sales' }))).toEqual({ overflow: { limit: 20, to: 'team', team: 'after_sales' } })
  })

  it('reads in a line, in both languages', () => {
    const t = translator(zh)
    expect(overflowText(null, teamName, t)).toBe('该渠道的新会话照常排队等待客服')
    expect(overflowText({ limit: 20, to: 'robot' }, teamName, t)).toBe('等待人工的会话达到 20 个时，新会话先由机器人接待')
    expect(overflowText({ limit: 5, to: 'team', team: 'after_sales' }, teamName, t)).toBe('等待人工的会话达到 5 个时，新会话进入「售后」的队列')
    const english = translator(en)
    expect(overflowText({ limit: 20, to: 'robot' }, teamName, english)).toBe('Once 20 conversations wait for an agent, the robot takes new ones first')
    expect(overflowText({ limit: 5, to: 'team', team: 'after_sales' }, teamName, english)).toBe('Once 5 conversations wait for an agent, new ones go to the 售后 queue')
  })

  it('says its card and dialog in both languages', () => {
    const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
    const keys = [
      'title', 'on', 'offBadge', 'off', 'toRobot', 'toTeam', 'edit', 'dialogTitle', 'explain', 'enable', 'enableHint', 'limit', 'limitUnit', 'limitHint', 'to',
      ...OVERFLOW_TARGETS.flatMap((to) => [`targets.${to}`, `targetHints.${to}`]),
      'team', 'teamPlaceholder', 'teamsFailed', 'saved', 'problems.limit', 'problems.team',
    ].map((k) => `channels.overflow.${k}`)
    for (const [name, tree] of Object.entries({ zh, en })) expect(keys.filter((k) => typeof at(tree, k) !== 'string'), name).toEqual([])
  })
})

describe('which channels overflow (CH-7)', () => {
  it('is a platform account or a mailbox, never the widget or the phone line', () => {
    for (const kind of ['wechat_mp', 'wecom_kf', 'douyin', 'email']) expect(hasOverflow(kind)).toBe(true)
    for (const kind of ['widget', 'phone']) expect(hasOverflow(kind)).toBe(false)
  })
})
