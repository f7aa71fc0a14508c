// CH-6: one buyer across channels, as the customer panel's 「跨渠道身份」 shows it — the
// buyers an agent merged into one profile (the open conversation's first), the conversations
// of the others, and which buyers of the workbench's list may be offered for merging.

import type { Buyer, BuyerProfile, Channel, ConversationSummary, EpochMs, Uuid } from '../../api'

/** A buyer the merge dialog offers: one of the workbench's listed conversations' buyers. */
export interface MergeCandidate {
  buyerId: Uuid
  name: string
  channel: Channel
  /** Their latest listed conversation: what it last said, and when. */
  conversationId: Uuid
  preview: string
  lastMessageAt: EpochMs
}

/** The longest part of an external id shown whole; longer ones keep their head and tail. */
const SHOWN_CHARS = 12

/** A channel's id for a buyer, short enough for a panel row: the kind on the web
 *  (`anon:`, `member:`) stays, a WeChat id loses its account (`{AppID}/{OpenID}` → the OpenID),
 *  and what is left past 12 characters keeps its first 6 and last 4 (`anon:3f2a9c…c9d1`). */
export function shortExternalId(id: string): string {
  const colon = id.indexOf(':')
  const kind = colon > 0 ? id.slice(0, colon + 1) : ''
  let rest = colon > 0 ? id.slice(colon + 1) : id
  const slash = rest.lastIndexOf('/')
  if (slash >= 0 && slash < rest.length - 1) rest = rest.slice(slash + 1)
  const chars = Array.from(rest)
  if (chars.length > SHOWN_CHARS) rest = `${chars.slice(0, 6).join('')}…${chars.slice(-4).join('')}`
  return kind + rest
}

/** The profile's buyers, the one asked for (the open conversation's) first, then the others
 *  in the order they first came (the server's order, kept whatever it sends). */
export function linkedBuyers(profile: BuyerProfile | null, selfId: Uuid | null | undefined): Buyer[] {
  if (!profile) return []
  const self = profile.buyers.filter((b) => b.id === selfId)
  const others = profile.buyers.filter((b) => b.id !== selfId).sort((a, b) => a.created_at - b.created_at)
  return [...self, ...others]
}

/** Splitting takes a buyer out of a profile of two or more; one alone has nothing to leave. */
export function canSplit(profile: BuyerProfile | null): boolean {
  return (profile?.buyers.length ?? 0) >= 2
}

/** The profile's conversations as its other buyers, newest activity first: the open
 *  conversation's buyer's own are the panel's 历史会话 already (the open one never shows). */
export function otherConversations(
  profile: BuyerProfile | null,
  selfId: Uuid | null | undefined,
  currentId: Uuid | null | undefined,
): ConversationSummary[] {
  if (!profile) return []
  return profile.conversations
    .filter((c) => c.buyer_id !== selfId && c.id !== currentId)
    .sort((a, b) => b.last_message_at - a.last_message_at)
}

/** The buyers of the listed conversations that could be merged into the profile: each once
 *  (by their latest conversation), none already in it nor the open conversation's own,
 *  newest activity first, then by name. */
export function mergeCandidates(
  conversations: readonly ConversationSummary[],
  profile: BuyerProfile | null,
  selfId: Uuid | null | undefined,
): MergeCandidate[] {
  const taken = new Set<Uuid>(profile?.buyers.map((b) => b.id) ?? [])
  if (selfId) taken.add(selfId)
  const byBuyer = new Map<Uuid, MergeCandidate>()
  for (const c of conversations) {
    if (taken.has(c.buyer_id)) continue
    const seen = byBuyer.get(c.buyer_id)
    if (seen && seen.lastMessageAt >= c.last_message_at) continue
    byBuyer.set(c.buyer_id, {
      buyerId: c.buyer_id,
      name: c.buyer_name,
      channel: c.channel,
      conversationId: c.id,
      preview: c.last_message_preview,
      lastMessageAt: c.last_message_at,
    })
  }
  return [...byBuyer.values()].sort((a, b) => b.lastMessageAt - a.lastMessageAt || a.name.localeCompare(b.name, 'zh-CN'))
}

/** The candidates whose name or channel name holds `query` (case aside); all when it is blank. */
export function filterCandidates(
  candidates: readonly MergeCandidate[],
  query: string,
  channelName: (channel: Channel) => string,
): MergeCandidate[] {
  const q = query.trim().toLowerCase()
  if (!q) return [...candidates]
  return candidates.filter((c) => c.name.toLowerCase().includes(q) || channelName(c.channel).toLowerCase().includes(q))
}
