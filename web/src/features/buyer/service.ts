// What the buyer sees before writing (issue #17): whether someone is there, how soon they
// usually answer, and when the shop opens again, from the shop's `service`.

import type { EpochMs, Message, ServiceStatus } from '../../api'

/** `online`: open with agents online; `away`: open, nobody online; `closed`: outside office hours. */
export type ServiceMood = 'online' | 'away' | 'closed'

export type Translate = (key: string, values?: Record<string, unknown>) => string

export interface ServiceLine {
  mood: ServiceMood
  text: string
  /** The office hours as the shop writes them, when closed. */
  hours: string | null
}

const MINUTE_MS = 60_000

/** A typical wait as the buyer reads it, rounded up since it reads "within": under a minute
 *  is 1 minute, then whole minutes, from an hour whole hours. */
export function typicalWait(ms: number): { unit: 'minutes' | 'hours'; n: number } {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE_MS))
  return minutes < 60 ? { unit: 'minutes', n: minutes } : { unit: 'hours', n: Math.ceil(minutes / 60) }
}

export function serviceMood(s: ServiceStatus): ServiceMood {
  if (!s.open_now) return 'closed'
  return s.agents_online > 0 ? 'online' : 'away'
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

function startOfDay(ms: number): number {
  const d = new Date(ms)
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

/** When the shop opens next. In Chinese the server's label ("明天 09:00", on the shop's
 *  clock); in another language from the time itself, on the reader's clock: "at 09:00",
 *  "tomorrow 09:00", "Mon 09:00", "11-24 09:00". */
export function nextOpening(s: ServiceStatus, locale: string, now: EpochMs, t: Translate): string | null {
  if (locale.startsWith('zh') && s.next_open_label) return s.next_open_label
  const at = s.next_open_at
  if (at == null) return s.next_open_label ?? null
  const d = new Date(at)
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const days = Math.round((startOfDay(at) - startOfDay(now)) / 86_400_000)
  if (days <= 0) return t('service.today', { time: clock })
  if (days === 1) return t('service.tomorrow', { time: clock })
  if (days < 7) return `${new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(d)} ${clock}`
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`
}

/** The line under the shop's name: 客服在线 · 通常 3 分钟内回复 / 客服暂时不在线… / 已下班 · 明天 09:00 上线. */
export function serviceLine(s: ServiceStatus, locale: string, now: EpochMs, t: Translate): ServiceLine {
  const mood = serviceMood(s)
  if (mood === 'online') {
    const ms = s.typical_first_response_ms
    if (ms == null) return { mood, text: t('service.online'), hours: null }
    const wait = typicalWait(ms)
    const time = t(wait.unit === 'minutes' ? 'service.waitMinutes' : 'service.waitHours', { n: wait.n })
    return { mood, text: t('service.onlineWithin', { time }), hours: null }
  }
  if (mood === 'away') return { mood, text: t('service.away'), hours: null }
  const next = nextOpening(s, locale, now, t)
  return { mood, text: next ? t('service.closedUntil', { time: next }) : t('service.closed'), hours: s.hours || null }
}

/** KPI-3: the buyer may end the conversation (结束咨询, then rate it) while they have written
 *  since the last rating invitation: a conversation is going on. */
export function mayEndConversation(messages: Pick<Message, 'kind' | 'sender_kind'>[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].kind === 'rating') return false
    if (messages[i].sender_kind === 'buyer') return true
  }
  return false
}
