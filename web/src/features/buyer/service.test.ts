import { describe, expect, it } from 'vitest'
import type { ServiceStatus } from '../../api'
import { mayEndConversation, nextOpening, serviceLine, serviceMood, typicalWait } from './service'
import type { Translate } from './service'

/** Shows the key and its values, so the tests read which text was chosen. */
const t: Translate = (key, values) => (values ? `${key}${JSON.stringify(values)}` : key)

function status(extra: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    agents_online: 2,
    open_now: true,
    typical_first_response_ms: null,
    measured_replies: 0,
    next_open_at: null,
    next_open_label: null,
    hours: null,
    ...extra,
  }
}

// 2026-11-20 (a Friday) 20:00 on the reader's clock.
const NOW = new Date(2026, 10, 20, 20, 0).getTime()

describe('the typical wait', () => {
  it('is 1 minute under a minute, then whole minutes rounded up, then hours', () => {
    expect(typicalWait(0)).toEqual({ unit: 'minutes', n: 1 })
    expect(typicalWait(42_000)).toEqual({ unit: 'minutes', n: 1 })
    expect(typicalWait(60_000)).toEqual({ unit: 'minutes', n: 1 })
    expect(typicalWait(61_000)).toEqual({ unit: 'minutes', n: 2 })
    expect(typicalWait(59 * 60_000)).toEqual({ unit: 'minutes', n: 59 })
    expect(typicalWait(60 * 60_000)).toEqual({ unit: 'hours', n: 1 })
    expect(typicalWait(90 * 60_000)).toEqual({ unit: 'hours', n: 2 })
  })
})

describe('the service line', () => {
  it('is online when open with someone there, with the typical wait when measured', () => {
    expect(serviceMood(status())).toBe('online')
    expect(serviceLine(status(), 'zh-CN', NOW, t)).toEqual({ mood: 'online', text: 'service.online', hours: null })
    expect(serviceLine(status({ typical_first_response_ms: 150_000, measured_replies: 12 }), 'zh-CN', NOW, t).text).toBe(
      'service.onlineWithin{"time":"service.waitMinutes{\\"n\\":3}"}',
    )
    expect(serviceLine(status({ typical_first_response_ms: 2 * 3_600_000 }), 'zh-CN', NOW, t).text).toBe(
      'service.onlineWithin{"time":"service.waitHours{\\"n\\":2}"}',
    )
  })

  it('asks for a message when open and nobody is online', () => {
    const line = serviceLine(status({ agents_online: 0, typical_first_response_ms: 60_000 }), 'zh-CN', NOW, t)
    expect(line).toEqual({ mood: 'away', text: 'service.away', hours: null })
  })

  it('says when a closed shop opens, with its hours', () => {
    const closed = status({
      open_now: false,
      agents_online: 1,
      next_open_at: new Date(2026, 10, 21, 9, 0).getTime(),
      next_open_label: '明天 09:00',
      hours: '周一至周五 09:00–18:00',
    })
    expect(serviceLine(closed, 'zh-CN', NOW, t)).toEqual({
      mood: 'closed',
      text: 'service.closedUntil{"time":"明天 09:00"}',
      hours: '周一至周五 09:00–18:00',
    })
    expect(serviceLine(status({ open_now: false }), 'zh-CN', NOW, t)).toEqual({ mood: 'closed', text: 'service.closed', hours: null })
  })
})

describe('the next opening', () => {
  const at = (day: number, h: number) => status({ open_now: false, next_open_at: new Date(2026, 10, day, h, 0).getTime(), next_open_label: '标签' })

  it('is the server’s label in Chinese', () => {
    expect(nextOpening(at(21, 9), 'zh-CN', NOW, t)).toBe('标签')
  })

  it('is read from the time in other languages', () => {
    expect(nextOpening(at(20, 22), 'en', NOW, t)).toBe('service.today{"time":"22:00"}')
    expect(nextOpening(at(21, 9), 'en', NOW, t)).toBe('service.tomorrow{"time":"09:00"}')
    expect(nextOpening(at(23, 9), 'en', NOW, t)).toBe('Mon 09:00')
    expect(nextOpening(at(30, 9), 'en', NOW, t)).toBe('11-30 09:00')
    expect(nextOpening(status({ open_now: false }), 'en', NOW, t)).toBeNull()
  })
})

describe('ending the conversation', () => {
  const m = (sender_kind: 'buyer' | 'agent' | 'automation', kind: 'text' | 'rating' = 'text') => ({ sender_kind, kind })
  it('is offered once the buyer wrote, until a rating invitation ends it', () => {
    expect(mayEndConversation([])).toBe(false)
    expect(mayEndConversation([m('automation')])).toBe(false)
    expect(mayEndConversation([m('buyer'), m('agent')])).toBe(true)
    expect(mayEndConversation([m('buyer'), m('agent'), m('automation', 'rating')])).toBe(false)
    expect(mayEndConversation([m('buyer'), m('automation', 'rating'), m('buyer')])).toBe(true)
  })
})
