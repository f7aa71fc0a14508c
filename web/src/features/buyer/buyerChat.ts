// The buyer side of a chat (CH-1): resume or start a buyer session, load the history, keep a
// WebSocket that resumes after the last seq seen, and drive every send through
// sending → sent → read, resending unacked sends with the same client_msg_id on reconnect.
// CH-2: an entry token says what the buyer came about; the buyer's orders can be sent as cards.
// CH-7, WB-4: while the buyer waits, `queue` frames say their place; then who took them.
// BOT-3, BOT-4: the robot's reply buttons; a tap sends the button's reply as typed text, once.
// KPI-3: the rating invitations' states, shared by their cards; issue #17: the shop's service
// (who is online, the typical wait, the next opening) read again every minute. ESC-3: the
// buyer's work orders, read at start and again whenever a system message arrives (the server
// posts one on each change of status). ACC-1, ESC-1: the buyer's arbitration case (平台仲裁),
// read at start and on the same system messages (features/arbitration/buyerArbitration.ts).
// SELF-3: on the platform desk's page, the buyer's appeals (申诉), read likewise
// (features/appeals/buyerAppeals.ts); issue #20: the conversation as a sealed transcript file.

import { computed, reactive, ref } from 'vue'
import { ApiError, buyerApi, errorCode } from '../../api'
import type {
  Buyer,
  BuyerRating,
  BuyerSession,
  BuyerWorkOrder,
  ClientFrame,
  Entry,
  EntryContext,
  FileKind,
  MessageKind,
  Order,
  QueueFrame,
  RatingInput,
  ServerFrame,
  Shop,
  Uuid,
} from '../../api'
import { ReconnectingSocket, socketUrl } from '../../ws'
import type { SocketStatus } from '../../ws'
import { Timeline, pendingSend, revokePreview } from '../messages/timeline'
import type { PendingSend } from '../messages/timeline'
import { orderCardRef } from '../catalogue/cards'
import { liveButtonsId } from '../messages/buttons'
import { mayEndConversation } from './service'
import { readRatingInvitation } from '../messages/rating'
import { mayMoveWorkOrders } from './workOrders'
import { useBuyerArbitration } from '../arbitration/buyerArbitration'
import { useBuyerAppeals } from '../appeals/buyerAppeals'

export type ChatPhase = 'loading' | 'ready' | 'not_found' | 'failed'

const TYPING_SHOWN_MS = 4000
/** A send still unacked this long while the socket is down goes over HTTP instead. */
const HTTP_FALLBACK_MS = 6000
/** How the server refuses an entry token; the chat then opens without it. */
const ENTRY_REFUSALS = new Set(['invalid_entry', 'order_not_yours'])
/** How often the shop's service status is read again while the page is open. */
const SERVICE_REFRESH_MS = 60_000
/** System messages in a burst (a resumed socket's backlog) read the work orders once. */
const WORK_ORDERS_RELOAD_MS = 500

function tokenKey(slug: string): string {
  return `kefu.buyer.${slug}`
}

function readToken(slug: string): string | null {
  try {
    return localStorage.getItem(tokenKey(slug))
  } catch {
    return null
  }
}

function saveToken(slug: string, token: string | null): void {
  try {
    if (token) localStorage.setItem(tokenKey(slug), token)
    else localStorage.removeItem(tokenKey(slug))
  } catch {
    // Without storage the buyer is anonymous per visit; the chat still works.
  }
}

/** What the chat page's URL carries: `identity` (a member's signed JWT) and `entry` (a signed
 *  token naming the order, product, live room or creator the buyer came from). */
export interface ChatArrival {
  identity: string | null
  entry: string | null
}

export function useBuyerChat(slug: string, arrival: ChatArrival, onError: (code: string) => void) {
  const phase = ref<ChatPhase>('loading')
  const failure = ref('')
  const shop = ref<Shop | null>(null)
  const buyer = ref<Buyer | null>(null)
  const connection = ref<SocketStatus>('connecting')
  const agentTyping = ref(false)
  const timeline = reactive(new Timeline('buyer')) as Timeline
  const entry = ref<Entry>('shop_home')
  const context = ref<EntryContext | null>(null)
  /** Why the entry token was refused (`invalid_entry`, `order_not_yours`), if it was. */
  const entryRefused = ref<string | null>(null)
  /** The buyer's own recent orders here; empty for anonymous buyers. */
  const orders = ref<Order[]>([])
  /** ESC-3: the buyer's work orders with this shop, newest first, with their progress lines. */
  const workOrders = ref<BuyerWorkOrder[]>([])
  /** The buyer's place while waiting for an agent (`position` ≥ 1); null when not waiting. */
  const queue = ref<QueueFrame | null>(null)
  /** Who took the conversation, and the last seq the buyer had then (where the line goes). */
  const servedBy = ref<{ name: string; afterSeq: number } | null>(null)
  /** The buttons message the buyer may still answer with a tap (BOT-3, BOT-4). */
  const liveButtons = computed(() => liveButtonsId(timeline.messages, timeline.pending.length > 0))
  /** KPI-3: rating invitations by id, as the server last told them. */
  const ratings = ref<Record<Uuid, BuyerRating>>({})
  /** The buyer ended the conversation here and has not written since. */
  const ended = ref(false)
  const canEnd = computed(() => !ended.value && mayEndConversation(timeline.messages))
  const ratingLoads = new Map<Uuid, Promise<void>>()

  let entryToken = arrival.entry
  let token = ''
  let socket: ReconnectingSocket | null = null
  let lastReadSent = 0
  let typingTimer: ReturnType<typeof setTimeout> | undefined
  let serviceTimer: ReturnType<typeof setInterval> | undefined
  let workOrdersTimer: ReturnType<typeof setTimeout> | undefined
  let workOrdersRequest = 0
  /** ACC-1, ESC-1: whether the buyer may ask the platform to step in, and their case. */
  const arbitration = useBuyerArbitration(() => token)
  /** SELF-3: the buyer's appeals, on the platform desk's page only. */
  const appeals = useBuyerAppeals(() => token)

  /** Each retry drops one thing the server refused, so this ends. */
  async function openSession(): Promise<BuyerSession> {
    let saved = readToken(slug)
    for (;;) {
      try {
        return await buyerApi.session(slug, { buyerToken: saved, identity: arrival.identity, entry: entryToken })
      } catch (err) {
        if (!(err instanceof ApiError)) throw err
        if (entryToken && ENTRY_REFUSALS.has(err.code)) {
          // Expired or someone else's: still let the buyer talk to the shop.
          entryRefused.value = err.code
          entryToken = null
          continue
        }
        // A stale or foreign buyer token (secret rotated, data reset): start over as a new buyer.
        if (saved && err.status >= 400 && err.status < 500 && err.status !== 404 && err.status !== 429) {
          saveToken(slug, null)
          saved = null
          continue
        }
        throw err
      }
    }
  }

  async function loadOrders(): Promise<void> {
    try {
      orders.value = await buyerApi.orders(token)
    } catch {
      // Without the list the buyer can still type the order number.
      orders.value = []
    }
  }

  async function loadWorkOrders(): Promise<void> {
    const mine = ++workOrdersRequest
    try {
      const list = await buyerApi.workOrders(token)
      if (mine === workOrdersRequest) workOrders.value = list
    } catch {
      // Keep what was shown; the next status message reads them again.
    }
  }

  function reloadWorkOrdersSoon(): void {
    clearTimeout(workOrdersTimer)
    workOrdersTimer = setTimeout(() => void loadWorkOrders(), WORK_ORDERS_RELOAD_MS)
  }

  async function start(): Promise<void> {
    phase.value = 'loading'
    try {
      const [shopInfo, session] = await Promise.all([buyerApi.shop(slug), openSession()])
      shop.value = shopInfo
      buyer.value = session.buyer
      entry.value = session.entry ?? 'shop_home'
      context.value = session.context ?? null
      token = session.buyer_token
      saveToken(slug, token)
      void loadOrders()
      void loadWorkOrders()
      void arbitration.load()
      appeals.start(shopInfo.kind === 'platform')
      timeline.addMany(await buyerApi.messages(token))
      phase.value = 'ready'
      connect()
      clearInterval(serviceTimer)
      serviceTimer = setInterval(() => void refreshShop(), SERVICE_REFRESH_MS)
    } catch (err) {
      const code = errorCode(err)
      if (err instanceof ApiError && (err.status === 404 || code === 'shop_not_found')) {
        phase.value = 'not_found'
      } else {
        failure.value = code
        phase.value = 'failed'
      }
    }
  }

  function connect(): void {
    socket?.stop()
    socket = new ReconnectingSocket(
      () => socketUrl(`/api/v1/buyer/ws?token=${encodeURIComponent(token)}&after_seq=${timeline.lastSeq}`),
      {
        onFrame,
        onReady: () => {
          for (const p of timeline.resendable()) socket?.send(sendFrame(p))
          markSeen()
        },
        onStatus: (s) => (connection.value = s),
      },
    )
    socket.start()
  }

  function stop(): void {
    socket?.stop()
    socket = null
    clearTimeout(typingTimer)
    clearInterval(serviceTimer)
    clearTimeout(workOrdersTimer)
    arbitration.stop()
    appeals.stop()
  }

  /** Issue #17: who is online and how soon they answer change while the buyer looks. */
  async function refreshShop(): Promise<void> {
    if (document.visibilityState !== 'visible') return
    try {
      shop.value = await buyerApi.shop(slug)
    } catch {
      // Keep the last status; the next minute tries again.
    }
  }

  /** Reads an invitation, once for all its cards; `again` reads it anew (a re-invite, a refusal). */
  function loadRating(id: Uuid, again = false): Promise<void> {
    const loading = ratingLoads.get(id)
    if (loading && !again) return loading
    const next = buyerApi
      .rating(token, id)
      .then((r) => {
        ratings.value[id] = r
      })
      .catch(() => {
        // The card falls back on the invitation's expiry; a later card or tap tries again.
        if (ratingLoads.get(id) === next) ratingLoads.delete(id)
      })
    ratingLoads.set(id, next)
    return next
  }

  /** Rates once. Throws ApiError; after a 409 (`rating_closed`, `rating_expired`) the invitation
   *  is read again, so its cards show why. */
  async function rate(id: Uuid, input: RatingInput): Promise<void> {
    try {
      ratings.value[id] = await buyerApi.rate(token, id, input)
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) void loadRating(id, true)
      throw err
    }
  }

  function onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message':
        timeline.add(frame.message)
        if (frame.message.sender_kind !== 'buyer') agentTyping.value = false
        // An agent is talking: whatever the queue said, the buyer is no longer waiting.
        if (frame.message.sender_kind === 'agent') {
          queue.value = null
          // The shop has answered: the buyer may now ask the platform to step in.
          arbitration.agentAnswered()
        }
        // A work order opened or moved, or the platform took a step in the case: read again.
        if (mayMoveWorkOrders(frame.message)) {
          reloadWorkOrdersSoon()
          arbitration.reloadSoon()
          appeals.reloadSoon()
        }
        // A supervisor invited the buyer again: the same invitation, open anew.
        if (frame.message.kind === 'rating') {
          const invitation = readRatingInvitation(frame.message.body)
          if (invitation) void loadRating(invitation.rating_id, true)
        }
        break
      case 'queue':
        if (frame.position >= 1) {
          queue.value = frame
          servedBy.value = null
        } else {
          queue.value = null
          const name = frame.agent_name?.trim()
          if (name) servedBy.value = { name, afterSeq: timeline.lastSeq }
        }
        break
      case 'ack':
        timeline.ack(frame, { id: buyer.value?.id ?? null, name: buyerName() })
        break
      case 'typing':
        if (frame.party === 'agent') {
          agentTyping.value = true
          clearTimeout(typingTimer)
          typingTimer = setTimeout(() => (agentTyping.value = false), TYPING_SHOWN_MS)
        }
        break
      case 'read':
        if (frame.party === 'agent') timeline.markPeerRead(frame.seq)
        break
      case 'error':
        if (!frame.client_msg_id || !timeline.fail(frame.client_msg_id, frame.code)) onError(frame.code)
        break
      default:
        break
    }
  }

  function buyerName(): string {
    return buyer.value?.display_name ?? ''
  }

  function sendFrame(p: PendingSend): ClientFrame {
    return { type: 'send', client_msg_id: p.client_msg_id, kind: p.kind, body: p.body, attachment_id: p.attachment_id }
  }

  /** Sends over the socket, or over HTTP if the socket stays down. */
  function dispatch(clientMsgId: string): void {
    const p = timeline.findPending(clientMsgId)
    if (!p || p.state !== 'sending') return
    if (socket?.send(sendFrame(p))) return
    setTimeout(() => void sendOverHttp(clientMsgId), HTTP_FALLBACK_MS)
  }

  async function sendOverHttp(clientMsgId: string): Promise<void> {
    const p = timeline.findPending(clientMsgId)
    if (!p || p.state !== 'sending' || socket?.isOpen) return
    try {
      timeline.add(await buyerApi.send(token, { client_msg_id: p.client_msg_id, kind: p.kind, body: p.body, attachment_id: p.attachment_id }))
    } catch (err) {
      // Network still down: the socket resends on reconnect. A refusal is final.
      if (err instanceof ApiError && err.status > 0) timeline.fail(clientMsgId, err.code)
    }
  }

  function send(kind: MessageKind, body: string): void {
    const p = pendingSend(kind, body)
    timeline.queue(p)
    dispatch(p.client_msg_id)
  }

  function sendText(text: string): void {
    ended.value = false
    send('text', text)
  }

  /** 结束咨询: the conversation is resolved; the closing message and the rating come as
   *  messages. Throws ApiError. */
  async function endConversation(): Promise<void> {
    await buyerApi.endConversation(token)
    ended.value = true
  }

  /** Issue #20: the conversation as a sealed HTML file, and the Content-Disposition naming it.
   *  Throws ApiError (`conversation_not_found`). */
  function transcript() {
    return buyerApi.transcript(token)
  }

  /** A reply button tapped: its reply goes as ordinary text, and only while its message's
   *  buttons are live — the send itself spends them, so a second tap sends nothing. */
  function reply(text: string, messageId: string): void {
    if (liveButtons.value !== messageId) return
    sendText(text)
  }

  /** The server swaps the order number for a snapshot of the order (CH-2). */
  function sendOrder(orderNo: string): void {
    send('order_card', orderCardRef(orderNo))
  }

  async function upload(clientMsgId: string): Promise<void> {
    const p = timeline.findPending(clientMsgId)
    if (!p?.file) return
    p.state = 'uploading'
    p.error = null
    try {
      const attachment = await buyerApi.upload(token, p.file)
      revokePreview(p.attachment)
      p.attachment = attachment
      p.attachment_id = attachment.id
      p.file = null
      p.state = 'sending'
      dispatch(clientMsgId)
    } catch (err) {
      timeline.fail(clientMsgId, errorCode(err))
    }
  }

  function sendFile(file: File, kind: FileKind): void {
    const p = pendingSend(kind, '', file)
    timeline.queue(p)
    void upload(p.client_msg_id)
  }

  function retry(clientMsgId: string): void {
    const p = timeline.findPending(clientMsgId)
    if (!p) return
    if (p.file) {
      void upload(clientMsgId)
      return
    }
    p.state = 'sending'
    p.error = null
    dispatch(clientMsgId)
  }

  function typing(): void {
    socket?.send({ type: 'typing' })
  }

  /** The newest messages are on screen: tell the agent side, once per new agent message. */
  /** Whether the buyer has the chat in front of them: the tab showing, and, in the web
   *  widget's frame (CH-1), its panel open (`attendedBy`). */
  let attended: () => boolean = () => true

  function attendedBy(check: () => boolean): void {
    attended = check
  }

  function markSeen(): void {
    // A widget's shut panel is not the buyer reading: no 已读 for the agent.
    if (document.visibilityState !== 'visible' || !attended()) return
    if (timeline.lastPeerSeq() <= lastReadSent) return
    const seq = timeline.lastSeq
    if (socket?.send({ type: 'read', seq })) lastReadSent = seq
  }

  return {
    phase,
    failure,
    shop,
    buyer,
    connection,
    agentTyping,
    timeline,
    entry,
    context,
    entryRefused,
    orders,
    workOrders,
    arbitration,
    appeals,
    transcript,
    queue,
    servedBy,
    liveButtons,
    ratings,
    canEnd,
    endConversation,
    loadRating,
    rate,
    start,
    stop,
    sendText,
    reply,
    sendOrder,
    sendFile,
    retry,
    typing,
    markSeen,
    attendedBy,
  }
}
