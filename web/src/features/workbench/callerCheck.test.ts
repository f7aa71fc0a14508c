import { describe, expect, it } from 'vitest'
import { callerCheckQuery, callerVerdict, comparison } from './callerCheck'

describe('callerCheckQuery', () => {
  it('asks with the order number, trimmed, and the four digits when told', () => {
    expect(callerCheckQuery(' P1 ', '')).toEqual({ query: { order_no: 'P1' } })
    expect(callerCheckQuery('P1', ' 56 78 ')).toEqual({ query: { order_no: 'P1', last_four: '5678' } })
  })

  it('names the field the server would refuse', () => {
    expect(callerCheckQuery('  ', '5678')).toEqual({ problem: 'orderNo' })
    expect(callerCheckQuery('P'.repeat(65), '')).toEqual({ problem: 'orderNo' })
    for (const told of ['567', '12a4', '56789', '５６７８']) expect(callerCheckQuery('P1', told)).toEqual({ problem: 'lastFour' })
  })
})

describe('callerVerdict', () => {
  it('passes when what was compared matches', () => {
    expect(callerVerdict({ caller_matches: true, told_matches: true })).toBe('passed')
    expect(callerVerdict({ caller_matches: true, told_matches: null })).toBe('passed')
    expect(callerVerdict({ caller_matches: null, told_matches: true })).toBe('passed')
  })

  it('fails on any difference', () => {
    expect(callerVerdict({ caller_matches: true, told_matches: false })).toBe('failed')
    expect(callerVerdict({ caller_matches: false, told_matches: true })).toBe('failed')
    expect(callerVerdict({ caller_matches: false })).toBe('failed')
  })

  it('is partial when nothing could be compared', () => {
    expect(callerVerdict({})).toBe('partial')
    expect(callerVerdict({ caller_matches: null, told_matches: null })).toBe('partial')
  })

  it('reads each comparison', () => {
    expect([true, false, null, undefined].map(comparison)).toEqual(['match', 'mismatch', 'none', 'none'])
  })
})
