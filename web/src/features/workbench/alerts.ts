// Alerts for agents (issue #17): which changes to the conversations call the agent — a new
// conversation waiting that they may take, a buyer writing in one of theirs, one transferred or
// assigned to them, a buyer waiting past the team's response target (WB-7) —, one sound for a
// burst of them, the unread count in the tab title, and the agent's choices (sound, desktop
// notifications) as they are kept. Pure: alertOutput.ts makes the sound and the notification.

import { allOf } from '../../api'
import type { ConversationSummary, Uuid } from '../../api'

export type AlertKind = 'waiting' | 'message' | 'assigned' | 'overdue'
export const ALERT_KINDS = allOf<AlertKind>()(['waiting', 'message', 'assigned', 'overdue'])

export interface Alert {
  kind: AlertKind
  conversationId: Uuid
  buyerName: string
  preview: string
}

/** Who is asking, and what needs no alert. */
export interface AlertContext {
  me: Uuid | null
  myTeam: string | null
  /** The agent may take waiting conversations now: they reply, and they are online. */
  takesWaiting: boolean
  /** The router assigns waiting conversations (WB-4): only those offered to grab (WB-8) wait
   *  for an agent. */
  routing: boolean
  /** Conversations on screen in a visible tab, or that the agent has just acted on (a grab, a
   *  first reply): their news is no news. */
  quiet: ReadonlySet<Uuid>
}

/** What a change is measured against: a conversation as last seen. */
export type SeenConversation = Pick<
  ConversationSummary,
  'id' | 'status' | 'assignee_id' | 'last_buyer_message_at' | 'robot_active' | 'up_for_grabs' | 'team' | 'last_seq' | 'updated_at'
>

function seenOf(c: ConversationSummary): SeenConversation {
  const { id, status, assignee_id, last_buyer_message_at, robot_active, up_for_grabs, team, last_seq, updated_at } = c
  return { id, status, assignee_id, last_buyer_message_at, robot_active, up_for_grabs, team, last_seq, updated_at }
}

/** Whether `c` waits for this agent to take it: open, nobody's, not the robot's, in the agent's
 *  team's queue (or no team's); with the router on, only once offered to grab. */
export function waitsFor(c: SeenConversation, ctx: AlertContext): boolean {
  if (!ctx.takesWaiting || c.status !== 'open' || c.assignee_id || c.robot_active) return false
  if (c.team && ctx.myTeam && c.team !== ctx.myTeam) return false
  return ctx.routing ? !!c.up_for_grabs : true
}

function isMine(c: SeenConversation, ctx: AlertContext): boolean {
  return !!ctx.me && c.assignee_id === ctx.me
}

/** Every change advances `last_seq` or `updated_at`; frames may come out of order. */
function isOlder(c: SeenConversation, than: SeenConversation): boolean {
  return c.last_seq < than.last_seq || (c.last_seq === than.last_seq && c.updated_at < than.updated_at)
}

/** What a change of a conversation (from `before`, unknown when never seen) calls for. */
export function alertFor(before: SeenConversation | undefined, after: ConversationSummary, ctx: AlertContext): Alert | null {
  // Invalid (WB-6) and resolved conversations wait for nobody.
  if (after.status !== 'open' || ctx.quiet.has(after.id)) return null
  const make = (kind: AlertKind): Alert => ({ kind, conversationId: after.id, buyerName: after.buyer_name, preview: after.last_message_preview })
  if (isMine(after, ctx)) {
    if (!before || !isMine(before, ctx)) return make('assigned')
    const wrote = (after.last_buyer_message_at ?? 0) > (before.last_buyer_message_at ?? 0)
    return wrote ? make('message') : null
  }
  if (waitsFor(after, ctx) && !(before && waitsFor(before, ctx))) return make('waiting')
  return null
}

/** The conversations as last seen, and which of them were past their target: turns the
 *  stream of changes into alerts. Lists fetched over HTTP are only noted (a reload, a
 *  reconnect alert nobody); the socket's frames are observed. */
export class AlertWatch {
  private seen = new Map<Uuid, SeenConversation>()
  private late = new Set<string>()

  /** Remembers `c` without alerting (an answer to a request, a fetched list). */
  note(c: ConversationSummary): void {
    const before = this.seen.get(c.id)
    if (!before || !isOlder(c, before)) this.seen.set(c.id, seenOf(c))
  }

  /** A frame's summary: the alert it calls for, if any. Older than what was seen: none. */
  observe(c: ConversationSummary, ctx: AlertContext): Alert | null {
    const before = this.seen.get(c.id)
    if (before && isOlder(c, before)) return null
    this.seen.set(c.id, seenOf(c))
    return alertFor(before, c, ctx)
  }

  /** WB-7: the conversations newly past their target (`isLate`) among those that concern the
   *  agent (theirs, or waiting for them), each once per wait. `quietly` notes them without
   *  alerting (the first look after a list is fetched). */
  overdue(list: readonly ConversationSummary[], isLate: (c: ConversationSummary) => boolean, ctx: AlertContext, quietly = false): Alert[] {
    const next = new Set<string>()
    const alerts: Alert[] = []
    for (const c of list) {
      if (!(isMine(c, ctx) || waitsFor(c, ctx)) || !isLate(c)) continue
      const key = `${c.id}@${c.last_buyer_message_at ?? 0}`
      next.add(key)
      if (!quietly && !this.late.has(key) && !ctx.quiet.has(c.id)) {
        alerts.push({ kind: 'overdue', conversationId: c.id, buyerName: c.buyer_name, preview: c.last_message_preview })
      }
    }
    this.late = next
    return alerts
  }

  reset(): void {
    this.seen.clear()
    this.late.clear()
  }
}

/** One sound for a burst: a sound is let through only `gapMs` after the last one let through. */
export class Burst {
  private last = Number.NEGATIVE_INFINITY

  constructor(private readonly gapMs = 1500) {}

  admit(now: number): boolean {
    if (now - this.last < this.gapMs) return false
    this.last = now
    return true
  }
}

/** The conversations with unread buyer messages that are the agent's to answer: theirs, or
 *  waiting for them. */
export function unreadFor(list: readonly ConversationSummary[], ctx: Pick<AlertContext, 'me' | 'myTeam' | 'takesWaiting' | 'routing'>): number {
  const full: AlertContext = { ...ctx, quiet: new Set() }
  return list.filter((c) => c.status === 'open' && c.unread_count > 0 && (isMine(c, full) || waitsFor(c, full))).length
}

/** "(3) 客服工作台"; the plain title when nothing is unread. */
export function pageTitle(base: string, unread: number): string {
  if (unread <= 0) return base
  return `(${unread > 99 ? '99+' : unread}) ${base}`
}

// ---- the agent's choices, kept per account ----

export interface AlertPrefs {
  sound: boolean
  /** Desktop notifications while the tab is hidden (the browser's permission aside). */
  desktop: boolean
}

export const DEFAULT_ALERT_PREFS: AlertPrefs = { sound: true, desktop: false }

export function alertPrefsKey(userId: Uuid): string {
  return `kefu.alerts.${userId}`
}

/** The stored choices; what is missing or unreadable is the default. */
export function readAlertPrefs(raw: string | null): AlertPrefs {
  try {
    const v: unknown = JSON.parse(raw ?? 'null')
    if (!v || typeof v !== 'object') return { ...DEFAULT_ALERT_PREFS }
    const { sound, desktop } = v as Record<string, unknown>
    return {
      sound: typeof sound === 'boolean' ? sound : DEFAULT_ALERT_PREFS.sound,
      desktop: typeof desktop === 'boolean' ? desktop : DEFAULT_ALERT_PREFS.desktop,
    }
  } catch {
    return { ...DEFAULT_ALERT_PREFS }
  }
}
