// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { ARBITRATION_ASKABLE, ARBITRATION_RULING_KINDS, ARBITRATION_STATUSES, MAX_ARBITRATION_TEXT_CHARS } from '../../api'
import type { Arbitration, ArbitrationEvidenceRequest, Message } from '../../api'
import {
  CASE_FILTERS,
  CLOSED_SHOWN_MS,
  buyerStage,
  buyerStatusText,
  caseQuery,
  counterpart,
  fenOf,
  followsCase,
  isGathering,
  mayComply,
  messageLine,
  needsAmount,
  openRequest,
  rateText,
  rulingInput,
  rulingText,
  shopClock,
  showsBuyerCase,
  textProblem,
  yuanInput,
} from './arbitration'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const NOW = Date.UTC(2026, 10, 21, 6, 0)
const ID = '0b7c2f4e-3a7d-4c59-9a43-1f3e2d5c6b7a'

function request(party: ArbitrationEvidenceRequest['party'], at: number, answered: number | null = null): ArbitrationEvidenceRequest {
  return { party, text: `请${party}补充`, at, due_at: at + 24 * HOUR, answered_at: answered }
}

function arb(over: Partial<Arbitration> = {}): Arbitration {
  return {
    id: ID,
    number: 'AR20261121000001',
    shop_id: 's',
    shop_name: '小鹿旗舰店',
    platform_id: 'p',
    conversation_id: 'c',
    buyer_id: 'b',
    buyer_name: '王小明',
    order_no: 'O1001',
    reason: '商品破损，商家拒绝退款',
    status: 'open',
    evidence: [],
    requests: [],
    ruling: null,
    shop_deadline_at: null,
    complied_at: null,
    compliance_note: '',
    overdue_at: null,
    created_at: NOW - 2 * HOUR,
    updated_at: NOW - HOUR,
    version: 3,
    ...over,
  }
}

const refund = { kind: 'refund' as const, amount_fen: 3800, reason: '商品破损属实', by: 'u', by_name: '官方客服', at: NOW - HOUR }

describe('what a case allows', () => {
  it('takes evidence and a ruling until ruled, and compliance once ruled', () => {
    expect(ARBITRATION_STATUSES.filter((status) => isGathering({ status }))).toEqual(['open', 'awaiting_evidence'])
    expect(ARBITRATION_STATUSES.filter((status) => mayComply({ status }))).toEqual(['ruled'])
  })

  it('follows a case in the chat until it is closed', () => {
    expect(followsCase(null)).toBe(false)
    expect(followsCase(arb({ status: 'ruled' }))).toBe(true)
    expect(followsCase(arb({ status: 'closed' }))).toBe(false)
  })
})

describe('openRequest', () => {
  it('is the newest unanswered request of that party while evidence may be given', () => {
    const c = arb({
      status: 'awaiting_evidence',
      requests: [request('buyer', NOW - 3 * HOUR, NOW - 2 * HOUR), request('shop', NOW - 2 * HOUR), request('buyer', NOW - HOUR)],
    })
    expect(openRequest(c, 'buyer')?.at).toBe(NOW - HOUR)
    expect(openRequest(c, 'shop')?.at).toBe(NOW - 2 * HOUR)
    expect(openRequest(arb({ requests: [request('buyer', NOW - HOUR, NOW)] }), 'buyer')).toBeNull()
    expect(openRequest({ ...c, status: 'ruled' }, 'buyer')).toBeNull()
  })
})

describe('the buyer strip', () => {
  it('reads each stage', () => {
    expect(buyerStage(arb())).toBe('open')
    expect(buyerStatusText(arb())).toBe('平台处理中')
    const asked = arb({ status: 'awaiting_evidence', requests: [request('buyer', NOW - HOUR)] })
    expect(buyerStage(asked)).toBe('asked')
    expect(buyerStatusText(asked)).toBe('待您补充证据')
    // Asked of the shop: the buyer just waits.
    expect(buyerStage(arb({ status: 'awaiting_evidence', requests: [request('shop', NOW - HOUR)] }))).toBe('open')
    const ruled = arb({ status: 'ruled', ruling: refund, shop_deadline_at: NOW + 47 * HOUR })
    expect(buyerStage(ruled)).toBe('ruled')
    expect(buyerStatusText(ruled)).toBe('已裁定：店铺退款 ¥38.00，请留意')
    expect(buyerStatusText(arb({ status: 'closed', ruling: refund }))).toBe('已结束')
  })

  it('keeps a closed case for a day', () => {
    expect(showsBuyerCase(arb({ status: 'ruled', updated_at: NOW - 30 * 24 * HOUR }), NOW)).toBe(true)
    expect(showsBuyerCase(arb({ status: 'closed', updated_at: NOW - HOUR }), NOW)).toBe(true)
    expect(showsBuyerCase(arb({ status: 'closed', updated_at: NOW - CLOSED_SHOWN_MS }), NOW)).toBe(false)
  })
})

describe('rulingText', () => {
  it('names what the shop pays, or that nothing is upheld', () => {
    expect(rulingText({ kind: 'refund', amount_fen: 3800 })).toBe('店铺退款 ¥38.00')
    expect(rulingText({ kind: 'compensation', amount_fen: 123456 })).toBe('店铺补偿 ¥1,234.56')
    expect(rulingText({ kind: 'no_action', amount_fen: null })).toBe('不予支持')
    i18n.global.locale.value = 'en'
    expect(rulingText({ kind: 'refund', amount_fen: 3800 })).toBe('shop refunds ¥38.00')
  })
})

describe('shopClock', () => {
  const ruled = arb({ status: 'ruled', ruling: refund })

  it('counts down to a ruled case’s deadline, then counts over', () => {
    const left = shopClock({ ...ruled, shop_deadline_at: NOW + 5 * HOUR + 12 * MINUTE }, NOW)
    expect(left.state).toBe('left')
    expect(left.text).toBe('剩余 5 小时 12 分')
    const over = shopClock({ ...ruled, shop_deadline_at: NOW - 3 * HOUR, overdue_at: NOW - 2 * HOUR }, NOW)
    expect(over).toMatchObject({ state: 'overdue', text: '已超时 3 小时' })
    // Marked overdue by the jobs before the clock here says so.
    expect(shopClock({ ...ruled, shop_deadline_at: NOW + MINUTE, overdue_at: NOW }, NOW)).toMatchObject({ state: 'overdue', text: '已超时' })
  })

  it('shows nothing unless ruled with a deadline', () => {
    expect(shopClock(arb(), NOW).state).toBe('none')
    expect(shopClock({ ...ruled, status: 'closed', shop_deadline_at: NOW + HOUR }, NOW).state).toBe('none')
    expect(shopClock({ ...ruled, shop_deadline_at: null }, NOW).state).toBe('none')
  })
})

describe('the list', () => {
  it('names the other party by side, and the shop’s rate', () => {
    expect(counterpart(arb(), 'platform')).toBe('小鹿旗舰店')
    expect(counterpart(arb(), 'shop')).toBe('王小明')
    expect(rateText({ cases: 3, conversations: 400, per_hundred: 0.75 })).toBe('近 30 天仲裁 3 起，每百会话 0.75 起')
    expect(rateText({ cases: 0, conversations: 0, per_hundred: 0 })).toBe('近 30 天仲裁 0 起，每百会话 0.00 起')
  })

  it('reads the case a notice links to', () => {
    expect(caseQuery({ case: ID })).toBe(ID)
    expect(caseQuery({ case: [ID] })).toBe(ID)
    expect(caseQuery({ case: 'nope' })).toBeNull()
    expect(caseQuery({})).toBeNull()
  })
})

describe('what is typed', () => {
  it('takes 1–1,000 characters once trimmed, counted as the server counts', () => {
    expect(textProblem('  ')).toBe('empty')
    expect(textProblem(' 有破损 ')).toBeNull()
    expect(textProblem('字'.repeat(MAX_ARBITRATION_TEXT_CHARS))).toBeNull()
    expect(textProblem('字'.repeat(MAX_ARBITRATION_TEXT_CHARS + 1))).toBe('too_long')
    expect(textProblem('😀'.repeat(MAX_ARBITRATION_TEXT_CHARS))).toBeNull()
  })

  it('reads yuan as fen, positive only, and back', () => {
    expect(fenOf('38')).toBe(3800)
    expect(fenOf('¥1,299.5')).toBe(129950)
    expect(fenOf('0.01')).toBe(1)
    for (const bad of ['', '0', '0.00', '-5', '1.234', 'abc']) expect(fenOf(bad), bad).toBeNull()
    expect(yuanInput(3800)).toBe('38.00')
    expect(yuanInput(129950)).toBe('1299.50')
  })

  it('builds a ruling, or says what is wrong first', () => {
    expect(needsAmount('refund')).toBe(true)
    expect(needsAmount('compensation')).toBe(true)
    expect(needsAmount('no_action')).toBe(false)
    expect(rulingInput({ kind: null, amount: '38', reason: '属实' }, 3)).toEqual({ problem: 'kind' })
    expect(rulingInput({ kind: 'refund', amount: '', reason: '属实' }, 3)).toEqual({ problem: 'amount' })
    expect(rulingInput({ kind: 'compensation', amount: '0', reason: '属实' }, 3)).toEqual({ problem: 'amount' })
    expect(rulingInput({ kind: 'refund', amount: '38', reason: ' ' }, 3)).toEqual({ problem: 'reason_empty' })
    expect(rulingInput({ kind: 'refund', amount: '38', reason: 'x'.repeat(1001) }, 3)).toEqual({ problem: 'reason_too_long' })
    expect(rulingInput({ kind: 'refund', amount: '38', reason: ' 属实 ' }, 3)).toEqual({
      input: { version: 3, kind: 'refund', amount_fen: 3800, reason: '属实' },
    })
    // Nothing upheld: whatever the amount box holds is not sent.
    expect(rulingInput({ kind: 'no_action', amount: 'abc', reason: '证据不足' }, 4)).toEqual({
      input: { version: 4, kind: 'no_action', reason: '证据不足' },
    })
  })
})

describe('messageLine', () => {
  const m = (kind: Message['kind'], body: string, attachment?: Message['attachment']) => ({ kind, body, attachment })

  it('reads each kind as one line', () => {
    expect(messageLine(m('text', '东西坏了'))).toBe('东西坏了')
    expect(messageLine(m('image', ''))).toBe('[图片]')
    expect(messageLine(m('file', '', { id: 'a', file_name: '发票.pdf', content_type: 'application/pdf', size_bytes: 1 }))).toBe('[文件] 发票.pdf')
    expect(messageLine(m('order_card', JSON.stringify({ order_no: 'O1001', items: [], total_fen: 3800 })))).toBe('[订单] O1001')
    expect(messageLine(m('product_card', JSON.stringify({ code: 'P1', title: '保温杯', price_fen: 100 })))).toBe('[商品] 保温杯')
    expect(messageLine(m('buttons', JSON.stringify({ text: '请选择', buttons: [] })))).toBe('请选择')
    expect(messageLine(m('rating', '{}'))).toBe('[评价邀请]')
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('name every status, party, kind, filter, problem and stage in both languages', () => {
    const keys = [
      ...ARBITRATION_STATUSES.map((s) => `arbitration.statuses.${s}`),
      ...ARBITRATION_RULING_KINDS.flatMap((k) => [`arbitration.kinds.${k}`, `arbitration.rulingText.${k}`]),
      ...[...ARBITRATION_ASKABLE, 'platform'].map((p) => `arbitration.parties.${p}`),
      ...['buyer', 'agent', 'bot', 'automation', 'system'].map((s) => `arbitration.senders.${s}`),
      ...CASE_FILTERS.flatMap((f) => [`arbitration.filters.${f}`, `arbitration.empty.${f}`]),
      ...['empty', 'too_long', 'kind', 'amount', 'reason_empty', 'reason_too_long'].map((p) => `arbitration.problems.${p}`),
      ...['open', 'asked', 'ruled', 'ruledBare', 'closed'].map((s) => `arbitration.buyer.stage.${s}`),
      ...['platform', 'shop'].map((s) => `arbitration.detail.title.${s}`),
      'arbitration.nav',
      'arbitration.rate',
      'notice.arbitration',
      ...['invalid_arbitration', 'arbitration_closed', 'arbitration_exists', 'arbitration_unavailable', 'arbitration_not_found'].map((c) => `errors.${c}`),
    ]
    for (const [name, tree] of Object.entries(locales)) {
      const missing = keys.filter((k) => typeof at(tree, k) !== 'string')
      expect(missing, name).toEqual([])
    }
  })

  it('gives the buyer the platform’s explanation', () => {
    expect(i18n.global.t('arbitration.buyer.intro')).toBe('平台官方客服将查看您与商家的聊天记录和订单，必要时请双方补充证据，并作出裁定。')
  })
})
