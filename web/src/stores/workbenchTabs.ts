// WB-1: the workbench's tabs: up to eight conversations, the least recently used one closed for
// a ninth, remembered per agent across reloads; and split view, a second conversation beside
// the active one. The focused pane's conversation is the inbox's open one, which the customer
// panel follows; whatever opens a conversation (the list, a notice, a link) opens it here.

import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { Uuid } from '../api'
import { useInbox } from './inbox'

export const MAX_TABS = 8
/** Two panes need this much window beside the list and the customer panel. */
export const SPLIT_MIN_WIDTH = 1200
const STORAGE_PREFIX = 'kefu.workbench.tabs.'

export type Pane = 'main' | 'split'

/** What a reload brings back. */
interface SavedTabs {
  ids: Uuid[]
  used: Uuid[]
  active: Uuid | null
  split: Uuid | null
}

function isIdList(v: unknown): v is Uuid[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

function readSaved(owner: Uuid): SavedTabs | null {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_PREFIX + owner) ?? 'null')
    if (!raw || typeof raw !== 'object') return null
    const { ids, used, active, split } = raw as Record<string, unknown>
    if (!isIdList(ids) || !isIdList(used)) return null
    const kept = ids.slice(0, MAX_TABS)
    const known = (x: unknown) => (typeof x === 'string' && kept.includes(x) ? x : null)
    const activeId = known(active) ?? kept[0] ?? null
    const splitId = known(split)
    return {
      ids: kept,
      used: [...used.filter((x) => kept.includes(x)), ...kept.filter((x) => !used.includes(x))],
      active: activeId,
      split: splitId !== activeId ? splitId : null,
    }
  } catch {
    return null
  }
}

export const useWorkbenchTabs = defineStore('workbenchTabs', () => {
  const inbox = useInbox()

  /** In the order they were opened, as the bar shows them. */
  const ids = ref<Uuid[]>([])
  /** Most recently used first: the last one goes when a ninth opens. */
  const used = ref<Uuid[]>([])
  /** The main pane's conversation. */
  const activeId = ref<Uuid | null>(null)
  /** The second pane's, while split view is on. */
  const splitId = ref<Uuid | null>(null)
  const focus = ref<Pane>('main')
  /** The window is wide enough for split view. */
  const wide = ref(true)
  /** Whose tabs these are (the storage key); null until restored, so nothing is saved early. */
  let owner: Uuid | null = null
  let lastSplit: Uuid | null = null

  const focusedId = computed(() => (focus.value === 'split' ? splitId.value : activeId.value))
  const canSplit = computed(() => wide.value && (!!splitId.value || ids.value.length >= 2))

  function touch(id: Uuid): void {
    used.value = [id, ...used.value.filter((x) => x !== id)]
  }

  function remove(id: Uuid): void {
    ids.value = ids.value.filter((x) => x !== id)
    used.value = used.value.filter((x) => x !== id)
  }

  function add(id: Uuid): void {
    if (ids.value.includes(id)) return
    ids.value.push(id)
    while (ids.value.length > MAX_TABS) {
      const shown = [id, activeId.value, splitId.value]
      const stale = [...used.value].reverse().find((x) => !shown.includes(x)) ?? ids.value.find((x) => !shown.includes(x))
      if (!stale) break
      remove(stale)
    }
  }

  /** The conversation goes into the focused pane unless a pane already shows it. */
  function place(id: Uuid): void {
    if (id === splitId.value) {
      focus.value = 'split'
    } else if (id === activeId.value) {
      focus.value = 'main'
    } else {
      add(id)
      if (focus.value === 'split' && splitId.value) splitId.value = id
      else activeId.value = id
    }
    touch(id)
  }

  // Every way of opening a conversation ends in `inbox.open`; the tabs follow it at once.
  watch(
    () => inbox.openId,
    (id) => {
      if (id) place(id)
    },
    { flush: 'sync' },
  )

  /** Clicking a tab, Alt+1…8, or opening from anywhere else. */
  function select(id: Uuid): void {
    if (inbox.openId === id) place(id)
    else void inbox.open(id)
  }

  function selectNth(n: number): void {
    const id = ids.value[n - 1]
    if (id) select(id)
  }

  function focusPane(pane: Pane): void {
    const id = pane === 'split' ? splitId.value : activeId.value
    if (id) select(id)
  }

  function close(id: Uuid): void {
    if (!ids.value.includes(id)) return
    remove(id)
    if (id === splitId.value) {
      splitId.value = null
      if (focus.value === 'split') focusPane('main')
    } else if (id === activeId.value) {
      // The split pane's conversation takes the whole width, else the last one used.
      const next = splitId.value ?? used.value[0] ?? null
      splitId.value = null
      focus.value = 'main'
      activeId.value = next
      if (next) select(next)
      else inbox.closeOpen()
    }
  }

  function closeFocused(): void {
    if (focusedId.value) close(focusedId.value)
  }

  function openInSplit(id: Uuid): void {
    if (!wide.value || id === activeId.value) return
    add(id)
    splitId.value = id
    focus.value = 'split'
    select(id)
  }

  function closeSplit(): void {
    if (!splitId.value) return
    lastSplit = splitId.value
    splitId.value = null
    if (focus.value === 'split') focusPane('main')
  }

  /** Off, or on with the conversation split last (else the last one used). False when there
   *  is nothing to show beside the active one. */
  function toggleSplit(): boolean {
    if (splitId.value) {
      closeSplit()
      return true
    }
    if (!wide.value) return false
    const other =
      lastSplit && lastSplit !== activeId.value && ids.value.includes(lastSplit)
        ? lastSplit
        : used.value.find((x) => x !== activeId.value)
    if (!other) return false
    splitId.value = other
    return true
  }

  function setWidth(px: number): void {
    wide.value = px >= SPLIT_MIN_WIDTH
    if (!wide.value) closeSplit()
  }

  // The second pane's messages: the open (focused) one's come with `inbox.open`.
  watch(splitId, (id) => {
    if (id) void inbox.loadMessages(id)
  })

  // The tabs' summaries stay current; a conversation gone (or no longer ours) loses its tab.
  watch(
    ids,
    (list) => {
      void inbox.hold([...list]).then((lost) => lost.forEach(close))
    },
    { deep: true },
  )

  watch(
    [ids, used, activeId, splitId],
    () => {
      if (!owner) return
      const saved: SavedTabs = { ids: ids.value, used: used.value, active: activeId.value, split: splitId.value }
      try {
        localStorage.setItem(STORAGE_PREFIX + owner, JSON.stringify(saved))
      } catch {
        // Not remembered, still open.
      }
    },
    { deep: true },
  )

  /** The agent's tabs as they left them; the active one opens. */
  function restore(agentId: Uuid): void {
    const saved = readSaved(agentId)
    owner = agentId
    if (!saved) return
    ids.value = saved.ids
    used.value = saved.used
    splitId.value = wide.value ? saved.split : null
    activeId.value = saved.active
    focus.value = 'main'
    if (saved.active) select(saved.active)
  }

  function reset(): void {
    owner = null
    lastSplit = null
    ids.value = []
    used.value = []
    activeId.value = null
    splitId.value = null
    focus.value = 'main'
  }

  return {
    ids,
    activeId,
    splitId,
    focus,
    focusedId,
    wide,
    canSplit,
    select,
    selectNth,
    focusPane,
    close,
    closeFocused,
    openInSplit,
    closeSplit,
    toggleSplit,
    setWidth,
    restore,
    reset,
  }
})
