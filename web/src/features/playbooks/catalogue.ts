// ESC-2: the shop's playbooks for the workbench's 选择方案 — read at most once a minute (each
// conversation opened mounts the panel anew); the editor forgets them when it saves.

import { agentApi } from '../../api'
import type { Playbook } from '../../api'

/** How long the playbooks read are good for. */
export const CATALOGUE_TTL_MS = 60_000

let cached: { at: number; list: Playbook[] } | null = null
let pending: Promise<Playbook[]> | null = null

/** The shop's playbooks, from the last minute's read or a fresh one. */
export function shopPlaybooks(now = Date.now()): Promise<Playbook[]> {
  if (cached && now - cached.at < CATALOGUE_TTL_MS) return Promise.resolve(cached.list)
  pending ??= agentApi
    .playbooks()
    .then((view) => {
      cached = { at: Date.now(), list: view.playbooks }
      return view.playbooks
    })
    .finally(() => (pending = null))
  return pending
}

/** The playbooks changed (the editor saved them): the next read asks the server. */
export function forgetShopPlaybooks(): void {
  cached = null
}
