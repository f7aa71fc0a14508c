// What the work orders page reads besides the orders (ESC-3): the roster (owners' names, whom
// to assign), the teams, and the shop's work-order settings (each kind's custom fields and
// target). Read again each time the page opens; the settings tab keeps what it saved.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { agentApi } from '../../api'
import type { Team, User, Uuid, WorkOrderFieldDef, WorkOrderKind, WorkOrderSettingsView } from '../../api'
import { useAgentSession } from '../../stores/agentSession'

export const useWorkOrderDesk = defineStore('workOrderDesk', () => {
  const session = useAgentSession()
  const people = ref<User[]>([])
  const teams = ref<Team[]>([])
  const settings = ref<WorkOrderSettingsView | null>(null)
  const loaded = ref(false)

  async function load(): Promise<void> {
    const [roster, teamList, view] = await Promise.allSettled([agentApi.team(), agentApi.teams(), agentApi.workOrderSettings()])
    if (roster.status === 'fulfilled') people.value = roster.value
    if (teamList.status === 'fulfilled') teams.value = teamList.value.teams ?? []
    if (view.status === 'fulfilled') settings.value = view.value
    loaded.value = true
  }

  /** Accounts that may be given an order: active ones, the signed-in agent first, then by name. */
  const assignable = computed(() =>
    people.value
      .filter((u) => !u.disabled)
      .sort((a, b) => {
        if (a.id === session.user?.id) return -1
        if (b.id === session.user?.id) return 1
        return (a.display_name || a.username).localeCompare(b.display_name || b.username, 'zh-CN')
      }),
  )

  function personName(id: Uuid | null | undefined): string | null {
    if (!id) return null
    const u = people.value.find((x) => x.id === id)
    return u ? u.display_name || u.username : session.nameOf(id)
  }

  function teamName(key: string | null | undefined): string {
    if (!key) return ''
    return teams.value.find((x) => x.key === key)?.name || key
  }

  function fieldDefs(kind: WorkOrderKind): WorkOrderFieldDef[] {
    return settings.value?.settings?.kinds?.[kind]?.fields ?? []
  }

  function adoptSettings(view: WorkOrderSettingsView): void {
    settings.value = view
  }

  return { people, teams, settings, loaded, load, assignable, personName, teamName, fieldDefs, adoptSettings }
})
