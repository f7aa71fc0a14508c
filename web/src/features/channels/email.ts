// Issue #21: the email channel (邮箱) as the channels page works it out — its address, the
// password (or the mail service's 授权码) and the IMAP and SMTP servers, read as the server reads
// them (crates/kefu-server/src/channels/email.rs `check`); the common mail services' servers,
// filled in by the address's domain or picked; the servers as the card shows them; and the
// card's 修改服务器, which changes them (and the password, if typed) in place.

import type { ChannelChange, ChannelView, EmailServers } from '../../api'
import { secretOk } from './secret'

/** How kefu talks to the servers: TLS from the start (IMAP 993, SMTP 465), or STARTTLS (SMTP
 *  587). The server also knows `plain`, for a test double only: shown, never offered. */
export const EMAIL_SECURITIES = ['tls', 'starttls'] as const
export type EmailSecurity = (typeof EMAIL_SECURITIES)[number]

/** The security as stored; anything unknown reads as TLS, as the server reads it. */
export function securityOf(raw: string | null | undefined): EmailSecurity | 'plain' {
  return raw === 'starttls' || raw === 'plain' ? raw : 'tls'
}

/** The IMAP port unless another is given; the SMTP port by the security (the server's). */
export const IMAP_PORT = 993
export function smtpPortFor(security: string): number {
  return security === 'starttls' ? 587 : 465
}

/** The longest host name and local part the server takes. */
const MAX_HOST_CHARS = 253
const MAX_LOCAL_CHARS = 64

/** A mail service's servers, to fill in at a click or by the address's domain (`domains`:
 *  the addresses it serves; none for enterprise mail, which is on the shop's own domain). */
export interface EmailPreset {
  key: 'qq' | '163' | '126' | 'exmail' | 'aliyun' | 'outlook'
  domains: readonly string[]
  imap: string
  smtp: string
  security: EmailSecurity
}

export const EMAIL_PRESETS: readonly EmailPreset[] = [
  { key: 'qq', domains: ['qq.com', 'foxmail.com'], imap: 'imap.qq.com', smtp: 'smtp.qq.com', security: 'tls' },
  { key: '163', domains: ['163.com'], imap: 'imap.163.com', smtp: 'smtp.163.com', security: 'tls' },
  { key: '126', domains: ['126.com'], imap: 'imap.126.com', smtp: 'smtp.126.com', security: 'tls' },
  { key: 'exmail', domains: [], imap: 'imap.exmail.qq.com', smtp: 'smtp.exmail.qq.com', security: 'tls' },
  { key: 'aliyun', domains: [], imap: 'imap.qiye.aliyun.com', smtp: 'smtp.qiye.aliyun.com', security: 'tls' },
  { key: 'outlook', domains: ['outlook.com', 'hotmail.com', 'live.com'], imap: 'outlook.office365.com', smtp: 'smtp.office365.com', security: 'starttls' },
]

/** Whether the server takes `host` (trimmed, lower case): letters, digits, dots and hyphens,
 *  at most 253. */
function hostOk(host: string): boolean {
  return host.length > 0 && host.length <= MAX_HOST_CHARS && /^[a-z0-9.-]+$/.test(host)
}

/** A mail server's host as the server keeps it (trimmed, lower case), or null. */
export function mailHost(raw: string): string | null {
  const host = raw.trim().toLowerCase()
  return hostOk(host) ? host : null
}

/** The address as the server keeps it — trimmed, lower case, one mailbox `local@domain` (the
 *  local part letters, digits, `.`, `_` or `-`, no `+`; the domain a host with a dot) — or null. */
export function emailAddress(raw: string): string | null {
  const address = raw.trim().toLowerCase()
  const at = address.indexOf('@')
  if (at < 0) return null
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  const localOk = local.length > 0 && local.length <= MAX_LOCAL_CHARS && /^[a-z0-9._-]+$/.test(local)
  return localOk && hostOk(domain) && domain.includes('.') ? address : null
}

/** Whether the server takes the password: something once trimmed, at most 256 bytes (as any
 *  channel's secret). */
export function mailPasswordOk(raw: string): boolean {
  return secretOk(raw)
}

/** A port as typed: 1–65535, or null for one that is not (blank is `undefined`: the default). */
export function portOf(raw: string): number | null | undefined {
  const text = raw.trim()
  if (!text) return undefined
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0
  return port >= 1 && port <= 65535 ? port : null
}

/** The email channel's part of the connect dialog, as typed (ports as text). */
export interface EmailFields {
  address: string
  password: string
  imapHost: string
  imapPort: string
  smtpHost: string
  smtpPort: string
  /** The login at both servers; blank: the address. */
  username: string
  /** `plain` only as kept for a test double's mailbox (never offered). */
  security: EmailSecurity | 'plain'
}

export function blankEmail(): EmailFields {
  return {
    address: '',
    password: '',
    imapHost: '',
    imapPort: String(IMAP_PORT),
    smtpHost: '',
    smtpPort: String(smtpPortFor('tls')),
    username: '',
    security: 'tls',
  }
}

/** The mail service whose addresses these are (by the domain), or null. */
export function presetForAddress(address: string): EmailPreset | null {
  const domain = address.trim().toLowerCase().split('@')[1] ?? ''
  return EMAIL_PRESETS.find((p) => p.domains.includes(domain)) ?? null
}

/** The preset whose servers the fields hold (as filled, or typed the same), or null. */
export function presetOf(fields: Pick<EmailFields, 'imapHost' | 'smtpHost'>): EmailPreset | null {
  const imap = fields.imapHost.trim().toLowerCase()
  const smtp = fields.smtpHost.trim().toLowerCase()
  return EMAIL_PRESETS.find((p) => p.imap === imap && p.smtp === smtp) ?? null
}

/** The fields with a preset's servers, ports and security filled in. */
export function withPreset(fields: EmailFields, preset: EmailPreset): EmailFields {
  return {
    ...fields,
    imapHost: preset.imap,
    imapPort: String(IMAP_PORT),
    smtpHost: preset.smtp,
    smtpPort: String(smtpPortFor(preset.security)),
    security: preset.security,
  }
}

/** The fields with a new address: the servers of the address's mail service filled in while
 *  the servers are blank or still another preset's (what the shop typed is left alone). */
export function withAddress(fields: EmailFields, address: string): EmailFields {
  const next = { ...fields, address }
  const preset = presetForAddress(address)
  const untouched = (!fields.imapHost.trim() && !fields.smtpHost.trim()) || presetOf(fields) !== null
  return preset && untouched ? withPreset(next, preset) : next
}

/** The fields with another security: the SMTP port follows it while it is blank or the other
 *  security's default (465 ↔ 587). */
export function withSecurity(fields: EmailFields, security: EmailSecurity): EmailFields {
  const port = fields.smtpPort.trim()
  const followsDefault = !port || EMAIL_SECURITIES.some((s) => port === String(smtpPortFor(s)))
  return { ...fields, security, smtpPort: followsDefault ? String(smtpPortFor(security)) : fields.smtpPort }
}

/** What is wrong with the email fields, in the form's order, to say under the field. */
export type EmailProblem = 'address' | 'password' | 'imap' | 'smtp'

/** The first field the server would refuse (`invalid_channel`), or null. */
export function emailProblem(fields: EmailFields): EmailProblem | null {
  if (!emailAddress(fields.address)) return 'address'
  if (!mailPasswordOk(fields.password)) return 'password'
  return serversProblem(fields)
}

/** The first of the servers the server would refuse (a host, or a port not 1–65535), or null. */
export function serversProblem(fields: EmailFields): 'imap' | 'smtp' | null {
  if (!mailHost(fields.imapHost) || portOf(fields.imapPort) === null) return 'imap'
  if (!mailHost(fields.smtpHost) || portOf(fields.smtpPort) === null) return 'smtp'
  return null
}

/** The servers as the server takes them: hosts trimmed and lower case, a blank port and login
 *  left out (the server's defaults). */
export function emailServers(fields: EmailFields): EmailServers {
  const imapPort = portOf(fields.imapPort)
  const smtpPort = portOf(fields.smtpPort)
  const username = fields.username.trim()
  return {
    imap_host: mailHost(fields.imapHost) ?? fields.imapHost.trim(),
    ...(imapPort ? { imap_port: imapPort } : {}),
    smtp_host: mailHost(fields.smtpHost) ?? fields.smtpHost.trim(),
    ...(smtpPort ? { smtp_port: smtpPort } : {}),
    ...(username ? { username } : {}),
    security: fields.security,
  }
}

/** The body's email part, as `POST /channels` takes it: the address as `app_id`, the password
 *  as `app_secret`, the servers (a blank port and login left out: the server's defaults). */
export function emailInput(fields: EmailFields): { app_id: string; app_secret: string; email: EmailServers } {
  return {
    app_id: emailAddress(fields.address) ?? fields.address.trim(),
    app_secret: fields.password.trim(),
    email: emailServers(fields),
  }
}

/** A connected mailbox's servers as its card shows them: `host:port` (the server's defaults
 *  where it sent none), the login (the address unless another), the security. */
export interface MailboxFacts {
  address: string
  imap: string
  smtp: string
  username: string
  security: EmailSecurity | 'plain'
}

export function mailboxFacts(channel: Pick<ChannelView, 'public_id' | 'email'>): MailboxFacts {
  const servers = channel.email
  const security = securityOf(servers?.security)
  const at = (host: string | undefined, port: number | null | undefined, fallback: number) => (host ? `${host}:${port ?? fallback}` : '')
  return {
    address: channel.public_id,
    imap: at(servers?.imap_host, servers?.imap_port, IMAP_PORT),
    smtp: at(servers?.smtp_host, servers?.smtp_port, smtpPortFor(security)),
    username: servers?.username?.trim() || channel.public_id,
    security,
  }
}

/** A connected mailbox's servers to edit (the card's 修改服务器): as kept, the server's default
 *  ports where it sent none, the login as kept; the address fixed, the password blank (kept
 *  unless a new one is typed). */
export function emailServersOf(channel: Pick<ChannelView, 'public_id' | 'email'>): EmailFields {
  const servers = channel.email
  const security = securityOf(servers?.security)
  return {
    address: channel.public_id,
    password: '',
    imapHost: servers?.imap_host ?? '',
    imapPort: String(servers?.imap_port ?? IMAP_PORT),
    smtpHost: servers?.smtp_host ?? '',
    smtpPort: String(servers?.smtp_port ?? smtpPortFor(security)),
    username: servers?.username?.trim() ?? '',
    security,
  }
}

/** The first field of 修改服务器 the server would refuse, or null: the servers, and a new
 *  password only when one is typed (blank keeps the one saved). */
export function emailServersProblem(fields: EmailFields): 'password' | 'imap' | 'smtp' | null {
  return serversProblem(fields) ?? (fields.password && !mailPasswordOk(fields.password) ? 'password' : null)
}

/** The servers as they work: the default ports and login (the address) filled in, to tell
 *  whether anything changed. */
function serversAsKept(servers: EmailServers, address: string): Required<EmailServers> {
  const security = securityOf(servers.security)
  return {
    imap_host: servers.imap_host,
    imap_port: servers.imap_port ?? IMAP_PORT,
    smtp_host: servers.smtp_host,
    smtp_port: servers.smtp_port ?? smtpPortFor(security),
    username: servers.username?.trim() || address,
    security,
  }
}

/** The body of `PUT /channels/{id}` for 修改服务器: the servers, and `app_secret` only when a new
 *  password was typed; empty when nothing changed (the servers as kept, no password). */
export function emailServersChange(channel: Pick<ChannelView, 'public_id' | 'email'>, fields: EmailFields): ChannelChange {
  const email = emailServers(fields)
  const password = fields.password ? fields.password.trim() : ''
  const before = serversAsKept(emailServers(emailServersOf(channel)), channel.public_id)
  const same = JSON.stringify(serversAsKept(email, channel.public_id)) === JSON.stringify(before)
  if (same && !password) return {}
  return { email, ...(password ? { app_secret: password } : {}) }
}
