// Work orders' rules as the agent pages read them (ESC-3): the kinds, statuses and priorities
// in their order; which moves a status allows (mirroring the server's status machine); the
// list's quick scopes and filters as the query the server reads (and as a saved view); where an
// order stands against its deadline and how that reads; who may work on an order; the history's
// lines; the edit form's draft and what it sends; the settings' draft and what it sends.

import { allOf } from '../../api'
import type {
  BulkWorkOrderResult,
  Permission,
  Uuid,
  WorkOrder,
  WorkOrderDraft,
  WorkOrderEvent,
  WorkOrderEventKind,
  WorkOrderFieldDef,
  WorkOrderFieldKind,
  WorkOrderKind,
  WorkOrderListQuery,
  WorkOrderMove,
  WorkOrderPriority,
  WorkOrderSettings,
  WorkOrderSettingsView,
  WorkOrderSource,
  WorkOrderStatus,
} from '../../api'
import { i18n } from '../../i18n'
import { dateTime } from '../shared/format'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

export const WORK_ORDER_KINDS = allOf<WorkOrderKind>()(['refund', 'exchange', 'reissue', 'logistics', 'complaint', 'callback', 'other'])
export const WORK_ORDER_STATUSES = allOf<WorkOrderStatus>()([
  'new',
  'in_progress',
  'waiting_buyer',
  'waiting_third_party',
  'resolved',
  'closed',
])
export const WORK_ORDER_PRIORITIES = allOf<WorkOrderPriority>()(['low', 'normal', 'high', 'urgent'])
/** Where an order comes from; CH-4: `phone`, a call owed a callback. */
export const WORK_ORDER_SOURCES = allOf<WorkOrderSource>()(['agent', 'robot', 'handoff', 'qa', 'phone'])
export const FIELD_KINDS = allOf<WorkOrderFieldKind>()(['text', 'number', 'date', 'choice'])
/** The moves a person makes, in the order their buttons show (the buyer's reply is kefu's). */
export const PERSON_MOVES: WorkOrderMove[] = ['start', 'resume', 'wait_for_buyer', 'wait_for_third_party', 'resolve', 'close', 'reopen']

/** Rows on a page of the list. */
export const PAGE_SIZE = 50
/** The server's bounds (docs/http-api.md `invalid_work_order…`). */
export const MAX_TITLE_CHARS = 100
export const MAX_DESCRIPTION_CHARS = 2000
export const MAX_NOTE_CHARS = 2000
export const MAX_FIELD_VALUE_CHARS = 500
export const MAX_VIEW_NAME_CHARS = 30
export const MAX_TARGET_HOURS = 720
export const MAX_FIELDS = 20
export const MAX_FIELD_KEY_CHARS = 30
export const MAX_FIELD_LABEL_CHARS = 30
export const MAX_OPTIONS = 20
export const MAX_OPTION_CHARS = 30
export const MAX_BULK = 200

function chars(s: string): number {
  return Array.from(s).length
}

// ---- statuses and moves ----

/** Someone still has to act on it. */
export function isOpen(status: WorkOrderStatus): boolean {
  return status !== 'resolved' && status !== 'closed'
}

/** It waits on the buyer or a third party: its clock stands. */
export function isWaiting(status: WorkOrderStatus): boolean {
  return status === 'waiting_buyer' || status === 'waiting_third_party'
}

/** The status a move leads to from `from`, or null when the server refuses it
 *  (`work_order_transition`); the server's `transition`, for a person's moves. */
export function moveTarget(from: WorkOrderStatus, move: WorkOrderMove): WorkOrderStatus | null {
  switch (move) {
    case 'start':
      return from === 'new' ? 'in_progress' : null
    case 'wait_for_buyer':
      return from === 'new' || from === 'in_progress' || from === 'waiting_third_party' ? 'waiting_buyer' : null
    case 'wait_for_third_party':
      return from === 'new' || from === 'in_progress' || from === 'waiting_buyer' ? 'waiting_third_party' : null
    case 'resume':
      return isWaiting(from) ? 'in_progress' : null
    case 'resolve':
      return isOpen(from) ? 'resolved' : null
    case 'close':
      return from === 'new' || from === 'resolved' ? 'closed' : null
    case 'reopen':
      return from === 'resolved' || from === 'closed' ? 'in_progress' : null
    case 'buyer_replied':
      return null
  }
}

/** The moves a person may make from `status`, in button order. */
export function movesFrom(status: WorkOrderStatus): WorkOrderMove[] {
  return PERSON_MOVES.filter((m) => moveTarget(status, m) !== null)
}

/** The move most often next, shown as the primary button. */
export function primaryMove(status: WorkOrderStatus): WorkOrderMove {
  switch (status) {
    case 'new':
      return 'start'
    case 'in_progress':
      return 'resolve'
    case 'waiting_buyer':
    case 'waiting_third_party':
      return 'resume'
    case 'resolved':
      return 'close'
    case 'closed':
      return 'reopen'
  }
}

/** Moves that ask for an optional reason first: dropping or closing one, opening one again. */
export function asksReason(move: WorkOrderMove): boolean {
  return move === 'close' || move === 'reopen'
}

// ---- who may do what ----

type Can = (p: Permission) => boolean

/** Work on it (move, note, edit, take or leave it): one's own or nobody's with
 *  `work_order.handle`; someone else's with `work_order.manage` too. */
export function mayWorkOn(order: Pick<WorkOrder, 'owner_id'>, me: Uuid | null | undefined, can: Can): boolean {
  if (!can('work_order.handle')) return false
  return !order.owner_id || order.owner_id === me || can('work_order.manage')
}

/** Take it oneself ("我来处理"): someone may work on it and it is not theirs yet. */
export function mayTake(order: Pick<WorkOrder, 'owner_id'>, me: Uuid | null | undefined, can: Can): boolean {
  return !!me && order.owner_id !== me && mayWorkOn(order, me, can)
}

/** The scope the list opens on: those who manage see everything open, handlers their own. */
export function defaultScope(can: Can): WorkOrderScope {
  if (can('work_order.manage')) return 'open'
  return can('work_order.handle') ? 'mine' : 'open'
}

// ---- the list's filters ----

export type WorkOrderScope = 'mine' | 'unowned' | 'open' | 'overdue' | 'done' | 'all'
export const WORK_ORDER_SCOPES: WorkOrderScope[] = ['mine', 'unowned', 'open', 'overdue', 'done', 'all']
export type WorkOrderSort = 'deadline' | 'newest'
export const WORK_ORDER_SORTS: WorkOrderSort[] = ['deadline', 'newest']

export interface WorkOrderFilters {
  scope: WorkOrderScope
  kind: WorkOrderKind | null
  priority: WorkOrderPriority | null
  team: string | null
  /** In the number or the title. */
  q: string
  sort: WorkOrderSort
}

export function defaultFilters(scope: WorkOrderScope = 'open'): WorkOrderFilters {
  return { scope, kind: null, priority: null, team: null, q: '', sort: scopeSort(scope) }
}

/** What a quick scope asks the server. */
export function scopeQuery(scope: WorkOrderScope): WorkOrderListQuery {
  switch (scope) {
    case 'mine':
      return { status: 'open', owner: 'me' }
    case 'unowned':
      return { status: 'open', owner: 'none' }
    case 'open':
      return { status: 'open' }
    case 'overdue':
      return { status: 'open', overdue: true }
    case 'done':
      return { status: 'done' }
    case 'all':
      return { status: 'all' }
  }
}

/** Open orders by the deadline nearest; finished ones (and everything) newest first. */
export function scopeSort(scope: WorkOrderScope): WorkOrderSort {
  return scope === 'done' || scope === 'all' ? 'newest' : 'deadline'
}

/** Another scope, its sort with it. */
export function withScope(filters: WorkOrderFilters, scope: WorkOrderScope): WorkOrderFilters {
  return { ...filters, scope, sort: scopeSort(scope) }
}

/** The filters as the list's query parameters, without the empty ones (a saved view's). */
export function viewFilters(filters: WorkOrderFilters): WorkOrderListQuery {
  const query: WorkOrderListQuery = { ...scopeQuery(filters.scope) }
  if (filters.kind) query.kind = filters.kind
  if (filters.priority) query.priority = filters.priority
  if (filters.team) query.team = filters.team
  const q = filters.q.trim()
  if (q) query.q = q
  query.sort = filters.sort
  return query
}

/** One page of the list. */
export function listQuery(filters: WorkOrderFilters, page: number): WorkOrderListQuery {
  return { ...viewFilters(filters), page, page_size: PAGE_SIZE }
}

function text(value: unknown): string | null {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' && v !== '' ? v : null
}

function pick<T extends string>(values: readonly T[], value: unknown): T | null {
  const v = text(value)
  return v !== null && (values as readonly string[]).includes(v) ? (v as T) : null
}

/** The filters a saved view (or a query) names; what they cannot say is left at its default. */
export function filtersFromQuery(query: Record<string, unknown>): WorkOrderFilters {
  const status = text(query.status)
  const owner = text(query.owner)
  const overdue = query.overdue === true || text(query.overdue) === 'true'
  let scope: WorkOrderScope = 'open'
  if (overdue) scope = 'overdue'
  else if (status === 'done') scope = 'done'
  else if (status === 'all') scope = 'all'
  else if (owner === 'me') scope = 'mine'
  else if (owner === 'none') scope = 'unowned'
  return {
    scope,
    kind: pick(WORK_ORDER_KINDS, query.kind),
    priority: pick(WORK_ORDER_PRIORITIES, query.priority),
    team: text(query.team),
    q: text(query.q) ?? '',
    sort: pick(WORK_ORDER_SORTS, query.sort) ?? scopeSort(scope),
  }
}

/** Whether two sets of filters find the same orders in the same order. */
export function sameFilters(a: WorkOrderFilters, b: WorkOrderFilters): boolean {
  const key = (f: WorkOrderFilters) => JSON.stringify(Object.entries(viewFilters(f)).sort(([x], [y]) => x.localeCompare(y)))
  return key(a) === key(b)
}

/** Whether anything beyond the scope narrows the list. */
export function narrowed(filters: WorkOrderFilters): boolean {
  return !!(filters.kind || filters.priority || filters.team || filters.q.trim())
}

/** The order `?order=` names (a notice links so), or null. */
export function orderQuery(query: Record<string, unknown>): Uuid | null {
  const value = text(query.order)
  return value && /^[0-9a-f-]{36}$/i.test(value) ? value : null
}

// ---- tags' tones ----

export type Tone = 'brand' | 'progress' | 'waiting' | 'success' | 'neutral' | 'warning' | 'danger' | 'plain'

export function statusTone(status: WorkOrderStatus): Tone {
  switch (status) {
    case 'new':
      return 'brand'
    case 'in_progress':
      return 'progress'
    case 'waiting_buyer':
    case 'waiting_third_party':
      return 'waiting'
    case 'resolved':
      return 'success'
    case 'closed':
      return 'neutral'
  }
}

export function priorityTone(priority: WorkOrderPriority): Tone {
  switch (priority) {
    case 'urgent':
      return 'danger'
    case 'high':
      return 'warning'
    case 'normal':
      return 'plain'
    case 'low':
      return 'neutral'
  }
}

// ---- the deadline ----

/** Where an order stands: open on time, soon due, overdue; waiting (its clock stands); or
 *  finished, within its time or late. */
export type DeadlineState = 'on_time' | 'soon' | 'overdue' | 'paused' | 'done' | 'late'

type Timed = Pick<WorkOrder, 'status' | 'deadline_at' | 'overdue_at' | 'resolved_at' | 'closed_at'> & {
  due?: 'on_time' | 'soon' | 'overdue' | null
}

export function deadlineState(order: Timed, now: number): DeadlineState {
  if (!isOpen(order.status)) {
    const finished = order.resolved_at ?? order.closed_at ?? null
    return order.overdue_at != null || (finished != null && finished > order.deadline_at) ? 'late' : 'done'
  }
  if (isWaiting(order.status)) return 'paused'
  if (order.due) return order.due
  return now >= order.deadline_at ? 'overdue' : 'on_time'
}

/** A span as its largest sensible unit: `25 分钟`, `2 小时 30 分`, `20 小时`, `3 天`. */
export function spanText(ms: number): string {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60_000))
  if (minutes < 60) return t('time.minutes', { n: minutes })
  const hours = Math.floor(minutes / 60)
  if (hours < 6) return minutes % 60 ? t('time.hoursMinutes', { h: hours, m: minutes % 60 }) : t('time.hours', { n: hours })
  if (hours < 48) return t('time.hours', { n: hours })
  return t('time.days', { n: Math.floor(hours / 24) })
}

export interface DeadlineView {
  state: DeadlineState
  /** `剩 3 小时`, `超时 2 天`, `已暂停`, `按时完成` … */
  text: string
  /** The deadline itself. */
  at: string
}

export function deadlineView(order: Timed, now: number): DeadlineView {
  const state = deadlineState(order, now)
  const left = order.deadline_at - now
  let shown: string
  switch (state) {
    case 'paused':
      shown = t('workOrders.deadline.paused')
      break
    case 'done':
      shown = t('workOrders.deadline.done')
      break
    case 'late':
      shown = t('workOrders.deadline.late')
      break
    default:
      shown = left > 0 ? t('workOrders.deadline.left', { time: spanText(left) }) : t('workOrders.deadline.overdueBy', { time: spanText(left) })
  }
  return { state, text: shown, at: dateTime(order.deadline_at) }
}

/** An order's target (office time it was given) as hours: `24 小时`, `6 小时`, `1.5 小时`. */
export function targetText(targetMs: number): string {
  const hours = Math.round((targetMs / 3_600_000) * 10) / 10
  return t('time.hours', { n: hours })
}

// ---- the history ----

export type EventTone = 'brand' | 'success' | 'warning' | 'note' | 'neutral'

export function eventTone(kind: WorkOrderEventKind): EventTone {
  switch (kind) {
    case 'reminded':
    case 'overdue':
      return 'warning'
    case 'comment':
      return 'note'
    case 'moved':
      return 'brand'
    case 'auto_closed':
      return 'success'
    default:
      return 'neutral'
  }
}

export interface Names {
  person: (id: Uuid) => string | null
  team: (key: string) => string
}

/** What an edit changed, by the edit form's field names. */
const EDITED_FIELDS = ['title', 'description', 'order_no', 'amount_fen', 'items', 'fields'] as const

function statusLabel(s: unknown): string {
  return typeof s === 'string' && (WORK_ORDER_STATUSES as string[]).includes(s) ? t(`workOrderLabels.status.${s}`) : String(s ?? '')
}

function priorityLabel(p: unknown): string {
  return typeof p === 'string' && (WORK_ORDER_PRIORITIES as string[]).includes(p) ? t(`workOrderLabels.priority.${p}`) : String(p ?? '')
}

/** The line under an event's label: a move's from → to, who it went to, what an edit changed,
 *  the deadline a reminder was about, where it came from; '' when there is nothing to add. */
export function eventDetail(event: WorkOrderEvent, names: Names): string {
  const data = (event.data ?? {}) as Record<string, unknown>
  switch (event.kind) {
    case 'moved':
      return data.from && data.to ? `${statusLabel(data.from)} → ${statusLabel(data.to)}` : ''
    case 'assigned': {
      const owner = typeof data.owner_id === 'string' ? names.person(data.owner_id) ?? t('workOrders.someone') : null
      const parts = [owner ? t('workOrders.history.owner', { name: owner }) : t('workOrders.history.noOwner')]
      if (typeof data.team === 'string' && data.team) parts.push(t('workOrders.history.team', { team: names.team(data.team) }))
      return parts.join(' · ')
    }
    case 'edited': {
      const priority = data.priority as { from?: unknown; to?: unknown } | undefined
      if (priority && typeof priority === 'object') {
        return t('workOrders.history.priority', { from: priorityLabel(priority.from), to: priorityLabel(priority.to) })
      }
      const changed = EDITED_FIELDS.filter((k) => data[k] !== undefined && data[k] !== null && data[k] !== false)
      return changed.length
        ? t('workOrders.history.changed', { fields: changed.map((k) => t(`workOrders.facts.${k}`)).join(t('workOrders.listSeparator')) })
        : ''
    }
    case 'created':
      return typeof data.source === 'string' && (WORK_ORDER_SOURCES as string[]).includes(data.source)
        ? t(`workOrderLabels.source.${data.source}`)
        : ''
    case 'reminded':
    case 'overdue':
      return typeof data.deadline_at === 'number' ? t('workOrders.history.deadline', { time: dateTime(data.deadline_at) }) : ''
    default:
      return ''
  }
}

// ---- bulk changes ----

export interface BulkFailureGroup {
  code: string
  /** The orders' numbers (their ids when not on the page). */
  numbers: string[]
}

/** Orders left as they were, by why. */
export function bulkFailures(result: BulkWorkOrderResult, numberOf: (id: Uuid) => string | null): BulkFailureGroup[] {
  const groups = new Map<string, string[]>()
  for (const f of result.failed) {
    const list = groups.get(f.code) ?? []
    list.push(numberOf(f.id) ?? f.id)
    groups.set(f.code, list)
  }
  return [...groups].map(([code, numbers]) => ({ code, numbers }))
}

// ---- the edit form ----

export interface EditDraft {
  title: string
  description: string
  order_no: string
  /** Yuan as typed; '' for none. */
  amount: string
  /** Each custom field of the kind by key; '' for none. */
  fields: Record<string, string>
}

/** Fen as the amount field shows it: `1299.00`, '' for none. */
export function fenInput(fen: number | null | undefined): string {
  if (fen == null) return ''
  const abs = Math.abs(Math.trunc(fen))
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Yuan typed (`59.9`, `¥1,299`) as fen; null when it is no amount with at most two decimals. */
export function parseAmount(input: string): number | null {
  const cleaned = input.trim().replace(/^[¥￥]/, '').replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const [whole, frac = ''] = cleaned.split('.')
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}

export function editDraftOf(order: WorkOrder, defs: readonly WorkOrderFieldDef[]): EditDraft {
  const fields: Record<string, string> = {}
  for (const d of defs) fields[d.key] = order.fields?.[d.key] ?? ''
  return {
    title: order.title,
    description: order.description,
    order_no: order.order_no ?? '',
    amount: fenInput(order.amount_fen),
    fields,
  }
}

export type EditProblem =
  | { why: 'title' | 'description' | 'amount' }
  | { why: 'required' | 'number' | 'too_long'; label: string }

export function editProblem(draft: EditDraft, defs: readonly WorkOrderFieldDef[]): EditProblem | null {
  const title = draft.title.trim()
  if (!title || chars(title) > MAX_TITLE_CHARS) return { why: 'title' }
  if (chars(draft.description) > MAX_DESCRIPTION_CHARS) return { why: 'description' }
  if (draft.amount.trim() && parseAmount(draft.amount) === null) return { why: 'amount' }
  for (const d of defs) {
    const value = (draft.fields[d.key] ?? '').trim()
    if (!value) {
      if (d.required) return { why: 'required', label: d.label }
      continue
    }
    if (chars(value) > MAX_FIELD_VALUE_CHARS) return { why: 'too_long', label: d.label }
    if (d.kind === 'number' && !Number.isFinite(Number(value))) return { why: 'number', label: d.label }
  }
  return null
}

/** Only the fields the kind's settings define, and not empty ones: the server refuses others. */
export function keptFields(fields: Record<string, string> | undefined, defs: readonly WorkOrderFieldDef[]): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const d of defs) {
    const value = (fields?.[d.key] ?? '').trim()
    if (value) kept[d.key] = value
  }
  return kept
}

/** The whole draft the server takes (`PUT /work-orders/{id}` sends every part). */
export function draftOf(order: WorkOrder, defs: readonly WorkOrderFieldDef[]): WorkOrderDraft {
  return {
    kind: order.kind,
    title: order.title,
    description: order.description,
    priority: order.priority,
    order_no: order.order_no ?? null,
    items: order.items ?? [],
    amount_fen: order.amount_fen ?? null,
    fields: keptFields(order.fields, defs),
  }
}

/** The order with the edit form's draft. */
export function editedDraft(order: WorkOrder, draft: EditDraft, defs: readonly WorkOrderFieldDef[]): WorkOrderDraft {
  const amount = draft.amount.trim()
  return {
    ...draftOf(order, defs),
    title: draft.title.trim(),
    description: draft.description.trim(),
    order_no: draft.order_no.trim() || null,
    amount_fen: amount ? parseAmount(amount) : null,
    fields: keptFields(draft.fields, defs),
  }
}

/** The order as it is, at another priority (its deadline is scaled again). */
export function reprioritisedDraft(order: WorkOrder, priority: WorkOrderPriority, defs: readonly WorkOrderFieldDef[]): WorkOrderDraft {
  return { ...draftOf(order, defs), priority }
}

// ---- the settings ----

export interface FieldDraft {
  key: string
  label: string
  kind: WorkOrderFieldKind
  options: string[]
  required: boolean
}

export interface KindDraft {
  kind: WorkOrderKind
  /** The shop's own target in office hours; null: the kind's default. */
  hours: number | null
  fields: FieldDraft[]
}

/** Every kind, in order. */
export type SettingsDraft = KindDraft[]

export function settingsDraftOf(view: WorkOrderSettingsView): SettingsDraft {
  const kinds = view.settings?.kinds ?? {}
  return WORK_ORDER_KINDS.map((kind) => {
    const s = kinds[kind]
    return {
      kind,
      hours: s?.target_hours ?? null,
      fields: (s?.fields ?? []).map((f) => ({
        key: f.key,
        label: f.label,
        kind: f.kind,
        options: [...(f.options ?? [])],
        required: !!f.required,
      })),
    }
  })
}

/** The settings the server takes: only the kinds the shop changes. */
export function settingsBody(draft: SettingsDraft): WorkOrderSettings {
  const kinds: NonNullable<WorkOrderSettings['kinds']> = {}
  for (const k of draft) {
    if (k.hours == null && !k.fields.length) continue
    kinds[k.kind] = {
      ...(k.hours != null ? { target_hours: k.hours } : {}),
      fields: k.fields.map((f) => ({
        key: f.key.trim(),
        label: f.label.trim(),
        kind: f.kind,
        ...(f.kind === 'choice' ? { options: [...f.options] } : {}),
        required: f.required,
      })),
    }
  }
  return { kinds }
}

export type SettingsProblem =
  | { kind: WorkOrderKind; why: 'hours' | 'too_many_fields' }
  | { kind: WorkOrderKind; field: number; why: 'key' | 'label' | 'duplicate_key' | 'options' }

const FIELD_KEY = /^[A-Za-z0-9_]+$/

/** The first thing the server would refuse (`invalid_work_order_settings`), or null. */
export function settingsProblem(body: WorkOrderSettings): SettingsProblem | null {
  for (const kind of WORK_ORDER_KINDS) {
    const s = body.kinds?.[kind]
    if (!s) continue
    const hours = s.target_hours
    if (hours != null && (!Number.isInteger(hours) || hours < 1 || hours > MAX_TARGET_HOURS)) return { kind, why: 'hours' }
    const fields = s.fields ?? []
    if (fields.length > MAX_FIELDS) return { kind, why: 'too_many_fields' }
    const keys = new Set<string>()
    for (const [field, f] of fields.entries()) {
      if (!FIELD_KEY.test(f.key) || f.key.length > MAX_FIELD_KEY_CHARS) return { kind, field, why: 'key' }
      if (keys.has(f.key)) return { kind, field, why: 'duplicate_key' }
      keys.add(f.key)
      if (!f.label || chars(f.label) > MAX_FIELD_LABEL_CHARS) return { kind, field, why: 'label' }
      if (f.kind === 'choice') {
        const options = f.options ?? []
        if (!options.length || options.length > MAX_OPTIONS || options.some((o) => !o.trim() || chars(o) > MAX_OPTION_CHARS)) {
          return { kind, field, why: 'options' }
        }
      }
    }
  }
  return null
}

/** A new, empty field with a key none of `fields` has. */
export function newField(fields: readonly FieldDraft[]): FieldDraft {
  let n = fields.length + 1
  while (fields.some((f) => f.key === `field_${n}`)) n++
  return { key: `field_${n}`, label: '', kind: 'text', options: [], required: false }
}

/** A choice's option added, or why not (the option editor's problem codes). */
export function addOption(list: readonly string[], input: string): { list: string[]; problem: string | null } {
  const option = input.trim()
  if (!option) return { list: [...list], problem: 'empty' }
  if (chars(option) > MAX_OPTION_CHARS) return { list: [...list], problem: 'too_long' }
  if (list.includes(option)) return { list: [...list], problem: 'duplicate' }
  if (list.length >= MAX_OPTIONS) return { list: [...list], problem: 'too_many' }
  return { list: [...list, option], problem: null }
}

/** A custom field's label by its key (the key itself when the settings no longer define it). */
export function fieldLabel(defs: readonly WorkOrderFieldDef[], key: string): string {
  return defs.find((d) => d.key === key)?.label || key
}

/** The custom fields to show: the kind's defined ones first (in order), then any others the
 *  order still carries; empty ones left out. */
export function shownFields(fields: Record<string, string> | undefined, defs: readonly WorkOrderFieldDef[]): { key: string; label: string; value: string }[] {
  const values = fields ?? {}
  const shown = defs.filter((d) => values[d.key]).map((d) => ({ key: d.key, label: d.label || d.key, value: values[d.key] }))
  for (const [key, value] of Object.entries(values)) {
    if (value && !defs.some((d) => d.key === key)) shown.push({ key, label: key, value })
  }
  return shown
}
