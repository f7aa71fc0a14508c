// The kefu API as the UI speaks it: its types (apiTypes.ts, aliases of the ones generated from
// the server's OpenAPI document), the limits and lists the forms need, and one typed function
// per HTTP endpoint (docs/http-api.md).

import type {
  AccountUpdate,
  AfterSaleKind,
  AgentStatus,
  Alert,
  AlertKind,
  AppealFilter,
  AppealKind,
  AppealOutcome,
  AppealStatus,
  ArbitrationFilter,
  ArbitrationParty,
  ArbitrationRulingInput,
  ArbitrationRulingKind,
  ArbitrationStatus,
  AlertRules,
  ApprovalKind,
  ApprovalList,
  ApprovalRequest,
  ApprovalView,
  ApprovedProposal,
  AuditList,
  AuditQuery,
  AutoReplies,
  BlockInput,
  BlockKind,
  BreakRequest,
  Channel,
  ChannelChange,
  ChannelInput,
  Cockpit,
  CockpitMetric,
  ConditionKind,
  ConversationContext,
  ConversationFacts,
  ConversationStatus,
  DecideAppealInput,
  Entry,
  EpochMs,
  ErrorBody,
  EscalationLevel,
  EscalationQuery,
  EscalationRules,
  EscalationStatus,
  EscalationTrigger,
  EventList,
  Flow,
  FlowAction,
  FlowList,
  FileAppealInput,
  FlowStepKind,
  Grade,
  HandoffCase,
  HandoffList,
  HandoffStatus,
  ImportFormat,
  ImportKind,
  IntakeFilter,
  InternalNoteList,
  KbEntry,
  KbEntryView,
  KbList,
  KbTier,
  KpiRules,
  NewAccount,
  NewProblem,
  NotifyEvent,
  NotifySettings,
  OverflowTo,
  Permission,
  Playbooks,
  PlaybookTool,
  ProbationChange,
  ProblemStatus,
  ProposalEdit,
  ProposalStatus,
  QueryOf,
  Queued,
  RatingInput,
  ReopenAppealInput,
  ReportKind,
  RequestBody,
  ResponseBody,
  ReviewQuery,
  ReviewStatus,
  RobotDecision,
  RobotMode,
  RobotCalibration,
  RobotSettings,
  RobotSettingsUpdate,
  RobotSuggestions,
  Role,
  RoutingStrategy,
  RuleInput,
  SampleReason,
  SatisfactionSource,
  ScoreInput,
  ScoredMetric,
  SendBody,
  Sensitivity,
  ShopSettings,
  TagGroup,
  TeamMembers,
  TeamUpdate,
  TransferRequest,
  Trend,
  Uuid,
  WorkOrderListQuery,
} from './apiTypes'

export type * from './apiTypes'

/** `list`, checked at compile time to name every member of the union `T` (an enum of the
 *  OpenAPI document): one it leaves out is an error, "Expected 2 arguments", naming it. */
export function allOf<T extends string>() {
  return <const L extends readonly T[]>(
    list: L,
    ..._complete: [Exclude<T, L[number]>] extends [never] ? [] : [missing: Exclude<T, L[number]>]
  ): T[] => [...list]
}

export const CHANNELS = allOf<Channel>()(['web', 'wechat_mp', 'wecom', 'douyin', 'email', 'phone'])
/** CH-7: where a channel's overflow goes — the robot first, or another team's queue. */
export const OVERFLOW_TARGETS = allOf<OverflowTo>()(['robot', 'team'])
export const ENTRIES = allOf<Entry>()(['shop_home', 'order_card', 'product_page', 'live_room', 'creator', 'official_desk'])
export const ROLES = allOf<Role>()(['super_admin', 'supervisor', 'agent', 'qa'])
export const AGENT_STATUSES = allOf<AgentStatus>()(['online', 'busy', 'away', 'offline'])

/** `value` when it is one of `values`, else null: reads the enums the document has as plain
 *  strings (a presence frame's `status`, a team's `strategy`, a tag's `group` …). */
export function oneOf<T extends string>(values: readonly T[], value: string | null | undefined): T | null {
  return value != null && (values as readonly string[]).includes(value) ? (value as T) : null
}

/** Everything an endpoint may ask for; a role is a bundle of these, and so is a group. */
export const PERMISSIONS = allOf<Permission>()([
  'conversation.read',
  'conversation.reply',
  'conversation.assign',
  'team.read',
  'team.manage',
  'account.manage',
  'catalog.manage',
  'refund.request',
  'refund.approve',
  'logistics.change',
  'logistics.review',
  'report.view',
  'settings.manage',
  'kb.manage',
  'audit.view',
  'qa.score',
  'work_order.handle',
  'work_order.manage',
  'escalation.raise',
  'escalation.handle',
  'escalation.crisis',
  'arbitration.rule',
])

export const MAX_BREAK_REASON_CHARS = 40
export const MAX_BREAK_MINUTES = 120

/** The longest buyer note the server takes, in characters. */
export const MAX_NOTE_CHARS = 1000
/** The longest resolution of a handoff case, in characters. */
export const MAX_RESOLUTION_CHARS = 500

/** The largest file `POST /imports/{kind}` takes. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024
export const IMPORT_ACCEPT =
  '.csv,.jsonl,.ndjson,.xlsx,text/csv,application/x-ndjson,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** From the file name: JSON Lines, an Excel workbook, or else CSV (UTF-8 or GBK). */
export function importFormat(fileName: string): ImportFormat {
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl'
  return /\.xlsx$/i.test(fileName) ? 'xlsx' : 'csv'
}

const IMPORT_CONTENT_TYPES: Record<ImportFormat, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

/** WB-4: the per-agent concurrency cap's bounds. */
export const MAX_CONCURRENT_CAP = 50

export const ROUTING_STRATEGIES: RoutingStrategy[] = ['least_loaded', 'round_robin', 'sticky']
export const APPROVAL_KINDS = allOf<ApprovalKind>()(['refund', 'compensation', 'logistics_change'])

/** The longest reason for a request or a decision, in characters. */
export const MAX_REASON_CHARS = 500
/** The most a compensation may be (the server's rule): 10,000 yuan. */
export const MAX_COMPENSATION_FEN = 1_000_000

export const TAG_GROUPS: TagGroup[] = ['after_sales', 'pre_sales', 'service', 'custom']
/** The most tags one conversation carries. */
export const MAX_TAGS = 10

export const CONDITION_KINDS = allOf<ConditionKind>()(['entry', 'channel', 'category', 'sku', 'issue_type', 'language', 'vip_at_least'])
export const MAX_RULES = 100
export const MAX_CONDITIONS = 10
export const MAX_RULE_NAME_CHARS = 64

export const KB_TIERS: KbTier[] = ['general', 'product', 'scenario']
export const MAX_KB_ID_CHARS = 64
export const MAX_KB_QUESTION_CHARS = 200
export const MAX_KB_SIMILAR = 5000
export const MAX_KB_ANSWER_CHARS = 2000

/** `off`: people only; `assist`: people, with the robot's suggested replies; `robot_first`:
 *  the robot takes each new conversation (with `night_only`, outside office hours only). */
export const ROBOT_MODES = allOf<RobotMode>()(['off', 'assist', 'robot_first'])
/** The server's limits: words of 1–32 characters, 200 groups, 2,000 words in all. */
export const MAX_LEXICON_WORD_CHARS = 32
export const MAX_LEXICON_GROUPS = 200
export const MAX_LEXICON_WORDS = 2000
export const MAX_ASK_CHARS = 500

export const FLOW_STEP_KINDS: FlowStepKind[] = ['order', 'item', 'choice', 'photo', 'text', 'confirm']
export const FLOW_ACTIONS: FlowAction[] = ['logistics', 'after_sale', 'reply', 'handoff']
export const AFTER_SALE_KINDS: AfterSaleKind[] = ['return_refund', 'refund_only', 'exchange']

/** The values a finish text may use besides the slot names, by action. */
export const FLOW_VALUES: Record<FlowAction, string[]> = {
  logistics: ['order_no', 'logistics_company', 'tracking_no', 'shipping_status'],
  after_sale: ['case_no', 'order_no'],
  reply: [],
  handoff: [],
}

export const PROPOSAL_STATUSES: ProposalStatus[] = ['pending', 'approved', 'rejected']

/** WB-6: why a buyer is blocked; the longest note a block takes, in characters. */
export const BLOCK_KINDS = allOf<BlockKind>()(['spam', 'harassment', 'ad', 'other'])
export const MAX_BLOCK_NOTE_CHARS = 200

/** KPI-2: a scorecard's grade and a part's standing, best first. */
export const GRADES = allOf<Grade>()(['excellent', 'pass', 'below'])
/** KPI-1: the parts a scorecard is made of, in the order the server lists them. */
export const SCORED_METRICS = allOf<ScoredMetric>()([
  'first_response',
  'quick_reply_rate',
  'conversion_rate',
  'bad_review_rate',
  'average_rating',
  'qa_score',
])
/** Where the satisfaction part comes from: the buyers' ratings, the QA scores, or half each. */
export const SATISFACTION_SOURCES = allOf<SatisfactionSource>()(['ratings', 'qa', 'both'])
/** KPI-3: why a conversation was sampled, and where a review stands. */
export const SAMPLE_REASONS = allOf<SampleReason>()(['bad_rating', 'complaint', 'transfer', 'forbidden_word', 'random'])
export const REVIEW_STATUSES = allOf<ReviewStatus>()(['pending', 'scored', 'appealed', 'decided'])
/** The server's limits (kefu-domain qa.rs): a note, comment, appeal or decision of at most 500
 *  characters; 1–30 rubric items; 200 forbidden words of 1–20 characters. */
export const MAX_QA_TEXT_CHARS = 500
export const MAX_RUBRIC_ITEMS = 30
export const MAX_FORBIDDEN_WORDS = 200
export const MAX_FORBIDDEN_WORD_CHARS = 20

/** DATA-1: the cockpit's numbers, in the order the server sends its tiles. */
export const COCKPIT_METRICS = allOf<CockpitMetric>()([
  'waiting',
  'serving',
  'agents_online',
  'received',
  'served',
  'first_response',
  'quick_reply_rate',
  'robot_resolution_rate',
  'robot_transfer_rate',
  'transfer_rate',
  'average_rating',
  'bad_review_rate',
  'conversion_rate',
  'service_gmv',
  'invalid',
  'complaints',
])
/** DATA-3: what an alert is about, and how readily the shop is alerted (least first). */
export const ALERT_KINDS = allOf<AlertKind>()(['surge', 'queue', 'first_response', 'robot_transfer'])
export const SENSITIVITIES = allOf<Sensitivity>()(['low', 'normal', 'high'])
/** The server's limits on the alert rules (kefu-domain anomaly.rs `AlertRules::check`). */
export const MAX_ALERT_MIN_COUNT = 10_000
export const MAX_QUEUE_LIMIT = 100_000
export const MAX_ALERT_FIRST_RESPONSE_S = 86_400
/** DATA-2, DATA-6: the service-health reports, the day's and the month's. */
export const REPORT_KINDS = allOf<ReportKind>()(['daily', 'monthly'])
/** DATA-5: which way a topic is going, and where a problem stands. */
export const TRENDS = allOf<Trend>()(['new', 'rising', 'falling', 'steady'])
export const PROBLEM_STATUSES = allOf<ProblemStatus>()(['open', 'fixed'])
/** The server's limits (kefu-domain questions.rs): a topics page of 1–26 weeks; a problem's
 *  note of at most 1,000 characters. */
export const MAX_QUESTION_WEEKS = 26
export const MAX_PROBLEM_NOTE_CHARS = 1000

/** ESC-1: how far up a matter goes (lowest first), where an escalation stands, and why. */
export const ESCALATION_LEVELS = allOf<EscalationLevel>()(['one', 'two', 'three'])
export const ESCALATION_STATUSES = allOf<EscalationStatus>()(['open', 'taken', 'handled'])
export const ESCALATION_TRIGGERS = allOf<EscalationTrigger>()([
  'agent',
  'complaint_words',
  'anger',
  'one_star',
  'public_threat',
  'high_amount',
  'repeat_contact',
  'arbitration',
  'missed_deadline',
])
/** The server's limits (kefu-domain escalation.rs): a reason or an outcome of 1–500 characters;
 *  rules of at most 200 words of 1–30 characters per list, 2–10 repeat contacts. */
export const MAX_ESCALATION_TEXT_CHARS = 500
export const MAX_ESCALATION_WORDS = 200
export const MAX_ESCALATION_WORD_CHARS = 30
export const MIN_REPEAT_CONTACTS = 2
export const MAX_REPEAT_CONTACTS = 10
/** What a webhook may ask to be told of; at most 10 webhooks and 10 phones, secrets of 16
 *  characters or more. */
export const NOTIFY_EVENTS = allOf<NotifyEvent>()(['escalation.raised', 'escalation.overdue', 'work_order.overdue', 'arbitration.opened', 'arbitration.ruled', 'test'])
export const MAX_WEBHOOKS = 10
export const MAX_SMS_TARGETS = 10
export const MIN_WEBHOOK_SECRET_CHARS = 16

/** ESC-2: what a playbook step offers the agent to do it with. */
export const PLAYBOOK_TOOLS = allOf<PlaybookTool>()(['compensation', 'coupon', 'logistics', 'work_order', 'escalate'])
/** The server's limits (kefu-domain playbook.rs): at most 30 playbooks with keys of 1–40 `a-z0-9_`,
 *  names and step titles of 1–30 characters, descriptions, details and replies of at most 500,
 *  1–12 steps due 1 minute to 30 days from the start, at most 50 words and tags of 1–30
 *  characters per condition. */
export const MAX_PLAYBOOKS = 30
export const MAX_PLAYBOOK_KEY_CHARS = 40
export const MAX_PLAYBOOK_NAME_CHARS = 30
export const MAX_PLAYBOOK_TEXT_CHARS = 500
export const MAX_PLAYBOOK_STEPS = 12
export const MAX_PLAYBOOK_DUE_MINUTES = 43_200
export const MAX_PLAYBOOK_WORDS = 50

/** ACC-1, ESC-1: where an arbitration case stands, who may be asked for evidence, and what the
 *  platform may rule. The server's limits (kefu-domain arbitration.rs): a reason, a piece of
 *  evidence, a request, a ruling's reason or a compliance note of 1–1,000 characters. */
export const ARBITRATION_STATUSES = allOf<ArbitrationStatus>()(['open', 'awaiting_evidence', 'ruled', 'closed'])
export const ARBITRATION_RULING_KINDS = allOf<ArbitrationRulingKind>()(['refund', 'compensation', 'no_action'])
export const ARBITRATION_ASKABLE: ArbitrationParty[] = ['buyer', 'shop']
export const MAX_ARBITRATION_TEXT_CHARS = 1000

/** SELF-3: appeals' kinds, statuses and outcomes. The server's limits (kefu-domain appeal.rs): a
 *  description, new facts or a decision's reason of 1–2,000 characters; at most 9 files filed. */
export const APPEAL_KINDS = allOf<AppealKind>()(['refund', 'after_sale', 'logistics', 'service', 'penalty', 'other'])
export const APPEAL_STATUSES = allOf<AppealStatus>()(['pending', 'in_review', 'decided'])
export const APPEAL_OUTCOMES = allOf<AppealOutcome>()(['upheld', 'rejected'])
export const MAX_APPEAL_TEXT_CHARS = 2000
export const MAX_APPEAL_FILES = 9

/** Every error body is `{code, message}`; the UI translates `code`, never `message`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message || code)
    this.status = status
    this.code = code
  }
}

/** An error answer as an ApiError: `{code, message}`, or the HTTP status when the body is not
 *  JSON (a proxy's error page, say). */
function apiError(status: number, statusText: string, body: string): ApiError {
  let code = status === 413 ? 'body_too_large' : `http_${status}`
  let message = statusText
  try {
    const err = JSON.parse(body) as Partial<ErrorBody>
    if (err.code) code = err.code
    if (err.message) message = err.message
  } catch {
    // Keep the status.
  }
  return new ApiError(status, code, message)
}

let csrfToken = ''

/** The UI session's CSRF token, sent as `X-CSRF-Token` on every non-GET cookie request. */
export function setCsrfToken(token: string): void {
  csrfToken = token
}

interface RequestOptions {
  body?: unknown
  form?: FormData
  /** A text body of its own type (a transcript file: `text/html`). */
  text?: { body: string; type: string }
  /** Bearer token (buyer token); when set, no CSRF header is needed. */
  token?: string
  query?: Record<string, string | number | boolean | undefined | null>
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.form) {
    body = opts.form
  } else if (opts.text) {
    headers['Content-Type'] = opts.text.type
    body = opts.text.body
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (opts.token) {
    headers.Authorization = `Bearer ${opts.token}`
  } else if (method !== 'GET' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken
  }
  let url = path
  if (opts.query) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(opts.query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
    }
    const qs = params.toString()
    if (qs) url += `?${qs}`
  }
  let response: Response
  try {
    response = await fetch(url, { method, headers, body, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, 'network', 'network error')
  }
  if (!response.ok) throw apiError(response.status, response.statusText, await response.text().catch(() => ''))
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** The items of list answer `R` under `key`. */
type ItemsOf<R, K extends keyof R> = R[K] extends readonly (infer T)[] ? T[] : never

/** Lists come as `{key: [...]}`; tolerate a bare array too. */
function listOf<R extends object, K extends keyof R>(value: R | undefined, key: K): ItemsOf<R, K> {
  if (Array.isArray(value)) return value as unknown as ItemsOf<R, K>
  const inner = value?.[key]
  return (Array.isArray(inner) ? inner : []) as ItemsOf<R, K>
}

const V1 = '/api/v1'

/** DATA-5: `weeks=8&product=…`; unlike `request`'s `query`, it keeps an empty product, which
 *  asks for the conversations about none. */
export function topicsQuery(weeks: number, product: string | null): string {
  const query = { weeks, ...(product != null ? { product } : {}) } satisfies QueryOf<'question_topics'>
  return new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)])).toString()
}

// ---- agents (cookie session + CSRF) ----
// Each call is typed by its operation in the OpenAPI document (`ResponseBody<'op'>`,
// `RequestBody<'op'>`, `QueryOf<'op'>`); where the document is wrong or has a bare Object, by
// the hand-written type in apiTypes.ts that says why.

export const agentApi = {
  /** Issue #15: whether the first-run setup is open (the server has no shop yet). */
  setupStatus: () => request<ResponseBody<'setup_status'>>('GET', `${V1}/setup`),
  /** Creates the first shop and its super admin with the printed link's token; signs in. */
  setup: (body: RequestBody<'setup'>) => request<ResponseBody<'setup'>>('POST', `${V1}/setup`, { body }),
  login: (username: string, password: string) =>
    request<ResponseBody<'login'>>('POST', `${V1}/auth/login`, { body: { username, password } satisfies RequestBody<'login'> }),
  logout: () => request<void>('POST', `${V1}/auth/logout`),
  me: () => request<ResponseBody<'me'>>('GET', `${V1}/auth/me`),
  /** WB-9: `away` is a break and needs its reason and minutes, else 400 `invalid_break`. */
  setStatus: (status: AgentStatus, brk?: BreakRequest) =>
    request<ResponseBody<'set_status'>>('PUT', `${V1}/me/status`, {
      body: { status, ...(status === 'away' && brk ? brk : {}) } satisfies RequestBody<'set_status'>,
    }),
  /** WB-9: every agent with their load and today's numbers (`report.view` or `team.manage`). */
  teamLive: () => request<ResponseBody<'live'>>('GET', `${V1}/team/live`),
  /** `tag`: only conversations carrying it (WB-5). */
  async conversations(status: ConversationStatus | 'all', limit = 200, tag?: string) {
    const res = await request<ResponseBody<'list'>>('GET', `${V1}/conversations`, {
      query: { status, limit, tag } satisfies QueryOf<'list'>,
    })
    return listOf(res, 'conversations')
  },
  conversation: (id: Uuid) => request<ResponseBody<'get'>>('GET', `${V1}/conversations/${id}`),
  async messages(id: Uuid, query: QueryOf<'messages'> = {}) {
    const res = await request<ResponseBody<'messages'>>('GET', `${V1}/conversations/${id}/messages`, { query })
    return listOf(res, 'messages')
  },
  send: (id: Uuid, body: SendBody) =>
    request<ResponseBody<'send'>>('POST', `${V1}/conversations/${id}/messages`, { body: body satisfies RequestBody<'send'> }),
  read: (id: Uuid, seq: number) =>
    request<ResponseBody<'read'>>('POST', `${V1}/conversations/${id}/read`, { body: { seq } satisfies RequestBody<'read'> }),
  /** Throws `tag_required` when the agent's team wants a tag first (WB-5). */
  resolve: (id: Uuid) => request<ResponseBody<'resolve'>>('POST', `${V1}/conversations/${id}/resolve`),
  /** Replaces the conversation's tags. Throws `unknown_tag`, `too_many_tags` (400). */
  setTags: (id: Uuid, tags: string[]) =>
    request<ResponseBody<'set_tags'>>('PUT', `${V1}/conversations/${id}/tags`, { body: { tags } satisfies RequestBody<'set_tags'> }),
  /** The built-in categories and the shop's own (WB-5). */
  async tags() {
    const res = await request<ResponseBody<'tags'>>('GET', `${V1}/tags`)
    return listOf(res, 'tags')
  },
  /** Throws `invalid_tag`, `invalid_name` (400), `tag_exists` (409). */
  createTag: (key: string, name: string) =>
    request<ResponseBody<'add_tag'>>('POST', `${V1}/tags`, { body: { key, name } satisfies RequestBody<'add_tag'> }),
  /** WB-3: quick phrases the caller may use (`view: 'all'`: every phrase, `team.manage`),
   *  searched by text, shortcut or pinyin initials; `conversation` fills their variables. */
  phrases: (query: QueryOf<'phrases'> = {}) => request<ResponseBody<'phrases'>>('GET', `${V1}/phrases`, { query }),
  /** Throws `invalid_phrase` (400), `attachment_not_found` / `product_not_found` (404: the
   *  picture or product is not the shop's), `phrase_limit_reached` (409). */
  addPhrase: (body: RequestBody<'add_phrase'>) => request<ResponseBody<'add_phrase'>>('POST', `${V1}/phrases`, { body }),
  putPhrase: (id: Uuid, body: RequestBody<'put_phrase'>) =>
    request<ResponseBody<'put_phrase'>>('PUT', `${V1}/phrases/${id}`, { body }),
  deletePhrase: (id: Uuid) => request<void>('DELETE', `${V1}/phrases/${id}`),
  /** Counts a sending: the most used come first. */
  phraseUsed: (id: Uuid) => request<void>('POST', `${V1}/phrases/${id}/used`),
  /** WB-2: the shop's automatic replies (`team.read`). */
  automation: () => request<ResponseBody<'automation'>>('GET', `${V1}/automation`),
  /** Replaces them all (`settings.manage`). Throws `invalid_auto_reply` (400) with a message
   *  naming the part. */
  putAutomation: (body: AutoReplies) =>
    request<ResponseBody<'put_automation'>>('PUT', `${V1}/automation`, { body: body satisfies RequestBody<'put_automation'> }),
  /** WB-6: blocks the buyer (`conversation.reply`); their current conversation closes as
   *  invalid. Throws `invalid_block` (400), `buyer_not_found` (404). */
  blockBuyer: (buyerId: Uuid, body: BlockInput) =>
    request<ResponseBody<'block'>>('POST', `${V1}/buyers/${buyerId}/block`, { body: body satisfies RequestBody<'block'> }),
  /** The shop's blocks, newest first, lifted and expired ones too (`team.read`). */
  async blocklist() {
    const res = await request<ResponseBody<'blocklist'>>('GET', `${V1}/blocklist`)
    return listOf(res, 'blocks')
  },
  /** `team.manage`; the buyer's invalid conversations become resolved. Throws `block_not_found` (404). */
  liftBlock: (id: Uuid) => request<ResponseBody<'lift'>>('POST', `${V1}/blocklist/${id}/lift`),
  /** An invalid conversation (wrongly flagged) open again for the team (`team.manage`). */
  restore: (id: Uuid) => request<ResponseBody<'restore'>>('POST', `${V1}/conversations/${id}/restore`),
  /** WB-6: the shop's intake filter (`team.read`). */
  intakeFilter: () => request<ResponseBody<'intake_filter'>>('GET', `${V1}/intake-filter`),
  /** Replaces it (`settings.manage`). Throws `invalid_intake_filter` (400). */
  putIntakeFilter: (body: IntakeFilter) =>
    request<ResponseBody<'put_intake_filter'>>('PUT', `${V1}/intake-filter`, { body: body satisfies RequestBody<'put_intake_filter'> }),

  // Issue #21, CH-3: channels. Managing them needs `settings.manage`; a conversation's reply
  // window any agent who reads it. `channel_not_found` (404).
  /** The shop's channels with their health. */
  async channels() {
    const res = await request<ResponseBody<'channels'>>('GET', `${V1}/channels`)
    return listOf(res, 'channels')
  },
  /** Throws `invalid_channel` (400: the message names the field), `channel_kind_unsupported`
   *  (400), `channel_exists` (409: that account is connected already). */
  connectChannel: (input: ChannelInput) =>
    request<ResponseBody<'connect_channel'>>('POST', `${V1}/channels`, { body: input satisfies RequestBody<'connect_channel'> }),
  /** Renames, pauses or resumes it, or changes its settings (a widget's sites and looks, a phone
   *  line's hours and format, the overflow rule, a WeCom account's contact link); what is absent
   *  stays. Throws `invalid_channel` (400). */
  changeChannel: (id: Uuid, change: ChannelChange) =>
    request<ResponseBody<'change_channel'>>('PUT', `${V1}/channels/${id}`, { body: change satisfies RequestBody<'change_channel'> }),
  /** Its buyers and conversations stay. */
  disconnectChannel: (id: Uuid) => request<void>('DELETE', `${V1}/channels/${id}`),
  /** Douyin: the link to Douyin's grant page (good for 30 minutes), where the account's owner
   *  grants kefu its private messages; Douyin sends them back to kefu, which goes on to
   *  渠道接入 with `?granted={id}` or `?grant_error={code}`. `origin`: where this page reaches
   *  kefu, for the way back when the server has no `http.public_url`. Throws
   *  `channel_not_found` (404: not a Douyin channel), `invalid_channel` (400: no address). */
  grantChannel: (id: Uuid, origin: string) =>
    request<ResponseBody<'grant_channel'>>('POST', `${V1}/channels/${id}/grant`, { body: { origin } satisfies RequestBody<'grant_channel'> }),
  /** Whether the buyer's platform lets the shop write now (WeChat: 48 hours after their last
   *  message, five messages); `window` is null on the web chat. */
  replyWindow: (conversationId: Uuid) => request<ResponseBody<'reply_window'>>('GET', `${V1}/conversations/${conversationId}/window`),
  /** CH-4: the caller's identity against an order's receiver phone — the number a phone
   *  conversation's buyer calls from, and the four digits they tell (`last_four`). Throws
   *  `order_not_found` (404), `invalid_query` (400: `last_four` is not four digits). */
  callerCheck: (conversationId: Uuid, query: QueryOf<'caller_check'>) =>
    request<ResponseBody<'caller_check'>>('GET', `${V1}/conversations/${conversationId}/caller-check`, { query }),
  /** Issue #21: sends the buyer, on their own channel and within its rules, the shop's WeCom
   *  微信客服 contact link; when they open it, their WeCom conversation joins their profile and
   *  comes to the agent who moved them. `channelId`: which WeCom account (the shop's only one
   *  with a contact link when absent). Throws `channel_move_unavailable` (409: no such account,
   *  several and none named, or the buyer is on WeCom), `channel_window_closed`,
   *  `channel_no_text`, `channel_paused` (409), `channel_not_found` (404). */
  moveToWecom: (conversationId: Uuid, channelId?: Uuid) =>
    request<ResponseBody<'move_to_wecom'>>('POST', `${V1}/conversations/${conversationId}/move-to-wecom`, {
      body: (channelId ? { channel_id: channelId } : {}) satisfies RequestBody<'move_to_wecom'>,
    }),
  /** Issue #21: the shop's running WeCom 微信客服 accounts an agent may move a buyer to. */
  moveTargets: () => request<ResponseBody<'move_targets'>>('GET', `${V1}/move-targets/wecom`),
  /** WB-4: the shop's rules in the order they are tried. */
  routingRules: () => request<ResponseBody<'rules'>>('GET', `${V1}/routing/rules`),
  /** Replaces every rule; the list's order is the order tried. Throws `bad_rule_name`,
   *  `bad_rule_team`, `bad_rule_condition`, `too_many_rules`, `unknown_team` (400). */
  putRoutingRules: (rules: RuleInput[]) =>
    request<ResponseBody<'put_rules'>>('PUT', `${V1}/routing/rules`, { body: { rules } satisfies RequestBody<'put_rules'> }),
  /** Where a sample conversation would go: through `rules` (a draft) or the saved ones. */
  testRouting: (facts: ConversationFacts, rules?: RuleInput[]) =>
    request<ResponseBody<'test'>>('POST', `${V1}/routing/test`, {
      body: { facts, ...(rules ? { rules } : {}) } satisfies RequestBody<'test'>,
    }),
  /** ACC-2: a six-digit code to one's own phone. Throws `rate_limited` (429, one a minute),
   *  `no_phone`, `phone_already_verified` (400). */
  sendPhoneCode: () => request<void>('POST', `${V1}/me/phone/code`),
  /** Throws `wrong_code`, `code_expired`, `too_many_attempts` (400). */
  verifyPhone: (code: string) =>
    request<ResponseBody<'verify_phone'>>('POST', `${V1}/me/phone/verify`, { body: { code } satisfies RequestBody<'verify_phone'> }),
  reopen: (id: Uuid) => request<ResponseBody<'reopen'>>('POST', `${V1}/conversations/${id}/reopen`),
  /** WB-1: to a colleague or a team's queue. Throws `invalid_transfer`, `unknown_team`,
   *  `note_too_long` (400), `forbidden` (403). */
  transfer: (id: Uuid, body: TransferRequest) =>
    request<ResponseBody<'transfer'>>('POST', `${V1}/conversations/${id}/transfer`, { body: body satisfies RequestBody<'transfer'> }),
  /** WB-8: takes an unassigned conversation of one's team. Throws `already_taken` (409),
   *  `forbidden` (403). */
  grab: (id: Uuid) => request<ResponseBody<'grab'>>('POST', `${V1}/conversations/${id}/grab`),
  /** WB-1: the conversation's internal notes. */
  async internalNotes(id: Uuid) {
    const res = await request<InternalNoteList>('GET', `${V1}/conversations/${id}/notes`)
    return listOf(res, 'notes')
  },
  /** Throws `note_empty`, `note_too_long` (400). */
  addInternalNote: (id: Uuid, body: string) =>
    request<ResponseBody<'add_note'>>('POST', `${V1}/conversations/${id}/notes`, { body: { body } satisfies RequestBody<'add_note'> }),
  async events(id: Uuid) {
    const res = await request<EventList>('GET', `${V1}/conversations/${id}/events`)
    return listOf(res, 'events')
  },
  /** KPI-3: the conversation's rating invitations and ratings, oldest first. */
  async ratings(conversationId: Uuid) {
    const res = await request<ResponseBody<'conversation_ratings'>>('GET', `${V1}/conversations/${conversationId}/ratings`)
    return listOf(res, 'ratings')
  },
  /** KPI-3: invites the buyer once more (`team.manage`); a new invitation message follows.
   *  Throws `rating_not_found` (404), `rating_closed` (409: rated, or invited again already). */
  reinviteRating: (id: Uuid) => request<ResponseBody<'reinvite'>>('POST', `${V1}/ratings/${id}/reinvite`),
  buyer: (id: Uuid) => request<ResponseBody<'profile'>>('GET', `${V1}/buyers/${id}`),
  // CH-6: one buyer across channels. Merging and splitting need `conversation.reply` and are
  // audited (`buyer.merge`, `buyer.split`). Each throws `buyer_not_found` (404).
  /** The buyer's profile: their buyers on every channel (this one first) and all their
   *  conversations, newest first. */
  buyerProfile: (id: Uuid) => request<ResponseBody<'buyer_profile'>>('GET', `${V1}/buyers/${id}/profile`),
  /** Puts `otherId` (and everyone in their profile) into this buyer's profile; answers this
   *  buyer's profile. */
  mergeBuyers: (id: Uuid, otherId: Uuid) =>
    request<ResponseBody<'merge_buyers'>>('POST', `${V1}/buyers/${id}/merge`, { body: { other_id: otherId } satisfies RequestBody<'merge_buyers'> }),
  /** Takes the buyer out of their profile (merged by mistake); answers the profile they are
   *  left with (theirs alone), not the one they left. */
  splitBuyer: (id: Uuid) => request<ResponseBody<'split_buyer'>>('POST', `${V1}/buyers/${id}/split`),
  context: (id: Uuid) => request<ConversationContext>('GET', `${V1}/conversations/${id}/context`),
  /** CH-5: hand the order's case to its fulfilment partner. */
  handoff: (id: Uuid, orderNo: string, note: string) =>
    request<HandoffCase>('POST', `${V1}/conversations/${id}/handoffs`, {
      body: { order_no: orderNo, ...(note ? { note } : {}) } satisfies RequestBody<'hand_off'>,
    }),
  /** CH-5: cases handed to partners; open ones by due date, earliest first. */
  async handoffs(status: HandoffStatus | 'all') {
    const res = await request<HandoffList>('GET', `${V1}/handoffs`, { query: { status } satisfies QueryOf<'handoff_cases'> })
    return listOf(res, 'handoffs')
  },
  /** Throws `handoff_not_found` (404) or `handoff_closed` (409). */
  closeHandoff: (id: Uuid, resolution: string) =>
    request<HandoffCase>('POST', `${V1}/handoffs/${id}/close`, { body: { resolution } satisfies RequestBody<'close_handoff'> }),
  /** CH-6: notes on a buyer, newest first. */
  async notes(buyerId: Uuid) {
    const res = await request<ResponseBody<'buyer_notes'>>('GET', `${V1}/buyers/${buyerId}/notes`)
    return listOf(res, 'notes')
  },
  /** Throws `note_empty`, `note_too_long` (400) or `forbidden` (QA). */
  addNote: (buyerId: Uuid, body: string) =>
    request<ResponseBody<'add_buyer_note'>>('POST', `${V1}/buyers/${buyerId}/notes`, { body: { body } satisfies RequestBody<'add_buyer_note'> }),
  /** WB-1: any order of the shop by its number. Throws `order_not_found` (404). */
  order: (orderNo: string) => request<ResponseBody<'order'>>('GET', `${V1}/orders/${encodeURIComponent(orderNo)}`),
  async products(q: string, limit = 20) {
    const res = await request<ResponseBody<'products'>>('GET', `${V1}/products`, { query: { q, limit } satisfies QueryOf<'products'> })
    return listOf(res, 'products')
  },
  async team() {
    const res = await request<TeamMembers>('GET', `${V1}/team`)
    return listOf(res, 'users')
  },
  upload(file: File) {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<ResponseBody<'upload_for_agent'>>('POST', `${V1}/attachments`, { form })
  },

  // ACC-2 … ACC-6: accounts, permission groups, teams, settings, approvals, audit.
  accounts: () => request<ResponseBody<'accounts'>>('GET', `${V1}/accounts`),
  /** Throws `invalid_username`, `weak_password`, `invalid_phone`, `unknown_team` (400),
   *  `username_taken`, `account_limit_reached` (409). */
  createAccount: (body: NewAccount) =>
    request<ResponseBody<'create_account'>>('POST', `${V1}/accounts`, { body: body satisfies RequestBody<'create_account'> }),
  /** Throws `invalid_cap` (400) for a `max_concurrent` outside 0–50. */
  updateAccount: (id: Uuid, body: AccountUpdate) =>
    request<ResponseBody<'update_account'>>('PATCH', `${V1}/accounts/${id}`, { body: body satisfies RequestBody<'update_account'> }),
  /** Disabling signs the account out everywhere; `cannot_disable_self` for one's own. */
  setAccountDisabled: (id: Uuid, disabled: boolean) =>
    request<ResponseBody<'disable_account' | 'enable_account'>>('POST', `${V1}/accounts/${id}/${disabled ? 'disable' : 'enable'}`),
  changeProbation: (id: Uuid, body: ProbationChange) =>
    request<ResponseBody<'change_probation'>>('POST', `${V1}/accounts/${id}/probation`, { body: body satisfies RequestBody<'change_probation'> }),
  groups: () => request<ResponseBody<'groups'>>('GET', `${V1}/permission-groups`),
  /** Throws `group_name_taken` (409), `unknown_permission`, `invalid_description` (400). */
  createGroup: (body: { name: string; description: string; permissions: Permission[] }) =>
    request<ResponseBody<'create_group'>>('POST', `${V1}/permission-groups`, { body: body satisfies RequestBody<'create_group'> }),
  /** Throws `expiry_in_the_past`, `invalid_accounts` (400). */
  grantGroup: (groupId: Uuid, userIds: Uuid[], expiresAt: EpochMs | null) =>
    request<ResponseBody<'grant'>>('POST', `${V1}/permission-groups/${groupId}/grants`, {
      body: { user_ids: userIds, ...(expiresAt ? { expires_at: expiresAt } : {}) } satisfies RequestBody<'grant'>,
    }),
  revokeGrant: (groupId: Uuid, userId: Uuid) =>
    request<void>('DELETE', `${V1}/permission-groups/${groupId}/grants/${userId}`),
  teams: () => request<ResponseBody<'teams'>>('GET', `${V1}/teams`),
  /** Throws `invalid_target` (5 s – 7 days), `invalid_name`, `invalid_strategy` (400). */
  putTeam: (key: string, body: TeamUpdate) =>
    request<ResponseBody<'put_team'>>('PUT', `${V1}/teams/${encodeURIComponent(key)}`, { body: body satisfies RequestBody<'put_team'> }),
  settings: () => request<ResponseBody<'settings'>>('GET', `${V1}/settings`),
  /** Throws `bad_threshold`, `bad_probation_days`, `bad_max_accounts`, `invalid_office_hours` (400). */
  putSettings: (body: ShopSettings) =>
    request<ResponseBody<'put_settings'>>('PUT', `${V1}/settings`, { body: body satisfies RequestBody<'put_settings'> }),
  /** CH-2: the shop's identity secret, super admin only (`forbidden` for anyone else). */
  identitySecret: () => request<ResponseBody<'identity_secret'>>('GET', `${V1}/settings/identity-secret`),
  /** Shows the secret; audited. */
  revealIdentitySecret: () => request<ResponseBody<'reveal'>>('POST', `${V1}/settings/identity-secret/reveal`, { body: {} }),
  /** A new secret, shown once; the old one verifies `grace_hours` more. Throws `invalid_grace` (400). */
  rotateIdentitySecret: (graceHours: number) =>
    request<ResponseBody<'rotate'>>('POST', `${V1}/settings/identity-secret/rotate`, {
      body: { grace_hours: graceHours } satisfies RequestBody<'rotate'>,
    }),
  /** The old secret stops verifying now. */
  endIdentityGrace: () => request<ResponseBody<'end_grace'>>('DELETE', `${V1}/settings/identity-secret/previous`),
  /** Answers `executed` at once for money at or below the threshold, else `pending`. Throws
   *  `bad_amount`, `invalid_reason`, `invalid_logistics` (400), `order_not_found` (404). */
  requestApproval: (body: ApprovalRequest) =>
    request<ApprovalView>('POST', `${V1}/approvals`, { body: body satisfies RequestBody<'request'> }),
  /** Approvers see the kinds they may decide; everyone sees their own requests. */
  async approvals(status: 'pending' | 'all') {
    const res = await request<ApprovalList>('GET', `${V1}/approvals`, { query: { status } satisfies QueryOf<'queue'> })
    return listOf(res, 'approvals')
  },
  /** Throws `already_decided` or `own_request` (409). */
  decideApproval: (id: Uuid, decision: 'approve' | 'reject', reason: string) =>
    request<ApprovalView>('POST', `${V1}/approvals/${id}/${decision}`, { body: { reason } satisfies RequestBody<'approve' | 'reject'> }),
  async audit(query: AuditQuery) {
    const res = await request<AuditList>('GET', `${V1}/audit`, { query: { ...query } })
    return listOf(res, 'entries')
  },
  verifyAudit: () => request<ResponseBody<'verify'>>('GET', `${V1}/audit/verify`),

  // KPI-1, KPI-2, KPI-4, WB-10: scorecards and rankings. Days are `YYYY-MM-DD` in the shop's
  // zone; every range call throws `invalid_range` (400) for a bad or over-long one.
  /** Every agent's, team's and the shop's card (`report.view`); `team`: only that team's. */
  kpiScorecards: (query: QueryOf<'scorecards'>) =>
    request<ResponseBody<'scorecards'>>('GET', `${V1}/kpi/scorecards`, { query }),
  /** The caller's own card; `card` null when they served nobody in the range. */
  myScorecard: (query: QueryOf<'my_scorecard'>) =>
    request<ResponseBody<'my_scorecard'>>('GET', `${V1}/kpi/me`, { query }),
  /** `YYYY-MM` (default this month); `report.view`. */
  kpiRankings: (month: string) =>
    request<ResponseBody<'rankings'>>('GET', `${V1}/kpi/rankings`, { query: { month } satisfies QueryOf<'rankings'> }),
  kpiRules: () => request<ResponseBody<'kpi_rules'>>('GET', `${V1}/kpi/rules`),
  /** `settings.manage`. Throws `invalid_kpi_rules` (400). */
  putKpiRules: (rules: KpiRules) =>
    request<ResponseBody<'put_kpi_rules'>>('PUT', `${V1}/kpi/rules`, { body: rules satisfies RequestBody<'put_kpi_rules'> }),
  /** Recomputes the range's daily rollups from the event log (`settings.manage`). */
  rebuildKpi: (from: string, to: string) =>
    request<ResponseBody<'rebuild'>>('POST', `${V1}/kpi/rebuild`, { body: { from, to } satisfies RequestBody<'rebuild'> }),
  /** Catches the rollups up with the event log now (`report.view`; the jobs do every half
   *  minute): the days recomputed and the `as_of` the reports now read. */
  refreshKpi: () => request<ResponseBody<'refresh'>>('POST', `${V1}/kpi/refresh`),

  // DATA-1 … DATA-3: the data cockpit and its anomaly alerts (`report.view`; the rules'
  // changes `settings.manage`). `/cockpit/ws` sends the same `Cockpit` live: COCKPIT_SOCKET_PATH.
  /** The tiles, the top tags and the open alerts now. */
  cockpit: () => request<Cockpit>('GET', `${V1}/cockpit`),
  /** The conversations behind a tile or given a tag on the shop's `day` (default today), at
   *  most 100. Throws `invalid_query`, `invalid_range` (400). */
  async cockpitDrill(target: { metric: CockpitMetric } | { tag: string }, day?: string) {
    const res = await request<ResponseBody<'drill'>>('GET', `${V1}/cockpit/drill`, {
      query: { ...target, day } satisfies QueryOf<'drill'>,
    })
    return listOf(res, 'conversations')
  },
  /** Hour × weekday over the last `weeks` (1–12); `team`/`entry` `-` for none. Throws
   *  `invalid_range` (400). */
  cockpitHeatmap: (query: QueryOf<'heatmap'>) =>
    request<ResponseBody<'heatmap'>>('GET', `${V1}/cockpit/heatmap`, { query }),
  /** DATA-4: the after-contact funnel over the shop's days `from`–`to`. Throws `invalid_range`
   *  (400). */
  cockpitFunnel: (from: string, to: string) =>
    request<ResponseBody<'funnel'>>('GET', `${V1}/cockpit/funnel`, { query: { from, to } satisfies QueryOf<'funnel'> }),
  /** The buyers to follow up: served on the shop's `day` (default yesterday) with a product or
   *  an order and no order within 24 hours, at most 200, newest first. Throws `invalid_range`. */
  async cockpitDropped(day?: string) {
    const res = await request<ResponseBody<'dropped'>>('GET', `${V1}/cockpit/funnel/dropped`, {
      query: { day } satisfies QueryOf<'dropped'>,
    })
    return listOf(res, 'conversations')
  },
  /** Newest first: the open ones, or (`open` false) the last 200 of all. A bare array. */
  async alerts(open: boolean) {
    const res = await request<Alert[]>('GET', `${V1}/alerts`, { query: { open } satisfies QueryOf<'list_alerts'> })
    return Array.isArray(res) ? res : []
  },
  /** A second acknowledgement keeps the first. Throws `alert_not_found` (404). */
  acknowledgeAlert: (id: Uuid) => request<Alert>('POST', `${V1}/alerts/${id}/acknowledge`),
  /** Looks for anomalies now (the jobs do every two minutes): how many new alerts were kept. */
  scanAlerts: () => request<ResponseBody<'scan'>>('POST', `${V1}/alerts/scan`),
  alertRules: () => request<ResponseBody<'alert_rules'>>('GET', `${V1}/alerts/rules`),
  /** `settings.manage`. Throws `invalid_alert_rules` (400). */
  putAlertRules: (rules: AlertRules) =>
    request<ResponseBody<'put_alert_rules'>>('PUT', `${V1}/alerts/rules`, { body: rules satisfies RequestBody<'put_alert_rules'> }),

  // DATA-2, DATA-6: the service-health reports (`report.view`). `period` is `YYYY-MM-DD` for a
  // daily one, `YYYY-MM` for a monthly one; another throws `invalid_range` (400).
  /** The shop's kept reports of a kind, newest first. A bare array. */
  async healthReports(kind: ReportKind) {
    const res = await request<ResponseBody<'health_reports'>>('GET', `${V1}/reports`, {
      query: { kind } satisfies QueryOf<'health_reports'>,
    })
    return Array.isArray(res) ? res : []
  },
  /** Throws `report_not_found` (404). */
  healthReport: (kind: ReportKind, period: string) =>
    request<ResponseBody<'health_report'>>('GET', `${V1}/reports/${kind}/${encodeURIComponent(period)}`),
  /** Makes the report now (the jobs do each morning), keeps it and announces it; a period still
   *  running reads as far as it has come. */
  makeHealthReport: (kind: ReportKind, period: string) =>
    request<ResponseBody<'make_health_report'>>('POST', `${V1}/reports/${kind}/${encodeURIComponent(period)}`),

  // ESC-3: work orders. Reading needs `conversation.read`; opening and working on one's own
  // (or nobody's) `work_order.handle`; someone else's, bulk changes, the export and the
  // settings `work_order.manage`. A change names the `version` read: `work_order_changed`
  // (409) when someone changed it since; `work_order_transition` (409) for a move its status
  // does not allow; `invalid_work_order` (400); `work_order_not_found` (404).
  workOrders: (query: WorkOrderListQuery) =>
    request<ResponseBody<'work_orders'>>('GET', `${V1}/work-orders?${workOrderQuery(query)}`),
  workOrder: (id: Uuid) => request<ResponseBody<'work_order'>>('GET', `${V1}/work-orders/${id}`),
  openWorkOrder: (body: RequestBody<'open_work_order'>) =>
    request<ResponseBody<'open_work_order'>>('POST', `${V1}/work-orders`, { body }),
  moveWorkOrder: (id: Uuid, body: RequestBody<'move_work_order'>) =>
    request<ResponseBody<'move_work_order'>>('POST', `${V1}/work-orders/${id}/moves`, { body }),
  assignWorkOrder: (id: Uuid, body: RequestBody<'assign_work_order'>) =>
    request<ResponseBody<'assign_work_order'>>('PUT', `${V1}/work-orders/${id}/owner`, { body }),
  editWorkOrder: (id: Uuid, body: RequestBody<'edit_work_order'>) =>
    request<ResponseBody<'edit_work_order'>>('PUT', `${V1}/work-orders/${id}`, { body }),
  /** A note: internal, or `to_buyer` (needs `conversation.reply`; sent as your message). */
  noteWorkOrder: (id: Uuid, body: RequestBody<'note_work_order'>) =>
    request<ResponseBody<'note_work_order'>>('POST', `${V1}/work-orders/${id}/notes`, { body }),
  bulkWorkOrders: (body: RequestBody<'bulk_work_orders'>) =>
    request<ResponseBody<'bulk_work_orders'>>('POST', `${V1}/work-orders/bulk`, { body }),
  workOrderViews: () => request<ResponseBody<'work_order_views'>>('GET', `${V1}/work-orders/views`),
  saveWorkOrderView: (body: RequestBody<'save_work_order_view'>) =>
    request<ResponseBody<'save_work_order_view'>>('POST', `${V1}/work-orders/views`, { body }),
  deleteWorkOrderView: (id: Uuid) => request<void>('DELETE', `${V1}/work-orders/views/${id}`),
  workOrderSettings: () => request<ResponseBody<'work_order_settings'>>('GET', `${V1}/work-orders/settings`),
  /** Throws `invalid_work_order_settings` (400). */
  putWorkOrderSettings: (body: RequestBody<'put_work_order_settings'>) =>
    request<ResponseBody<'put_work_order_settings'>>('PUT', `${V1}/work-orders/settings`, { body }),

  // ESC-1: escalations. Reading and raising need `escalation.raise` (every role); taking one up
  // and handling it its level's permission (one `escalation.raise`, two `escalation.handle`,
  // three `escalation.crisis`: `may_handle` says); the rules' changes `escalation.handle`. A
  // change names the `version` read: `escalation_changed` (409) when someone took it up or
  // handled it since; `invalid_escalation` (400); `escalation_not_found` (404).
  /** Newest raised first: by default the active ones (open and taken), at most `limit` (50). */
  async escalations(query: EscalationQuery = {}) {
    const res = await request<ResponseBody<'escalations'>>('GET', `${V1}/escalations`, { query: query satisfies QueryOf<'escalations'> })
    return listOf(res, 'escalations')
  },
  /** Opens the matter's escalation or raises it to `level` (never down). Throws
   *  `conversation_not_found`, `work_order_not_found` (404). */
  escalate: (input: RequestBody<'escalate'>) => request<ResponseBody<'escalate'>>('POST', `${V1}/escalations`, { body: input }),
  /** Takes it up at its level: its clock stops. */
  takeEscalation: (id: Uuid, version: number) =>
    request<ResponseBody<'take_escalation'>>('POST', `${V1}/escalations/${id}/take`, { body: { version } satisfies RequestBody<'take_escalation'> }),
  /** Marks it handled with what was done (1–500 characters): it leaves the cockpit. */
  handleEscalation: (id: Uuid, version: number, outcome: string) =>
    request<ResponseBody<'handle_escalation'>>('POST', `${V1}/escalations/${id}/handle`, {
      body: { version, outcome } satisfies RequestBody<'handle_escalation'>,
    }),
  escalationRules: () => request<ResponseBody<'escalation_rules'>>('GET', `${V1}/escalations/rules`),
  /** `escalation.handle`. Throws `invalid_escalation_rules` (400). */
  saveEscalationRules: (rules: EscalationRules) =>
    request<ResponseBody<'put_escalation_rules'>>('PUT', `${V1}/escalations/rules`, { body: rules satisfies RequestBody<'put_escalation_rules'> }),

  // ESC-2: playbooks (处置方案). Those who read conversations read them; `escalation.handle`
  // saves them whole (`invalid_playbooks`, 400; runs already started keep their steps). On a
  // conversation (`conversation.read`): those that apply, and the runs started on it; starting one
  // and ticking its steps off need `conversation.reply`. A tick names the run's `version` read:
  // `playbook_run_exists` (409) when it changed since; `invalid_playbook_step` (400);
  // `playbook_not_found`, `conversation_not_found` (404).
  playbooks: () => request<ResponseBody<'playbooks'>>('GET', `${V1}/playbooks`),
  savePlaybooks: (p: Playbooks) =>
    request<ResponseBody<'put_playbooks'>>('PUT', `${V1}/playbooks`, { body: p satisfies RequestBody<'put_playbooks'> }),
  /** The enabled playbooks that apply (those matching more first) and the runs, newest first. */
  conversationPlaybooks: (id: Uuid) => request<ResponseBody<'conversation_playbooks'>>('GET', `${V1}/conversations/${id}/playbooks`),
  /** Starts the playbook on the conversation; one already running there is answered as it is. */
  startPlaybook: (id: Uuid, key: string) =>
    request<ResponseBody<'start_playbook'>>('POST', `${V1}/conversations/${id}/playbooks`, { body: { key } satisfies RequestBody<'start_playbook'> }),
  /** Ticks step `index` off (`done`) or back on. */
  tickPlaybookStep: (runId: Uuid, index: number, version: number, done: boolean) =>
    request<ResponseBody<'tick_playbook_step'>>('PUT', `${V1}/playbook-runs/${runId}/steps/${index}`, {
      body: { version, done } satisfies RequestBody<'tick_playbook_step'>,
    }),
  // ACC-1, ESC-1: arbitration by the platform (平台仲裁). Reading needs `conversation.read`: the
  // platform's desk reads its cases, a shop its own (another's is `arbitration_not_found`, 404).
  // The desk asks for evidence and rules (`arbitration.rule`); the shop sends evidence and carries
  // the ruling out (`escalation.handle`). A change names the `version` read: `arbitration_closed`
  // (409) when the case changed since, or is ruled or closed (or, to comply, not ruled);
  // `invalid_arbitration` (400: a text blank or over 1,000 characters, a refund or compensation
  // without a positive amount).
  /** The caller's side's cases, newest first (`active`: not closed), and a shop's rate over 30
   *  days; `enabled` false on a deployment without a platform desk. */
  arbitrations: (status: ArbitrationFilter = 'active') =>
    request<ResponseBody<'arbitrations'>>('GET', `${V1}/arbitrations`, { query: { status } satisfies QueryOf<'arbitrations'> }),
  /** The case with the shop's conversation, the order it names and its evidence's files. */
  arbitration: (id: Uuid) => request<ResponseBody<'arbitration'>>('GET', `${V1}/arbitrations/${id}`),
  /** The desk asks the buyer or the shop for evidence, due in 24 hours. */
  askArbitrationEvidence: (id: Uuid, version: number, party: ArbitrationParty, text: string) =>
    request<ResponseBody<'ask_arbitration_evidence'>>('POST', `${V1}/arbitrations/${id}/evidence-requests`, {
      body: { version, party, text } satisfies RequestBody<'ask_arbitration_evidence'>,
    }),
  /** The shop's evidence, before the ruling, with one of its uploads if wanted. */
  addArbitrationEvidence: (id: Uuid, version: number, text: string, attachmentId?: Uuid | null) =>
    request<ResponseBody<'add_arbitration_evidence'>>('POST', `${V1}/arbitrations/${id}/evidence`, {
      body: { version, text, ...(attachmentId ? { attachment_id: attachmentId } : {}) } satisfies RequestBody<'add_arbitration_evidence'>,
    }),
  /** A refund or compensation (a positive `amount_fen`) for the shop to carry out within 48
   *  hours, or `no_action`, which closes the case. */
  ruleArbitration: (id: Uuid, input: ArbitrationRulingInput) =>
    request<ResponseBody<'rule_arbitration'>>('POST', `${V1}/arbitrations/${id}/ruling`, {
      body: input satisfies RequestBody<'rule_arbitration'>,
    }),
  /** The shop carried the ruling out: the case closes. */
  complyArbitration: (id: Uuid, version: number, note: string) =>
    request<ResponseBody<'comply_arbitration'>>('POST', `${V1}/arbitrations/${id}/comply`, {
      body: { version, note } satisfies RequestBody<'comply_arbitration'>,
    }),

  // SELF-3: appeals to the platform (申诉). Reading needs `conversation.read`: the platform's desk
  // reads its queue (oldest queued first), a shop the appeals it filed (newest first). The desk
  // takes up and decides (`arbitration.rule`); a shop files and reopens (`escalation.handle`).
  // A change names the `version` read and answers with the one appeal changed: `appeal_closed`
  // (409) when it was taken, decided or reopened already, or changed since; `invalid_appeal`
  // (400: a kind the filer may not file, a text blank or over 2,000 characters, over 9 files);
  // `attachment_not_found` (not the caller's upload).
  appeals: (status: AppealFilter = 'active') =>
    request<ResponseBody<'appeals'>>('GET', `${V1}/appeals`, { query: { status } satisfies QueryOf<'appeals'> }),
  /** A shop files an appeal with the platform's desk, due in 15 minutes; also
   *  `arbitration_unavailable` (no platform desk). */
  fileAppeal: (input: FileAppealInput) =>
    request<ResponseBody<'file_appeal'>>('POST', `${V1}/appeals`, { body: input satisfies RequestBody<'file_appeal'> }),
  /** The desk takes a pending appeal up: its clock stops. */
  takeAppeal: (id: Uuid, version: number) =>
    request<ResponseBody<'take_appeal'>>('POST', `${V1}/appeals/${id}/take`, { body: { version } satisfies RequestBody<'take_appeal'> }),
  /** The desk decides, with the reason the filer reads. */
  decideAppeal: (id: Uuid, input: DecideAppealInput) =>
    request<ResponseBody<'decide_appeal'>>('POST', `${V1}/appeals/${id}/decision`, { body: input satisfies RequestBody<'decide_appeal'> }),
  /** The shop reopens its decided appeal, once, with new facts and files. */
  reopenAppeal: (id: Uuid, input: ReopenAppealInput) =>
    request<ResponseBody<'reopen_appeal'>>('POST', `${V1}/appeals/${id}/reopen`, { body: input satisfies RequestBody<'reopen_appeal'> }),
  /** Issue #20: whether a transcript file (its text) is exactly as kefu sealed it. Throws
   *  `invalid_transcript` (400: not UTF-8), `body_too_large` (413). */
  verifyTranscript: (html: string) =>
    request<ResponseBody<'verify_transcript'>>('POST', `${V1}/transcripts/verify`, {
      text: { body: html, type: 'text/html; charset=utf-8' },
    }),

  // Where notifications go besides kefu: webhooks and phones (`settings.manage`).
  // The settings are hand-typed (apiTypes.ts NotifyEvent: the document misnames the events).
  notifySettings: () => request<NotifySettings>('GET', `${V1}/notify/settings`),
  /** Throws `invalid_notify_settings` (400). */
  saveNotifySettings: (settings: NotifySettings) => request<NotifySettings>('PUT', `${V1}/notify/settings`, { body: settings }),
  /** Queues a `test` event for the webhooks that take it (202): how many were queued. */
  testNotify: () => request<Queued>('POST', `${V1}/notify/test`),
  /** The delivery log, newest first (30 days, at most 200; phones masked). */
  async notifyDeliveries() {
    const res = await request<ResponseBody<'notify_deliveries'>>('GET', `${V1}/notify/deliveries`)
    return listOf(res, 'deliveries')
  },

  // DATA-5: question mining. The topics (`report.view`) are of the last `weeks` (1–26, else
  // `invalid_query`) and of one `product` (a code; '' for conversations about no product;
  // null: all); a topic unknown is `topic_not_found` (404).
  questionTopics: (weeks: number, product: string | null) =>
    request<ResponseBody<'question_topics'>>('GET', `${V1}/questions/topics?${topicsQuery(weeks, product)}`),
  /** The topic with its examples (newest first), the products it was asked about, its problems. */
  questionTopic: (id: Uuid, weeks: number, product: string | null) =>
    request<ResponseBody<'question_topic'>>('GET', `${V1}/questions/topics/${id}?${topicsQuery(weeks, product)}`),
  /** Mines the current week now, and any week due (the jobs do hourly): the weeks mined and
   *  how many topics this week has. */
  mineQuestions: () => request<ResponseBody<'mine_questions'>>('POST', `${V1}/questions/mine`),
  /** Puts the topic in the robot's review queue (`kb.manage`); the reviewer writes the answer. */
  proposeTopic: (id: Uuid) => request<ResponseBody<'propose_topic'>>('POST', `${V1}/questions/topics/${id}/robot`),
  /** Sends the topic to a product's owner, who is told. Throws `invalid_problem` (400: the note
   *  too long, the owner not the shop's), `product_not_found` (404). */
  reportTopicProblem: (id: Uuid, body: NewProblem) =>
    request<ResponseBody<'report_topic_problem'>>('POST', `${V1}/questions/topics/${id}/problems`, {
      body: body satisfies RequestBody<'report_topic_problem'>,
    }),
  /** Newest first: every problem for those who read reports, one's own for everyone else; no
   *  `status`: both. A bare array. */
  async topicProblems(status?: ProblemStatus) {
    const res = await request<ResponseBody<'topic_problems'>>('GET', `${V1}/questions/problems`, {
      query: { status } satisfies QueryOf<'topic_problems'>,
    })
    return Array.isArray(res) ? res : []
  },
  /** Fixed on the shop's day `fixedOn` (not after today, else `invalid_problem`), or open again
   *  (null); by the owner or whoever reads reports. Throws `problem_not_found` (404). */
  fixTopicProblem: (id: Uuid, fixedOn: string | null) =>
    request<ResponseBody<'fix_topic_problem'>>('PUT', `${V1}/questions/problems/${id}/fix`, {
      body: { fixed_on: fixedOn } satisfies RequestBody<'fix_topic_problem'>,
    }),

  // KPI-3: quality inspection. Throws `qa_review_not_found` (404), `qa_review_closed` (409:
  // not in a state for this), `invalid_qa_review` (400).
  qaRubric: () => request<ResponseBody<'rubric'>>('GET', `${V1}/qa/rubric`),
  /** `team.manage`. Throws `invalid_qa_rubric` (400). */
  putQaRubric: (rubric: RequestBody<'put_rubric'>) =>
    request<ResponseBody<'put_rubric'>>('PUT', `${V1}/qa/rubric`, { body: rubric }),
  /** The inspectors' queue and the supervisors' appeals (`qa.score` or `team.manage`). */
  async qaReviews(query: ReviewQuery) {
    const res = await request<ResponseBody<'reviews'>>('GET', `${V1}/qa/reviews`, { query: query satisfies QueryOf<'reviews'> })
    return listOf(res, 'reviews')
  },
  /** Samples a day (default yesterday); sampling again adds only what is new (`qa.score`). */
  sampleQa: (day?: string) =>
    request<ResponseBody<'sample'>>('POST', `${V1}/qa/sample`, { body: (day ? { day } : {}) satisfies RequestBody<'sample'> }),
  /** The review and the rubric it is scored against. */
  qaReview: (id: Uuid) => request<ResponseBody<'review'>>('GET', `${V1}/qa/reviews/${id}`),
  /** Every rubric item once within its points; allowed again until the agent appeals. */
  scoreQaReview: (id: Uuid, body: ScoreInput) =>
    request<ResponseBody<'score'>>('POST', `${V1}/qa/reviews/${id}/score`, { body: body satisfies RequestBody<'score'> }),
  /** The reviewed agent, once, while it is `scored`. */
  appealQaReview: (id: Uuid, text: string) =>
    request<ResponseBody<'appeal'>>('POST', `${V1}/qa/reviews/${id}/appeal`, { body: { text } satisfies RequestBody<'appeal'> }),
  /** `team.manage`, appealed ones only; `score` (0–100) replaces the inspector's, null keeps it. */
  decideQaReview: (id: Uuid, decision: string, score: number | null) =>
    request<ResponseBody<'decide'>>('POST', `${V1}/qa/reviews/${id}/decide`, {
      body: { decision, ...(score != null ? { score } : {}) } satisfies RequestBody<'decide'>,
    }),
  /** The caller's own scored reviews. */
  async myQaReviews() {
    const res = await request<ResponseBody<'mine'>>('GET', `${V1}/qa/mine`)
    return listOf(res, 'reviews')
  },

  // BOT-1 … BOT-7: the robot's knowledge base, settings, test console, suggestions, figures.
  /** `q`: words in the question, similar questions or answer. */
  robotEntries: (q = '', tier: KbTier | '' = '') =>
    request<KbList>('GET', `${V1}/robot/entries`, { query: { q, tier } satisfies QueryOf<'entries'> }),
  /** Creates or replaces the entry; the path's id wins. Throws `invalid_kb_entry`,
   *  `invalid_kb_id`, `invalid_question`, `invalid_answer`, `product_entry_unbound`,
   *  `invalid_validity` (400), `forbidden` (403). */
  putRobotEntry: (id: string, entry: KbEntry) =>
    request<KbEntryView>('PUT', `${V1}/robot/entries/${encodeURIComponent(id)}`, { body: entry }),
  deleteRobotEntry: (id: string) => request<void>('DELETE', `${V1}/robot/entries/${encodeURIComponent(id)}`),
  robotSettings: () => request<RobotSettings>('GET', `${V1}/robot/settings`),
  /** `lexicon` absent keeps the shop's. Throws `invalid_lexicon`, `lexicon_too_large` (400). */
  putRobotSettings: (body: RobotSettingsUpdate) => request<RobotSettings>('PUT', `${V1}/robot/settings`, { body }),
  /** The test console. Throws `invalid_question` (1–500 characters). */
  askRobot: (text: string, product?: string) =>
    request<RobotDecision>('POST', `${V1}/robot/ask`, {
      body: { text, ...(product ? { product } : {}) } satisfies RequestBody<'ask'>,
    }),
  /** Up to three replies for the buyer's latest text message, best first. */
  suggestions: (conversationId: Uuid) =>
    request<RobotSuggestions>('GET', `${V1}/conversations/${conversationId}/suggestions`),
  /** `report.view`; `days` 1–90. */
  /** BOT-6: measured on first asking after the knowledge base changed (seconds), then kept. */
  robotCalibration: () => request<RobotCalibration>('GET', `${V1}/robot/calibration`),
  robotMetrics: (days: number) =>
    request<ResponseBody<'robot_metrics'>>('GET', `${V1}/robot/metrics`, { query: { days } satisfies QueryOf<'robot_metrics'> }),

  // BOT-4: multi-turn flows; BOT-5: the training loop's review queue.
  async robotFlows() {
    const res = await request<FlowList>('GET', `${V1}/robot/flows`)
    return listOf(res, 'flows')
  },
  /** Creates or replaces the flow. Throws `bad_flow` (400) with a message naming the problem. */
  putRobotFlow: (id: string, flow: Flow) => request<Flow>('PUT', `${V1}/robot/flows/${encodeURIComponent(id)}`, { body: flow }),
  deleteRobotFlow: (id: string) => request<void>('DELETE', `${V1}/robot/flows/${encodeURIComponent(id)}`),
  /** Builds proposals now from the robot's misses (the server also does weekly). */
  runProposals: () => request<ResponseBody<'run'>>('POST', `${V1}/robot/proposals/run`),
  /** The review queue: a bare array. */
  async proposals(status: ProposalStatus) {
    const res = await request<ResponseBody<'proposals'>>('GET', `${V1}/robot/proposals`, {
      query: { status } satisfies QueryOf<'proposals'>,
    })
    return Array.isArray(res) ? res : []
  },
  /** Throws `proposal_decided` (409) when someone decided it first. */
  approveProposal: (id: Uuid, edit: ProposalEdit) =>
    request<ApprovedProposal>('POST', `${V1}/robot/proposals/${id}/approve`, { body: edit }),
  rejectProposal: (id: Uuid) => request<void>('POST', `${V1}/robot/proposals/${id}/reject`),
}

/** Sends a products, orders or knowledge base file as the request body (`catalog.manage`,
 *  `kb.manage`). An XHR rather than fetch, for upload progress: `onProgress(fraction)` runs as
 *  bytes leave, and the server parses and stores the file after the last one. Rejects with ApiError
 *  (`not_utf8`, `bad_workbook`, `body_too_large`, `forbidden`; `aborted` when `signal` aborts). */
export function importFile(
  kind: ImportKind,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ResponseBody<'import'>> {
  const format = importFormat(file.name) satisfies QueryOf<'import'>['format']
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${V1}/imports/${kind}?format=${format}`)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', IMPORT_CONTENT_TYPES[format])
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as ResponseBody<'import'>)
        } catch {
          reject(new ApiError(xhr.status, 'internal', 'not JSON'))
        }
      } else {
        reject(apiError(xhr.status, xhr.statusText, xhr.responseText))
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'))
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'))
    signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(file)
  })
}

// ---- buyers (bearer buyer token) ----

export const buyerApi = {
  shop: (slug: string) => request<ResponseBody<'shop'>>('GET', `${V1}/shops/${encodeURIComponent(slug)}`),
  /** `identity`: a shop member's signed JWT; `entry`: a signed entry token naming what the
   *  buyer came about (CH-2). */
  session: (shop: string, from: { buyerToken?: string | null; identity?: string | null; entry?: string | null }) =>
    request<ResponseBody<'start_session'>>('POST', `${V1}/buyer/session`, {
      body: {
        shop,
        ...(from.buyerToken ? { buyer_token: from.buyerToken } : {}),
        ...(from.identity ? { identity: from.identity } : {}),
        ...(from.entry ? { entry: from.entry } : {}),
      } satisfies RequestBody<'start_session'>,
    }),
  /** The buyer's own recent orders in this shop; empty for anonymous buyers. */
  async orders(token: string) {
    const res = await request<ResponseBody<'buyer_orders'>>('GET', `${V1}/buyer/orders`, { token })
    return listOf(res, 'orders')
  },
  async messages(token: string, afterSeq?: number) {
    const res = await request<ResponseBody<'buyer_messages'>>('GET', `${V1}/buyer/messages`, {
      token,
      query: { after_seq: afterSeq } satisfies QueryOf<'buyer_messages'>,
    })
    return listOf(res, 'messages')
  },
  send: (token: string, body: SendBody) =>
    request<ResponseBody<'buyer_send'>>('POST', `${V1}/buyer/messages`, { token, body: body satisfies RequestBody<'buyer_send'> }),
  /** KPI-3: an invitation of the buyer's, with the labels and reasons to choose from. */
  rating: (token: string, id: Uuid) => request<ResponseBody<'buyer_rating'>>('GET', `${V1}/buyer/ratings/${id}`, { token }),
  /** The buyer ends their conversation (结束咨询): closing message and rating follow. */
  endConversation: (token: string) => request<void>('POST', `${V1}/buyer/conversation/end`, { token }),
  /** Rates once. Throws `invalid_rating` (400), `rating_not_found` (404), `rating_closed`,
   *  `rating_expired` (409). */
  rate: (token: string, id: Uuid, body: RatingInput) =>
    request<ResponseBody<'rate'>>('POST', `${V1}/buyer/ratings/${id}`, { token, body: body satisfies RequestBody<'rate'> }),
  /** ESC-3: the buyer's work orders with this shop, newest first, with their progress line. */
  async workOrders(token: string) {
    const res = await request<ResponseBody<'buyer_work_orders'>>('GET', `${V1}/buyer/work-orders`, { token })
    return listOf(res, 'orders')
  },
  upload(token: string, file: File) {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<ResponseBody<'upload_for_buyer'>>('POST', `${V1}/buyer/attachments`, { token, form })
  },
  /** ACC-1, ESC-1: whether the buyer may ask the platform to step in now, and their
   *  conversation's latest case. */
  arbitration: (token: string) => request<ResponseBody<'buyer_arbitration'>>('GET', `${V1}/buyer/arbitration`, { token }),
  /** Asks the platform to step in. Throws `arbitration_unavailable`, `arbitration_exists` (409),
   *  `invalid_arbitration` (400: the reason blank or over 1,000 characters). */
  fileArbitration: (token: string, reason: string) =>
    request<ResponseBody<'file_arbitration'>>('POST', `${V1}/buyer/arbitration`, {
      token,
      body: { reason } satisfies RequestBody<'file_arbitration'>,
    }),
  /** The buyer's evidence, before the ruling, with one of their uploads if wanted. Throws
   *  `arbitration_closed` (409), `invalid_arbitration` (400). */
  arbitrationEvidence: (token: string, text: string, attachmentId?: Uuid | null) =>
    request<ResponseBody<'buyer_arbitration_evidence'>>('POST', `${V1}/buyer/arbitration/evidence`, {
      token,
      body: { text, ...(attachmentId ? { attachment_id: attachmentId } : {}) } satisfies RequestBody<'buyer_arbitration_evidence'>,
    }),
  /** SELF-3: the buyer's appeals (newest first) and the templates they may file from. */
  appeals: (token: string) => request<ResponseBody<'buyer_appeals'>>('GET', `${V1}/buyer/appeals`, { token }),
  /** Files an appeal with the official desk (on a shop's chat page: `invalid_appeal`); answers
   *  with the one appeal filed. Throws `invalid_appeal`, `attachment_not_found` (400, 404). */
  fileAppeal: (token: string, input: FileAppealInput) =>
    request<ResponseBody<'buyer_file_appeal'>>('POST', `${V1}/buyer/appeals`, { token, body: input satisfies RequestBody<'buyer_file_appeal'> }),
  /** Reopens a decided appeal once with new facts and files. Throws `appeal_closed` (409). */
  reopenAppeal: (token: string, id: Uuid, input: ReopenAppealInput) =>
    request<ResponseBody<'buyer_reopen_appeal'>>('POST', `${V1}/buyer/appeals/${id}/reopen`, { token, body: input satisfies RequestBody<'buyer_reopen_appeal'> }),
  /** Issue #20: the buyer's current conversation as a sealed HTML file, and its
   *  Content-Disposition (which names it). Throws `conversation_not_found` (404). */
  async transcript(token: string): Promise<{ blob: Blob; disposition: string | null }> {
    let response: Response
    try {
      response = await fetch(`${V1}/buyer/transcript`, { headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin' })
    } catch {
      throw new ApiError(0, 'network', 'network error')
    }
    if (!response.ok) throw apiError(response.status, response.statusText, await response.text().catch(() => ''))
    return { blob: await response.blob(), disposition: response.headers.get('Content-Disposition') }
  },
}

/** The stable error code of anything thrown by the API layer. */
export function errorCode(err: unknown): string {
  if (err instanceof ApiError) return err.code
  return 'internal'
}

/** WB-3: the shop's and teams' phrases as a CSV file (`team.manage`), what the phrases import
 *  reads back; a plain link downloads it with the session cookie. */
export const PHRASES_EXPORT_URL = `${V1}/phrases/export`

/** KPI: the scorecards of a range as a CSV or Excel file (`report.view`), one row per agent,
 *  then each team and the shop; a plain link downloads it with the session cookie. */
export function kpiExportUrl(range: { from: string; to: string; team?: string | null }, format: 'csv' | 'xlsx'): string {
  const params = new URLSearchParams({ from: range.from, to: range.to })
  if (range.team) params.set('team', range.team)
  params.set('format', format)
  return `${V1}/kpi/scorecards/export?${params.toString()}`
}

/** The signed-in agent's own card as a file (`GET /kpi/me/export`). */
export function myKpiExportUrl(range: { from: string; to: string }, format: 'csv' | 'xlsx'): string {
  const params = new URLSearchParams({ from: range.from, to: range.to, format })
  return `${V1}/kpi/me/export?${params.toString()}`
}

/** DATA-2, DATA-6: a kept health report as an .xlsx workbook, a sheet per part; a plain link
 *  downloads it with the session cookie. */
export function healthReportExportUrl(kind: ReportKind, period: string): string {
  return `${V1}/reports/${kind}/${encodeURIComponent(period)}/export`
}

/** DATA-1: the live cockpit's WebSocket (`report.view`; the session cookie authenticates): a
 *  `Cockpit` text message on connecting and within seconds of any activity, at least every 30 s. */
export const COCKPIT_SOCKET_PATH = `${V1}/cockpit/ws`

/** Upload limits the server enforces (docs/http-api.md "Files"); checked early for a kind error. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024
export const MAX_FILE_BYTES = 20 * 1024 * 1024
export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp'
export const FILE_ACCEPT =
  '.pdf,.zip,.mp4,.txt,.doc,.docx,.xls,.xlsx,.ppt,.pptx,application/pdf,application/zip,video/mp4,text/plain'

/** ESC-3: the work-order list's filters as query parameters (empty ones left out); the same
 *  string makes the CSV export's link. */
export function workOrderQuery(query: WorkOrderListQuery): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  return params.toString()
}

/** The orders the filters find as a CSV file (`work_order.manage`); a plain link downloads it. */
export function workOrderExportUrl(query: WorkOrderListQuery): string {
  const { page: _page, page_size: _size, ...filters } = query
  return `${V1}/work-orders/export?${workOrderQuery(filters)}`
}
