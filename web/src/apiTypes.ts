// The kefu API's types as the UI speaks them (serde snake_case, times in epoch ms, ids as UUID
// strings). Everything the server's OpenAPI document describes is an alias of the type
// generated from it (docs/openapi.json → src/generated/openapi.ts, `cargo xtask api-types`),
// under the name the app uses: the server sends what the document says, so that is the truth.
// What the document lacks or gets wrong is written by hand below, each with a line saying
// why, until the Rust side describes it; api.ts re-exports all of it.

import type { components, operations } from './generated/openapi'

type Schemas = components['schemas']

// ---- what each operation takes and answers, by its operation id ----

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never
type Success<R> = R extends { 200: infer S } ? S : R extends { 201: infer S } ? S : never
type RequestJson<Op extends keyof operations> = JsonOf<NonNullable<operations[Op]['requestBody']>>
type ResponseJson<Op extends keyof operations> = JsonOf<Success<operations[Op]['responses']>>
/** The operations with a JSON body, and those answering JSON on success: the others cannot be
 *  named below, so neither type is ever `never` (which would accept anything). */
type WithJsonBody = { [Op in keyof operations]: [RequestJson<Op>] extends [never] ? never : Op }[keyof operations]
type WithJsonAnswer = { [Op in keyof operations]: [ResponseJson<Op>] extends [never] ? never : Op }[keyof operations]

/** The JSON body operation `Op` takes. */
export type RequestBody<Op extends WithJsonBody> = RequestJson<Op>
/** The JSON operation `Op` answers with on success (200, else 201). */
export type ResponseBody<Op extends WithJsonAnswer> = ResponseJson<Op>
/** The query parameters operation `Op` takes. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>

/** Every error answer's body: the UI translates `code`, never `message`. */
export type ErrorBody = Schemas['ErrorBody']

// ---- scalars (the document has `string` with format uuid, `integer` with format int64) ----

export type Uuid = string
/** Epoch milliseconds, UTC. */
export type EpochMs = number

// ---- conversations and messages ----

export type SenderKind = Schemas['SenderKind']
export type MessageKind = Schemas['MessageKind']
/** The kinds that carry an uploaded attachment. */
export type FileKind = Extract<MessageKind, 'image' | 'file'>
/** The kinds whose body is a card: JSON naming an order or product when sent, the server's
 *  snapshot (`OrderCard` / `ProductCard`) once stored (CH-2). */
export type CardKind = Extract<MessageKind, 'order_card' | 'product_card'>
export type ConversationStatus = Schemas['ConversationStatus']
export type Channel = Schemas['Channel']
export type Entry = Schemas['Entry']
export type Role = Schemas['Role']
/** WB-9 */
export type AgentStatus = Schemas['AgentStatus']
/** The event log's kinds; `data` by kind: see `ConversationEvent`. */
export type EventKind = Schemas['EventKind']
export type TenantKind = Schemas['TenantKind']

export type Attachment = Schemas['Attachment']
export type Message = Schemas['Message']
export type ConversationSummary = Schemas['ConversationSummary']
/** What a conversation is about, from a signed entry token (CH-2). */
export type EntryContext = Schemas['EntryContext']
/** A message to send, over HTTP or in a WebSocket `send` frame. */
export type SendBody = Schemas['SendMessage']

/** One row of a conversation's event log (KPI and DATA reports are derived from these).
 *  `data`: created: {channel, entry}; entered: {entry, context}; assigned: {assignee_id,
 *  previous_assignee_id, reason?}; first_reply: {wait_ms}; buyer/agent_message: {kind, sender};
 *  tagged: {added, removed}; handed_off: {case_id, order_no, partner, due_at}; transferred:
 *  {previous_assignee_id, to_user_id, to_team, note}; stranded: {previous_assignee_id, reason};
 *  robot_handoff: {reason, guess: {id, question, probability}, issue_type}. */
// Hand-typed `data`: the document has it as a bare Object (ConversationEvent.data, serde_json::Value).
export type ConversationEvent = Omit<Schemas['ConversationEvent'], 'data'> & { data: Record<string, unknown> }

/** A note on a conversation that only agents see (WB-1): `mentions` are user ids; a
 *  supervisor's note on a conversation someone else has is a `whisper` (主管悄悄话). */
export type InternalNote = Schemas['InternalNote']
/** WB-1: where a conversation goes — a colleague, or a team's queue (exactly one). */
export type TransferRequest = Schemas['Transfer']

// ---- accounts, sessions, tenants ----

export type User = Schemas['User']
/** An account with its full phone number, for the account itself and super admins only. */
export type AccountView = Schemas['AccountView']
/** A team member as `GET /api/v1/team` lists them. */
export type TeamMember = User
/** `GET /api/v1/team`: everyone on the team. */
export type TeamMembers = Schemas['TeamRoster']
export type Tenant = Schemas['Tenant']
export type Shop = Schemas['ShopInfo']
export type Buyer = Schemas['Buyer']
/** Who is signed in, what they may do, and the CSRF token. */
export type AuthSession = Schemas['Me']
export type BuyerSession = Schemas['BuyerSession']
export type Permission = Schemas['Permission']

/** WB-9: a break (小休) as `PUT /me/status` takes it with `away`: a reason of 1–40
 *  characters and 1–120 minutes. */
export type BreakRequest = { [K in 'reason' | 'minutes']-?: NonNullable<Schemas['StatusChange'][K]> }

/** One row of the supervisor's live view (WB-9). */
export type LiveAgent = Schemas['AgentLive']
export type TeamLive = Schemas['TeamLive']

export type AccountList = Schemas['AccountList']
export type NewAccount = Schemas['NewAccount']
/** `team: ''` takes the account out of its team. */
export type AccountUpdate = Schemas['AccountUpdate']
export type ProbationChange = Schemas['ProbationChange']
export type PermissionGroup = Schemas['PermissionGroup']
/** A group granted to an account, maybe until a time. */
export type Grant = Schemas['Grant']
export type GroupList = Schemas['GroupList']

/** A team and its first-response target (ACC-6). `strategy` is a string in the document:
 *  read it with `routingStrategy`. */
export type Team = Schemas['Team']
/** WB-4: the fewest open conversations first, in turn, or the agent who served the buyer last. */
// Hand-written: the document has Team.strategy and TeamUpdate.strategy as plain strings (kefu-domain guard.rs `strategy: String`).
export type RoutingStrategy = 'least_loaded' | 'round_robin' | 'sticky'
export type TeamUpdate = Schemas['TeamUpdate']
/** A team's share of the active accounts beside the split the seed suggests (60/30/10). */
export type TeamShare = Schemas['TeamShare']
export type TeamList = Schemas['TeamList']
export type ShopSettings = Schemas['ShopSettings']
/** Working days (ISO: 1 = Monday … 7 = Sunday) and the daily "HH:MM" opening, open before close. */
export type OfficeHours = Schemas['OfficeHours']

// ---- commerce (CH-2, CH-5, CH-6): money in integer fen ----

export type PaymentStatus = Schemas['PaymentStatus']
export type ShippingStatus = Schemas['ShippingStatus']
export type AfterSaleStatus = Schemas['AfterSaleStatus']
export type OrderItem = Schemas['OrderItem']
/** A third party that fulfils a product for the shop (CH-5), e.g. 携程, 饿了么. */
export type Partner = Schemas['Partner']
export type Order = Schemas['Order']
/** An order in the buyer's history, which on the platform desk spans shops. */
export type ShopOrder = Schemas['ShopOrder']
/** A product's SKU, as stored (the document calls it `SkuInput` in both directions). */
export type Sku = Schemas['SkuInput']
export type Product = Schemas['Product']

/** An `order_card` message's body (JSON in `Message.body`): the order as it was when the card
 *  was sent. */
export type OrderCard = Schemas['OrderCard']
/** A `product_card` message's body. */
export type ProductCard = Schemas['ProductCard']

// Hand-written: the document has HandoffCase.status as a plain string (kefu-domain commerce.rs `status: String`).
export type HandoffStatus = 'open' | 'closed'

/** A case handed to an order's fulfilment partner (CH-5), open until someone closes it with
 *  what came of it; `due_at` is when the partner's answer is due. `status` is a string in the
 *  document: compare it with a `HandoffStatus`. */
// Hand-typed `shared`: the document has it as a bare Object (HandoffCase.shared, serde_json::Value).
export type HandoffCase = Omit<Schemas['HandoffCase'], 'shared'> & { shared: Record<string, unknown> }

/** A note on a buyer that every agent of the shop sees (CH-6). */
export type BuyerNote = Schemas['BuyerNote']
/** One person across channels (CH-6): the buyer asked for first, then the others an agent
 *  merged into their profile (oldest first), and every conversation of theirs, newest first. */
export type BuyerProfile = Schemas['BuyerProfile']

/** `GET /conversations/{id}/context`: everything the customer panel shows beside a chat. */
// Hand-typed `handoffs`: each one's `shared` is a bare Object in the document (see HandoffCase).
export type ConversationContext = Omit<Schemas['ConversationContext'], 'handoffs'> & { handoffs: HandoffCase[] }

// ---- imports (docs/import.md) ----

/** `kb`: the robot's knowledge base (BOT-1), `POST /imports/kb`. */
export type ImportKind = Schemas['ImportKind']
export type ImportFormat = Schemas['Format']
/** One refused row: its line in the file (1 = the first line, the CSV header included). */
export type ImportRejection = Schemas['Rejection']
/** What an import did. `rows` and `rejected` count rows; `accepted` counts records (a
 *  product or an order, which may span several rows) and splits into created/updated/unchanged. */
export type ImportReport = Schemas['ImportReport']

// ---- approvals (ACC-5) and the audit log ----

export type ApprovalKind = Schemas['ApprovalKind']
export type ApprovalStatus = Schemas['ApprovalStatus']
/** How a compensation reaches the buyer: as money, or as a shop coupon (WB-1's 发优惠券). */
export type CompensationForm = Schemas['CompensationForm']

/** What a logistics change carries; a compensation carries its `form`, a refund `{}`. */
// Hand-written: the document has Approval.payload as a bare Object (kefu-domain guard.rs `payload: serde_json::Value`).
export interface LogisticsPayload {
  logistics_company?: string
  tracking_no?: string
  previous?: { logistics_company: string | null; tracking_no: string | null }
  form?: CompensationForm
}

/** A sensitive operation and its decision (ACC-5), as the `approval` frame carries it. */
export type Approval = Omit<Schemas['Approval'], 'payload'> & { payload: LogisticsPayload }
/** An approval with the order it is about, as the HTTP answers carry it. */
export type ApprovalView = Omit<Schemas['ApprovalView'], 'payload'> & { payload: LogisticsPayload }
export type ApprovalRequest = Schemas['ApprovalRequest']

/** One link of the tenant's hash-chained audit log. */
// Hand-typed `detail`: the document has it as a bare Object (kefu-domain guard.rs `detail: serde_json::Value`).
export type AuditEntry = Omit<Schemas['AuditEntry'], 'detail'> & { detail: unknown }
/** `action`: an action (`refund.request`) or a family (`refund`); `to` is exclusive. */
export type AuditQuery = QueryOf<'audit_list'>
export type AuditVerdict = Schemas['ChainState']

// ---- conversation tags (WB-5) and routing rules (WB-4) ----

// Hand-written: the document has Tag.group as a plain string (kefu-domain tags.rs `group: String`).
export type TagGroup = 'after_sales' | 'pre_sales' | 'service' | 'custom'
/** `group` is a string in the document: read it with `tagGroup`. */
export type Tag = Schemas['Tag']
/** WB-3: a quick phrase, with `filled` for the conversation asked about. */
export type PhraseView = Schemas['PhraseView']
export type PhraseInput = Schemas['PhraseInput']
export type PhraseScope = Schemas['PhraseScope']
/** One test a routing rule makes; all of a rule's conditions must hold. */
export type RoutingCondition = Schemas['Condition']
export type ConditionKind = RoutingCondition['kind']
export type RoutingRule = Schemas['RoutingRule']
/** A rule as `PUT /routing/rules` and the tester take it: no id for a new rule. */
export type RuleInput = Schemas['RuleInput']
export type RuleList = Schemas['RuleList']
/** A sample conversation for the rule tester. */
export type ConversationFacts = Schemas['ConversationFacts']
export type RouteDecision = Schemas['RouteDecision']

// ---- automatic replies (WB-2) ----

/** A shop's automatic replies: welcome, keyword rules, idle nudge, off-hours, queue, closing;
 *  each on or off, for every channel (`channels` empty) or the ones listed. */
export type AutoReplies = Schemas['AutoReplies']
/** `GET`/`PUT /automation`: the replies and their version (0: never saved, all off). */
export type AutomationView = Schemas['AutomationView']
export type Welcome = Schemas['Welcome']
/** The welcome for buyers who come in by one entry. */
export type EntryWelcome = Schemas['EntryWelcome']
export type KeywordReplies = Schemas['KeywordReplies']
/** Keywords (any or all, case ignored) and/or a regular expression; highest priority wins. */
export type KeywordRule = Schemas['KeywordRule']
export type MatchMode = Schemas['MatchMode']
export type IdleNudge = Schemas['IdleNudge']
/** Off-hours, queue and closing: a text, on or off. */
export type Notice = Schemas['Notice']

// ---- blocking and the intake filter (WB-6) ----

/** Why a buyer is blocked or a conversation is invalid: spam, harassment, ads, other. */
export type BlockKind = Schemas['BlockKind']
/** An agent's request to block a buyer: a note of at most 200 characters; `days` 1–365, or
 *  none (null) until a supervisor lifts it. */
export type BlockInput = Schemas['BlockInput']
/** A buyer's block as the blocklist shows it; `expires_at` null: until lifted. */
export type Block = Schemas['Block']
/** The shop's intake filter: keywords, links outside the allowed domains and a sending rate
 *  flag a message, which closes its conversation as invalid. */
export type IntakeFilter = Schemas['IntakeFilter']
/** `GET`/`PUT /intake-filter`: the filter and its version (0: never saved, off). */
export type IntakeFilterView = Schemas['IntakeFilterView']

// ---- the robot (BOT-1 … BOT-7, docs/robot.md) ----
// kefu-robot's types (kb.rs, lexicon.rs, flow.rs, robot.rs) derive no ToSchema: the document
// has the knowledge base entries, lexicons, flows and the test console's answer as bare
// Objects, so they are written by hand here.

export type RobotMode = Schemas['RobotMode']

/** General Q&A, per-product Q&A (bound to SKUs or categories), or scenario Q&A (promotion
 *  rules, given only inside their validity window). */
export type KbTier = Schemas['KbTier']

/** What the robot sends: text, maybe with a picture, a product card or buttons. */
// Hand-written as the server writes it; held to the document's KbAnswer in api.test.ts.
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
// Hand-written as the server writes it; held to the document's KbConditions in api.test.ts.
export interface KbConditions {
  entries?: string[]
  channels?: string[]
  /** true: only in office hours; false: only outside them. */
  office_hours?: boolean | null
}

/** One knowledge base entry: a standard question, the similar questions buyers ask (the
 *  robot's training data), and its answer. */
// Hand-written as the server writes it (lists always present); held to the document's KbEntry.
export interface KbEntry {
  /** 1–64 of `A–Z a–z 0–9 - _ .`. */
  id: string
  /** 1–200 characters, as are the similar questions (at most 5,000 of them). */
  question: string
  similar: string[]
  answer: KbAnswer
  tier: KbTier
  skus: string[]
  categories: string[]
  /** ISO-8601 (or a date, read as UTC midnight); scenario entries' window. */
  valid_from: string | null
  valid_to: string | null
  /** Issue #16: from this date the entry's questions go to a person (`outdated`). */
  review_by?: string | null
  conditions?: KbConditions
}

// Hand-written over KbEntry above; held to the document's KbEntryView in api.test.ts.
export interface KbEntryView extends KbEntry {
  updated_at: EpochMs
  /** Signed link to the answer's picture, for a preview. */
  image_link?: string | null
}

export type KbList = Omit<Schemas['KbList'], 'entries'> & { entries: KbEntryView[] }

/** A shop's lexicons (BOT-2), added to the built-in ones. */
// Hand-written as the server writes it (every list present); held to the document's Lexicon.
// RobotSettings.lexicon itself stays a bare Object there: kefu-domain keeps it as JSON.
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
  /** Issue #16: sensitive matters, always a person; absent or null: the built-in list. */
  sensitive?: string[] | null
}

/** `lexicon` as stored: keys may be missing. */
export type RobotSettings = Omit<Schemas['RobotSettings'], 'lexicon'> & { lexicon?: Partial<Lexicon> }
/** `lexicon` absent keeps the shop's. */
export type RobotSettingsUpdate = Omit<Schemas['RobotSettingsUpdate'], 'lexicon'> & { lexicon?: Lexicon | null }

export type HandoffReason = Schemas['HandoffReason']
/** A candidate entry as the test console shows it. */
export type RobotCandidate = Schemas['RobotCandidate']
/** What the robot does, tagged by `action` (`flow`: the message starts a multi-turn flow, BOT-4). */
export type RobotAction = Schemas['RobotAction']
/** `POST /robot/ask`: what the robot would do with a message, and why. */
export type RobotDecision = Schemas['RobotDecision']

/** A reply the robot suggests to the agent (BOT-3 assist). */
export type RobotSuggestion = Schemas['Suggestion']
export type RobotSuggestions = Schemas['Suggestions']
/** One day of the robot's work (BOT-6), in the shop's time zone; rates are 0–1. */
export type RobotDay = Schemas['RobotDay']
export type RobotMetrics = Schemas['RobotMetrics']
/** BOT-6: the robot measured on the shop's own knowledge base; points highest threshold first,
 * rates 0–1. */
export type RobotCalibration = Schemas['CalibrationView']
export type CalibrationPoint = Schemas['CurvePoint']

// ---- multi-turn flows (BOT-4) and the training loop (BOT-5) ----

/** One reply button of a `buttons` message: what it shows, and the text a tap sends. */
export type ReplyButton = Schemas['Button']
/** The body of a `buttons` message (BOT-3 clarifying, BOT-4 flows), JSON in `Message.body`. */
export type ButtonsBody = Schemas['Buttons']

/** `order`: one of the buyer's recent orders; `item`: an item of the order chosen before;
 *  `choice`: one of the step's options; `photo`: a picture; `text`: free text; `confirm`: 是/否. */
export type FlowStepKind = Schemas['StepKind']
/** What a flow does once every slot is filled. */
export type FlowAction = Schemas['FinishAction']
export type AfterSaleKind = Schemas['AfterSaleKind']
// Hand-written as the server writes them (every list and flag present): the document marks the
// fields that have serde defaults optional, since requests may leave them out. api.test.ts holds
// each of these to its generated schema.

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

/** `new_entry`: a question the knowledge base lacks; `similar`: more ways to ask an entry's. */
// Hand-written: the document has ProposalView.kind and .status as plain strings (http/robot/proposals.rs `String`).
export type ProposalKind = 'new_entry' | 'similar'
export type ProposalStatus = 'pending' | 'approved' | 'rejected'

/** A proposal of the training loop (BOT-5), built from the robot's misses and what people
 *  answered them. `kind` and `status` are strings in the document. */
export type Proposal = Schemas['ProposalView']

/** The edited values an approval may carry; what is absent stays as proposed. */
export type ProposalEdit = Schemas['ProposalEdit']

// ---- the satisfaction rating (KPI-3) and the shop's service (issue #17) ----

export type RatingState = Schemas['RatingState']
/** One invitation and, once the buyer answered, their rating: as the team reads it. */
export type Rating = Schemas['Rating']
/** An invitation as its buyer reads it, with the labels and the reasons they may tick. */
export type BuyerRating = Schemas['BuyerRating']
/** A buyer's rating: 1–5 stars, reasons from the list for those stars, a comment of at most 500. */
export type RatingInput = Schemas['RatingInput']
/** A `rating` message's body (JSON in `Message.body`): which invitation, until when, and what it asks. */
// Hand-written: no operation names kefu-domain rating.rs `RatingInvitation`, so the document lacks it.
export interface RatingInvitation {
  rating_id: Uuid
  expires_at: EpochMs
  text: string
}
/** What the chat page shows before the buyer writes: agents online, the typical first reply,
 *  the next opening. */
export type ServiceStatus = Schemas['ServiceStatus']

// ---- performance (KPI-1, KPI-2, KPI-4, KPI-5, WB-10) and quality inspection (KPI-3) ----

/** An agent's, team's or the shop's numbers over a range: rates are fractions (0.85 = 85 %),
 *  times seconds, money integer fen; null (or absent): no data in the range. */
export type KpiMetrics = Schemas['Metrics']
export type Grade = Schemas['Grade']
export type ScoredMetric = Schemas['ScoredMetric']
/** One part of a scorecard: its `points` of `weight`, and where `value` stands against the lines. */
export type ScorePart = Schemas['ScorePart']
/** Out of 100, with the parts it is made of; `grade` null: no data. */
export type Scorecard = Schemas['Scorecard']
export type TeamCard = Schemas['TeamCard']
/** One day of an agent's trend, in the shop's zone. */
export type DayPoint = Schemas['DayPoint']
export type AgentCard = Schemas['AgentCard']
/** `GET /kpi/scorecards`: the shop's, each team's and each agent's cards over `from`–`to`. */
export type TeamReport = Schemas['TeamReport']
/** `GET /kpi/me`: the caller's own card (null: nothing served in the range). */
export type MyScorecard = Schemas['MyScorecard']
export type KpiWeights = Schemas['Weights']
export type SatisfactionSource = Schemas['SatisfactionSource']
export type KpiLine = Schemas['Line']
export type KpiLines = Schemas['Lines']
export type KpiRules = Schemas['KpiRules']
export type KpiRulesView = Schemas['KpiRulesView']
export type RankingEntry = Schemas['RankingEntry']
export type TeamRanking = Schemas['TeamRanking']
/** A month's ranking per team; `kept`: the month is over and its ranking frozen. */
export type Rankings = Schemas['Rankings']

export type QaRubric = Schemas['Rubric']
export type RubricItem = Schemas['RubricItem']
export type RubricView = Schemas['RubricView']
/** Why a conversation was sampled for inspection. */
export type SampleReason = Schemas['SampleReason']
export type ReviewStatus = Schemas['ReviewStatus']
/** A forbidden word an agent wrote, on the message with that seq. */
export type ForbiddenHit = Schemas['ForbiddenHit']
export type ItemScore = Schemas['ItemScore']
/** An inspector's comment on the message with that seq. */
export type MessageComment = Schemas['MessageComment']
export type QaReview = Schemas['QaReview']
export type ReviewDetail = Schemas['ReviewDetail']
/** What an inspector sends: every rubric item's points once, and comments on messages. */
export type ScoreInput = Schemas['ScoreInput']
/** `status` is a string in the document: these are the ones the server takes. */
export type ReviewQuery = Omit<QueryOf<'reviews'>, 'status'> & { status?: ReviewStatus }

// ---- the data cockpit (DATA-1 … DATA-3) ----

/** A cockpit number; the live ones (`waiting`, `serving`, `agents_online`) have no comparisons. */
export type CockpitMetric = Schemas['CockpitMetric']
/** A tile: today's value up to this hour (or now's), and the same hours of yesterday and of the
 *  same weekday last week; `higher_is_better` absent for volumes. Rates are fractions, the first
 *  response seconds, the rating stars, `service_gmv` integer fen. */
export type Tile = Schemas['Tile']
/** A tag's count today and at the same time yesterday. */
export type TagCount = Schemas['TagCount']
/** DATA-3: what an alert is about, and how readily the shop is alerted. */
export type AlertKind = Schemas['AlertKind']
export type Sensitivity = Schemas['Sensitivity']
export type AlertRules = Schemas['AlertRules']
export type AlertRulesView = Schemas['AlertRulesView']
/** What an alert keeps as evidence: the counts (by kind) and up to 5 sample conversations. */
export interface AlertEvidence {
  conversations?: Uuid[]
  [key: string]: unknown
}
/** An anomaly alert: `observed` against `expected` over the window from `window_start` (an hour
 *  for `surge` and `robot_transfer`, 15 minutes for `queue` and `first_response`). */
// Hand-typed `evidence`: the document has it as a bare Object (kefu-domain anomaly.rs `evidence: serde_json::Value`).
export type Alert = Omit<Schemas['Alert'], 'evidence'> & { evidence: AlertEvidence }
/** `GET /cockpit` and each frame of `/cockpit/ws`. */
// Hand-typed `alerts`: each one's `evidence` is a bare Object in the document (see Alert).
export type Cockpit = Omit<Schemas['Cockpit'], 'alerts'> & { alerts: Alert[] }
/** DATA-2: 7 × 24 cells (weekday 0 = Monday), Monday 00:00 first. */
export type HeatCell = Schemas['HeatCell']
export type Heatmap = Schemas['Heatmap']
/** DATA-4: of the cycles that came with a product or an order, those that began (asked), were
 *  served by an agent, whose buyer then ordered (paid or not) and paid within 24 hours. */
export type Funnel = Schemas['Funnel']
/** One team's, agent's (`key` the id), product's (`key` the code) or entry's (`''`: none) funnel. */
export type FunnelLine = Schemas['FunnelLine']
/** `GET /cockpit/funnel`: the shop's funnel over a range and its lines by team, agent, product
 *  (the 30 most asked about) and entry. */
export type FunnelReport = Schemas['FunnelReport']

// ---- the service-health reports (DATA-2, DATA-6) ----

/** A daily report (`period` `YYYY-MM-DD`) or a monthly one (`YYYY-MM`). */
export type ReportKind = Schemas['ReportKind']
/** A kept report as `GET /reports` lists it, newest first. */
export type ReportListing = Schemas['ReportListing']
/** A cockpit number over the period against the period before and (daily) the same weekday a
 *  week before; `change` a fraction (`value / previous − 1`), `worse` never for a volume. */
export type MetricChange = Schemas['MetricChange']
/** One local hour (0–23), over the period's days. */
export type HourLine = Schemas['HourLine']
/** Something buyers asked the robot, with an example conversation. */
export type QuestionLine = Schemas['QuestionLine']
/** A product of conversations tagged as complaints. */
export type ProductLine = Schemas['ProductLine']
/** An agent who served and scored below the line. */
export type AgentLine = Schemas['AgentLine']
/** Monthly: a tag's count against the month before. */
export type TopicGrowth = Schemas['TopicGrowth']
/** Monthly: one month's outcome measures (DATA-6); money integer fen. */
export type OutcomePoint = Schemas['OutcomePoint']
/** `GET /reports/{kind}/{period}`: a kept report. */
export type HealthReport = Schemas['HealthReport']

// ---- question mining (DATA-5) ----

/** A topic's week (its Monday): conversations that asked it, of all that asked anything that
 *  week (for the page's product); the rate is `asked / total`. */
export type WeekCount = Schemas['WeekCount']
/** New: first asked in the latest week; rising or falling: the latest week's rate against the
 *  weeks before; else steady. */
export type Trend = Schemas['Trend']
/** A topic in the list: its most asked phrasing, keywords, weeks (aligned with the report's),
 *  this week's count and last week's, trend, robot proposal and open problems. */
export type TopicLine = Schemas['TopicLine']
/** A product asked about (`code` `''`: conversations about no product). */
export type ProductAsked = Schemas['ProductAsked']
/** `GET /questions/topics`: the window's Mondays (oldest first, the last the current week), the
 *  topics, the products asked about, and when the current week was last mined. */
export type TopicsReport = Schemas['TopicsReport']
/** An example question, newest first, with the conversation it was asked in. */
export type TopicExample = Schemas['TopicExample']
export type TopicDetail = Schemas['TopicDetail']
export type ProblemStatus = Schemas['ProblemStatus']
/** A fix's rate before (the whole weeks before its week) and after (the weeks from the first
 *  Monday on or after it), four each at most; `change` is `after / before − 1`. */
export type BeforeAfter = Schemas['BeforeAfter']
/** A topic sent to a product's owner to fix upstream, with the topic's weeks around the fix. */
export type ProblemView = Schemas['ProblemView']
export type NewProblem = Schemas['NewProblem']

// ---- WebSocket frames (crates/kefu-domain/src/frames.rs) ----

export type Party = Schemas['Party']

/** What a client sends. Buyers omit `conversation_id`: theirs is implied. */
export type ClientFrame = Schemas['ClientFrame']

/** What a `notice` frame is about: an anomaly alert was raised (DATA-3), a health report is
 *  ready (DATA-2), or a problem to fix was sent to its owner (DATA-5). */
export type NoticeKind = Schemas['NoticeKind']
/** A notice for those who read reports, or (`to`) for one account: a line to read, and `link`,
 *  the UI's page for it (`/agent/reports?kind=daily&period=2026-12-05`). */
export type SupervisorNotice = Schemas['SupervisorNotice']

type GeneratedServerFrame = Schemas['ServerFrame']
/** What the server sends, tagged by `type`. */
// Hand-typed `approval` frame: it carries an Approval, whose payload the document has as a bare Object.
export type ServerFrame =
  | Exclude<GeneratedServerFrame, { type: 'approval' }>
  | { type: 'approval'; approval: Approval }
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>
export type HelloFrame = ServerFrameOf<'hello'>
export type AckFrame = ServerFrameOf<'ack'>
export type ErrorFrame = ServerFrameOf<'error'>
/** WB-9: someone's availability changed; a break carries its reason and end. `status` is a
 *  string in the document: read it with `agentStatus`. */
export type PresenceFrame = ServerFrameOf<'presence'>
/** CH-7, WB-4: a waiting buyer's place in the queue (`position` ≥ 1), or `position` 0 with
 *  `agent_name` once an agent has taken the conversation. */
export type QueueFrame = ServerFrameOf<'queue'>

// ---- lists whose items are hand-typed above (keys as the document names them) ----

export type EventList = { [K in keyof Schemas['EventList']]: ConversationEvent[] }
export type HandoffList = { [K in keyof Schemas['HandoffList']]: HandoffCase[] }
export type ApprovalList = { [K in keyof Schemas['ApprovalList']]: ApprovalView[] }
export type AuditList = { [K in keyof Schemas['AuditList']]: AuditEntry[] }
export type FlowList = { [K in keyof Schemas['FlowList']]: Flow[] }
/** What approving a proposal answers: the entry it made or extended. */
export type ApprovedProposal = { [K in keyof Schemas['Approved']]: KbEntryView }
export type InternalNoteList = Schemas['InternalNoteList']

// ESC-3: work orders.
export type WorkOrderKind = Schemas['WorkOrderKind']
export type WorkOrderStatus = Schemas['WorkOrderStatus']
export type WorkOrderPriority = Schemas['WorkOrderPriority']
export type WorkOrderMove = Schemas['WorkOrderMove']
export type WorkOrderDue = Schemas['WorkOrderDue']
export type WorkOrderSource = Schemas['WorkOrderSource']
export type WorkOrderItem = Schemas['WorkOrderItem']
export type WorkOrderDraft = Schemas['WorkOrderDraft']
export type WorkOrder = Schemas['WorkOrder']
export type WorkOrderLine = Schemas['WorkOrderLine']
export type WorkOrderDetail = Schemas['WorkOrderDetail']
export type WorkOrderEventKind = Schemas['WorkOrderEventKind']
export type WorkOrderEvent = Schemas['WorkOrderEvent']
export type WorkOrderView = Schemas['WorkOrderView']
export type WorkOrderSettings = Schemas['WorkOrderSettings']
export type WorkOrderKindSettings = Schemas['WorkOrderKindSettings']
export type WorkOrderFieldDef = Schemas['WorkOrderFieldDef']
export type WorkOrderFieldKind = Schemas['WorkOrderFieldKind']
export type WorkOrderSettingsView = Schemas['WorkOrderSettingsView']
export type WorkOrderListQuery = Schemas['WorkOrderListQuery']
export type OpenWorkOrder = Schemas['OpenWorkOrder']
export type BulkWorkOrderChange = Schemas['WorkOrderBulkChange']
export type BulkWorkOrderResult = Schemas['WorkOrderBulkResult']
export type BuyerWorkOrder = Schemas['BuyerWorkOrder']

// ESC-1: escalations, and where the shop's notifications go besides kefu.
/** How far up a matter has gone: `one` (普通投诉), `two` (纠纷), `three` (舆情危机). */
export type EscalationLevel = Schemas['EscalationLevel']
export type EscalationStatus = Schemas['EscalationStatus']
/** Why a matter was escalated: an agent, a rule, a missed deadline. */
export type EscalationTrigger = Schemas['EscalationTrigger']
/** An escalation with the names the cockpit shows and whether the caller may handle it. */
export type Escalation = Schemas['EscalationView']
export type EscalationList = Schemas['EscalationList']
export type EscalateInput = Schemas['EscalateInput']
export type EscalationRules = Schemas['EscalationRules']
/** The list's `status`: one of the statuses, `active` (open and taken) or `all`. */
export type EscalationFilter = EscalationStatus | 'active' | 'all'
/** `status` is a string in the document: these are the ones the server takes. */
export type EscalationQuery = Omit<QueryOf<'escalations'>, 'status'> & { status?: EscalationFilter }
/** What a webhook may ask to be told of (its `X-Kefu-Event`). */
export type NotifyEvent = Schemas['NotifyEvent']
/** `events` none: all of them. */
export type Webhook = Schemas['Webhook']
export type NotifySettings = Schemas['NotifySettings']
export type SmsTarget = Schemas['SmsTarget']
/** One webhook call or text message: `channel` `webhook` or `sms`, `status` `pending`, `sent`
 *  or `failed` (strings in the document). */
export type Delivery = Schemas['Delivery']
export type DeliveryLog = Schemas['DeliveryLog']
/** `POST /notify/test` answers 202 (not a success `ResponseBody` reads): how many were queued. */
export type Queued = Schemas['Queued']

// ESC-2: playbooks (处置方案), the shop's standard answers to high-risk scenarios, and their runs.
/** A scenario: when it applies and what to do, step by step. */
export type Playbook = Schemas['Playbook']
export type Playbooks = Schemas['Playbooks']
/** One thing to do, with a reply to suggest, a tool and a deadline in minutes from the start. */
export type PlaybookStep = Schemas['PlaybookStep']
/** When a playbook applies: any condition that holds suggests it. */
export type PlaybookApplies = Schemas['PlaybookApplies']
/** What a step offers the agent: `compensation`, `coupon`, `logistics`, `work_order`, `escalate`. */
export type PlaybookTool = Schemas['PlaybookTool']
/** A playbook that applies to a conversation, and why (`word:物流`, `shipping:in_transit` …). */
export type PlaybookSuggestion = Schemas['PlaybookSuggestion']
/** A playbook started on a conversation: its steps as they were then, which are done, by when. */
export type PlaybookRun = Schemas['PlaybookRun']
/** A step ticked off: when and by whom. */
export type PlaybookStepDone = Schemas['PlaybookStepDone']
export type ConversationPlaybooks = Schemas['ConversationPlaybooks']

// ACC-1, ESC-1: arbitration by the platform (平台仲裁): a buyer asks the platform's official desk
// to step in on their conversation with a shop; the desk asks either side for evidence and rules;
// the shop carries the ruling out.
/** A case: its `AR…` number, where it stands, the evidence, what was asked, the ruling. */
export type Arbitration = Schemas['Arbitration']
export type ArbitrationStatus = Schemas['ArbitrationStatus']
/** Who says or sends something in a case: `buyer`, `shop` or `platform`. */
export type ArbitrationParty = Schemas['ArbitrationParty']
/** `refund` and `compensation` carry an amount in fen; `no_action` closes the case. */
export type ArbitrationRulingKind = Schemas['ArbitrationRulingKind']
export type ArbitrationEvidence = Schemas['ArbitrationEvidence']
export type ArbitrationEvidenceRequest = Schemas['ArbitrationEvidenceRequest']
export type ArbitrationRuling = Schemas['ArbitrationRuling']
/** Which side of its cases the caller is on: the platform's desk, or a shop. */
export type ArbitrationSide = Schemas['ArbitrationSide']
export type ArbitrationList = Schemas['ArbitrationList']
/** A shop's cases per 100 conversations over 30 days. */
export type ArbitrationRate = Schemas['ArbitrationRate']
/** A case with the shop's conversation, the order it names and its files' signed links. */
export type ArbitrationDetail = Schemas['ArbitrationDetail']
/** What `POST /arbitrations/{id}/ruling` takes. */
export type ArbitrationRulingInput = Schemas['RulingInput']
/** The list's `status`: one of the statuses, `active` (not closed: the default) or `all`
 *  (`status` is a string in the document). */
export type ArbitrationFilter = ArbitrationStatus | 'active' | 'all'
/** What the buyer sees: whether they may ask now, and their conversation's latest case. */
export type BuyerArbitration = Schemas['BuyerArbitration']

// SELF-3: appeals to the platform (申诉): a buyer of the official desk, or a shop, files an appeal
// of a kind from the kind's template, with files; the desk takes it up within 15 minutes and
// decides with a reason; the filer may reopen it once with new facts and files.
/** `refund`, `after_sale`, `logistics`, `service` (buyers), `penalty` (shops), `other` (both). */
export type AppealKind = Schemas['AppealKind']
export type AppealStatus = Schemas['AppealStatus']
/** A kind's title, the description's starting text and the evidence that helps. */
export type AppealTemplate = Schemas['AppealTemplate']
/** Who filed: `{kind: buyer, name}` or `{kind: shop, shop_name, name}`. */
export type AppealFiler = Schemas['AppealFiler']
export type AppealFile = Schemas['AppealFile']
/** `upheld` (申诉成立) or `rejected` (申诉不成立). */
export type AppealOutcome = Schemas['AppealOutcome']
/** One of the platform's decisions: the outcome, the reason the filer reads, who and when. */
export type AppealDecision = Schemas['AppealDecision']
/** An appeal: its `AP…` number, who filed it, where it stands, the decisions and the reopening. */
export type Appeal = Schemas['Appeal']
/** Appeals with their files' signed links, the templates the caller may file from and the
 *  platform's target. A change answers with the one appeal changed (and, from the desk, no
 *  templates). */
export type AppealList = Schemas['AppealList']
/** The list's `status`: one of the statuses, `active` (pending and in review: the default) or
 *  `all` (`status` is a string in the document). */
export type AppealFilter = AppealStatus | 'active' | 'all'
export type FileAppealInput = Schemas['FileAppeal']
export type ReopenAppealInput = Schemas['ReopenAppeal']
export type DecideAppealInput = Schemas['DecideAppeal']
/** Issue #20: a checked transcript: exactly as kefu sealed it, and of which conversation. */
export type TranscriptCheck = Schemas['TranscriptCheck']

// Issue #21, CH-3: channels — the shop's accounts on other platforms (WeChat Official Account
// first), whose buyers' messages arrive in the workbench, and the reply window those platforms
// allow.
/** A connected channel without its secrets: where the platform calls kefu, and its health. */
export type ChannelView = Schemas['ChannelView']
/** What `POST /channels` takes (`api_base` only for a test double of the platform). */
export type ChannelInput = Schemas['ChannelInput']
/** What `PUT /channels/{id}` takes: a new name, paused or resumed; a widget's sites and looks,
 *  a phone line's hours and format, the overflow rule (CH-7), a WeCom account's contact link. */
export type ChannelChange = Schemas['ChannelEdit']
/** An email channel's IMAP and SMTP servers and login (never its password). */
export type EmailServers = Schemas['EmailServers']
/** CH-7: where a channel's new conversations go while its queue is over the limit. */
export type Overflow = Schemas['Overflow']
export type OverflowTo = Schemas['OverflowTo']
/** A conversation's channel and, on a platform with one, where it stands in its reply window. */
export type ReplyWindow = Schemas['ReplyWindow']
export type ChannelWindow = Schemas['ChannelWindow']
/** CH-4: a caller checked against an order's receiver phone (masked numbers only). */
export type CallerCheck = Schemas['CallerCheck']
