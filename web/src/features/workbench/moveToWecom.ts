// Issue #21: 转企业微信 — an agent sends a buyer on another channel the shop's WeCom 微信客服
// contact link (`POST /conversations/{id}/move-to-wecom`); when the buyer adds it, their WeCom
// conversation opens in the same customer profile and comes to that agent. Which conversations
// offer it.

import type { Channel, ConversationSummary } from '../../api'

/** Whether a buyer on `channel` can be sent the link: not one on WeCom already, nor a caller on
 *  the phone line, which takes no written message (CH-4). */
export function movesToWecom(channel: Channel): boolean {
  return channel !== 'wecom' && channel !== 'phone'
}

/** The header's 转企业微信: for an agent who may reply (the server wants `conversation.reply`),
 *  on a conversation that is answered at all (not an invalid one, WB-6). */
export function offersMoveToWecom(conversation: Pick<ConversationSummary, 'channel' | 'status'>, canReply: boolean): boolean {
  return canReply && conversation.status !== 'invalid' && movesToWecom(conversation.channel)
}
