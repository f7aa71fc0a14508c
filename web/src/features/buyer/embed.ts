// CH-1: the chat page inside the web widget's frame on a shop's site (`?embed=1`, opened by
// kefu's loader, crates/kefu-server/src/channels/widget.js). The page tells the site around it
// three things by postMessage: `{type: 'kefu:ready'}` (the chat came up), `{type:
// 'kefu:close'}` (收起: close the panel) and
// `{type: 'kefu:unread', count}` — how many of the shop's replies came since the buyer last
// had the chat in front of them, for the bubble's badge while the panel is shut.

import { watch } from 'vue'
import type { Ref } from 'vue'
import type { Message, SenderKind } from '../../api'

/** Whether the chat page was opened to fit a frame (`?embed=1`). */
export function isEmbedded(query: Record<string, unknown>): boolean {
  const v = Array.isArray(query.embed) ? query.embed[0] : query.embed
  return v === '1' || v === 'true'
}

/** Who writes for the shop: its agents, the robot (BOT-3) and its automatic replies (WB-2). */
const SHOP_SIDE: readonly SenderKind[] = ['agent', 'bot', 'automation']

/** The shop's messages after `seenSeq`. */
export function unreadSince(messages: readonly Pick<Message, 'seq' | 'sender_kind'>[], seenSeq: number): number {
  return messages.filter((m) => m.seq > seenSeq && SHOP_SIDE.includes(m.sender_kind)).length
}

/** What the frame says to the site around it. */
export type FrameMessage = { type: 'kefu:ready' } | { type: 'kefu:close' } | { type: 'kefu:unread'; count: number }

/** The replies the buyer has not seen, told to the site whenever the number changes (it
 *  starts at 0, as the site's badge does). */
export class UnreadReplies {
  private seenSeq = 0
  private said = 0

  constructor(private readonly say: (count: number) => void) {}

  /** The buyer has the chat in front of them: every message so far is seen. */
  seen(messages: readonly Pick<Message, 'seq' | 'sender_kind'>[]): void {
    this.seenSeq = messages.length ? messages[messages.length - 1].seq : this.seenSeq
    this.tell(0)
  }

  /** Messages arrived while the buyer looked elsewhere. */
  arrived(messages: readonly Pick<Message, 'seq' | 'sender_kind'>[]): void {
    this.tell(unreadSince(messages, this.seenSeq))
  }

  private tell(count: number): void {
    if (count === this.said) return
    this.said = count
    this.say(count)
  }
}

/** Where the page is and what it can tell: the browser's, replaced in tests. */
export interface FrameHost {
  /** The page is in a frame (the site's `window.parent`), not a tab of its own. */
  framed: boolean
  post(message: FrameMessage): void
  /** The tab is showing and this frame has the focus, or its panel is on screen. */
  attended(): boolean
  /** Calls `changed` whenever `attended()` may have changed; returns how to stop. */
  watchAttention(changed: () => void): () => void
}

/** The browser as the frame sees it: the buyer attends to the chat while the tab shows and
 *  the frame has the focus or is on screen — the loader hides the panel (`display: none`) when
 *  it closes, which an IntersectionObserver reports; without one, the focus alone counts. */
export function browserHost(root: () => Element | null): FrameHost {
  let onScreen = false
  return {
    framed: window.parent !== window,
    post: (message) => window.parent.postMessage(message, '*'),
    attended: () => document.visibilityState === 'visible' && (document.hasFocus() || onScreen),
    watchAttention(changed) {
      const events = ['focus', 'blur', 'pointerdown', 'keydown'] as const
      for (const e of events) window.addEventListener(e, changed, true)
      document.addEventListener('visibilitychange', changed)
      let observer: IntersectionObserver | null = null
      const el = root()
      if (el && typeof IntersectionObserver !== 'undefined') {
        observer = new IntersectionObserver((entries) => {
          const last = entries[entries.length - 1]
          if (!last) return
          onScreen = last.isIntersecting
          changed()
        })
        observer.observe(el)
      }
      return () => {
        for (const e of events) window.removeEventListener(e, changed, true)
        document.removeEventListener('visibilitychange', changed)
        observer?.disconnect()
      }
    },
  }
}

/** The frame's side of the widget: 收起, and the unread replies told to the site as they come
 *  (`ready`: the history is loaded, and counts as seen). Returns `close` and `stop`. */
export function useEmbeddedChat(messages: () => readonly Message[], ready: Ref<boolean>, host: FrameHost) {
  // Opened as a page of its own: there is no site to tell anything.
  if (!host.framed) return { close(): void {}, stop(): void {} }
  const unread = new UnreadReplies((count) => host.post({ type: 'kefu:unread', count }))

  function check(): void {
    if (!ready.value) return
    if (host.attended()) unread.seen(messages())
    else unread.arrived(messages())
  }

  const stopWatch = watch(
    [ready, () => messages().length, () => messages().at(-1)?.seq ?? 0],
    ([isReady], [wasReady]) => {
      if (!isReady) return
      // The history the page opened with was there before: none of it is news. The loader
      // learns the chat came up (else it offers its own 收起 on phones).
      if (!wasReady) {
        host.post({ type: 'kefu:ready' })
        unread.seen(messages())
      }
      else check()
    },
  )
  const stopAttention = host.watchAttention(check)

  return {
    /** 收起: the site closes the panel (and the bubble comes back on a phone). */
    close(): void {
      host.post({ type: 'kefu:close' })
    },
    stop(): void {
      stopWatch()
      stopAttention()
    },
  }
}
