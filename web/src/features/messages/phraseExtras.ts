// WB-3: a quick phrase may carry a picture and a product card. Picking it puts its text in the
// composer; the extras wait beside the box and go out right after that text is sent (the
// picture first, then the card). Emptying the box, or another text replacing it (another
// phrase, a suggested reply), drops them.

import type { Uuid } from '../../api'

/** What a picked phrase sends after its text; at least one of the two. */
export interface PhraseExtras {
  /** An uploaded picture's id, sent as an `image` message. */
  image: Uuid | null
  /** A catalogue product's code, sent as a `product_card` message. */
  productCode: string | null
}

/** One message to send after the text. */
export type PhraseExtra = { kind: 'image'; attachmentId: Uuid } | { kind: 'product_card'; productCode: string }

/** The extras a picked phrase leaves pending: null when it has neither. */
export function extrasOf(phrase: { image?: Uuid | null; productCode?: string | null }): PhraseExtras | null {
  const image = phrase.image || null
  const productCode = phrase.productCode || null
  return image || productCode ? { image, productCode } : null
}

/** The pending extras once the box holds `box`: dropped when the agent emptied it. Editing
 *  the phrase's text (filling a variable) keeps them. */
export function afterEdit(pending: PhraseExtras | null, box: string): PhraseExtras | null {
  return box.trim() ? pending : null
}

/** The messages to send right after the text, in order: the picture, then the product card. */
export function extrasToSend(pending: PhraseExtras | null): PhraseExtra[] {
  if (!pending) return []
  const out: PhraseExtra[] = []
  if (pending.image) out.push({ kind: 'image', attachmentId: pending.image })
  if (pending.productCode) out.push({ kind: 'product_card', productCode: pending.productCode })
  return out
}
