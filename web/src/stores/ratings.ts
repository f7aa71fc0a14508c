// KPI-3 on the team's side: each conversation's rating invitations and ratings, shared by every
// invitation card in it (a re-invite shows one invitation twice), and a supervisor's re-invite.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { agentApi } from '../api'
import type { Rating, Uuid } from '../api'

export const useRatings = defineStore('ratings', () => {
  /** By conversation id, as `GET /conversations/{id}/ratings` last answered. */
  const byConversation = ref<Record<Uuid, Rating[]>>({})
  /** Conversations whose list could not be read. */
  const failed = ref<Record<Uuid, boolean>>({})
  const loading = new Map<Uuid, Promise<void>>()

  /** Reads the conversation's ratings, once for all the cards asking at the same time. */
  function load(conversationId: Uuid): Promise<void> {
    let pending = loading.get(conversationId)
    if (pending) return pending
    pending = agentApi
      .ratings(conversationId)
      .then((list) => {
        byConversation.value[conversationId] = list
        failed.value[conversationId] = false
      })
      .catch(() => {
        failed.value[conversationId] = true
      })
      .finally(() => loading.delete(conversationId))
    loading.set(conversationId, pending)
    return pending
  }

  function find(conversationId: Uuid, ratingId: Uuid): Rating | null {
    return byConversation.value[conversationId]?.find((r) => r.id === ratingId) ?? null
  }

  /** Throws ApiError: `rating_closed` (rated, or invited again already; the list is read
   *  again), `rating_not_found`, `forbidden`. */
  async function reinvite(rating: Rating): Promise<void> {
    try {
      const next = await agentApi.reinviteRating(rating.id)
      const list = byConversation.value[next.conversation_id] ?? []
      byConversation.value[next.conversation_id] = list.some((r) => r.id === next.id)
        ? list.map((r) => (r.id === next.id ? next : r))
        : [...list, next]
    } catch (err) {
      void load(rating.conversation_id)
      throw err
    }
  }

  return { byConversation, failed, load, find, reinvite }
})
