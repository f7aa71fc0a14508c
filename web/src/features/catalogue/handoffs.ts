// CH-5 handoff cases as the customer panel and the catalogue page both show them: whether one
// is overdue, and asking for what came of it before it is closed.

import { ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message-box/style/css'
import { MAX_RESOLUTION_CHARS } from '../../api'
import type { HandoffCase } from '../../api'
import { i18n } from '../../i18n'

/** An open case past its due time. */
export function isOverdue(c: HandoffCase, now = Date.now()): boolean {
  return c.status === 'open' && c.due_at < now
}

/** The resolution typed for closing `c` (may be empty), or null when the agent cancelled. */
export async function askResolution(c: HandoffCase): Promise<string | null> {
  const t = i18n.global.t
  try {
    const answer = await ElMessageBox.prompt(
      t('handoffs.closePrompt', { order: c.order_no, partner: c.partner_name }),
      t('handoffs.closeTitle'),
      {
        confirmButtonText: t('handoffs.closeConfirm'),
        cancelButtonText: t('handoffs.closeCancel'),
        inputPlaceholder: t('handoffs.closePlaceholder'),
        inputType: 'textarea',
        inputValidator: (value) =>
          (value ?? '').trim().length <= MAX_RESOLUTION_CHARS || t('handoffs.resolutionTooLong', { max: MAX_RESOLUTION_CHARS }),
      },
    )
    return answer.value?.trim() ?? ''
  } catch {
    return null
  }
}
