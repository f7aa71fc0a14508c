// CH-7: a channel's overflow rule (溢出分流) as the channels page works it out — when the
// conversations from the channel waiting for an agent reach the limit, new ones go to the robot
// first or to another team's queue; read, edited and said as the server keeps it
// (kefu-domain channel.rs `Overflow::check`: 1–10,000 waiting, 0 off; a team exactly when it
// goes to one).

import type { ChannelChange, ChannelView, Overflow, OverflowTo } from '../../api'

/** The most waiting conversations a limit may name (the server's), and the limit offered when
 *  the rule is first switched on. */
export const MAX_OVERFLOW_LIMIT = 10_000
export const DEFAULT_OVERFLOW_LIMIT = 20

/** The channel's rule, or null when it has none (off: absent, or a limit of 0). */
/** Whether a channel has a queue to overflow (CH-7): a platform account's or a mailbox's. The
 *  widget's buyers are the chat page's (the routing rules route them), and a caller is owed a
 *  callback, not a queue; the server refuses a rule for either. */
export function hasOverflow(kind: string): boolean {
  return kind !== 'widget' && kind !== 'phone'
}

export function overflowOf(channel: Pick<ChannelView, 'overflow'>): Overflow | null {
  const rule = channel.overflow
  return rule && rule.limit > 0 ? rule : null
}

/** The edit dialog's fields, as typed (`limit` null while the box is empty). */
export interface OverflowFields {
  on: boolean
  limit: number | null
  to: OverflowTo
  team: string
}

export function overflowFieldsOf(channel: Pick<ChannelView, 'overflow'>): OverflowFields {
  const rule = overflowOf(channel)
  if (!rule) return { on: false, limit: DEFAULT_OVERFLOW_LIMIT, to: 'robot', team: '' }
  return { on: true, limit: rule.limit, to: rule.to === 'team' ? 'team' : 'robot', team: rule.team?.trim() ?? '' }
}

/** The first field the server would refuse, or null; nothing is checked while off. */
export function overflowProblem(fields: OverflowFields): 'limit' | 'team' | null {
  if (!fields.on) return null
  const limit = fields.limit
  if (limit === null || !Number.isInteger(limit) || limit < 1 || limit > MAX_OVERFLOW_LIMIT) return 'limit'
  return fields.to === 'team' && !fields.team.trim() ? 'team' : null
}

/** The rule as `PUT /channels/{id}` takes it: off is a limit of 0 to the robot; a team only
 *  for `to: team`. */
export function overflowRule(fields: OverflowFields): Overflow {
  if (!fields.on || !fields.limit) return { limit: 0, to: 'robot' }
  return fields.to === 'team' ? { limit: fields.limit, to: 'team', team: fields.team.trim() } : { limit: fields.limit, to: 'robot' }
}

/** The change to send: the rule, or nothing when it is the one kept. */
export function overflowChange(channel: Pick<ChannelView, 'overflow'>, fields: OverflowFields): ChannelChange {
  const next = overflowRule(fields)
  const before = overflowRule(overflowFieldsOf(channel))
  const same = next.limit === before.limit && next.to === before.to && (next.team ?? '') === (before.team ?? '')
  return same ? {} : { overflow: next }
}

export type Translate = (key: string, values?: Record<string, unknown>) => string

/** The rule in a line: 「未开启」, 「等待人工的会话达到 20 个时，新会话先由机器人接待」 or
 *  「…，新会话进入「售后」团队的队列」 (`teamName`: a team's name by its key). */
export function overflowText(rule: Overflow | null, teamName: (key: string) => string, t: Translate): string {
  if (!rule) return t('channels.overflow.off')
  if (rule.to === 'team') return t('channels.overflow.toTeam', { limit: rule.limit, team: teamName(rule.team?.trim() ?? '') })
  return t('channels.overflow.toRobot', { limit: rule.limit })
}
