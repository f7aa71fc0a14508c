// How times, sizes and names are shown. Times are epoch ms (UTC) from the server and are
// always displayed in the viewer's local time zone.

import { i18n } from '../../i18n'

const t = (key: string, values?: Record<string, unknown>) =>
  values ? i18n.global.t(key, values) : i18n.global.t(key)

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

/** `14:05` */
export function clock(ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** `2026-11-21 14:05` */
export function dateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(ms)}`
}

/** A day separator in a message list: 今天 / 昨天 / 11-19 / 2025-11-19. */
export function dayLabel(ms: number, now = Date.now()): string {
  const d = new Date(ms)
  const days = Math.round((startOfDay(new Date(now)) - startOfDay(d)) / 86_400_000)
  if (days === 0) return t('time.today')
  if (days === 1) return t('time.yesterday')
  if (d.getFullYear() === new Date(now).getFullYear()) {
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** For conversation lists: 刚刚 / 5 分钟前 / 14:05 / 昨天 / 11-19. */
export function relativeTime(ms: number, now = Date.now()): string {
  const diff = now - ms
  if (diff < 60_000) return t('time.justNow')
  if (diff < 3_600_000) return t('time.minutesAgo', { n: Math.floor(diff / 60_000) })
  const days = Math.round((startOfDay(new Date(now)) - startOfDay(new Date(ms))) / 86_400_000)
  if (days === 0) return clock(ms)
  if (days === 1) return t('time.yesterday')
  return dayLabel(ms, now)
}

/** `1.2 MB` */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** A wait in ms as `12 秒` / `3 分 5 秒`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return t('time.seconds', { n: s })
  const m = Math.floor(s / 60)
  if (m < 60) return t('time.minutesSeconds', { m, s: s % 60 })
  return t('time.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 })
}

/** The first character shown in a round avatar. */
export function initial(name: string): string {
  const trimmed = name.trim()
  return trimmed ? Array.from(trimmed)[0].toUpperCase() : '?'
}

const AVATAR_COLOURS = ['#3370ff', '#14a38b', '#f5871f', '#7b61ff', '#e8505b', '#2a9fd6', '#c27c0e']

/** A stable avatar colour per name, so a buyer keeps one colour everywhere. */
export function avatarColour(key: string): string {
  let h = 0
  for (const ch of key) h = (h * 31 + ch.codePointAt(0)!) >>> 0
  return AVATAR_COLOURS[h % AVATAR_COLOURS.length]
}

/** Integer fen as money: `¥1,299.00`. Exact (no floating point), so totals always match. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.trunc(fen))
  const whole = Math.floor(abs / 100).toLocaleString('en-US')
  return `${sign}¥${whole}.${pad(abs % 100)}`
}

/** `11-29`: a day this year or next, as a probation end reads. */
export function monthDay(ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** A response target in seconds as its largest whole unit: `30 秒` / `2 小时` / `1 天`, or
 *  `1 小时 30 分` when it is not whole. */
export function responseTarget(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return t('time.seconds', { n: s })
  if (s % 60) return duration(s * 1000)
  const m = s / 60
  if (m < 60) return t('time.minutes', { n: m })
  if (m % 60) return duration(s * 1000)
  const h = m / 60
  return h % 24 ? t('time.hours', { n: h }) : t('time.days', { n: h / 24 })
}

/** Yuan typed by a person (`600`, `59.9`, `¥1,299.00`) as integer fen, or null when it is not
 *  a positive amount with at most two decimals. */
export function parseYuan(text: string): number | null {
  const cleaned = text.trim().replace(/^[¥￥]/, '').replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const [whole, frac = ''] = cleaned.split('.')
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}
