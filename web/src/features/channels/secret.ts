// Issue #21: a new secret for a connected channel, on its card (更换密钥 / 更换密码) — a WeChat
// Official Account's AppSecret, WeCom 微信客服's Secret, a Douyin application's Client Secret or
// a mailbox's password (授权码) — once it was reset on the platform or has expired, without
// disconnecting and connecting again. Read as the server reads it
// (crates/kefu-server/src/channels/mod.rs `update`: trimmed, 1–256 bytes); never shown back.

import type { ChannelChange } from '../../api'

/** The kinds whose secret may be changed on the card: the platforms' accounts and email (a
 *  widget has none; a phone line's push password is its own). */
export const SECRET_KINDS = ['wechat_mp', 'wecom_kf', 'douyin', 'email'] as const

export function hasSecret(kind: string): boolean {
  return (SECRET_KINDS as readonly string[]).includes(kind)
}

/** The longest secret the server takes, in bytes (UTF-8, as it counts them). */
export const MAX_SECRET_BYTES = 256

/** What is wrong with a secret typed: none (blank once trimmed), or too long. */
export type SecretProblem = 'kind' | 'empty' | 'long'

/** Whether the server takes the secret: something once trimmed, at most 256 bytes. */
export function secretOk(raw: string): boolean {
  return secretProblem(raw) === null
}

export function secretProblem(raw: string): 'empty' | 'long' | null {
  const secret = raw.trim()
  if (!secret) return 'empty'
  return new TextEncoder().encode(secret).length > MAX_SECRET_BYTES ? 'long' : null
}

/** The body of `PUT /channels/{id}` for the secret typed (trimmed), or what is wrong with it. */
export function secretChange(kind: string, typed: string): { body: ChannelChange } | { problem: SecretProblem } {
  if (!hasSecret(kind)) return { problem: 'kind' }
  const problem = secretProblem(typed)
  return problem ? { problem } : { body: { app_secret: typed.trim() } }
}
