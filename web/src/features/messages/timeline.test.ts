import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AckFrame, Message, SenderKind } from '../../api'
import { Timeline, isRetryable, newClientMsgId, pendingSend, revokePreview } from './timeline'

const CONVERSATION = '00000000-0000-7000-8000-000000000001'

function message(seq: number, sender: SenderKind, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    conversation_id: CONVERSATION,
    seq,
    sender_kind: sender,
    sender_id: null,
    sender_name: sender === 'buyer' ? '王先生' : '小雨',
    client_msg_id: null,
    kind: 'text',
    body: `message ${seq}`,
    attachment: null,
    created_at: 1_000 * seq,
    ...extra,
  }
}

function ack(clientMsgId: string, seq: number): AckFrame {
  return {
    type: 'ack',
    client_msg_id: clientMsgId,
    message_id: `m-${seq}`,
    conversation_id: CONVERSATION,
    seq,
    created_at: 1_000 * seq,
    duplicate: false,
  }
}

describe('Timeline', () => {
  it('reads the optional fields the document allows to be absent as null', () => {
    const t = new Timeline('agent')
    const { attachment: _a, client_msg_id: _c, sender_id: _s, ...bare } = message(1, 'buyer')
    t.add(bare)
    expect(t.items()[0]).toMatchObject({ attachment: null, client_msg_id: null, key: 'm-1' })
  })

  it('keeps stored messages in seq order, once each', () => {
    const t = new Timeline('agent')
    expect(t.add(message(2, 'buyer'))).toBe(true)
    expect(t.add(message(1, 'buyer'))).toBe(true)
    expect(t.add(message(3, 'agent'))).toBe(true)
    expect(t.add(message(2, 'buyer'))).toBe(false)
    // Another id at a seq already held (a replay after a reconnect) changes nothing.
    expect(t.add(message(2, 'buyer', { id: 'other' }))).toBe(false)
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(t.firstSeq).toBe(1)
    expect(t.lastSeq).toBe(3)
  })

  it('takes the server copy of a message it holds when the body differs', () => {
    const t = new Timeline('agent')
    t.add(message(1, 'agent', { kind: 'order_card', body: '{"order_no":"A1"}' }))
    const snapshot = '{"order_no":"A1","items":[],"total_fen":100}'
    expect(t.add(message(1, 'agent', { kind: 'order_card', body: snapshot }))).toBe(false)
    expect(t.messages[0].body).toBe(snapshot)
  })

  it('is empty at first', () => {
    const t = new Timeline('buyer')
    expect(t.lastSeq).toBe(0)
    expect(t.firstSeq).toBe(0)
    expect(t.lastPeerSeq()).toBe(0)
    expect(t.items()).toEqual([])
  })

  it('turns an acked send into a stored message under the same key', () => {
    const t = new Timeline('buyer')
    const send = pendingSend('text', '你好')
    t.queue(send)
    expect(t.resendable()).toEqual([send])
    let [item] = t.items()
    expect(item).toMatchObject({ key: send.client_msg_id, seq: null, mine: true, state: 'sending', body: '你好' })

    expect(t.ack(ack(send.client_msg_id, 1), { id: null, name: '王先生' })).toBe(true)
    expect(t.pending).toEqual([])
    ;[item] = t.items()
    expect(item).toMatchObject({ key: send.client_msg_id, seq: 1, mine: true, state: 'sent', sender_name: '王先生' })
    // An ack for nothing pending, and the `message` frame echoing our send, change nothing.
    expect(t.ack(ack('unknown', 2), { id: null, name: '王先生' })).toBe(false)
    expect(t.add(message(1, 'buyer', { client_msg_id: send.client_msg_id, body: '你好' }))).toBe(false)
    expect(t.items()).toHaveLength(1)
  })

  it('drops a pending send when its stored copy arrives first', () => {
    const t = new Timeline('agent')
    const send = pendingSend('text', 'hello')
    t.queue(send)
    t.add(message(4, 'agent', { client_msg_id: send.client_msg_id }))
    expect(t.pending).toEqual([])
  })

  it('marks failed sends and forgets discarded ones', () => {
    const t = new Timeline('agent')
    const send = pendingSend('text', 'hello')
    t.queue(send)
    expect(t.fail(send.client_msg_id, 'message_too_long')).toBe(true)
    expect(t.fail('unknown', 'x')).toBe(false)
    expect(t.resendable()).toEqual([])
    expect(t.items()[0]).toMatchObject({ state: 'failed', error: 'message_too_long' })
    t.discard(send.client_msg_id)
    expect(t.items()).toEqual([])
  })

  it("counts our messages read when the other side read them or answered after", () => {
    const t = new Timeline('agent')
    t.addMany([message(1, 'buyer'), message(2, 'agent'), message(3, 'agent'), message(4, 'buyer'), message(5, 'agent')])
    expect(t.lastPeerSeq()).toBe(4)
    // The buyer wrote at 4, so 2 and 3 were seen; 5 is only sent.
    expect(t.items().filter((i) => i.mine).map((i) => i.state)).toEqual(['read', 'read', 'sent'])
    t.markPeerRead(5)
    t.markPeerRead(3)
    expect(t.peerReadSeq).toBe(5)
    expect(t.items().filter((i) => i.mine).map((i) => i.state)).toEqual(['read', 'read', 'read'])
    expect(t.items().filter((i) => !i.mine).every((i) => i.state === null)).toBe(true)
  })

  it("counts the robot's answer as an answer to the buyer", () => {
    const t = new Timeline('buyer')
    t.addMany([message(1, 'buyer'), message(2, 'bot'), message(3, 'buyer')])
    expect(t.items().filter((i) => i.mine).map((i) => i.state)).toEqual(['read', 'sent'])
  })

  it('does not count an automatic reply as anyone having read the buyer', () => {
    const t = new Timeline('buyer')
    t.addMany([message(1, 'buyer'), message(2, 'automation'), message(3, 'buyer')])
    expect(t.items().filter((i) => i.mine).map((i) => i.state)).toEqual(['sent', 'sent'])
    expect(t.items().find((i) => i.sender_kind === 'automation')?.mine).toBe(false)
  })
})

describe('sends', () => {
  it('knows which refusals a retry cannot fix', () => {
    expect(isRetryable(null)).toBe(true)
    expect(isRetryable('network')).toBe(true)
    expect(isRetryable('file_too_large')).toBe(false)
    expect(isRetryable('order_not_yours')).toBe(false)
  })

  it('makes distinct client message ids', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newClientMsgId()))
    expect(ids.size).toBe(50)
  })

  it('starts a file send as an upload with a preview of images only', () => {
    const image = pendingSend('image', '', new File(['x'], 'photo.png', { type: 'image/png' }))
    expect(image.state).toBe('uploading')
    expect(image.attachment).toMatchObject({ file_name: 'photo.png', content_type: 'image/png', size_bytes: 1 })
    expect(image.attachment?.url?.startsWith('blob:')).toBe(true)
    const file = pendingSend('file', '', new File(['abc'], 'a.pdf', { type: 'application/pdf' }))
    expect(file.attachment?.url).toBe('')
    expect(pendingSend('text', 'hi')).toMatchObject({ state: 'sending', attachment: null, file: null })
    const t = new Timeline('buyer')
    t.queue(image)
    t.discard(image.client_msg_id)
    expect(t.pending).toEqual([])
  })

  it('frees local previews only', () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
    const attachment = { id: 'a', file_name: 'p.png', content_type: 'image/png', size_bytes: 1 }
    revokePreview({ ...attachment, url: 'blob:preview-1' })
    revokePreview({ ...attachment, url: '/files/a?exp=1&sig=x' })
    revokePreview({ ...attachment, url: '' })
    // The document has `url` optional: an attachment without one is no preview.
    revokePreview(attachment)
    revokePreview(null)
    revokePreview(undefined)
    expect(revoke.mock.calls).toEqual([['blob:preview-1']])
  })
})

afterEach(() => {
  vi.restoreAllMocks()
})
