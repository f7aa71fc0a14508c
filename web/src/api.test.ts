import { describe, expect, expectTypeOf, it } from 'vitest'
import { AGENT_STATUSES, CHANNELS, PERMISSIONS, ROUTING_STRATEGIES, allOf, healthReportExportUrl, importFormat, kpiExportUrl, oneOf, topicsQuery } from './api'
import type {
  ApprovalList,
  ApprovalView,
  ApprovedProposal,
  AuditEntry,
  AuditList,
  AuthSession,
  BuyerProfile,
  ClientFrame,
  ConversationEvent,
  ConversationSummary,
  EventList,
  Flow,
  FlowList,
  HandoffCase,
  HandoffList,
  HealthReport,
  InternalNoteList,
  KbEntry,
  KbEntryView,
  Lexicon,
  NewProblem,
  ProblemView,
  ProposalEdit,
  Rating,
  RatingInput,
  ReportListing,
  RequestBody,
  ResponseBody,
  RobotDecision,
  SendBody,
  ServerFrameOf,
  SupervisorNotice,
  TeamMembers,
  TopicDetail,
  TopicsReport,
} from './api'
import type { components } from './generated/openapi'

type Schemas = components['schemas']

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

describe('allOf', () => {
  it('lists every member of the union, as a copy', () => {
    const list = ['a', 'b'] as const
    const all = allOf<'a' | 'b'>()(list)
    expect(all).toEqual(['a', 'b'])
    expect(all).not.toBe(list)
    expect(new Set(CHANNELS).size).toBe(CHANNELS.length)
    expect(new Set(PERMISSIONS).size).toBe(PERMISSIONS.length)
  })

  it('refuses a list that leaves a member out, at compile time', () => {
    // @ts-expect-error 'c' is missing
    expect(allOf<'a' | 'b' | 'c'>()(['a', 'b'])).toEqual(['a', 'b'])
    // @ts-expect-error 'd' is no member
    allOf<'a'>()(['a', 'd'])
  })
})

describe('importFormat', () => {
  it('sends JSON Lines and workbooks by their extension and everything else as CSV', () => {
    expect(importFormat('orders.XLSX')).toBe('xlsx')
    expect(importFormat('kb.jsonl')).toBe('jsonl')
    expect(importFormat('orders.NDJSON')).toBe('jsonl')
    expect(importFormat('products.csv')).toBe('csv')
    expect(importFormat('products')).toBe('csv')
  })
})

// Compile-time checks (vue-tsc reads the tests too): the fetch helpers' operation types are
// the app's types, the hand-written ones in apiTypes.ts fit the document, and the bare Objects
// are still bare. When one of those fails, the OpenAPI document was fixed: use its type instead.
describe('kpiExportUrl', () => {
  it('names the range, the team if any and the format', () => {
    expect(kpiExportUrl({ from: '2026-05-01', to: '2026-05-31' }, 'csv')).toBe('/api/v1/kpi/scorecards/export?from=2026-05-01&to=2026-05-31&format=csv')
    expect(kpiExportUrl({ from: '2026-05-01', to: '2026-05-31', team: 'after sales' }, 'xlsx')).toBe(
      '/api/v1/kpi/scorecards/export?from=2026-05-01&to=2026-05-31&team=after+sales&format=xlsx',
    )
    expect(kpiExportUrl({ from: '2026-05-01', to: '2026-05-01', team: null }, 'csv')).not.toContain('team=')
  })
})

describe('topicsQuery', () => {
  it('names the weeks and the product, keeping an empty one (no product)', () => {
    expect(topicsQuery(8, null)).toBe('weeks=8')
    expect(topicsQuery(12, 'TEA 1')).toBe('weeks=12&product=TEA+1')
    expect(topicsQuery(4, '')).toBe('weeks=4&product=')
  })
})

describe('healthReportExportUrl', () => {
  it('names the kind and the period', () => {
    expect(healthReportExportUrl('daily', '2026-12-05')).toBe('/api/v1/reports/daily/2026-12-05/export')
    expect(healthReportExportUrl('monthly', '2026-11')).toBe('/api/v1/reports/monthly/2026-11/export')
  })
})

describe('API types', () => {
  it('are the operations’ types', () => {
    expectTypeOf<ResponseBody<'me'>>().toEqualTypeOf<AuthSession>()
    expectTypeOf<ResponseBody<'list'>>().toEqualTypeOf<{ conversations: ConversationSummary[] }>()
    expectTypeOf<RequestBody<'send'>>().toEqualTypeOf<SendBody>()
    expectTypeOf<ClientFrame>().toEqualTypeOf<Schemas['ClientFrame']>()
    expectTypeOf<EventList>().toEqualTypeOf<{ events: ConversationEvent[] }>()
    expectTypeOf<HandoffList>().toEqualTypeOf<{ handoffs: HandoffCase[] }>()
    expectTypeOf<ApprovalList>().toEqualTypeOf<{ approvals: ApprovalView[] }>()
    expectTypeOf<AuditList>().toEqualTypeOf<{ entries: AuditEntry[] }>()
    expectTypeOf<FlowList>().toEqualTypeOf<{ flows: Flow[] }>()
    expectTypeOf<ApprovedProposal>().toEqualTypeOf<{ entry: KbEntryView }>()
    expectTypeOf<ResponseBody<'team'>>().toEqualTypeOf<TeamMembers>()
    expectTypeOf<ResponseBody<'notes'>>().toEqualTypeOf<InternalNoteList>()
    expectTypeOf<RequestBody<'approve_proposal'>>().toEqualTypeOf<ProposalEdit>()
    expectTypeOf<ResponseBody<'ask'>>().toEqualTypeOf<RobotDecision>()
    expectTypeOf<ResponseBody<'conversation_ratings'>>().toEqualTypeOf<{ ratings: Rating[] }>()
    expectTypeOf<RequestBody<'rate'>>().toEqualTypeOf<RatingInput>()
    expectTypeOf<ResponseBody<'health_reports'>>().toEqualTypeOf<ReportListing[]>()
    expectTypeOf<ResponseBody<'health_report'>>().toEqualTypeOf<HealthReport>()
    expectTypeOf<ServerFrameOf<'notice'>['notice']>().toEqualTypeOf<SupervisorNotice>()
    expectTypeOf<ResponseBody<'question_topics'>>().toEqualTypeOf<TopicsReport>()
    expectTypeOf<ResponseBody<'question_topic'>>().toEqualTypeOf<TopicDetail>()
    expectTypeOf<ResponseBody<'topic_problems'>>().toEqualTypeOf<ProblemView[]>()
    expectTypeOf<RequestBody<'report_topic_problem'>>().toEqualTypeOf<NewProblem>()
    expectTypeOf<ResponseBody<'buyer_profile'>>().toEqualTypeOf<BuyerProfile>()
    expectTypeOf<ResponseBody<'merge_buyers'>>().toEqualTypeOf<BuyerProfile>()
    expectTypeOf<ResponseBody<'split_buyer'>>().toEqualTypeOf<BuyerProfile>()
    expectTypeOf<RequestBody<'merge_buyers'>>().toEqualTypeOf<{ other_id: string }>()
  })

  it('hand-written as the server writes them, still fit the document', () => {
    // Every list and flag the server always writes is present here; the document has the
    // ones with serde defaults optional, since requests may leave them out.
    expectTypeOf<KbEntry>().toMatchTypeOf<Schemas['KbEntry']>()
    expectTypeOf<KbEntryView>().toMatchTypeOf<ResponseBody<'put_entry'>>()
    expectTypeOf<Lexicon>().toMatchTypeOf<Schemas['Lexicon']>()
    expectTypeOf<Flow>().toMatchTypeOf<Schemas['Flow']>()
    expectTypeOf<Flow>().toMatchTypeOf<RequestBody<'put_flow'>>()
  })

  it('still need their hand-written stand-ins', () => {
    type BareObject = Record<string, never>
    // serde_json::Value fields and bodies are bare Objects in the document.
    expectTypeOf<Schemas['ConversationEvent']['data']>().toEqualTypeOf<BareObject>()
    expectTypeOf<Schemas['HandoffCase']['shared']>().toEqualTypeOf<BareObject>()
    expectTypeOf<Schemas['Approval']['payload']>().toEqualTypeOf<BareObject>()
    expectTypeOf<Schemas['AuditEntry']['detail']>().toEqualTypeOf<BareObject>()
    expectTypeOf<Schemas['Alert']['evidence']>().toEqualTypeOf<BareObject>()
    expectTypeOf<Schemas['RobotSettings']['lexicon']>().toEqualTypeOf<BareObject | undefined>()
    // No operation names a rating message's body, so the document has no RatingInvitation.
    expectTypeOf<'RatingInvitation' extends keyof Schemas ? true : false>().toEqualTypeOf<false>()
  })
})
