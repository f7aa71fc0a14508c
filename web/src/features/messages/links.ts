// Issue #21: the team's messages may carry a link the buyer is meant to open (转企业微信 sends the
// shop's WeCom contact link): the web addresses in a text, to show as links. Only the team's
// messages are shown so; a buyer's addresses stay plain text for the agents reading them.

import type { SenderKind } from '../../api'

/** A stretch of a message's text: plain, or a web address to link to. */
export type TextPart = { text: string; href?: undefined } | { text: string; href: string }

/** An `http(s)://` address runs to whitespace or CJK punctuation (a Chinese sentence goes on right
 *  after it); a full stop or bracket at its very end closes the sentence, not the address. */
const ADDRESS = /https?:\/\/[^\s<>"'，。；：！？、（）【】「」《》]+/g
const TRAILING = /[.,;:!?)\]}]+$/

/** `text` cut into its plain stretches and its web addresses, in order; no part is empty. */
export function textParts(text: string): TextPart[] {
  const parts: TextPart[] = []
  let at = 0
  for (const match of text.matchAll(ADDRESS)) {
    const href = match[0].replace(TRAILING, '')
    // Nothing after the scheme: not an address.
    if (href.length <= match[0].indexOf('//') + 2) continue
    const start = match.index
    if (start > at) parts.push({ text: text.slice(at, start) })
    parts.push({ text: href, href })
    at = start + href.length
  }
  if (at < text.length) parts.push({ text: text.slice(at) })
  return parts
}

/** Whether a message's addresses are shown as links: the team's (agents, the robot, automatic
 *  replies, the system), never a buyer's. */
export function linksAddresses(sender: SenderKind): boolean {
  return sender !== 'buyer'
}
