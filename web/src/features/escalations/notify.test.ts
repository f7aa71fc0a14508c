// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { describe, expect, it } from 'vitest'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { MAX_SMS_TARGETS, MAX_WEBHOOKS, NOTIFY_EVENTS } from '../../api'
import type { NotifySettings } from '../../api'
import {
  DELIVERY_CHANNELS,
  DELIVERY_STATUSES,
  SECRET_LENGTH,
  deliveryChannel,
  deliveryStatus,
  eventKey,
  generateSecret,
  newSmsTarget,
  newWebhook,
  normalPhone,
  notifyBody,
  notifyDraftOf,
  notifyProblem,
} from './notify'
import type { NotifyProblemKind } from './notify'

const SECRET = 'k'.repeat(20)

const SETTINGS: NotifySettings = {
  webhooks: [{ url: 'https://hooks.example.com/kefu', secret: SECRET, events: ['test', 'escalation.raised'], enabled: true }],
  sms: [{ phone: '13800138000', name: '店长', min_level: 'two' }],
}

describe('the draft', () => {
  it('fills what the server may leave out', () => {
    expect(notifyDraftOf({})).toEqual({ webhooks: [], sms: [] })
    expect(notifyDraftOf({ webhooks: [{ url: 'https://a.example', secret: SECRET }], sms: [{ phone: '13800138000', min_level: 'one' }] })).toEqual({
      webhooks: [{ url: 'https://a.example', secret: SECRET, events: [], enabled: true }],
      sms: [{ phone: '13800138000', name: '', min_level: 'one' }],
    })
  })

  it('sends it trimmed, the events in the page’s order', () => {
    const draft = notifyDraftOf(SETTINGS)
    draft.webhooks[0].url = '  https://hooks.example.com/kefu '
    draft.sms[0].name = ' 店长 '
    expect(notifyBody(draft)).toEqual({
      webhooks: [{ url: 'https://hooks.example.com/kefu', secret: SECRET, events: ['escalation.raised', 'test'], enabled: true }],
      sms: [{ phone: '13800138000', name: '店长', min_level: 'two' }],
    })
    expect(SETTINGS.webhooks![0].events).toEqual(['test', 'escalation.raised'])
  })

  it('starts a new webhook on, for every event, with a secret; a new phone at level 2', () => {
    const hook = newWebhook()
    expect(hook).toMatchObject({ url: '', events: [], enabled: true })
    expect(hook.secret).toHaveLength(SECRET_LENGTH)
    expect(newWebhook('given').secret).toBe('given')
    expect(newSmsTarget()).toEqual({ phone: '', name: '', min_level: 'two' })
  })
})

describe('secrets', () => {
  it('makes 32 letters and digits from crypto.getRandomValues', () => {
    const a = generateSecret()
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/)
    expect(generateSecret()).not.toBe(a)
  })

  it('draws the bytes past the last whole alphabet again', () => {
    // 248 and up would favour the first letters: they are skipped.
    let call = 0
    const fill = (bytes: Uint8Array) => {
      bytes.fill(call === 0 ? 255 : 0)
      if (call === 0) bytes[0] = 61
      call++
      return bytes
    }
    expect(generateSecret(4, fill)).toBe('9AAA')
    expect(call).toBe(2)
  })
})

describe('what the server would refuse', () => {
  const kind = (s: NotifySettings): NotifyProblemKind | undefined => notifyProblem(s)?.kind
  const hook = SETTINGS.webhooks![0]
  const phone = SETTINGS.sms![0]

  it('passes good settings and none at all', () => {
    expect(notifyProblem(SETTINGS)).toBeNull()
    expect(notifyProblem({})).toBeNull()
    expect(notifyProblem({ webhooks: [{ ...hook, url: 'http://10.0.0.2:8080/hook' }] })).toBeNull()
  })

  it('wants http(s) URLs with a host and secrets of 16 characters', () => {
    expect(notifyProblem({ webhooks: [hook, { ...hook, url: 'ftp://x.example' }] })).toEqual({ kind: 'bad_url', index: 1 })
    expect(kind({ webhooks: [{ ...hook, url: 'https://' }] })).toBe('bad_url')
    expect(kind({ webhooks: [{ ...hook, url: 'https:///path' }] })).toBe('bad_url')
    expect(kind({ webhooks: [{ ...hook, url: 'https://a.example/x y' }] })).toBe('bad_url')
    expect(kind({ webhooks: [{ ...hook, secret: 'short' }] })).toBe('short_secret')
  })

  it('wants mainland mobile numbers, each once', () => {
    expect(kind({ sms: [{ ...phone, phone: '12800138000' }] })).toBe('bad_phone')
    expect(kind({ sms: [{ ...phone, phone: '1380013800' }] })).toBe('bad_phone')
    expect(notifyProblem({ sms: [phone, { ...phone, phone: '+86 138-0013-8000' }] })).toEqual({ kind: 'duplicate_phone', index: 1 })
  })

  it('takes at most 10 of each', () => {
    expect(kind({ webhooks: Array.from({ length: MAX_WEBHOOKS + 1 }, () => hook) })).toBe('too_many_webhooks')
    expect(kind({ sms: Array.from({ length: MAX_SMS_TARGETS + 1 }, () => phone) })).toBe('too_many_phones')
  })

  it('reads a phone as the server keeps it', () => {
    expect(normalPhone(' +86 138 0013 8000 ')).toBe('13800138000')
    expect(normalPhone('138-0013-8000')).toBe('13800138000')
    expect(normalPhone('010-12345678')).toBeNull()
  })
})

describe('the delivery log', () => {
  it('knows the channels, statuses and events, and no others', () => {
    expect(deliveryChannel('sms')).toBe('sms')
    expect(deliveryChannel('fax')).toBeNull()
    expect(deliveryStatus('failed')).toBe('failed')
    expect(deliveryStatus('lost')).toBeNull()
    expect(eventKey('escalation.raised')).toBe('escalation_raised')
    expect(eventKey('work_order.overdue')).toBe('work_order_overdue')
    expect(eventKey('test')).toBe('test')
    expect(eventKey('escalation_raised')).toBeNull()
  })

  it('names every channel, status, event and problem in both languages', () => {
    const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
    const problems: NotifyProblemKind[] = ['too_many_webhooks', 'too_many_phones', 'bad_url', 'short_secret', 'bad_phone', 'duplicate_phone']
    const keys = [
      ...DELIVERY_CHANNELS.map((c) => `notifySettings.channels.${c}`),
      ...DELIVERY_STATUSES.map((s) => `notifySettings.statuses.${s}`),
      ...NOTIFY_EVENTS.map((e) => `notifySettings.events.${eventKey(e)}`),
      ...problems.map((p) => `notifySettings.problems.${p}`),
      'notifySettings.signing',
      'errors.invalid_notify_settings',
    ]
    for (const [name, tree] of Object.entries({ zh, en })) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })
})
