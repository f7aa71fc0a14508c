// The shop's guard-rail settings (ACC-2, ACC-4, ACC-5, WB-7): every team member reads them (an
// agent sees whether a refund will need approval, and wait timers count the office hours);
// those allowed change them on the team page.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { agentApi } from '../api'
import type { ShopSettings } from '../api'

export const useShopSettings = defineStore('shopSettings', () => {
  const settings = ref<ShopSettings | null>(null)
  const failed = ref(false)
  let loading: Promise<void> | null = null

  /** Fetches them (again); failures leave `failed` set and the old values in place. */
  function load(): Promise<void> {
    loading ??= agentApi
      .settings()
      .then((s) => {
        settings.value = s
        failed.value = false
      })
      .catch(() => {
        failed.value = true
      })
      .finally(() => {
        loading = null
      })
    return loading
  }

  function ensureLoaded(): void {
    if (!settings.value) void load()
  }

  /** Sends every field. Throws ApiError (`bad_threshold`, `bad_probation_days`,
   *  `bad_max_accounts`, `invalid_office_hours`, `forbidden`). */
  async function save(next: ShopSettings): Promise<void> {
    settings.value = await agentApi.putSettings(next)
  }

  function reset(): void {
    settings.value = null
    failed.value = false
  }

  return { settings, failed, load, ensureLoaded, save, reset }
})
