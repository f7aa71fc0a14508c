import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import type { Message, SenderKind } from '../../api'
import { UnreadReplies, isEmbedded, unreadSince, useEmbeddedChat } from './embed'
import type { FrameHost, FrameMessage } from './embed'

function message(seq: number, sender_kind: SenderKind): Message {
  return {
    id: `m${seq}`,
    conversation_id: 'c1',
    seq,
    sender_kind,
    sender_id: null,
    sender_name: '',
    client_msg_id: null,
    kind: 'text',
    body: `#${seq}`,
    attachment: null,
    created_at: seq,
  } as Message
}

describe('isEmbedded', () => {
  it('is ?embed=1 (or true), once', () => {
    expect(isEmbedded({ embed: '1' })).toBe(true)
    expect(isEmbedded({ embed: 'true' })).toBe(true)
    expect(isEmbedded({ embed: ['1', '0'] })).toBe(true)
    expect(isEmbedded({})).toBe(false)
    expect(isEmbedded({ embed: '0' })).toBe(false)
    expect(isEmbedded({ widget: 'x' })).toBe(false)
  })
})

describe('unreadSince', () => {
  it('counts the shop’s messages after the seq seen: agents, the robot, automatic replies', () => {
    const list = [message(1, 'buyer'), message(2, 'agent'), message(3, 'system'), message(4, 'bot'), message(5, 'automation'), message(6, 'buyer')]
    expect(unreadSince(list, 0)).toBe(3)
    expect(unreadSince(list, 2)).toBe(2)
    expect(unreadSince(list, 6)).toBe(0)
  })
})

describe('UnreadReplies', () => {
  it('tells the count when it changes, and 0 once seen', () => {
    const said: number[] = []
    const unread = new UnreadReplies((n) => said.push(n))
    const list = [message(1, 'buyer'), message(2, 'agent')]
    unread.seen(list)
    expect(said).toEqual([])
    list.push(message(3, 'agent'))
    unread.arrived(list)
    list.push(message(4, 'buyer'))
    unread.arrived(list)
    list.push(message(5, 'bot'))
    unread.arrived(list)
    expect(said).toEqual([1, 2])
    unread.seen(list)
    unread.seen(list)
    expect(said).toEqual([1, 2, 0])
    list.push(message(6, 'agent'))
    unread.arrived(list)
    expect(said).toEqual([1, 2, 0, 1])
  })
})

/** A site around the frame whose buyer looks or not as the test says. */
function fakeHost(framed = true) {
  const posted: FrameMessage[] = []
  let attending = true
  let changed: () => void = () => {}
  const host: FrameHost = {
    framed,
    post: (m) => posted.push(m),
    attended: () => attending,
    watchAttention(fn) {
      changed = fn
      return () => (changed = () => {})
    },
  }
  return {
    host,
    posted,
    look(on: boolean) {
      attending = on
      changed()
    },
  }
}

describe('useEmbeddedChat', () => {
  it('counts the replies that come while the buyer looks elsewhere, and clears them on return', async () => {
    const { host, posted, look } = fakeHost()
    const list = ref<Message[]>([message(1, 'buyer'), message(2, 'agent')])
    const ready = ref(false)
    const chat = useEmbeddedChat(() => list.value, ready, host)
    look(false)
    ready.value = true
    await nextTick()
    // The loader hears the chat came up; the history is not news, even unseen.
    expect(posted).toEqual([{ type: 'kefu:ready' }])

    list.value.push(message(3, 'agent'))
    await nextTick()
    list.value.push(message(4, 'bot'))
    await nextTick()
    expect(posted).toEqual([
      { type: 'kefu:ready' },
      { type: 'kefu:unread', count: 1 },
      { type: 'kefu:unread', count: 2 },
    ])
    look(true)
    expect(posted.at(-1)).toEqual({ type: 'kefu:unread', count: 0 })

    // While the buyer looks, replies are seen as they come.
    list.value.push(message(5, 'agent'))
    await nextTick()
    expect(posted).toHaveLength(4)

    chat.close()
    expect(posted.at(-1)).toEqual({ type: 'kefu:close' })
    chat.stop()
    look(false)
    list.value.push(message(6, 'agent'))
    await nextTick()
    expect(posted).toHaveLength(5)
  })

  it('says nothing when the page is not in a frame', async () => {
    const { host, posted, look } = fakeHost(false)
    const list = ref<Message[]>([])
    const ready = ref(true)
    const chat = useEmbeddedChat(() => list.value, ready, host)
    look(false)
    list.value.push(message(1, 'agent'))
    await nextTick()
    chat.close()
    expect(posted).toEqual([])
  })
})
