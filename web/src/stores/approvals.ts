// ACC-5 requests as this agent sees them: the ones they may decide and their own, kept live by
// `approval` frames (the workbench's socket, or this store's own on the approvals page), the
// pending count for the top bar, and what the requester should hear when someone decides.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi } from '../api'
import type { Approval, ApprovalRequest, ApprovalStatus, ApprovalView, Uuid } from '../api'
import { ReconnectingSocket, socketUrl } from '../ws'
import { useAgentSession } from './agentSession'

const RELOAD_DELAY_MS = 400

/** How far along a request is; a late frame never moves one back. */
const PROGRESS: Record<ApprovalStatus, number> = { pending: 0, approved: 1, rejected: 2, executed: 2 }

/** A decision on one of the agent's own requests, for a notification. */
export interface DecisionNotice {
  approval: Approval
}

export const useApprovals = defineStore('approvals', () => {
  const session = useAgentSession()
  const byId = ref<Record<Uuid, ApprovalView>>({})
  const loaded = ref(false)
  const loading = ref(false)
  const failed = ref(false)
  /** Decisions on the agent's own requests, for the page to show and clear. */
  const notices = ref<DecisionNotice[]>([])
  let reloadTimer: ReturnType<typeof setTimeout> | undefined
  let asked = 0
  let socket: ReconnectingSocket | null = null

  const all = computed(() => Object.values(byId.value).sort((a, b) => b.requested_at - a.requested_at))
  /** Oldest first, as a queue is worked. */
  const pending = computed(() =>
    Object.values(byId.value)
      .filter((a) => a.status === 'pending')
      .sort((a, b) => a.requested_at - b.requested_at),
  )
  /** What waits for this agent: pending, of a kind they decide, asked by someone else. */
  const waitingForMe = computed(() => pending.value.filter((a) => mayDecide(a)))

  function mayDecide(a: Approval): boolean {
    if (a.requested_by === session.user?.id) return false
    return session.can(a.kind === 'logistics_change' ? 'logistics.review' : 'refund.approve')
  }

  /** The server shows each agent the kinds they decide and their own requests; frames go to
   *  every agent, so the same rule applies to them. */
  function visible(a: Approval): boolean {
    if (a.requested_by === session.user?.id) return true
    return session.can(a.kind === 'logistics_change' ? 'logistics.review' : 'refund.approve')
  }

  function keep(next: ApprovalView): void {
    const held = byId.value[next.id]
    if (held && PROGRESS[held.status] > PROGRESS[next.status]) return
    byId.value[next.id] = { ...next, order: next.order ?? held?.order ?? null }
  }

  async function load(): Promise<void> {
    if (!session.canApprove && !session.canRequest) return
    const mine = ++asked
    loading.value = true
    failed.value = false
    try {
      // The whole queue, and the recent history (each capped at 200 by the server).
      const [queue, recent] = await Promise.all([agentApi.approvals('pending'), agentApi.approvals('all')])
      if (mine !== asked) return
      const known = byId.value
      const next: Record<Uuid, ApprovalView> = {}
      for (const a of [...recent, ...queue]) {
        // A frame that came in while this was asked for may be newer than the answer.
        const held = known[a.id]
        next[a.id] = held && PROGRESS[held.status] > PROGRESS[a.status] ? { ...held, order: a.order ?? held.order } : a
      }
      byId.value = next
      loaded.value = true
    } catch {
      if (mine === asked) failed.value = true
    } finally {
      if (mine === asked) loading.value = false
    }
  }

  function ensureLoaded(): void {
    if (!loaded.value && !loading.value) void load()
  }

  function reloadSoon(): void {
    clearTimeout(reloadTimer)
    reloadTimer = setTimeout(() => void load(), RELOAD_DELAY_MS)
  }

  /** An `approval` frame: keep it, tell the requester about a decision, and fetch the order
   *  of a request not seen before (frames carry no order). */
  function apply(a: Approval): void {
    if (!visible(a)) return
    const held = byId.value[a.id]
    const before = held?.status
    keep({ ...a, order: held?.order ?? null })
    const mine = a.requested_by === session.user?.id
    const decidedByOther = a.decided_by != null && a.decided_by !== session.user?.id
    if (mine && decidedByOther && before !== a.status && (a.status === 'executed' || a.status === 'rejected')) {
      notices.value.push({ approval: a })
    }
    if (!held) reloadSoon()
  }

  /** ACC-5: asks from the open conversation; throws ApiError. */
  async function request(body: ApprovalRequest): Promise<ApprovalView> {
    const made = await agentApi.requestApproval(body)
    keep(made)
    return made
  }

  /** Throws ApiError; on `already_decided` (someone was faster) the list is fetched again. */
  async function decide(id: Uuid, decision: 'approve' | 'reject', reason: string): Promise<ApprovalView> {
    try {
      const decided = await agentApi.decideApproval(id, decision, reason)
      keep(decided)
      return decided
    } catch (err) {
      reloadSoon()
      throw err
    }
  }

  /** Frames on the approvals page, which has no workbench socket. (Any agent socket makes an
   *  offline agent online, so the team and catalogue pages do without one.) */
  function follow(): void {
    if (socket) return
    socket = new ReconnectingSocket(() => socketUrl('/api/v1/agent/ws'), {
      onFrame: (frame) => {
        if (frame.type === 'approval') apply(frame.approval)
      },
      // Whatever was decided while the socket was away.
      onReady: (resumed) => {
        if (resumed) void load()
      },
    })
    socket.start()
  }

  function unfollow(): void {
    socket?.stop()
    socket = null
  }

  function reset(): void {
    unfollow()
    clearTimeout(reloadTimer)
    byId.value = {}
    loaded.value = false
    notices.value = []
  }

  return {
    byId,
    all,
    pending,
    waitingForMe,
    loaded,
    loading,
    failed,
    notices,
    mayDecide,
    load,
    ensureLoaded,
    apply,
    request,
    decide,
    follow,
    unfollow,
    reset,
  }
})
