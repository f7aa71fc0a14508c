// A document's draft: adopt, dirty, save (checked first, then sent) and discard.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../api'
import { errorText } from '../../i18n'
import { refusalText, useDraftDocument } from './draftDocument'
import type { DraftDocumentOptions } from './draftDocument'

const toast = vi.hoisted(() => ({ error: vi.fn(), success: vi.fn() }))
vi.mock('element-plus', () => ({ ElMessage: toast }))
// The real one sets the page's language on `document`; these tests run without one.
vi.mock('../../i18n', () => ({ errorText: (code: string) => `text of ${code}` }))

interface View {
  version: number
  doc: { name: string; n: number }
}
type Draft = { name: string; n: number }

const view = (version: number, name = 'a', n = 1): View => ({ version, doc: { name, n } })

function setup(over: Partial<DraftDocumentOptions<View, Draft, Draft>> = {}) {
  const put = vi.fn(async (body: Draft): Promise<View> => ({ version: 2, doc: body }))
  const doc = useDraftDocument<View, Draft, Draft>({
    draftOf: (v) => ({ ...v.doc }),
    bodyOf: (d) => ({ name: d.name.trim(), n: d.n }),
    problemOf: (body) => (body.name ? null : 'name missing'),
    invalidCode: 'invalid_doc',
    put,
    savedText: () => 'saved!',
    ...over,
  })
  return { doc, put }
}

beforeEach(() => {
  toast.error.mockReset()
  toast.success.mockReset()
})

describe('useDraftDocument', () => {
  it('adopts a view as saved and a fresh draft', () => {
    const { doc } = setup()
    expect(doc.dirty.value).toBe(false)
    const v = view(1)
    doc.adopt(v)
    expect(doc.saved.value).toEqual(v)
    expect(doc.draft.value).toEqual({ name: 'a', n: 1 })
    expect(doc.draft.value).not.toBe(v.doc)
    expect(doc.dirty.value).toBe(false)
  })

  it('is dirty when the body differs, not when only what the body drops does', () => {
    const { doc } = setup()
    doc.adopt(view(1))
    doc.draft.value!.name = ' a '
    expect(doc.dirty.value).toBe(false)
    doc.draft.value!.n = 2
    expect(doc.dirty.value).toBe(true)
  })

  it('takes its own comparison when given', () => {
    const { doc } = setup({ same: (d, v) => d.name === v.doc.name })
    doc.adopt(view(1))
    doc.draft.value!.n = 5
    expect(doc.dirty.value).toBe(false)
    doc.draft.value!.name = ' a '
    expect(doc.dirty.value).toBe(true)
  })

  it('saves the body, adopts the answer and says so', async () => {
    const { doc, put } = setup()
    doc.adopt(view(1))
    doc.draft.value!.name = ' b '
    const saving = doc.save()
    expect(doc.saving.value).toBe(true)
    await saving
    expect(put).toHaveBeenCalledWith({ name: 'b', n: 1 })
    expect(doc.saving.value).toBe(false)
    expect(doc.saved.value?.version).toBe(2)
    expect(doc.draft.value).toEqual({ name: 'b', n: 1 })
    expect(doc.dirty.value).toBe(false)
    expect(doc.saveError.value).toBeNull()
    expect(toast.success).toHaveBeenCalledWith('saved!')
  })

  it('stops at a problem found before sending', async () => {
    const { doc, put } = setup()
    doc.adopt(view(1))
    doc.draft.value!.name = '  '
    await doc.save()
    expect(put).not.toHaveBeenCalled()
    expect(doc.saving.value).toBe(false)
    expect(doc.saveError.value).toEqual({ code: 'invalid_doc', text: 'name missing' })
    expect(toast.error).toHaveBeenCalledWith('name missing')
  })

  it('hands the draft to the check too', async () => {
    const problemOf = vi.fn((_: Draft, d: Draft) => (d.n > 1 ? 'too many' : null))
    const { doc, put } = setup({ problemOf })
    doc.adopt(view(1, 'a', 3))
    await doc.save()
    expect(problemOf).toHaveBeenCalledWith({ name: 'a', n: 3 }, doc.draft.value)
    expect(put).not.toHaveBeenCalled()
    expect(doc.saveError.value?.text).toBe('too many')
  })

  it('shows a failed save and keeps the draft', async () => {
    const put = vi.fn(async () => {
      throw new ApiError(409, 'version_conflict', '')
    })
    const { doc } = setup({ put })
    doc.adopt(view(1))
    doc.draft.value!.n = 4
    await doc.save()
    expect(doc.saving.value).toBe(false)
    expect(doc.saveError.value).toEqual({ code: 'version_conflict', text: errorText('version_conflict') })
    expect(toast.error).toHaveBeenCalledWith(errorText('version_conflict'))
    expect(toast.success).not.toHaveBeenCalled()
    expect(doc.draft.value?.n).toBe(4)
    expect(doc.saved.value?.version).toBe(1)
  })

  it('words a failure its own way and may keep quiet about it', async () => {
    const put = vi.fn(async () => {
      throw new ApiError(400, 'invalid_doc', 'name too long')
    })
    const { doc } = setup({ put, failureText: refusalText, toastErrors: false })
    doc.adopt(view(1))
    doc.draft.value!.n = 4
    await doc.save()
    expect(doc.saveError.value).toEqual({ code: 'invalid_doc', text: `${errorText('invalid_doc')}（name too long）` })
    doc.draft.value!.name = ''
    await doc.save()
    expect(doc.saveError.value?.code).toBe('invalid_doc')
    expect(toast.error).not.toHaveBeenCalled()
  })

  it('does nothing without a draft or when saving is not allowed', async () => {
    let allowed = false
    const { doc, put } = setup({ canSave: () => allowed })
    await doc.save()
    doc.adopt(view(1))
    doc.draft.value!.n = 2
    await doc.save()
    expect(put).not.toHaveBeenCalled()
    allowed = true
    await doc.save()
    expect(put).toHaveBeenCalledOnce()
  })

  it('discards the draft and the error', async () => {
    const { doc } = setup()
    doc.adopt(view(1))
    doc.draft.value!.name = ''
    await doc.save()
    expect(doc.saveError.value).not.toBeNull()
    doc.discard()
    expect(doc.draft.value).toEqual({ name: 'a', n: 1 })
    expect(doc.dirty.value).toBe(false)
    expect(doc.saveError.value).toBeNull()
  })
})

describe('refusalText', () => {
  it('adds what the server said on a refusal only', () => {
    expect(refusalText(new ApiError(400, 'bad', 'why'), 'bad')).toBe(`${errorText('bad')}（why）`)
    expect(refusalText(new ApiError(400, 'bad', ''), 'bad')).toBe(errorText('bad'))
    expect(refusalText(new ApiError(503, 'down', 'gone'), 'down')).toBe(errorText('down'))
    expect(refusalText(new Error('offline'), 'network')).toBe(errorText('network'))
  })
})
