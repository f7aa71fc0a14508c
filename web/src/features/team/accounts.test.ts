// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import type { Team } from '../../api'
import { i18n } from '../../i18n'
import { USERNAME_PATTERN, mobileNumber, teamLabel } from './accounts'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

function team(key: string, name: string): Team {
  return {
    key,
    name,
    response_target_seconds: 60,
    require_tag: false,
    members: 0,
    strategy: 'least_loaded',
    grab_mode: false,
    office_hours_only: false,
  }
}

describe('account fields', () => {
  it('takes usernames as the server does', () => {
    for (const ok of ['tea-pre1', 'a.b_c', 'abc', 'x'.repeat(32)]) expect(USERNAME_PATTERN.test(ok), ok).toBe(true)
    for (const bad of ['ab', 'Tea', 'tea pre', '小雨', 'x'.repeat(33)]) expect(USERNAME_PATTERN.test(bad), bad).toBe(false)
  })

  it('reads mainland mobile numbers', () => {
    expect(mobileNumber('13812345678')).toBe('13812345678')
    expect(mobileNumber(' +86 138-1234-5678 ')).toBe('13812345678')
    expect(mobileNumber('12812345678')).toBeNull()
    expect(mobileNumber('1381234567')).toBeNull()
    expect(mobileNumber('+1 138 1234 5678')).toBeNull()
  })
})

describe('team names', () => {
  it("shows the seeded teams in the reader's language and the shop's own names as they are", () => {
    const teams = [team('pre_sales', '售前'), team('after_sales', '售后服务部'), team('vip', '大客户')]
    expect(teamLabel('pre_sales', teams)).toBe('售前')
    expect(teamLabel('vip', teams)).toBe('大客户')
    i18n.global.locale.value = 'en'
    expect(teamLabel('pre_sales', teams)).toBe('Pre-sales')
    expect(teamLabel('qa')).toBe('QA')
    expect(teamLabel('after_sales', teams)).toBe('售后服务部')
    expect(teamLabel('unknown', teams)).toBe('unknown')
    expect(teamLabel(null, teams)).toBe('')
  })
})
