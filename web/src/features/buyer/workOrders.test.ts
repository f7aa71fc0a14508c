import { describe, expect, it } from 'vitest'
import type { BuyerWorkOrder } from '../../api'
import { MAX_SHOWN_WORK_ORDERS, RESOLVED_SHOWN_MS, mayMoveWorkOrders, showsWorkOrder, shownWorkOrders } from './workOrders'

const NOW = Date.UTC(2026, 11, 8, 10, 0)
const HOUR = 60 * 60 * 1000

function wo(number: string, status: BuyerWorkOrder['status'], updatedAgo = HOUR): BuyerWorkOrder {
  return {
    id: `id-${number}`,
    number,
    kind: 'refund',
    title: '退款',
    status,
    progress: `您的退款工单 ${number} ${status}`,
    updated_at: NOW - updatedAgo,
  }
}

describe('showsWorkOrder', () => {
  it('shows open orders, whatever their age', () => {
    for (const status of ['new', 'in_progress', 'waiting_buyer', 'waiting_third_party'] as const) {
      expect(showsWorkOrder(wo('WO1', status, 30 * 24 * HOUR), NOW)).toBe(true)
    }
  })

  it('shows a resolved order for a day, a closed one never', () => {
    expect(showsWorkOrder(wo('WO1', 'resolved', 23 * HOUR), NOW)).toBe(true)
    expect(showsWorkOrder(wo('WO1', 'resolved', RESOLVED_SHOWN_MS), NOW)).toBe(false)
    expect(showsWorkOrder(wo('WO1', 'closed', 0), NOW)).toBe(false)
  })
})

describe('shownWorkOrders', () => {
  it('keeps the newest three, open ones first, in the order the server gave', () => {
    const list = [
      wo('WO5', 'resolved', 2 * HOUR),
      wo('WO4', 'in_progress'),
      wo('WO3', 'closed'),
      wo('WO2', 'waiting_buyer'),
      wo('WO1', 'new'),
      wo('WO0', 'in_progress'),
    ]
    const shown = shownWorkOrders(list, NOW)
    expect(shown).toHaveLength(MAX_SHOWN_WORK_ORDERS)
    expect(shown.map((o) => o.number)).toEqual(['WO4', 'WO2', 'WO1'])
  })

  it('shows a resolved one when there is room, and nothing when all are done', () => {
    expect(shownWorkOrders([wo('WO2', 'resolved'), wo('WO1', 'new')], NOW).map((o) => o.number)).toEqual(['WO1', 'WO2'])
    expect(shownWorkOrders([wo('WO2', 'closed'), wo('WO1', 'resolved', 2 * RESOLVED_SHOWN_MS)], NOW)).toEqual([])
    expect(shownWorkOrders([], NOW)).toEqual([])
  })
})

describe('mayMoveWorkOrders', () => {
  it('reads the orders again on system messages only', () => {
    expect(mayMoveWorkOrders({ sender_kind: 'system' })).toBe(true)
    for (const kind of ['buyer', 'agent', 'bot', 'automation'] as const) expect(mayMoveWorkOrders({ sender_kind: kind })).toBe(false)
  })
})
