// Reply buttons (BOT-3 clarifying, BOT-4 flows): a `buttons` message's body read back, and
// which message's buttons a buyer may still tap — only the newest, and only until the buyer
// has written again (a tap sends its `reply` as ordinary text, so one tap spends them).

import type { ButtonsBody, Message } from '../../api'

/** A `buttons` body, or null when it is not one (then it shows as plain text). */
export function readButtons(body: string): ButtonsBody | null {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const o = value as Record<string, unknown>
  if (typeof o.text !== 'string' || !Array.isArray(o.buttons)) return null
  const buttons = o.buttons.filter(
    (b): b is { label: string; reply: string } =>
      !!b && typeof b === 'object' && typeof (b as Record<string, unknown>).label === 'string' && typeof (b as Record<string, unknown>).reply === 'string',
  )
  return { text: o.text, buttons: buttons.map((b) => ({ label: b.label, reply: b.reply })) }
}

/** The id of the buttons message the buyer may still answer by tapping: the newest one, when
 *  no buyer message (stored, or a send still on its way) comes after it. */
export function liveButtonsId(messages: readonly Message[], buyerSending: boolean): string | null {
  if (buyerSending) return null
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m.sender_kind === 'buyer') return null
    if (m.kind === 'buttons') return m.id
  }
  return null
}
