import { describe, expect, it } from 'vitest'
import { AGENT_STATUSES, ROUTING_STRATEGIES, importFormat, oneOf } from './api'

describe('oneOf', () => {
  it('keeps a value the list names', () => {
    expect(oneOf(AGENT_STATUSES, 'away')).toBe('away')
    expect(oneOf(ROUTING_STRATEGIES, 'sticky')).toBe('sticky')
  })

  it('reads anything else, absent or null as null', () => {
    expect(oneOf(AGENT_STATUSES, 'napping')).toBeNull()
    expect(oneOf(AGENT_STATUSES, '')).toBeNull()
    expect(oneOf(AGENT_STATUSES, 'Away')).toBeNull()
    expect(oneOf(ROUTING_STRATEGIES, undefined)).toBeNull()
    expect(oneOf(ROUTING_STRATEGIES, null)).toBeNull()
  })
})

describe('importFormat', () => {
  it('sends JSON Lines by their extension and everything else as CSV', () => {
    expect(importFormat('kb.jsonl')).toBe('jsonl')
    expect(importFormat('orders.NDJSON')).toBe('jsonl')
    expect(importFormat('products.csv')).toBe('csv')
    expect(importFormat('products')).toBe('csv')
  })
})
