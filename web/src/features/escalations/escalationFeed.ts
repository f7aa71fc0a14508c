// ESC-1: a list of escalations kept current — read at once, again whenever the query changes,
// whenever this tab escalates, takes up or handles one (or the workbench hears an `escalation`
// notice), and every `pollMs` while the page is visible (the cockpit has no socket that carries
// escalations). A late answer to an older query is dropped.

import { onBeforeUnmount, onMounted, readonly, ref, watch } from 'vue'
import type { Ref } from 'vue'
import { agentApi, errorCode } from '../../api'
import type { Escalation, EscalationQuery } from '../../api'
import { ESCALATION_POLL_MS } from './escalations'

const changes = ref(0)

/** How many escalations this tab has changed or heard of; watch it to read a list again. */
export const escalationsChanged = readonly(changes)

/** Called after escalating, taking up or handling one, and on an `escalation` notice. */
export function noteEscalationsChanged(): void {
  changes.value++
}

export interface EscalationFeed {
  list: Ref<Escalation[]>
  /** The first answer came (or failed). */
  loaded: Ref<boolean>
  loading: Ref<boolean>
  /** The last read's error code, '' when it went well. */
  failure: Ref<string>
  reload: () => Promise<void>
  /** Puts an escalation the server just answered with in place of the one listed. */
  replace: (e: Escalation) => void
}

export function useEscalationFeed(query: () => EscalationQuery | null, pollMs = ESCALATION_POLL_MS): EscalationFeed {
  const list = ref<Escalation[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const failure = ref('')
  let asked = 0
  let timer: ReturnType<typeof setInterval> | undefined

  async function reload(): Promise<void> {
    const q = query()
    const mine = ++asked
    if (!q) {
      list.value = []
      loaded.value = true
      return
    }
    loading.value = true
    try {
      const next = await agentApi.escalations(q)
      if (mine !== asked) return
      list.value = next
      failure.value = ''
    } catch (err) {
      if (mine === asked) failure.value = errorCode(err)
    } finally {
      if (mine === asked) {
        loading.value = false
        loaded.value = true
      }
    }
  }

  function replace(e: Escalation): void {
    list.value = list.value.map((x) => (x.id === e.id ? e : x))
  }

  function onVisible(): void {
    if (document.visibilityState === 'visible') void reload()
  }

  watch(() => JSON.stringify(query()), () => {
    loaded.value = false
    list.value = []
    void reload()
  })
  watch(escalationsChanged, () => void reload())

  onMounted(() => {
    void reload()
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload()
    }, pollMs)
    document.addEventListener('visibilitychange', onVisible)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', onVisible)
    asked++
  })

  return { list, loaded, loading, failure, reload, replace }
}
