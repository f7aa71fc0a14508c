// WB-7: office time, counted as the server counts it. Mirrors crates/kefu-domain/src/hours.rs
// (`OfficeHours::schedule`, `Schedule::office_ms_between`, `waited_ms`): only the shop's
// working days between opening and closing, in its own time zone, count towards a team's
// response target. Pure functions over epoch milliseconds; the zone's rules come from Intl.

import type { OfficeHours } from '../../api'

/** The zone when a shop names none, or one this browser does not know (hours.rs DEFAULT_ZONE). */
export const DEFAULT_ZONE = 'Asia/Shanghai'

/** A year of days is the most a count walks through (hours.rs MAX_DAYS). */
const MAX_DAYS = 400
const DAY_MS = 86_400_000

/** Office hours checked once, ready to count with. */
export interface Schedule {
  /** Bit `d - 1` set when ISO weekday `d` is a working day. */
  days: number
  /** Minutes after local midnight. */
  open: number
  close: number
  zone: string
  /** Each local date's office interval, worked out once: `y-m-d` → [open, close] or null. */
  windows: Map<string, [number, number] | null>
}

/** A local calendar date; `month` is 1–12. */
interface LocalDate {
  year: number
  month: number
  day: number
}

/** "HH:MM" as minutes after midnight, as chrono's `%H:%M` reads it (one or two digits each, and
 *  spaces before the minutes skipped, as chrono skips them before any number); null when it is
 *  not one. */
function clock(text: string): number | null {
  const m = /^(\d{1,2}):\s*(\d{1,2})$/.exec(text.trim())
  if (!m) return null
  const [h, min] = [Number(m[1]), Number(m[2])]
  return h <= 23 && min <= 59 ? h * 60 + min : null
}

/** The stable code of the first problem, as `PUT /settings` would answer it; null when fine. */
function checkOfficeHours(hours: OfficeHours): 'invalid_office_hours' | null {
  const daysOk = hours.days.length > 0 && hours.days.length <= 7 && hours.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)
  const open = clock(hours.open)
  const close = clock(hours.close)
  return daysOk && open !== null && close !== null && open < close ? null : 'invalid_office_hours'
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** A formatter reading wall-clock parts in `zone`; null for a zone this browser does not know,
 *  or one it knows only by ignoring case: chrono-tz reads names exactly, so the server counts
 *  "america/new_york" in Shanghai time. (Intl names an alias by the zone it stands for, so a
 *  miscased alias such as "us/eastern" still slips through.) */
function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
    } catch {
      return null
    }
    const known = f.resolvedOptions().timeZone
    if (known !== zone && known.toLowerCase() === zone.toLowerCase()) return null
    formatters.set(zone, f)
  }
  return f
}

/** The schedule in `zone` (an IANA name; unknown names fall back to Asia/Shanghai). Null when
 *  there are no hours or they would not pass the server's check. */
export function scheduleOf(hours: OfficeHours | null | undefined, zone: string | null | undefined): Schedule | null {
  if (!hours || checkOfficeHours(hours)) return null
  const known = zone && formatter(zone) ? zone : DEFAULT_ZONE
  return {
    days: hours.days.reduce((bits, d) => bits | (1 << (d - 1)), 0),
    open: clock(hours.open)!,
    close: clock(hours.close)!,
    zone: known,
    windows: new Map(),
  }
}

/** The wall-clock reading of `ms` in `zone`, as if it were UTC (for offsets). */
function wallOf(ms: number, zone: string): number {
  const parts: Record<string, number> = {}
  for (const p of formatter(zone)!.formatToParts(ms)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value)
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second)
}

/** How far `zone`'s clock is ahead of UTC at `ms`. */
function offsetAt(ms: number, zone: string): number {
  return wallOf(ms, zone) - Math.floor(ms / 1000) * 1000
}

function localDateOf(ms: number, zone: string): LocalDate {
  const wall = new Date(wallOf(ms, zone))
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() }
}

/** The earliest instant that reads `minutes` after midnight of `date` in `zone`; null for a
 *  time a daylight-saving jump skips (chrono's `from_local_datetime(..).earliest()`). `minutes`
 *  may run past midnight into the next day. */
function instantOf(date: LocalDate, minutes: number, zone: string): number | null {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes)
  // The offsets in force a day either side cover any one jump near this time.
  const offsets = new Set([offsetAt(wall - DAY_MS, zone), offsetAt(wall + DAY_MS, zone)])
  let earliest: number | null = null
  for (const offset of offsets) {
    const at = wall - offset
    if (offsetAt(at, zone) === offset && (earliest === null || at < earliest)) earliest = at
  }
  return earliest
}

/** The office interval of one local date, as epoch ms, if it is a working day. */
function windowOf(s: Schedule, date: LocalDate): [number, number] | null {
  const key = `${date.year}-${date.month}-${date.day}`
  const known = s.windows.get(key)
  if (known !== undefined) return known
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() || 7
  let window: [number, number] | null = null
  if (s.days & (1 << (weekday - 1))) {
    // As hours.rs reads them: a time repeated by a daylight-saving change is read the first
    // time, and one a jump forward skips is read an hour later (02:30 → 03:30).
    const at = (minutes: number) => instantOf(date, minutes, s.zone) ?? instantOf(date, minutes + 60, s.zone)
    const open = at(s.open)
    const close = at(s.close)
    window = open !== null && close !== null ? [open, close] : null
  }
  s.windows.set(key, window)
  return window
}

/** Office milliseconds in `[fromMs, toMs)`. */
export function officeMsBetween(s: Schedule, fromMs: number, toMs: number): number {
  const first = localDateOf(fromMs, s.zone)
  let total = 0
  for (let n = 0; n < MAX_DAYS; n++) {
    const d = new Date(Date.UTC(first.year, first.month - 1, first.day + n))
    const window = windowOf(s, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() })
    if (!window) continue
    const [open, close] = window
    if (open >= toMs) break
    total += Math.max(0, Math.min(close, toMs) - Math.max(open, fromMs))
  }
  return total
}

/** How long a buyer has waited, as a team's target counts it: office time when there is a
 *  schedule (the team counts in office hours and the shop has them), else wall-clock time. */
export function waitedMs(schedule: Schedule | null, sinceMs: number, nowMs: number): number {
  return schedule ? officeMsBetween(schedule, sinceMs, nowMs) : Math.max(0, nowMs - sinceMs)
}
