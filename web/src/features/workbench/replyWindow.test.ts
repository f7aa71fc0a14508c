// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.) Times are built with local-time
// constructors, as the line shows them in the viewer's zone.
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import type { ReplyWindow } from '../../api'
import { blocksSending, composerLine, showsChannel, takesText, windowLine, windowText } from './replyWindow'

const local = (m: number, d: number, h = 0, min = 0) => new Date(2026, m - 1, d, h, min).getTime()
const NOW = local(11, 20, 10, 0)
const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

function reply(window: Partial<NonNullable<ReplyWindow['window']>> | null, channel: ReplyWindow['channel'] = 'wechat_mp'): ReplyWindow {
  return { channel, window: window ? { open: true, closes_at: null, remaining: null, ...window } : null }
}

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

describe('windowLine', () => {
  it('is nothing on a channel without a window, or before the answer', () => {
    expect(windowLine(null, NOW)).toBeNull()
    expect(windowLine(reply(null, 'web'), NOW)).toBeNull()
  })

  it('is open with what is left and when it closes', () => {
    expect(windowLine(reply({ closes_at: local(11, 21, 14, 5), remaining: 3 }), NOW)).toEqual({
      state: 'open',
      channel: 'wechat_mp',
      remaining: 3,
      closesAt: local(11, 21, 14, 5),
      urgent: false,
    })
  })

  it('is urgent with one message or under two hours left', () => {
    expect(windowLine(reply({ closes_at: local(11, 21, 14, 5), remaining: 1 }), NOW)).toMatchObject({ urgent: true })
    expect(windowLine(reply({ closes_at: local(11, 20, 11, 30), remaining: 4 }), NOW)).toMatchObject({ urgent: true })
  })

  it('is closed when the server says so, when none are left, or once its time has passed here', () => {
    expect(windowLine(reply({ open: false, closes_at: local(11, 19, 9, 0), remaining: 5 }), NOW)).toEqual({ state: 'closed', channel: 'wechat_mp' })
    expect(windowLine(reply({ open: false, remaining: 0 }), NOW)?.state).toBe('closed')
    expect(windowLine(reply({ remaining: 0, closes_at: local(11, 21, 0, 0) }), NOW)?.state).toBe('closed')
    expect(windowLine(reply({ closes_at: NOW, remaining: 2 }), NOW)?.state).toBe('closed')
  })
})

describe('windowText', () => {
  it('names the channel, the 48 hours, what is left and the closing time', () => {
    const line = windowLine(reply({ closes_at: local(11, 21, 14, 5), remaining: 3 }), NOW)!
    expect(windowText(line, t)).toBe('微信公众号 · 48 小时回复窗口：剩余 3 条，11-21 14:05 关闭')
    i18n.global.locale.value = 'en'
    expect(windowText(line, t)).toBe('WeChat Official Account · 48-hour reply window: 3 messages left, closes 11-21 14:05')
  })

  it('leaves out what the platform does not count', () => {
    const line = windowLine(reply({ closes_at: local(11, 21, 14, 5) }, 'phone'), NOW)!
    expect(windowText(line, t)).toBe('电话 · 回复窗口：11-21 14:05 关闭')
    expect(windowText(windowLine(reply({}, 'web'), NOW)!, t)).toBe('网页 · 回复窗口')
  })

  it('gives Douyin 24 hours and no message count (CH-3)', () => {
    const line = windowLine(reply({ closes_at: local(11, 21, 9, 30) }, 'douyin'), NOW)!
    expect(line).toMatchObject({ state: 'open', remaining: null, urgent: false })
    expect(windowText(line, t)).toBe('抖音 · 24 小时回复窗口：11-21 09:30 关闭')
    const closed = windowLine(reply({ open: false }, 'douyin'), NOW)!
    expect(windowText(closed, t)).toBe('窗口已关闭：买家最后一条消息已超过 24 小时，买家再次发消息后才能回复')
    i18n.global.locale.value = 'en'
    expect(windowText(line, t)).toBe('Douyin · 24-hour reply window: closes 11-21 09:30')
  })

  it('gives WeCom the Official Account’s 48 hours and five messages', () => {
    const line = windowLine(reply({ closes_at: local(11, 21, 14, 5), remaining: 4 }, 'wecom'), NOW)!
    expect(windowText(line, t)).toBe('企业微信 · 48 小时回复窗口：剩余 4 条，11-21 14:05 关闭')
    const closed = windowLine(reply({ open: false }, 'wecom'), NOW)!
    expect(windowText(closed, t)).toContain('48 小时')
  })

  it('warns when closed, with WeChat’s rule', () => {
    const closed = windowLine(reply({ open: false }), NOW)!
    expect(windowText(closed, t)).toBe('窗口已关闭：买家最后一条消息已超过 48 小时或 5 条额度已用完，买家再次发消息后才能回复')
    expect(windowText(windowLine(reply({ open: false }, 'email'), NOW)!, t)).toBe('窗口已关闭：买家再次发消息后才能回复')
  })
})

describe('the phone line (CH-4)', () => {
  it('takes no written message, on every other channel the composer stays', () => {
    expect(takesText('phone')).toBe(false)
    for (const channel of ['web', 'wechat_mp', 'wecom', 'douyin', 'email'] as const) expect(takesText(channel)).toBe(true)
  })

  it('says so over the composer whatever the server answered, and blocks sending', () => {
    for (const answer of [null, reply(null, 'phone'), reply({ closes_at: local(11, 21, 14, 5) }, 'phone')]) {
      const line = composerLine('phone', answer, NOW)
      expect(line).toEqual({ state: 'no_text', channel: 'phone' })
      expect(blocksSending(line)).toBe(true)
    }
  })

  it('reads 电话 · 无法发送文字消息，请回拨, in English too', () => {
    const line = composerLine('phone', null, NOW)!
    expect(windowText(line, t)).toBe('电话 · 无法发送文字消息，请回拨')
    i18n.global.locale.value = 'en'
    expect(windowText(line, t)).toBe('Phone · No written messages on this channel: call the buyer back')
  })

  it('leaves the other channels to their window', () => {
    expect(composerLine('web', reply(null, 'web'), NOW)).toBeNull()
    expect(composerLine('wechat_mp', null, NOW)).toBeNull()
    const open = composerLine('douyin', reply({ closes_at: local(11, 21, 9, 30) }, 'douyin'), NOW)
    expect(open).toMatchObject({ state: 'open', channel: 'douyin' })
    expect(blocksSending(open)).toBe(false)
    expect(blocksSending(composerLine('wechat_mp', reply({ open: false }), NOW))).toBe(true)
    expect(blocksSending(null)).toBe(false)
  })
})

describe('showsChannel', () => {
  it('marks every channel but the web chat', () => {
    expect(showsChannel('web')).toBe(false)
    expect(showsChannel('wechat_mp')).toBe(true)
    expect(showsChannel('phone')).toBe(true)
  })
})
