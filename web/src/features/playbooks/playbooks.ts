// Playbooks as the agent pages read them (ESC-2, 处置方案): why one is suggested (its reasons as
// chips), where a run's step stands against its deadline, how far a run has got, which
// suggestions and playbooks may still be started, which pinned tool a step opens; and the
// editor's draft: a new playbook's key, a condition word added, the steps moved, what is sent
// and what the server would refuse (`invalid_playbooks`), checked before sending.

import {
  MAX_PLAYBOOK_DUE_MINUTES,
  MAX_PLAYBOOK_KEY_CHARS,
  MAX_PLAYBOOK_NAME_CHARS,
  MAX_PLAYBOOK_STEPS,
  MAX_PLAYBOOK_TEXT_CHARS,
  MAX_PLAYBOOK_WORDS,
  MAX_PLAYBOOKS,
  allOf,
} from '../../api'
import type {
  AfterSaleStatus,
  EscalationLevel,
  Playbook,
  PlaybookRun,
  Playbooks,
  PlaybookStep,
  PlaybookSuggestion,
  PlaybookTool,
  ShippingStatus,
  WorkOrderKind,
} from '../../api'
import { i18n } from '../../i18n'
import { spanText } from '../workorders/workOrders'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))
const te = (key: string) => i18n.global.te(key) || i18n.global.te(key, 'zh-CN')

export const SHIPPING_STATUSES = allOf<ShippingStatus>()(['unshipped', 'shipped', 'in_transit', 'delivered', 'returned'])
export const AFTER_SALE_STATUSES = allOf<AfterSaleStatus>()(['none', 'requested', 'processing', 'refunded', 'rejected', 'completed'])

/** Characters, as the server counts them. */
function chars(text: string): number {
  return Array.from(text).length
}

// ---- the workbench panel ----

/** A reason as a chip: 关键词「物流」, 标签「投诉」, 物流状态 运输中, 售后 已申请, 已升级 二级.
 *  `tagName` names a tag's key (the catalogue's name). Unknown reasons show as they came. */
export function reasonText(because: string, tagName: (key: string) => string = (k) => k): string {
  const at = because.indexOf(':')
  if (at < 0) return because
  const kind = because.slice(0, at)
  const value = because.slice(at + 1)
  const label = (prefix: string) => (te(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value)
  switch (kind) {
    case 'word':
      return t('playbooks.because.word', { value })
    case 'tag':
      return t('playbooks.because.tag', { value: tagName(value) })
    case 'shipping':
      return t('playbooks.because.shipping', { value: label('shippingStatus') })
    case 'after_sale':
      return t('playbooks.because.after_sale', { value: label('playbooks.afterSale') })
    case 'escalated':
      return t('playbooks.because.escalated', { value: label('escalations.levels') })
    default:
      return because
  }
}

/** The reason's kind (`word`, `tag` …), for the chip's colour. */
export function reasonKind(because: string): string {
  const at = because.indexOf(':')
  return at < 0 ? 'other' : because.slice(0, at)
}

/** `done`: ticked off; `none`: no deadline; `left`: ahead; `soon`: within half an hour; `overdue`. */
export type DueState = 'done' | 'none' | 'left' | 'soon' | 'overdue'

/** How close a deadline counts as soon. */
export const SOON_MS = 30 * 60_000

export interface DueView {
  state: DueState
  /** `剩余 25 分钟`, `已超时 10 分钟`, or ''. */
  text: string
}

/** Where a step stands against its deadline (`due_at`) at `now`. */
export function dueView(dueAt: number | null | undefined, done: boolean, now: number): DueView {
  if (done) return { state: 'done', text: '' }
  if (dueAt == null) return { state: 'none', text: '' }
  const left = dueAt - now
  if (left <= 0) return { state: 'overdue', text: t('playbooks.due.overdue', { time: spanText(left) }) }
  return { state: left <= SOON_MS ? 'soon' : 'left', text: t('playbooks.due.left', { time: spanText(left) }) }
}

/** Minutes as their largest exact unit: `30 分钟`, `48 小时`, `1 小时 30 分`, `30 天` (whole
 *  days from three on). */
export function minutesText(minutes: number): string {
  const m = Math.max(0, Math.round(minutes))
  if (m < 60) return t('time.minutes', { n: m })
  if (m % 1440 === 0 && m >= 3 * 1440) return t('time.days', { n: m / 1440 })
  if (m % 60 === 0) return t('time.hours', { n: m / 60 })
  return t('time.hoursMinutes', { h: Math.floor(m / 60), m: m % 60 })
}

/** A step's deadline as the playbook says it: `48 小时内`, or '' for none. */
export function withinText(minutes: number | null | undefined): string {
  return minutes == null ? '' : t('playbooks.due.within', { time: minutesText(minutes) })
}

export function isFinished(run: Pick<PlaybookRun, 'finished_at'>): boolean {
  return run.finished_at != null
}

export interface Progress {
  done: number
  total: number
}

export function progressOf(run: Pick<PlaybookRun, 'done' | 'steps'>): Progress {
  return { done: run.done.filter((d) => d != null).length, total: run.steps.length }
}

/** `2/4 已完成`. */
export function progressText(run: Pick<PlaybookRun, 'done' | 'steps'>): string {
  return t('playbooks.panel.progress', { ...progressOf(run) })
}

/** Keys of the playbooks running on the conversation (started, not finished). */
function runningKeys(runs: readonly Pick<PlaybookRun, 'key' | 'finished_at'>[]): Set<string> {
  return new Set(runs.filter((r) => !isFinished(r)).map((r) => r.key))
}

/** The suggestions not already running. */
export function openSuggestions<S extends Pick<PlaybookSuggestion, 'key'>>(
  suggested: readonly S[],
  runs: readonly Pick<PlaybookRun, 'key' | 'finished_at'>[],
): S[] {
  const running = runningKeys(runs)
  return suggested.filter((s) => !running.has(s.key))
}

/** The enabled playbooks an agent may start by hand: those not already running. */
export function pickable<P extends Pick<Playbook, 'key' | 'enabled'>>(
  playbooks: readonly P[],
  runs: readonly Pick<PlaybookRun, 'key' | 'finished_at'>[],
): P[] {
  const running = runningKeys(runs)
  return playbooks.filter((p) => p.enabled !== false && !running.has(p.key))
}

/** The runs with `run` (as the server just answered) in place of its older self, or first. */
export function withRun(runs: readonly PlaybookRun[], run: PlaybookRun): PlaybookRun[] {
  const at = runs.findIndex((r) => r.id === run.id)
  if (at < 0) return [run, ...runs]
  return runs.map((r, i) => (i === at ? run : r))
}

/** The pinned tool (WB-1) a step's tool opens; the rest open dialogs. */
export type PinnedTool = 'lookup' | 'coupon' | 'refund'

export function pinnedToolOf(tool: PlaybookTool | null | undefined): PinnedTool | null {
  if (tool === 'compensation') return 'refund'
  if (tool === 'coupon') return 'coupon'
  if (tool === 'logistics') return 'lookup'
  return null
}

/** A step's tool button: 补偿/退款, 开物流工单, 升级到二级 … */
export function toolText(step: Pick<PlaybookStep, 'tool' | 'work_order_kind' | 'level'>): string {
  if (!step.tool) return ''
  if (step.tool === 'work_order' && step.work_order_kind) {
    return t('playbooks.tools.workOrderOf', { kind: t(`workOrderLabels.kind.${step.work_order_kind}`) })
  }
  if (step.tool === 'escalate' && step.level) return t('playbooks.tools.escalateTo', { level: t(`escalations.levels.${step.level}`) })
  return t(`playbooks.tools.${step.tool}`)
}

// ---- the editor ----

export interface StepDraft {
  title: string
  detail: string
  reply: string
  tool: PlaybookTool | null
  work_order_kind: WorkOrderKind | null
  level: EscalationLevel | null
  due_minutes: number | null
}

export interface PlaybookDraft {
  key: string
  name: string
  description: string
  enabled: boolean
  applies: {
    words: string[]
    tags: string[]
    shipping: ShippingStatus[]
    after_sale: AfterSaleStatus[]
    escalated: EscalationLevel | null
  }
  steps: StepDraft[]
}

export interface PlaybooksDraft {
  playbooks: PlaybookDraft[]
}

function stepDraftOf(s: PlaybookStep): StepDraft {
  return {
    title: s.title,
    detail: s.detail ?? '',
    reply: s.reply ?? '',
    tool: s.tool ?? null,
    work_order_kind: s.work_order_kind ?? null,
    level: s.level ?? null,
    due_minutes: s.due_minutes ?? null,
  }
}

/** A fresh draft of what the server returned, every field present. */
export function playbooksDraftOf(view: Playbooks): PlaybooksDraft {
  return {
    playbooks: view.playbooks.map((p) => ({
      key: p.key,
      name: p.name,
      description: p.description ?? '',
      enabled: p.enabled ?? true,
      applies: {
        words: [...(p.applies?.words ?? [])],
        tags: [...(p.applies?.tags ?? [])],
        shipping: [...(p.applies?.shipping ?? [])],
        after_sale: [...(p.applies?.after_sale ?? [])],
        escalated: p.applies?.escalated ?? null,
      },
      steps: p.steps.map(stepDraftOf),
    })),
  }
}

/** What the editor sends: names and titles trimmed, a work-order kind only with the `work_order`
 *  tool and a level only with `escalate`. */
export function playbooksBody(draft: PlaybooksDraft): Playbooks {
  return {
    playbooks: draft.playbooks.map((p) => ({
      key: p.key.trim(),
      name: p.name.trim(),
      description: p.description,
      enabled: p.enabled,
      applies: {
        words: p.applies.words.map((w) => w.trim()),
        tags: p.applies.tags.map((w) => w.trim()),
        shipping: [...p.applies.shipping],
        after_sale: [...p.applies.after_sale],
        escalated: p.applies.escalated,
      },
      steps: p.steps.map((s) => ({
        title: s.title.trim(),
        detail: s.detail,
        reply: s.reply,
        tool: s.tool,
        work_order_kind: s.tool === 'work_order' ? s.work_order_kind : null,
        level: s.tool === 'escalate' ? s.level : null,
        due_minutes: s.due_minutes,
      })),
    })),
  }
}

/** The next `custom_N` key: one past the highest in use, so a deleted one's key is not reused. */
export function nextCustomKey(keys: readonly string[]): string {
  let top = 0
  for (const k of keys) {
    const m = /^custom_(\d+)$/.exec(k)
    if (m) top = Math.max(top, Number(m[1]))
  }
  return `custom_${top + 1}`
}

export function newStep(): StepDraft {
  return { title: '', detail: '', reply: '', tool: null, work_order_kind: null, level: null, due_minutes: null }
}

/** A new playbook, enabled, with one empty step. */
export function newPlaybook(key: string, name: string): PlaybookDraft {
  return {
    key,
    name,
    description: '',
    enabled: true,
    applies: { words: [], tags: [], shipping: [], after_sale: [], escalated: null },
    steps: [newStep()],
  }
}

/** The list with item `at` moved one place up (-1) or down (+1); as it was at an end. */
export function moved<T>(list: readonly T[], at: number, by: -1 | 1): T[] {
  const to = at + by
  const next = [...list]
  if (at < 0 || at >= list.length || to < 0 || to >= list.length) return next
  ;[next[at], next[to]] = [next[to], next[at]]
  return next
}

/** Adds a condition word or tag for WordList: trimmed, 1–30 characters, new, at most 50. */
export function addConditionWord(list: readonly string[], text: string): { list: string[]; problem: string | null } {
  const word = text.trim()
  if (!word) return { list: [...list], problem: 'empty' }
  if (chars(word) > MAX_PLAYBOOK_NAME_CHARS) return { list: [...list], problem: 'too_long' }
  if (list.includes(word)) return { list: [...list], problem: 'duplicate' }
  if (list.length >= MAX_PLAYBOOK_WORDS) return { list: [...list], problem: 'too_many' }
  return { list: [...list, word], problem: null }
}

export type PlaybooksProblemCode =
  | 'too_many'
  | 'key'
  | 'duplicate_key'
  | 'name'
  | 'description'
  | 'no_steps'
  | 'too_many_steps'
  | 'words'
  | 'tags'
  | 'step_title'
  | 'step_text'
  | 'work_order_kind'
  | 'due'

export interface PlaybooksProblem {
  code: PlaybooksProblemCode
  /** The playbook's index, and its step's, where the problem is. */
  playbook?: number
  step?: number
}

const KEY = /^[a-z0-9_]+$/

/** What the server would refuse (`invalid_playbooks`), the first found, checked before sending. */
export function playbooksProblem(body: Playbooks): PlaybooksProblem | null {
  if (body.playbooks.length > MAX_PLAYBOOKS) return { code: 'too_many' }
  const short = (s: string) => !!s.trim() && chars(s.trim()) <= MAX_PLAYBOOK_NAME_CHARS
  const listOk = (list: readonly string[]) => list.length <= MAX_PLAYBOOK_WORDS && list.every(short)
  const keys = new Set<string>()
  for (const [playbook, p] of body.playbooks.entries()) {
    const key = p.key.trim()
    if (!key || key.length > MAX_PLAYBOOK_KEY_CHARS || !KEY.test(key)) return { code: 'key', playbook }
    if (keys.has(key)) return { code: 'duplicate_key', playbook }
    keys.add(key)
    if (!short(p.name)) return { code: 'name', playbook }
    if (chars(p.description ?? '') > MAX_PLAYBOOK_TEXT_CHARS) return { code: 'description', playbook }
    if (!p.steps.length) return { code: 'no_steps', playbook }
    if (p.steps.length > MAX_PLAYBOOK_STEPS) return { code: 'too_many_steps', playbook }
    if (!listOk(p.applies?.words ?? [])) return { code: 'words', playbook }
    if (!listOk(p.applies?.tags ?? [])) return { code: 'tags', playbook }
    for (const [step, s] of p.steps.entries()) {
      if (!short(s.title)) return { code: 'step_title', playbook, step }
      if (chars(s.detail ?? '') > MAX_PLAYBOOK_TEXT_CHARS || chars(s.reply ?? '') > MAX_PLAYBOOK_TEXT_CHARS) return { code: 'step_text', playbook, step }
      if (s.tool === 'work_order' && !s.work_order_kind) return { code: 'work_order_kind', playbook, step }
      const due = s.due_minutes
      if (due != null && (!Number.isInteger(due) || due < 1 || due > MAX_PLAYBOOK_DUE_MINUTES)) return { code: 'due', playbook, step }
    }
  }
  return null
}

/** The problem as the editor says it: 「物流异常」第 2 步须选择工单类型 … */
export function problemText(problem: PlaybooksProblem, body: Playbooks): string {
  const p = problem.playbook != null ? body.playbooks[problem.playbook] : undefined
  const name = p?.name.trim() || p?.key || t('playbooks.editor.untitled')
  return t(`playbooks.problems.${problem.code}`, {
    name,
    step: (problem.step ?? 0) + 1,
    max: problem.code === 'too_many' ? MAX_PLAYBOOKS : problem.code === 'too_many_steps' ? MAX_PLAYBOOK_STEPS : MAX_PLAYBOOK_WORDS,
    chars: MAX_PLAYBOOK_NAME_CHARS,
    text: MAX_PLAYBOOK_TEXT_CHARS,
    due: MAX_PLAYBOOK_DUE_MINUTES,
  })
}
