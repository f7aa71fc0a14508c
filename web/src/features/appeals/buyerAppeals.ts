// SELF-3: the buyer's side of appeals (申诉) in the official desk's chat: their appeals and the
// templates they may file from, read at start (only on the platform desk's page), again on each
// system message (the desk's steps come as system lines in this conversation) and every 30 s
// while one is not decided. Filing and reopening upload the files first (several, up to 9),
// then send their ids; each answer (the one appeal changed) is merged into the list.

import { ref } from 'vue'
import { ApiError, buyerApi } from '../../api'
import type { Appeal, AppealList } from '../../api'
import { BUYER_POLL_MS, appealBody, followsAppeals, mergeAppeals } from './appeals'
import type { AppealDraft } from './appeals'

/** System messages in a burst (a resumed socket's backlog) read the appeals once. */
const RELOAD_SOON_MS = 500

export function useBuyerAppeals(token: () => string) {
  /** The chat is the platform desk's: appeals may be filed here. */
  const available = ref(false)
  const list = ref<AppealList | null>(null)
  let asked = 0
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let soonTimer: ReturnType<typeof setTimeout> | undefined
  let stopped = true

  function adopt(res: AppealList, merge: boolean): void {
    list.value = merge && list.value ? mergeAppeals(list.value, res) : res
    schedule()
  }

  /** While an appeal is not decided, the next reading in 30 s (skipped while the page is hidden). */
  function schedule(): void {
    clearTimeout(pollTimer)
    pollTimer = undefined
    if (stopped || !followsAppeals(list.value?.appeals ?? [])) return
    pollTimer = setTimeout(() => {
      if (document.visibilityState === 'visible') void load()
      else schedule()
    }, BUYER_POLL_MS)
  }

  async function load(): Promise<void> {
    if (!available.value) return
    const mine = ++asked
    try {
      const res = await buyerApi.appeals(token())
      if (mine === asked) adopt(res, false)
    } catch {
      // Keep what was shown; the next system message or reading tries again.
      if (mine === asked) schedule()
    }
  }

  /** The chat's shop is known: on the platform desk's page, start reading. */
  function start(isPlatformDesk: boolean): void {
    available.value = isPlatformDesk
    stopped = !isPlatformDesk
    if (isPlatformDesk) void load()
  }

  function reloadSoon(): void {
    if (!available.value) return
    clearTimeout(soonTimer)
    soonTimer = setTimeout(() => void load(), RELOAD_SOON_MS)
  }

  /** The files, uploaded one after another; their ids in order. */
  async function uploadAll(files: readonly File[]): Promise<string[]> {
    const ids: string[] = []
    for (const file of files) ids.push((await buyerApi.upload(token(), file)).id)
    return ids
  }

  /** A refusal of the server's (reopened already, changed meanwhile) reads the list again
   *  before it is thrown on. */
  async function refreshing<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) void load()
      throw err
    }
  }

  /** Files an appeal (its kind chosen) with its files. Throws ApiError (`invalid_appeal`,
   *  `attachment_not_found`, an upload's `file_too_large`, `unsupported_file_type`). */
  async function file(draft: AppealDraft & { kind: NonNullable<AppealDraft['kind']> }, files: readonly File[]): Promise<Appeal | null> {
    const ids = await uploadAll(files)
    const res = await buyerApi.fileAppeal(token(), appealBody(draft, ids))
    adopt(res, true)
    return res.appeals[0] ?? null
  }

  /** Reopens a decided appeal once with new facts and files. Throws ApiError (`appeal_closed`,
   *  `invalid_appeal`, an upload's). */
  async function reopen(appeal: Appeal, facts: string, files: readonly File[]): Promise<void> {
    const ids = await uploadAll(files)
    adopt(await refreshing(() => buyerApi.reopenAppeal(token(), appeal.id, { version: appeal.version, facts: facts.trim(), attachment_ids: ids })), true)
  }

  function stop(): void {
    stopped = true
    asked++
    clearTimeout(pollTimer)
    clearTimeout(soonTimer)
  }

  return { available, list, load, start, reloadSoon, file, reopen, stop }
}

export type BuyerAppealsState = ReturnType<typeof useBuyerAppeals>
