// Where the shop's notifications go besides kefu (ESC-1), as the 通知设置 tab edits them: the
// webhooks and phones as a draft (every field present) and what is sent for it; a new webhook
// (with a random secret) and phone; what the server would refuse, found first; a phone as the
// server keeps it; and the delivery log's channels, statuses and events as the page names them.

import {
  MAX_SMS_TARGETS,
  MAX_WEBHOOKS,
  MIN_WEBHOOK_SECRET_CHARS,
  NOTIFY_EVENTS,
  oneOf,
} from '../../api'
import type { EscalationLevel, NotifyEvent, NotifySettings } from '../../api'

export interface WebhookDraft {
  url: string
  secret: string
  /** None: every event. */
  events: NotifyEvent[]
  enabled: boolean
}

export interface SmsDraft {
  phone: string
  name: string
  min_level: EscalationLevel
}

export interface NotifyDraft {
  webhooks: WebhookDraft[]
  sms: SmsDraft[]
}

export function notifyDraftOf(settings: NotifySettings): NotifyDraft {
  return {
    webhooks: (settings.webhooks ?? []).map((h) => ({
      url: h.url,
      secret: h.secret,
      events: [...(h.events ?? [])],
      enabled: h.enabled ?? true,
    })),
    sms: (settings.sms ?? []).map((s) => ({ phone: s.phone, name: s.name ?? '', min_level: s.min_level })),
  }
}

/** What the form sends: trimmed, the events in the page's order. */
export function notifyBody(draft: NotifyDraft): NotifySettings {
  return {
    webhooks: draft.webhooks.map((h) => ({
      url: h.url.trim(),
      secret: h.secret.trim(),
      events: NOTIFY_EVENTS.filter((e) => h.events.includes(e)),
      enabled: h.enabled,
    })),
    sms: draft.sms.map((s) => ({ phone: s.phone.trim(), name: s.name.trim(), min_level: s.min_level })),
  }
}

/** How long a generated secret is, and what it is made of. */
export const SECRET_LENGTH = 32
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random secret of `length` letters and digits, from `fill` (crypto.getRandomValues): bytes
 *  past the last whole multiple of the alphabet are drawn again, so every character is as likely. */
export function generateSecret(
  length = SECRET_LENGTH,
  fill: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): string {
  const limit = 256 - (256 % SECRET_ALPHABET.length)
  let out = ''
  while (out.length < length) {
    for (const b of fill(new Uint8Array(length * 2))) {
      if (b < limit) out += SECRET_ALPHABET[b % SECRET_ALPHABET.length]
      if (out.length === length) break
    }
  }
  return out
}

export function newWebhook(secret = generateSecret()): WebhookDraft {
  return { url: '', secret, events: [], enabled: true }
}

export function newSmsTarget(): SmsDraft {
  return { phone: '', name: '', min_level: 'two' }
}

/** A mainland mobile number as the server keeps it (11 digits, `+86`, spaces and dashes
 *  dropped), or null. */
export function normalPhone(text: string): string | null {
  const digits = text.trim().replace(/^\+86/, '').replace(/[ -]/g, '')
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null
}

export type NotifyProblemKind = 'too_many_webhooks' | 'too_many_phones' | 'bad_url' | 'short_secret' | 'bad_phone' | 'duplicate_phone'

export interface NotifyProblem {
  kind: NotifyProblemKind
  /** The webhook's or phone's place in its list (0-based); -1 for the list. */
  index: number
}

/** What the server would refuse (`invalid_notify_settings`), checked before sending. */
export function notifyProblem(settings: NotifySettings): NotifyProblem | null {
  const hooks = settings.webhooks ?? []
  const phones = settings.sms ?? []
  if (hooks.length > MAX_WEBHOOKS) return { kind: 'too_many_webhooks', index: -1 }
  if (phones.length > MAX_SMS_TARGETS) return { kind: 'too_many_phones', index: -1 }
  for (const [index, h] of hooks.entries()) {
    const url = h.url.trim()
    if (!/^https?:\/\/[^/\s]/.test(url) || /\s/.test(url)) return { kind: 'bad_url', index }
    if (Array.from(h.secret).length < MIN_WEBHOOK_SECRET_CHARS) return { kind: 'short_secret', index }
  }
  const seen = new Set<string>()
  for (const [index, s] of phones.entries()) {
    const phone = normalPhone(s.phone)
    if (!phone) return { kind: 'bad_phone', index }
    if (seen.has(phone)) return { kind: 'duplicate_phone', index }
    seen.add(phone)
  }
  return null
}

// ---- the delivery log ----

export const DELIVERY_CHANNELS = ['webhook', 'sms'] as const
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number]
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export function deliveryChannel(channel: string): DeliveryChannel | null {
  return oneOf(DELIVERY_CHANNELS, channel)
}

export function deliveryStatus(status: string): DeliveryStatus | null {
  return oneOf(DELIVERY_STATUSES, status)
}

/** An event's key under `notifySettings.events` (its dots would read as nesting), or null for
 *  one the page does not know. */
export function eventKey(event: string): string | null {
  const known = oneOf(NOTIFY_EVENTS, event)
  return known ? known.replace(/\./g, '_') : null
}
