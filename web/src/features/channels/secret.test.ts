import { describe, expect, it } from 'vitest'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { CHANNEL_KINDS, kindKey } from './channels'
import { MAX_SECRET_BYTES, SECRET_KINDS, hasSecret, secretChange, secretOk, secretProblem } from './secret'

describe('which channels have a secret to change on the card', () => {
  it('are the platforms’ accounts and email, not the widget or the phone line', () => {
    expect(CHANNEL_KINDS.map((k) => k.kind).filter(hasSecret)).toEqual(['wechat_mp', 'wecom_kf', 'douyin', 'email'])
    expect(hasSecret('widget')).toBe(false)
    expect(hasSecret('phone')).toBe(false)
    expect(hasSecret('')).toBe(false)
  })
})

describe('a new secret', () => {
  it('is something once trimmed, at most 256 bytes, as the server counts them', () => {
    expect(secretOk('e2e-secret-0002')).toBe(true)
    expect(secretOk(' 有空格也行 ')).toBe(true)
    expect(secretProblem('')).toBe('empty')
    expect(secretProblem(' \t ')).toBe('empty')
    expect(secretProblem('x'.repeat(MAX_SECRET_BYTES))).toBeNull()
    expect(secretProblem('x'.repeat(MAX_SECRET_BYTES + 1))).toBe('long')
    // Spaces around do not count…
    expect(secretProblem(` ${'x'.repeat(MAX_SECRET_BYTES)} `)).toBeNull()
    // …bytes do: 85 three-byte characters are 255, 86 are 258.
    expect(secretProblem('码'.repeat(85))).toBeNull()
    expect(secretProblem('码'.repeat(86))).toBe('long')
  })

  it('is sent trimmed as app_secret, for each kind that has one', () => {
    for (const kind of SECRET_KINDS) {
      expect(secretChange(kind, '  new-secret-0002 '), kind).toEqual({ body: { app_secret: 'new-secret-0002' } })
    }
  })

  it('is not sent when blank, too long, or for a kind without one', () => {
    expect(secretChange('wechat_mp', '   ')).toEqual({ problem: 'empty' })
    expect(secretChange('email', 'x'.repeat(257))).toEqual({ problem: 'long' })
    expect(secretChange('widget', 'new-secret')).toEqual({ problem: 'kind' })
    expect(secretChange('phone', 'new-secret')).toEqual({ problem: 'kind' })
  })
})

describe('texts', () => {
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
  const strings = (tree: unknown): string[] =>
    typeof tree === 'string' ? [tree] : tree && typeof tree === 'object' ? Object.values(tree).flatMap(strings) : []

  it('say the secret’s row, dialog and outcome in each kind’s words, in both languages', () => {
    for (const [name, tree] of Object.entries({ zh, en })) {
      const has = (k: string) => typeof at(tree, k) === 'string'
      const keys = ['label', 'kept', 'change', 'title', 'when', 'field', 'hint', 'saved', 'problems.kind', 'problems.empty', 'problems.long'].map((k) => `secret.${k}`)
      const missing = SECRET_KINDS.flatMap((kind) => keys.map((k) => kindKey(kind, k, has)).filter((k) => !has(k)))
      expect(missing, name).toEqual([])
      // Each kind names its own secret and says when it is needed.
      for (const key of ['secret.label', 'secret.when', 'secret.title']) {
        const texts = SECRET_KINDS.map((kind) => at(tree, kindKey(kind, key, has)))
        expect(new Set(texts).size, `${name} ${key}`).toBe(SECRET_KINDS.length)
      }
      expect(kindKey('email', 'secret.saved', has)).toBe('channels.email.secret.saved')
      const servers = ['edit', 'title', 'lead', 'password', 'passwordHint', 'saved', 'problems.password'].map((k) => `channels.email.servers.${k}`)
      expect([...servers, 'channels.email.securityHints.plain'].filter((k) => !has(k)), name).toEqual([])
    }
  })

  it('point at the card’s edits instead of disconnecting, and use a straight apostrophe in English', () => {
    expect(zh.channels.email.steps.reading).toContain('修改服务器')
    expect(zh.channels.email.steps.reading).toContain('更换密码')
    expect(zh.channels.email.steps.reading).not.toContain('断开并重新接入')
    expect(en.channels.email.steps.reading).toContain('Edit servers')
    expect(en.channels.email.steps.reading).not.toContain('then disconnect and connect again')
    const own = [en.channels.secret, en.channels.wecom_kf.secret, en.channels.douyin.secret, en.channels.email.secret, en.channels.email.servers, en.channels.email.steps]
    expect(own.flatMap(strings).filter((s) => s.includes('’'))).toEqual([])
  })
})
