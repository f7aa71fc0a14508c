// The kefu API as the UI speaks it: its types (apiTypes.ts, aliases of the ones generated from
// the server's OpenAPI document), the limits and lists the forms need, and one typed function
// per HTTP endpoint (docs/http-api.md).

import type {
  AccountList,
  AccountUpdate,
  AccountView,
  AfterSaleKind,
  AgentStatus,
  ApprovalKind,
  ApprovalRequest,
  ApprovalView,
  Attachment,
  AuditEntry,
  AuditQuery,
  AuditVerdict,
  AuthSession,
  BreakRequest,
  Buyer,
  BuyerNote,
  BuyerSession,
  Channel,
  ConditionKind,
  ConversationContext,
  ConversationEvent,
  ConversationFacts,
  ConversationStatus,
  ConversationSummary,
  Entry,
  EpochMs,
  Flow,
  FlowAction,
  FlowStepKind,
  GroupList,
  HandoffCase,
  HandoffStatus,
  ImportFormat,
  ImportKind,
  ImportReport,
  InternalNote,
  KbEntry,
  KbEntryView,
  KbList,
  KbTier,
  Lexicon,
  Message,
  NewAccount,
  Order,
  Permission,
  PermissionGroup,
  ProbationChange,
  Product,
  Proposal,
  ProposalEdit,
  ProposalStatus,
  RobotDecision,
  RobotMetrics,
  RobotMode,
  RobotSettings,
  RobotSuggestions,
  Role,
  RouteDecision,
  RoutingStrategy,
  RuleInput,
  RuleList,
  SendBody,
  Shop,
  ShopSettings,
  Tag,
  TagGroup,
  Team,
  TeamList,
  TeamLive,
  TeamMember,
  TeamUpdate,
  TransferRequest,
  User,
  Uuid,
} from './apiTypes'

export type * from './apiTypes'

export const CHANNELS: Channel[] = ['web', 'wechat_mp', 'wecom', 'douyin', 'email', 'phone']
export const ENTRIES: Entry[] = ['shop_home', 'order_card', 'product_page', 'live_room', 'creator', 'official_desk']
export const ROLES: Role[] = ['super_admin', 'supervisor', 'agent', 'qa']
export const AGENT_STATUSES: AgentStatus[] = ['online', 'busy', 'away', 'offline']

/** `value` when it is one of `values`, else null: reads the enums the document has as plain
 *  strings (a presence frame's `status`, a team's `strategy`, a tag's `group` …). */
export function oneOf<T extends string>(values: readonly T[], value: string | null | undefined): T | null {
  return value != null && (values as readonly string[]).includes(value) ? (value as T) : null
}

/** Everything an endpoint may ask for; a role is a bundle of these, and so is a group. */
export const PERMISSIONS: Permission[] = [
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
]

export const MAX_BREAK_REASON_CHARS = 40
export const MAX_BREAK_MINUTES = 120

/** The longest buyer note the server takes, in characters. */
export const MAX_NOTE_CHARS = 1000
/** The longest resolution of a handoff case, in characters. */
export const MAX_RESOLUTION_CHARS = 500

/** The largest file `POST /imports/{kind}` takes. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024
export const IMPORT_ACCEPT = '.csv,.jsonl,.ndjson,text/csv,application/x-ndjson'

/** From the file name; anything that is not JSON Lines is sent as CSV. */
export function importFormat(fileName: string): ImportFormat {
  return /\.(jsonl|ndjson)$/i.test(fileName) ? 'jsonl' : 'csv'
}

/** WB-4: the per-agent concurrency cap's bounds. */
export const MAX_CONCURRENT_CAP = 50

export const ROUTING_STRATEGIES: RoutingStrategy[] = ['least_loaded', 'round_robin', 'sticky']
export const APPROVAL_KINDS: ApprovalKind[] = ['refund', 'compensation', 'logistics_change']

/** The longest reason for a request or a decision, in characters. */
export const MAX_REASON_CHARS = 500
/** The most a compensation may be (the server's rule): 10,000 yuan. */
export const MAX_COMPENSATION_FEN = 1_000_000

export const TAG_GROUPS: TagGroup[] = ['after_sales', 'pre_sales', 'service', 'custom']
/** The most tags one conversation carries. */
export const MAX_TAGS = 10

export const CONDITION_KINDS: ConditionKind[] = ['entry', 'channel', 'category', 'sku', 'issue_type', 'language', 'vip_at_least']
export const MAX_RULES = 100
export const MAX_CONDITIONS = 10
export const MAX_RULE_NAME_CHARS = 64

export const KB_TIERS: KbTier[] = ['general', 'product', 'scenario']
export const MAX_KB_ID_CHARS = 64
export const MAX_KB_QUESTION_CHARS = 200
export const MAX_KB_SIMILAR = 200
export const MAX_KB_ANSWER_CHARS = 2000

/** `off`: people only; `assist`: people, with the robot's suggested replies; `robot_first`:
 *  the robot takes each new conversation (with `night_only`, outside office hours only). */
export const ROBOT_MODES: RobotMode[] = ['off', 'assist', 'robot_first']
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
    const err = JSON.parse(body) as { code?: string; message?: string }
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
  /** Bearer token (buyer token); when set, no CSRF header is needed. */
  token?: string
  query?: Record<string, string | number | undefined | null>
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.form) {
    body = opts.form
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

/** Lists come as `{key: [...]}`; tolerate a bare array too. */
function listOf<T>(value: unknown, key: string): T[] {
  if (Array.isArray(value)) return value as T[]
  const inner = (value as Record<string, unknown> | undefined)?.[key]
  return Array.isArray(inner) ? (inner as T[]) : []
}

const V1 = '/api/v1'

// ---- agents (cookie session + CSRF) ----

export const agentApi = {
  login: (username: string, password: string) =>
    request<AuthSession>('POST', `${V1}/auth/login`, { body: { username, password } }),
  logout: () => request<void>('POST', `${V1}/auth/logout`),
  me: () => request<AuthSession>('GET', `${V1}/auth/me`),
  /** WB-9: `away` is a break and needs its reason and minutes, else 400 `invalid_break`. */
  setStatus: (status: AgentStatus, brk?: BreakRequest) =>
    request<User>('PUT', `${V1}/me/status`, { body: { status, ...(status === 'away' && brk ? brk : {}) } }),
  /** WB-9: every agent with their load and today's numbers (`report.view` or `team.manage`). */
  teamLive: () => request<TeamLive>('GET', `${V1}/team/live`),
  /** `tag`: only conversations carrying it (WB-5). */
  async conversations(status: ConversationStatus | 'all', limit = 200, tag?: string) {
    const res = await request<unknown>('GET', `${V1}/conversations`, { query: { status, limit, tag } })
    return listOf<ConversationSummary>(res, 'conversations')
  },
  conversation: (id: Uuid) => request<ConversationSummary>('GET', `${V1}/conversations/${id}`),
  async messages(id: Uuid, query: { after_seq?: number; before_seq?: number; limit?: number } = {}) {
    const res = await request<unknown>('GET', `${V1}/conversations/${id}/messages`, { query })
    return listOf<Message>(res, 'messages')
  },
  send: (id: Uuid, body: SendBody) =>
    request<Message>('POST', `${V1}/conversations/${id}/messages`, { body }),
  /** The docs say 204; the server answers 200 with the updated summary. */
  read: (id: Uuid, seq: number) =>
    request<ConversationSummary | undefined>('POST', `${V1}/conversations/${id}/read`, { body: { seq } }),
  /** Throws `tag_required` when the agent's team wants a tag first (WB-5). */
  resolve: (id: Uuid) => request<ConversationSummary>('POST', `${V1}/conversations/${id}/resolve`),
  /** Replaces the conversation's tags. Throws `unknown_tag`, `too_many_tags` (400). */
  setTags: (id: Uuid, tags: string[]) =>
    request<ConversationSummary>('PUT', `${V1}/conversations/${id}/tags`, { body: { tags } }),
  /** The built-in categories and the shop's own (WB-5). */
  async tags() {
    const res = await request<unknown>('GET', `${V1}/tags`)
    return listOf<Tag>(res, 'tags')
  },
  /** Throws `invalid_tag`, `invalid_name` (400), `tag_exists` (409). */
  createTag: (key: string, name: string) => request<Tag>('POST', `${V1}/tags`, { body: { key, name } }),
  /** WB-4: the shop's rules in the order they are tried. */
  routingRules: () => request<RuleList>('GET', `${V1}/routing/rules`),
  /** Replaces every rule; the list's order is the order tried. Throws `bad_rule_name`,
   *  `bad_rule_team`, `bad_rule_condition`, `too_many_rules`, `unknown_team` (400). */
  putRoutingRules: (rules: RuleInput[]) => request<RuleList>('PUT', `${V1}/routing/rules`, { body: { rules } }),
  /** Where a sample conversation would go: through `rules` (a draft) or the saved ones. */
  testRouting: (facts: ConversationFacts, rules?: RuleInput[]) =>
    request<RouteDecision>('POST', `${V1}/routing/test`, { body: { facts, ...(rules ? { rules } : {}) } }),
  /** ACC-2: a six-digit code to one's own phone. Throws `rate_limited` (429, one a minute),
   *  `no_phone`, `phone_already_verified` (400). */
  sendPhoneCode: () => request<void>('POST', `${V1}/me/phone/code`),
  /** Throws `wrong_code`, `code_expired`, `too_many_attempts` (400). */
  verifyPhone: (code: string) => request<AccountView>('POST', `${V1}/me/phone/verify`, { body: { code } }),
  reopen: (id: Uuid) => request<ConversationSummary>('POST', `${V1}/conversations/${id}/reopen`),
  /** WB-1: to a colleague or a team's queue. Throws `invalid_transfer`, `unknown_team`,
   *  `note_too_long` (400), `forbidden` (403). */
  transfer: (id: Uuid, body: TransferRequest) =>
    request<ConversationSummary>('POST', `${V1}/conversations/${id}/transfer`, { body }),
  /** WB-8: takes an unassigned conversation of one's team. Throws `already_taken` (409),
   *  `forbidden` (403). */
  grab: (id: Uuid) => request<ConversationSummary>('POST', `${V1}/conversations/${id}/grab`),
  /** WB-1: the conversation's internal notes. */
  async internalNotes(id: Uuid) {
    const res = await request<unknown>('GET', `${V1}/conversations/${id}/notes`)
    return listOf<InternalNote>(res, 'notes')
  },
  /** Throws `note_empty`, `note_too_long` (400). */
  addInternalNote: (id: Uuid, body: string) =>
    request<InternalNote>('POST', `${V1}/conversations/${id}/notes`, { body: { body } }),
  async events(id: Uuid) {
    const res = await request<unknown>('GET', `${V1}/conversations/${id}/events`)
    return listOf<ConversationEvent>(res, 'events')
  },
  buyer: (id: Uuid) => request<Buyer>('GET', `${V1}/buyers/${id}`),
  context: (id: Uuid) => request<ConversationContext>('GET', `${V1}/conversations/${id}/context`),
  /** CH-5: hand the order's case to its fulfilment partner. */
  handoff: (id: Uuid, orderNo: string, note: string) =>
    request<HandoffCase>('POST', `${V1}/conversations/${id}/handoffs`, {
      body: { order_no: orderNo, ...(note ? { note } : {}) },
    }),
  /** CH-5: cases handed to partners; open ones by due date, earliest first. */
  async handoffs(status: HandoffStatus | 'all') {
    const res = await request<unknown>('GET', `${V1}/handoffs`, { query: { status } })
    return listOf<HandoffCase>(res, 'handoffs')
  },
  /** Throws `handoff_not_found` (404) or `handoff_closed` (409). */
  closeHandoff: (id: Uuid, resolution: string) =>
    request<HandoffCase>('POST', `${V1}/handoffs/${id}/close`, { body: { resolution } }),
  /** CH-6: notes on a buyer, newest first. */
  async notes(buyerId: Uuid) {
    const res = await request<unknown>('GET', `${V1}/buyers/${buyerId}/notes`)
    return listOf<BuyerNote>(res, 'notes')
  },
  /** Throws `note_empty`, `note_too_long` (400) or `forbidden` (QA). */
  addNote: (buyerId: Uuid, body: string) =>
    request<BuyerNote>('POST', `${V1}/buyers/${buyerId}/notes`, { body: { body } }),
  /** WB-1: any order of the shop by its number. Throws `order_not_found` (404). */
  order: (orderNo: string) => request<Order>('GET', `${V1}/orders/${encodeURIComponent(orderNo)}`),
  async products(q: string, limit = 20) {
    const res = await request<unknown>('GET', `${V1}/products`, { query: { q, limit } })
    return listOf<Product>(res, 'products')
  },
  async team() {
    const res = await request<unknown>('GET', `${V1}/team`)
    return listOf<TeamMember>(res, 'users')
  },
  upload(file: File) {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<Attachment>('POST', `${V1}/attachments`, { form })
  },

  // ACC-2 … ACC-6: accounts, permission groups, teams, settings, approvals, audit.
  accounts: () => request<AccountList>('GET', `${V1}/accounts`),
  /** Throws `invalid_username`, `weak_password`, `invalid_phone`, `unknown_team` (400),
   *  `username_taken`, `account_limit_reached` (409). */
  createAccount: (body: NewAccount) => request<AccountView>('POST', `${V1}/accounts`, { body }),
  /** Throws `invalid_cap` (400) for a `max_concurrent` outside 0–50. */
  updateAccount: (id: Uuid, body: AccountUpdate) =>
    request<AccountView>('PATCH', `${V1}/accounts/${id}`, { body }),
  /** Disabling signs the account out everywhere; `cannot_disable_self` for one's own. */
  setAccountDisabled: (id: Uuid, disabled: boolean) =>
    request<AccountView>('POST', `${V1}/accounts/${id}/${disabled ? 'disable' : 'enable'}`),
  changeProbation: (id: Uuid, body: ProbationChange) =>
    request<AccountView>('POST', `${V1}/accounts/${id}/probation`, { body }),
  groups: () => request<GroupList>('GET', `${V1}/permission-groups`),
  /** Throws `group_name_taken` (409), `unknown_permission`, `invalid_description` (400). */
  createGroup: (body: { name: string; description: string; permissions: Permission[] }) =>
    request<PermissionGroup>('POST', `${V1}/permission-groups`, { body }),
  /** Throws `expiry_in_the_past`, `invalid_accounts` (400). */
  grantGroup: (groupId: Uuid, userIds: Uuid[], expiresAt: EpochMs | null) =>
    request<{ granted: number }>('POST', `${V1}/permission-groups/${groupId}/grants`, {
      body: { user_ids: userIds, ...(expiresAt ? { expires_at: expiresAt } : {}) },
    }),
  revokeGrant: (groupId: Uuid, userId: Uuid) =>
    request<void>('DELETE', `${V1}/permission-groups/${groupId}/grants/${userId}`),
  teams: () => request<TeamList>('GET', `${V1}/teams`),
  /** Throws `invalid_target` (5 s – 7 days), `invalid_name`, `invalid_strategy` (400). */
  putTeam: (key: string, body: TeamUpdate) =>
    request<Team>('PUT', `${V1}/teams/${encodeURIComponent(key)}`, { body }),
  settings: () => request<ShopSettings>('GET', `${V1}/settings`),
  /** Throws `bad_threshold`, `bad_probation_days`, `bad_max_accounts`, `invalid_office_hours` (400). */
  putSettings: (body: ShopSettings) => request<ShopSettings>('PUT', `${V1}/settings`, { body }),
  /** Answers `executed` at once for money at or below the threshold, else `pending`. Throws
   *  `bad_amount`, `invalid_reason`, `invalid_logistics` (400), `order_not_found` (404). */
  requestApproval: (body: ApprovalRequest) => request<ApprovalView>('POST', `${V1}/approvals`, { body }),
  /** Approvers see the kinds they may decide; everyone sees their own requests. */
  async approvals(status: 'pending' | 'all') {
    const res = await request<unknown>('GET', `${V1}/approvals`, { query: { status } })
    return listOf<ApprovalView>(res, 'approvals')
  },
  /** Throws `already_decided` or `own_request` (409). */
  decideApproval: (id: Uuid, decision: 'approve' | 'reject', reason: string) =>
    request<ApprovalView>('POST', `${V1}/approvals/${id}/${decision}`, { body: { reason } }),
  async audit(query: AuditQuery) {
    const res = await request<unknown>('GET', `${V1}/audit`, { query: { ...query } })
    return listOf<AuditEntry>(res, 'entries')
  },
  verifyAudit: () => request<AuditVerdict>('GET', `${V1}/audit/verify`),

  // BOT-1 … BOT-7: the robot's knowledge base, settings, test console, suggestions, figures.
  /** `q`: words in the question, similar questions or answer. */
  robotEntries: (q = '', tier: KbTier | '' = '') => request<KbList>('GET', `${V1}/robot/entries`, { query: { q, tier } }),
  /** Creates or replaces the entry; the path's id wins. Throws `invalid_kb_entry`,
   *  `invalid_kb_id`, `invalid_question`, `invalid_answer`, `product_entry_unbound`,
   *  `invalid_validity` (400), `forbidden` (403). */
  putRobotEntry: (id: string, entry: KbEntry) =>
    request<KbEntryView>('PUT', `${V1}/robot/entries/${encodeURIComponent(id)}`, { body: entry }),
  deleteRobotEntry: (id: string) => request<void>('DELETE', `${V1}/robot/entries/${encodeURIComponent(id)}`),
  robotSettings: () => request<RobotSettings>('GET', `${V1}/robot/settings`),
  /** `lexicon` absent keeps the shop's. Throws `invalid_lexicon`, `lexicon_too_large` (400). */
  putRobotSettings: (body: { mode: RobotMode; night_only: boolean; lexicon?: Lexicon }) =>
    request<RobotSettings>('PUT', `${V1}/robot/settings`, { body }),
  /** The test console. Throws `invalid_question` (1–500 characters). */
  askRobot: (text: string, product?: string) =>
    request<RobotDecision>('POST', `${V1}/robot/ask`, { body: { text, ...(product ? { product } : {}) } }),
  /** Up to three replies for the buyer's latest text message, best first. */
  suggestions: (conversationId: Uuid) => request<RobotSuggestions>('GET', `${V1}/conversations/${conversationId}/suggestions`),
  /** `report.view`; `days` 1–90. */
  robotMetrics: (days: number) => request<RobotMetrics>('GET', `${V1}/robot/metrics`, { query: { days } }),

  // BOT-4: multi-turn flows; BOT-5: the training loop's review queue.
  async robotFlows() {
    const res = await request<unknown>('GET', `${V1}/robot/flows`)
    return listOf<Flow>(res, 'flows')
  },
  /** Creates or replaces the flow. Throws `bad_flow` (422) with a message naming the problem. */
  putRobotFlow: (id: string, flow: Flow) => request<Flow>('PUT', `${V1}/robot/flows/${encodeURIComponent(id)}`, { body: flow }),
  deleteRobotFlow: (id: string) => request<void>('DELETE', `${V1}/robot/flows/${encodeURIComponent(id)}`),
  /** Builds proposals now from the robot's misses (the server also does weekly). */
  runProposals: () => request<{ created: number; pending: number }>('POST', `${V1}/robot/proposals/run`),
  async proposals(status: ProposalStatus) {
    const res = await request<unknown>('GET', `${V1}/robot/proposals`, { query: { status } })
    return listOf<Proposal>(res, 'proposals')
  },
  /** Throws `proposal_decided` (409) when someone decided it first. */
  approveProposal: (id: Uuid, edit: ProposalEdit) =>
    request<{ entry: KbEntryView }>('POST', `${V1}/robot/proposals/${id}/approve`, { body: edit }),
  rejectProposal: (id: Uuid) => request<void>('POST', `${V1}/robot/proposals/${id}/reject`),
}

/** Sends a products, orders or knowledge base file as the request body (`catalog.manage`,
 *  `kb.manage`). An XHR rather than fetch, for upload progress: `onProgress(fraction)` runs as
 *  bytes leave, and the server parses and stores the file after the last one. Rejects with ApiError
 *  (`not_utf8`, `body_too_large`, `forbidden`; `aborted` when `signal` aborts). */
export function importFile(
  kind: ImportKind,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ImportReport> {
  const format = importFormat(file.name)
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${V1}/imports/${kind}?format=${format}`)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as ImportReport)
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
  shop: (slug: string) => request<Shop>('GET', `${V1}/shops/${encodeURIComponent(slug)}`),
  /** `identity`: a shop member's signed JWT; `entry`: a signed entry token naming what the
   *  buyer came about (CH-2). */
  session: (shop: string, from: { buyerToken?: string | null; identity?: string | null; entry?: string | null }) =>
    request<BuyerSession>('POST', `${V1}/buyer/session`, {
      body: {
        shop,
        ...(from.buyerToken ? { buyer_token: from.buyerToken } : {}),
        ...(from.identity ? { identity: from.identity } : {}),
        ...(from.entry ? { entry: from.entry } : {}),
      },
    }),
  /** The buyer's own recent orders in this shop; empty for anonymous buyers. */
  async orders(token: string) {
    const res = await request<unknown>('GET', `${V1}/buyer/orders`, { token })
    return listOf<Order>(res, 'orders')
  },
  async messages(token: string, afterSeq?: number) {
    const res = await request<unknown>('GET', `${V1}/buyer/messages`, {
      token,
      query: { after_seq: afterSeq },
    })
    return listOf<Message>(res, 'messages')
  },
  send: (token: string, body: SendBody) =>
    request<Message>('POST', `${V1}/buyer/messages`, { token, body }),
  upload(token: string, file: File) {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<Attachment>('POST', `${V1}/buyer/attachments`, { token, form })
  },
}

/** The stable error code of anything thrown by the API layer. */
export function errorCode(err: unknown): string {
  if (err instanceof ApiError) return err.code
  return 'internal'
}

/** Upload limits the server enforces (docs/http-api.md "Files"); checked early for a kind error. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024
export const MAX_FILE_BYTES = 20 * 1024 * 1024
export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp'
export const FILE_ACCEPT =
  '.pdf,.zip,.mp4,.txt,.doc,.docx,.xls,.xlsx,.ppt,.pptx,application/pdf,application/zip,video/mp4,text/plain'
