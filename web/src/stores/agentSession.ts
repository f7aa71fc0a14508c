// The signed-in agent: who they are, their tenant, their WB-9 status, what they may do now
// (ACC-3, ACC-4: the server's permission list, which the UI follows to hide what it would
// refuse), and the CSRF token every non-GET cookie request carries.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi, setCsrfToken } from '../api'
import type { AccountView, AgentStatus, AuthSession, EpochMs, Permission, TeamMember, Tenant, Uuid } from '../api'

export const useAgentSession = defineStore('agentSession', () => {
  const user = ref<AccountView | null>(null)
  const tenant = ref<Tenant | null>(null)
  const status = ref<AgentStatus>('online')
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
  /** ACC-5: decide refunds and compensations, or logistics changes. */
  const canApprove = computed(() => can('refund.approve') || can('logistics.review'))
  /** ACC-5: ask for a refund, a compensation or a logistics change. */
  const canRequest = computed(() => can('refund.request') || can('logistics.change'))
  /** The team page: accounts, groups, teams, settings or the audit log. */
  const canAdminister = computed(
    () => can('account.manage') || can('team.manage') || can('settings.manage') || can('audit.view'),
  )

  function adopt(session: AuthSession): void {
    user.value = session.user
    tenant.value = session.tenant
    status.value = session.user.status
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

  /** WB-9: online / busy / away / offline. Reverts if the server refuses. */
  async function changeStatus(next: AgentStatus): Promise<void> {
    const before = status.value
    status.value = next
    try {
      await agentApi.setStatus(next)
    } catch (err) {
      status.value = before
      throw err
    }
  }

  return {
    user,
    tenant,
    status,
    team,
    permissions,
    probationUntil,
    displayName,
    phoneUnverified,
    can,
    canReply,
    canManageCatalog,
    canApprove,
    canRequest,
    canAdminister,
    load,
    login,
    logout,
    adoptAccount,
    loadTeam,
    nameOf,
    changeStatus,
  }
})
