import { describe, expect, it } from 'vitest'
import type { Channel } from '../../api'
import { movesToWecom, offersMoveToWecom } from './moveToWecom'

describe('movesToWecom', () => {
  it('takes buyers from every channel that carries a written message but WeCom itself', () => {
    const from: Channel[] = ['web', 'wechat_mp', 'douyin', 'email']
    for (const channel of from) expect(movesToWecom(channel), channel).toBe(true)
  })

  it('leaves WeCom buyers where they are, and callers on the phone line', () => {
    expect(movesToWecom('wecom')).toBe(false)
    expect(movesToWecom('phone')).toBe(false)
  })
})

describe('offersMoveToWecom', () => {
  it('is offered to an agent who may reply, open or resolved', () => {
    expect(offersMoveToWecom({ channel: 'web', status: 'open' }, true)).toBe(true)
    expect(offersMoveToWecom({ channel: 'wechat_mp', status: 'resolved' }, true)).toBe(true)
  })

  it('is not offered to a reader, on an invalid conversation, nor from WeCom or the phone', () => {
    expect(offersMoveToWecom({ channel: 'web', status: 'open' }, false)).toBe(false)
    expect(offersMoveToWecom({ channel: 'web', status: 'invalid' }, true)).toBe(false)
    expect(offersMoveToWecom({ channel: 'wecom', status: 'open' }, true)).toBe(false)
    expect(offersMoveToWecom({ channel: 'phone', status: 'open' }, true)).toBe(false)
  })
})
