import { describe, expect, it } from 'vitest'
import type { ChannelView } from '../../api'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { blankForm, consoleSteps, formProblem, healthOf, inputOf, isPhone, kindKey, randomPassword } from './channels'
import type { ConnectForm, RandomBytes } from './channels'
import {
  authOf,
  blankPhone,
  defaultLineHours,
  formatOf,
  hoursOk,
  hoursText,
  lineHours,
  lineSettingsChange,
  lineSettingsOf,
  lineNumber,
  maskedPassword,
  passwordOk,
  phoneInput,
  phoneProblem,
  pushUrl,
} from './phone'
import type { PhoneFields } from './phone'

const PASSWORD = 'line-push-password-01'

function fields(over: Partial<PhoneFields> = {}): PhoneFields {
  return { ...blankPhone(), number: '400-800-1234', password: PASSWORD, ...over }
}

function phoneForm(over: Partial<PhoneFields> = {}, name = ''): ConnectForm {
  return { ...blankForm(), kind: 'phone', name, phone: fields(over) }
}

function line(over: Partial<ChannelView> = {}): ChannelView {
  return {
    id: '7d2c4a8e-1b3f-4e5a-9c6d-0e1f2a3b4c5d',
    kind: 'phone',
    name: '客服热线 4008001234',
    public_id: '4008001234',
    mode: 'tccc',
    paused: false,
    callback_path: '/hooks/phone/7d2c4a8e-1b3f-4e5a-9c6d-0e1f2a3b4c5d',
    callback_url: null,
    token: PASSWORD,
    hours: { days: [1, 2, 3, 4, 5, 6, 7], open: '09:00', close: '21:00' },
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

/** vue-i18n's `t` over a locale's tree, enough for these texts: `{name}` filled in. */
function translator(tree: unknown) {
  return (key: string, values: Record<string, unknown> = {}) => {
    const text = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
    if (typeof text !== 'string') throw new Error(`no text for ${key}`)
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]))
  }
}

describe('the line’s number', () => {
  it('is its digits, as the server keeps it', () => {
    expect(lineNumber('4008001234')).toBe('4008001234')
    expect(lineNumber(' 400-800-1234 ')).toBe('4008001234')
    expect(lineNumber('(0571) 8888 6666')).toBe('057188886666')
    expect(lineNumber('95188')).toBe('95188')
  })

  it('drops the country code of a mobile number', () => {
    expect(lineNumber('+86 139 1234 5678')).toBe('13912345678')
    expect(lineNumber('008613912345678')).toBe('13912345678')
    expect(lineNumber('8613912345678')).toBe('13912345678')
  })

  it('is refused with fewer than 3 or more than 20 digits, or an address', () => {
    for (const bad of ['', '  ', '12', 'abc', '1'.repeat(21), 'line@4008001234']) expect(lineNumber(bad), bad).toBeNull()
  })
})

describe('the push password', () => {
  it('is 16–64 printable characters without spaces', () => {
    expect(passwordOk(PASSWORD)).toBe(true)
    expect(passwordOk('A'.repeat(16))).toBe(true)
    expect(passwordOk(`  ${'x'.repeat(64)}  `)).toBe(true)
    expect(passwordOk('!#$%&()*+,-./:;<=>?@[]^_{|}~0123')).toBe(true)
    for (const bad of ['short', 'A'.repeat(15), 'A'.repeat(65), 'has a space in it!!', '中文密码中文密码中文密码中文密码']) expect(passwordOk(bad), bad).toBe(false)
  })

  it('is generated as 24 letters and digits the server takes', () => {
    for (let i = 0; i < 50; i++) {
      const p = randomPassword()
      expect(p).toMatch(/^[A-Za-z0-9]{24}$/)
      expect(passwordOk(p)).toBe(true)
    }
    const counting: RandomBytes = (n) => Uint8Array.from({ length: n }, (_, i) => i)
    expect(randomPassword(counting)).toBe('ABCDEFGHIJKLMNOPQRSTUVWX')
    expect(randomPassword()).not.toBe(randomPassword())
  })

  it('is hidden as dots, at most 24', () => {
    expect(maskedPassword('abc')).toBe('•••')
    expect(maskedPassword('x'.repeat(64))).toBe('•'.repeat(24))
  })
})

describe('the line’s hours', () => {
  it('are every day 09:00–21:00 unless set', () => {
    expect(defaultLineHours()).toEqual({ days: [1, 2, 3, 4, 5, 6, 7], open: '09:00', close: '21:00' })
    expect(blankPhone().hours).toEqual(defaultLineHours())
    expect(lineHours(line({ hours: null }))).toEqual(defaultLineHours())
  })

  it('need a day, and the opening before the closing', () => {
    expect(hoursOk({ days: [1], open: '00:00', close: '23:59' })).toBe(true)
    expect(hoursOk({ days: [], open: '09:00', close: '21:00' })).toBe(false)
    expect(hoursOk({ days: [8], open: '09:00', close: '21:00' })).toBe(false)
    expect(hoursOk({ days: [1], open: '21:00', close: '09:00' })).toBe(false)
    expect(hoursOk({ days: [1], open: '09:00', close: '09:00' })).toBe(false)
    expect(hoursOk({ days: [1], open: '', close: '21:00' })).toBe(false)
  })

  it('read as the server describes them, in both languages', () => {
    const t = translator(zh)
    expect(hoursText(defaultLineHours(), t)).toBe('每天 09:00–21:00')
    expect(hoursText({ days: [5, 1, 2, 3, 4], open: '09:00', close: '18:00' }, t)).toBe('周一至周五 09:00–18:00')
    expect(hoursText({ days: [1, 3], open: '09:00', close: '18:00' }, t)).toBe('周一、周三 09:00–18:00')
    expect(hoursText({ days: [6], open: '10:00', close: '16:00' }, t)).toBe('周六 10:00–16:00')
    const english = translator(en)
    expect(hoursText(defaultLineHours(), english)).toBe('Every day 09:00–21:00')
    expect(hoursText({ days: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' }, english)).toBe('Mon–Fri 09:00–18:00')
    expect(hoursText({ days: [1, 3], open: '09:00', close: '18:00' }, english)).toBe('Mon, Wed 09:00–18:00')
  })
})

describe('connecting a phone line (CH-4)', () => {
  it('takes the number, the password and the hours, and names the first field refused', () => {
    expect(isPhone('phone')).toBe(true)
    expect(formProblem(phoneForm())).toBeNull()
    // An AppID or token left over from another kind is not asked for.
    expect(formProblem({ ...phoneForm(), appId: 'wx 1', token: 'bad token' })).toBeNull()
    expect(formProblem(phoneForm({ number: '12' }))).toBe('number')
    expect(formProblem(phoneForm({ password: 'short' }))).toBe('password')
    expect(formProblem(phoneForm({ hours: { days: [], open: '09:00', close: '21:00' } }))).toBe('hours')
    expect(formProblem(phoneForm({}, '名'.repeat(61)))).toBe('name')
    expect(phoneProblem(fields({ number: '', password: '' }))).toBe('number')
  })

  it('sends the number as app_id, the password as token, the format as mode and the hours', () => {
    expect(inputOf(phoneForm({ password: ` ${PASSWORD} `, hours: { days: [5, 1, 1, 3], open: '08:00', close: '20:00' } }, ' 售后热线 '))).toEqual({
      kind: 'phone',
      name: '售后热线',
      app_id: '4008001234',
      token: PASSWORD,
      mode: 'tccc',
      hours: { days: [1, 3, 5], open: '08:00', close: '20:00' },
    })
    expect(phoneInput(fields({ format: 'generic' }))).toMatchObject({ mode: 'generic', hours: defaultLineHours() })
  })

  it('is pushed to with TCCC’s query, or the bare address for another vendor', () => {
    const url = 'http://127.0.0.1:8080/hooks/phone/x'
    expect(pushUrl(url, 'tccc')).toBe(`${url}?action=cdr&version=1`)
    expect(pushUrl(url, 'generic')).toBe(url)
    expect(pushUrl(url, '')).toBe(`${url}?action=cdr&version=1`)
  })

  it('authenticates TCCC by HTTP Basic, another vendor by Bearer', () => {
    expect([formatOf('tccc'), formatOf('generic'), formatOf('x'), formatOf(null)]).toEqual(['tccc', 'generic', 'tccc', 'tccc'])
    expect(authOf('tccc')).toBe('basic')
    expect(authOf('generic')).toBe('bearer')
  })

  it('has the steps of its format', () => {
    expect(consoleSteps('phone', 'tccc')).toEqual(['push', 'auth', 'test'])
    expect(consoleSteps('phone')).toEqual(['push', 'auth', 'test'])
    expect(consoleSteps('phone', 'generic')).toEqual(['genericPush', 'genericAuth', 'test'])
  })

  it('shows its last call record and its last error only: it sends nothing and holds no token', () => {
    expect(healthOf(line({ last_in_at: 10, last_error: 'wrong password', last_error_at: 20 }))).toEqual([
      { part: 'in', at: 10 },
      { part: 'error', at: 20, error: 'wrong password' },
    ])
  })
})

describe('changing a connected line’s format and hours (its card’s 编辑)', () => {
  it('starts from what is kept, the default hours when none were sent', () => {
    expect(lineSettingsOf(line())).toEqual({ format: 'tccc', hours: defaultLineHours() })
    expect(lineSettingsOf(line({ mode: 'generic', hours: null }))).toEqual({ format: 'generic', hours: defaultLineHours() })
  })

  it('sends only what changed, the days each once and in order', () => {
    expect(lineSettingsChange(line(), { format: 'tccc', hours: { days: [7, 6, 5, 4, 3, 2, 1], open: '09:00', close: '21:00' } })).toEqual({})
    expect(lineSettingsChange(line(), { format: 'tccc', hours: { days: [5, 1, 2, 3, 4, 4], open: '08:30', close: ' 18:00 ' } })).toEqual({
      hours: { days: [1, 2, 3, 4, 5], open: '08:30', close: '18:00' },
    })
    expect(lineSettingsChange(line(), { format: 'generic', hours: defaultLineHours() })).toEqual({ mode: 'generic' })
  })
})

describe('texts', () => {
  const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)

  it('say the phone line’s form, card, steps and caller check in both languages', () => {
    for (const [name, tree] of Object.entries({ zh, en })) {
      const has = (k: string) => typeof at(tree, k) === 'string'
      const own = [
        ...['namePlaceholder', 'number', 'numberPlaceholder', 'numberHint', 'password', 'passwordHint', 'generate', 'format', 'hours', 'hoursHint'].map((d) => `dialog.${d}`),
        ...['number', 'password', 'hours'].map((p) => `dialog.problems.${p}`),
        ...['title', 'lead', 'url', ...consoleSteps('phone', 'tccc'), ...consoleSteps('phone', 'generic')].map((s) => `steps.${s}`),
        ...['appId', 'callbackUrl', 'auth', 'password', 'show', 'hide', 'hours', 'hoursHint', 'enabled', 'resumed', 'pausedNotice', 'disconnectConfirm', 'edit', 'save', 'saved'].map((c) => `card.${c}`),
        ...['tccc', 'generic'].flatMap((f) => [`formats.${f}`, `formatHints.${f}`]),
        'auth.basic',
        'auth.bearer',
        'health.in',
        'states.waiting',
        ...['paused', 'failing', 'working', 'waiting'].map((s) => `stateHints.${s}`),
        ...['everyDay', 'range', 'joiner', 'text', 'days', 'open', 'close', 'to'].map((h) => `hours.${h}`),
        ...[1, 2, 3, 4, 5, 6, 7].flatMap((d) => [`hours.dayNames.${d}`, `hours.dayShort.${d}`]),
      ].map((k) => `channels.phone.${k}`)
      const shared = [
        'channels.kinds.phone',
        'workOrderLabels.source.phone',
        ...['noText', 'noTextHint', 'noTextPlaceholder'].map((k) => `replyWindow.${k}`),
        ...['title', 'hint', 'orderNo', 'orderNoPlaceholder', 'lastFour', 'lastFourPlaceholder', 'check', 'orderPhone', 'caller', 'told', 'match', 'mismatch', 'noOrderPhone', 'unknownCaller', 'passed', 'failed', 'partial', 'problems.orderNo', 'problems.lastFour'].map((k) => `callerCheck.${k}`),
        'errors.channel_no_text',
      ]
      expect([...own, ...shared].filter((k) => !has(k)), name).toEqual([])
      // The card's and dialog's common words come through in the line's own.
      expect(kindKey('phone', 'card.appId', has)).toBe('channels.phone.card.appId')
      expect(kindKey('phone', 'card.copy', has)).toBe('channels.card.copy')
    }
  })
})
