// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { describe, expect, it } from 'vitest'
import type { RoutingRule } from '../../api'
import { blankCondition, conditionText, draftId, draftOf, inputOf, isBlank } from './routing'

const RULE: RoutingRule = {
  id: '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b',
  name: '订单卡片走售后',
  position: 1,
  conditions: [{ kind: 'entry', value: 'order_card' }],
  team: 'after_sales',
  enabled: true,
}

describe('routing rules in the editor', () => {
  it('makes v4 UUIDs for new rules', () => {
    const ids = Array.from({ length: 20 }, draftId)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('edits a copy of a saved rule', () => {
    const draft = draftOf(RULE)
    expect(draft).toMatchObject({ key: RULE.id, saved: true, name: RULE.name, team: 'after_sales', enabled: true })
    draft.conditions[0].value = 'live_room'
    expect(RULE.conditions[0].value).toBe('order_card')
  })

  it('sends a new rule without its draft id unless the tester asks', () => {
    const saved = draftOf(RULE)
    expect(inputOf(saved, false).id).toBe(RULE.id)
    const fresh = { ...saved, key: draftId(), saved: false }
    expect('id' in inputOf(fresh, false)).toBe(false)
    expect(inputOf(fresh, true).id).toBe(fresh.key)
    expect(inputOf(fresh, false)).toEqual({ name: RULE.name, conditions: RULE.conditions, team: 'after_sales', enabled: true })
  })

  it('starts each kind of condition with a value the server takes, or an empty text', () => {
    expect(blankCondition('entry')).toEqual({ kind: 'entry', value: 'shop_home' })
    expect(blankCondition('channel')).toEqual({ kind: 'channel', value: 'web' })
    expect(blankCondition('vip_at_least')).toEqual({ kind: 'vip_at_least', value: 1 })
    expect(blankCondition('sku')).toEqual({ kind: 'sku', value: '' })
    expect(isBlank(blankCondition('sku'))).toBe(true)
    expect(isBlank({ kind: 'language', value: '  ' })).toBe(true)
    expect(isBlank({ kind: 'language', value: 'en' })).toBe(false)
    expect(isBlank(blankCondition('vip_at_least'))).toBe(false)
  })

  it('puts conditions in words', () => {
    expect(conditionText({ kind: 'entry', value: 'order_card' })).toBe('进线入口 = 订单卡片')
    expect(conditionText({ kind: 'channel', value: 'douyin' })).toBe('渠道 = 抖音')
    expect(conditionText({ kind: 'vip_at_least', value: 3 })).toBe('VIP 等级 ≥ 3')
    expect(conditionText({ kind: 'sku', value: 'TEA-01' })).toBe('SKU = TEA-01')
  })
})
