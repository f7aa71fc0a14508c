// ACC-1, ESC-1: the buyer's side of arbitration in their chat: whether they may ask the
// platform to step in, and their conversation's latest case, read at start, again after the
// shop first answers (asking becomes possible), on each system message (the platform's steps
// come as system lines), and every 20 s while the case is not closed. Asking files the case;
// evidence (words and, if wanted, one picture uploaded first) goes in before the ruling.

import { ref } from 'vue'
import { ApiError, buyerApi } from '../../api'
import type { Arbitration, BuyerArbitration } from '../../api'
import { BUYER_POLL_MS, followsCase } from './arbitration'

/** System messages in a burst (a resumed socket's backlog) read the case once. */
const RELOAD_SOON_MS = 500

export function useBuyerArbitration(token: () => string) {
  const available = ref(false)
  const current = ref<Arbitration | null>(null)
  let asked = 0
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let soonTimer: ReturnType<typeof setTimeout> | undefined
  let checkedAfterAnswer = false
  let stopped = false

  function adopt(res: BuyerArbitration): void {
    available.value = res.available
    current.value = res.case ?? null
    schedule()
  }

  /** While a case is not closed, the next reading in 20 s (skipped while the page is hidden). */
  function schedule(): void {
    clearTimeout(pollTimer)
    pollTimer = undefined
    if (stopped || !followsCase(current.value)) return
    pollTimer = setTimeout(() => {
      if (document.visibilityState === 'visible') void load()
      else schedule()
    }, BUYER_POLL_MS)
  }

  async function load(): Promise<void> {
    stopped = false
    const mine = ++asked
    try {
      const res = await buyerApi.arbitration(token())
      if (mine === asked) adopt(res)
    } catch {
      // Keep what was shown; the next system message or reading tries again.
      if (mine === asked) schedule()
    }
  }

  function reloadSoon(): void {
    clearTimeout(soonTimer)
    soonTimer = setTimeout(() => void load(), RELOAD_SOON_MS)
  }

  /** An agent of the shop wrote: asking may have become possible (read once, not each time). */
  function agentAnswered(): void {
    if (checkedAfterAnswer || available.value || current.value) return
    checkedAfterAnswer = true
    reloadSoon()
  }

  /** A refusal of the server's (a case already open, the case closed meanwhile) reads the case
   *  again before it is thrown on. */
  async function refreshing<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) void load()
      throw err
    }
  }

  /** Asks the platform to step in. Throws ApiError (`arbitration_unavailable`,
   *  `arbitration_exists`, `invalid_arbitration`). */
  async function file(reason: string): Promise<void> {
    adopt(await refreshing(() => buyerApi.fileArbitration(token(), reason.trim())))
  }

  /** The buyer's evidence, the picture uploaded first. Throws ApiError (`arbitration_closed`,
   *  `invalid_arbitration`, an upload's `file_too_large`, `unsupported_file_type`). */
  async function addEvidence(text: string, photo: File | null): Promise<void> {
    const attachment = photo ? await buyerApi.upload(token(), photo) : null
    adopt(await refreshing(() => buyerApi.arbitrationEvidence(token(), text.trim(), attachment?.id ?? null)))
  }

  function stop(): void {
    stopped = true
    asked++
    clearTimeout(pollTimer)
    clearTimeout(soonTimer)
  }

  return { available, current, load, reloadSoon, agentAnswered, file, addEvidence, stop }
}

export type BuyerArbitrationState = ReturnType<typeof useBuyerArbitration>
