// Issue #21, CH-3: what the channels page works out — the kinds a shop may connect (a WeChat
// Official Account, WeCom 微信客服 with its contact link, a Douyin enterprise account, CH-1 the
// web widget on the shop's own site, CH-4 the phone line and an email address), the callback
// URL to paste into the platform's console, the health line, random tokens, keys and
// passwords, Douyin's grant (its way back and its outcome on this page), and the connect form
// checked as the server checks it (crates/kefu-server/src/channels/wechat_mp.rs, wecom_kf.rs,
// douyin.rs, widget.rs, phone.rs, email.rs `check`).

import type { ChannelInput, ChannelView, EpochMs } from '../../api'
import { blankWidget, widgetInput, widgetProblem } from './widget'
import type { WidgetFields } from './widget'
import { PASSWORD_CHARS, blankPhone, formatOf, phoneInput, phoneProblem } from './phone'
import type { PhoneFields } from './phone'
import { blankEmail, emailInput, emailProblem } from './email'
import type { EmailFields, EmailProblem } from './email'
import { contactUrlOk } from './wecom'

/** What the connect dialog offers; only `ready` kinds may be chosen. */
export const CHANNEL_KINDS = [
  { kind: 'wechat_mp', ready: true },
  { kind: 'wecom_kf', ready: true },
  { kind: 'douyin', ready: true },
  { kind: 'widget', ready: true },
  { kind: 'phone', ready: true },
  { kind: 'email', ready: true },
] as const
export type ChannelKind = (typeof CHANNEL_KINDS)[number]['kind']

/** WeChat's 消息加解密方式, in the console's order; `safe` is the default. */
export const MODES = ['safe', 'compatible', 'plain'] as const
export type ChannelMode = (typeof MODES)[number]

/** Whether the kind offers WeChat's three modes to choose from. WeCom (`wecom_kf`) has no
 *  choice: it always encrypts, so its EncodingAESKey is always needed and no mode is sent. */
export function hasModes(kind: string): boolean {
  return kind === 'wechat_mp'
}

/** Whether the kind's callbacks are checked with a Token and EncodingAESKey the shop sets
 *  (WeChat, WeCom). Douyin signs its webhooks with the application's Client Secret instead;
 *  the widget has no callbacks. */
export function hasToken(kind: string): boolean {
  return kind === 'wechat_mp' || kind === 'wecom_kf'
}

/** CH-1: whether the kind is the web widget — a script on the shop's own site rather than an
 *  account on a platform: no AppID or secret, but sites, a colour and a side; its buyers are
 *  the chat page's, so kefu notes no health for it. */
export function isWidget(kind: string): boolean {
  return kind === 'widget'
}

/** CH-4: whether the kind is the phone line — a number and a push password rather than an
 *  account's keys; its vendor pushes call records, and nothing is ever sent on it. */
export function isPhone(kind: string): boolean {
  return kind === 'phone'
}

/** Whether the kind is email — an address and its mail servers: kefu reads the mailbox (IMAP
 *  IDLE) and replies by SMTP, so nothing calls kefu and there is no callback URL to give. */
export function isEmail(kind: string): boolean {
  return kind === 'email'
}

/** Whether the kind is WeCom 微信客服, whose account may have a contact link (客服链接). */
export function hasContactUrl(kind: string): boolean {
  return kind === 'wecom_kf'
}

/** Whether the account's owner must grant kefu access on the platform's own page after it is
 *  connected (Douyin: its private messages, by OAuth; the card's 授权 button). */
export function needsGrant(kind: string): boolean {
  return kind === 'douyin'
}

/** Whether a channel that needs a grant has one: kefu holds an access token for it. */
export function isGranted(channel: Pick<ChannelView, 'kind' | 'token_expires_at'>): boolean {
  return needsGrant(channel.kind) && channel.token_expires_at != null
}

/** What is left to do in the platform's console once connected, after pasting the values
 *  (`channels.steps.…`, in the kind's words): WeChat submits, whitelists kefu's IP and tests;
 *  WeCom saves the callback, hands its 客服账号 to the API and tests; Douyin sets the webhook
 *  and its events, registers the grant's way back, grants on the card and tests; the widget's
 *  tag goes on the site's pages, a member's identity on it, and the site is tried; the phone
 *  line's vendor is given the push URL and password (`mode`: the line's format), and the line
 *  is called. */
export function consoleSteps(kind: string, mode = ''): readonly string[] {
  if (isWidget(kind)) return ['paste', 'identity', 'test']
  // The mailbox's IMAP and SMTP service switched on, kefu reading it, a test mail.
  if (isEmail(kind)) return ['enable', 'reading', 'test']
  // CH-4: the vendor's push (TCCC's console, or any other vendor's), its password, a test call.
  if (isPhone(kind)) return formatOf(mode) === 'tccc' ? ['push', 'auth', 'test'] : ['genericPush', 'genericAuth', 'test']
  if (needsGrant(kind)) return ['webhook', 'redirect', 'grant', 'test']
  return hasModes(kind) ? ['submit', 'whitelist', 'test'] : ['submit', 'api', 'test']
}

/** The locale key of `key` (below `channels.`) in the kind's own words — `channels.wecom_kf.…`
 *  where WeCom says it differently (企业ID for AppID, its console's steps) — else the common
 *  one. `has` tells whether a key exists (vue-i18n's `te`). */
export function kindKey(kind: string, key: string, has: (key: string) => boolean): string {
  const own = `channels.${kind}.${key}`
  return has(own) ? own : `channels.${key}`
}

/** The server's limits: a token of 1–32 letters or digits, an AppID of at most 64 letters,
 *  digits or `_` (a Douyin Client Key also `-`), an AppSecret of at most 128 characters, an
 *  EncodingAESKey of 43 base64, a name of at most 60 characters. */
export const MAX_TOKEN_CHARS = 32
export const AES_KEY_CHARS = 43
const MAX_APP_ID_CHARS = 64
const MAX_SECRET_CHARS = 128
export const MAX_NAME_CHARS = 60

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `n` random bytes: the browser's cryptographic source unless a test gives one. */
export type RandomBytes = (n: number) => Uint8Array

const cryptoBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n))

/** `length` letters and digits, each equally likely (bytes past the last whole multiple of 62
 *  are drawn again, so none is favoured). */
function randomAlphanumeric(length: number, bytes: RandomBytes): string {
  const limit = 256 - (256 % ALPHANUMERIC.length)
  let out = ''
  while (out.length < length) {
    for (const b of bytes(length - out.length + 8)) {
      if (b < limit && out.length < length) out += ALPHANUMERIC[b % ALPHANUMERIC.length]
    }
  }
  return out
}

/** CH-4: a phone line's push password for 生成: 24 letters and digits. */
export function randomPassword(bytes: RandomBytes = cryptoBytes): string {
  return randomAlphanumeric(PASSWORD_CHARS, bytes)
}

/** A token for 随机生成: 32 letters and digits. */
export function randomToken(bytes: RandomBytes = cryptoBytes): string {
  return randomAlphanumeric(MAX_TOKEN_CHARS, bytes)
}

/** An EncodingAESKey for 随机生成: 43 letters and digits, which are base64 (what WeChat's
 *  console generates, and what kefu decodes to the 32-byte key). */
export function randomAesKey(bytes: RandomBytes = cryptoBytes): string {
  return randomAlphanumeric(AES_KEY_CHARS, bytes)
}

/** Where the platform calls kefu: the server's whole URL when it knows its public address,
 *  else this page's origin and the path. */
export function callbackUrl(channel: Pick<ChannelView, 'callback_url' | 'callback_path'>, origin: string): string {
  return channel.callback_url || `${origin.replace(/\/+$/, '')}${channel.callback_path}`
}

/** Where Douyin's grant page sends the account's owner back: the webhook's address and
 *  `/oauth` (kefu's `/hooks/douyin/{id}/oauth`), to register in Douyin's console. */
export function grantRedirectUrl(channel: Pick<ChannelView, 'callback_url' | 'callback_path'>, origin: string): string {
  return `${callbackUrl(channel, origin)}/oauth`
}

/** What Douyin's way back left in this page's query: `?granted={id}` when the account granted
 *  kefu its messages, `?grant_error={code}` when the grant did not complete. */
export type GrantOutcome = { granted: true; id: string } | { granted: false; code: string }

/** The outcome in a route's query (a repeated parameter counts once), or null. */
export function grantOutcome(query: Record<string, unknown>): GrantOutcome | null {
  const first = (v: unknown): string => {
    const one = Array.isArray(v) ? v[0] : v
    return typeof one === 'string' ? one.trim() : ''
  }
  const code = first(query.grant_error)
  if (code) return { granted: false, code }
  const id = first(query.granted)
  return id ? { granted: true, id } : null
}

/** The query without the grant's outcome, to put back once it has been said. */
export function withoutGrant<T extends Record<string, unknown>>(query: T): Partial<T> {
  const rest: Partial<T> = { ...query }
  delete rest.granted
  delete rest.grant_error
  return rest
}

/** The health line's parts, in order; `at` null: never. */
export type HealthPart =
  | { part: 'in' | 'out' | 'token'; at: EpochMs | null }
  | { part: 'error'; at: EpochMs | null; error: string }

/** The health line: the last message in and out, the last error, when the access token
 *  expires. A phone line (CH-4) sends nothing and holds no token: its last call record and
 *  its last error only. A mailbox holds no token either: the last mail in and out, the error. */
export function healthOf(channel: ChannelView): HealthPart[] {
  const error = channel.last_error.trim()
  const parts: HealthPart[] = [
    { part: 'in', at: channel.last_in_at ?? null },
    { part: 'out', at: channel.last_out_at ?? null },
    { part: 'error', at: error ? channel.last_error_at ?? null : null, error },
    { part: 'token', at: channel.token_expires_at ?? null },
  ]
  if (isPhone(channel.kind)) return parts.filter((p) => p.part === 'in' || p.part === 'error')
  return isEmail(channel.kind) ? parts.filter((p) => p.part !== 'token') : parts
}

/** How the channel stands at a glance: paused, failing (its last error is newer than its
 *  last message in and out), working (something came in), or waiting for the first push. A
 *  widget is working unless paused: its buyers write through the chat page, not a callback. */
export type ChannelState = 'paused' | 'failing' | 'working' | 'waiting'

export function stateOf(channel: ChannelView): ChannelState {
  if (channel.paused) return 'paused'
  if (isWidget(channel.kind)) return 'working'
  const lastOk = Math.max(channel.last_in_at ?? 0, channel.last_out_at ?? 0)
  if (channel.last_error.trim() && (channel.last_error_at ?? 0) >= lastOk) return 'failing'
  return channel.last_in_at ? 'working' : 'waiting'
}

/** The mode as stored; anything unknown reads as the default. */
export function modeOf(mode: string): ChannelMode {
  return (MODES as readonly string[]).includes(mode) ? (mode as ChannelMode) : 'safe'
}

/** The connect dialog's fields, as typed (`widget`: the widget's sites, colour and side;
 *  `phone`: the line's number, password, format and hours; `email`: the address, its password
 *  and servers; `contactUrl`: a WeCom account's contact link). */
export interface ConnectForm {
  kind: ChannelKind
  name: string
  appId: string
  appSecret: string
  token: string
  aesKey: string
  mode: ChannelMode
  widget: WidgetFields
  phone: PhoneFields
  email: EmailFields
  contactUrl: string
}

export function blankForm(): ConnectForm {
  return { kind: 'wechat_mp', name: '', appId: '', appSecret: '', token: '', aesKey: '', mode: 'safe', widget: blankWidget(), phone: blankPhone(), email: blankEmail(), contactUrl: '' }
}

/** What is wrong with a field, to say under it. */
export type FormProblem =
  | 'kind'
  | 'name'
  | 'appId'
  | 'appSecret'
  | 'token'
  | 'aesKey'
  | 'contactUrl'
  | 'origins'
  | 'color'
  | 'number'
  | 'password'
  | 'hours'
  | EmailProblem

/** Whether the EncodingAESKey must be given: always, but for a WeChat account in plain mode
 *  (and Douyin, which has none). */
export function aesKeyRequired(form: Pick<ConnectForm, 'kind' | 'mode'>): boolean {
  return hasToken(form.kind) && (!hasModes(form.kind) || form.mode !== 'plain')
}

/** The first field the server would refuse (`invalid_channel`), or null. The EncodingAESKey
 *  may stay empty in WeChat's plain mode only (WeCom always needs it, and may have a contact
 *  link); Douyin takes its Client Key and Secret only; the widget its sites (1–10) and colour;
 *  the phone line its number, password and hours; email its address, password and servers. */
export function formProblem(form: ConnectForm): FormProblem | null {
  if (!CHANNEL_KINDS.some((k) => k.kind === form.kind && k.ready)) return 'kind'
  if ([...form.name.trim()].length > MAX_NAME_CHARS) return 'name'
  if (isWidget(form.kind)) return widgetProblem(form.widget)
  if (isPhone(form.kind)) return phoneProblem(form.phone)
  if (isEmail(form.kind)) return emailProblem(form.email)
  const appId = form.appId.trim()
  const idChars = hasToken(form.kind) ? /^[A-Za-z0-9_]+$/ : /^[A-Za-z0-9_-]+$/
  if (!appId || appId.length > MAX_APP_ID_CHARS || !idChars.test(appId)) return 'appId'
  const secret = form.appSecret.trim()
  if (!secret || secret.length > MAX_SECRET_CHARS) return 'appSecret'
  if (!hasToken(form.kind)) return null
  const token = form.token.trim()
  if (!token || token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9]+$/.test(token)) return 'token'
  const key = form.aesKey.trim()
  if ((aesKeyRequired(form) || key) && !/^[A-Za-z0-9+/]{43}$/.test(key)) return 'aesKey'
  return hasContactUrl(form.kind) && !contactUrlOk(form.contactUrl) ? 'contactUrl' : null
}

/** The body of `POST /channels`: trimmed, an empty name, key or contact link left out, the
 *  mode only for a kind that has modes (WeCom's is always `safe`); Douyin's Client Key and
 *  Secret alone; the widget's sites (their origins), colour and side alone; the phone line's
 *  number, password, format and hours alone; email's address, password and servers alone. */
export function inputOf(form: ConnectForm): ChannelInput {
  const name = form.name.trim()
  const aesKey = form.aesKey.trim()
  const contactUrl = form.contactUrl.trim()
  if (isWidget(form.kind)) return { kind: form.kind, ...widgetInput(form.widget), ...(name ? { name } : {}) }
  if (isPhone(form.kind)) return { kind: form.kind, ...phoneInput(form.phone), ...(name ? { name } : {}) }
  if (isEmail(form.kind)) return { kind: form.kind, ...emailInput(form.email), ...(name ? { name } : {}) }
  if (!hasToken(form.kind)) {
    return { kind: form.kind, app_id: form.appId.trim(), app_secret: form.appSecret.trim(), ...(name ? { name } : {}) }
  }
  return {
    kind: form.kind,
    app_id: form.appId.trim(),
    app_secret: form.appSecret.trim(),
    token: form.token.trim(),
    ...(hasModes(form.kind) ? { mode: form.mode } : {}),
    ...(name ? { name } : {}),
    ...(aesKey ? { aes_key: aesKey } : {}),
    ...(hasContactUrl(form.kind) && contactUrl ? { contact_url: contactUrl } : {}),
  }
}

/** A new name, trimmed, when the server takes it (1–60 characters) and it differs; else null. */
export function renamed(current: string, typed: string): string | null {
  const name = typed.trim()
  if (!name || [...name].length > MAX_NAME_CHARS || name === current) return null
  return name
}
