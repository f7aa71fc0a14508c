import { describe, expect, it } from 'vitest'
import type { Message, MessageKind, SenderKind } from '../../api'
import { liveButtonsId, readButtons } from './buttons'

function message(id: string, sender: SenderKind, kind: MessageKind = 'text'): Message {
  return {
    id,
    conversation_id: 'c',
    seq: 1,
    sender_kind: sender,
    sender_id: null,
    sender_name: '',
    client_msg_id: null,
    kind,
    body: '',
    attachment: null,
    created_at: 0,
  }
}

describe('reply buttons', () => {
  it('reads a buttons body and drops malformed buttons', () => {
    const body = JSON.stringify({
      text: '您想问哪一种？',
      buttons: [{ label: '退货', reply: '我要退货' }, { label: 1, reply: 'x' }, null, { label: '换货', reply: '我要换货', extra: true }],
    })
    expect(readButtons(body)).toEqual({
      text: '您想问哪一种？',
      buttons: [
        { label: '退货', reply: '我要退货' },
        { label: '换货', reply: '我要换货' },
      ],
    })
  })

  it('shows anything else as text', () => {
    expect(readButtons('退货')).toBeNull()
    expect(readButtons('null')).toBeNull()
    expect(readButtons(JSON.stringify({ text: 'x' }))).toBeNull()
    expect(readButtons(JSON.stringify({ text: 1, buttons: [] }))).toBeNull()
  })

  it('lets the buyer tap only the newest buttons, until they write again', () => {
    const asked = [message('1', 'buyer'), message('2', 'bot', 'buttons'), message('3', 'bot'), message('4', 'bot', 'buttons')]
    expect(liveButtonsId(asked, false)).toBe('4')
    expect(liveButtonsId(asked, true)).toBeNull()
    expect(liveButtonsId([...asked, message('5', 'agent')], false)).toBe('4')
    expect(liveButtonsId([...asked, message('5', 'buyer')], false)).toBeNull()
    expect(liveButtonsId([message('1', 'buyer')], false)).toBeNull()
    expect(liveButtonsId([], false)).toBeNull()
  })
})
