// The team as the team page's tabs share it: the shop's accounts (ACC-2) — the full list with
// the account cap for those who manage accounts or teams, else the roster, enough to name
// people and pick them in the audit log's filter — and its teams with the split (ACC-6).

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi } from '../api'
import type { AccountView, Team, TeamShare, User, Uuid } from '../api'
import { useAgentSession } from './agentSession'

export const useTeam = defineStore('team', () => {
  const session = useAgentSession()
  const accounts = ref<(AccountView | User)[]>([])
  const maxAccounts = ref<number | null>(null)
  const loaded = ref(false)
  const loading = ref(false)
  const failed = ref(false)
  const teams = ref<Team[]>([])
  const split = ref<TeamShare[]>([])
  const teamsFailed = ref(false)

  /** By name, the signed-in agent first. */
  const sorted = computed(() =>
    [...accounts.value].sort((a, b) => {
      if (a.id === session.user?.id) return -1
      if (b.id === session.user?.id) return 1
      return Number(a.disabled) - Number(b.disabled) || a.username.localeCompare(b.username)
    }),
  )

  async function load(): Promise<void> {
    loading.value = true
    failed.value = false
    try {
      if (session.can('account.manage') || session.can('team.manage')) {
        const list = await agentApi.accounts()
        accounts.value = list.accounts
        maxAccounts.value = list.max_accounts
      } else {
        accounts.value = await agentApi.team()
        maxAccounts.value = null
      }
      loaded.value = true
    } catch {
      failed.value = true
    } finally {
      loading.value = false
    }
  }

  async function loadTeams(): Promise<void> {
    try {
      const list = await agentApi.teams()
      teams.value = list.teams
      split.value = list.split
      teamsFailed.value = false
    } catch {
      teamsFailed.value = true
    }
  }

  /** An account as a change answered it. */
  function keep(account: AccountView): void {
    const at = accounts.value.findIndex((a) => a.id === account.id)
    if (at >= 0) accounts.value[at] = account
    else accounts.value.push(account)
  }

  function nameOf(id: Uuid | null | undefined): string | null {
    if (!id) return null
    const a = accounts.value.find((x) => x.id === id)
    return a ? a.display_name || a.username : session.nameOf(id)
  }

  return {
    accounts,
    sorted,
    maxAccounts,
    loaded,
    loading,
    failed,
    teams,
    split,
    teamsFailed,
    load,
    loadTeams,
    keep,
    nameOf,
  }
})
