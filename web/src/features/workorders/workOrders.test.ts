// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import type { Permission, WorkOrder, WorkOrderEvent, WorkOrderFieldDef, WorkOrderSettingsView, WorkOrderStatus } from '../../api'
import { workOrderExportUrl, workOrderQuery } from '../../api'
import {
  PERSON_MOVES,
  WORK_ORDER_KINDS,
  WORK_ORDER_SCOPES,
  WORK_ORDER_STATUSES,
  addOption,
  bulkFailures,
  deadlineState,
  deadlineView,
  defaultFilters,
  defaultScope,
  editDraftOf,
  editProblem,
  editedDraft,
  eventDetail,
  fenInput,
  filtersFromQuery,
  keptFields,
  listQuery,
  mayTake,
  mayWorkOn,
  moveTarget,
  movesFrom,
  narrowed,
  newField,
  orderQuery,
  parseAmount,
  primaryMove,
  reprioritisedDraft,
  sameFilters,
  scopeQuery,
  settingsBody,
  settingsDraftOf,
  settingsProblem,
  shownFields,
  spanText,
  viewFilters,
  withScope,
} from './workOrders'
import type { WorkOrderFilters } from './workOrders'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const ID = '0b7c2f4e-3a7d-4c59-9a43-1f3e2d5c6b7a'
const ME = '5d1f8a2b-6c3e-4f7a-8b9c-0d1e2f3a4b5c'
const OTHER = '7e2a9b3c-1d4f-4a6b-8c9d-0e1f2a3b4c5d'
const HOUR = 3_600_000
const NOW = Date.UTC(2026, 10, 21, 6, 0)

function order(over: Partial<WorkOrder> = {}): WorkOrder {
  return {
    id: ID,
    number: 'WO20261121000001',
    kind: 'refund',
    title: '退款 · 订单 123',
    description: '买家收到破损',
    status: 'in_progress',
    priority: 'normal',
    source: 'agent',
    owner_id: null,
    team: null,
    conversation_id: null,
    order_no: '123',
    items: [{ sku_code: 'MILK-900', title: '奶粉', quantity: 1 }],
    amount_fen: 5990,
    fields: {},
    created_at: NOW - 2 * HOUR,
    updated_at: NOW - HOUR,
    deadline_at: NOW + 3 * HOUR,
    target_ms: 24 * HOUR,
    version: 3,
    ...over,
  }
}

const can =
  (...granted: Permission[]) =>
  (p: Permission) =>
    granted.includes(p)

const REASON: WorkOrderFieldDef = { key: 'reason', label: '退款原因', kind: 'choice', options: ['破损', '错发'], required: true }
const PHOTOS: WorkOrderFieldDef = { key: 'photos', label: '照片张数', kind: 'number' }

describe('moves', () => {
  it('offers from each status exactly the moves the server allows', () => {
    expect(movesFrom('new')).toEqual(['start', 'wait_for_buyer', 'wait_for_third_party', 'resolve', 'close'])
    expect(movesFrom('in_progress')).toEqual(['wait_for_buyer', 'wait_for_third_party', 'resolve'])
    expect(movesFrom('waiting_buyer')).toEqual(['resume', 'wait_for_third_party', 'resolve'])
    expect(movesFrom('waiting_third_party')).toEqual(['resume', 'wait_for_buyer', 'resolve'])
    expect(movesFrom('resolved')).toEqual(['close', 'reopen'])
    expect(movesFrom('closed')).toEqual(['reopen'])
  })

  it('leads where the server leads, and never offers the buyer’s reply', () => {
    expect(moveTarget('new', 'start')).toBe('in_progress')
    expect(moveTarget('waiting_buyer', 'wait_for_third_party')).toBe('waiting_third_party')
    expect(moveTarget('waiting_third_party', 'resume')).toBe('in_progress')
    expect(moveTarget('new', 'close')).toBe('closed')
    expect(moveTarget('in_progress', 'close')).toBeNull()
    expect(moveTarget('closed', 'reopen')).toBe('in_progress')
    expect(moveTarget('waiting_buyer', 'buyer_replied')).toBeNull()
    expect(PERSON_MOVES).not.toContain('buyer_replied')
  })

  it('makes the usual next move the primary one, always one that is allowed', () => {
    for (const s of WORK_ORDER_STATUSES) expect(movesFrom(s)).toContain(primaryMove(s))
    expect(primaryMove('new')).toBe('start')
    expect(primaryMove('waiting_third_party')).toBe('resume')
  })
})

describe('who may work on an order', () => {
  it('lets handlers work on their own and nobody’s, managers on everyone’s', () => {
    const handler = can('conversation.read', 'work_order.handle')
    const manager = can('conversation.read', 'work_order.handle', 'work_order.manage')
    const reader = can('conversation.read')
    expect(mayWorkOn(order(), ME, handler)).toBe(true)
    expect(mayWorkOn(order({ owner_id: ME }), ME, handler)).toBe(true)
    expect(mayWorkOn(order({ owner_id: OTHER }), ME, handler)).toBe(false)
    expect(mayWorkOn(order({ owner_id: OTHER }), ME, manager)).toBe(true)
    expect(mayWorkOn(order(), ME, reader)).toBe(false)
    expect(mayTake(order(), ME, handler)).toBe(true)
    expect(mayTake(order({ owner_id: ME }), ME, handler)).toBe(false)
    expect(mayTake(order({ owner_id: OTHER }), ME, handler)).toBe(false)
    expect(mayTake(order({ owner_id: OTHER }), ME, manager)).toBe(true)
  })

  it('opens managers on all open orders, handlers on their own', () => {
    expect(defaultScope(can('work_order.handle', 'work_order.manage'))).toBe('open')
    expect(defaultScope(can('work_order.handle'))).toBe('mine')
    expect(defaultScope(can('conversation.read'))).toBe('open')
  })
})

describe('the list’s filters', () => {
  it('asks the server what each quick scope means', () => {
    expect(scopeQuery('mine')).toEqual({ status: 'open', owner: 'me' })
    expect(scopeQuery('unowned')).toEqual({ status: 'open', owner: 'none' })
    expect(scopeQuery('open')).toEqual({ status: 'open' })
    expect(scopeQuery('overdue')).toEqual({ status: 'open', overdue: true })
    expect(scopeQuery('done')).toEqual({ status: 'done' })
    expect(scopeQuery('all')).toEqual({ status: 'all' })
  })

  it('makes a page’s query, and the export the same filters without the page', () => {
    const f: WorkOrderFilters = { ...defaultFilters('mine'), kind: 'refund', priority: 'urgent', team: 'after_sales', q: '  WO2026 ' }
    const query = listQuery(f, 2)
    expect(query).toEqual({
      status: 'open',
      owner: 'me',
      kind: 'refund',
      priority: 'urgent',
      team: 'after_sales',
      q: 'WO2026',
      sort: 'deadline',
      page: 2,
      page_size: 50,
    })
    expect(workOrderQuery(query)).toBe('status=open&owner=me&kind=refund&priority=urgent&team=after_sales&q=WO2026&sort=deadline&page=2&page_size=50')
    expect(workOrderExportUrl(viewFilters(f))).toBe(
      '/api/v1/work-orders/export?status=open&owner=me&kind=refund&priority=urgent&team=after_sales&q=WO2026&sort=deadline',
    )
    expect(viewFilters(defaultFilters('overdue'))).toEqual({ status: 'open', overdue: true, sort: 'deadline' })
  })

  it('sorts finished orders newest first, open ones by deadline', () => {
    expect(defaultFilters('done').sort).toBe('newest')
    expect(withScope(defaultFilters('mine'), 'all').sort).toBe('newest')
    expect(withScope({ ...defaultFilters('done'), kind: 'exchange' }, 'unowned')).toEqual({ ...defaultFilters('unowned'), kind: 'exchange' })
  })

  it('reads a saved view back into the same filters, for every scope', () => {
    for (const scope of WORK_ORDER_SCOPES) {
      const f: WorkOrderFilters = { ...defaultFilters(scope), kind: 'complaint', q: '破损' }
      const back = filtersFromQuery(viewFilters(f) as Record<string, unknown>)
      expect(back).toEqual(f)
      expect(sameFilters(back, f)).toBe(true)
    }
    expect(sameFilters(defaultFilters('mine'), defaultFilters('open'))).toBe(false)
    expect(sameFilters({ ...defaultFilters(), q: ' x ' }, { ...defaultFilters(), q: 'x' })).toBe(true)
  })

  it('keeps to the defaults for what a view cannot say', () => {
    expect(filtersFromQuery({ status: 'in_progress', kind: 'nonsense', priority: ['high'], sort: 'oldest', overdue: 'true' })).toEqual({
      scope: 'overdue',
      kind: null,
      priority: 'high',
      team: null,
      q: '',
      sort: 'deadline',
    })
    expect(filtersFromQuery({})).toEqual(defaultFilters('open'))
  })

  it('knows when anything beyond the scope narrows the list', () => {
    expect(narrowed(defaultFilters('mine'))).toBe(false)
    expect(narrowed({ ...defaultFilters(), q: '  ' })).toBe(false)
    expect(narrowed({ ...defaultFilters(), team: 'qa' })).toBe(true)
  })

  it('reads the order the address names', () => {
    expect(orderQuery({ order: ID })).toBe(ID)
    expect(orderQuery({ order: [ID] })).toBe(ID)
    expect(orderQuery({ order: 'x' })).toBeNull()
    expect(orderQuery({})).toBeNull()
  })
})

describe('the deadline', () => {
  it('stands paused while waiting and done once finished, else follows the server', () => {
    expect(deadlineState(order({ due: 'soon' } as Partial<WorkOrder>), NOW)).toBe('soon')
    expect(deadlineState(order({ status: 'waiting_buyer', deadline_at: NOW - HOUR }), NOW)).toBe('paused')
    expect(deadlineState(order({ status: 'resolved', resolved_at: NOW - HOUR }), NOW)).toBe('done')
    expect(deadlineState(order({ status: 'closed', closed_at: NOW, overdue_at: NOW - HOUR }), NOW)).toBe('late')
    expect(deadlineState(order({ status: 'resolved', resolved_at: NOW + 4 * HOUR }), NOW)).toBe('late')
    // Without the server's word, the clock decides.
    expect(deadlineState(order({ deadline_at: NOW - 1 }), NOW)).toBe('overdue')
    expect(deadlineState(order(), NOW)).toBe('on_time')
  })

  it('reads the time left or over, in both languages', () => {
    expect(deadlineView(order(), NOW).text).toBe('剩 3 小时')
    expect(deadlineView(order({ deadline_at: NOW - 26 * HOUR }), NOW).text).toBe('超时 26 小时')
    expect(deadlineView(order({ status: 'waiting_third_party' }), NOW).text).toBe('已暂停')
    expect(deadlineView(order({ status: 'resolved', resolved_at: NOW }), NOW).text).toBe('按时完成')
    i18n.global.locale.value = 'en'
    expect(deadlineView(order({ deadline_at: NOW + 20 * 60_000 }), NOW).text).toBe('20 min left')
  })

  it('picks the unit a span reads best in', () => {
    expect(spanText(30_000)).toBe('1 分钟')
    expect(spanText(45 * 60_000)).toBe('45 分钟')
    expect(spanText(2.5 * HOUR)).toBe('2 小时 30 分')
    expect(spanText(-20 * HOUR)).toBe('20 小时')
    expect(spanText(80 * HOUR)).toBe('3 天')
  })
})

describe('money', () => {
  it('shows fen as the amount field takes it, and reads yuan back exactly', () => {
    expect(fenInput(5990)).toBe('59.90')
    expect(fenInput(5)).toBe('0.05')
    expect(fenInput(null)).toBe('')
    expect(parseAmount('59.9')).toBe(5990)
    expect(parseAmount('¥1,299.00')).toBe(129900)
    expect(parseAmount('0.1')).toBe(10)
    expect(parseAmount('1.234')).toBeNull()
    expect(parseAmount('-3')).toBeNull()
    expect(parseAmount(fenInput(123456))).toBe(123456)
  })
})

describe('the history', () => {
  const names = { person: (id: string) => (id === ME ? '小王' : null), team: (key: string) => (key === 'after_sales' ? '售后组' : key) }
  function event(over: Partial<WorkOrderEvent>): WorkOrderEvent {
    return { id: ID, kind: 'comment', actor_id: ME, actor_name: '小王', at: NOW, body: '', data: {}, to_buyer: false, attachment_id: null, ...over }
  }
  const data = (d: Record<string, unknown>) => d as WorkOrderEvent['data']

  it('says what each event changed', () => {
    expect(eventDetail(event({ kind: 'moved', data: data({ from: 'new', to: 'in_progress', move: 'start' }) }), names)).toBe('新建 → 处理中')
    expect(eventDetail(event({ kind: 'assigned', data: data({ owner_id: ME, team: 'after_sales' }) }), names)).toBe('负责人：小王 · 团队：售后组')
    expect(eventDetail(event({ kind: 'assigned', data: data({ owner_id: null, team: null }) }), names)).toBe('负责人：无（待领取）')
    expect(eventDetail(event({ kind: 'assigned', data: data({ owner_id: OTHER }) }), names)).toBe('负责人：其他同事')
    expect(eventDetail(event({ kind: 'edited', data: data({ priority: { from: 'normal', to: 'urgent' } }) }), names)).toBe('优先级：普通 → 紧急')
    expect(
      eventDetail(event({ kind: 'edited', data: data({ title: '新标题', order_no: null, amount_fen: 100, description: false }) }), names),
    ).toBe('修改了标题、金额')
    expect(eventDetail(event({ kind: 'created', data: data({ source: 'robot' }) }), names)).toBe('机器人售后申请')
    expect(eventDetail(event({ kind: 'comment', body: '已联系快递' }), names)).toBe('')
  })
})

describe('bulk results', () => {
  it('groups the orders left unchanged by why, by their numbers', () => {
    const groups = bulkFailures(
      {
        changed: 3,
        failed: [
          { id: 'a', code: 'work_order_transition' },
          { id: 'b', code: 'forbidden' },
          { id: 'c', code: 'work_order_transition' },
        ],
      },
      (id) => (id === 'a' ? 'WO1' : id === 'c' ? 'WO3' : null),
    )
    expect(groups).toEqual([
      { code: 'work_order_transition', numbers: ['WO1', 'WO3'] },
      { code: 'forbidden', numbers: ['b'] },
    ])
  })
})

describe('the edit form', () => {
  const defs = [REASON, PHOTOS]

  it('starts from the order, each defined field filled or empty', () => {
    const d = editDraftOf(order({ fields: { reason: '破损', gone: 'x' } }), defs)
    expect(d).toEqual({ title: '退款 · 订单 123', description: '买家收到破损', order_no: '123', amount: '59.90', fields: { reason: '破损', photos: '' } })
  })

  it('finds what the server would refuse', () => {
    const d = editDraftOf(order({ fields: { reason: '破损' } }), defs)
    expect(editProblem(d, defs)).toBeNull()
    expect(editProblem({ ...d, title: '  ' }, defs)).toEqual({ why: 'title' })
    expect(editProblem({ ...d, amount: '1.234' }, defs)).toEqual({ why: 'amount' })
    expect(editProblem({ ...d, fields: { reason: '' } }, defs)).toEqual({ why: 'required', label: '退款原因' })
    expect(editProblem({ ...d, fields: { reason: '破损', photos: 'three' } }, defs)).toEqual({ why: 'number', label: '照片张数' })
  })

  it('sends the whole draft: kind, priority and items as they were, the edits, only defined fields', () => {
    const o = order({ fields: { reason: '破损', gone: 'x' } })
    const d = { ...editDraftOf(o, defs), title: ' 新标题 ', order_no: ' ', amount: '', fields: { reason: '错发', photos: ' 3 ' } }
    expect(editedDraft(o, d, defs)).toEqual({
      kind: 'refund',
      title: '新标题',
      description: '买家收到破损',
      priority: 'normal',
      order_no: null,
      items: o.items,
      amount_fen: null,
      fields: { reason: '错发', photos: '3' },
    })
    expect(reprioritisedDraft(o, 'urgent', defs)).toMatchObject({ priority: 'urgent', title: o.title, amount_fen: 5990, fields: { reason: '破损' } })
    expect(keptFields({ reason: ' ', photos: '2' }, defs)).toEqual({ photos: '2' })
  })

  it('shows the defined fields by label first, then any the settings no longer define', () => {
    expect(shownFields({ gone: 'x', reason: '破损', photos: '' }, defs)).toEqual([
      { key: 'reason', label: '退款原因', value: '破损' },
      { key: 'gone', label: 'gone', value: 'x' },
    ])
  })
})

describe('the settings', () => {
  const view: WorkOrderSettingsView = {
    version: 2,
    default_hours: { refund: 24, exchange: 48, reissue: 24, logistics: 8, complaint: 48, callback: 4, other: 48 },
    settings: { kinds: { refund: { target_hours: 12, fields: [REASON] }, logistics: { fields: [{ key: 'carrier', label: '快递', kind: 'text' }] } } },
  }

  it('drafts every kind in order and sends back only what the shop changed', () => {
    const draft = settingsDraftOf(view)
    expect(draft.map((k) => k.kind)).toEqual(WORK_ORDER_KINDS)
    expect(draft[0]).toEqual({ kind: 'refund', hours: 12, fields: [{ ...REASON, options: ['破损', '错发'], required: true }] })
    expect(draft[3]).toEqual({ kind: 'logistics', hours: null, fields: [{ key: 'carrier', label: '快递', kind: 'text', options: [], required: false }] })
    expect(settingsBody(draft)).toEqual({
      kinds: {
        refund: { target_hours: 12, fields: [{ key: 'reason', label: '退款原因', kind: 'choice', options: ['破损', '错发'], required: true }] },
        logistics: { fields: [{ key: 'carrier', label: '快递', kind: 'text', required: false }] },
      },
    })
    draft[0].hours = null
    draft[0].fields = []
    draft[3].fields[0].label = ' 快递公司 '
    expect(settingsBody(draft)).toEqual({ kinds: { logistics: { fields: [{ key: 'carrier', label: '快递公司', kind: 'text', required: false }] } } })
    expect(settingsBody(settingsDraftOf({ ...view, settings: {} }))).toEqual({ kinds: {} })
  })

  it('finds what the server would refuse, naming the kind and field', () => {
    const draft = settingsDraftOf(view)
    expect(settingsProblem(settingsBody(draft))).toBeNull()
    draft[1].hours = 721
    expect(settingsProblem(settingsBody(draft))).toEqual({ kind: 'exchange', why: 'hours' })
    draft[1].hours = null
    draft[3].fields.push(newField(draft[3].fields))
    expect(settingsProblem(settingsBody(draft))).toEqual({ kind: 'logistics', field: 1, why: 'label' })
    draft[3].fields[1] = { key: 'carrier', label: '重复', kind: 'text', options: [], required: false }
    expect(settingsProblem(settingsBody(draft))).toEqual({ kind: 'logistics', field: 1, why: 'duplicate_key' })
    draft[3].fields[1] = { key: 'bad key', label: 'x', kind: 'text', options: [], required: false }
    expect(settingsProblem(settingsBody(draft))).toEqual({ kind: 'logistics', field: 1, why: 'key' })
    draft[3].fields[1] = { key: 'pick', label: '选择', kind: 'choice', options: [], required: false }
    expect(settingsProblem(settingsBody(draft))).toEqual({ kind: 'logistics', field: 1, why: 'options' })
  })

  it('gives new fields a key of their own and checks options as they are added', () => {
    expect(newField([]).key).toBe('field_1')
    const f = newField([{ key: 'field_2', label: '', kind: 'text', options: [], required: false }])
    expect(f.key).toBe('field_3')
    expect(addOption(['破损'], ' 错发 ')).toEqual({ list: ['破损', '错发'], problem: null })
    expect(addOption(['破损'], '破损').problem).toBe('duplicate')
    expect(addOption([], ' ').problem).toBe('empty')
    expect(addOption([], 'x'.repeat(31)).problem).toBe('too_long')
  })
})

describe('the locales', () => {
  it('has every status, scope and problem in both languages', () => {
    for (const locale of [zh, en]) {
      const w = locale.workOrders
      for (const s of WORK_ORDER_SCOPES) {
        expect(w.scopes[s]).toBeTruthy()
        expect(w.empty[s]).toBeTruthy()
      }
      for (const s of WORK_ORDER_STATUSES as WorkOrderStatus[]) expect(locale.workOrderLabels.status[s]).toBeTruthy()
      expect(Object.keys(w.settings.problems).sort()).toEqual(['duplicate_key', 'hours', 'key', 'label', 'options', 'too_many_fields'])
    }
  })
})
