import { describe, expect, it } from 'vitest'
import type { Buyer, BuyerProfile, Channel, ConversationSummary } from '../../api'
import { canSplit, filterCandidates, linkedBuyers, mergeCandidates, otherConversations, shortExternalId } from './buyerProfile'

function conv(over: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 'c1',
    tenant_id: 't1',
    buyer_id: 'b1',
    buyer_name: '小王',
    channel: 'web',
    entry: 'shop_home',
    context: {},
    status: 'open',
    assignee_id: null,
    assignee_name: null,
    awaiting_reply: true,
    last_seq: 1,
    last_message_preview: '在吗',
    last_message_at: 1000,
    last_buyer_message_at: 1000,
    unread_count: 1,
    agent_read_seq: 0,
    buyer_read_seq: 1,
    created_at: 1000,
    updated_at: 1000,
    tags: [],
    team: null,
    robot_active: false,
    up_for_grabs: false,
    ...over,
  } as ConversationSummary
}

function buyer(id: string, channel: Channel, createdAt: number, name = id): Buyer {
  return { id, tenant_id: 't1', channel, external_id: `x:${id}`, display_name: name, created_at: createdAt, last_seen_at: createdAt, vip_level: 0 }
}

function profile(buyers: Buyer[], conversations: ConversationSummary[] = []): BuyerProfile {
  return { buyers, conversations }
}

const NAMES: Record<Channel, string> = { web: '网页', wechat_mp: '公众号', wecom: '企业微信', douyin: '抖音', email: '邮件', phone: '电话' }

describe('shortExternalId', () => {
  it('keeps a short id whole', () => {
    expect(shortExternalId('member:10086')).toBe('member:10086')
    expect(shortExternalId('13800001111')).toBe('13800001111')
  })

  it('keeps the kind and shortens a long web id', () => {
    expect(shortExternalId('anon:3f2a9c1e-0b7d-4c55-9a0e-5d1f0e8bc9d1')).toBe('anon:3f2a9c…c9d1')
  })

  it('drops the WeChat account, keeping the OpenID', () => {
    expect(shortExternalId('wxe2etest0001/oE2Ebuyer01')).toBe('oE2Ebuyer01')
    expect(shortExternalId('wx1234567890abcdef/oVLmN5z3Yb8kQ2wT4xR7pLs9aBcD')).toBe('oVLmN5…aBcD')
  })

  it('counts characters, not UTF-16 units', () => {
    expect(shortExternalId('member:会员一二三四五六七八九十十一')).toBe('member:会员一二三四…九十十一')
  })

  it('leaves a trailing slash alone', () => {
    expect(shortExternalId('abc/')).toBe('abc/')
  })
})

describe('linkedBuyers', () => {
  it('puts the open conversation’s buyer first, the others oldest first', () => {
    const p = profile([buyer('w', 'web', 30), buyer('me', 'wechat_mp', 50), buyer('m', 'email', 10)])
    expect(linkedBuyers(p, 'me').map((b) => b.id)).toEqual(['me', 'm', 'w'])
  })

  it('is empty before the profile came', () => {
    expect(linkedBuyers(null, 'me')).toEqual([])
  })
})

describe('canSplit', () => {
  it('needs two buyers or more', () => {
    expect(canSplit(null)).toBe(false)
    expect(canSplit(profile([buyer('me', 'web', 1)]))).toBe(false)
    expect(canSplit(profile([buyer('me', 'web', 1), buyer('w', 'wechat_mp', 2)]))).toBe(true)
  })
})

describe('otherConversations', () => {
  const p = profile(
    [buyer('me', 'wechat_mp', 1), buyer('w', 'web', 2), buyer('m', 'email', 3)],
    [
      conv({ id: 'w1', buyer_id: 'w', last_message_at: 10 }),
      conv({ id: 'open', buyer_id: 'me', last_message_at: 50 }),
      conv({ id: 'mine', buyer_id: 'me', last_message_at: 40 }),
      conv({ id: 'm1', buyer_id: 'm', last_message_at: 30 }),
      conv({ id: 'w2', buyer_id: 'w', last_message_at: 20 }),
    ],
  )

  it('lists the other buyers’ conversations, newest first', () => {
    expect(otherConversations(p, 'me', 'open').map((c) => c.id)).toEqual(['m1', 'w2', 'w1'])
  })

  it('never lists the open one, even opened as another buyer of the profile', () => {
    expect(otherConversations(p, 'w', 'w1').map((c) => c.id)).toEqual(['open', 'mine', 'm1'])
  })

  it('is empty before the profile came, or with one buyer alone', () => {
    expect(otherConversations(null, 'me', 'open')).toEqual([])
    expect(otherConversations(profile([buyer('me', 'web', 1)], [conv({ id: 'x', buyer_id: 'me' })]), 'me', 'open')).toEqual([])
  })
})

describe('mergeCandidates', () => {
  const p = profile([buyer('me', 'wechat_mp', 1), buyer('linked', 'web', 2)])

  it('offers each listed buyer once, by their latest conversation, newest first', () => {
    const list = [
      conv({ id: 'c1', buyer_id: 'x', buyer_name: '访客a', last_message_at: 100, last_message_preview: '旧的' }),
      conv({ id: 'c2', buyer_id: 'y', buyer_name: '陈女士', last_message_at: 300 }),
      conv({ id: 'c3', buyer_id: 'x', buyer_name: '访客a', last_message_at: 200, last_message_preview: '新的' }),
    ]
    expect(mergeCandidates(list, p, 'me')).toEqual([
      { buyerId: 'y', name: '陈女士', channel: 'web', conversationId: 'c2', preview: '在吗', lastMessageAt: 300 },
      { buyerId: 'x', name: '访客a', channel: 'web', conversationId: 'c3', preview: '新的', lastMessageAt: 200 },
    ])
  })

  it('leaves out the profile’s buyers and the open conversation’s own', () => {
    const list = [
      conv({ id: 'c1', buyer_id: 'me', channel: 'wechat_mp' }),
      conv({ id: 'c2', buyer_id: 'linked' }),
      conv({ id: 'c3', buyer_id: 'z', buyer_name: '张三' }),
    ]
    expect(mergeCandidates(list, p, 'me').map((c) => c.buyerId)).toEqual(['z'])
    // Before the profile came, the open conversation's buyer is still left out.
    expect(mergeCandidates(list, null, 'me').map((c) => c.buyerId)).toEqual(['linked', 'z'])
  })

  it('orders buyers last heard from at once by name', () => {
    const list = [conv({ id: 'c1', buyer_id: 'b', buyer_name: 'Bob' }), conv({ id: 'c2', buyer_id: 'a', buyer_name: 'Ann' })]
    expect(mergeCandidates(list, null, null).map((c) => c.name)).toEqual(['Ann', 'Bob'])
  })

  it('is empty with nothing listed', () => {
    expect(mergeCandidates([], p, 'me')).toEqual([])
  })
})

describe('filterCandidates', () => {
  const list = mergeCandidates(
    [
      conv({ id: 'c1', buyer_id: 'x', buyer_name: '访客3f2a', last_message_at: 2 }),
      conv({ id: 'c2', buyer_id: 'y', buyer_name: 'Chen', channel: 'email', last_message_at: 1 }),
    ],
    null,
    null,
  )
  const name = (c: Channel) => NAMES[c]

  it('matches the name (case aside) or the channel’s name', () => {
    expect(filterCandidates(list, 'chen', name).map((c) => c.buyerId)).toEqual(['y'])
    expect(filterCandidates(list, '邮件', name).map((c) => c.buyerId)).toEqual(['y'])
    expect(filterCandidates(list, '访客', name).map((c) => c.buyerId)).toEqual(['x'])
  })

  it('keeps all for a blank query', () => {
    expect(filterCandidates(list, '  ', name)).toHaveLength(2)
  })
})
