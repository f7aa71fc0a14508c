// The signed-in agent: who they are, their tenant, their WB-9 status, and the CSRF token
// every non-GET cookie request carries.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi, setCsrfToken } from '../api'
import type { AgentStatus, AuthSession, TeamMember, Tenant, User, Uuid } from '../api'

export const useAgentSession = defineStore('agentSession', () => {
  const user = ref<User | null>(null)
  const tenant = ref<Tenant | null>(null)
  const status = ref<AgentStatus>('online')
  const team = ref<Record<Uuid, TeamMember>>({})

  const displayName = computed(() => user.value?.display_name || user.value?.username || '')
  /** ACC-3: QA inspectors read conversations but never write to buyers. */
  const canReply = computed(() => !!user.value && user.value.role !== 'qa')
  /** CH-2: supervisors and super admins import the shop's products and orders. */
  const canManageCatalog = computed(() => user.value?.role === 'supervisor' || user.value?.role === 'super_admin')

  function adopt(session: AuthSession): void {
    user.value = session.user
    tenant.value = session.tenant
    status.value = session.user.status
    setCsrfToken(session.csrf_token)
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

  return { user, tenant, status, team, displayName, canReply, canManageCatalog, load, login, logout, loadTeam, nameOf, changeStatus }
})
