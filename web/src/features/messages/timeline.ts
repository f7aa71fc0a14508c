// One conversation's messages as a screen shows them: stored messages in seq order (deduped
// by id and seq, so replays after a reconnect change nothing) plus this client's own sends
// that are not yet acknowledged. Delivery states follow docs/websocket.md:
// sending (no ack) → sent (ack) → read (the other side's `read` seq ≥ the message's).

import type { AckFrame, Attachment, Message, MessageKind, SenderKind, Uuid } from '../../api'

export type DeliveryState = 'uploading' | 'sending' | 'sent' | 'read' | 'failed'

/** A send of ours without an ack yet. Kept until acked so a reconnect can resend it. */
export interface PendingSend {
  client_msg_id: string
  kind: MessageKind
  body: string
  attachment_id: Uuid | null
  /** A local preview while uploading, the server's attachment once uploaded. */
  attachment: Attachment | null
  created_at: number
  state: 'uploading' | 'sending' | 'failed'
  /** An error code to translate when `state` is failed. */
  error: string | null
  /** Kept to retry a failed upload. */
  file: File | null
}

/** A row of the message list, stored or pending. */
export interface TimelineItem {
  key: string
  /** The stored message's conversation; null while a send of ours is pending. */
  conversation_id: Uuid | null
  seq: number | null
  sender_kind: SenderKind
  sender_name: string
  kind: MessageKind
  body: string
  attachment: Attachment | null
  created_at: number
  mine: boolean
  state: DeliveryState | null
  error: string | null
  client_msg_id: string | null
}

export class Timeline {
  messages: Message[] = []
  pending: PendingSend[] = []
  /** The highest seq the other side has read. */
  peerReadSeq = 0
  /** Whether older messages may exist before the first one held. */
  hasEarlier = false

  constructor(
    /** Which sender kind is "our side" (right-hand bubbles, delivery ticks). */
    readonly ownSide: SenderKind,
  ) {}

  get lastSeq(): number {
    return this.messages.length ? this.messages[this.messages.length - 1].seq : 0
  }

  get firstSeq(): number {
    return this.messages.length ? this.messages[0].seq : 0
  }

  /** Adds a stored message unless already held; drops the pending send it confirms. */
  add(message: Message): boolean {
    if (message.client_msg_id && message.sender_kind === this.ownSide) {
      this.pending = this.pending.filter((p) => p.client_msg_id !== message.client_msg_id)
    }
    const list = this.messages
    if (!list.length || list[list.length - 1].seq < message.seq) {
      list.push(message)
      return true
    }
    // The server's copy wins over one built from our ack: a card's snapshot replaces the
    // reference we sent.
    const held = list.findIndex((m) => m.id === message.id)
    if (held >= 0) {
      if (list[held].body !== message.body) list[held] = message
      return false
    }
    if (list.some((m) => m.seq === message.seq)) return false
    const at = list.findIndex((m) => m.seq > message.seq)
    list.splice(at < 0 ? list.length : at, 0, message)
    return true
  }

  addMany(messages: Message[]): void {
    for (const m of messages) this.add(m)
  }

  queue(send: PendingSend): void {
    this.pending.push(send)
  }

  findPending(clientMsgId: string): PendingSend | undefined {
    return this.pending.find((p) => p.client_msg_id === clientMsgId)
  }

  /** Our send is durable: it becomes a stored message (the `message` frame, if any, dedupes). */
  ack(frame: AckFrame, sender: { id: Uuid | null; name: string }): boolean {
    const p = this.findPending(frame.client_msg_id)
    if (!p) return false
    this.pending = this.pending.filter((x) => x !== p)
    this.add({
      id: frame.message_id,
      conversation_id: frame.conversation_id,
      seq: frame.seq,
      sender_kind: this.ownSide,
      sender_id: sender.id,
      sender_name: sender.name,
      client_msg_id: p.client_msg_id,
      kind: p.kind,
      body: p.body,
      attachment: p.attachment,
      created_at: frame.created_at,
    })
    return true
  }

  fail(clientMsgId: string, code: string): boolean {
    const p = this.findPending(clientMsgId)
    if (!p) return false
    p.state = 'failed'
    p.error = code
    return true
  }

  /** Forgets a failed send the user gave up on. */
  discard(clientMsgId: string): void {
    const p = this.findPending(clientMsgId)
    revokePreview(p?.attachment)
    this.pending = this.pending.filter((x) => x.client_msg_id !== clientMsgId)
  }

  /** Sends that still wait for an ack and can be (re)sent as they are. */
  resendable(): PendingSend[] {
    return this.pending.filter((p) => p.state === 'sending')
  }

  markPeerRead(seq: number): void {
    if (seq > this.peerReadSeq) this.peerReadSeq = seq
  }

  /** The highest seq written by the other side, for `read` frames. */
  lastPeerSeq(): number {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (this.messages[i].sender_kind !== this.ownSide) return this.messages[i].seq
    }
    return 0
  }

  /** The seq up to which our messages count as read: what the other side said it read, or
   *  anything before a later message from the other person (they answered, so they saw it). */
  readSeq(): number {
    // The buyer is answered by an agent or by the robot (BOT-3); the team by the buyer. An
    // automatic reply (WB-2) is sent whether anyone read the buyer or not: it proves nothing.
    const answerers: SenderKind[] = this.ownSide === 'buyer' ? ['agent', 'bot'] : ['buyer']
    let answered = 0
    for (const m of this.messages) if (answerers.includes(m.sender_kind)) answered = m.seq
    return Math.max(this.peerReadSeq, answered)
  }

  items(): TimelineItem[] {
    const readSeq = this.readSeq()
    const stored = this.messages.map<TimelineItem>((m) => {
      const mine = m.sender_kind === this.ownSide
      return {
        // Our own sends keep their pending key once stored, so the bubble is not re-created.
        key: mine && m.client_msg_id ? m.client_msg_id : m.id,
        conversation_id: m.conversation_id,
        seq: m.seq,
        sender_kind: m.sender_kind,
        sender_name: m.sender_name,
        kind: m.kind,
        body: m.body,
        attachment: m.attachment ?? null,
        created_at: m.created_at,
        mine,
        state: mine ? (m.seq <= readSeq ? 'read' : 'sent') : null,
        error: null,
        client_msg_id: m.client_msg_id ?? null,
      }
    })
    const pending = this.pending.map<TimelineItem>((p) => ({
      key: p.client_msg_id,
      conversation_id: null,
      seq: null,
      sender_kind: this.ownSide,
      sender_name: '',
      kind: p.kind,
      body: p.body,
      attachment: p.attachment,
      created_at: p.created_at,
      mine: true,
      state: p.state,
      error: p.error,
      client_msg_id: p.client_msg_id,
    }))
    return stored.concat(pending)
  }
}

/** Refusals that sending the same thing again cannot fix: offer to remove, not to retry. */
const FINAL_ERRORS = new Set([
  'unsupported_file_type',
  'file_too_large',
  'body_too_large',
  'message_empty',
  'message_too_long',
  'attachment_required',
  'attachment_not_found',
  'bad_client_msg_id',
  'forbidden',
  'conversation_not_found',
  'bad_card',
  'order_not_found',
  'product_not_found',
  'order_not_yours',
])

export function isRetryable(code: string | null): boolean {
  return !code || !FINAL_ERRORS.has(code)
}

/** A fresh client message id: the key that makes a retried send land once. */
export function newClientMsgId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID()
  // Non-secure contexts (plain http on a LAN address) lack randomUUID.
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
}

/** Frees a pending send's local preview (a `blob:` URL), once the upload replaced it or the
 *  send was given up. Server attachments are left alone. */
export function revokePreview(attachment: Attachment | null | undefined): void {
  const url = attachment?.url
  if (url?.startsWith('blob:')) URL.revokeObjectURL(url)
}

/** A pending send, optionally with a local preview of a file being uploaded. */
export function pendingSend(kind: MessageKind, body: string, file: File | null = null): PendingSend {
  return {
    client_msg_id: newClientMsgId(),
    kind,
    body,
    attachment_id: null,
    attachment: file
      ? {
          id: '',
          file_name: file.name,
          content_type: file.type,
          size_bytes: file.size,
          url: kind === 'image' ? URL.createObjectURL(file) : '',
        }
      : null,
    created_at: Date.now(),
    state: file ? 'uploading' : 'sending',
    error: null,
    file,
  }
}
