import { describe, expect, it } from 'vitest'
import type { ChannelView } from '../../api'
import {
  AES_KEY_CHARS,
  MAX_TOKEN_CHARS,
  blankForm,
  callbackUrl,
  formProblem,
  healthOf,
  inputOf,
  modeOf,
  randomAesKey,
  randomToken,
  renamed,
  stateOf,
} from './channels'
import type { ConnectForm, RandomBytes } from './channels'

function channel(over: Partial<ChannelView> = {}): ChannelView {
  return {
    id: '0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e',
    kind: 'wechat_mp',
    name: '山野茶铺服务号',
    public_id: 'wx1234567890abcdef',
    mode: 'safe',
    paused: false,
    callback_path: '/hooks/wechat-mp/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e',
    callback_url: null,
    token: 'abc123',
    last_in_at: null,
    last_out_at: null,
    last_error: '',
    last_error_at: null,
    token_expires_at: null,
    created_at: 1_700_000_000_000,
    ...over,
  }
}

function form(over: Partial<ConnectForm> = {}): ConnectForm {
  return { ...blankForm(), appId: 'wx1234567890abcdef', appSecret: 's3cret', token: 'tok123', aesKey: 'a'.repeat(43), ...over }
}

/** The same bytes again and again: the draws are then predictable. */
const counting: RandomBytes = (n) => Uint8Array.from({ length: n }, (_, i) => i)

describe('random tokens and keys', () => {
  it('are letters and digits of the lengths WeChat takes', () => {
    for (let i = 0; i < 50; i++) {
      expect(randomToken()).toMatch(new RegExp(`^[A-Za-z0-9]{${MAX_TOKEN_CHARS}}$`))
      expect(randomAesKey()).toMatch(new RegExp(`^[A-Za-z0-9]{${AES_KEY_CHARS}}$`))
    }
    expect(randomToken()).not.toBe(randomToken())
  })

  it('draw each byte under the last whole multiple of 62, skipping the rest', () => {
    expect(randomToken(counting)).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef')
    // 248 and above would favour the first eight characters: they are drawn again.
    const high: RandomBytes = (n) => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 255 : 61))
    expect(randomToken(high)).toBe('9'.repeat(32))
  })
})

describe('callbackUrl', () => {
  it('is the server’s whole URL when it knows its public address', () => {
    const c = channel({ callback_url: 'https://kefu.example.com/hooks/wechat-mp/x' })
    expect(callbackUrl(c, 'http://127.0.0.1:8080')).toBe('https://kefu.example.com/hooks/wechat-mp/x')
  })

  it('is this page’s origin and the path otherwise', () => {
    expect(callbackUrl(channel(), 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/hooks/wechat-mp/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e')
    expect(callbackUrl(channel({ callback_url: '' }), 'https://a.cn/')).toBe('https://a.cn/hooks/wechat-mp/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e')
  })
})

describe('healthOf and stateOf', () => {
  it('lists in, out, the error and the token, never when absent', () => {
    expect(healthOf(channel())).toEqual([
      { part: 'in', at: null },
      { part: 'out', at: null },
      { part: 'error', at: null, error: '' },
      { part: 'token', at: null },
    ])
    const h = healthOf(channel({ last_in_at: 10, last_out_at: 20, last_error: ' timeout ', last_error_at: 30, token_expires_at: 40 }))
    expect(h.map((p) => p.at)).toEqual([10, 20, 30, 40])
    expect(h[2]).toEqual({ part: 'error', at: 30, error: 'timeout' })
  })

  it('reads paused first, then an error newer than any message, then whether anything came in', () => {
    expect(stateOf(channel())).toBe('waiting')
    expect(stateOf(channel({ last_in_at: 10 }))).toBe('working')
    expect(stateOf(channel({ last_in_at: 10, last_error: 'bad signature', last_error_at: 20 }))).toBe('failing')
    expect(stateOf(channel({ last_in_at: 30, last_error: 'bad signature', last_error_at: 20 }))).toBe('working')
    expect(stateOf(channel({ last_error: 'URL check refused', last_error_at: 5 }))).toBe('failing')
    expect(stateOf(channel({ paused: true, last_error: 'x', last_error_at: 5 }))).toBe('paused')
  })
})

describe('modeOf', () => {
  it('keeps the three modes and reads anything else as safe', () => {
    expect(modeOf('plain')).toBe('plain')
    expect(modeOf('compatible')).toBe('compatible')
    expect(modeOf('aes')).toBe('safe')
  })
})

describe('formProblem', () => {
  it('takes a complete form', () => {
    expect(formProblem(form())).toBeNull()
    expect(formProblem(form({ mode: 'plain', aesKey: '' }))).toBeNull()
    expect(formProblem(form({ appId: ' wx_e2e_01 ', token: 'A'.repeat(32) }))).toBeNull()
  })

  it('names the first field the server would refuse', () => {
    expect(formProblem(form({ kind: 'douyin' }))).toBe('kind')
    expect(formProblem(form({ name: '名'.repeat(61) }))).toBe('name')
    expect(formProblem(form({ appId: '' }))).toBe('appId')
    expect(formProblem(form({ appId: 'wx-123' }))).toBe('appId')
    expect(formProblem(form({ appSecret: '  ' }))).toBe('appSecret')
    expect(formProblem(form({ token: '' }))).toBe('token')
    expect(formProblem(form({ token: 'A'.repeat(33) }))).toBe('token')
    expect(formProblem(form({ token: 'tok-123' }))).toBe('token')
    expect(formProblem(form({ aesKey: '' }))).toBe('aesKey')
    expect(formProblem(form({ aesKey: 'a'.repeat(42) }))).toBe('aesKey')
    expect(formProblem(form({ mode: 'plain', aesKey: 'short' }))).toBe('aesKey')
  })
})

describe('inputOf', () => {
  it('trims, and leaves an empty name or key out', () => {
    expect(inputOf(form({ appId: ' wxA ', token: ' t1 ', mode: 'plain', aesKey: ' ' }))).toEqual({
      kind: 'wechat_mp',
      app_id: 'wxA',
      app_secret: 's3cret',
      token: 't1',
      mode: 'plain',
    })
    expect(inputOf(form({ name: ' 服务号 ' }))).toMatchObject({ name: '服务号', aes_key: 'a'.repeat(43), mode: 'safe' })
  })
})

describe('renamed', () => {
  it('is the trimmed new name, or null when blank, too long or the same', () => {
    expect(renamed('旧名', ' 新名 ')).toBe('新名')
    expect(renamed('旧名', '旧名 ')).toBeNull()
    expect(renamed('旧名', '  ')).toBeNull()
    expect(renamed('旧名', '名'.repeat(61))).toBeNull()
  })
})
