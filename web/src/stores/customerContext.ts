// What the open conversation is about (CH-2, CH-5, CH-6), for the customer panel: the entry,
// the order and product, the buyer's orders, conversations and notes, and partner handoffs.
// Loaded when a conversation opens, and again when a card or a re-entry may have changed it.

import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { agentApi } from '../api'
import type { BuyerNote, ConversationContext, HandoffCase, Uuid } from '../api'
import { isCardKind } from '../features/catalogue/cards'
import { useInbox } from './inbox'

const REFRESH_DELAY_MS = 300

export const useCustomerContext = defineStore('customerContext', () => {
  const inbox = useInbox()
  const context = ref<ConversationContext | null>(null)
  const loading = ref(false)
  const failed = ref(false)
  let refreshTimer: ReturnType<typeof setTimeout> | undefined

  async function load(id: Uuid): Promise<void> {
    loading.value = true
    failed.value = false
    try {
      const loaded = await agentApi.context(id)
      // A server from before buyer notes (CH-6) leaves them out.
      loaded.notes ??= []
      if (id === inbox.openId) context.value = loaded
    } catch {
      if (id === inbox.openId) failed.value = true
    } finally {
      if (id === inbox.openId) loading.value = false
    }
  }

  function reload(): void {
    if (inbox.openId) void load(inbox.openId)
  }

  function refreshSoon(): void {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(reload, REFRESH_DELAY_MS)
  }

  watch(
    () => inbox.openId,
    (id) => {
      clearTimeout(refreshTimer)
      context.value = null
      failed.value = false
      if (id) void load(id)
    },
    { immediate: true },
  )

  /** The newest card in the open conversation: a new one may name another order or product. */
  const lastCardSeq = computed(() => {
    const messages = inbox.openTimeline?.messages ?? []
    for (let i = messages.length - 1; i >= 0; i--) {
      if (isCardKind(messages[i].kind)) return messages[i].seq
    }
    return 0
  })
  // A new card may name another order or product; a re-entry (another live room, another
  // order) changes the summary's context. Switching conversations is not news: `load` covers it.
  watch(
    () => {
      const summary = inbox.openSummary
      const entered = summary && summary.id === inbox.openId ? JSON.stringify(summary.context ?? {}) : null
      return [inbox.openId, lastCardSeq.value, entered] as const
    },
    ([id, seq, entered], [idBefore, seqBefore, enteredBefore]) => {
      if (!id || id !== idBefore) return
      const newCard = seqBefore > 0 && seq > seqBefore
      const reentered = entered !== null && enteredBefore !== null && entered !== enteredBefore
      if (newCard || reentered) refreshSoon()
    },
  )

  /** CH-5: hands the order's case to its fulfilment partner; throws ApiError. */
  async function handoff(orderNo: string, note: string): Promise<HandoffCase> {
    const id = inbox.openId
    if (!id) throw new Error('no open conversation')
    const made = await agentApi.handoff(id, orderNo, note)
    if (id === inbox.openId && context.value) context.value.handoffs.unshift(made)
    return made
  }

  /** CH-5: closes a case with what came of it; throws ApiError (`handoff_closed`, …). */
  async function closeHandoff(caseId: Uuid, resolution: string): Promise<HandoffCase> {
    const closed = await agentApi.closeHandoff(caseId, resolution)
    const cases = context.value?.handoffs ?? []
    const at = cases.findIndex((h) => h.id === closed.id)
    if (at >= 0) cases[at] = closed
    return closed
  }

  /** CH-6: adds a note on the open conversation's buyer; throws ApiError (`note_empty`, …). */
  async function addNote(body: string): Promise<BuyerNote> {
    const id = inbox.openId
    const buyerId = context.value?.buyer.id ?? inbox.openSummary?.buyer_id
    if (!id || !buyerId) throw new Error('no open conversation')
    const note = await agentApi.addNote(buyerId, body)
    if (id === inbox.openId && context.value && !context.value.notes.some((n) => n.id === note.id)) {
      context.value.notes.unshift(note)
    }
    return note
  }

  return { context, loading, failed, reload, handoff, closeHandoff, addNote }
})
