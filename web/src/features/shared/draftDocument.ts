// A shop document edited as a draft and saved whole (考核设置, 评分标准, 自动回复, 进线过滤):
// the copy the server last returned, the draft being edited, whether they differ, saving (after
// a check of its own) and discarding.
import { computed, ref } from 'vue'
import type { Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError, errorCode } from '../../api'
import { errorText } from '../../i18n'

/** Why the last save failed: the code, and what to show. */
export interface SaveError {
  code: string
  text: string
}

export interface DraftDocumentOptions<View, Draft, Body> {
  /** A fresh draft of what the server returned. */
  draftOf: (view: View) => Draft
  /** What to send for a draft. */
  bodyOf: (draft: Draft) => Body
  /** What is wrong with the body (or the draft) before sending, as text to show; null when nothing. */
  problemOf: (body: Body, draft: Draft) => string | null
  /** The code shown with a problem found before sending (`invalid_…`). */
  invalidCode: string
  put: (body: Body) => Promise<View>
  /** The toast after a save. */
  savedText: () => string
  /** Whether the draft says what `saved` does; by default, the same body for both. */
  same?: (draft: Draft, saved: View) => boolean
  /** What to show when the server refuses or cannot be reached; by default `errorText(code)`. */
  failureText?: (err: unknown, code: string) => string
  /** Whether saving is allowed at all (e.g. the viewer may edit); by default, always. */
  canSave?: () => boolean
  /** Whether a failed save is also toasted (`ElMessage.error`); by default, yes. */
  toastErrors?: boolean
}

export interface DraftDocument<View, Draft> {
  saved: Ref<View | null>
  draft: Ref<Draft | null>
  saving: Ref<boolean>
  saveError: Ref<SaveError | null>
  dirty: Readonly<Ref<boolean>>
  /** Keep what the server returned and start the draft over from it. */
  adopt: (view: View) => void
  save: () => Promise<void>
  discard: () => void
}

/** The code translated, with the server's own words when it refused (4xx) and said more than the
 *  code; a lost connection's says nothing. */
export function refusalText(err: unknown, code: string): string {
  const message = err instanceof ApiError && err.status >= 400 && err.status < 500 && err.message !== code ? err.message : ''
  return message ? `${errorText(code)}（${message}）` : errorText(code)
}

export function useDraftDocument<View, Draft, Body>(o: DraftDocumentOptions<View, Draft, Body>): DraftDocument<View, Draft> {
  const saved = ref<View | null>(null) as Ref<View | null>
  const draft = ref<Draft | null>(null) as Ref<Draft | null>
  const saving = ref(false)
  const saveError = ref<SaveError | null>(null)
  const toastErrors = o.toastErrors ?? true

  const same = o.same ?? ((d: Draft, view: View) => JSON.stringify(o.bodyOf(d)) === JSON.stringify(o.bodyOf(o.draftOf(view))))
  const dirty = computed(() => !!draft.value && !!saved.value && !same(draft.value, saved.value))

  function adopt(view: View): void {
    saved.value = view
    draft.value = o.draftOf(view)
  }

  function fail(error: SaveError): void {
    saveError.value = error
    if (toastErrors) ElMessage.error(error.text)
  }

  async function save(): Promise<void> {
    if (!draft.value || (o.canSave && !o.canSave())) return
    saveError.value = null
    const body = o.bodyOf(draft.value)
    const problem = o.problemOf(body, draft.value)
    if (problem) {
      fail({ code: o.invalidCode, text: problem })
      return
    }
    saving.value = true
    try {
      adopt(await o.put(body))
      ElMessage.success(o.savedText())
    } catch (err) {
      const code = errorCode(err)
      fail({ code, text: o.failureText ? o.failureText(err, code) : errorText(code) })
    } finally {
      saving.value = false
    }
  }

  function discard(): void {
    if (saved.value) adopt(saved.value)
    saveError.value = null
  }

  return { saved, draft, saving, saveError, dirty, adopt, save, discard }
}
