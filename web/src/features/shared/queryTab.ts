// The tabbed agent pages (robot, team, QA, KPI) name their open tab in `?tab=`, so a link or a
// reload lands on it: a tab the viewer may not open (or none named) falls back to their first.

import { computed, type ComputedRef, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'

export function useQueryTab<T extends string>(
  tabs: Readonly<Ref<readonly T[]>>,
): { tab: ComputedRef<T | null>; choose: (next: T) => void } {
  const route = useRoute()
  const router = useRouter()

  /** The tab `?tab=` names if it is one of `tabs`, else the first; null when there are none. */
  const tab = computed<T | null>(() => {
    const wanted = route.query.tab
    return tabs.value.find((x) => x === wanted) ?? tabs.value[0] ?? null
  })

  /** Opens a tab, keeping the rest of the query; replaces the history entry. */
  function choose(next: T): void {
    void router.replace({ query: { ...route.query, tab: next } })
  }

  return { tab, choose }
}
