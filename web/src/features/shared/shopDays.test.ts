// The shop's days are its own time zone's, whatever the viewer's zone.
import { describe, expect, it } from 'vitest'
import { addDays, dayIn, daysIn, monthDays, monthOf, previousMonth } from './shopDays'

describe('dayIn', () => {
  it('reads the day in the shop’s zone', () => {
    // 2026-03-31 17:30 UTC is already April 1st in Shanghai, still March 31st in New York.
    const ms = Date.UTC(2026, 2, 31, 17, 30)
    expect(dayIn(ms, 'Asia/Shanghai')).toBe('2026-04-01')
    expect(dayIn(ms, 'America/New_York')).toBe('2026-03-31')
    expect(dayIn(ms, 'UTC')).toBe('2026-03-31')
  })

  it('falls back to Shanghai for a zone it does not know, or none', () => {
    const ms = Date.UTC(2026, 2, 31, 17, 30)
    expect(dayIn(ms, 'Mars/Olympus_Mons')).toBe('2026-04-01')
    expect(dayIn(ms, null)).toBe('2026-04-01')
    expect(dayIn(ms, '')).toBe('2026-04-01')
  })
})

describe('day arithmetic', () => {
  it('moves across months, years and leap days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(addDays('2026-05-20', -6)).toBe('2026-05-14')
    expect(addDays('2026-05-20', 0)).toBe('2026-05-20')
  })

  it('counts a range’s days, both ends included', () => {
    expect(daysIn('2026-05-14', '2026-05-20')).toBe(7)
    expect(daysIn('2026-05-20', '2026-05-20')).toBe(1)
    expect(daysIn('2026-05-21', '2026-05-20')).toBe(0)
    // Across a daylight-saving change elsewhere: days stay days.
    expect(daysIn('2026-03-01', '2026-03-31')).toBe(31)
  })

  it('knows months', () => {
    expect(monthOf('2026-05-20')).toBe('2026-05')
    expect(monthDays('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(monthDays('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
    expect(monthDays('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' })
    expect(previousMonth('2026-01')).toBe('2025-12')
    expect(previousMonth('2026-10')).toBe('2026-09')
  })
})
