// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.) Times are built with local-time
// constructors, as format.ts shows them in the viewer's zone, so the tests hold in any zone.
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import {
  avatarColour,
  clock,
  dateTime,
  dayLabel,
  duration,
  fileSize,
  initial,
  monthDay,
  parseYuan,
  relativeTime,
  responseTarget,
  yuan,
} from './format'

const local = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => new Date(y, m - 1, d, h, min, s).getTime()

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

describe('clock and dates', () => {
  it('pads hours, minutes, months and days', () => {
    expect(clock(local(2026, 11, 21, 14, 5))).toBe('14:05')
    expect(clock(local(2026, 1, 2, 0, 0))).toBe('00:00')
    expect(dateTime(local(2026, 1, 2, 3, 4))).toBe('2026-01-02 03:04')
    expect(monthDay(local(2026, 11, 29, 23, 59))).toBe('11-29')
  })

  it('labels days relative to now', () => {
    const now = local(2026, 11, 21, 9, 0)
    expect(dayLabel(local(2026, 11, 21, 0, 1), now)).toBe('今天')
    expect(dayLabel(local(2026, 11, 20, 23, 59), now)).toBe('昨天')
    expect(dayLabel(local(2026, 11, 19, 12, 0), now)).toBe('11-19')
    expect(dayLabel(local(2025, 11, 19, 12, 0), now)).toBe('2025-11-19')
  })

  it('says how long ago, for conversation lists', () => {
    const now = local(2026, 11, 21, 15, 0)
    expect(relativeTime(now - 59_000, now)).toBe('刚刚')
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 分钟前')
    expect(relativeTime(local(2026, 11, 21, 9, 7), now)).toBe('09:07')
    expect(relativeTime(local(2026, 11, 20, 22, 0), now)).toBe('昨天')
    expect(relativeTime(local(2026, 11, 3, 22, 0), now)).toBe('11-03')
  })

  it('speaks English when asked', () => {
    i18n.global.locale.value = 'en'
    const now = local(2026, 11, 21, 15, 0)
    expect(dayLabel(now, now)).toBe('Today')
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 min ago')
    expect(duration(65_000)).toBe('1 min 5 s')
  })
})

describe('durations and targets', () => {
  it('shows a wait as seconds, minutes and seconds, or hours and minutes', () => {
    expect(duration(-5_000)).toBe('0 秒')
    expect(duration(12_400)).toBe('12 秒')
    expect(duration(59_600)).toBe('1 分 0 秒')
    expect(duration(185_000)).toBe('3 分 5 秒')
    expect(duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 小时 5 分')
  })

  it('shows a response target in its largest whole unit', () => {
    expect(responseTarget(30)).toBe('30 秒')
    expect(responseTarget(90)).toBe('1 分 30 秒')
    expect(responseTarget(120)).toBe('2 分钟')
    expect(responseTarget(5400)).toBe('1 小时 30 分')
    expect(responseTarget(7200)).toBe('2 小时')
    expect(responseTarget(86_400)).toBe('1 天')
    expect(responseTarget(36 * 3600)).toBe('36 小时')
  })
})

describe('sizes, names and colours', () => {
  it('shows file sizes', () => {
    expect(fileSize(512)).toBe('512 B')
    expect(fileSize(1536)).toBe('1.5 KB')
    expect(fileSize(200 * 1024)).toBe('200 KB')
    expect(fileSize(1.25 * 1024 * 1024)).toBe('1.3 MB')
  })

  it('takes the first character, whole, for an avatar', () => {
    expect(initial('  王先生 ')).toBe('王')
    expect(initial('alice')).toBe('A')
    expect(initial('😀 smile')).toBe('😀')
    expect(initial('   ')).toBe('?')
  })

  it('gives a name the same colour every time', () => {
    expect(avatarColour('王先生')).toBe(avatarColour('王先生'))
    expect(avatarColour('')).toBe('#3370ff')
    expect(avatarColour('a')).toMatch(/^#[0-9a-f]{6}$/)
  })
})

describe('money', () => {
  it('shows integer fen as yuan, exactly', () => {
    expect(yuan(0)).toBe('¥0.00')
    expect(yuan(5)).toBe('¥0.05')
    expect(yuan(129_900)).toBe('¥1,299.00')
    expect(yuan(-60_000)).toBe('-¥600.00')
    expect(yuan(123_456_789)).toBe('¥1,234,567.89')
  })

  it('reads yuan a person typed', () => {
    expect(parseYuan('600')).toBe(60_000)
    expect(parseYuan(' 59.9 ')).toBe(5_990)
    expect(parseYuan('¥1,299.00')).toBe(129_900)
    expect(parseYuan('￥0.01')).toBe(1)
    expect(parseYuan('1.234')).toBeNull()
    expect(parseYuan('-5')).toBeNull()
    expect(parseYuan('abc')).toBeNull()
    expect(parseYuan('')).toBeNull()
  })
})
