// Issue #21, CH-4: the phone line (电话热线) as the channels page works it out — its number and
// the password the CTI vendor's push authenticates with, read as the server reads them
// (crates/kefu-server/src/channels/phone.rs `check`, kefu-channels phone.rs `normalize_number`),
// the records' format (TCCC's CDR push or kefu's generic JSON), the hours calls are answered
// in, and where and how the vendor pushes; a connected line's format and hours changed on its card.

import type { ChannelChange, ChannelView, OfficeHours } from '../../api'

/** The call records' formats: Tencent Cloud Contact Center's CDR push (the default), or
 *  kefu's own JSON for any other vendor. */
export const PHONE_FORMATS = ['tccc', 'generic'] as const
export type PhoneFormat = (typeof PHONE_FORMATS)[number]

/** The format as stored; anything unknown reads as TCCC, as the server reads it. */
export function formatOf(mode: string | null | undefined): PhoneFormat {
  return mode === 'generic' ? 'generic' : 'tccc'
}

/** How the vendor proves a push is theirs: TCCC sends HTTP Basic (any user name, the
 *  password); a generic vendor `Authorization: Bearer <password>`. kefu takes either. */
export function authOf(format: PhoneFormat): 'basic' | 'bearer' {
  return format === 'tccc' ? 'basic' : 'bearer'
}

/** The push password's length: the server takes 16–64 printable characters; 生成 makes 24. */
export const MIN_PASSWORD_CHARS = 16
export const MAX_PASSWORD_CHARS = 64
export const PASSWORD_CHARS = 24

/** ISO weekdays, Monday first. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

/** The line's hours unless the shop sets others: every day 09:00–21:00 (phone.rs
 *  `default_hours`). A call in outside them is owed a callback even when answered. */
export function defaultLineHours(): OfficeHours {
  return { days: [...WEEKDAYS], open: '09:00', close: '21:00' }
}

/** The line's number as the server keeps it — its digits, a leading 0086 or +86 dropped from a
 *  mobile number — or null unless it has 3–20 digits (`400-800-1234` → `4008001234`). */
export function lineNumber(raw: string): string | null {
  const text = raw.trim()
  if (!text || text.includes('@')) return null
  const digits = text.replace(/\D/g, '')
  if (digits.length < 3 || digits.length > 20) return null
  if (digits.startsWith('0086')) return digits.slice(4)
  if (digits.length === 13 && digits.startsWith('86') && (text.startsWith('+') || digits[2] === '1')) return digits.slice(2)
  return digits
}

/** Whether the server takes the push password: 16–64 printable ASCII characters, no spaces. */
export function passwordOk(raw: string): boolean {
  const password = raw.trim()
  return password.length >= MIN_PASSWORD_CHARS && password.length <= MAX_PASSWORD_CHARS && /^[\x21-\x7e]+$/.test(password)
}

/** "HH:MM" as minutes after midnight, or null. */
function minutes(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim())
  if (!m) return null
  const [h, min] = [Number(m[1]), Number(m[2])]
  return h <= 23 && min <= 59 ? h * 60 + min : null
}

/** Whether the hours are what the server takes: 1–7 weekdays, opening before closing. */
export function hoursOk(hours: OfficeHours): boolean {
  const open = minutes(hours.open)
  const close = minutes(hours.close)
  const daysOk = hours.days.length > 0 && hours.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)
  return daysOk && open !== null && close !== null && open < close
}

/** The line's records' format and hours: in the connect dialog, and its card's 编辑. */
export interface PhoneLineSettings {
  format: PhoneFormat
  hours: OfficeHours
}

/** The phone line's part of the connect dialog, as typed. */
export interface PhoneFields extends PhoneLineSettings {
  number: string
  password: string
}

export function blankPhone(): PhoneFields {
  return { number: '', password: '', format: 'tccc', hours: defaultLineHours() }
}

/** The first field the server would refuse (`invalid_channel`), or null. */
export function phoneProblem(fields: PhoneFields): 'number' | 'password' | 'hours' | null {
  if (!lineNumber(fields.number)) return 'number'
  if (!passwordOk(fields.password)) return 'password'
  return hoursOk(fields.hours) ? null : 'hours'
}

/** The body's phone part, as `POST /channels` takes it: the number as `app_id`, the password
 *  as `token`, the format as `mode`, the days in order. */
export function phoneInput(fields: PhoneFields): { app_id: string; token: string; mode: PhoneFormat; hours: OfficeHours } {
  return {
    app_id: lineNumber(fields.number) ?? fields.number.trim(),
    token: fields.password.trim(),
    mode: fields.format,
    hours: cleanHours(fields.hours),
  }
}

/** Where the vendor pushes its records: the channel's callback URL (see `callbackUrl`), with
 *  TCCC's `?action=cdr&version=1` that its push console expects. */
export function pushUrl(callback: string, mode: string | null | undefined): string {
  return formatOf(mode) === 'tccc' ? `${callback}?action=cdr&version=1` : callback
}

/** The password hidden: a dot for each character (at most 24, so a long one does not wrap). */
export function maskedPassword(password: string): string {
  return '•'.repeat(Math.min(password.length, PASSWORD_CHARS))
}

export type Translate = (key: string, values?: Record<string, unknown>) => string

/** The hours as the shop reads them, as the server describes office hours: 「每天 09:00–21:00」,
 *  「周一至周五 09:00–18:00」, 「周一、周三 09:00–18:00」. */
export function hoursText(hours: OfficeHours, t: Translate): string {
  const days = [...new Set(hours.days.filter((d) => d >= 1 && d <= 7))].sort((a, b) => a - b)
  const day = (d: number) => t(`channels.phone.hours.dayNames.${d}`)
  let span: string
  if (days.length === 7) span = t('channels.phone.hours.everyDay')
  else if (days.length === 1) span = day(days[0])
  else if (days.length > 1 && days[days.length - 1] - days[0] + 1 === days.length) {
    span = t('channels.phone.hours.range', { first: day(days[0]), last: day(days[days.length - 1]) })
  } else span = days.map(day).join(t('channels.phone.hours.joiner'))
  return t('channels.phone.hours.text', { days: span, open: hours.open.trim(), close: hours.close.trim() })
}

/** A connected line's hours, or the default when the server sent none. */
export function lineHours(channel: Pick<ChannelView, 'hours'>): OfficeHours {
  return channel.hours ?? defaultLineHours()
}

/** The hours as the server keeps them: the days each once, in order; the times trimmed. */
function cleanHours(hours: OfficeHours): OfficeHours {
  return { days: [...new Set(hours.days)].sort((a, b) => a - b), open: hours.open.trim(), close: hours.close.trim() }
}

/** A connected line's format and hours, to edit. */
export function lineSettingsOf(channel: Pick<ChannelView, 'mode' | 'hours'>): PhoneLineSettings {
  return { format: formatOf(channel.mode), hours: cleanHours(lineHours(channel)) }
}

/** The body of `PUT /channels/{id}` for the card's 编辑: only what changed (empty: nothing did). */
export function lineSettingsChange(channel: Pick<ChannelView, 'mode' | 'hours'>, settings: PhoneLineSettings): ChannelChange {
  const before = lineSettingsOf(channel)
  const hours = cleanHours(settings.hours)
  const change: ChannelChange = {}
  if (settings.format !== before.format) change.mode = settings.format
  if (JSON.stringify(hours) !== JSON.stringify(before.hours)) change.hours = hours
  return change
}
