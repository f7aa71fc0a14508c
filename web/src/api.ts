// The kefu API as the UI speaks it: DTOs mirroring the Rust types (serde snake_case, times
// in epoch ms, ids as UUID strings), the WebSocket frames (kefu-domain/src/frames.rs), and one
// typed function per HTTP endpoint (docs/http-api.md).

export type Uuid = string
/** Epoch milliseconds, UTC. */
export type EpochMs = number

export type SenderKind = 'buyer' | 'agent' | 'system' | 'bot'
export type MessageKind = 'text' | 'image' | 'file' | 'order_card' | 'product_card' | 'buttons'
/** The kinds that carry an uploaded attachment. */
export type FileKind = 'image' | 'file'
/** The kinds whose body is a card: JSON naming an order or product when sent, the server's
 *  snapshot (`OrderCard` / `ProductCard`) once stored (CH-2). */
export type CardKind = 'order_card' | 'product_card'
export type ConversationStatus = 'open' | 'resolved'
export type Channel = 'web' | 'wechat_mp' | 'wecom' | 'douyin' | 'email' | 'phone'
export type Entry =
  | 'shop_home'
  | 'order_card'
  | 'product_page'
  | 'live_room'
  | 'creator'
  | 'official_desk'
export const CHANNELS: Channel[] = ['web', 'wechat_mp', 'wecom', 'douyin', 'email', 'phone']
export const ENTRIES: Entry[] = ['shop_home', 'order_card', 'product_page', 'live_room', 'creator', 'official_desk']
export type Role = 'super_admin' | 'supervisor' | 'agent' | 'qa'
/** WB-9 */
export type AgentStatus = 'online' | 'busy' | 'away' | 'offline'
export type EventKind =
  | 'created'
  | 'buyer_message'
  | 'agent_message'
  | 'assigned'
  | 'first_reply'
  | 'resolved'
  | 'reopened'
  | 'entered'
  /** WB-5: data {added, removed} tag keys. */
  | 'tagged'
  /** CH-5: data {case_id, order_no, partner, due_at}. */
  | 'handed_off'
  /** WB-1: data {previous_assignee_id, to_user_id, to_team, note}. */
  | 'transferred'
  /** WB-7, WB-8: taken back from its agent; data {previous_assignee_id, reason}. */
  | 'stranded'
  /** BOT-3: the robot passed the buyer to people; data {reason, guess: {id, question, probability}, issue_type}. */
  | 'robot_handoff'

export interface Attachment {
  id: Uuid
  file_name: string
  content_type: string
  size_bytes: number
  /** Signed, expiring `/files/{id}?exp=…&sig=…` link. */
  url: string
}

export interface Message {
  id: Uuid
  conversation_id: Uuid
  /** Gap-free per conversation, from 1. */
  seq: number
  sender_kind: SenderKind
  sender_id: Uuid | null
  sender_name: string
  client_msg_id: string | null
  kind: MessageKind
  body: string
  attachment: Attachment | null
  created_at: EpochMs
}

export interface ConversationSummary {
  id: Uuid
  tenant_id: Uuid
  buyer_id: Uuid
  buyer_name: string
  channel: Channel
  entry: Entry
  status: ConversationStatus
  assignee_id: Uuid | null
  assignee_name: string | null
  last_seq: number
  last_message_preview: string
  last_message_at: EpochMs
  unread_count: number
  buyer_read_seq: number
  created_at: EpochMs
  /** What the buyer came about, from the entry that opened (or last re-entered) it (CH-2). */
  context: EntryContext
  /** Tag keys (WB-5), at most `MAX_TAGS`. */
  tags: string[]
  /** The team whose queue it is in (WB-1 transfers, WB-4 routing); null when none. */
  team: string | null
  /** WB-7: when the buyer last wrote; null before they have. */
  last_buyer_message_at: EpochMs | null
  /** WB-7: the buyer wrote last and nobody has answered yet. */
  awaiting_reply: boolean
  /** BOT-3: the robot is serving it; the router leaves it alone until it hands off. */
  robot_active: boolean
  /** WB-8: offered to its team's agents to grab rather than waiting in the router's queue. */
  up_for_grabs: boolean
  updated_at: EpochMs
}

/** One row of a conversation's event log (KPI and DATA reports are derived from these). */
export interface ConversationEvent {
  id: number
  conversation_id: Uuid
  kind: EventKind
  actor_kind: SenderKind
  actor_id: Uuid | null
  message_seq: number | null
  /** created: {channel, entry}; entered: {entry, context}; assigned: {assignee_id, previous_assignee_id, reason?};
   *  first_reply: {wait_ms}; buyer/agent_message: {kind, sender}. */
  data: Record<string, unknown>
  at: EpochMs
}

export type TenantKind = 'platform' | 'shop'

export interface User {
  id: Uuid
  tenant_id: Uuid
  username: string
  display_name: string
  role: Role
  /** `pre_sales`, `after_sales`, `qa` or a custom team's key (ACC-6). */
  team: string | null
  status: AgentStatus
  /** WB-9: while `away`, why (午饭, 培训 …) and until when; null otherwise. */
  break_reason: string | null
  break_until: EpochMs | null
  /** 138****5678 (ACC-2). */
  phone_masked: string | null
  /** In probation until then (ACC-4); null once passed. */
  probation_until: EpochMs | null
  disabled: boolean
  /** The account proved it holds its phone number with a code sent to it (ACC-2). */
  phone_verified: boolean
  /** WB-4: how many conversations the router gives them at once, 0–50. */
  max_concurrent: number
}

/** An account with its full phone number, for the account itself and super admins only
 *  (null for everyone else). */
export interface AccountView extends User {
  phone: string | null
}

export interface Tenant {
  id: Uuid
  kind: TenantKind
  slug: string
  name: string
  timezone: string
}

export interface Shop {
  slug: string
  name: string
  kind: TenantKind
}

export interface Buyer {
  id: Uuid
  tenant_id: Uuid
  channel: Channel
  /** `anon:<uuid>` or `member:<shop member id>` on the web. */
  external_id: string
  display_name: string
  created_at: EpochMs
  last_seen_at: EpochMs
  /** The shop's member level, 0 (none) to 9, as its site vouched for it (WB-4). */
  vip_level?: number
}

/** A team member as `GET /api/v1/team` lists them. */
export type TeamMember = User

export interface AuthSession {
  user: AccountView
  tenant: Tenant
  csrf_token: string
  /** What the account may do now: its role, its group grants, cut down in probation. */
  permissions: Permission[]
  /** In probation until then (ACC-4). */
  probation_until: EpochMs | null
}

export interface BuyerSession {
  buyer_token: string
  buyer: Buyer
  shop: Shop
  conversation_id: Uuid | null
  /** Where the buyer came in; `shop_home` without an entry token. */
  entry: Entry
  context: EntryContext | null
}

// ---- commerce (CH-2, CH-5, CH-6): money in integer fen, times in epoch ms ----

export type PaymentStatus = 'unpaid' | 'paid' | 'partially_refunded' | 'refunded' | 'closed'
export type ShippingStatus = 'unshipped' | 'shipped' | 'in_transit' | 'delivered' | 'returned'
export type AfterSaleStatus = 'none' | 'requested' | 'processing' | 'refunded' | 'rejected' | 'completed'

export interface OrderItem {
  product_code: string
  sku_code: string
  title: string
  quantity: number
  unit_price_fen: number
}

/** A third party that fulfils a product for the shop (CH-5), e.g. 携程, 饿了么. */
export interface Partner {
  name: string
  handoff_url: string
  /** Which of the order's fields the partner receives, e.g. `order_no`, `phone`. */
  shared_fields: string[]
}

export interface Order {
  id: Uuid
  order_no: string
  /** The shop's member id of the buyer. */
  buyer_id: string
  buyer_name: string
  placed_at: EpochMs
  items: OrderItem[]
  total_fen: number
  paid_fen: number
  payment_status: PaymentStatus
  shipping_status: ShippingStatus
  after_sale_status: AfterSaleStatus
  logistics_company: string | null
  tracking_no: string | null
  partner: Partner | null
  updated_at: EpochMs
}

/** An order in the buyer's history, which on the platform desk spans shops. */
export type ShopOrder = Order & { shop: { slug: string; name: string } }

export interface Sku {
  code: string
  name: string
  price_fen: number
  stock: number
}

export interface Product {
  id: Uuid
  code: string
  title: string
  category: string
  image_url: string | null
  attributes: Record<string, string>
  partner: Partner | null
  skus: Sku[]
  /** The lowest SKU price. */
  price_fen: number
  stock: number
  updated_at: EpochMs
}

/** What a conversation is about, from a signed entry token (CH-2). */
export interface EntryContext {
  order_no?: string
  product_code?: string
  sku_code?: string
  room_id?: string
  room_title?: string
  creator_id?: string
  creator_name?: string
}

/** An `order_card` message's body: the order as it was when the card was sent. */
export interface OrderCard {
  order_no: string
  placed_at: EpochMs
  items: OrderItem[]
  total_fen: number
  payment_status: PaymentStatus
  shipping_status: ShippingStatus
  after_sale_status: AfterSaleStatus
  logistics_company: string | null
  tracking_no: string | null
}

/** A `product_card` message's body. */
export interface ProductCard {
  code: string
  title: string
  category: string
  image_url: string | null
  price_fen: number
  sku_code: string | null
  sku_name: string | null
  /** The live room it was presented in, when the buyer came from one. */
  room_title: string | null
}

export type HandoffStatus = 'open' | 'closed'

/** A case handed to an order's fulfilment partner (CH-5), open until someone closes it with
 *  what came of it; `due_at` is when the partner's answer is due. */
export interface HandoffCase {
  id: Uuid
  conversation_id: Uuid
  order_no: string
  partner_name: string
  handoff_url: string
  shared: Record<string, unknown>
  note: string
  status: HandoffStatus
  due_at: EpochMs
  created_at: EpochMs
  closed_at: EpochMs | null
  /** What came of it, written when it is closed. */
  resolution: string
  /** The conversation's buyer, for lists of cases. */
  buyer_name: string
}

/** A note on a buyer that every agent of the shop sees (CH-6). */
export interface BuyerNote {
  id: Uuid
  buyer_id: Uuid
  author_id: Uuid
  author_name: string
  body: string
  created_at: EpochMs
}

/** A note on a conversation that only agents see (WB-1): `mentions` are user ids; a
 *  supervisor's note on a conversation someone else has is a `whisper` (主管悄悄话). */
export interface InternalNote {
  id: Uuid
  conversation_id: Uuid
  author_id: Uuid
  author_name: string
  body: string
  mentions: Uuid[]
  whisper: boolean
  created_at: EpochMs
}

/** WB-9: a break (小休) as `PUT /me/status` takes it with `away`. */
export interface BreakRequest {
  /** 1–40 characters. */
  reason: string
  /** 1–120. */
  minutes: number
}
export const MAX_BREAK_REASON_CHARS = 40
export const MAX_BREAK_MINUTES = 120

/** WB-1: where a conversation goes — a colleague, or a team's queue (exactly one). */
export interface TransferRequest {
  to_user_id?: Uuid
  to_team?: string
  note?: string
}

/** One row of the supervisor's live view (WB-9). */
export interface LiveAgent {
  user: User
  /** Open conversations assigned to them now. */
  load: number
  replies_today: number
  resolved_today: number
  first_replies_today: number
  avg_first_reply_ms: number | null
}

export interface TeamLive {
  agents: LiveAgent[]
  /** Where "today" starts. */
  since: EpochMs
}

/** The longest buyer note the server takes, in characters. */
export const MAX_NOTE_CHARS = 1000
/** The longest resolution of a handoff case, in characters. */
export const MAX_RESOLUTION_CHARS = 500

// ---- imports (docs/import.md) ----

/** `kb`: the robot's knowledge base (BOT-1), `POST /imports/kb`. */
export type ImportKind = 'products' | 'orders' | 'kb'
export type ImportFormat = 'csv' | 'jsonl'

/** One refused row: its line in the file (1 = the first line, the CSV header included). */
export interface ImportRejection {
  line: number
  code: string
  message: string
}

/** What an import did. `rows` and `rejected` count rows; `accepted` counts records (a
 *  product or an order, which may span several rows) and splits into created/updated/unchanged. */
export interface ImportReport {
  kind: ImportKind
  rows: number
  accepted: number
  rejected: number
  created: number
  updated: number
  unchanged: number
  /** The first refused rows (at most 1,000), by line. */
  rejections: ImportRejection[]
}

/** The largest file `POST /imports/{kind}` takes. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024
export const IMPORT_ACCEPT = '.csv,.jsonl,.ndjson,text/csv,application/x-ndjson'

/** From the file name; anything that is not JSON Lines is sent as CSV. */
export function importFormat(fileName: string): ImportFormat {
  return /\.(jsonl|ndjson)$/i.test(fileName) ? 'jsonl' : 'csv'
}

/** `GET /conversations/{id}/context`: everything the customer panel shows beside a chat. */
export interface ConversationContext {
  entry: Entry
  context: EntryContext
  buyer: Buyer
  member_id: string | null
  /** The order the conversation is about. */
  order: Order | null
  /** The product it is about. */
  product: Product | null
  /** The buyer's recent orders, newest first. */
  orders: ShopOrder[]
  /** This buyer's conversations here, newest first, the current one included. */
  conversations: ConversationSummary[]
  handoffs: HandoffCase[]
  /** Notes on the buyer, newest first. */
  notes: BuyerNote[]
}

// ---- the team and its guard rails (ACC-2 … ACC-6) ----

/** Everything an endpoint may ask for; a role is a bundle of these, and so is a group. */
export const PERMISSIONS = [
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
] as const
export type Permission = (typeof PERMISSIONS)[number]

export const ROLES: Role[] = ['super_admin', 'supervisor', 'agent', 'qa']

export interface AccountList {
  accounts: AccountView[]
  /** How many the shop may have, disabled ones included. */
  max_accounts: number
}

export interface NewAccount {
  username: string
  display_name: string
  password: string
  phone: string
  role: Role
  team?: string
}

/** `team: ''` takes the account out of its team. */
export interface AccountUpdate {
  display_name?: string
  role?: Role
  team?: string
  /** WB-4: 0–50; `team.manage` may change this alone. */
  max_concurrent?: number
}

/** WB-4: the per-agent concurrency cap's bounds. */
export const MAX_CONCURRENT_CAP = 50

export type ProbationChange = { action: 'pass' } | { action: 'extend'; days: number }

export interface PermissionGroup {
  id: Uuid
  name: string
  description: string
  permissions: Permission[]
  created_at: EpochMs
}

/** A group granted to an account, maybe until a time. */
export interface Grant {
  group_id: Uuid
  group_name: string
  user_id: Uuid
  granted_by: Uuid
  granted_at: EpochMs
  expires_at: EpochMs | null
}

export interface GroupList {
  groups: PermissionGroup[]
  grants: Grant[]
  /** Every permission there is. */
  permissions: Permission[]
}

/** A team and its first-response target (ACC-6). */
export interface Team {
  key: string
  name: string
  response_target_seconds: number
  /** Its agents must tag a conversation before resolving it (WB-5). */
  require_tag: boolean
  /** Active accounts in it. */
  members: number
  /** How the live router picks an agent for its waiting conversations (WB-4). */
  strategy: RoutingStrategy
  /** Stranded conversations are offered to the team's idle agents to grab (WB-8). */
  grab_mode: boolean
  /** Its response target counts only the shop's office hours (WB-7). */
  office_hours_only: boolean
}

/** WB-4: the fewest open conversations first, in turn, or the agent who served the buyer last. */
export type RoutingStrategy = 'least_loaded' | 'round_robin' | 'sticky'
export const ROUTING_STRATEGIES: RoutingStrategy[] = ['least_loaded', 'round_robin', 'sticky']

export interface TeamUpdate {
  name: string
  response_target_seconds: number
  require_tag: boolean
  strategy?: RoutingStrategy
  /** Absent turns it off. */
  grab_mode?: boolean
  /** Absent keeps the team's setting. */
  office_hours_only?: boolean
}

/** A team's share of the active accounts beside the split the seed suggests (60/30/10). */
export interface TeamShare {
  key: string
  members: number
  share_percent: number
  suggested_percent: number | null
}

export interface TeamList {
  teams: Team[]
  split: TeamShare[]
}

export interface ShopSettings {
  /** Refunds and compensations above this wait for a second person (ACC-5). */
  refund_threshold_fen: number
  /** 7 to 15 (ACC-4). */
  probation_days: number
  /** 1 to 10,000 (ACC-2). */
  max_accounts: number
  /** The live router assigns waiting conversations to agents by the teams' strategies (WB-4). */
  routing_enabled: boolean
  /** When the shop is staffed, in its time zone (WB-7); null: around the clock. */
  office_hours: OfficeHours | null
}

/** Working days (ISO: 1 = Monday … 7 = Sunday) and the daily "HH:MM" opening, open before close. */
export interface OfficeHours {
  days: number[]
  open: string
  close: string
}

export type ApprovalKind = 'refund' | 'compensation' | 'logistics_change'
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executed'
export const APPROVAL_KINDS: ApprovalKind[] = ['refund', 'compensation', 'logistics_change']

/** How a compensation reaches the buyer: as money, or as a shop coupon (WB-1's 发优惠券). */
export type CompensationForm = 'cash' | 'coupon'

/** What a logistics change carries; a compensation carries its `form`, a refund `{}`. */
export interface LogisticsPayload {
  logistics_company?: string
  tracking_no?: string
  previous?: { logistics_company: string | null; tracking_no: string | null }
  form?: CompensationForm
}

/** A sensitive operation and its decision (ACC-5), as the `approval` frame carries it. */
export interface Approval {
  id: Uuid
  kind: ApprovalKind
  conversation_id: Uuid | null
  order_no: string
  amount_fen: number | null
  payload: LogisticsPayload
  reason: string
  requested_by: Uuid
  requested_by_name: string
  requested_at: EpochMs
  status: ApprovalStatus
  decided_by: Uuid | null
  decided_by_name: string | null
  decided_at: EpochMs | null
  decision_reason: string
  executed_at: EpochMs | null
}

/** An approval with the order it is about, as the HTTP answers carry it. */
export interface ApprovalView extends Approval {
  order: Order | null
}

export interface ApprovalRequest {
  kind: ApprovalKind
  order_no: string
  amount_fen?: number
  logistics_company?: string
  tracking_no?: string
  reason: string
  conversation_id?: Uuid
  /** Compensations only; `cash` when left out. */
  compensation_form?: CompensationForm
}

/** The longest reason for a request or a decision, in characters. */
export const MAX_REASON_CHARS = 500
/** The most a compensation may be (the server's rule): 10,000 yuan. */
export const MAX_COMPENSATION_FEN = 1_000_000

/** One link of the tenant's hash-chained audit log. */
export interface AuditEntry {
  seq: number
  at: EpochMs
  actor_id: Uuid | null
  actor_name: string
  /** e.g. `login`, `role.change`, `refund.request`, `approval.approve`. */
  action: string
  /** e.g. `user:<id>`, `order:<no>`, `group:<id>`, `settings`. */
  target: string
  detail: unknown
  prev_hash: string
  hash: string
}

export interface AuditQuery {
  actor_id?: Uuid
  /** An action (`refund.request`) or a family (`refund`). */
  action?: string
  from?: EpochMs
  /** Exclusive. */
  to?: EpochMs
  limit?: number
}

export interface AuditVerdict {
  intact: boolean
  checked: number
  broken_seq: number | null
  problem: string | null
}

// ---- conversation tags (WB-5) and routing rules (WB-4) ----

export type TagGroup = 'after_sales' | 'pre_sales' | 'service' | 'custom'
export const TAG_GROUPS: TagGroup[] = ['after_sales', 'pre_sales', 'service', 'custom']
/** The most tags one conversation carries. */
export const MAX_TAGS = 10

export interface Tag {
  /** Stable key: `logistics_delay`, or a shop's own. */
  key: string
  name: string
  group: TagGroup
  builtin: boolean
}

/** One test a routing rule makes; all of a rule's conditions must hold. */
export type RoutingCondition =
  | { kind: 'entry'; value: Entry }
  | { kind: 'channel'; value: Channel }
  | { kind: 'category' | 'sku' | 'issue_type' | 'language'; value: string }
  | { kind: 'vip_at_least'; value: number }
export type ConditionKind = RoutingCondition['kind']
export const CONDITION_KINDS: ConditionKind[] = ['entry', 'channel', 'category', 'sku', 'issue_type', 'language', 'vip_at_least']
export const MAX_RULES = 100
export const MAX_CONDITIONS = 10
export const MAX_RULE_NAME_CHARS = 64

export interface RoutingRule {
  id: Uuid
  name: string
  /** Tried in ascending order, from 1. */
  position: number
  /** Empty: matches every conversation. */
  conditions: RoutingCondition[]
  /** A team key. */
  team: string
  enabled: boolean
}

/** A rule as `PUT /routing/rules` and the tester take it: no id for a new rule. */
export interface RuleInput {
  id?: Uuid
  name: string
  conditions: RoutingCondition[]
  team: string
  enabled: boolean
}

export interface RuleList {
  rules: RoutingRule[]
  /** Where a conversation goes when no rule matches. */
  default_team: string
}

/** A sample conversation for the rule tester. */
export interface ConversationFacts {
  entry: Entry
  channel: Channel
  category?: string
  sku?: string
  issue_type?: string
  language?: string
  vip_level?: number
}

export interface RouteDecision {
  team: string
  /** The matching rule; null when the default team took it. */
  rule_id: Uuid | null
  /** English lines from the server, one per rule tried, then the outcome. */
  explanation: string[]
}

// ---- the robot (BOT-1 … BOT-7, docs/robot.md) ----

/** General Q&A, per-product Q&A (bound to SKUs or categories), or scenario Q&A (promotion
 *  rules, given only inside their validity window). */
export type KbTier = 'general' | 'product' | 'scenario'
export const KB_TIERS: KbTier[] = ['general', 'product', 'scenario']

/** What the robot sends: text, maybe with a picture, a product card or buttons. */
export interface KbAnswer {
  text: string
  /** An uploaded picture's id, sent after the text. */
  image?: Uuid
  /** Kept for the merchant's reference; never sent. */
  image_url?: string
  product_code?: string
  buttons?: string[]
}

/** When an entry may be given; empty lists mean "any". */
export interface KbConditions {
  entries?: string[]
  channels?: string[]
  /** true: only in office hours; false: only outside them. */
  office_hours?: boolean | null
}

/** One knowledge base entry: a standard question, the similar questions buyers ask (the
 *  robot's training data), and its answer. */
export interface KbEntry {
  /** 1–64 of `A–Z a–z 0–9 - _ .`. */
  id: string
  /** 1–200 characters, as are the similar questions (at most 200 of them). */
  question: string
  similar: string[]
  answer: KbAnswer
  tier: KbTier
  skus: string[]
  categories: string[]
  /** ISO-8601 (or a date, read as UTC midnight); scenario entries' window. */
  valid_from: string | null
  valid_to: string | null
  conditions?: KbConditions
}
export const MAX_KB_ID_CHARS = 64
export const MAX_KB_QUESTION_CHARS = 200
export const MAX_KB_SIMILAR = 200
export const MAX_KB_ANSWER_CHARS = 2000

export interface KbEntryView extends KbEntry {
  updated_at: EpochMs
  /** Signed link to the answer's picture, for a preview. */
  image_link?: string
}

export interface KbList {
  entries: KbEntryView[]
  total: number
}

/** `off`: people only; `assist`: people, with the robot's suggested replies; `robot_first`:
 *  the robot takes each new conversation (with `night_only`, outside office hours only). */
export type RobotMode = 'off' | 'assist' | 'robot_first'
export const ROBOT_MODES: RobotMode[] = ['off', 'assist', 'robot_first']

/** A shop's lexicons (BOT-2), added to the built-in ones. */
export interface Lexicon {
  /** Groups of words that mean the same; each is read as its group's first word. */
  synonyms: string[][]
  /** Colloquial or dialect word → standard word (阔以 → 可以). */
  colloquial: Record<string, string>
  /** Words that negate the next two words. */
  negations: string[]
  /** Product names and jargon kept whole. */
  terms: string[]
  /** Words that hand the conversation to a person. */
  blocked: string[]
}
/** The server's limits: words of 1–32 characters, 200 groups, 2,000 words in all. */
export const MAX_LEXICON_WORD_CHARS = 32
export const MAX_LEXICON_GROUPS = 200
export const MAX_LEXICON_WORDS = 2000

export interface RobotSettings {
  mode: RobotMode
  night_only: boolean
  /** As stored; keys may be missing. */
  lexicon: Partial<Lexicon>
  /** Bumped by every change to the entries or lexicons. */
  kb_version: number
}

export type HandoffReason =
  | 'asked_for_human'
  | 'personal_case'
  | 'complaint'
  | 'angry'
  | 'blocked'
  | 'unknown'
  | 'misunderstood'

/** A candidate entry as the test console shows it. */
export interface RobotCandidate {
  id: string
  question: string
  /** 0–1, calibrated. */
  probability: number
  bm25: number
  similarity: number
  /** The entry's example it matched best, and the words they share. */
  matched_example: string
  matched_words: string[]
}

export type RobotAction =
  | { action: 'answer'; id: string; question: string; answer: KbAnswer }
  | { action: 'clarify'; choices: { id: string; question: string }[] }
  | { action: 'handoff'; reason: HandoffReason }
  | { action: 'greet'; text: string }

/** `POST /robot/ask`: what the robot would do with a message, and why. */
export type RobotDecision = RobotAction & {
  /** The message as the robot read it. */
  normalized: string
  /** Its content words; a negated one is prefixed ¬. */
  words: string[]
  /** Lexicon rules and triggers that fired ("阔以 → 可以", "转人工 人工"). */
  fired: string[]
  candidates: RobotCandidate[]
  /** The best candidate's id, even when it hands off. */
  guess: string | null
  /** The best candidate's probability less the runner-up's. */
  confidence: number
}
export const MAX_ASK_CHARS = 500

/** A reply the robot suggests to the agent (BOT-3 assist). */
export interface RobotSuggestion {
  id: string
  question: string
  answer: string
  probability: number
}

export interface RobotSuggestions {
  /** The buyer message they answer; null when the buyer has written no text. */
  message_seq: number | null
  suggestions: RobotSuggestion[]
}

/** One day of the robot's work (BOT-6), in the shop's time zone. */
export interface RobotDay {
  /** YYYY-MM-DD. */
  day: string
  questions: number
  answered: number
  clarified: number
  handed_off: number
  greeted: number
  /** Of the questions that were not greetings, 0–1. */
  recognition_rate: number
  answer_rate: number
  clarification_rate: number
  transfer_rate: number
  turns_per_dialogue: number
}

export interface RobotMetrics {
  days: RobotDay[]
  /** The questions most often handed off as unknown, with how often. */
  top_unanswered: [string, number][]
}

// ---- multi-turn flows (BOT-4) and the training loop (BOT-5) ----

/** One reply button of a `buttons` message: what it shows, and the text a tap sends. */
export interface ReplyButton {
  label: string
  reply: string
}

/** The body of a `buttons` message (BOT-3 clarifying, BOT-4 flows), JSON in `Message.body`. */
export interface ButtonsBody {
  text: string
  buttons: ReplyButton[]
}

/** `order`: one of the buyer's recent orders; `item`: an item of the order chosen before;
 *  `choice`: one of the step's options; `photo`: a picture; `text`: free text; `confirm`: 是/否. */
export type FlowStepKind = 'order' | 'item' | 'choice' | 'photo' | 'text' | 'confirm'
export const FLOW_STEP_KINDS: FlowStepKind[] = ['order', 'item', 'choice', 'photo', 'text', 'confirm']

/** What a flow does once every slot is filled. */
export type FlowAction = 'logistics' | 'after_sale' | 'reply' | 'handoff'
export const FLOW_ACTIONS: FlowAction[] = ['logistics', 'after_sale', 'reply', 'handoff']

export type AfterSaleKind = 'return_refund' | 'refund_only' | 'exchange'
export const AFTER_SALE_KINDS: AfterSaleKind[] = ['return_refund', 'refund_only', 'exchange']

/** One slot a flow fills. */
export interface FlowStep {
  /** Lowercase letters, digits and `_`; usable as `{slot}` in the finish text. */
  slot: string
  kind: FlowStepKind
  /** What the robot asks. */
  prompt: string
  /** For `choice`: the options, offered as buttons. */
  options: string[]
  /** An optional step accepts 跳过. */
  optional: boolean
}

export interface FlowFinish {
  action: FlowAction
  /** For `after_sale`: which request to create. */
  after_sale?: AfterSaleKind | null
  /** The reply; `{slot}` and the action's values (`{case_no}`, `{tracking_no}` …) are filled in. */
  text: string
}

/** A multi-turn flow as the merchant defines it (BOT-4). */
export interface Flow {
  /** Lowercase letters, digits and `-`. */
  id: string
  name: string
  enabled: boolean
  /** Buyer messages that start the flow. */
  triggers: string[]
  steps: FlowStep[]
  finish: FlowFinish
}

/** The values a finish text may use besides the slot names, by action. */
export const FLOW_VALUES: Record<FlowAction, string[]> = {
  logistics: ['order_no', 'logistics_company', 'tracking_no', 'shipping_status'],
  after_sale: ['case_no', 'order_no'],
  reply: [],
  handoff: [],
}

/** `new_entry`: a question the knowledge base lacks; `similar`: more ways to ask an entry's. */
export type ProposalKind = 'new_entry' | 'similar'
export type ProposalStatus = 'pending' | 'approved' | 'rejected'
export const PROPOSAL_STATUSES: ProposalStatus[] = ['pending', 'approved', 'rejected']

/** A proposal of the training loop (BOT-5), built from the robot's misses and what people
 *  answered them. */
export interface Proposal {
  id: Uuid
  kind: ProposalKind
  /** For `similar`: the entry to extend. */
  entry_id: string | null
  entry_question: string | null
  /** For `new_entry`: the standard question. */
  question: string
  /** The other phrasings (`new_entry`), or those to add (`similar`). */
  similar: string[]
  answer: string
  /** How many times buyers asked. */
  count: number
  /** The buyers' messages, most asked first. */
  examples: string[]
  /** What people answered, most given first. */
  human_answers: string[]
  status: ProposalStatus
  created_at: EpochMs
  decided_by: string | null
  decided_at: EpochMs | null
}

/** The edited values an approval may carry; what is absent stays as proposed. */
export interface ProposalEdit {
  question?: string
  similar?: string[]
  answer?: string
  /** For `new_entry`: the new entry's id; the server makes one when absent. */
  entry_id?: string
}

export interface SendBody {
  client_msg_id: string
  kind: MessageKind
  body: string
  attachment_id: Uuid | null
}

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

// ---- WebSocket frames (crates/kefu-domain/src/frames.rs) ----

export type Party = 'buyer' | 'agent'

/** What a client sends. Buyers omit `conversation_id`: theirs is implied. */
export type ClientFrame =
  | ({ type: 'send'; conversation_id?: Uuid } & SendBody)
  | { type: 'typing'; conversation_id?: Uuid }
  | { type: 'read'; conversation_id?: Uuid; seq: number }
  | { type: 'ping' }

export interface HelloFrame {
  type: 'hello'
  session_id: Uuid
  conversation_id: Uuid | null
  heartbeat_ms: number
}
export interface AckFrame {
  type: 'ack'
  client_msg_id: string
  message_id: Uuid
  conversation_id: Uuid
  seq: number
  created_at: EpochMs
  duplicate: boolean
}
export interface ErrorFrame {
  type: 'error'
  code: string
  message: string
  client_msg_id: string | null
}

/** WB-9: someone's availability changed; a break carries its reason and end. */
export interface PresenceFrame {
  type: 'presence'
  user_id: Uuid
  status: string
  reason?: string | null
  until?: EpochMs | null
}

/** CH-7, WB-4: a waiting buyer's place in the queue (`position` ≥ 1), or `position` 0 with
 *  `agent_name` once an agent has taken the conversation. */
export interface QueueFrame {
  type: 'queue'
  conversation_id: Uuid
  position: number
  ahead: number
  estimated_wait_ms: number
  agent_name: string | null
}

/** What the server sends. */
export type ServerFrame =
  | HelloFrame
  | { type: 'message'; message: Message }
  | AckFrame
  | { type: 'typing'; conversation_id: Uuid; party: Party; user_id: Uuid | null }
  | { type: 'read'; conversation_id: Uuid; party: Party; seq: number }
  | { type: 'conversation'; conversation: ConversationSummary }
  | PresenceFrame
  | QueueFrame
  /** WB-1: an internal note was added to a conversation. */
  | { type: 'note'; note: InternalNote }
  /** ACC-5: a request was made or decided; the approvers' queue and the requester follow it. */
  | { type: 'approval'; approval: Approval }
  /** WB-8: a stranded conversation of my team is up for grabs. */
  | { type: 'grab'; conversation: ConversationSummary }
  /** WB-7: to those who manage teams: a buyer waited past twice the target and the
   *  conversation was taken back from its agent. */
  | { type: 'alert'; conversation: ConversationSummary; waited_ms: number }
  | ErrorFrame
  | { type: 'pong' }
