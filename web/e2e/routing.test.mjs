// The browser end-to-end story of WB-4, WB-7, WB-8 and CH-7: the tea shop's admin turns on
// automatic assignment and caps each pre-sales agent at one conversation; two agents come
// online and three buyers on phones ask pre-sales questions: two are assigned at once (the
// buyers read who serves them), the third waits in the queue with its place and the expected
// wait. An agent resolves, and the queued buyer is theirs; they hand it to their colleague with
// a note. With the team in grab mode, the colleague's break puts their conversations up for
// grabs and the first agent grabs one: exactly one owner. Last, the admin sets office hours
// (a bad set is refused with its reason), pre-sales counts its target in them, and a waiting
// buyer's timer stands still on a day the shop is closed.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const SHOP_NAME = '山野茶铺'
const ADMIN = 'tea-admin'
/** Both in the pre-sales team, where every new shop-home conversation goes. */
const PRE1 = { username: 'tea-pre1', name: '售前·小雨' }
const PRE2 = { username: 'tea-pre2', name: '售前·阿杰' }
const QUESTIONS = {
  a: '你好，明前龙井 250g 礼盒还有货吗？',
  b: '请问白茶饼适合送长辈吗？',
  c: '普洱熟茶怎么冲泡比较好？',
}
const TRANSFER_NOTE = '买家想买礼盒送人，麻烦阿杰推荐一下'

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

/** The ISO weekday (1 = Monday) it is now in Shanghai, the demo shop's zone. */
function shanghaiWeekday() {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', weekday: 'short' }).format(new Date())
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(name) + 1
}

test('two agents and three buyers: queue, assignment, transfer, grab and office hours', { timeout: 300_000 }, async (t) => {
  const contexts = {
    admin: await browser.newContext(DESKTOP),
    pre1: await browser.newContext(DESKTOP),
    pre2: await browser.newContext(DESKTOP),
    buyerA: await browser.newContext(PHONE),
    buyerB: await browser.newContext(PHONE),
    buyerC: await browser.newContext(PHONE),
  }
  const pages = {}
  for (const [who, context] of Object.entries(contexts)) {
    pages[who] = await context.newPage()
    watchPage(pages[who], who, pageErrors)
  }
  const { admin, pre1, pre2, buyerA, buyerB, buyerC } = pages
  const step = stepper(t, pages, demo)

  /** The admin's API session, for reading what the server holds. */
  let call
  /** Account ids by username. */
  const ids = {}
  /** Conversation ids by buyer. */
  const conversation = {}

  const conversationOf = async (id) => (await call('GET', `/conversations/${id}`)).json()
  /** An agent's list row for a conversation, maybe with a given assignee ('' for none). */
  const row = (page, id, assigneeId) =>
    page.locator(
      `[data-testid="conversation-item"][data-conversation-id="${id}"]` +
        (assigneeId === undefined ? '' : `[data-assignee-id="${assigneeId}"]`),
    )
  const message = (page, sender, text) => page.locator(`[data-testid="message"][data-sender="${sender}"]`, { hasText: text })

  async function buyerAsks(page, text) {
    await page.goto(`${demo.baseUrl}/chat/${SHOP}`)
    await page.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
    await buyerWrites(page, text)
  }

  async function buyerWrites(page, text) {
    const input = page.getByTestId('composer-input')
    await input.fill(text)
    await input.press('Enter')
    await message(page, 'buyer', text)
      .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
      .waitFor(WAIT)
  }

  /** The agent opens the conversation and answers; the buyer reads it. */
  async function agentReplies(agent, id, buyer, text) {
    await row(agent, id).click()
    await agent.getByTestId('composer-input').fill(text)
    await agent.getByTestId('send-button').click()
    await message(buyer, 'agent', text).waitFor(WAIT)
  }

  async function comesOnline(page, who) {
    await signIn(page, demo.baseUrl, who.username)
    await page.locator('[data-testid="status-select"][data-status="online"]').waitFor(WAIT)
    await showTab(page, 'open')
    await until(async () => {
      const { accounts } = await (await call('GET', '/accounts')).json()
      return accounts.find((a) => a.username === who.username)?.status === 'online'
    }, `${who.username} online`)
  }

  /** The conversation whose list row shows this buyer's question, as an agent sees it. */
  async function conversationAsking(page, question) {
    const found = page.getByTestId('conversation-item').filter({ hasText: question })
    await found.waitFor(WAIT)
    const id = await found.getAttribute('data-conversation-id')
    assert.ok(id, 'the list names its conversations')
    return id
  }

  async function editTeam(key, switchTestId) {
    await admin.goto(`${demo.baseUrl}/agent/team?tab=teams`)
    const team = admin.locator(`[data-testid="team-row"][data-key="${key}"]`)
    await team.getByTestId('team-edit').click()
    const form = admin.getByTestId('team-form')
    await form.locator(`[data-testid="${switchTestId}"][data-on="false"]`).waitFor(WAIT)
    await form.getByTestId(switchTestId).click()
    await form.locator(`[data-testid="${switchTestId}"][data-on="true"]`).waitFor(WAIT)
    await form.getByTestId('team-form-submit').click()
    await form.waitFor({ state: 'hidden', ...WAIT })
    return team
  }

  async function saveSettings() {
    const form = admin.getByTestId('shop-settings')
    await form.getByTestId('settings-save').click()
    return form
  }

  try {
    await step('the admin turns on automatic assignment, and caps each pre-sales agent at one conversation', async () => {
      call = await apiSession(demo.baseUrl, ADMIN)
      const { accounts } = await (await call('GET', '/accounts')).json()
      for (const a of accounts) ids[a.username] = a.id

      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.goto(`${demo.baseUrl}/agent/team?tab=settings`)
      const form = admin.getByTestId('shop-settings')
      await form.locator('[data-testid="settings-routing"][data-on="false"]').waitFor(WAIT)
      await form.getByTestId('settings-routing').click()
      await form.locator('[data-testid="settings-routing"][data-on="true"]').waitFor(WAIT)
      await saveSettings()
      await until(async () => (await (await call('GET', '/settings')).json()).routing_enabled, 'routing on')

      for (const who of [PRE1, PRE2]) {
        const res = await call('PATCH', `/accounts/${ids[who.username]}`, { max_concurrent: 1 })
        const body = await res.text()
        assert.equal(res.status, 200, body)
        assert.equal(JSON.parse(body).max_concurrent, 1)
      }
      // With the router on, conversations of agents who are offline go back (the demo's 王先生
      // was pre2's): both agents start with nothing of their own.
      await until(async () => {
        const { conversations } = await (await call('GET', '/conversations?status=open&limit=200')).json()
        return !conversations.some((c) => c.assignee_id === ids[PRE1.username] || c.assignee_id === ids[PRE2.username])
      }, 'the offline agents’ conversations to be taken back')
      // The router serves the demo's older waiting conversations too (those from before it was on
      // wait for the default team, pre-sales), oldest first: the admin parks them with the QA
      // team, where nobody picks them up in this story and waits count wall-clock time, so
      // pre-sales starts with an empty queue.
      const { conversations } = await (await call('GET', '/conversations?status=open&limit=200')).json()
      for (const c of conversations.filter((x) => !x.assignee_id)) {
        const res = await call('POST', `/conversations/${c.id}/transfer`, { to_team: 'qa' })
        assert.equal(res.status, 200, await res.text())
      }
    })

    await step('pre1 comes online, and the first buyer’s question goes straight to them', async () => {
      await comesOnline(pre1, PRE1)
      await buyerAsks(buyerA, QUESTIONS.a)
      conversation.a = await conversationAsking(pre1, QUESTIONS.a)
      await row(pre1, conversation.a, ids[PRE1.username]).waitFor(WAIT)
      await buyerA.getByTestId('queue-served').filter({ hasText: `${PRE1.name} 为您服务` }).waitFor(WAIT)
      assert.equal(await buyerA.getByTestId('queue-banner').count(), 0, 'no queue for a buyer already served')
      await agentReplies(pre1, conversation.a, buyerA, '有的亲，礼盒今天下单明天发货～')
    })

    await step('pre2 comes online and takes the second buyer, pre1 being at their cap', async () => {
      await comesOnline(pre2, PRE2)
      await buyerAsks(buyerB, QUESTIONS.b)
      conversation.b = await conversationAsking(pre2, QUESTIONS.b)
      await row(pre2, conversation.b, ids[PRE2.username]).waitFor(WAIT)
      await buyerB.getByTestId('queue-served').filter({ hasText: `${PRE2.name} 为您服务` }).waitFor(WAIT)
      // pre1's list shows it too, as pre2's.
      await row(pre1, conversation.b, ids[PRE2.username]).waitFor(WAIT)
      await agentReplies(pre2, conversation.b, buyerB, '很适合的，白茶饼耐存放，送长辈很体面')
    })

    await step('the third buyer waits in the queue, told their place and the expected wait', async () => {
      await buyerAsks(buyerC, QUESTIONS.c)
      const banner = buyerC.getByTestId('queue-banner')
      await banner.waitFor(WAIT)
      assert.match((await banner.textContent())?.trim() ?? '', /^排队中：前面还有 0 位，预计等待约 \d+ 分钟$/)
      assert.equal(await banner.getAttribute('data-position'), '1')
      assert.equal(await buyerC.getByTestId('queue-served').count(), 0)

      conversation.c = await conversationAsking(pre1, QUESTIONS.c)
      const waiting = await conversationOf(conversation.c)
      assert.equal(waiting.assignee_id, null, 'nobody has it yet')
      assert.equal(waiting.team, 'pre_sales')
      // Both agents see it unassigned, its wait timer running.
      for (const agent of [pre1, pre2]) {
        const queued = row(agent, conversation.c, '')
        await queued.waitFor(WAIT)
        await queued.getByTestId('wait-timer').waitFor(WAIT)
        assert.match((await queued.getByTestId('wait-timer').textContent()) ?? '', /^等待 \d+:\d\d$/)
      }
      await buyerC.screenshot({ path: path.join(outputDir, 'routing-buyer-queue.png') })
      await pre1.screenshot({ path: path.join(outputDir, 'routing-agent-pre1.png') })
      await pre2.screenshot({ path: path.join(outputDir, 'routing-agent-pre2.png') })
    })

    await step('the queued buyer is under 待接入 with its wait timer, and counted on the tab', async () => {
      for (const [agent, who] of [[pre1, PRE1], [pre2, PRE2]]) {
        await showTab(agent, 'waiting')
        const queued = row(agent, conversation.c, '')
        await queued.waitFor(WAIT)
        assert.match((await queued.getByTestId('wait-timer').textContent()) ?? '', /^等待 \d+:\d\d$/)
        // Nobody's conversations only: the agent's own, open in their pane, is not listed.
        const rows = agent.getByTestId('conversation-item')
        assert.equal(await agent.locator('[data-testid="conversation-item"]:not([data-assignee-id=""])').count(), 0)
        assert.equal(await agent.getByTestId('tab-waiting').getAttribute('data-count'), String(await rows.count()))
        // 我的 holds the one the router gave them, and not the queued one.
        await showTab(agent, 'mine')
        await row(agent, who === PRE1 ? conversation.a : conversation.b, ids[who.username]).waitFor(WAIT)
        assert.equal(await row(agent, conversation.c).count(), 0)
        assert.equal(await agent.getByTestId('tab-mine').getAttribute('data-count'), '1')
      }
      await pre1.screenshot({ path: path.join(outputDir, 'routing-waiting.png') })
      for (const agent of [pre1, pre2]) await showTab(agent, 'open')
    })

    await step('pre1 resolves their conversation, and the queued buyer is theirs at once', async () => {
      await row(pre1, conversation.a).click()
      await pre1.getByTestId('resolve-button').click()
      await pre1.locator('[data-testid="conversation-status"][data-status="resolved"]').waitFor(WAIT)
      await row(pre1, conversation.c, ids[PRE1.username]).waitFor(WAIT)
      await buyerC.getByTestId('queue-served').filter({ hasText: `${PRE1.name} 为您服务` }).waitFor(WAIT)
      await buyerC.getByTestId('queue-banner').waitFor({ state: 'detached', ...WAIT })
      // Answered at once: a buyer left waiting past twice the target (60 s) is taken back.
      await agentReplies(pre1, conversation.c, buyerC, '熟茶建议用 100℃ 的沸水，先洗茶一次再泡')
    })

    await step('assigned, the buyer leaves 待接入 for 我的 of pre1, and not of pre2', async () => {
      await showTab(pre1, 'mine')
      await row(pre1, conversation.c, ids[PRE1.username]).waitFor(WAIT)
      await showTab(pre1, 'waiting')
      await row(pre1, conversation.c).waitFor({ state: 'detached', ...WAIT })
      await showTab(pre2, 'waiting')
      await row(pre2, conversation.c).waitFor({ state: 'detached', ...WAIT })
      await showTab(pre2, 'mine')
      await row(pre2, conversation.b, ids[PRE2.username]).waitFor(WAIT)
      assert.equal(await row(pre2, conversation.c).count(), 0)
      for (const agent of [pre1, pre2]) await showTab(agent, 'open')
      // The conversation pre1 answers is still in view, in their own pane.
      await pre1.locator(`[data-testid="conversation-pane"][data-conversation-id="${conversation.c}"]`).waitFor(WAIT)
    })

    await step('pre1 hands the conversation to pre2 with a note, and pre2 finds it with the note', async () => {
      await pre1.getByTestId('transfer-button').click()
      const dialog = pre1.getByTestId('transfer-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator(`[data-testid="transfer-user"][data-username="${PRE2.username}"]`).click()
      await dialog.getByTestId('transfer-note').fill(TRANSFER_NOTE)
      await dialog.getByTestId('transfer-submit').click()
      await pre1.locator('.el-message').filter({ hasText: '已转交' }).waitFor(WAIT)
      await row(pre1, conversation.c, ids[PRE2.username]).waitFor(WAIT)

      const moved = row(pre2, conversation.c, ids[PRE2.username])
      await moved.waitFor(WAIT)
      await moved.click()
      await pre2.getByTestId('note-item-internal').filter({ hasText: `转交：${TRANSFER_NOTE}` }).waitFor(WAIT)
      await pre2.locator('[data-testid="event"][data-kind="transferred"]').waitFor(WAIT)
      await buyerC.getByTestId('queue-served').filter({ hasText: `${PRE2.name} 为您服务` }).waitFor(WAIT)
      // A hand-off by name is not the router's to refuse: pre2 now holds two, past their cap.
      const { conversations } = await (await call('GET', '/conversations?status=open&limit=200')).json()
      const held = conversations.filter((c) => c.assignee_id === ids[PRE2.username]).map((c) => c.id).sort()
      assert.deepEqual(held, [conversation.b, conversation.c].sort())
    })

    await step('with pre-sales in grab mode, pre2’s break puts their conversations up for grabs', async () => {
      const team = await editTeam('pre_sales', 'grab-mode-switch')
      await team.locator('[data-testid="team-strategy-label"][data-grab="true"]').waitFor(WAIT)
      const { teams } = await (await call('GET', '/teams')).json()
      assert.equal(teams.find((x) => x.key === 'pre_sales').grab_mode, true)

      await pre2.getByTestId('status-select').click()
      await pre2.locator('[data-testid="status-away"]:visible').click()
      const dialog = pre2.getByTestId('status-break-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="break-reason-preset"][data-value="lunch"]').click()
      await dialog.getByTestId('break-minutes').fill('15')
      await dialog.getByTestId('break-submit').click()
      await dialog.waitFor({ state: 'hidden', ...WAIT })
      await pre2.locator('[data-testid="status-select"][data-status="away"]').waitFor(WAIT)

      // Housekeeping (every 5 s) takes both back and offers them to the team's idle agents.
      for (const id of [conversation.b, conversation.c]) {
        await pre1.locator(`[data-testid="grab-notice"][data-id="${id}"]`).waitFor(WAIT)
        await row(pre1, id, '').getByTestId('grab-button').waitFor(WAIT)
      }
      await settle(pre1)
      await pre1.screenshot({ path: path.join(outputDir, 'routing-grab.png') })
    })

    await step('pre1 grabs one from the notice, and it is theirs alone', async () => {
      const notice = pre1.locator(`[data-testid="grab-notice"][data-id="${conversation.c}"]`)
      await notice.getByTestId('grab-notice-button').click()
      await row(pre1, conversation.c, ids[PRE1.username]).waitFor(WAIT)
      await notice.waitFor({ state: 'detached', ...WAIT })
      await buyerC.getByTestId('queue-served').filter({ hasText: `${PRE1.name} 为您服务` }).waitFor(WAIT)
      assert.equal((await conversationOf(conversation.c)).assignee_id, ids[PRE1.username])

      // A second grab finds it taken.
      const pre2Call = await apiSession(demo.baseUrl, PRE2.username)
      const late = await pre2Call('POST', `/conversations/${conversation.c}/grab`)
      assert.equal(late.status, 409)
      assert.equal((await late.json()).code, 'already_taken')
      assert.equal((await conversationOf(conversation.c)).assignee_id, ids[PRE1.username], 'still pre1’s')

      // pre2 sees it as pre1's, and, on a break, was offered nothing.
      await row(pre2, conversation.c, ids[PRE1.username]).waitFor(WAIT)
      assert.equal(await pre2.getByTestId('grab-notice').count(), 0)
      // The other one is still up for grabs.
      assert.equal((await conversationOf(conversation.b)).assignee_id, null)
      await row(pre1, conversation.b, '').getByTestId('grab-button').waitFor(WAIT)
    })

    await step('the admin sets office hours: none on a day is refused, six days are saved', async () => {
      await admin.goto(`${demo.baseUrl}/agent/team?tab=settings`)
      const form = admin.getByTestId('shop-settings')
      await form.getByTestId('settings-around-the-clock').waitFor(WAIT)
      await form.getByTestId('settings-office-hours').click()
      const hours = form.getByTestId('office-hours')
      await hours.waitFor(WAIT)
      // Monday to Friday to begin with; take every day off and the server refuses it.
      for (const d of [1, 2, 3, 4, 5]) {
        await hours.locator(`[data-testid="office-day"][data-value="${d}"]`).click()
        await hours.locator(`[data-testid="office-day"][data-value="${d}"][data-checked="false"]`).waitFor(WAIT)
      }
      await saveSettings()
      const error = form.locator('[data-testid="settings-error"][data-code="invalid_office_hours"]')
      await error.waitFor(WAIT)
      assert.equal((await error.textContent())?.trim(), '营业时间须至少选一天，且开门时间早于打烊时间')
      assert.equal((await (await call('GET', '/settings')).json()).office_hours, null, 'nothing was saved')

      // Every day but today, from 08:30.
      const today = shanghaiWeekday()
      const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => d !== today)
      for (const d of days) await hours.locator(`[data-testid="office-day"][data-value="${d}"]`).click()
      await hours.locator('[data-testid="office-open"] .el-select').click()
      const option = admin.locator('.el-select-dropdown__item:visible', { hasText: /^\s*08:30\s*$/ })
      await option.click()
      await option.waitFor({ state: 'hidden', ...WAIT })
      await hours.locator('[data-testid="office-open"][data-value="08:30"]').waitFor(WAIT)
      await saveSettings()
      const saved = await until(async () => (await (await call('GET', '/settings')).json()).office_hours, 'office hours saved')
      assert.deepEqual(saved, { days, open: '08:30', close: '18:00' })
      await form.locator('[data-testid="settings-save"]:disabled').waitFor(WAIT)
      assert.equal(await form.getByTestId('settings-error').count(), 0)
      await admin.locator('.el-message').waitFor({ state: 'detached', ...WAIT })
      await admin.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'routing-office-hours.png') })
    })

    await step('pre-sales counts its target in office hours, and a waiting buyer’s timer stands still today', async () => {
      const team = await editTeam('pre_sales', 'office-hours-only-switch')
      await team.locator('[data-testid="team-timing"][data-office-hours="true"]').waitFor(WAIT)

      await pre1.reload()
      await showTab(pre1, 'open')
      await row(pre1, conversation.b).waitFor(WAIT)
      await buyerWrites(buyerB, '还在吗？想再问一下价格')
      const timer = row(pre1, conversation.b).locator('[data-testid="wait-timer"][data-office-hours="true"]')
      await timer.waitFor(WAIT)
      // A wall-clock timer (a demo buyer parked with QA) moves on; the office-hours one does not.
      const wallClock = pre1.locator('[data-testid="wait-timer"][data-office-hours="false"]').first()
      const before = await wallClock.textContent()
      await pre1.waitForFunction(
        ([el, text]) => el.textContent !== text,
        [await wallClock.elementHandle(), before],
        WAIT,
      )
      assert.equal((await timer.textContent())?.trim(), '等待 0:00')
      assert.equal(await timer.getAttribute('data-level'), 'ok')
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    for (const context of Object.values(contexts)) await context.close()
  }
})
