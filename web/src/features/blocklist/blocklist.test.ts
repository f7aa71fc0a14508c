import { describe, expect, it } from 'vitest'
import type { IntakeFilter } from '../../api'
import {
  MAX_ALLOWED_DOMAINS,
  MAX_FILTER_KEYWORDS,
  addDomain,
  addKeyword,
  blockState,
  editableFilter,
  filterProblem,
  invalidReason,
  invalidReasonText,
  normaliseDomain,
  sameFilter,
} from './blocklist'

/** The server's default filter (kefu-domain intake.rs), off. */
function defaults(): IntakeFilter {
  return { enabled: false, keywords: ['加微信', '加vx', '刷单', '兼职日结', '代理加盟', '返利群'], block_links: true, allowed_domains: [], max_per_minute: 20 }
}

describe('a block', () => {
  const NOW = 1_700_000_000_000

  it('is in force until lifted or past its end', () => {
    expect(blockState({ lifted_at: null, expires_at: null }, NOW)).toBe('active')
    expect(blockState({ lifted_at: null, expires_at: NOW + 1 }, NOW)).toBe('active')
    expect(blockState({ lifted_at: null, expires_at: NOW }, NOW)).toBe('expired')
    expect(blockState({ lifted_at: NOW - 5, expires_at: NOW - 1 }, NOW)).toBe('lifted')
  })
})

describe('why a conversation is invalid', () => {
  it('reads the filter\'s reasons and a block\'s kind', () => {
    expect(invalidReason('keyword:加微信')).toEqual({ kind: 'keyword', value: '加微信' })
    expect(invalidReason('link:x.cn')).toEqual({ kind: 'link', value: 'x.cn' })
    expect(invalidReason('keyword:a:b')).toEqual({ kind: 'keyword', value: 'a:b' })
    expect(invalidReason('rate')).toEqual({ kind: 'rate' })
    expect(invalidReason('harassment')).toEqual({ kind: 'block', block: 'harassment' })
    expect(invalidReason('something')).toEqual({ kind: 'unknown', value: 'something' })
  })

  it('says it through the locale', () => {
    const t = (key: string, params?: Record<string, string>) => (params ? `${key}${JSON.stringify(params)}` : key)
    expect(invalidReasonText('keyword:刷单', t)).toBe('block.reasons.keyword{"value":"刷单"}')
    expect(invalidReasonText('ad', t)).toBe('block.reasons.block{"kind":"block.kinds.ad"}')
    expect(invalidReasonText('rate', t)).toBe('block.reasons.rate')
  })
})

describe('the filter\'s keywords', () => {
  it('adds a trimmed word, or says why not', () => {
    expect(addKeyword(['刷单'], '  加微信 ')).toEqual({ words: ['刷单', '加微信'], problem: null })
    expect(addKeyword(['刷单'], '  ').problem).toBe('empty')
    expect(addKeyword(['加VX'], '加vx').problem).toBe('duplicate')
    expect(addKeyword([], 'x'.repeat(51)).problem).toBe('too_long')
    expect(addKeyword([], '字'.repeat(50)).problem).toBeNull()
    const full = Array.from({ length: MAX_FILTER_KEYWORDS }, (_, i) => `w${i}`)
    expect(addKeyword(full, 'new')).toEqual({ words: full, problem: 'too_many' })
  })
})

describe('the allowed domains', () => {
  it('keeps a domain without scheme, path or port, in lower case', () => {
    expect(normaliseDomain('https://Shop.Example.com/a?b=1')).toBe('shop.example.com')
    expect(normaliseDomain('taobao.com:443')).toBe('taobao.com')
    expect(normaliseDomain('jd.com.')).toBe('jd.com')
    expect(normaliseDomain('localhost')).toBe('')
    expect(normaliseDomain('not a domain')).toBe('')
  })

  it('adds one, or says why not', () => {
    expect(addDomain([], 'https://www.Taobao.com/')).toEqual({ domains: ['www.taobao.com'], problem: null })
    expect(addDomain(['jd.com'], 'JD.com').problem).toBe('duplicate')
    expect(addDomain([], '??').problem).toBe('not_a_domain')
    expect(addDomain([], ' ').problem).toBe('empty')
    const full = Array.from({ length: MAX_ALLOWED_DOMAINS }, (_, i) => `d${i}.cn`)
    expect(addDomain(full, 'x.cn').problem).toBe('too_many')
  })
})

describe('the filter as a whole', () => {
  it('says what the server would refuse', () => {
    expect(filterProblem(defaults())).toBeNull()
    expect(filterProblem({ ...defaults(), max_per_minute: 601 })).toBe('bad_rate')
    expect(filterProblem({ ...defaults(), max_per_minute: 0 })).toBeNull()
    expect(filterProblem({ ...defaults(), max_per_minute: 2.5 })).toBe('bad_rate')
    expect(filterProblem({ ...defaults(), keywords: ['x'.repeat(51)] })).toBe('keyword_too_long')
    expect(filterProblem({ ...defaults(), allowed_domains: Array.from({ length: 101 }, (_, i) => `d${i}.cn`) })).toBe('too_many_domains')
  })

  it('edits a copy, and knows when it changed', () => {
    const saved = defaults()
    const draft = editableFilter(saved)
    expect(sameFilter(draft, saved)).toBe(true)
    draft.keywords.push('返现')
    expect(saved.keywords).toHaveLength(6)
    expect(sameFilter(draft, saved)).toBe(false)
    expect(sameFilter({ ...saved, block_links: false }, saved)).toBe(false)
  })
})
