import { describe, expect, it } from 'vitest'
import type { ChannelView } from '../../api'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import {
  AES_KEY_CHARS,
  CHANNEL_KINDS,
  MAX_TOKEN_CHARS,
  aesKeyRequired,
  blankForm,
  callbackUrl,
  consoleSteps,
  formProblem,
  grantOutcome,
  grantRedirectUrl,
  hasContactUrl,
  hasModes,
  hasToken,
  healthOf,
  inputOf,
  isGranted,
  isWidget,
  kindKey,
  modeOf,
  needsGrant,
  randomAesKey,
  randomToken,
  renamed,
  stateOf,
  withoutGrant,
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
    origins: [],
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
    expect(formProblem(form({ kind: 'sms' as ConnectForm['kind'] }))).toBe('kind')
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

describe('WeCom 微信客服 (wecom_kf)', () => {
  const wecom = (over: Partial<ConnectForm> = {}) =>
    form({ kind: 'wecom_kf', appId: 'ww1234567890abcdef', appSecret: 'kfS3cret', ...over })

  it('is ready to connect, with no mode to choose and the key always needed', () => {
    expect(CHANNEL_KINDS.filter((k) => k.ready).map((k) => k.kind)).toEqual(['wechat_mp', 'wecom_kf', 'douyin', 'widget', 'phone', 'email'])
    expect(hasModes('wechat_mp')).toBe(true)
    expect(hasModes('wecom_kf')).toBe(false)
    expect(aesKeyRequired({ kind: 'wecom_kf', mode: 'plain' })).toBe(true)
    expect(aesKeyRequired({ kind: 'wechat_mp', mode: 'plain' })).toBe(false)
    expect(aesKeyRequired({ kind: 'wechat_mp', mode: 'safe' })).toBe(true)
  })

  it('takes a complete form and refuses what the server would', () => {
    expect(formProblem(wecom())).toBeNull()
    expect(formProblem(wecom({ appId: ' wwE2E01 ', token: 'Z'.repeat(32) }))).toBeNull()
    expect(formProblem(wecom({ appId: '' }))).toBe('appId')
    expect(formProblem(wecom({ appId: 'ww-123' }))).toBe('appId')
    expect(formProblem(wecom({ appSecret: '' }))).toBe('appSecret')
    expect(formProblem(wecom({ token: 'tok 1' }))).toBe('token')
    expect(formProblem(wecom({ aesKey: '' }))).toBe('aesKey')
    expect(formProblem(wecom({ aesKey: ' ' }))).toBe('aesKey')
    expect(formProblem(wecom({ aesKey: 'a'.repeat(44) }))).toBe('aesKey')
    // A plain mode left over from the WeChat choice does not spare the key.
    expect(formProblem(wecom({ mode: 'plain', aesKey: '' }))).toBe('aesKey')
  })

  it('sends the CorpID, Secret, token and key, and no mode', () => {
    expect(inputOf(wecom({ name: ' 官方客服 ', appId: ' ww1234567890abcdef ', token: ' t1 ', aesKey: ` ${'b'.repeat(43)} `, mode: 'plain' }))).toEqual({
      kind: 'wecom_kf',
      name: '官方客服',
      app_id: 'ww1234567890abcdef',
      app_secret: 'kfS3cret',
      token: 't1',
      aes_key: 'b'.repeat(43),
    })
    expect(inputOf(wecom())).not.toHaveProperty('mode')
    expect(inputOf(wecom())).not.toHaveProperty('name')
  })

  it('may be given its contact link (客服链接), checked as the server checks it, and sends it', () => {
    const link = 'https://work.weixin.qq.com/kfid/kfc0123456789abcdef'
    expect(hasContactUrl('wecom_kf')).toBe(true)
    expect(hasContactUrl('wechat_mp')).toBe(false)
    expect(formProblem(wecom({ contactUrl: ` ${link} ` }))).toBeNull()
    expect(formProblem(wecom({ contactUrl: 'http://work.weixin.qq.com/kfid/x' }))).toBe('contactUrl')
    expect(formProblem(wecom({ contactUrl: 'work.weixin.qq.com/kfid/x' }))).toBe('contactUrl')
    expect(inputOf(wecom({ contactUrl: ` ${link} ` }))).toMatchObject({ contact_url: link })
    expect(inputOf(wecom({ contactUrl: '  ' }))).not.toHaveProperty('contact_url')
    // Another kind's form never sends (nor checks) a link left over.
    expect(formProblem(form({ contactUrl: 'not a link' }))).toBeNull()
    expect(inputOf(form({ contactUrl: link }))).not.toHaveProperty('contact_url')
  })

  it('has its own console steps; WeChat keeps its own', () => {
    expect(consoleSteps('wechat_mp')).toEqual(['submit', 'whitelist', 'test'])
    expect(consoleSteps('wecom_kf')).toEqual(['submit', 'api', 'test'])
  })

  it('finds its callback under /hooks/wecom-kf/', () => {
    const c = channel({ kind: 'wecom_kf', public_id: 'ww1234567890abcdef', callback_path: '/hooks/wecom-kf/x' })
    expect(callbackUrl(c, 'https://a.cn')).toBe('https://a.cn/hooks/wecom-kf/x')
  })
})

describe('Douyin enterprise account (douyin, CH-3)', () => {
  const douyin = (over: Partial<ConnectForm> = {}) =>
    form({ kind: 'douyin', appId: 'awe2etest0001', appSecret: 'dySecret01', token: '', aesKey: '', ...over })
  const card = (over: Partial<ChannelView> = {}) =>
    channel({
      kind: 'douyin',
      public_id: 'awe2etest0001',
      mode: 'signed',
      token: '',
      callback_path: '/hooks/douyin/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e',
      ...over,
    })

  it('signs with its secret: no token, no key, no mode, and a grant to ask for', () => {
    expect(hasToken('douyin')).toBe(false)
    expect(hasToken('wechat_mp')).toBe(true)
    expect(hasToken('wecom_kf')).toBe(true)
    expect(hasModes('douyin')).toBe(false)
    expect(aesKeyRequired({ kind: 'douyin', mode: 'safe' })).toBe(false)
    expect(needsGrant('douyin')).toBe(true)
    expect(needsGrant('wecom_kf')).toBe(false)
  })

  it('takes the Client Key and Secret alone, and refuses what the server would', () => {
    expect(formProblem(douyin())).toBeNull()
    // Token and key left over from another kind are not checked, nor sent.
    expect(formProblem(douyin({ token: 'tok-1', aesKey: 'short' }))).toBeNull()
    expect(formProblem(douyin({ appId: ' aw-e2e_01 ' }))).toBeNull()
    expect(formProblem(douyin({ appId: '' }))).toBe('appId')
    expect(formProblem(douyin({ appId: 'aw 01' }))).toBe('appId')
    expect(formProblem(douyin({ appId: 'a'.repeat(65) }))).toBe('appId')
    expect(formProblem(douyin({ appSecret: ' ' }))).toBe('appSecret')
    expect(formProblem(douyin({ appSecret: 's'.repeat(129) }))).toBe('appSecret')
    // A hyphen is Douyin's only: WeChat's AppID still refuses it.
    expect(formProblem(form({ appId: 'wx-1' }))).toBe('appId')
  })

  it('sends the kind, the Client Key and Secret and a name given, nothing else', () => {
    expect(inputOf(douyin({ name: ' 山野茶铺抖音号 ', appId: ' awe2etest0001 ', appSecret: ' dySecret01 ', token: 't1', aesKey: 'a'.repeat(43) }))).toEqual({
      kind: 'douyin',
      name: '山野茶铺抖音号',
      app_id: 'awe2etest0001',
      app_secret: 'dySecret01',
    })
    expect(inputOf(douyin())).toEqual({ kind: 'douyin', app_id: 'awe2etest0001', app_secret: 'dySecret01' })
  })

  it('has its console’s steps: the webhook, the grant’s way back, the grant, a test', () => {
    expect(consoleSteps('douyin')).toEqual(['webhook', 'redirect', 'grant', 'test'])
  })

  it('is granted once kefu holds an access token for it', () => {
    expect(isGranted(card())).toBe(false)
    expect(isGranted(card({ token_expires_at: 1_700_000_000_000 }))).toBe(true)
    // Another kind's token is not a grant.
    expect(isGranted(channel({ token_expires_at: 1_700_000_000_000 }))).toBe(false)
  })

  it('has the webhook under /hooks/douyin/ and the grant’s way back beside it', () => {
    expect(callbackUrl(card(), 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/hooks/douyin/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e')
    expect(grantRedirectUrl(card(), 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/hooks/douyin/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e/oauth')
    const pub = card({ callback_url: 'https://kefu.example.com/hooks/douyin/x' })
    expect(grantRedirectUrl(pub, 'http://127.0.0.1:8080')).toBe('https://kefu.example.com/hooks/douyin/x/oauth')
  })

  it('reads the grant’s outcome from the query, and cleans it', () => {
    expect(grantOutcome({})).toBeNull()
    expect(grantOutcome({ granted: '' })).toBeNull()
    expect(grantOutcome({ granted: 'abc' })).toEqual({ granted: true, id: 'abc' })
    expect(grantOutcome({ granted: ['abc', 'def'] })).toEqual({ granted: true, id: 'abc' })
    expect(grantOutcome({ grant_error: 'channel_grant_failed' })).toEqual({ granted: false, code: 'channel_grant_failed' })
    // A failure wins over a stray success.
    expect(grantOutcome({ granted: 'abc', grant_error: 'forbidden' })).toEqual({ granted: false, code: 'forbidden' })
    expect(withoutGrant({ granted: 'abc', grant_error: 'x', tab: 'all' })).toEqual({ tab: 'all' })
  })
})

describe('the web widget (widget, CH-1)', () => {
  const widget = (over: Partial<ConnectForm['widget']> = {}, name = '') =>
    form({ kind: 'widget', name, appId: '', appSecret: '', token: '', aesKey: '', widget: { origins: 'https://shop.example.com', color: '#0f766e', position: 'right', ...over } })
  const card = (over: Partial<ChannelView> = {}) =>
    channel({
      kind: 'widget',
      public_id: 'web-0123456789abcdef',
      mode: 'widget',
      token: '',
      callback_path: '/widget/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e.js',
      origins: ['https://shop.example.com'],
      color: '#2563eb',
      position: 'right',
      ...over,
    })

  it('is ready to connect, as every kind now is', () => {
    expect(CHANNEL_KINDS.find((k) => k.kind === 'widget')?.ready).toBe(true)
    expect(CHANNEL_KINDS.filter((k) => !k.ready).map((k) => k.kind)).toEqual([])
    expect(isWidget('widget')).toBe(true)
    expect(isWidget('web')).toBe(false)
  })

  it('has no token, key, mode or grant, and its own steps', () => {
    expect(hasToken('widget')).toBe(false)
    expect(hasModes('widget')).toBe(false)
    expect(needsGrant('widget')).toBe(false)
    expect(aesKeyRequired({ kind: 'widget', mode: 'safe' })).toBe(false)
    expect(consoleSteps('widget')).toEqual(['paste', 'identity', 'test'])
  })

  it('takes sites and a colour instead of an account, and refuses what the server would', () => {
    expect(formProblem(widget())).toBeNull()
    // An AppID or token left over from another kind is not asked for.
    expect(formProblem({ ...widget(), appId: 'wx 1', token: 'bad token' })).toBeNull()
    expect(formProblem(widget({ origins: '' }))).toBe('origins')
    expect(formProblem(widget({ origins: 'shop.example.com' }))).toBe('origins')
    expect(formProblem(widget({ color: 'red' }))).toBe('color')
    expect(formProblem(widget({}, '名'.repeat(61)))).toBe('name')
  })

  it('sends the kind, the sites’ origins, the colour and the side, and a name given', () => {
    expect(inputOf(widget({ origins: ' https://Shop.Example.com/\nhttp://localhost:8080/page?x=1 ', color: '0F766E', position: 'left' }, ' 官网 '))).toEqual({
      kind: 'widget',
      name: '官网',
      origins: ['https://shop.example.com', 'http://localhost:8080'],
      color: '#0f766e',
      position: 'left',
    })
    expect(inputOf(widget())).toEqual({ kind: 'widget', origins: ['https://shop.example.com'], color: '#0f766e', position: 'right' })
  })

  it('is working unless paused: nothing comes in through a callback', () => {
    expect(stateOf(card())).toBe('working')
    expect(stateOf(card({ paused: true }))).toBe('paused')
  })

  it('finds its script under /widget/', () => {
    expect(callbackUrl(card(), 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/widget/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e.js')
  })
})

describe('texts', () => {
  const locales = { zh, en } as Record<string, Record<string, unknown>>
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('says a kind’s own words where it has them, the common ones otherwise', () => {
    const has = (k: string) => typeof at(zh, k) === 'string'
    expect(kindKey('wecom_kf', 'dialog.appId', has)).toBe('channels.wecom_kf.dialog.appId')
    expect(kindKey('wecom_kf', 'steps.api', has)).toBe('channels.wecom_kf.steps.api')
    expect(kindKey('wecom_kf', 'dialog.token', has)).toBe('channels.dialog.token')
    expect(kindKey('wechat_mp', 'dialog.appId', has)).toBe('channels.dialog.appId')
    expect(kindKey('wechat_mp', 'steps.whitelist', has)).toBe('channels.steps.whitelist')
  })

  it('name every kind and say every ready kind’s form and steps in both languages', () => {
    const dialog = ['namePlaceholder', 'appId', 'appIdHint', 'appSecret', 'appSecretHint', 'tokenHint', 'aesKeyHint', 'problems.appId', 'problems.appSecret']
    // The phone line and email ask for none of an account's keys: their own words are checked
    // in phone.test.ts and email.test.ts.
    const ready = CHANNEL_KINDS.filter((k) => k.ready && k.kind !== 'phone' && k.kind !== 'email').map((k) => k.kind)
    for (const [name, tree] of Object.entries(locales)) {
      const has = (k: string) => typeof at(tree, k) === 'string'
      const keys = [
        ...CHANNEL_KINDS.map((k) => `channels.kinds.${k.kind}`),
        ...ready.flatMap((kind) => [
          ...dialog.map((d) => kindKey(kind, `dialog.${d}`, has)),
          ...['title', 'lead', ...consoleSteps(kind)].map((s) => kindKey(kind, `steps.${s}`, has)),
          ...['failing', 'waiting'].map((s) => kindKey(kind, `stateHints.${s}`, has)),
          kindKey(kind, 'card.appId', has),
        ]),
        'channels.card.encrypted',
      ]
      expect(keys.filter((k) => !has(k)), name).toEqual([])
      // WeCom's steps are its own, not WeChat's.
      expect(['title', 'lead', 'submit', 'api', 'test'].filter((s) => !has(`channels.wecom_kf.steps.${s}`)), name).toEqual([])
      // Douyin's too, with the labels of its values, its card's words and the grant's.
      const douyin = [
        ...['title', 'lead', 'url', 'redirectUrl', ...consoleSteps('douyin')].map((s) => `channels.douyin.steps.${s}`),
        ...['appId', 'encrypted', 'callbackUrl', 'redirectUrl'].map((c) => `channels.douyin.card.${c}`),
        ...['grant', 'again', 'granted', 'notGranted', 'until', 'needed', 'done', 'doneAny', 'failed', 'dismiss'].map((g) => `channels.grant.${g}`),
        'replyWindow.closedHours',
      ]
      expect(douyin.filter((k) => !has(k)), name).toEqual([])
      // The widget's: its states, corners, card, form (each way its sites may be refused) and steps.
      const widget = [
        'states.working',
        ...['paused', 'working'].map((s) => `stateHints.${s}`),
        ...['right', 'left'].map((p) => `positions.${p}`),
        ...['sites', 'color', 'position', 'snippet', 'identityHint', 'enabled', 'resumed', 'pausedNotice', 'edit', 'save', 'saved', 'disconnectConfirm'].map((c) => `card.${c}`),
        ...['namePlaceholder', 'origins', 'originsPlaceholder', 'originsHint', 'color', 'customColor', 'position', 'preview', 'problems.color'].map((d) => `dialog.${d}`),
        ...['none', 'bad', 'many'].map((why) => `dialog.problems.origins.${why}`),
        ...['title', 'lead', 'snippet', 'identitySnippet', 'identityToken', ...consoleSteps('widget')].map((s) => `steps.${s}`),
      ].map((k) => `channels.widget.${k}`)
      expect(widget.filter((k) => !has(k)), name).toEqual([])
      expect(has('chat.embedClose'), name).toBe(true)
    }
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
