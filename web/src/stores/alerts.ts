// Issue #17: the agent's alerts as the workbench delivers them (the inbox decides which, with
// features/workbench/alerts.ts): the agent's choices — a sound, desktop notifications while the
// tab is hidden —, kept per account in localStorage; one sound for a burst. Each alert
// delivered is counted, and listed on `window.__kefuAlerts` for the browser tests.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Uuid } from '../api'
import { Burst, DEFAULT_ALERT_PREFS, alertPrefsKey, readAlertPrefs } from '../features/workbench/alerts'
import type { Alert, AlertKind, AlertPrefs } from '../features/workbench/alerts'
import { askNotifyPermission, notifyPermission, playChime, showNotification, unlockAudio } from '../features/workbench/alertOutput'
import type { NotifyPermission } from '../features/workbench/alertOutput'

declare global {
  interface Window {
    /** The alerts delivered on this page, oldest first (the last 50). */
    __kefuAlerts?: { kind: AlertKind; conversationId: Uuid }[]
  }
}

export const useAlerts = defineStore('alerts', () => {
  const prefs = ref<AlertPrefs>({ ...DEFAULT_ALERT_PREFS })
  const permission = ref<NotifyPermission>(notifyPermission())
  /** Alerts delivered since the workbench opened. */
  const count = ref(0)
  let owner: Uuid | null = null
  const burst = new Burst()

  /** Notifications are on only while the browser allows them too. */
  const desktopOn = computed(() => prefs.value.desktop && permission.value === 'granted')

  function load(userId: Uuid): void {
    owner = userId
    try {
      prefs.value = readAlertPrefs(localStorage.getItem(alertPrefsKey(userId)))
    } catch {
      prefs.value = { ...DEFAULT_ALERT_PREFS }
    }
    permission.value = notifyPermission()
  }

  function save(): void {
    if (!owner) return
    try {
      localStorage.setItem(alertPrefsKey(owner), JSON.stringify(prefs.value))
    } catch {
      // Not remembered, still applied.
    }
  }

  /** Turning the sound on plays it once, so the agent hears what it will be. */
  function setSound(on: boolean): void {
    prefs.value = { ...prefs.value, sound: on }
    save()
    if (on) {
      unlockAudio()
      playChime()
    }
  }

  /** Turning notifications on asks the browser (the only time the page asks). Resolves to
   *  what the browser allows: anything but `granted` leaves them off. */
  async function setDesktop(on: boolean): Promise<NotifyPermission> {
    if (on) {
      permission.value = await askNotifyPermission()
      on = permission.value === 'granted'
    }
    prefs.value = { ...prefs.value, desktop: on }
    save()
    return permission.value
  }

  /** Sounds (once for a burst), and notifies while the tab is hidden; a click on the
   *  notification runs `open`. */
  function deliver(alert: Alert, text: { title: string; body: string }, open: () => void, now = Date.now()): void {
    count.value++
    const log = (window.__kefuAlerts ??= [])
    log.push({ kind: alert.kind, conversationId: alert.conversationId })
    if (log.length > 50) log.splice(0, log.length - 50)
    if (prefs.value.sound && burst.admit(now)) playChime()
    if (desktopOn.value && document.hidden) showNotification(text.title, text.body, `kefu-${alert.conversationId}`, open)
  }

  function reset(): void {
    owner = null
    prefs.value = { ...DEFAULT_ALERT_PREFS }
    count.value = 0
  }

  return { prefs, permission, count, desktopOn, load, setSound, setDesktop, deliver, reset, unlockAudio }
})
