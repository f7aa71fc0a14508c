// Office time as the wait timers count it, pinned to the server's count: the cases are shared
// with crates/kefu-domain/tests/office_hours_cases.rs, which runs the same file against
// crates/kefu-domain/src/hours.rs. A case that fails here and passes there is a web bug.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { OfficeHours } from '../../api'
import { DEFAULT_ZONE, officeMsBetween, scheduleOf, waitedMs } from './officeHours'

interface OfficeCase {
  name: string
  note: string
  hours: OfficeHours | null
  zone: string
  from_iso: string
  from: number
  to_iso: string
  to: number
  /** Office ms in [from, to); null when there is no schedule (no hours, or refused ones). */
  office_ms: number | null
  waited_ms: number
  /** hours.rs `Schedule::deadline`; the web has none, so here it is checked through the count. */
  deadline?: { office_ms: number; at_iso: string; at: number }
}

const CASES: OfficeCase[] = JSON.parse(
  readFileSync(new URL('../../../../crates/kefu-domain/tests/office_hours_cases.json', import.meta.url), 'utf8'),
) as OfficeCase[]

describe('office hours, shared cases with hours.rs', () => {
  it('has cases, and their instants match their RFC 3339 readings', () => {
    expect(CASES.length).toBeGreaterThan(30)
    for (const c of CASES) {
      expect(Date.parse(c.from_iso), c.name).toBe(c.from)
      expect(Date.parse(c.to_iso), c.name).toBe(c.to)
      if (c.deadline) expect(Date.parse(c.deadline.at_iso), c.name).toBe(c.deadline.at)
    }
  })

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const schedule = scheduleOf(c.hours, c.zone)
    if (c.office_ms === null) {
      expect(schedule).toBeNull()
    } else {
      expect(schedule).not.toBeNull()
      expect(officeMsBetween(schedule!, c.from, c.to)).toBe(c.office_ms)
    }
    expect(waitedMs(schedule, c.from, c.to)).toBe(c.waited_ms)

    if (c.deadline) {
      // The deadline is the first instant by which that much office time has passed: the
      // count reaches it there, and one millisecond earlier it had not.
      const { office_ms: office, at } = c.deadline
      expect(officeMsBetween(schedule!, c.from, at)).toBe(office)
      if (office > 0) expect(officeMsBetween(schedule!, c.from, at - 1)).toBe(office - 1)
    }
  })
})

describe('office hours, the web side', () => {
  const weekdays: OfficeHours = { days: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' }

  it('falls back to Shanghai without a zone', () => {
    expect(scheduleOf(weekdays, null)?.zone).toBe(DEFAULT_ZONE)
    expect(scheduleOf(weekdays, undefined)?.zone).toBe(DEFAULT_ZONE)
    expect(scheduleOf(weekdays, 'Europe/Berlin')?.zone).toBe('Europe/Berlin')
  })

  it('has no schedule without hours', () => {
    expect(scheduleOf(null, 'Asia/Shanghai')).toBeNull()
    expect(scheduleOf(undefined, 'Asia/Shanghai')).toBeNull()
  })

  it('counts the same after the windows are cached', () => {
    const s = scheduleOf(weekdays, 'Asia/Shanghai')!
    const from = Date.parse('2026-11-27T17:00:00+08:00')
    const to = Date.parse('2026-11-30T10:00:00+08:00')
    expect(officeMsBetween(s, from, to)).toBe(2 * 3_600_000)
    expect(s.windows.size).toBeGreaterThan(0)
    expect(officeMsBetween(s, from, to)).toBe(2 * 3_600_000)
  })
})
