import { describe, expect, it } from 'vitest'
import type { ConversationSummary } from '../../api'
import { AlertWatch, Burst, DEFAULT_ALERT_PREFS, alertFor, alertPrefsKey, pageTitle, readAlertPrefs, unreadFor, waitsFor } from './alerts'
import type { AlertContext } from './alerts'

const ME = 'u-me'
const OTHER = 'u-other'

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

function ctx(over: Partial<AlertContext> = {}): AlertContext {
  return { me: ME, myTeam: 'pre_sales', takesWaiting: true, routing: false, quiet: new Set(), ...over }
}

describe('which changes alert', () => {
  it('a new conversation waiting for me, once', () => {
    const watch = new AlertWatch()
    expect(watch.observe(conv(), ctx())).toMatchObject({ kind: 'waiting', conversationId: 'c1', buyerName: '小王' })
    // Another message while it still waits: the list already shows it.
    expect(watch.observe(conv({ last_seq: 2, unread_count: 2, last_buyer_message_at: 2000 }), ctx())).toBeNull()
  })

  it('not one of another team, nor the robot\'s, nor to an agent who cannot take it', () => {
    expect(alertFor(undefined, conv({ team: 'after_sales' }), ctx())).toBeNull()
    expect(alertFor(undefined, conv({ robot_active: true }), ctx())).toBeNull()
    expect(alertFor(undefined, conv(), ctx({ takesWaiting: false }))).toBeNull()
    expect(alertFor(undefined, conv({ team: 'pre_sales' }), ctx())?.kind).toBe('waiting')
    // An agent of no team hears every team's.
    expect(alertFor(undefined, conv({ team: 'after_sales' }), ctx({ myTeam: null }))?.kind).toBe('waiting')
  })

  it('with the router on, only once offered to grab', () => {
    const watch = new AlertWatch()
    expect(watch.observe(conv(), ctx({ routing: true }))).toBeNull()
    expect(watch.observe(conv({ updated_at: 2000, up_for_grabs: true }), ctx({ routing: true }))?.kind).toBe('waiting')
  })

  it('the robot handing a buyer to people makes the conversation wait', () => {
    const watch = new AlertWatch()
    watch.note(conv({ robot_active: true }))
    expect(watch.observe(conv({ updated_at: 2000, robot_active: false }), ctx())?.kind).toBe('waiting')
  })

  it('a conversation assigned or transferred to me', () => {
    const watch = new AlertWatch()
    watch.note(conv({ assignee_id: OTHER }))
    expect(watch.observe(conv({ updated_at: 2000, assignee_id: ME }), ctx())?.kind).toBe('assigned')
    // Unseen before (routed straight to me).
    expect(new AlertWatch().observe(conv({ id: 'c2', assignee_id: ME }), ctx())?.kind).toBe('assigned')
  })

  it('a buyer message in one of mine, and none in someone else\'s', () => {
    const watch = new AlertWatch()
    watch.note(conv({ assignee_id: ME, awaiting_reply: false, unread_count: 0 }))
    expect(watch.observe(conv({ assignee_id: ME, last_seq: 2, last_buyer_message_at: 3000 }), ctx())?.kind).toBe('message')
    // My own reply changes the conversation but is no news.
    expect(watch.observe(conv({ assignee_id: ME, last_seq: 3, last_buyer_message_at: 3000, awaiting_reply: false }), ctx())).toBeNull()
    watch.note(conv({ id: 'c2', assignee_id: OTHER }))
    expect(watch.observe(conv({ id: 'c2', assignee_id: OTHER, last_seq: 2, last_buyer_message_at: 3000 }), ctx())).toBeNull()
  })

  it('a buyer writing again in a resolved conversation of mine', () => {
    const watch = new AlertWatch()
    watch.note(conv({ assignee_id: ME, status: 'resolved', awaiting_reply: false }))
    expect(watch.observe(conv({ assignee_id: ME, last_seq: 2, last_buyer_message_at: 5000 }), ctx())?.kind).toBe('message')
  })

  it('never for an invalid conversation (WB-6), whatever the buyer writes', () => {
    const watch = new AlertWatch()
    watch.note(conv({ assignee_id: ME }))
    const invalid = { status: 'invalid' as const, assignee_id: null, unread_count: 0, awaiting_reply: false }
    expect(watch.observe(conv({ ...invalid, updated_at: 2000 }), ctx())).toBeNull()
    expect(watch.observe(conv({ ...invalid, last_seq: 2, last_buyer_message_at: 4000 }), ctx())).toBeNull()
    // Restored by a supervisor: it waits again.
    expect(watch.observe(conv({ last_seq: 2, updated_at: 9000 }), ctx())?.kind).toBe('waiting')
  })

  it('nothing for a conversation on screen or one I just acted on', () => {
    const watch = new AlertWatch()
    watch.note(conv())
    expect(watch.observe(conv({ updated_at: 2000, assignee_id: ME }), ctx({ quiet: new Set(['c1']) }))).toBeNull()
    // Seen as mine now: the next buyer message alerts once I look elsewhere.
    expect(watch.observe(conv({ assignee_id: ME, last_seq: 2, last_buyer_message_at: 3000 }), ctx())?.kind).toBe('message')
  })

  it('ignores a frame older than what was seen', () => {
    const watch = new AlertWatch()
    watch.note(conv({ last_seq: 5, assignee_id: ME }))
    expect(watch.observe(conv({ last_seq: 4, assignee_id: OTHER }), ctx())).toBeNull()
    expect(watch.observe(conv({ last_seq: 5, updated_at: 900 }), ctx())).toBeNull()
  })

  it('fetched lists are only noted', () => {
    const watch = new AlertWatch()
    watch.note(conv())
    expect(watch.observe(conv({ updated_at: 2000 }), ctx())).toBeNull()
  })
})

describe('waiting too long (WB-7)', () => {
  const late = (c: ConversationSummary) => (c.last_buyer_message_at ?? 0) < 5000

  it('alerts once per wait, for mine and those waiting for me', () => {
    const watch = new AlertWatch()
    const list = [conv({ id: 'a', assignee_id: ME }), conv({ id: 'b' }), conv({ id: 'c', assignee_id: OTHER }), conv({ id: 'd', assignee_id: ME, last_buyer_message_at: 6000 })]
    expect(watch.overdue(list, late, ctx()).map((a) => [a.kind, a.conversationId])).toEqual([
      ['overdue', 'a'],
      ['overdue', 'b'],
    ])
    expect(watch.overdue(list, late, ctx())).toEqual([])
  })

  it('again when the buyer waits anew after an answer', () => {
    const watch = new AlertWatch()
    const lateAll = () => true
    watch.overdue([conv({ assignee_id: ME })], lateAll, ctx())
    // Answered: no longer late.
    watch.overdue([conv({ assignee_id: ME })], () => false, ctx())
    expect(watch.overdue([conv({ assignee_id: ME, last_buyer_message_at: 7000 })], lateAll, ctx())).toHaveLength(1)
  })

  it('notes quietly what was late when the list came', () => {
    const watch = new AlertWatch()
    expect(watch.overdue([conv({ assignee_id: ME })], late, ctx(), true)).toEqual([])
    expect(watch.overdue([conv({ assignee_id: ME })], late, ctx())).toEqual([])
    expect(watch.overdue([conv({ id: 'e', assignee_id: ME })], late, ctx())).toHaveLength(1)
  })

  it('not for a conversation on screen', () => {
    const watch = new AlertWatch()
    expect(watch.overdue([conv({ assignee_id: ME })], late, ctx({ quiet: new Set(['c1']) }))).toEqual([])
  })
})

describe('one sound for a burst', () => {
  it('lets one through, then waits out the gap', () => {
    const burst = new Burst(1500)
    expect(burst.admit(10_000)).toBe(true)
    expect(burst.admit(10_200)).toBe(false)
    expect(burst.admit(11_400)).toBe(false)
    expect(burst.admit(11_500)).toBe(true)
  })
})

describe('the tab title', () => {
  it('counts the unread conversations that are mine or wait for me', () => {
    const list = [
      conv({ id: 'a', assignee_id: ME, unread_count: 2 }),
      conv({ id: 'b', unread_count: 1 }),
      conv({ id: 'c', assignee_id: OTHER, unread_count: 4 }),
      conv({ id: 'd', assignee_id: ME, unread_count: 0 }),
      conv({ id: 'e', status: 'invalid', unread_count: 3 }),
    ]
    expect(unreadFor(list, ctx())).toBe(2)
  })

  it('shows the count before the title, and the plain title at zero', () => {
    expect(pageTitle('客服工作台', 3)).toBe('(3) 客服工作台')
    expect(pageTitle('客服工作台', 0)).toBe('客服工作台')
    expect(pageTitle('Workbench', 120)).toBe('(99+) Workbench')
  })
})

describe('the agent\'s choices', () => {
  it('reads what was kept, and the default for anything else', () => {
    expect(readAlertPrefs(null)).toEqual(DEFAULT_ALERT_PREFS)
    expect(readAlertPrefs('{"sound":false,"desktop":true}')).toEqual({ sound: false, desktop: true })
    expect(readAlertPrefs('{"sound":"no"}')).toEqual(DEFAULT_ALERT_PREFS)
    expect(readAlertPrefs('not json')).toEqual(DEFAULT_ALERT_PREFS)
    expect(alertPrefsKey('u1')).toBe('kefu.alerts.u1')
  })

  it('a waiting conversation as the workbench defines it', () => {
    expect(waitsFor(conv(), ctx())).toBe(true)
    expect(waitsFor(conv({ status: 'invalid' }), ctx())).toBe(false)
  })
})
