// Appeals to the platform (申诉, SELF-3) as the pages read them: the list's filters; where an
// appeal stands in words (the buyer's 待受理（15 分钟内）/ 处理中 / 申诉成立 / 申诉不成立); how long
// a pending one has waited against the platform's 15-minute target; who filed it; the templates
// a filer may use and how the description follows the template chosen; what is typed (1–2,000
// characters, at most 9 files, each within the upload limits); an answer (the one appeal
// changed) merged into the list shown. Issue #20: the transcript file's name, and the check in
// words.

import { FILE_ACCEPT, IMAGE_ACCEPT, MAX_APPEAL_FILES, MAX_APPEAL_TEXT_CHARS, MAX_FILE_BYTES, MAX_IMAGE_BYTES } from '../../api'
import type {
  Appeal,
  AppealDecision,
  AppealFilter,
  AppealFiler,
  AppealKind,
  AppealList,
  AppealOutcome,
  AppealTemplate,
  FileAppealInput,
  TranscriptCheck,
  Uuid,
} from '../../api'
import { i18n } from '../../i18n'
import { spanText } from '../workorders/workOrders'

const t = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key))

/** The list's filter: 待处理 (pending and in review), 已处理, 全部. */
export const APPEAL_FILTERS = ['active', 'decided', 'all'] as const satisfies readonly AppealFilter[]
export type AppealListFilter = (typeof APPEAL_FILTERS)[number]

/** The platform's target when the list does not say: 15 minutes from filing to being taken up. */
export const DEFAULT_TARGET_MINUTES = 15
/** What an appeal's files may be: pictures, PDF and MP4 video (the upload endpoint's types). */
export const APPEAL_FILE_ACCEPT = `${IMAGE_ACCEPT},${FILE_ACCEPT.split(',')
  .filter((type) => /pdf|mp4/.test(type))
  .join(',')}`
/** How often the buyer's chat reads their appeals again while one is not decided. */
export const BUYER_POLL_MS = 30_000
/** The file a transcript downloads as when the server names none. */
export const TRANSCRIPT_FILE_NAME = 'kefu-transcript.html'

type Status = Pick<Appeal, 'status'>

/** The platform's latest decision, or null (never decided). */
export function latestDecision(a: Pick<Appeal, 'decisions'>): AppealDecision | null {
  return a.decisions.reduce<AppealDecision | null>((last, d) => (!last || d.at >= last.at ? d : last), null)
}

/** Where an appeal stands, a decided one by its latest outcome. */
export type AppealStage = 'pending' | 'in_review' | AppealOutcome

export function appealStage(a: Status & Pick<Appeal, 'decisions'>): AppealStage {
  if (a.status !== 'decided') return a.status
  return latestDecision(a)?.outcome ?? 'rejected'
}

/** `待受理（15 分钟内）`, `处理中`, `申诉成立`, `申诉不成立`. */
export function stageText(a: Status & Pick<Appeal, 'decisions'>, targetMinutes = DEFAULT_TARGET_MINUTES): string {
  return t(`appeals.stage.${appealStage(a)}`, { target: targetMinutes })
}

/** The desk may take it up: it waits in the queue. */
export function mayTake(a: Status): boolean {
  return a.status === 'pending'
}

/** The desk may decide: from the queue or in review. */
export function mayDecide(a: Status): boolean {
  return a.status !== 'decided'
}

/** The filer may reopen it, once: decided, not reopened yet. */
export function mayReopen(a: Status & Pick<Appeal, 'reopened_with'>): boolean {
  return a.status === 'decided' && a.reopened_with == null
}

/** Whether the buyer's chat keeps reading their appeals: one is not decided. */
export function followsAppeals(appeals: readonly Status[]): boolean {
  return appeals.some((a) => a.status !== 'decided')
}

/** `ok` well within the target, `near` in its last third (10–15 minutes of 15), `late` past it. */
export type WaitState = 'ok' | 'near' | 'late'

export interface WaitView {
  state: WaitState
  /** Whole minutes waited. */
  minutes: number
  /** `已等待 12 分钟 / 目标 15 分钟`. */
  text: string
}

/** How long a pending appeal has waited since it was queued (filed or reopened), against the
 *  target; marked overdue by the server, it is late whatever the clocks say. */
export function waitView(a: Pick<Appeal, 'queued_at' | 'overdue_at'>, now: number, targetMinutes = DEFAULT_TARGET_MINUTES): WaitView {
  const waited = Math.max(0, now - a.queued_at)
  const minutes = Math.floor(waited / 60_000)
  const target = targetMinutes * 60_000
  const state: WaitState = a.overdue_at != null || waited >= target ? 'late' : waited >= (target * 2) / 3 ? 'near' : 'ok'
  const text =
    minutes < 1
      ? t('appeals.wait.less', { target: targetMinutes })
      : t('appeals.wait.text', { time: spanText(waited), target: targetMinutes })
  return { state, minutes, text }
}

/** The buyer's name, or `山野茶铺 · 王店长` for a shop's account. */
export function filerText(filer: AppealFiler): string {
  return filer.kind === 'shop' ? t('appeals.filer.shop', { shop: filer.shop_name, name: filer.name }) : filer.name
}

/** The kind's title: the template's when there is one, else the kind's name. */
export function kindTitle(kind: AppealKind, templates: readonly AppealTemplate[] = []): string {
  return templates.find((x) => x.kind === kind)?.title ?? t(`appeals.kinds.${kind}`)
}

/** The templates `who` may file from. */
export function templatesFor(templates: readonly AppealTemplate[], who: 'buyer' | 'shop'): AppealTemplate[] {
  return templates.filter((x) => (who === 'buyer' ? x.for_buyers : x.for_shops))
}

/** The description once another template is chosen: its starting text, unless the filer wrote
 *  something of their own (the text is neither empty nor the previous template's, untouched). */
export function nextDescription(current: string, from: AppealTemplate | null, to: AppealTemplate): string {
  const untouched = !current.trim() || (from != null && current === from.description)
  return untouched ? to.description : current
}

// ---- what is typed ----

export type TextProblem = 'empty' | 'too_long'

/** What is wrong with a description, new facts or a reason (1–2,000 characters once trimmed,
 *  as the server counts them). */
export function textProblem(text: string): TextProblem | null {
  const n = Array.from(text.trim()).length
  if (!n) return 'empty'
  return n > MAX_APPEAL_TEXT_CHARS ? 'too_long' : null
}

/** Over the upload limits: 10 MiB for a picture, 20 MiB for anything else. */
export function fileTooLarge(file: Pick<File, 'size' | 'type'>): boolean {
  return file.size > (file.type.startsWith('image/') ? MAX_IMAGE_BYTES : MAX_FILE_BYTES)
}

export type FilesProblem = 'too_many_files' | 'file_too_large'

/** The files chosen so far with those just picked: the ones too large are left out, and past
 *  the ninth the rest; `problem` says why some were. */
export function addFiles<F extends Pick<File, 'size' | 'type'>>(current: readonly F[], picked: readonly F[]): { files: F[]; problem: FilesProblem | null } {
  const fitting = picked.filter((f) => !fileTooLarge(f))
  const room = Math.max(0, MAX_APPEAL_FILES - current.length)
  const problem: FilesProblem | null = fitting.length > room ? 'too_many_files' : fitting.length < picked.length ? 'file_too_large' : null
  return { files: [...current, ...fitting.slice(0, room)], problem }
}

export interface AppealDraft {
  kind: AppealKind | null
  orderNo: string
  description: string
}

export type AppealProblem = 'kind' | `description_${TextProblem}` | 'too_many_files'

/** The first thing wrong with an appeal and its files, or null. */
export function appealProblem(draft: AppealDraft, fileCount: number): AppealProblem | null {
  if (!draft.kind) return 'kind'
  const text = textProblem(draft.description)
  if (text) return `description_${text}`
  return fileCount > MAX_APPEAL_FILES ? 'too_many_files' : null
}

/** What filing sends, once the files are uploaded (an order number only when one is typed). */
export function appealBody(draft: AppealDraft & { kind: AppealKind }, attachmentIds: Uuid[]): FileAppealInput {
  const orderNo = draft.orderNo.trim()
  return { kind: draft.kind, description: draft.description.trim(), attachment_ids: attachmentIds, ...(orderNo ? { order_no: orderNo } : {}) }
}

export type ReopenProblem = `facts_${TextProblem}` | 'too_many_files'

/** The first thing wrong with a reopening's facts and files, or null. */
export function reopenProblem(facts: string, fileCount: number): ReopenProblem | null {
  const text = textProblem(facts)
  if (text) return `facts_${text}`
  return fileCount > MAX_APPEAL_FILES ? 'too_many_files' : null
}

/** A problem in words, with the limits filled in. */
export function problemText(problem: AppealProblem | ReopenProblem | FilesProblem | `reason_${TextProblem}` | 'outcome'): string {
  return t(`appeals.problems.${problem}`, { max: MAX_APPEAL_TEXT_CHARS, files: MAX_APPEAL_FILES })
}

// ---- the list ----

/** The list with an answer's appeals in place (a new one added), their files' links, and the
 *  list's own templates when the answer has none; the desk's queue oldest queued first, a
 *  filer's list newest first. */
export function mergeAppeals(list: AppealList, answer: AppealList): AppealList {
  const changed = new Map(answer.appeals.map((a) => [a.id, a]))
  const kept = list.appeals.map((a) => changed.get(a.id) ?? a)
  const added = answer.appeals.filter((a) => !list.appeals.some((x) => x.id === a.id))
  const appeals = [...added, ...kept].sort((a, b) => (list.side === 'platform' ? a.queued_at - b.queued_at : b.created_at - a.created_at))
  return {
    ...list,
    templates: answer.templates.length ? answer.templates : list.templates,
    target_minutes: answer.target_minutes || list.target_minutes,
    appeals,
    files: { ...list.files, ...answer.files },
  }
}

/** The appeal `?appeal=` names (a notice links so), or null. */
export function appealQuery(query: Record<string, unknown>): Uuid | null {
  const value = Array.isArray(query.appeal) ? query.appeal[0] : query.appeal
  return typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value) ? value : null
}

// ---- issue #20: the chat transcript ----

/** The name a Content-Disposition gives (`filename*=UTF-8''…` first), else `kefu-transcript.html`. */
export function transcriptFileName(disposition: string | null): string {
  if (disposition) {
    const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
    if (extended) {
      try {
        const name = decodeURIComponent(extended[1].trim())
        if (name) return name
      } catch {
        // Fall back on the plain name.
      }
    }
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(disposition)
    const name = (plain?.[1] ?? plain?.[2] ?? '').trim()
    if (name && !/[\\/]/.test(name)) return name
  }
  return TRANSCRIPT_FILE_NAME
}

/** `凭证有效 · 会话 …` or `凭证无效：文件被修改过或不是本平台导出的`. */
export function transcriptCheckText(check: TranscriptCheck): string {
  return check.valid ? t('appeals.verify.valid', { id: check.conversation_id ?? '' }) : t('appeals.verify.invalid')
}
