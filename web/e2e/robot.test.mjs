// The browser end-to-end story of BOT-1 … BOT-7: the tea shop's admin imports a small
// knowledge base of their own on the robot page (one line refused, with its reason), edits an
// entry, teaches the lexicon a synonym, and asks the test console three questions: one it
// answers, "转人工", which it hands over, and one read through the new synonym. With the robot
// first, a buyer on a phone is answered by the robot and then asks for a person; the agent
// sees the robot let go of the conversation, gets the robot's suggested reply for the buyer's
// next question, edits it in the composer or sends it as is. A second buyer asks something
// the robot is unsure of and taps one of the choices it offers as buttons (BOT-3); the admin
// reads the demo's multi-turn flows and has an edit without triggers refused (BOT-4); a member
// returns an order through the return flow by tapping and uploading a photo. Last, the robot's
// figures show the day's questions and what it could not answer, and questions people answered
// for it become proposals, one approved into the knowledge base (BOT-5). The demo shop may
// already have a knowledge base and lexicons of its own: these entries' questions are ones it
// does not cover.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const SHOP_NAME = '山野茶铺'
const ADMIN = 'tea-admin'
const PRE1 = { username: 'tea-pre1', name: '售前·小雨' }
/** Six entries on things the demo's own knowledge base does not cover, and on line 7 a
 *  product entry bound to no product, which is refused. */
const KB = [
  { id: 'e2e-tea-class', question: '茶艺课怎么报名', similar: ['有茶艺培训吗', '想学泡茶去哪报名', '茶艺体验课多少钱', '周末有茶艺课吗', '茶艺课在哪里上', '可以预约茶艺课吗'], answer: '茶艺体验课每周六下午在杭州门店开课，每人98元～' },
  { id: 'e2e-tin-recycle', question: '空茶叶罐可以回收吗', similar: ['旧茶罐怎么处理', '铁罐能寄回来吗', '茶罐回收有积分吗', '空罐子你们收吗'], answer: '空茶叶罐可寄回杭州门店回收，每个罐子返20积分。' },
  { id: 'e2e-caffeine', question: '喝茶会影响睡眠吗', similar: ['晚上喝茶睡不着', '哪种茶咖啡因少', '茶叶咖啡因高吗', '睡前能喝茶吗'], answer: '绿茶咖啡因较多，睡前建议选熟普或白茶，并少量饮用。' },
  { id: 'e2e-subscribe', question: '有每月订茶服务吗', similar: ['可以包月送茶吗', '定期配送茶叶', '茶叶订阅怎么开通', '每个月寄一次茶'], answer: '开通「月月鲜」订阅，每月10号寄出当季茶样4款。' },
  { id: 'e2e-water', question: '泡茶用什么水好', similar: ['自来水能泡茶吗', '纯净水还是矿泉水泡茶', '山泉水泡茶更好吗', '泡茶对水有要求吗'], answer: '建议用纯净水或低矿化度的山泉水，自来水烧开后放凉片刻再用。' },
  { id: 'e2e-tea-pet', question: '有没有茶宠卖', similar: ['茶宠是什么', '店里卖茶宠吗', '有招财的茶宠吗', '茶宠怎么养'], answer: '茶宠在「茶具」分类里，紫砂小金蟾和貔貅都有现货。' },
  { id: 'e2e-unbound', question: '这款壶多大', similar: [], answer: '200毫升', tier: 'product' },
]
  .map((e) => JSON.stringify({ tier: 'general', skus: [], ...e }))
  .join('\n')
const BAD_LINE = 7
/** A chat export (issue #16): two buyers ask about tins in their own words and an agent
 *  answers with the entry's answer (once word for word, once with a greeting); a third
 *  question gets an answer in the agent's own words. */
const CHAT_LOG = [
  '会话ID,发送方,内容,时间',
  'c-101,买家,在吗,2026-03-01 10:00:00',
  'c-101,买家,喝完的罐子寄给你们有啥好处吗,2026-03-01 10:00:05',
  'c-101,客服,空茶叶罐可寄回杭州门店回收，每个罐子返20积分。,2026-03-01 10:00:40',
  'c-102,买家,铁皮罐子扔了可惜 你们回收不,2026-03-02 09:00:00',
  'c-102,客服,亲～空茶叶罐可寄回杭州门店回收，每个罐子返20积分哦,2026-03-02 09:00:30',
  'c-102,买家,能便宜点吗,2026-03-02 09:01:00',
  'c-102,客服,已经是活动价啦,2026-03-02 09:01:20',
].join('\n')
/** The edit: a similar question more, and the answer with the class's time. */
const EDITED = {
  id: 'e2e-tea-class',
  similar: '茶艺课几点开始',
  answer: '茶艺体验课每周六下午两点在杭州门店开课，每人98元，在店铺首页「茶艺课」预约即可～',
}
/** An entry made in the dialog with everything it offers beyond text. */
const CARD_ENTRY = {
  id: 'e2e-lj-gift',
  question: '龙井礼盒有现货吗',
  similar: ['龙井礼盒还有吗', '送人的龙井礼盒能买吗'],
  answer: '龙井礼盒有现货，下单当天发出，可代写贺卡～',
  buttons: ['怎么写贺卡', '能开发票吗'],
}
const SYNONYM = ['茶艺课', '茶道课', '茶艺培训']
const ROBOT_HANDOFF = '正在为您转接人工客服'
/** A question nobody's knowledge base answers: handed over as unknown. */
const UNKNOWN = '能教我做红烧肉吗'
/** The console's pages need room for the candidates. */
const TALL = { ...DESKTOP, viewport: { width: 1440, height: 1200 } }
/** Short questions that match several entries of the demo's knowledge base; the first the
 *  robot would clarify is asked (the test console tells). */
const AMBIGUOUS = ['运费', '退款', '发货', '快递', '保修', '发票', '优惠券', '积分', '尺码', '包装']
/** What the flow editor's refused edit is told: the server's message names the triggers. */
const NO_TRIGGERS = /triggers|触发/
const NEW_TRIGGER = '东西想退回去怎么弄'
/** Questions no knowledge base covers, asked by three visitors and answered by people: the
 *  first set the robot does not answer is used. */
const MISSED_SETS = [
  { asked: ['你们招聘兼职客服吗', '你们招聘兼职客服吗', '店里招不招兼职客服'], answer: '目前在招杭州门店的兼职茶艺师，简历可发到 hr@shanye-tea.example，注明“兼职”。' },
  { asked: ['可以来你们茶园参观吗', '可以来你们茶园参观吗', '茶园能去参观吗'], answer: '每年4月开放龙井茶园参观，提前三天在店铺首页预约即可～' },
  { asked: ['能教我做红烧肉吗', '能教我做红烧肉吗', '红烧肉怎么做'], answer: '这个我们不太懂哦，我们是卖茶的，推荐您搭配一壶熟普解腻～' },
]
const LEARNED_ID = 'e2e-learned'
/** An after-sale request's number: `AS`, the day, six digits. */
const CASE_NO = /AS\d{10,}/

/** A small PNG (a green square), for the photo a flow asks for. */
function png(size = 48) {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3, Buffer.from([0x3a, 0xa8, 0x6b]))])
  const raw = Buffer.concat(Array.from({ length: size }, () => row))
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), data])))
    return Buffer.concat([len, Buffer.from(type), data, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** An anonymous visitor of the tea shop writes in; resolves to the stored message once the
 *  robot has answered it (handed the visitor over, or asked which question they mean). */
async function visitorWrites(text) {
  const session = await (
    await fetch(`${demo.baseUrl}/api/v1/buyer/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ shop: SHOP }),
    })
  ).json()
  const sent = await fetch(`${demo.baseUrl}/api/v1/buyer/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.buyer_token}` },
    body: JSON.stringify({ client_msg_id: randomUUID(), kind: 'text', body: text, attachment_id: null }),
  })
  const answer = await sent.text()
  assert.ok(sent.ok, answer)
  const stored = JSON.parse(answer)
  await until(async () => {
    const res = await fetch(`${demo.baseUrl}/api/v1/buyer/messages`, { headers: { Authorization: `Bearer ${session.buyer_token}` } })
    const body = await res.json()
    const messages = Array.isArray(body) ? body : body.messages
    return messages.some((m) => m.sender_kind === 'bot' && m.seq > stored.seq)
  }, `the robot’s answer to “${text}”`)
  return stored
}

let demo
let browser
const pageErrors = []

before(async () => {
  demo = await startDemo()
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await demo?.stop()
  }
})

test('the robot: knowledge base, lexicon, test console, serving a buyer, suggestions, figures', { timeout: 300_000 }, async (t) => {
  const contexts = {
    admin: await browser.newContext(TALL),
    pre1: await browser.newContext(DESKTOP),
    buyer: await browser.newContext(PHONE),
    asker: await browser.newContext(PHONE),
    wang: await browser.newContext(PHONE),
  }
  const pages = {}
  for (const [who, context] of Object.entries(contexts)) {
    pages[who] = await context.newPage()
    watchPage(pages[who], who, pageErrors)
  }
  const { admin, pre1, buyer, asker, wang } = pages
  const step = stepper(t, pages, demo)
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'kefu-e2e-kb-'))

  /** The admin's API session, for reading what the server holds. */
  let call
  const json = async (method, p, body) => {
    const res = await call(method, p, body)
    const text = await res.text()
    assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  const entry = async (id) => (await json('GET', `/robot/entries?q=${encodeURIComponent(id)}`)).entries.find((e) => e.id === id)
  /** A loaded picture's width in pixels (0 until it has loaded). */
  const naturalWidth = (img) => img.evaluate((el) => (el.complete ? el.naturalWidth : 0))
  const message = (page, sender, text) => page.locator(`[data-testid="message"][data-sender="${sender}"]`, { hasText: text })
  let conversationId = ''
  const row = (page) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`)

  async function buyerWrites(text, page = buyer) {
    const input = page.getByTestId('composer-input')
    await input.fill(text)
    await input.press('Enter')
    await message(page, 'buyer', text)
      .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
      .last()
      .waitFor(WAIT)
  }

  /** The seqs of the messages on a page from one side. */
  const seqsOf = (page, sender) =>
    page.locator(`[data-testid="message"][data-sender="${sender}"]:not([data-seq=""])`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))))

  /** The robot's newest message once it has answered past `afterSeq` (and said all it will). */
  async function robotAnswers(page, afterSeq) {
    let seq = await until(async () => Math.max(0, ...(await seqsOf(page, 'bot')).filter((x) => x > afterSeq)), 'the robot’s answer')
    // It may say two things in a row (an answer, then the question it goes on with).
    for (;;) {
      await new Promise((r) => setTimeout(r, 400))
      const newest = Math.max(...(await seqsOf(page, 'bot')))
      if (newest === seq) break
      seq = newest
    }
    return page.locator(`[data-testid="message"][data-sender="bot"][data-seq="${seq}"]`)
  }

  /** The seq of the buyer's next stored message past `afterSeq`. */
  const buyerSent = (page, afterSeq) =>
    until(async () => {
      const s = Math.max(0, ...(await seqsOf(page, 'buyer')))
      return s > afterSeq ? s : 0
    }, 'the buyer’s message stored')

  /** A message's own text (a buttons message's, without its buttons' labels). */
  const textOf = async (said) => ((await said.getByTestId('message-body').locator('.text').first().textContent()) ?? '').trim()

  async function openTab(tab) {
    await admin.getByTestId(`robot-tab-${tab}`).click()
    await admin.locator(`[data-tab="${tab}"]`).waitFor(WAIT)
  }

  /** Asks the test console; resolves to its result card once it shows this question. */
  async function ask(text) {
    await admin.getByTestId('console-text').fill(text)
    await admin.getByTestId('console-ask').click()
    const result = admin.getByTestId('console-result').filter({ hasText: `“${text}”` })
    await result.waitFor(WAIT)
    return result
  }

  try {
    await step('the admin imports a small knowledge base on the robot page, one line refused with its reason', async () => {
      call = await apiSession(demo.baseUrl, ADMIN)
      await signIn(admin, demo.baseUrl, ADMIN)
      // The robot page is in the top bar of those who manage the knowledge base.
      await admin.getByTestId('robot-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/robot', WAIT)
      await admin.locator('[data-testid="kb"]').waitFor(WAIT)

      await admin.getByTestId('kb-import-toggle').click()
      const form = admin.getByTestId('kb-import')
      await form.waitFor(WAIT)
      const file = path.join(tmpDir, 'tea-kb.jsonl')
      await writeFile(file, KB)
      await form.getByTestId('import-file').setInputFiles(file)
      await form.getByTestId('import-file-name').filter({ hasText: 'tea-kb.jsonl' }).waitFor(WAIT)
      await form.getByTestId('import-submit').click()

      const report = form.locator('[data-testid="import-report"][data-kind="kb"]')
      await report.waitFor({ timeout: 60_000 })
      assert.equal((await report.getByTestId('import-accepted').textContent())?.trim(), '6')
      assert.equal((await report.getByTestId('import-rejected').textContent())?.trim(), '1')
      const bad = report.locator(`[data-testid="rejection-row"][data-line="${BAD_LINE}"]`)
      assert.equal(await bad.getAttribute('data-code'), 'product_entry_unbound')
      await bad.getByText('商品问答须绑定至少一个 SKU 或类目').waitFor(WAIT)

      // The list has them (searched by the ids' common part), each with its similar questions.
      await admin.getByTestId('kb-search').fill('e2e-')
      await admin.locator('[data-testid="kb"][data-total="6"]').waitFor(WAIT)
      const rows = admin.getByTestId('kb-row')
      await until(async () => (await rows.count()) === 6, 'the six imported entries listed')
      assert.equal(await admin.locator('[data-testid="kb-row"][data-id^="e2e-"]').count(), 6)
      await admin.locator('[data-testid="kb-row"][data-id="e2e-tea-class"] [data-testid="kb-similar-count"][data-count="6"]').waitFor(WAIT)
      assert.ok(await entry('e2e-tea-class'), 'stored')
      assert.equal(await entry('e2e-unbound'), undefined, 'the refused line changed nothing')
      await report.scrollIntoViewIfNeeded()
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-kb-import.png') })
    })

    await step('the admin imports a chat log: buyers\' real questions join the entries agents answered them with', async () => {
      const form = admin.getByTestId('kb-import')
      await form.locator('[data-testid="import-kind"] label[data-kind="kb_questions"]').click()
      await form.locator('[data-testid="import-kind"][data-kind="kb_questions"]').waitFor(WAIT)
      const file = path.join(tmpDir, 'chat-log.csv')
      await writeFile(file, CHAT_LOG)
      await form.getByTestId('import-file').setInputFiles(file)
      await form.getByTestId('import-file-name').filter({ hasText: 'chat-log.csv' }).waitFor(WAIT)
      await form.getByTestId('import-submit').click()

      const report = form.locator('[data-testid="import-report"][data-kind="kb_questions"]')
      await report.waitFor({ timeout: 60_000 })
      const questions = report.getByTestId('import-questions')
      assert.equal(await questions.getAttribute('data-added'), '2')
      // One reply in the agent's own words labels nothing; the entry that learnt is listed.
      await questions.locator('[data-why="unmatched"]').filter({ hasText: '1' }).waitFor(WAIT)
      await report.locator('[data-testid="import-gains"] [data-entry="e2e-tin-recycle"]').filter({ hasText: '+2' }).waitFor(WAIT)
      const learnt = await until(async () => {
        const e = await entry('e2e-tin-recycle')
        return e?.similar.includes('喝完的罐子寄给你们有啥好处吗') && e
      }, 'the questions stored')
      assert.equal(learnt.similar.length, 6)
      await admin.locator('[data-testid="kb-row"][data-id="e2e-tin-recycle"] [data-testid="kb-similar-count"][data-count="6"]').waitFor(WAIT)
      await report.scrollIntoViewIfNeeded()
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-kb-chat-log.png') })
    })

    await step('the admin edits an entry: a similar question more and a new answer', async () => {
      await admin.locator('[data-testid="kb-row"][data-id="e2e-tea-class"]').getByTestId('kb-edit').click()
      const dialog = admin.locator('[data-testid="kb-form"][data-id="e2e-tea-class"]')
      await dialog.waitFor(WAIT)
      assert.equal(await dialog.getByTestId('kb-form-id').isDisabled(), true, 'an id stays as it is')
      await dialog.getByTestId('kb-form-similar-add').click()
      const inputs = dialog.getByTestId('kb-form-similar-input')
      await until(async () => (await inputs.count()) === 7, 'a seventh similar question row')
      // The new row has the focus.
      await admin.keyboard.type(EDITED.similar)
      assert.equal(await inputs.nth(6).inputValue(), EDITED.similar)
      await dialog.getByTestId('kb-form-answer').fill(EDITED.answer)
      // A picture for the answer: uploaded in the dialog, shown there before it is saved.
      const picture = path.join(tmpDir, 'tea-class.png')
      await writeFile(picture, png(96))
      await dialog.getByTestId('kb-form-image-file').setInputFiles(picture)
      await dialog.locator('[data-testid="kb-form-image"] img').waitFor(WAIT)
      await until(async () => naturalWidth(dialog.locator('[data-testid="kb-form-image"] img')), 'the picture previewed')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-kb-edit.png') })
      await dialog.getByTestId('kb-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })

      const saved = await until(async () => {
        const e = await entry(EDITED.id)
        return e?.similar.includes(EDITED.similar) && e
      }, 'the edit stored')
      assert.equal(saved.answer.text, EDITED.answer)
      assert.match(saved.answer.image ?? '', /^[0-9a-f-]{36}$/, 'the picture named by its upload')
      assert.equal(saved.similar.length, 7)
      const listed = admin.locator(`[data-testid="kb-row"][data-id="${EDITED.id}"]`)
      await listed.locator('[data-testid="kb-similar-count"][data-count="7"]').waitFor(WAIT)
      await listed.getByTestId('kb-answer').filter({ hasText: '下午两点' }).waitFor(WAIT)
      // The list as it stands, the import form put away.
      await admin.getByTestId('kb-import-toggle').click()
      await admin.getByTestId('kb-import').waitFor({ state: 'detached', ...WAIT })
      await admin.locator('.el-message').waitFor({ state: 'detached', ...WAIT })
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-kb.png') })
    })

    await step('the admin makes an entry with a product card and reply buttons, given only on the web in office hours', async () => {
      await admin.getByTestId('kb-create').click()
      const dialog = admin.locator('[data-testid="kb-form"][data-id=""]')
      await dialog.waitFor(WAIT)
      await dialog.getByTestId('kb-form-id').fill(CARD_ENTRY.id)
      await dialog.getByTestId('kb-form-question').fill(CARD_ENTRY.question)
      const similar = dialog.getByTestId('kb-form-similar-input')
      await similar.first().fill(CARD_ENTRY.similar[0])
      await similar.first().press('Enter')
      await admin.keyboard.type(CARD_ENTRY.similar[1])
      await dialog.getByTestId('kb-form-answer').fill(CARD_ENTRY.answer)
      await dialog.getByTestId('kb-form-more').click()
      const options = dialog.getByTestId('kb-form-options')
      await options.waitFor(WAIT)
      // The card: a product of the catalogue, found by typing part of its name.
      await options.getByTestId('kb-form-product').click()
      await admin.keyboard.type('龙井')
      const offered = admin.locator('.el-select-dropdown__item[data-code]:visible').filter({ hasText: '龙井' }).first()
      await offered.waitFor(WAIT)
      const code = await offered.getAttribute('data-code')
      await offered.click()
      const buttons = options.getByTestId('kb-form-buttons')
      for (const label of CARD_ENTRY.buttons) {
        await buttons.fill(label)
        await buttons.press('Enter')
      }
      await options.locator('[data-testid="kb-form-channels"] [data-value="web"]').click()
      await options.locator('[data-testid="kb-form-office-hours"] [data-value="in"]').click()
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-kb-options.png') })
      await dialog.getByTestId('kb-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })

      const saved = await until(() => entry(CARD_ENTRY.id), 'the entry stored')
      assert.equal(saved.answer.text, CARD_ENTRY.answer)
      assert.equal(saved.answer.product_code, code)
      assert.deepEqual(saved.answer.buttons, CARD_ENTRY.buttons)
      assert.deepEqual(saved.similar, CARD_ENTRY.similar)
      assert.deepEqual(saved.conditions, { channels: ['web'], office_hours: true })
      // Opened again, the dialog shows what was saved, the options open.
      await admin.locator(`[data-testid="kb-row"][data-id="${CARD_ENTRY.id}"]`).getByTestId('kb-edit').click()
      const again = admin.locator(`[data-testid="kb-form"][data-id="${CARD_ENTRY.id}"]`)
      await again.getByTestId('kb-form-options').waitFor(WAIT)
      await again.locator('[data-testid="kb-form-office-hours"][data-value="in"]').waitFor(WAIT)
      await again.getByTestId('kb-form-options').filter({ hasText: CARD_ENTRY.buttons[0] }).waitFor(WAIT)
      await admin.keyboard.press('Escape')
      await again.waitFor({ state: 'hidden', ...WAIT })
    })

    await step('the admin teaches the lexicon a synonym group', async () => {
      await openTab('settings')
      const lexicon = admin.getByTestId('lexicon')
      await lexicon.waitFor(WAIT)
      await lexicon.getByTestId('lexicon-synonym-add').click()
      // The new group comes first, its input focused.
      for (const word of SYNONYM) {
        await admin.keyboard.type(word)
        await admin.keyboard.press('Enter')
      }
      await lexicon.locator(`[data-testid="lexicon-synonym-group"][data-words="${SYNONYM.join(',')}"]`).waitFor(WAIT)
      await admin.locator('[data-testid="lexicon"][data-dirty="true"]').waitFor(WAIT)
      await lexicon.getByTestId('lexicon-save').click()
      const settings = await until(async () => {
        const s = await json('GET', '/robot/settings')
        return (s.lexicon.synonyms ?? []).some((g) => g.join(',') === SYNONYM.join(',')) && s
      }, 'the synonym group saved')
      assert.ok(settings.kb_version > 0)
      // Issue #16: the sensitive matters come preset and are saved as the shop's own list.
      await lexicon.getByTestId('lexicon-sensitive').filter({ hasText: '盗刷' }).waitFor(WAIT)
      await lexicon.getByTestId('lexicon-sensitive').screenshot({ path: path.join(outputDir, 'robot-sensitive.png') })
      assert.ok(settings.lexicon.sensitive.includes('盗刷'), 'the preset list is saved with the rest')
      await lexicon.getByTestId('lexicon-unsaved').waitFor({ state: 'detached', ...WAIT })
      await admin.locator('.el-message').waitFor({ state: 'detached', ...WAIT })
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-settings.png') })
    })

    await step('the admin measures the robot on its knowledge base and picks an answer threshold on the curve', async () => {
      // Issue #16 (BOT-6): the calibration curve, measured by cross-validation on the shop's own
      // knowledge base; a stricter point is picked with the slider and saved, then the default
      // comes back.
      const card = admin.getByTestId('robot-calibration')
      await card.waitFor(WAIT)
      await card.getByTestId('robot-calibration-measure').click()
      await card.getByTestId('robot-calibration-chart').waitFor({ timeout: 60_000 })
      const expected = card.getByTestId('robot-calibration-expected')
      const before = await expected.getAttribute('data-threshold')
      const handle = card.locator('[data-testid="robot-threshold-slider"] .el-slider__button-wrapper')
      await handle.focus()
      for (let i = 0; i < 20; i++) await admin.keyboard.press('ArrowRight')
      await until(async () => (await expected.getAttribute('data-threshold')) !== before, 'the slider picks a point')
      const picked = Number(await expected.getAttribute('data-threshold'))
      assert.ok(picked > Number(before), `${picked} above ${before}`)
      assert.match(await expected.textContent(), /%/)
      await settle(admin)
      await card.screenshot({ path: path.join(outputDir, 'robot-calibration.png') })
      await card.getByTestId('robot-threshold-save').click()
      await until(async () => {
        const s = await json('GET', '/robot/settings')
        return s.answer_threshold !== null && Math.abs(s.answer_threshold - picked) < 1e-4
      }, 'the threshold saved')
      await card.locator('[data-testid="robot-threshold-saved"]').filter({ hasText: picked.toFixed(2) }).waitFor(WAIT)
      await card.getByTestId('robot-threshold-reset').click()
      await until(async () => (await json('GET', '/robot/settings')).answer_threshold === null, 'back to the default')
      await admin.locator('.el-message').first().waitFor({ state: 'detached', ...WAIT })
    })

    await step('the test console answers, hands over “转人工”, and shows the synonym at work', async () => {
      await openTab('console')
      let result = await ask('茶艺课在哪里报名呀')
      assert.equal(await result.getAttribute('data-action'), 'answer')
      assert.equal(await result.getAttribute('data-top'), EDITED.id)
      await result.getByTestId('console-answer').filter({ hasText: EDITED.answer }).waitFor(WAIT)
      await result.locator(`[data-testid="console-candidate"][data-id="${EDITED.id}"]`).first().waitFor(WAIT)
      assert.ok(Number(await result.getByTestId('console-confidence').textContent()) >= 0.25, 'confident enough to answer')

      result = await ask('转人工')
      assert.equal(await result.getAttribute('data-action'), 'handoff')
      assert.equal(await result.getAttribute('data-reason'), 'asked_for_human')
      await result.getByTestId('console-reason').filter({ hasText: '买家要求人工' }).waitFor(WAIT)

      result = await ask('茶道课怎么报名')
      assert.equal(await result.getAttribute('data-action'), 'answer')
      assert.equal(await result.getAttribute('data-top'), EDITED.id)
      await result.locator('[data-testid="console-fired-rule"][data-rule="茶道课 → 茶艺课"]').waitFor(WAIT)
      await result.getByTestId('console-words').filter({ hasText: '茶艺课' }).waitFor(WAIT)

      // The session's questions stay at hand; one click asks again.
      const history = admin.getByTestId('console-history-item')
      assert.equal(await history.count(), 3)
      assert.deepEqual(await history.evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))), ['answer', 'handoff', 'answer'])
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-console.png') })

      // Issue #16: account security goes to a person however sure the robot is.
      const stolen = await ask('我的卡被盗刷了')
      assert.equal(await stolen.getAttribute('data-action'), 'handoff')
      assert.equal(await stolen.getAttribute('data-reason'), 'sensitive')
      await stolen.getByTestId('console-reason').filter({ hasText: '涉及账号安全或资金争议' }).waitFor(WAIT)
    })

    await step('with the robot first, it answers a buyer on a phone', async () => {
      await openTab('settings')
      const settings = admin.getByTestId('robot-settings')
      await settings.locator('[data-testid="robot-mode-option"][data-mode="robot_first"]').click()
      await settings.locator('[data-testid="robot-mode"][data-mode="robot_first"]').waitFor(WAIT)
      await settings.getByTestId('robot-mode-save').click()
      await admin.locator('[data-testid="robot-mode-badge"][data-mode="robot_first"]').waitFor(WAIT)
      assert.equal((await json('GET', '/robot/settings')).mode, 'robot_first')

      // An agent at the desk, to watch the conversation.
      await signIn(pre1, demo.baseUrl, PRE1.username)
      // Served by the robot, nobody's yet: 待接入 lists it.
      await showTab(pre1, 'waiting')

      await buyer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await buyer.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      await buyerWrites('周末有茶艺课吗')
      const reply = message(buyer, 'bot', EDITED.answer)
      await reply.waitFor(WAIT)
      await reply.getByTestId('robot-avatar').waitFor(WAIT)
      await reply.getByTestId('robot-label').waitFor(WAIT)
      // The answer's picture follows the text, and loads.
      const seq = Number(await reply.getAttribute('data-seq'))
      const picture = buyer.locator(`[data-testid="message"][data-sender="bot"][data-seq="${seq + 1}"] img`)
      await picture.waitFor(WAIT)
      await until(async () => naturalWidth(picture), 'the answer picture loaded')

      // The agent sees it served by the robot.
      // Its last message is the answer's picture.
      const found = pre1.locator('[data-testid="conversation-item"][data-robot="true"]').filter({ hasText: '[图片]' })
      await found.first().waitFor(WAIT)
      conversationId = (await found.first().getAttribute('data-conversation-id')) ?? ''
      assert.ok(conversationId)
      await pre1.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"][data-robot="true"]`).waitFor(WAIT)
      await row(pre1).getByTestId('robot-badge').waitFor(WAIT)
      const summary = await json('GET', `/conversations/${conversationId}`)
      assert.equal(summary.robot_active, true)
      assert.equal(summary.assignee_id, null)

      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'robot-buyer.png') })
    })

    await step('“转人工”: the robot says it is passing the buyer on and lets go of the conversation', async () => {
      await buyerWrites('转人工')
      await message(buyer, 'bot', ROBOT_HANDOFF).waitFor(WAIT)
      await pre1.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"][data-robot="false"]`).waitFor(WAIT)
      assert.equal(await row(pre1).getByTestId('robot-badge').count(), 0)
      assert.equal((await json('GET', `/conversations/${conversationId}`)).robot_active, false)
      const { events } = await json('GET', `/conversations/${conversationId}/events`)
      const handoff = events.find((e) => e.kind === 'robot_handoff')
      assert.equal(handoff?.data?.reason, 'asked_for_human')
    })

    await step('the agent gets the robot’s suggestion for the buyer’s next question, edits it or sends it', async () => {
      await buyerWrites('茶道课在哪里上')
      await row(pre1).click()
      const pane = pre1.locator(`[data-testid="conversation-pane"][data-conversation-id="${conversationId}"]`)
      await pane.waitFor(WAIT)
      // The robot's messages stand on the team's side, marked as the robot's.
      await pane.locator('[data-testid="message"][data-sender="bot"].mine').first().waitFor(WAIT)
      assert.equal(await pane.getByTestId('robot-badge').count(), 0, 'no longer the robot’s')
      await pre1.locator('[data-testid="event"][data-kind="robot_handoff"]').filter({ hasText: '买家要求人工' }).waitFor(WAIT)

      const suggestions = pre1.getByTestId('suggestions')
      const suggestion = suggestions.locator(`[data-testid="suggestion"][data-id="${EDITED.id}"]`)
      await suggestion.waitFor(WAIT)
      await suggestion.getByTestId('suggestion-answer').filter({ hasText: EDITED.answer }).waitFor(WAIT)

      // 编辑 puts it in the composer to change before sending.
      await suggestion.getByTestId('suggestion-edit').click()
      const composer = pane.getByTestId('composer-input')
      await until(async () => (await composer.inputValue()) === EDITED.answer, 'the suggestion in the composer')
      await settle(pre1)
      await pre1.screenshot({ path: path.join(outputDir, 'robot-suggestions.png') })
      await composer.fill('')

      // 发送 sends it as the agent's reply.
      await suggestion.getByTestId('suggestion-send').click()
      await message(buyer, 'agent', EDITED.answer).waitFor(WAIT)
      await suggestion.locator('[data-testid="suggestion-send"]:disabled').waitFor(WAIT)
      await message(pane, 'agent', EDITED.answer).locator('[data-testid="delivery-state"]').waitFor(WAIT)
    })

    await step('a buyer asks something the robot is unsure of, taps one of its choices and gets the answer; the buttons go grey', async () => {
      // The robot is still first. Which short question would it clarify?
      let question = ''
      for (const q of AMBIGUOUS) {
        const decision = await json('POST', '/robot/ask', { text: q })
        if (decision.action === 'clarify' && decision.choices.length >= 2) {
          question = q
          break
        }
      }
      assert.ok(question, `one of ${AMBIGUOUS.join(' ')} is clarified`)

      await asker.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await asker.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      await buyerWrites(question, asker)
      const asked = Math.max(...(await seqsOf(asker, 'buyer')))
      const said = await robotAnswers(asker, asked)
      const seq = await said.getAttribute('data-seq')
      const choices = (state) => asker.locator(`[data-testid="message"][data-seq="${seq}"] [data-testid="reply-buttons"][data-state="${state}"]`)
      await choices('live').waitFor(WAIT)
      const buttons = choices('live').getByTestId('reply-button')
      const count = await buttons.count()
      assert.ok(count >= 2 && count <= 3, `two or three choices (${count})`)
      await settle(asker)
      await asker.screenshot({ path: path.join(outputDir, 'robot-buttons-live.png') })

      // The first choice, tapped twice in a hurry: sent once, as ordinary text.
      const first = buttons.first()
      const reply = (await first.getAttribute('data-reply')) ?? ''
      assert.ok(reply)
      await first.dblclick()
      await message(asker, 'buyer', reply).locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]').waitFor(WAIT)
      // Greyed at once: a buyer message came after them.
      await choices('spent').waitFor(WAIT)
      assert.equal(await choices('spent').locator('[data-testid="reply-button"]:enabled').count(), 0, 'every button disabled')

      // The robot answers the choice as it would the question typed.
      const expected = await json('POST', '/robot/ask', { text: reply })
      assert.equal(expected.action, 'answer', `the choice “${reply}” is answered`)
      const tapped = await buyerSent(asker, Number(seq))
      const answer = await robotAnswers(asker, tapped)
      await answer.filter({ hasText: expected.answer.text.slice(0, 12) }).waitFor(WAIT)
      await new Promise((r) => setTimeout(r, 500))
      assert.equal(await message(asker, 'buyer', reply).count(), 1, 'the tap sent one message')

      // The agent sees the choices the buyer had, read-only.
      await showTab(pre1, 'waiting')
      const found = pre1.getByTestId('conversation-item').filter({ hasText: expected.answer.text.slice(0, 8) }).first()
      await found.waitFor(WAIT)
      const askerConversation = await found.getAttribute('data-conversation-id')
      await found.click()
      const pane = pre1.locator(`[data-testid="conversation-pane"][data-conversation-id="${askerConversation}"]`)
      const chips = pane.locator('[data-testid="reply-buttons"][data-state="view"]').last()
      await chips.waitFor(WAIT)
      assert.equal(await chips.locator('[data-testid="reply-button"]:enabled').count(), 0)
      await settle(pre1)
      await pre1.screenshot({ path: path.join(outputDir, 'robot-buttons-agent.png') })

      await settle(asker)
      await asker.screenshot({ path: path.join(outputDir, 'robot-buttons.png') })
    })

    let flows = []
    await step('the 多轮流程 tab lists the demo flows; an edit without triggers is refused with the reason, a good one saved', async () => {
      flows = await json('GET', '/robot/flows')
      flows = Array.isArray(flows) ? flows : flows.flows
      assert.ok(flows.some((f) => f.id === 'return'), 'the demo has a return flow')
      await openTab('flows')
      const list = admin.locator('[data-testid="robot-flows"][data-loaded="true"]')
      await list.waitFor(WAIT)
      await until(async () => (await admin.getByTestId('flow-row').count()) === flows.length, 'every flow listed')
      for (const f of flows) {
        const row = admin.locator(`[data-testid="flow-row"][data-id="${f.id}"]`)
        await row.getByTestId('flow-name').filter({ hasText: f.name }).waitFor(WAIT)
        assert.equal(await row.getByTestId('flow-trigger-count').getAttribute('data-count'), String(f.triggers.length))
        assert.equal(await row.getByTestId('flow-step-count').getAttribute('data-count'), String(f.steps.length))
      }
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-flows.png') })

      // Edit the return flow: no triggers at all is refused, with the server's reason.
      const before = flows.find((f) => f.id === 'return')
      await admin.locator('[data-testid="flow-row"][data-id="return"]').getByTestId('flow-edit').click()
      const dialog = admin.locator('[data-testid="flow-form"][data-id="return"]')
      await dialog.waitFor(WAIT)
      assert.equal(await dialog.getByTestId('flow-form-step').count(), before.steps.length)
      assert.equal(await dialog.getByTestId('flow-form-id').count(), 0, 'an id stays as it is')
      const triggers = dialog.getByTestId('flow-form-triggers')
      assert.equal(await triggers.inputValue(), before.triggers.join('\n'))
      await triggers.fill('')
      await dialog.getByTestId('flow-form-submit').click()
      const error = dialog.getByTestId('flow-form-error')
      await error.waitFor(WAIT)
      assert.equal(await error.getAttribute('data-code'), 'bad_flow')
      assert.match((await error.textContent()) ?? '', NO_TRIGGERS)
      // …and beside the triggers, which are marked.
      await dialog.getByTestId('flow-form-triggers').locator('xpath=ancestor::label[1]').getByTestId('flow-form-why').waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-flow-refused.png') })
      const unchanged = (await json('GET', '/robot/flows')).find?.((f) => f.id === 'return') ?? before
      assert.deepEqual(unchanged.triggers, before.triggers, 'nothing saved')

      // The triggers back, and one more: saved.
      await triggers.fill([...before.triggers, NEW_TRIGGER].join('\n'))
      await error.waitFor({ state: 'detached', ...WAIT })
      await dialog.getByTestId('flow-form-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      const saved = await until(async () => {
        const list = await json('GET', '/robot/flows')
        const f = (Array.isArray(list) ? list : list.flows).find((x) => x.id === 'return')
        return f?.triggers.includes(NEW_TRIGGER) && f
      }, 'the new trigger saved')
      assert.deepEqual(saved.steps, before.steps, 'the steps as they were')
      await admin.locator(`[data-testid="flow-row"][data-id="return"] [data-testid="flow-trigger-count"][data-count="${before.triggers.length + 1}"]`).waitFor(WAIT)
    })

    await step('the figures show the day’s questions and what the robot could not answer', async () => {
      // Another buyer asks something no knowledge base answers.
      const session = await (
        await fetch(`${demo.baseUrl}/api/v1/buyer/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ shop: SHOP }),
        })
      ).json()
      const sent = await fetch(`${demo.baseUrl}/api/v1/buyer/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.buyer_token}` },
        body: JSON.stringify({ client_msg_id: randomUUID(), kind: 'text', body: UNKNOWN, attachment_id: null }),
      })
      assert.ok(sent.ok, await sent.text())
      await until(async () => (await json('GET', '/robot/metrics?days=7')).top_unanswered.some(([text]) => text === UNKNOWN), 'the unknown question counted')

      await openTab('metrics')
      const metrics = admin.locator('[data-testid="robot-metrics"][data-loaded="true"]')
      await metrics.waitFor(WAIT)
      assert.ok(Number(await metrics.getByTestId('metrics-questions').textContent()) >= 3, 'the buyers’ questions counted')
      await metrics.getByTestId('metrics-unanswered-item').filter({ hasText: UNKNOWN }).waitFor(WAIT)
      await metrics.locator('[data-testid="metrics-chart"] canvas').first().waitFor(WAIT)
      await metrics.getByTestId('metrics-days-30').click()
      await admin.locator('[data-testid="robot-metrics"][data-days="30"] [data-testid="metrics-day"]').nth(29).waitFor(WAIT)
      await metrics.getByTestId('metrics-days-7').click()
      await admin.locator('[data-testid="robot-metrics"][data-days="7"]').waitFor(WAIT)
      await until(async () => (await admin.getByTestId('metrics-day').count()) === 7, 'a week of days')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-metrics.png') })
    })

    await step('questions people answered for the robot become proposals; one is approved into the knowledge base', async () => {
      const pre1Call = await apiSession(demo.baseUrl, PRE1.username)
      let missed = []
      let peopleAnswer = ''
      for (const set of MISSED_SETS) {
        const actions = await Promise.all(set.asked.map(async (text) => (await json('POST', '/robot/ask', { text })).action))
        if (actions.every((a) => a === 'handoff' || a === 'clarify')) {
          missed = set.asked
          peopleAnswer = set.answer
          break
        }
      }
      assert.ok(missed.length, 'a set of questions the robot does not answer')
      for (const text of missed) {
        const asked = await visitorWrites(text)
        const replied = await pre1Call('POST', `/conversations/${asked.conversation_id}/messages`, {
          client_msg_id: randomUUID(),
          kind: 'text',
          body: peopleAnswer,
          attachment_id: null,
        })
        assert.ok(replied.ok, await replied.text())
      }

      await openTab('review')
      const review = admin.locator('[data-testid="robot-review"][data-loaded="true"]')
      await review.waitFor(WAIT)
      await review.getByTestId('review-run').click()
      const ran = review.getByTestId('review-ran')
      await ran.waitFor(WAIT)
      assert.ok(Number(await ran.getAttribute('data-created')) >= 1, `proposals made: ${await ran.textContent()}`)
      const card = review.getByTestId('proposal').filter({ has: admin.getByTestId('proposal-example').filter({ hasText: missed[0] }) })
      await card.waitFor(WAIT)
      assert.equal(await card.getAttribute('data-status'), 'pending')
      assert.ok(Number(await card.getByTestId('proposal-count').getAttribute('data-count')) >= 2, 'asked more than once')
      await card.getByTestId('proposal-human-answer').filter({ hasText: peopleAnswer }).waitFor(WAIT)
      const kind = await card.getAttribute('data-kind')
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'robot-review.png') })

      // A new question gets an id and the answer as the shop would put it; a near miss adds
      // its phrasings to the entry it nearly was.
      let entryId = LEARNED_ID
      if (kind === 'new_entry') {
        await card.getByTestId('proposal-entry-id').fill(LEARNED_ID)
        await card.getByTestId('proposal-answer').fill(`${peopleAnswer}（以店铺公告为准）`)
      } else {
        const proposals = await json('GET', '/robot/proposals?status=pending')
        entryId = (Array.isArray(proposals) ? proposals : proposals.proposals).find((p) => p.examples.includes(missed[0])).entry_id
      }
      const id = await card.getAttribute('data-id')
      await card.getByTestId('proposal-approve').click()
      await admin.locator(`[data-testid="proposal"][data-id="${id}"]`).waitFor({ state: 'detached', ...WAIT })
      const approved = await json('GET', '/robot/proposals?status=approved')
      assert.ok((Array.isArray(approved) ? approved : approved.proposals).some((p) => p.id === id), 'listed as approved')

      // In the knowledge base, and the robot answers with it.
      await openTab('kb')
      await admin.getByTestId('kb-search').fill(missed[2])
      const row = admin.locator(`[data-testid="kb-row"][data-id="${entryId}"]`)
      await row.waitFor(WAIT)
      if (kind === 'new_entry') await row.getByTestId('kb-answer').filter({ hasText: peopleAnswer }).waitFor(WAIT)
      const learned = await json('POST', '/robot/ask', { text: missed[0] })
      assert.equal(learned.action, 'answer')
      assert.equal(learned.id, entryId)
    })

    await step('a signed-in member returns an order through the flow: an order, an item, a reason, a photo, confirmed', async () => {
      // The demo's member entry: a regular customer with several orders and no chat yet.
      const printed = new URL(await demo.printed(/member entry \([^)]*\): (\S+shanye-tea\S*)/))
      await wang.goto(new URL(printed.pathname + printed.search, demo.baseUrl).href)
      await wang.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      const photo = path.join(tmpDir, 'broken-tin.png')
      await writeFile(photo, png())

      await buyerWrites(NEW_TRIGGER, wang)
      let after = Math.max(...(await seqsOf(wang, 'buyer')))
      const taken = []
      let done = null
      for (let turn = 0; turn < 10 && !done; turn++) {
        const said = await robotAnswers(wang, after)
        const seq = Number(await said.getAttribute('data-seq'))
        const text = await textOf(said)
        const choices = said.locator('[data-testid="reply-buttons"][data-state="live"]')
        const replies = (await choices.count()) ? await choices.getByTestId('reply-button').evaluateAll((els) => els.map((e) => e.getAttribute('data-reply'))) : []
        const tap = async (reply) => {
          taken.push(reply)
          await choices.locator(`[data-testid="reply-button"][data-reply="${reply}"]`).click()
        }
        if (/照片|图片/.test(text) && !replies.includes('确认')) {
          // The photo: uploaded rather than skipped.
          taken.push('photo')
          await wang.getByTestId('picture-input').setInputFiles(photo)
        } else if (replies.includes('确认')) {
          await settle(wang)
          await wang.screenshot({ path: path.join(outputDir, 'robot-flow-confirm.png') })
          await tap('确认')
        } else if (replies.includes('跳过')) {
          await tap('跳过')
        } else if (replies.length) {
          // An order, an item, a reason: the first offered (a reason: 质量问题 if there is one).
          await tap(replies.find((r) => r === '质量问题') ?? replies[0])
        } else if (CASE_NO.test(text)) {
          done = text
          break
        } else {
          taken.push('text')
          await buyerWrites('茶叶罐收到时压扁了', wang)
        }
        after = await buyerSent(wang, seq)
      }
      assert.ok(done, `the flow finished (${taken.join(' → ')})`)
      assert.ok(taken.includes('确认'), 'confirmed')
      assert.ok(taken.includes('photo'), 'a photo uploaded')
      // The request the buyer was told about, with the photo.
      const caseNo = CASE_NO.exec(done)[0]
      // ESC-3: filed as a work order of the after-sales team, the photo on its first line.
      const { orders } = await json('GET', `/work-orders?status=all&q=${caseNo}`)
      const filed = orders.find((o) => o.number === caseNo)
      assert.ok(filed, `${caseNo} filed`)
      assert.equal(filed.kind, 'refund')
      assert.equal(filed.source, 'robot')
      const { events } = await json('GET', `/work-orders/${filed.id}`)
      assert.equal(events[0].data.after_sale_kind, 'return_refund')
      assert.ok(events[0].attachment_id, 'with the photo')
      // Every buttons message before is spent now.
      assert.equal(await wang.locator('[data-testid="reply-buttons"][data-state="live"]').count(), 0)
      await settle(wang)
      await wang.screenshot({ path: path.join(outputDir, 'robot-flow-chat.png') })
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    for (const context of Object.values(contexts)) await context.close()
    await rm(tmpDir, { recursive: true, force: true })
  }
})
