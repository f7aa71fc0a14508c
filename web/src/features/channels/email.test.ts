import { describe, expect, it } from 'vitest'
import type { ChannelView } from '../../api'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { blankForm, consoleSteps, formProblem, healthOf, inputOf, isEmail, kindKey, stateOf } from './channels'
import type { ConnectForm } from './channels'
import {
  EMAIL_PRESETS,
  blankEmail,
  emailAddress,
  emailInput,
  emailProblem,
  emailServersChange,
  emailServersOf,
  emailServersProblem,
  mailHost,
  mailPasswordOk,
  mailboxFacts,
  portOf,
  presetForAddress,
  presetOf,
  securityOf,
  smtpPortFor,
  withAddress,
  withPreset,
  withSecurity,
} from './email'
import type { EmailFields, EmailPreset } from './email'

const preset = (key: EmailPreset['key']) => EMAIL_PRESETS.find((p) => p.key === key) as EmailPreset

function fields(over: Partial<EmailFields> = {}): EmailFields {
  return { ...withPreset({ ...blankEmail(), address: 'kefu-test@qq.com' }, preset('qq')), password: 'abcdefghijklmnop', ...over }
}

function emailForm(over: Partial<EmailFields> = {}, name = ''): ConnectForm {
  return { ...blankForm(), kind: 'email', name, email: fields(over) }
}

function mailbox(over: Partial<ChannelView> = {}): ChannelView {
  return {
    id: '3e9d1c6a-2b4f-4a7e-8c5d-6f7a8b9c0d1e',
    kind: 'email',
    name: '客服邮箱 kefu-test@qq.com',
    public_id: 'kefu-test@qq.com',
    mode: 'tls',
    paused: false,
    callback_path: '',
    callback_url: null,
    token: '',
    email: { imap_host: 'imap.qq.com', imap_port: 993, smtp_host: 'smtp.qq.com', smtp_port: 465, username: 'kefu-test@qq.com', security: 'tls' },
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

describe('the address', () => {
  it('is one mailbox, trimmed and lower case, as the server keeps it', () => {
    expect(emailAddress(' Support@Shop.Example ')).toBe('support@shop.example')
    expect(emailAddress('kefu-test@qq.com')).toBe('kefu-test@qq.com')
    expect(emailAddress('first.last_1@mail.shop-01.cn')).toBe('first.last_1@mail.shop-01.cn')
  })

  it('is refused without a local part, a dotted domain, or with what the server will not take', () => {
    for (const bad of ['', 'support', '@shop.example', 'support@', 'support@localhost', 'a+tag@shop.example', 'a b@shop.example', '客服@shop.example', 'a@b@shop.example', `${'a'.repeat(65)}@shop.example`, 'a@shop_x.example']) {
      expect(emailAddress(bad), bad).toBeNull()
    }
    expect(emailAddress(`${'a'.repeat(64)}@shop.example`)).not.toBeNull()
  })
})

describe('the servers, ports and password', () => {
  it('take host names of letters, digits, dots and hyphens, at most 253', () => {
    expect(mailHost(' IMAP.QQ.com ')).toBe('imap.qq.com')
    expect(mailHost('mail-01')).toBe('mail-01')
    for (const bad of ['', ' ', 'imap qq.com', 'imap_qq.com', 'https://imap.qq.com', 'imap.qq.com:993', 'a'.repeat(254)]) expect(mailHost(bad), bad).toBeNull()
  })

  it('read a port of 1–65535; blank is the default', () => {
    expect(portOf('993')).toBe(993)
    expect(portOf(' 465 ')).toBe(465)
    expect(portOf('')).toBeUndefined()
    for (const bad of ['0', '65536', '99999', '-1', '9.5', 'abc']) expect(portOf(bad), bad).toBeNull()
  })

  it('need a password or 授权码 of at most 256 bytes', () => {
    expect(mailPasswordOk('abcdefghijklmnop')).toBe(true)
    expect(mailPasswordOk(' 有空格也行 ')).toBe(true)
    expect(mailPasswordOk('   ')).toBe(false)
    expect(mailPasswordOk('x'.repeat(256))).toBe(true)
    expect(mailPasswordOk('x'.repeat(257))).toBe(false)
    // Bytes, as the server counts them: 86 three-byte characters are 258.
    expect(mailPasswordOk('码'.repeat(86))).toBe(false)
  })

  it('default to IMAP 993, and SMTP 465 with SSL/TLS or 587 with STARTTLS', () => {
    expect(blankEmail()).toMatchObject({ imapPort: '993', smtpPort: '465', security: 'tls' })
    expect(smtpPortFor('tls')).toBe(465)
    expect(smtpPortFor('starttls')).toBe(587)
    expect([securityOf('starttls'), securityOf('plain'), securityOf(''), securityOf(null), securityOf('ssl')]).toEqual(['starttls', 'plain', 'tls', 'tls', 'tls'])
  })
})

describe('the mail services’ presets', () => {
  it('fill the servers of the common services', () => {
    const servers = Object.fromEntries(EMAIL_PRESETS.map((p) => [p.key, [p.imap, p.smtp, p.security]]))
    expect(servers).toEqual({
      qq: ['imap.qq.com', 'smtp.qq.com', 'tls'],
      163: ['imap.163.com', 'smtp.163.com', 'tls'],
      126: ['imap.126.com', 'smtp.126.com', 'tls'],
      exmail: ['imap.exmail.qq.com', 'smtp.exmail.qq.com', 'tls'],
      aliyun: ['imap.qiye.aliyun.com', 'smtp.qiye.aliyun.com', 'tls'],
      outlook: ['outlook.office365.com', 'smtp.office365.com', 'starttls'],
    })
    expect(withPreset(blankEmail(), preset('outlook'))).toMatchObject({ imapHost: 'outlook.office365.com', imapPort: '993', smtpHost: 'smtp.office365.com', smtpPort: '587', security: 'starttls' })
    expect(withPreset({ ...blankEmail(), smtpPort: '2525' }, preset('163'))).toMatchObject({ imapHost: 'imap.163.com', smtpHost: 'smtp.163.com', smtpPort: '465', security: 'tls' })
  })

  it('are found by the address’s domain; enterprise mail is on the shop’s own domain', () => {
    expect(presetForAddress('kefu@QQ.com')?.key).toBe('qq')
    expect(presetForAddress('kefu@foxmail.com')?.key).toBe('qq')
    expect(presetForAddress('kefu@163.com')?.key).toBe('163')
    expect(presetForAddress('kefu@126.com')?.key).toBe('126')
    expect(presetForAddress('kefu@hotmail.com')?.key).toBe('outlook')
    expect(presetForAddress('support@shop.example')).toBeNull()
    expect(presetForAddress('kefu')).toBeNull()
    expect(presetOf({ imapHost: ' IMAP.exmail.qq.com', smtpHost: 'smtp.exmail.qq.com' })?.key).toBe('exmail')
    expect(presetOf({ imapHost: 'imap.qq.com', smtpHost: 'smtp.163.com' })).toBeNull()
  })

  it('fill in as the address is typed, while the servers are blank or still a preset’s', () => {
    const typed = withAddress(blankEmail(), 'kefu-test@qq.com')
    expect(typed).toMatchObject({ address: 'kefu-test@qq.com', imapHost: 'imap.qq.com', smtpHost: 'smtp.qq.com', smtpPort: '465' })
    // Another service's address replaces a preset's servers…
    expect(withAddress(typed, 'kefu@outlook.com')).toMatchObject({ imapHost: 'outlook.office365.com', smtpPort: '587', security: 'starttls' })
    // …an unknown domain leaves them, and servers typed by hand are never replaced.
    expect(withAddress(typed, 'support@shop.example')).toMatchObject({ imapHost: 'imap.qq.com' })
    const own = { ...blankEmail(), imapHost: 'mail.shop.example', smtpHost: 'mail.shop.example' }
    expect(withAddress(own, 'support@qq.com')).toMatchObject({ imapHost: 'mail.shop.example', smtpHost: 'mail.shop.example' })
  })

  it('let the SMTP port follow the security while it is a default', () => {
    expect(withSecurity(blankEmail(), 'starttls')).toMatchObject({ security: 'starttls', smtpPort: '587' })
    expect(withSecurity({ ...blankEmail(), security: 'starttls', smtpPort: '587' }, 'tls')).toMatchObject({ smtpPort: '465' })
    expect(withSecurity({ ...blankEmail(), smtpPort: '' }, 'starttls')).toMatchObject({ smtpPort: '587' })
    expect(withSecurity({ ...blankEmail(), smtpPort: '2525' }, 'starttls')).toMatchObject({ security: 'starttls', smtpPort: '2525' })
  })
})

describe('connecting a mailbox', () => {
  it('is offered, and names the first field the server would refuse', () => {
    expect(isEmail('email')).toBe(true)
    expect(isEmail('wechat_mp')).toBe(false)
    expect(formProblem(emailForm())).toBeNull()
    // An AppID or token left over from another kind is not asked for.
    expect(formProblem({ ...emailForm(), appId: 'wx 1', token: 'bad token' })).toBeNull()
    expect(formProblem(emailForm({ address: 'kefu-test' }))).toBe('address')
    expect(formProblem(emailForm({ password: ' ' }))).toBe('password')
    expect(formProblem(emailForm({ imapHost: '' }))).toBe('imap')
    expect(formProblem(emailForm({ imapPort: '0' }))).toBe('imap')
    expect(formProblem(emailForm({ smtpHost: 'smtp qq com' }))).toBe('smtp')
    expect(formProblem(emailForm({ smtpPort: '70000' }))).toBe('smtp')
    expect(formProblem(emailForm({}, '名'.repeat(61)))).toBe('name')
    expect(emailProblem(fields({ address: '', password: '' }))).toBe('address')
  })

  it('sends the address as app_id, the password as app_secret and the servers', () => {
    expect(inputOf(emailForm({ address: ' Kefu-Test@QQ.com ', password: ' abcdefghijklmnop ' }, ' 售后邮箱 '))).toEqual({
      kind: 'email',
      name: '售后邮箱',
      app_id: 'kefu-test@qq.com',
      app_secret: 'abcdefghijklmnop',
      email: { imap_host: 'imap.qq.com', imap_port: 993, smtp_host: 'smtp.qq.com', smtp_port: 465, security: 'tls' },
    })
    // A login other than the address is sent; blank ports are left to the server's defaults.
    expect(emailInput(fields({ username: ' kefu ', imapPort: '', smtpPort: ' ', imapHost: ' IMAP.qq.com ', security: 'starttls' })).email).toEqual({
      imap_host: 'imap.qq.com',
      smtp_host: 'smtp.qq.com',
      username: 'kefu',
      security: 'starttls',
    })
  })

  it('has no callback to give: its steps are the mailbox’s own settings', () => {
    expect(consoleSteps('email')).toEqual(['enable', 'reading', 'test'])
  })
})

describe('a connected mailbox', () => {
  it('shows its servers with their ports, the login and the security, never a password', () => {
    expect(mailboxFacts(mailbox())).toEqual({
      address: 'kefu-test@qq.com',
      imap: 'imap.qq.com:993',
      smtp: 'smtp.qq.com:465',
      username: 'kefu-test@qq.com',
      security: 'tls',
    })
    const outlook = mailbox({ email: { imap_host: 'outlook.office365.com', smtp_host: 'smtp.office365.com', security: 'starttls', username: '' } })
    expect(mailboxFacts(outlook)).toMatchObject({ imap: 'outlook.office365.com:993', smtp: 'smtp.office365.com:587', username: 'kefu-test@qq.com', security: 'starttls' })
    expect(mailboxFacts(mailbox({ email: null }))).toMatchObject({ imap: '', smtp: '', security: 'tls' })
  })

  it('has mail in, out and the last error on its health line: it holds no access token', () => {
    expect(healthOf(mailbox({ last_in_at: 10, last_out_at: 20 })).map((p) => p.part)).toEqual(['in', 'out', 'error'])
    expect(stateOf(mailbox())).toBe('waiting')
    expect(stateOf(mailbox({ last_error: 'IMAP login refused', last_error_at: 5 }))).toBe('failing')
    expect(stateOf(mailbox({ last_in_at: 10 }))).toBe('working')
  })
})

describe('修改服务器 on a connected mailbox', () => {
  it('starts from the servers kept, the default ports where none came, the password blank', () => {
    expect(emailServersOf(mailbox())).toEqual({
      address: 'kefu-test@qq.com',
      password: '',
      imapHost: 'imap.qq.com',
      imapPort: '993',
      smtpHost: 'smtp.qq.com',
      smtpPort: '465',
      username: 'kefu-test@qq.com',
      security: 'tls',
    })
    const outlook = mailbox({ email: { imap_host: 'outlook.office365.com', smtp_host: 'smtp.office365.com', security: 'starttls', username: null } })
    expect(emailServersOf(outlook)).toMatchObject({ imapPort: '993', smtpPort: '587', username: '', security: 'starttls' })
    // A test double's unencrypted mailbox stays so.
    expect(emailServersOf(mailbox({ email: { imap_host: '127.0.0.1', imap_port: 1143, smtp_host: '127.0.0.1', smtp_port: 1025, security: 'plain' } }))).toMatchObject({ security: 'plain', imapPort: '1143' })
    expect(emailServersOf(mailbox({ email: null }))).toMatchObject({ imapHost: '', smtpHost: '', security: 'tls' })
  })

  it('names the first field the server would refuse; a blank password keeps the one saved', () => {
    const kept = emailServersOf(mailbox())
    expect(emailServersProblem(kept)).toBeNull()
    expect(emailServersProblem({ ...kept, imapHost: 'imap qq com' })).toBe('imap')
    expect(emailServersProblem({ ...kept, imapPort: '0' })).toBe('imap')
    expect(emailServersProblem({ ...kept, smtpHost: '' })).toBe('smtp')
    expect(emailServersProblem({ ...kept, smtpPort: '70000', password: ' ' })).toBe('smtp')
    expect(emailServersProblem({ ...kept, password: '   ' })).toBe('password')
    expect(emailServersProblem({ ...kept, password: '码'.repeat(86) })).toBe('password')
    expect(emailServersProblem({ ...kept, password: 'new-auth-code' })).toBeNull()
  })

  it('sends the servers, and app_secret only when a new password was typed', () => {
    const view = mailbox()
    const moved = { ...emailServersOf(view), imapHost: ' IMAP.exmail.qq.com ', smtpHost: 'smtp.exmail.qq.com', username: ' kefu ' }
    expect(emailServersChange(view, moved)).toEqual({
      email: { imap_host: 'imap.exmail.qq.com', imap_port: 993, smtp_host: 'smtp.exmail.qq.com', smtp_port: 465, username: 'kefu', security: 'tls' },
    })
    expect(emailServersChange(view, { ...moved, password: ' new-auth-code ' })).toEqual({
      email: { imap_host: 'imap.exmail.qq.com', imap_port: 993, smtp_host: 'smtp.exmail.qq.com', smtp_port: 465, username: 'kefu', security: 'tls' },
      app_secret: 'new-auth-code',
    })
    // STARTTLS on 587; blank ports and login are left to the server's defaults.
    expect(emailServersChange(view, { ...emailServersOf(view), security: 'starttls', smtpPort: '587', imapPort: '', username: '' })).toEqual({
      email: { imap_host: 'imap.qq.com', smtp_host: 'smtp.qq.com', smtp_port: 587, security: 'starttls' },
    })
  })

  it('sends nothing when the servers are as kept and no password was typed', () => {
    const view = mailbox()
    expect(emailServersChange(view, emailServersOf(view))).toEqual({})
    // The same servers written otherwise: upper case, the default ports or login left blank.
    expect(emailServersChange(view, { ...emailServersOf(view), imapHost: 'IMAP.QQ.COM', imapPort: '', smtpPort: ' ', username: '' })).toEqual({})
    // Only a new password: the servers as kept, with it.
    expect(emailServersChange(view, { ...emailServersOf(view), password: 'new-auth-code' })).toEqual({
      email: { imap_host: 'imap.qq.com', imap_port: 993, smtp_host: 'smtp.qq.com', smtp_port: 465, username: 'kefu-test@qq.com', security: 'tls' },
      app_secret: 'new-auth-code',
    })
  })
})

describe('texts', () => {
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('say the email form, card, presets and steps in both languages', () => {
    for (const [name, tree] of Object.entries({ zh, en })) {
      const has = (k: string) => typeof at(tree, k) === 'string'
      const own = [
        ...['namePlaceholder', 'address', 'addressPlaceholder', 'addressHint', 'password', 'passwordHint', 'presets', 'presetsHint', 'imap', 'imapPort', 'imapHint', 'smtp', 'smtpPort', 'smtpHint', 'security', 'username', 'usernamePlaceholder', 'usernameHint'].map((d) => `dialog.${d}`),
        ...['address', 'password', 'imap', 'smtp'].map((p) => `dialog.problems.${p}`),
        ...['title', 'lead', ...consoleSteps('email')].map((s) => `steps.${s}`),
        ...['appId', 'imap', 'smtp', 'username', 'security', 'password', 'passwordKept', 'how', 'enabled', 'resumed', 'pausedNotice', 'disconnectConfirm'].map((c) => `card.${c}`),
        ...['tls', 'starttls', 'plain'].map((s) => `security.${s}`),
        ...['tls', 'starttls'].map((s) => `securityHints.${s}`),
        ...EMAIL_PRESETS.map((p) => `presets.${p.key}`),
        'health.in',
        'health.out',
        'states.waiting',
        ...['paused', 'failing', 'working', 'waiting'].map((s) => `stateHints.${s}`),
      ].map((k) => `channels.email.${k}`)
      expect([...own, 'channels.kinds.email', 'channels.short.email'].filter((k) => !has(k)), name).toEqual([])
      expect(kindKey('email', 'card.appId', has)).toBe('channels.email.card.appId')
      expect(kindKey('email', 'health.error', has)).toBe('channels.health.error')
    }
  })
})
