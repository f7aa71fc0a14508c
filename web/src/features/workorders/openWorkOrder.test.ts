import { describe, expect, it } from 'vitest'
import type { Order, WorkOrderFieldDef, WorkOrderSettingsView } from '../../api'
import {
  MAX_TITLE_CHARS,
  buildOpenPayload,
  fieldValueFits,
  formProblems,
  handoffTitle,
  isDate,
  itemOf,
  ordersOfShop,
  qaTitle,
  suggestTitle,
  targetHours,
  targetSpan,
  yuanToFen,
} from './openWorkOrder'
import type { OpenForm, Translate } from './openWorkOrder'

// A stand-in for vue-i18n: the key with its values, so the tests read what was asked for.
const t: Translate = (key, values) => {
  if (key.startsWith('workOrderLabels.kind.')) return key.slice('workOrderLabels.kind.'.length).toUpperCase()
  if (key === 'workOrderOpen.titleItem') return `${values?.kind} · ${values?.item}`
  if (key === 'workOrderOpen.titleItems') return `${values?.kind} · ${values?.item} 等 ${values?.n} 件`
  if (key === 'workOrderOpen.titleOrder') return `${values?.kind} · 订单 ${values?.order}`
  if (key === 'workOrderOpen.handoffTitle') return `合作方处理：${values?.partner} · ${values?.order}`
  if (key === 'workOrderOpen.qaTitle') return `质检发现：${values?.name}`
  return key
}

function form(over: Partial<OpenForm> = {}): OpenForm {
  return {
    kind: 'refund',
    title: '退款 · 订单 A1',
    description: '',
    priority: 'normal',
    orderNo: null,
    items: [],
    amountYuan: '',
    fields: {},
    owner: 'me',
    team: null,
    tellBuyer: true,
    ...over,
  }
}

const reason: WorkOrderFieldDef = { key: 'reason', label: '退款原因', kind: 'choice', options: ['质量问题', '其他'], required: true }
const when: WorkOrderFieldDef = { key: 'when', label: '回电日期', kind: 'date' }
const count: WorkOrderFieldDef = { key: 'count', label: '件数', kind: 'number' }
const note: WorkOrderFieldDef = { key: 'note', label: '备注', kind: 'text' }

const view: WorkOrderSettingsView = {
  version: 1,
  default_hours: { refund: 24, exchange: 48, reissue: 24, logistics: 24, complaint: 8, callback: 4, other: 48 },
  settings: { kinds: { refund: { target_hours: 12, fields: [reason] }, callback: { fields: [] } } },
}

describe('suggestTitle', () => {
  it('names the kind, then the order, then the items ticked', () => {
    expect(suggestTitle('refund', null, [], t)).toBe('REFUND')
    expect(suggestTitle('refund', 'A1', [], t)).toBe('REFUND · 订单 A1')
    expect(suggestTitle('exchange', 'A1', [{ title: '蓝牙耳机' }], t)).toBe('EXCHANGE · 蓝牙耳机')
    expect(suggestTitle('exchange', 'A1', [{ title: '蓝牙耳机' }, { title: '充电线' }], t)).toBe('EXCHANGE · 蓝牙耳机 等 2 件')
  })

  it('never runs past the server limit', () => {
    const title = suggestTitle('refund', 'A1', [{ title: '长'.repeat(300) }], t)
    expect(Array.from(title)).toHaveLength(MAX_TITLE_CHARS)
    expect(title.endsWith('…')).toBe(true)
  })
})

describe('yuanToFen', () => {
  it('reads yuan with up to two decimals', () => {
    expect(yuanToFen('12')).toBe(1200)
    expect(yuanToFen('12.5')).toBe(1250)
    expect(yuanToFen(' ¥1,299.09 ')).toBe(129909)
    expect(yuanToFen('0.01')).toBe(1)
    expect(yuanToFen('0')).toBe(0)
  })

  it('refuses what is not an amount', () => {
    for (const bad of ['', 'abc', '-1', '1.234', '1e3', '.5', '12.']) expect(yuanToFen(bad)).toBeNull()
  })
})

describe('itemOf', () => {
  it('keeps the sku, title and quantity', () => {
    expect(itemOf({ sku_code: 'S1', title: '耳机', quantity: 2 })).toEqual({ sku_code: 'S1', title: '耳机', quantity: 2 })
    expect(itemOf({ sku_code: 'S1', title: '耳机', quantity: 0 }).quantity).toBe(1)
  })
})

describe('targetHours', () => {
  it("takes the shop's target, else the kind's default, scaled by priority", () => {
    expect(targetHours(view, 'refund', 'normal')).toBe(12)
    expect(targetHours(view, 'refund', 'low')).toBe(24)
    expect(targetHours(view, 'refund', 'high')).toBe(6)
    expect(targetHours(view, 'refund', 'urgent')).toBe(3)
    expect(targetHours(view, 'callback', 'normal')).toBe(4)
    expect(targetHours(view, 'complaint', 'urgent')).toBe(2)
    expect(targetHours(null, 'refund', 'normal')).toBeNull()
  })

  it('says short targets in minutes', () => {
    expect(targetSpan(24)).toEqual({ unit: 'hours', n: 24 })
    expect(targetSpan(1.25)).toEqual({ unit: 'hours', n: 1.3 })
    expect(targetSpan(0.5)).toEqual({ unit: 'minutes', n: 30 })
  })
})

describe('custom fields', () => {
  it('checks each kind of value', () => {
    expect(fieldValueFits(reason, '质量问题')).toBe(true)
    expect(fieldValueFits(reason, '别的')).toBe(false)
    expect(fieldValueFits(when, '2026-12-09')).toBe(true)
    expect(fieldValueFits(when, '2026-02-30')).toBe(false)
    expect(fieldValueFits(when, '2026/12/09')).toBe(false)
    expect(fieldValueFits(count, '3')).toBe(true)
    expect(fieldValueFits(count, '-2.5')).toBe(true)
    expect(fieldValueFits(count, 'three')).toBe(false)
    expect(fieldValueFits(note, 'x'.repeat(501))).toBe(false)
    expect(fieldValueFits(count, '')).toBe(true)
    expect(isDate('2024-02-29')).toBe(true)
    expect(isDate('2023-02-29')).toBe(false)
  })
})

describe('formProblems', () => {
  it('passes a complete form', () => {
    expect(formProblems(form({ fields: { reason: '其他' } }), [reason])).toEqual([])
  })

  it('names a blank title, a bad amount and required or malformed fields', () => {
    const problems = formProblems(form({ title: '  ', amountYuan: '12.345', fields: { when: 'soon' } }), [reason, when])
    expect(problems).toEqual(['title', 'amount', 'field:reason', 'field:when'])
  })

  it('ignores the amount of kinds other than refund', () => {
    expect(formProblems(form({ kind: 'complaint', amountYuan: 'abc' }), [])).toEqual([])
  })

  it('refuses an overlong title and too many items', () => {
    const items = Array.from({ length: 21 }, (_, i) => ({ sku_code: `S${i}`, title: 'x', quantity: 1 }))
    expect(formProblems(form({ title: 'x'.repeat(101), items }), [])).toEqual(['title', 'items'])
  })
})

describe('buildOpenPayload', () => {
  const items = [{ sku_code: 'S1', title: '耳机', quantity: 1 }]

  it('builds a refund from a conversation', () => {
    const body = buildOpenPayload(
      form({
        title: ' 退款 · 耳机 ',
        description: ' 买家说坏了 ',
        orderNo: 'A1',
        items,
        amountYuan: '59.9',
        fields: { reason: ' 质量问题 ', stray: 'x' },
        owner: 'none',
        team: 'after_sales',
      }),
      { conversationId: 'c1', meId: 'me', defs: [reason, when] },
    )
    expect(body).toEqual({
      kind: 'refund',
      title: '退款 · 耳机',
      description: '买家说坏了',
      priority: 'normal',
      order_no: 'A1',
      items,
      amount_fen: 5990,
      fields: { reason: '质量问题' },
      conversation_id: 'c1',
      owner_id: null,
      team: 'after_sales',
      tell_buyer: true,
    })
  })

  it('gives it to me, or to a colleague', () => {
    expect(buildOpenPayload(form(), { conversationId: 'c1', meId: 'me', defs: [] }).owner_id).toBe('me')
    expect(buildOpenPayload(form({ owner: 'u2' }), { conversationId: 'c1', meId: 'me', defs: [] }).owner_id).toBe('u2')
  })

  it('leaves out the amount of other kinds, items without an order, telling without a conversation', () => {
    const body = buildOpenPayload(form({ kind: 'complaint', amountYuan: '10', items, tellBuyer: true }), {
      conversationId: null,
      meId: 'me',
      defs: [],
    })
    expect(body.amount_fen).toBeNull()
    expect(body.items).toEqual([])
    expect(body.order_no).toBeNull()
    expect(body.tell_buyer).toBe(false)
    expect(body.conversation_id).toBeNull()
  })

  it('sends tell_buyer false when the agent unticks it', () => {
    expect(buildOpenPayload(form({ tellBuyer: false }), { conversationId: 'c1', meId: 'me', defs: [] }).tell_buyer).toBe(false)
  })
})

describe('work orders from elsewhere', () => {
  it('sends where it came from only when it came from somewhere', () => {
    const plain = buildOpenPayload(form(), { conversationId: 'c1', meId: 'me', defs: [] })
    expect('source' in plain).toBe(false)
    expect('source_id' in plain).toBe(false)
    const fromHandoff = buildOpenPayload(form({ kind: 'logistics' }), { conversationId: 'c1', meId: 'me', defs: [], source: 'handoff', sourceId: 'h1' })
    expect(fromHandoff.source).toBe('handoff')
    expect(fromHandoff.source_id).toBe('h1')
    const fromQa = buildOpenPayload(form({ tellBuyer: false }), { conversationId: 'c1', meId: 'me', defs: [], source: 'qa', sourceId: 'r1' })
    expect(fromQa).toMatchObject({ source: 'qa', source_id: 'r1', tell_buyer: false })
  })

  it('suggests a title from the hand-off or the review', () => {
    expect(handoffTitle({ partner_name: '携程', order_no: 'A1' }, t)).toBe('合作方处理：携程 · A1')
    expect(Array.from(handoffTitle({ partner_name: '长'.repeat(200), order_no: 'A1' }, t))).toHaveLength(MAX_TITLE_CHARS)
    expect(qaTitle({ agent_name: '小王', buyer_name: '买家甲' }, t)).toBe('质检发现：小王')
    expect(qaTitle({ agent_name: ' ', buyer_name: '买家甲' }, t)).toBe('质检发现：买家甲')
    expect(qaTitle({ agent_name: null, buyer_name: '买家甲' }, t)).toBe('质检发现：买家甲')
  })

  it("keeps the buyer's orders with this shop", () => {
    const base = { id: 'o', order_no: 'A', paid_fen: 100, items: [] } as unknown as Order
    const orders = [
      { ...base, order_no: 'A', shop: { slug: 'acme', name: 'Acme' } },
      { ...base, order_no: 'B', shop: { slug: 'other', name: 'Other' } },
      { ...base, order_no: 'C', shop: null },
    ]
    expect(ordersOfShop(orders, 'acme').map((o) => o.order_no)).toEqual(['A', 'C'])
    expect(ordersOfShop(orders, null).map((o) => o.order_no)).toEqual(['A', 'B', 'C'])
  })
})
