// Issue #21, CH-3: the line above the composer of a conversation on another platform — how
// long and how many messages its reply window still allows (WeChat: 48 hours after the buyer's
// last message, five messages; Douyin: 24 hours, no count), or that it is closed and sending
// must wait for the buyer. CH-4: on the phone line nothing can be written at all — the line
// says so, and the agent calls the buyer back.

import type { Channel, EpochMs, ReplyWindow } from '../../api'
import { clock, monthDay } from '../shared/format'

export type Translate = (key: string, values?: Record<string, unknown>) => string

/** The platforms' rules as the line names them (kefu-channels wechat_mp.rs WINDOW_MS,
 *  WINDOW_QUOTA, douyin.rs WINDOW_MS); a channel not here gets the line without them, a rule
 *  without a quota counts no messages. */
const RULES: Partial<Record<Channel, { hours: number; quota?: number }>> = {
  wechat_mp: { hours: 48, quota: 5 },
  // WeCom 微信客服 has the Official Account's rule (kefu-server channels/mod.rs reply_rule).
  wecom: { hours: 48, quota: 5 },
  // CH-3: Douyin answers the buyer's message within 24 hours of it, as often as needed.
  douyin: { hours: 24 },
}

/** Where the conversation stands, or null when its channel has no window (the web chat);
 *  `no_text` on a channel that takes no written message at all (the phone line). */
export type WindowLine =
  | { state: 'open'; channel: Channel; remaining: number | null; closesAt: EpochMs | null; urgent: boolean }
  | { state: 'closed'; channel: Channel }
  | { state: 'no_text'; channel: Channel }

/** CH-4: whether an agent can write to a buyer on the channel. The phone line records calls
 *  only (the server answers `channel_no_text`): the buyer is called back. */
export function takesText(channel: Channel): boolean {
  return channel !== 'phone'
}

/** Whether the composer must wait: the window is closed, or the channel takes no text. */
export function blocksSending(line: WindowLine | null): boolean {
  return line?.state === 'closed' || line?.state === 'no_text'
}

/** The line over the composer of a conversation on `channel`: that it takes no text, else
 *  where its window stands (`reply`: the server's answer for it, null before it came). */
export function composerLine(channel: Channel, reply: ReplyWindow | null, now: EpochMs): WindowLine | null {
  if (!takesText(channel)) return { state: 'no_text', channel }
  return windowLine(reply, now)
}

/** Less than this left, or one message: the line turns amber. */
const URGENT_MS = 2 * 3_600_000

/** Open as the server said, unless its closing time has passed since (the line ticks). */
export function windowLine(reply: ReplyWindow | null, now: EpochMs): WindowLine | null {
  const w = reply?.window
  if (!reply || !w) return null
  const closesAt = w.closes_at ?? null
  const remaining = w.remaining ?? null
  if (!w.open || (closesAt !== null && now >= closesAt) || remaining === 0) return { state: 'closed', channel: reply.channel }
  const urgent = remaining === 1 || (closesAt !== null && closesAt - now < URGENT_MS)
  return { state: 'open', channel: reply.channel, remaining, closesAt, urgent }
}

/** `11-21 14:05` */
function closing(ms: EpochMs): string {
  return `${monthDay(ms)} ${clock(ms)}`
}

/** 「微信公众号 · 48 小时回复窗口：剩余 3 条，11-21 14:05 关闭」, the closed warning, or
 *  「电话 · 无法发送文字消息，请回拨」. */
export function windowText(line: WindowLine, t: Translate): string {
  if (line.state === 'no_text') return t('replyWindow.noText', { channel: t(`channel.${line.channel}`) })
  const rule = RULES[line.channel]
  if (line.state === 'closed') {
    if (!rule) return t('replyWindow.closedAny')
    return rule.quota ? t('replyWindow.closed', { hours: rule.hours, quota: rule.quota }) : t('replyWindow.closedHours', { hours: rule.hours })
  }
  const channel = t(`channel.${line.channel}`)
  const window = rule ? t('replyWindow.window', { hours: rule.hours }) : t('replyWindow.windowAny')
  const parts: string[] = []
  if (line.remaining !== null) parts.push(t('replyWindow.remaining', { n: line.remaining }))
  if (line.closesAt !== null) parts.push(t('replyWindow.closesAt', { at: closing(line.closesAt) }))
  const head = t('replyWindow.head', { channel, window })
  return parts.length ? t('replyWindow.open', { head, rest: parts.join(t('replyWindow.joiner')) }) : head
}

/** Whether the conversation's list row and pane name its channel: every one but the web chat. */
export function showsChannel(channel: Channel): boolean {
  return channel !== 'web'
}
