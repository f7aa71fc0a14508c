// The workbench's live state (WB-1): the conversation list of the chosen tab and tag (WB-5) —
// 待接入 (open, nobody's: queued, up for grabs or the robot's), 我的 (open, mine), 进行中 (every
// open one), 已解决 and 无效 (WB-6: blocked or filtered); the first three are views of one open
// list, the closed ones are fetched while their tab is up —, the open conversation's messages,
// tags and event log, buyers' typing, and the alerts the agent hears (issue #17), all kept current by
// the agent WebSocket. On reconnect the list is refetched and the open conversation catches up
// after its last seq; unacked sends go again with the same client_msg_id. Conversations held
// in the workbench's tabs keep their summaries, and a pane's actions name their conversation
// (split view shows two); without one they act on the open conversation. Wait timers count
// office time only for teams that say so, when the shop has office hours (WB-7, officeHours.ts).

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, agentApi, errorCode } from '../api'
import type { BlockInput, ClientFrame, ConversationEvent, ConversationStatus, ConversationSummary, FileKind, InternalNote, MessageKind, ServerFrame, ServerFrameOf, SupervisorNotice, TransferRequest, Uuid } from '../api'
import { ReconnectingSocket, socketUrl } from '../ws'
import type { SocketStatus } from '../ws'
import { Timeline, pendingSend, revokePreview } from '../features/messages/timeline'
import type { PendingSend } from '../features/messages/timeline'
import { useAgentSession } from './agentSession'
import { useApprovals } from './approvals'
import { useShopSettings } from './shopSettings'
import { DEFAULT_ZONE, scheduleOf, waitedMs as countWaited } from '../features/workbench/officeHours'
import { orderCardRef, productCardRef } from '../features/catalogue/cards'
import { AlertWatch } from '../features/workbench/alerts'
import type { Alert, AlertContext } from '../features/workbench/alerts'

/** WB-1: the list's tabs: waiting (open and unassigned), mine (open and mine), open, resolved;
 *  and invalid (WB-6), closed apart as spam. */
export type InboxTab = 'waiting' | 'mine' | 'open' | 'resolved' | 'invalid'
export const INBOX_TABS: readonly InboxTab[] = ['waiting', 'mine', 'open', 'resolved', 'invalid']
/** The tabs whose conversations are fetched while the tab is up. */
type ClosedTab = Extract<InboxTab, 'resolved' | 'invalid'>

function isClosedTab(tab: InboxTab): tab is ClosedTab {
  return tab === 'resolved' || tab === 'invalid'
}
/** How long after an agent's own action (a grab, a reply) its echo is no news to them. */
const OWN_ACTION_MS = 5000

const PAGE = 100

function newestFirst(a: ConversationSummary, b: ConversationSummary): number {
  return b.last_message_at - a.last_message_at
}
const TYPING_SHOWN_MS = 4000
/** WB-7: the response target when the conversation's team (or its target) is unknown. */
export const DEFAULT_TARGET_SECONDS = 120

/** WB-7: how long a buyer has waited: within the target, past it, past twice it. */
export type WaitLevel = 'ok' | 'warn' | 'alert'

/** WB-7: a supervisor's notice that a conversation was taken back from its agent. */
export type WaitAlert = Omit<ServerFrameOf<'alert'>, 'type'>

export const useInbox = defineStore('inbox', () => {
  const session = useAgentSession()
  const approvals = useApprovals()
  const shop = useShopSettings()

  /** Until the first list is in: then 我的 if I have any, else 待接入 (unless the agent chose). */
  const tab = ref<InboxTab>('mine')
  let tabChosen = false
  /** The open conversations (with the tag filter), newest first: 待接入, 我的 and 进行中 are
   *  views of it, so their counts need no request of their own. */
  const openList = ref<ConversationSummary[]>([])
  /** The resolved or invalid ones, while the 已解决 or 无效 tab is up (`closedLoaded` once
   *  fetched). */
  const closedList = ref<ConversationSummary[]>([])
  const closedLoaded = ref(false)
  /** The open conversation's row stays in the tab it was listed in until the agent moves on,
   *  whatever befalls it meanwhile (resolved, taken, transferred). */
  const stickyId = ref<Uuid | null>(null)
  const loads = ref(0)
  const listLoading = computed(() => loads.value > 0)
  const search = ref('')
  /** Only conversations with this tag key; '' for all (WB-5). */
  const tagFilter = ref('')
  const openId = ref<Uuid | null>(null)
  const openSummary = ref<ConversationSummary | null>(null)
  const timelines = ref<Record<Uuid, Timeline>>({})
  /** WB-1: the summaries of the conversations in the workbench's tabs, kept current even when
   *  the list's tab no longer shows them (resolved, transferred away). */
  const held = ref<Record<Uuid, ConversationSummary>>({})
  const heldIds = new Set<Uuid>()
  const events = ref<ConversationEvent[]>([])
  const loadingEarlier = ref<Record<Uuid, boolean>>({})
  const buyerTyping = ref<Record<Uuid, boolean>>({})
  const connection = ref<SocketStatus>('connecting')
  /** Errors for the page to show (translated there). */
  const errors = ref<string[]>([])
  /** WB-1: the open conversation's internal notes, oldest first. */
  const notes = ref<InternalNote[]>([])
  /** Notes mentioning me on conversations not in view, for the page to announce. */
  const mentions = ref<InternalNote[]>([])
  /** WB-8: conversations offered to grab, for the page to announce. */
  const grabOffers = ref<ConversationSummary[]>([])
  /** WB-8: offered conversations someone has since taken, for the page to withdraw. */
  const grabsTaken = ref<Uuid[]>([])
  /** WB-7: conversations taken back after a long wait, for the page to announce. */
  const alerts = ref<WaitAlert[]>([])
  /** DATA-2, DATA-3: (to those who read reports) an anomaly alert or a health report, for the
   *  page to announce. */
  const notices = ref<SupervisorNotice[]>([])
  /** Issue #17: what the agent should hear of (alerts.ts decides), for the page to deliver. */
  const agentAlerts = ref<Alert[]>([])
  /** The conversations on screen (the workbench's panes), whose news is no news while the tab
   *  is visible. */
  const onScreen = ref<Uuid[]>([])
  const alertWatch = new AlertWatch()
  /** Conversations the agent just acted on (grab, send, restore), by when. */
  const ownActions = new Map<Uuid, number>()
  /** The late conversations are noted quietly on the first look after a list came. */
  let lateNoted = false
  /** WB-7: each team's response target in seconds, by key. */
  const targets = ref<Record<string, number>>({})
  /** WB-7: the teams whose target counts only the shop's office hours. */
  const officeHoursTeams = ref<Set<string>>(new Set())
  /** WB-7: the shop's office hours in its time zone; null around the clock. */
  const schedule = computed(() => scheduleOf(shop.settings?.office_hours, session.tenant?.timezone ?? DEFAULT_ZONE))
  /** WB-7: one shared clock for the wait timers, ticking every second. */
  const now = ref(Date.now())
  let clock: ReturnType<typeof setInterval> | undefined
  const offered = new Set<Uuid>()

  const typingTimers = new Map<Uuid, ReturnType<typeof setTimeout>>()
  const lastReadSent = new Map<Uuid, number>()
  /** Catch-ups under way, so two panes asking for one conversation share a request. */
  const catchingUp = new Map<Uuid, Promise<void>>()
  /** Conversations asked to catch up while a fetch was in flight. */
  const catchUpAgain = new Set<Uuid>()
  let socket: ReconnectingSocket | null = null
  let eventsTimer: ReturnType<typeof setTimeout> | undefined

  const openTimeline = computed(() => (openId.value ? timelines.value[openId.value] ?? null : null))

  /** Whether the tab lists the conversation (the tag filter aside). */
  function inTab(c: ConversationSummary, which: InboxTab = tab.value): boolean {
    switch (which) {
      case 'waiting':
        return c.status === 'open' && !c.assignee_id
      case 'mine':
        return c.status === 'open' && !!c.assignee_id && c.assignee_id === session.user?.id
      case 'open':
        return c.status === 'open'
      case 'resolved':
        return c.status === 'resolved'
      case 'invalid':
        return c.status === 'invalid'
    }
  }

  const waitingList = computed(() => openList.value.filter((c) => inTab(c, 'waiting')))
  const mineList = computed(() => openList.value.filter((c) => inTab(c, 'mine')))
  /** Each tab's number of conversations; null for 已解决 and 无效 while they are not loaded. */
  const counts = computed<Record<InboxTab, number | null>>(() => {
    const closed = (which: ClosedTab) => (tab.value === which && closedLoaded.value ? closedList.value.length : null)
    return {
      waiting: waitingList.value.length,
      mine: mineList.value.length,
      open: openList.value.length,
      resolved: closed('resolved'),
      invalid: closed('invalid'),
    }
  })

  function listOfTab(which: InboxTab): ConversationSummary[] {
    if (which === 'waiting') return waitingList.value
    if (which === 'mine') return mineList.value
    if (which === 'open') return openList.value
    return tab.value === which ? closedList.value : []
  }

  /** The chosen tab's conversations, newest first, with the open one kept (`stickyId`). */
  const conversations = computed(() => {
    const list = listOfTab(tab.value)
    const id = stickyId.value
    if (!id || id !== openId.value || list.some((c) => c.id === id)) return list
    const kept = openSummary.value?.id === id ? openSummary.value : null
    return kept ? [...list, kept].sort(newestFirst) : list
  })
  const visibleConversations = computed(() => {
    const q = search.value.trim().toLowerCase()
    if (!q) return conversations.value
    return conversations.value.filter(
      (c) => c.buyer_name.toLowerCase().includes(q) || c.last_message_preview.toLowerCase().includes(q),
    )
  })

  /** WB-7: the response target of the conversation's team, else the default. */
  function targetOf(c: ConversationSummary): number {
    const s = c.team ? targets.value[c.team] : undefined
    return s && s > 0 ? s : DEFAULT_TARGET_SECONDS
  }

  /** WB-7: whether a wait timer shows on the conversation. */
  function isWaiting(c: ConversationSummary): boolean {
    return c.status === 'open' && !!c.awaiting_reply && c.last_buyer_message_at != null
  }

  /** WB-7: whether the conversation's wait counts office time only (as the server strands it). */
  function countsOfficeHours(c: ConversationSummary): boolean {
    return !!c.team && officeHoursTeams.value.has(c.team) && !!schedule.value
  }

  function waitedMs(c: ConversationSummary, at = now.value): number {
    const since = c.last_buyer_message_at ?? at
    return countWaited(countsOfficeHours(c) ? schedule.value : null, since, at)
  }

  function waitLevel(c: ConversationSummary, at = now.value): WaitLevel {
    const target = targetOf(c) * 1000
    const waited = waitedMs(c, at)
    return waited > 2 * target ? 'alert' : waited > target ? 'warn' : 'ok'
  }

  /** WB-8: an unassigned open conversation of my own team, which I may grab. With the router
   *  on, waiting conversations are the queue's, served in turn: only those offered to the team
   *  (`up_for_grabs`) may be grabbed (else `queued_for_routing`). */
  function canGrab(c: ConversationSummary): boolean {
    const mayTake = c.status === 'open' && !c.assignee_id && !!c.team && c.team === session.user?.team && session.canReply
    if (!mayTake) return false
    return shop.settings?.routing_enabled ? !!c.up_for_grabs : true
  }

  async function loadTargets(): Promise<void> {
    if (!session.can('team.read')) return
    try {
      const list = await agentApi.teams()
      targets.value = Object.fromEntries(list.teams.map((t) => [t.key, t.response_target_seconds]))
      officeHoursTeams.value = new Set(list.teams.filter((t) => t.office_hours_only).map((t) => t.key))
    } catch {
      // The default target stands in.
    }
  }

  /** WB-8: takes the conversation and opens it. Null when done, else the error code
   *  (`already_taken` …), which is reported to the page too. */
  async function grab(id: Uuid): Promise<string | null> {
    acted(id)
    try {
      const mine = await agentApi.grab(id)
      // Opened first, so that its row stays in the tab it was grabbed from (待接入).
      void open(mine.id)
      upsert(mine)
      return null
    } catch (err) {
      const code = errorCode(err)
      report(code)
      if (code === 'already_taken') {
        // Refresh the row so its button goes away.
        agentApi.conversation(id).then(upsert).catch(() => {})
      }
      return code
    }
  }

  function report(code: string): void {
    errors.value.push(code)
  }

  // ---- alerts (issue #17) ----

  /** The agent's own action on `id`: its echo over the socket is no news to them. */
  function acted(id: Uuid): void {
    ownActions.set(id, Date.now())
  }

  function alertContext(): AlertContext {
    const at = Date.now()
    const quiet = new Set<Uuid>()
    for (const [id, when] of ownActions) {
      if (at - when < OWN_ACTION_MS) quiet.add(id)
      else ownActions.delete(id)
    }
    if (document.visibilityState === 'visible') onScreen.value.forEach((id) => quiet.add(id))
    return {
      me: session.user?.id ?? null,
      myTeam: session.user?.team ?? null,
      takesWaiting: session.canReply && session.status === 'online',
      routing: !!shop.settings?.routing_enabled,
      quiet,
    }
  }

  /** A frame's summary, before the lists take it: what the agent should hear of. */
  function observe(c: ConversationSummary): void {
    const alert = alertWatch.observe(c, alertContext())
    if (alert) agentAlerts.value.push(alert)
  }

  /** WB-7: each second, the conversations newly past their response target. */
  function checkLate(): void {
    const late = (c: ConversationSummary) => isWaiting(c) && waitLevel(c) !== 'ok'
    const found = alertWatch.overdue(openList.value, late, alertContext(), !lateNoted)
    lateNoted = true
    agentAlerts.value.push(...found)
  }

  // ---- the list ----

  function matchesTag(c: ConversationSummary): boolean {
    return !tagFilter.value || c.tags.includes(tagFilter.value)
  }

  /** Keeps the open conversation's row in the chosen tab if the tab lists it now. */
  function stick(): void {
    const id = openId.value
    if (id && listOfTab(tab.value).some((c) => c.id === id)) stickyId.value = id
    else if (stickyId.value !== id) stickyId.value = null
  }

  /** The first list picks the tab: 我的 if I have any, else 待接入. */
  function chooseTab(): void {
    if (tabChosen) return
    tabChosen = true
    tab.value = mineList.value.length ? 'mine' : 'waiting'
  }

  /** One status's conversations (with the tag filter); null if the filter changed meanwhile. */
  async function fetchList(status: ConversationStatus): Promise<ConversationSummary[] | null> {
    const tag = tagFilter.value
    const list = await agentApi.conversations(status, 200, tag || undefined)
    if (tag !== tagFilter.value) return null
    const open = list.find((c) => c.id === openId.value)
    if (open) adoptSummary(open)
    list.forEach(keepHeld)
    list.forEach((c) => alertWatch.note(c))
    return list.filter((c) => c.status === status && matchesTag(c)).sort(newestFirst)
  }

  /** The open list, and the resolved or invalid one while its tab is up. */
  async function loadList(): Promise<void> {
    loads.value++
    try {
      const [open] = await Promise.all([fetchList('open'), isClosedTab(tab.value) ? loadClosed() : null])
      if (open) {
        openList.value = open
        lateNoted = false
        chooseTab()
        stick()
      }
    } catch (err) {
      report(errorCode(err))
    } finally {
      loads.value--
    }
  }

  async function loadClosed(): Promise<void> {
    const which = tab.value
    if (!isClosedTab(which)) return
    loads.value++
    try {
      const list = await fetchList(which)
      if (!list || tab.value !== which) return
      closedList.value = list
      closedLoaded.value = true
      stick()
    } catch (err) {
      report(errorCode(err))
    } finally {
      loads.value--
    }
  }

  function setTab(next: InboxTab): void {
    tabChosen = true
    if (tab.value === next) return
    tab.value = next
    closedList.value = []
    closedLoaded.value = false
    stickyId.value = null
    stick()
    // 待接入, 我的 and 进行中 are in hand; 已解决 and 无效 are fetched.
    if (isClosedTab(next)) void loadClosed()
  }

  function setTagFilter(key: string): void {
    if (tagFilter.value === key) return
    tagFilter.value = key
    openList.value = []
    closedList.value = []
    closedLoaded.value = false
    void loadList()
  }

  /** Puts `c` in `list` (newest first) if it belongs there, else takes it out. */
  function place(list: ConversationSummary[], c: ConversationSummary, belongs: boolean): void {
    const at = list.findIndex((x) => x.id === c.id)
    if (belongs) {
      if (at >= 0) list[at] = c
      else list.push(c)
      list.sort(newestFirst)
    } else if (at >= 0) {
      list.splice(at, 1)
    }
  }

  /** A `conversation` frame or an action's answer: into the list of its status, or out. */
  function upsert(c: ConversationSummary): void {
    // Frames from different requests can arrive out of order: never let an older summary
    // replace a newer one (every change advances last_seq or updated_at).
    const known =
      openList.value.find((x) => x.id === c.id) ??
      closedList.value.find((x) => x.id === c.id) ??
      (openSummary.value?.id === c.id ? openSummary.value : undefined)
    if (known && isOlder(c, known)) return
    keepHeld(c)
    alertWatch.note(c)
    place(openList.value, c, c.status === 'open' && matchesTag(c))
    if (closedLoaded.value && isClosedTab(tab.value)) place(closedList.value, c, c.status === tab.value && matchesTag(c))
    if (c.id === openId.value) adoptSummary(c)
  }

  function adoptSummary(c: ConversationSummary): void {
    openSummary.value = c
    keepHeld(c)
    alertWatch.note(c)
    timelines.value[c.id]?.markPeerRead(c.buyer_read_seq)
  }

  /** Whether `c` is older than `than`: every change advances last_seq or updated_at. */
  function isOlder(c: ConversationSummary, than: ConversationSummary): boolean {
    return c.last_seq < than.last_seq || (c.last_seq === than.last_seq && c.updated_at < than.updated_at)
  }

  // ---- the tabs' conversations (WB-1) ----

  function keepHeld(c: ConversationSummary): void {
    if (!heldIds.has(c.id)) return
    const before = held.value[c.id]
    if (!before || !isOlder(c, before)) held.value[c.id] = c
  }

  /** The freshest summary in hand, wherever it is kept. */
  function summaryOf(id: Uuid): ConversationSummary | null {
    if (openSummary.value?.id === id) return openSummary.value
    return held.value[id] ?? listed(id) ?? null
  }

  function listed(id: Uuid): ConversationSummary | undefined {
    return openList.value.find((c) => c.id === id) ?? closedList.value.find((c) => c.id === id)
  }

  function timelineFor(id: Uuid): Timeline | null {
    return timelines.value[id] ?? null
  }

  /** Keeps these conversations' summaries current, fetching those not in hand. Resolves to the
   *  ones that are gone or no longer this agent's to see. */
  async function hold(ids: Uuid[]): Promise<Uuid[]> {
    heldIds.clear()
    ids.forEach((id) => heldIds.add(id))
    const next: Record<Uuid, ConversationSummary> = {}
    const missing: Uuid[] = []
    for (const id of ids) {
      const known = held.value[id] ?? summaryOf(id)
      if (known) next[id] = known
      // The open one's summary is on its way (`open` fetches it).
      else if (id !== openId.value) missing.push(id)
    }
    held.value = next
    const lost: Uuid[] = []
    await Promise.all(
      missing.map(async (id) => {
        try {
          const c = await agentApi.conversation(id)
          alertWatch.note(c)
          keepHeld(c)
        } catch (err) {
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) lost.push(id)
        }
      }),
    )
    return lost
  }

  // ---- the open conversation ----

  function timelineOf(id: Uuid): Timeline {
    if (!timelines.value[id]) timelines.value[id] = new Timeline('agent')
    return timelines.value[id]
  }

  /** Fetches what is newer than the timeline holds. A call while a fetch is in flight joins
   *  it, and the fetch runs once more after it: the one in flight may have started before
   *  the message this caller heard of was stored. */
  function catchUp(id: Uuid): Promise<void> {
    const running = catchingUp.get(id)
    if (running) {
      catchUpAgain.add(id)
      return running
    }
    const done = (async () => {
      do {
        catchUpAgain.delete(id)
        await fetchNewer(id)
      } while (catchUpAgain.has(id))
    })().finally(() => catchingUp.delete(id))
    catchingUp.set(id, done)
    return done
  }

  /** The bus between servers may lose a frame: a loaded conversation that hears of `seq`
   * while holding less than the one before it fetches what lies between. */
  function fillGap(id: Uuid, seq: number): void {
    const tl = timelines.value[id]
    if (tl?.messages.length && seq > tl.lastSeq + 1) catchUp(id).catch(() => {})
  }

  async function fetchNewer(id: Uuid): Promise<void> {
    const tl = timelineOf(id)
    if (!tl.messages.length) {
      // The newest page first (before_seq pages backwards); older ones on demand.
      const last = summaryOf(id)?.last_seq ?? 0
      tl.addMany(await agentApi.messages(id, last > 0 ? { before_seq: last + 1, limit: PAGE } : { limit: PAGE }))
      tl.hasEarlier = tl.firstSeq > 1
    }
    // Whatever came after what we hold (a reconnect, or a server whose first page is the oldest).
    for (let i = 0; i < 50; i++) {
      const more = await agentApi.messages(id, { after_seq: tl.lastSeq, limit: PAGE })
      tl.addMany(more)
      if (more.length < PAGE) break
    }
  }

  async function open(id: Uuid): Promise<void> {
    if (openId.value === id) return
    openId.value = id
    // What a change left behind in this tab while it was open goes; this one stays if listed.
    stickyId.value = null
    stick()
    events.value = []
    notes.value = []
    const fromList = listed(id)
    openSummary.value = fromList ?? held.value[id] ?? null
    const tl = timelineOf(id)
    try {
      if (!fromList) adoptSummary(await agentApi.conversation(id))
      if (openSummary.value) tl.markPeerRead(openSummary.value.buyer_read_seq)
      await catchUp(id)
      if (openId.value !== id) return
      markSeen()
      void loadEvents()
      void loadNotes()
    } catch (err) {
      report(errorCode(err))
    }
  }

  /** WB-1: no conversation in view (its tab was the last one closed). */
  function closeOpen(): void {
    openId.value = null
    openSummary.value = null
    events.value = []
    notes.value = []
  }

  /** WB-1: a conversation's messages for a pane beside the open one (split view). */
  async function loadMessages(id: Uuid): Promise<void> {
    try {
      const summary = summaryOf(id)
      if (summary) timelineOf(id).markPeerRead(summary.buyer_read_seq)
      await catchUp(id)
    } catch (err) {
      report(errorCode(err))
    }
  }

  async function loadEarlier(id = openId.value): Promise<void> {
    const tl = id ? timelines.value[id] : undefined
    if (!tl || !id || loadingEarlier.value[id]) return
    loadingEarlier.value[id] = true
    try {
      const older = await agentApi.messages(id, { before_seq: tl.firstSeq, limit: 50 })
      tl.addMany(older)
      tl.hasEarlier = older.length > 0 && tl.firstSeq > 1
    } catch (err) {
      report(errorCode(err))
    } finally {
      loadingEarlier.value[id] = false
    }
  }

  async function loadEvents(): Promise<void> {
    const id = openId.value
    if (!id) return
    try {
      const list = await agentApi.events(id)
      if (id === openId.value) events.value = list.sort((a, b) => a.at - b.at || a.id - b.id)
    } catch {
      // The panel just shows what it had.
    }
  }

  async function loadNotes(): Promise<void> {
    const id = openId.value
    if (!id) return
    try {
      const list = await agentApi.internalNotes(id)
      if (id === openId.value) {
        notes.value = []
        for (const n of list) keepNote(n)
      }
    } catch {
      // The section just shows what it had.
    }
  }

  /** Inserts (or replaces) a note of the open conversation, in time order. */
  function keepNote(n: InternalNote): void {
    if (n.conversation_id !== openId.value) return
    const list = notes.value
    const at = list.findIndex((x) => x.id === n.id)
    if (at >= 0) {
      list[at] = n
      return
    }
    list.push(n)
    list.sort((a, b) => a.created_at - b.created_at)
  }

  /** WB-1: throws ApiError (`note_empty`, `note_too_long`) for the section to show. */
  async function addNote(body: string): Promise<void> {
    const id = openId.value
    if (!id) return
    keepNote(await agentApi.addInternalNote(id, body))
  }

  /** WB-1: hands the conversation to a colleague or a team. Throws ApiError. */
  async function transfer(body: TransferRequest, id = openId.value): Promise<ConversationSummary | null> {
    if (!id) return null
    const moved = await agentApi.transfer(id, body)
    upsert(moved)
    void loadEvents()
    if (body.note) void loadNotes()
    return moved
  }

  function refreshEventsSoon(): void {
    clearTimeout(eventsTimer)
    eventsTimer = setTimeout(() => void loadEvents(), 400)
  }

  /** The conversation's newest message is on screen: read up to it (clears the badge). */
  function markSeen(id = openId.value): void {
    const tl = id ? timelines.value[id] : undefined
    if (!id || !tl || document.visibilityState !== 'visible' || !session.canReply) return
    const seq = tl.lastSeq
    if (seq <= (lastReadSent.get(id) ?? 0)) return
    const summary = listed(id)
    if (summary) summary.unread_count = 0
    if (openSummary.value?.id === id) openSummary.value.unread_count = 0
    if (held.value[id]) held.value[id].unread_count = 0
    lastReadSent.set(id, seq)
    if (!socket?.send({ type: 'read', conversation_id: id, seq })) {
      agentApi
        .read(id, seq)
        .then((summary) => summary && upsert(summary))
        .catch(() => lastReadSent.delete(id))
    }
  }

  // ---- sending ----

  function sendFrame(conversationId: Uuid, p: PendingSend): ClientFrame {
    return { type: 'send', conversation_id: conversationId, client_msg_id: p.client_msg_id, kind: p.kind, body: p.body, attachment_id: p.attachment_id }
  }

  function dispatch(conversationId: Uuid, clientMsgId: string): void {
    const p = timelineOf(conversationId).findPending(clientMsgId)
    if (p && p.state === 'sending') socket?.send(sendFrame(conversationId, p))
    // Not connected: onReady resends it.
  }

  function send(kind: MessageKind, body: string, id: Uuid | null): void {
    if (!id) return
    acted(id)
    const p = pendingSend(kind, body)
    timelineOf(id).queue(p)
    dispatch(id, p.client_msg_id)
  }

  function sendText(text: string, id = openId.value): void {
    send('text', text, id)
  }

  /** CH-2: the server swaps the reference for a snapshot of the order or product. */
  function sendOrderCard(orderNo: string, id = openId.value): void {
    send('order_card', orderCardRef(orderNo), id)
  }

  function sendProductCard(productCode: string, skuCode?: string | null, id = openId.value): void {
    send('product_card', productCardRef(productCode, skuCode), id)
  }

  /** WB-3: a picture uploaded before (a quick phrase's), sent by its id; shown once stored. */
  function sendPicture(attachmentId: Uuid, id = openId.value): void {
    if (!id) return
    acted(id)
    const p = pendingSend('image', '')
    p.attachment_id = attachmentId
    p.attachment = { id: attachmentId, file_name: '', content_type: 'image/*', size_bytes: 0, url: '' }
    timelineOf(id).queue(p)
    dispatch(id, p.client_msg_id)
  }

  async function upload(conversationId: Uuid, clientMsgId: string): Promise<void> {
    const p = timelineOf(conversationId).findPending(clientMsgId)
    if (!p?.file) return
    p.state = 'uploading'
    p.error = null
    try {
      const attachment = await agentApi.upload(p.file)
      revokePreview(p.attachment)
      p.attachment = attachment
      p.attachment_id = attachment.id
      p.file = null
      p.state = 'sending'
      dispatch(conversationId, clientMsgId)
    } catch (err) {
      timelineOf(conversationId).fail(clientMsgId, errorCode(err))
    }
  }

  function sendFile(file: File, kind: FileKind, id = openId.value): void {
    if (!id) return
    const p = pendingSend(kind, '', file)
    timelineOf(id).queue(p)
    void upload(id, p.client_msg_id)
  }

  function retry(clientMsgId: string, id = openId.value): void {
    if (!id) return
    const p = timelineOf(id).findPending(clientMsgId)
    if (!p) return
    if (p.file) {
      void upload(id, clientMsgId)
      return
    }
    p.state = 'sending'
    p.error = null
    dispatch(id, clientMsgId)
  }

  function typing(id = openId.value): void {
    if (id) socket?.send({ type: 'typing', conversation_id: id })
  }

  /** Null when done, else the error code: reported to the page, except `tag_required`, which
   *  the pane answers by opening the tag picker (WB-5). `restore`: an invalid conversation
   *  (WB-6) open again for the team. */
  async function setStatus(action: 'resolve' | 'reopen' | 'restore', id = openId.value): Promise<string | null> {
    if (!id) return 'conversation_required'
    acted(id)
    const change = { resolve: agentApi.resolve, reopen: agentApi.reopen, restore: agentApi.restore }[action]
    try {
      upsert(await change(id))
      void loadEvents()
      return null
    } catch (err) {
      const code = errorCode(err)
      if (code !== 'tag_required') report(code)
      return code
    }
  }

  /** WB-6: blocks the conversation's buyer, which closes it as invalid. Throws ApiError
   *  (`invalid_block`) for the dialog to show. */
  async function block(input: BlockInput, id = openId.value): Promise<void> {
    const c = id ? summaryOf(id) : null
    if (!c) return
    await agentApi.blockBuyer(c.buyer_id, input)
    // The socket brings the change too; the answer does not carry it.
    agentApi.conversation(c.id).then(upsert).catch(() => {})
    if (c.id === openId.value) void loadEvents()
  }

  /** WB-5: replaces the conversation's tags. Throws ApiError (`unknown_tag`,
   *  `too_many_tags`) for the picker to show. */
  async function setTags(tags: string[], id = openId.value): Promise<void> {
    if (!id) return
    upsert(await agentApi.setTags(id, tags))
    void loadEvents()
  }

  // ---- the socket ----

  function onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'conversation':
        observe(frame.conversation)
        upsert(frame.conversation)
        fillGap(frame.conversation.id, frame.conversation.last_seq + 1)
        if (frame.conversation.assignee_id && offered.delete(frame.conversation.id)) {
          grabsTaken.value.push(frame.conversation.id)
        }
        if (frame.conversation.id === openId.value) refreshEventsSoon()
        break
      case 'message': {
        const m = frame.message
        fillGap(m.conversation_id, m.seq)
        timelines.value[m.conversation_id]?.add(m)
        if (m.sender_kind === 'buyer') buyerTyping.value[m.conversation_id] = false
        break
      }
      case 'ack':
        timelines.value[frame.conversation_id]?.ack(frame, { id: session.user?.id ?? null, name: session.displayName })
        break
      case 'typing':
        if (frame.party === 'buyer') showTyping(frame.conversation_id)
        break
      case 'read':
        if (frame.party === 'buyer') {
          timelines.value[frame.conversation_id]?.markPeerRead(frame.seq)
          if (openSummary.value?.id === frame.conversation_id) {
            openSummary.value.buyer_read_seq = Math.max(openSummary.value.buyer_read_seq, frame.seq)
          }
        }
        break
      case 'presence':
        session.applyPresence(frame)
        break
      case 'note': {
        const n = frame.note
        if (n.conversation_id === openId.value) keepNote(n)
        else if (session.user && n.author_id !== session.user.id && n.mentions?.includes(session.user.id)) {
          mentions.value.push(n)
        }
        break
      }
      case 'approval':
        approvals.apply(frame.approval)
        break
      case 'grab':
        if (!frame.conversation) break
        observe(frame.conversation)
        upsert(frame.conversation)
        // Offered to the team's idle agents: not to another team, nor to someone on a break.
        if (!canGrab(frame.conversation) || session.status !== 'online') break
        offered.add(frame.conversation.id)
        grabOffers.value.push(frame.conversation)
        break
      case 'alert':
        if (!frame.conversation) break
        observe(frame.conversation)
        upsert(frame.conversation)
        alerts.value.push({ conversation: frame.conversation, waited_ms: frame.waited_ms })
        break
      case 'notice':
        notices.value.push(frame.notice)
        break
      case 'error': {
        const failed = frame.client_msg_id
          ? Object.values(timelines.value).some((tl) => tl.fail(frame.client_msg_id!, frame.code))
          : false
        if (!failed) report(frame.code)
        break
      }
      default:
        break
    }
  }

  function showTyping(conversationId: Uuid): void {
    buyerTyping.value[conversationId] = true
    clearTimeout(typingTimers.get(conversationId))
    typingTimers.set(
      conversationId,
      setTimeout(() => (buyerTyping.value[conversationId] = false), TYPING_SHOWN_MS),
    )
  }

  async function onReady(resumed: boolean): Promise<void> {
    for (const [id, tl] of Object.entries(timelines.value)) {
      for (const p of tl.resendable()) socket?.send(sendFrame(id, p))
    }
    // Connecting may have changed our status (offline → online) before this socket could
    // hear the presence frame: ask.
    void session.load().catch(() => {})
    if (!resumed) return
    // Whatever happened while we were away.
    void approvals.load()
    await loadList()
    const id = openId.value
    if (id) {
      try {
        await catchUp(id)
        markSeen()
        void loadEvents()
        void loadNotes()
      } catch (err) {
        report(errorCode(err))
      }
    }
    // Then the tabs' others: split view shows a second one, and the rest stay whole.
    const others = [...heldIds].filter((x) => x !== id && timelines.value[x]?.messages.length)
    await Promise.all(others.map((x) => catchUp(x).catch(() => {})))
  }

  let failedConnects = 0

  /** A socket that keeps failing may mean the session ended: ask, and sign out if so. */
  function onStatus(s: SocketStatus): void {
    connection.value = s
    if (s === 'open') failedConnects = 0
    if (s !== 'closed' || ++failedConnects < 2) return
    agentApi.me().catch((err) => {
      if (err instanceof ApiError && err.status === 401) report('unauthenticated')
    })
  }

  function start(): void {
    if (socket) return
    void session.loadTeam()
    void loadTargets()
    if (session.can('team.read')) shop.ensureLoaded()
    now.value = Date.now()
    clock = setInterval(() => {
      now.value = Date.now()
      checkLate()
    }, 1000)
    socket = new ReconnectingSocket(() => socketUrl('/api/v1/agent/ws'), {
      onFrame,
      onReady: (resumed) => void onReady(resumed),
      onStatus,
    })
    socket.start()
    void loadList()
  }

  function stop(): void {
    socket?.stop()
    socket = null
    clearTimeout(eventsTimer)
    clearInterval(clock)
    clock = undefined
    offered.clear()
    grabOffers.value = []
    grabsTaken.value = []
    alerts.value = []
    notices.value = []
    agentAlerts.value = []
    onScreen.value = []
    alertWatch.reset()
    ownActions.clear()
    lateNoted = false
    typingTimers.forEach((t) => clearTimeout(t))
    typingTimers.clear()
    openList.value = []
    closedList.value = []
    closedLoaded.value = false
    stickyId.value = null
    tab.value = 'mine'
    tabChosen = false
    tagFilter.value = ''
    timelines.value = {}
    held.value = {}
    heldIds.clear()
    loadingEarlier.value = {}
    openId.value = null
    openSummary.value = null
    events.value = []
    notes.value = []
    mentions.value = []
    lastReadSent.clear()
  }

  return {
    tab,
    conversations,
    openList,
    counts,
    visibleConversations,
    listLoading,
    search,
    tagFilter,
    openId,
    openSummary,
    openTimeline,
    events,
    loadingEarlier,
    buyerTyping,
    connection,
    errors,
    notes,
    mentions,
    grabOffers,
    grabsTaken,
    alerts,
    notices,
    agentAlerts,
    onScreen,
    targets,
    now,
    targetOf,
    countsOfficeHours,
    isWaiting,
    waitedMs,
    waitLevel,
    canGrab,
    grab,
    setTab,
    setTagFilter,
    loadList,
    open,
    closeOpen,
    summaryOf,
    timelineFor,
    hold,
    loadMessages,
    loadEarlier,
    markSeen,
    sendText,
    sendOrderCard,
    sendProductCard,
    sendPicture,
    sendFile,
    retry,
    typing,
    setStatus,
    setTags,
    block,
    addNote,
    transfer,
    start,
    stop,
  }
})
