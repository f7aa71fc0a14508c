// @vitest-environment happy-dom
// (i18n.ts sets the document's language when it loads.)
import { afterEach, describe, expect, it } from 'vitest'
import { i18n } from '../../i18n'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { APPEAL_KINDS, APPEAL_OUTCOMES, APPEAL_STATUSES, MAX_APPEAL_FILES, MAX_APPEAL_TEXT_CHARS, MAX_FILE_BYTES, MAX_IMAGE_BYTES } from '../../api'
import type { Appeal, AppealDecision, AppealList, AppealTemplate } from '../../api'
import {
  APPEAL_FILE_ACCEPT,
  APPEAL_FILTERS,
  TRANSCRIPT_FILE_NAME,
  addFiles,
  appealBody,
  appealProblem,
  appealQuery,
  appealStage,
  fileTooLarge,
  filerText,
  followsAppeals,
  kindTitle,
  latestDecision,
  mayDecide,
  mayReopen,
  mayTake,
  mergeAppeals,
  nextDescription,
  problemText,
  reopenProblem,
  stageText,
  templatesFor,
  textProblem,
  transcriptCheckText,
  transcriptFileName,
  waitView,
} from './appeals'

afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

const MINUTE = 60_000
const NOW = Date.UTC(2026, 10, 21, 6, 0)
const ID = '0b7c2f4e-3a7d-4c59-9a43-1f3e2d5c6b7a'

function appeal(over: Partial<Appeal> = {}): Appeal {
  return {
    id: ID,
    number: 'AP20261121000001',
    platform_id: 'p',
    filer: { kind: 'buyer', buyer_id: 'b', name: '王小明' },
    kind: 'refund',
    order_no: 'T100',
    description: '商家拒绝退款',
    files: [],
    status: 'pending',
    queued_at: NOW - 5 * MINUTE,
    due_at: NOW + 10 * MINUTE,
    overdue_at: null,
    reviewer_id: null,
    reviewer_name: '',
    decisions: [],
    reopened_with: null,
    created_at: NOW - 5 * MINUTE,
    updated_at: NOW - 5 * MINUTE,
    version: 0,
    ...over,
  }
}

function decision(outcome: AppealDecision['outcome'], at: number, reason = '理由'): AppealDecision {
  return { outcome, reason, by: 'u', by_name: '平台小李', at }
}

function template(kind: AppealTemplate['kind'], buyers: boolean, shops: boolean): AppealTemplate {
  return { kind, title: `${kind}-title`, description: `${kind}：\n我的诉求：`, evidence: ['订单截图'], for_buyers: buyers, for_shops: shops }
}

const TEMPLATES = [template('refund', true, false), template('penalty', false, true), template('other', true, true)]

describe('where an appeal stands', () => {
  it('reads a decided one by its latest outcome', () => {
    expect(appealStage(appeal())).toBe('pending')
    expect(appealStage(appeal({ status: 'in_review' }))).toBe('in_review')
    const twice = appeal({ status: 'decided', decisions: [decision('rejected', NOW - 2 * MINUTE), decision('upheld', NOW - MINUTE, '补充证据属实')] })
    expect(appealStage(twice)).toBe('upheld')
    expect(latestDecision(twice)?.reason).toBe('补充证据属实')
    expect(latestDecision(appeal())).toBeNull()
  })

  it('says so to the buyer, with the target in minutes', () => {
    expect(stageText(appeal())).toBe('待受理（15 分钟内）')
    expect(stageText(appeal(), 20)).toBe('待受理（20 分钟内）')
    expect(stageText(appeal({ status: 'in_review' }))).toBe('处理中')
    expect(stageText(appeal({ status: 'decided', decisions: [decision('upheld', NOW)] }))).toBe('申诉成立')
    expect(stageText(appeal({ status: 'decided', decisions: [decision('rejected', NOW)] }))).toBe('申诉不成立')
    i18n.global.locale.value = 'en'
    expect(stageText(appeal())).toBe('Pending (within 15 min)')
  })

  it('allows taking a pending one, deciding any not decided, reopening a decided one once', () => {
    expect([mayTake(appeal()), mayTake(appeal({ status: 'in_review' }))]).toEqual([true, false])
    expect([mayDecide(appeal()), mayDecide(appeal({ status: 'in_review' })), mayDecide(appeal({ status: 'decided' }))]).toEqual([true, true, false])
    expect(mayReopen(appeal({ status: 'decided' }))).toBe(true)
    expect(mayReopen(appeal({ status: 'decided', reopened_with: '新证据' }))).toBe(false)
    expect(mayReopen(appeal({ status: 'in_review' }))).toBe(false)
  })

  it('keeps the buyer reading while one is not decided', () => {
    expect(followsAppeals([])).toBe(false)
    expect(followsAppeals([appeal({ status: 'decided' })])).toBe(false)
    expect(followsAppeals([appeal({ status: 'decided' }), appeal({ status: 'in_review' })])).toBe(true)
  })
})

describe('waitView', () => {
  const queued = (minutes: number, seconds = 0) => ({ queued_at: NOW - minutes * MINUTE - seconds * 1000, overdue_at: null })

  it('is green under 10 minutes, amber to 15, red from 15', () => {
    expect(waitView(queued(9, 59), NOW).state).toBe('ok')
    expect(waitView(queued(10), NOW).state).toBe('near')
    expect(waitView(queued(14, 59), NOW).state).toBe('near')
    expect(waitView(queued(15), NOW).state).toBe('late')
    expect(waitView(queued(40), NOW).state).toBe('late')
  })

  it('is late once the server marked it overdue, whatever the clocks say', () => {
    expect(waitView({ queued_at: NOW - MINUTE, overdue_at: NOW }, NOW).state).toBe('late')
  })

  it('follows another target', () => {
    expect(waitView(queued(12), NOW, 30).state).toBe('ok')
    expect(waitView(queued(20), NOW, 30).state).toBe('near')
  })

  it('says the wait against the target', () => {
    expect(waitView(queued(12, 30), NOW)).toEqual({ state: 'near', minutes: 12, text: '已等待 12 分钟 / 目标 15 分钟' })
    expect(waitView(queued(0, 20), NOW).text).toBe('已等待不到 1 分钟 / 目标 15 分钟')
    // A clock ahead of the server's never waits less than nothing.
    expect(waitView({ queued_at: NOW + MINUTE, overdue_at: null }, NOW).minutes).toBe(0)
    expect(waitView(queued(90), NOW).text).toBe('已等待 1 小时 30 分 / 目标 15 分钟')
    i18n.global.locale.value = 'en'
    expect(waitView(queued(12), NOW).text).toBe('Waited 12 min / target 15 min')
  })
})

describe('who and what', () => {
  it('names a buyer, or the shop and its person', () => {
    expect(filerText({ kind: 'buyer', buyer_id: 'b', name: '王小明' })).toBe('王小明')
    expect(filerText({ kind: 'shop', shop_id: 's', shop_name: '山野茶铺', user_id: 'u', name: '王店长' })).toBe('山野茶铺 · 王店长')
  })

  it('titles a kind by its template, else by its name', () => {
    expect(kindTitle('refund', TEMPLATES)).toBe('refund-title')
    expect(kindTitle('logistics', TEMPLATES)).toBe('物流申诉')
    expect(kindTitle('penalty')).toBe('处罚/裁定申诉')
  })

  it('offers each filer their templates', () => {
    expect(templatesFor(TEMPLATES, 'buyer').map((x) => x.kind)).toEqual(['refund', 'other'])
    expect(templatesFor(TEMPLATES, 'shop').map((x) => x.kind)).toEqual(['penalty', 'other'])
  })

  it('fills the description from the template unless the filer wrote their own', () => {
    const [refund, , other] = TEMPLATES
    expect(nextDescription('', null, refund)).toBe(refund.description)
    expect(nextDescription('  \n', refund, other)).toBe(other.description)
    expect(nextDescription(refund.description, refund, other)).toBe(other.description)
    expect(nextDescription(`${refund.description}T100`, refund, other)).toBe(`${refund.description}T100`)
    expect(nextDescription('我自己写的', null, refund)).toBe('我自己写的')
  })
})

describe('what is typed', () => {
  it('takes 1–2,000 characters once trimmed, counting characters as the server does', () => {
    expect(textProblem('  ')).toBe('empty')
    expect(textProblem('有')).toBeNull()
    expect(textProblem('字'.repeat(MAX_APPEAL_TEXT_CHARS))).toBeNull()
    expect(textProblem(`  ${'字'.repeat(MAX_APPEAL_TEXT_CHARS)}  `)).toBeNull()
    expect(textProblem('字'.repeat(MAX_APPEAL_TEXT_CHARS + 1))).toBe('too_long')
    expect(textProblem('😀'.repeat(MAX_APPEAL_TEXT_CHARS))).toBeNull()
  })

  it('checks the kind, then the description, then the files', () => {
    const draft = { kind: 'refund' as const, orderNo: '', description: '商家拒绝退款' }
    expect(appealProblem({ ...draft, kind: null }, 0)).toBe('kind')
    expect(appealProblem({ ...draft, description: ' ' }, 0)).toBe('description_empty')
    expect(appealProblem({ ...draft, description: 'x'.repeat(2001) }, 0)).toBe('description_too_long')
    expect(appealProblem(draft, MAX_APPEAL_FILES)).toBeNull()
    expect(appealProblem(draft, MAX_APPEAL_FILES + 1)).toBe('too_many_files')
    expect(reopenProblem('', 0)).toBe('facts_empty')
    expect(reopenProblem('新证据', 10)).toBe('too_many_files')
    expect(reopenProblem('新证据', 3)).toBeNull()
  })

  it('sends the trimmed description and an order number only when typed', () => {
    expect(appealBody({ kind: 'refund', orderNo: '  ', description: ' 商家拒绝退款 ' }, [])).toEqual({ kind: 'refund', description: '商家拒绝退款', attachment_ids: [] })
    expect(appealBody({ kind: 'other', orderNo: ' T100 ', description: 'x' }, ['a1', 'a2'])).toEqual({
      kind: 'other',
      description: 'x',
      attachment_ids: ['a1', 'a2'],
      order_no: 'T100',
    })
  })

  it('keeps files within the upload limits and at most nine', () => {
    const picture = { size: MAX_IMAGE_BYTES, type: 'image/png' }
    const big = { size: MAX_IMAGE_BYTES + 1, type: 'image/jpeg' }
    const pdf = { size: MAX_FILE_BYTES, type: 'application/pdf' }
    expect(fileTooLarge(picture)).toBe(false)
    expect(fileTooLarge(big)).toBe(true)
    expect(fileTooLarge(pdf)).toBe(false)
    expect(fileTooLarge({ size: MAX_FILE_BYTES + 1, type: 'video/mp4' })).toBe(true)
    expect(addFiles([], [picture, big, pdf])).toEqual({ files: [picture, pdf], problem: 'file_too_large' })
    const eight = Array.from({ length: 8 }, () => ({ ...picture }))
    const res = addFiles(eight, [pdf, picture])
    expect(res.files).toHaveLength(MAX_APPEAL_FILES)
    expect(res.files[8]).toBe(pdf)
    expect(res.problem).toBe('too_many_files')
    expect(addFiles(res.files, [picture])).toEqual({ files: res.files, problem: 'too_many_files' })
  })

  it('says a problem with its limits', () => {
    expect(problemText('description_too_long')).toBe('申诉描述最多 2000 字')
    expect(problemText('too_many_files')).toBe('最多 9 个文件')
    i18n.global.locale.value = 'en'
    expect(problemText('reason_empty')).toBe('Give the reason')
  })

  it('accepts pictures, PDF and MP4 only', () => {
    const types = APPEAL_FILE_ACCEPT.split(',')
    expect(types).toEqual(expect.arrayContaining(['image/png', 'image/jpeg', '.pdf', 'application/pdf', '.mp4', 'video/mp4']))
    expect(types.some((x) => /zip|doc|txt/.test(x))).toBe(false)
  })
})

describe('mergeAppeals', () => {
  const list = (side: AppealList['side'], appeals: Appeal[], over: Partial<AppealList> = {}): AppealList => ({
    side,
    templates: TEMPLATES,
    target_minutes: 15,
    appeals,
    files: { f1: '/files/f1' },
    ...over,
  })
  const a = appeal({ id: 'a', queued_at: NOW - 20 * MINUTE, created_at: NOW - 20 * MINUTE })
  const b = appeal({ id: 'b', queued_at: NOW - 10 * MINUTE, created_at: NOW - 10 * MINUTE })

  it('puts a changed appeal in its place and keeps the templates a desk answer lacks', () => {
    const taken = { ...a, status: 'in_review' as const, version: 1 }
    const merged = mergeAppeals(list('platform', [a, b]), list('platform', [taken], { templates: [], files: {} }))
    expect(merged.appeals.map((x) => [x.id, x.status])).toEqual([
      ['a', 'in_review'],
      ['b', 'pending'],
    ])
    expect(merged.templates).toBe(TEMPLATES)
    expect(merged.files).toEqual({ f1: '/files/f1' })
  })

  it('queues a reopened appeal anew on the desk: oldest queued first', () => {
    const reopened = { ...a, queued_at: NOW, reopened_with: '新证据', files: [{ attachment_id: 'f2', at: NOW }] }
    const merged = mergeAppeals(list('platform', [a, b]), list('platform', [reopened], { files: { f2: '/files/f2' } }))
    expect(merged.appeals.map((x) => x.id)).toEqual(['b', 'a'])
    expect(merged.files).toEqual({ f1: '/files/f1', f2: '/files/f2' })
  })

  it('adds a filer’s new appeal first', () => {
    const c = appeal({ id: 'c', created_at: NOW, queued_at: NOW })
    expect(mergeAppeals(list('shop', [b, a]), list('shop', [c])).appeals.map((x) => x.id)).toEqual(['c', 'b', 'a'])
  })
})

describe('appealQuery', () => {
  it('reads an id, and nothing else', () => {
    expect(appealQuery({ appeal: ID })).toBe(ID)
    expect(appealQuery({ appeal: [ID, 'x'] })).toBe(ID)
    expect(appealQuery({ appeal: 'x' })).toBeNull()
    expect(appealQuery({})).toBeNull()
  })
})

describe('issue #20: the transcript', () => {
  it('is saved under the name the server gives', () => {
    expect(transcriptFileName('attachment; filename="kefu-transcript-abc.html"')).toBe('kefu-transcript-abc.html')
    expect(transcriptFileName('attachment; filename=kefu.html')).toBe('kefu.html')
    expect(transcriptFileName("attachment; filename=\"x.html\"; filename*=UTF-8''%E8%81%8A%E5%A4%A9.html")).toBe('聊天.html')
    expect(transcriptFileName(null)).toBe(TRANSCRIPT_FILE_NAME)
    expect(transcriptFileName('attachment')).toBe('kefu-transcript.html')
    expect(transcriptFileName('attachment; filename="../etc/passwd"')).toBe('kefu-transcript.html')
  })

  it('says whether a file checked out', () => {
    expect(transcriptCheckText({ valid: true, conversation_id: ID })).toBe(`凭证有效 · 会话 ${ID}`)
    expect(transcriptCheckText({ valid: false, conversation_id: null })).toBe('凭证无效：文件被修改过或不是本平台导出的')
  })
})

describe('lists and texts', () => {
  it('name every kind, status and outcome in both languages', () => {
    expect(APPEAL_FILTERS).toEqual(['active', 'decided', 'all'])
    for (const messages of [zh, en]) {
      for (const k of APPEAL_KINDS) expect(messages.appeals.kinds[k]).toBeTruthy()
      for (const s of APPEAL_STATUSES) expect(messages.appeals.statuses[s]).toBeTruthy()
      for (const o of APPEAL_OUTCOMES) expect(messages.appeals.outcomes[o]).toBeTruthy()
      for (const f of APPEAL_FILTERS) expect(messages.appeals.filters[f] && messages.appeals.empty[f]).toBeTruthy()
    }
  })

  it('have the same keys in both languages', () => {
    const keys = (o: object, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]))
    expect(keys(en.appeals).sort()).toEqual(keys(zh.appeals).sort())
  })
})
