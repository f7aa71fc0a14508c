// Issue #21, CH-3: a WeCom 微信客服 account's contact link (客服链接, from WeCom's console:
// 微信客服 → 账号 → 获取客服链接), where agents move buyers of Douyin or the web to WeCom
// (转企业微信); read as the server reads it (crates/kefu-server/src/channels/wecom_kf.rs
// `check_contact_url`), given when connecting and changed on the card.

import type { ChannelChange, ChannelView } from '../../api'

/** The longest link the server keeps. */
export const MAX_CONTACT_URL_CHARS = 300

/** Whether the server takes the link: blank (none), or an `https://` address with a host that
 *  has a dot, no `#`, no spaces or other characters outside printable ASCII, at most 300. */
export function contactUrlOk(raw: string): boolean {
  const url = raw.trim()
  if (!url) return true
  if (url.length > MAX_CONTACT_URL_CHARS || url.includes('#') || !/^[\x21-\x7e]+$/.test(url)) return false
  if (!url.startsWith('https://')) return false
  const host = url.slice('https://'.length).split(/[/?#]/)[0]
  return host.length > 0 && host.includes('.')
}

/** The account's link, or '' when it has none. */
export function contactUrlOf(channel: Pick<ChannelView, 'contact_url'>): string {
  return channel.contact_url?.trim() ?? ''
}

/** The change to send for the link typed: the link (an empty one removes it), or nothing when
 *  it is the one kept. */
export function contactUrlChange(channel: Pick<ChannelView, 'contact_url'>, typed: string): ChannelChange {
  const url = typed.trim()
  return url === contactUrlOf(channel) ? {} : { contact_url: url }
}
