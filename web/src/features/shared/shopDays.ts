// The shop's calendar days, as the reports count them: `YYYY-MM-DD` in the shop's time zone
// (the tenant's `timezone`), whatever the viewer's zone is. Days are plain dates, so their
// arithmetic is done on UTC midnights and never meets a daylight-saving change.

import { DEFAULT_ZONE } from '../workbench/officeHours'

const DAY_MS = 86_400_000
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric' })
    } catch {
      return formatter(DEFAULT_ZONE)
    }
    formatters.set(zone, f)
  }
  return f
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

function dayOfUtc(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

function utcOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number)
  return Date.UTC(y, m - 1, d)
}

/** The shop's day at `ms` in `zone` (an IANA name; unknown or none: Asia/Shanghai). */
export function dayIn(ms: number, zone: string | null | undefined): string {
  const parts: Record<string, number> = {}
  for (const p of formatter(zone || DEFAULT_ZONE).formatToParts(ms)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return `${parts.year}-${pad(parts.month)}-${pad(parts.day)}`
}

/** `day` moved by `n` days (negative: back). */
export function addDays(day: string, n: number): string {
  return dayOfUtc(utcOf(day) + n * DAY_MS)
}

/** How many days `from`–`to` spans, both included (0 when `to` is before `from`). */
export function daysIn(from: string, to: string): number {
  return Math.max(0, Math.round((utcOf(to) - utcOf(from)) / DAY_MS) + 1)
}

/** `YYYY-MM` of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7)
}

/** The first and last day of month `YYYY-MM`. */
export function monthDays(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number)
  return { from: `${month}-01`, to: dayOfUtc(Date.UTC(y, m, 1) - DAY_MS) }
}

/** The month before `YYYY-MM`. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1)}`
}
