// ACC-1, ESC-1: whether this deployment has a platform desk (平台仲裁 exists at all), read once a
// session from `GET /arbitrations` for the top bar's 仲裁 link; the arbitrations page tells it
// again from each list it reads. A single-shop deployment answers `enabled: false`: no link.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { agentApi } from '../../api'

export const useArbitrationDesk = defineStore('arbitrationDesk', () => {
  const enabled = ref(false)
  /** The server said, one way or the other. */
  const known = ref(false)
  let loading: Promise<void> | null = null

  /** Asks once; a failure leaves it unknown, for the next page to ask again. */
  function ensureLoaded(): void {
    if (known.value || loading) return
    loading = agentApi
      .arbitrations('active')
      .then((res) => adopt(res.enabled))
      .catch(() => {
        // No link until a later page learns otherwise.
      })
      .finally(() => {
        loading = null
      })
  }

  function adopt(isEnabled: boolean): void {
    enabled.value = isEnabled
    known.value = true
  }

  return { enabled, known, ensureLoaded, adopt }
})
