// The signed-in agent: who they are, their tenant, their WB-9 status, what they may do now
// (ACC-3, ACC-4: the server's permission list, which the UI follows to hide what it would
// refuse), and the CSRF token every non-GET cookie request carries.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { AGENT_STATUSES, agentApi, oneOf, setCsrfToken } from '../api'
import type { AccountView, AgentStatus, AuthSession, BreakRequest, EpochMs, Permission, PresenceFrame, TeamMember, Tenant, Uuid } from '../api'


export const useAgentSession = defineStore('agentSession', () => {
  const user = ref<AccountView | null>(null)
  const tenant = ref<Tenant | null>(null)
  const status = ref<AgentStatus>('online')
  /** WB-9: while away, the break's reason and end (the server ends it by itself). */
  const breakReason = ref<string | null>(null)
  const breakUntil = ref<EpochMs | null>(null)
  const team = ref<Record<Uuid, TeamMember>>({})
  const permissions = ref<ReadonlySet<Permission>>(new Set())
  /** ACC-4: in probation until then, holding only the basic conversation permissions. */
  const probationUntil = ref<EpochMs | null>(null)

  const displayName = computed(() => user.value?.display_name || user.value?.username || '')
  /** ACC-2: the account has a phone number it has not yet proved it holds. */
  const phoneUnverified = computed(() => !!user.value?.phone && !user.value.phone_verified)

  function can(p: Permission): boolean {
    return permissions.value.has(p)
  }

  /** ACC-3: QA inspectors read conversations but never write to buyers. */
  const canReply = computed(() => can('conversation.reply'))
  /** CH-2: import the shop's products and orders. */
  const canManageCatalog = computed(() => can('catalog.manage'))
  /** BOT-1, BOT-2: the robot's knowledge base, lexicons and mode. */
  const canManageKb = computed(() => can('kb.manage'))
  /** ACC-5: decide refunds and compensations, or logistics changes. */
  const canApprove = computed(() => can('refund.approve') || can('logistics.review'))
  /** ACC-5: ask for a refund, a compensation or a logistics change. */
  const canRequest = computed(() => can('refund.request') || can('logistics.change'))
  /** The team page: accounts, groups, teams, settings or the audit log. */
  const canAdminister = computed(
    () => can('account.manage') || can('team.manage') || can('settings.manage') || can('audit.view') || can('report.view'),
  )
  /** WB-9: the supervisor's live view of the team. */
  const canWatchTeam = computed(() => can('report.view') || can('team.manage'))
  /** WB-1: move anyone's conversation, not only one's own. */
  const canAssign = computed(() => can('conversation.assign'))

  function adopt(session: AuthSession): void {
    user.value = session.user
    tenant.value = session.tenant
    status.value = session.user.status
    breakReason.value = session.user.break_reason ?? null
    breakUntil.value = session.user.break_until ?? null
    permissions.value = new Set(session.permissions ?? [])
    probationUntil.value = session.probation_until ?? null
    setCsrfToken(session.csrf_token)
  }

  /** The account as a change of its own answered it (a verified phone, say). */
  function adoptAccount(account: AccountView): void {
    if (user.value?.id === account.id) user.value = account
  }

  /** Throws ApiError (401 `unauthenticated` when there is no session). */
  async function load(): Promise<void> {
    adopt(await agentApi.me())
  }

  async function login(username: string, password: string): Promise<void> {
    adopt(await agentApi.login(username, password))
  }

  /** Issue #15: the first-run setup, which signs its super admin in. */
  async function setup(body: Parameters<typeof agentApi.setup>[0]): Promise<void> {
    adopt(await agentApi.setup(body))
  }

  async function logout(): Promise<void> {
    try {
      await agentApi.logout()
    } finally {
      user.value = null
      tenant.value = null
      team.value = {}
      permissions.value = new Set()
      probationUntil.value = null
      setCsrfToken('')
    }
  }

  /** Names for the ids in events and assignments; fetched once per sign-in. */
  async function loadTeam(): Promise<void> {
    try {
      const users = await agentApi.team()
      team.value = Object.fromEntries(users.map((u) => [u.id, u]))
    } catch {
      // Ids without names still show as "another agent".
    }
  }

  function nameOf(id: Uuid | null | undefined): string | null {
    if (!id) return null
    const u = team.value[id] ?? (user.value?.id === id ? user.value : null)
    return u ? u.display_name || u.username : null
  }

  /** WB-9: online / busy / away (a break: `brk` says why and how long) / offline. Reverts if
   *  the server refuses (`invalid_break`). */
  async function changeStatus(next: AgentStatus, brk?: BreakRequest): Promise<void> {
    const before = [status.value, breakReason.value, breakUntil.value] as const
    status.value = next
    breakReason.value = next === 'away' ? brk?.reason ?? null : null
    breakUntil.value = next === 'away' && brk ? Date.now() + brk.minutes * 60_000 : null
    try {
      const me = await agentApi.setStatus(next, brk)
      if (me && typeof me === 'object' && me.status) {
        status.value = me.status
        breakReason.value = me.break_reason ?? null
        breakUntil.value = me.break_until ?? null
      }
    } catch (err) {
      ;[status.value, breakReason.value, breakUntil.value] = before
      throw err
    }
  }

  /** A `presence` frame: someone's status (and break) changed, maybe ours — a break the
   *  server ended comes back as `online`. */
  function applyPresence(frame: PresenceFrame): void {
    const next = oneOf(AGENT_STATUSES, frame.status)
    if (!next) return
    const reason = next === 'away' ? frame.reason ?? null : null
    const until = next === 'away' ? frame.until ?? null : null
    if (frame.user_id === user.value?.id) {
      status.value = next
      breakReason.value = reason
      breakUntil.value = until
    }
    const member = team.value[frame.user_id]
    if (member) team.value[frame.user_id] = { ...member, status: next, break_reason: reason, break_until: until }
  }

  return {
    user,
    tenant,
    status,
    breakReason,
    breakUntil,
    team,
    permissions,
    probationUntil,
    displayName,
    phoneUnverified,
    can,
    canReply,
    canManageCatalog,
    canManageKb,
    canApprove,
    canRequest,
    canAdminister,
    canWatchTeam,
    canAssign,
    load,
    login,
    setup,
    logout,
    adoptAccount,
    loadTeam,
    nameOf,
    changeStatus,
    applyPresence,
  }
})
