// The browser story of question mining (issue #19, DATA-5): the supervisor opens 问题挖掘
// (under 数据) and reads the demo's seven weeks of tea questions by topic; a buyer asks how to
// brew the tea and 立即分析 counts them in; the topic opens with its weeks, products and
// example questions, and an example opens its conversation; the supervisor puts the topic in
// the robot's review queue and sends it to an agent as a problem; the agent is told, opens it
// and marks it fixed; the demo's brewing problem shows its before and after.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, launchBrowser, openNav, outputDir, settle, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const QUESTION = '这款茶怎么冲泡呀'

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

/** The brewing topic's row (the demo's most asked topic about brewing). */
const brewingRow = (page) => page.getByTestId('topic-row').filter({ hasText: '冲泡' }).first()

test('questions become topics, go to the robot and upstream, and a fix is followed', { timeout: 300_000 }, async (t) => {
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  const owner = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(lead, 'lead', pageErrors)
  watchPage(owner, 'owner', pageErrors)
  const step = stepper(t, { lead, owner }, demo)
  let topicId
  let problemId

  await step('the supervisor opens 问题挖掘: the demo weeks, by topic', async () => {
    await signIn(lead, demo.baseUrl, 'tea-lead')
    await openNav(lead, 'questions-link')
    await lead.waitForURL((url) => url.pathname === '/agent/questions', WAIT)
    await lead.locator('[data-testid="questions-topics"][data-loaded="true"]').waitFor(WAIT)
    assert.ok(Number(await lead.getByTestId('topic-table').getAttribute('data-count')) >= 5, 'the demo has topics')
    await brewingRow(lead).waitFor(WAIT)
    await settle(lead)
    await lead.screenshot({ path: path.join(outputDir, 'questions-topics.png'), fullPage: true })
  })

  await step('a buyer asks how to brew the tea; 立即分析 counts them in', async () => {
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
      body: JSON.stringify({ client_msg_id: 'questions-1', kind: 'text', body: QUESTION }),
    })
    assert.ok(sent.ok, `${sent.status}`)
    const before = Number(await brewingRow(lead).getAttribute('data-count'))
    topicId = await brewingRow(lead).getAttribute('data-id')
    await lead.getByTestId('mine-questions').click()
    const row = lead.locator(`[data-testid="topic-row"][data-id="${topicId}"]`)
    await until(async () => Number(await row.getAttribute('data-count')) === before + 1, 'the brewing topic to count the new question', 30_000)
  })

  await step('the topic opens with its weeks, products and examples; an example opens its conversation', async () => {
    await lead.locator(`[data-testid="topic-row"][data-id="${topicId}"]`).click()
    const drawer = lead.getByTestId('topic-drawer')
    await drawer.locator('[data-loaded="true"]').first().waitFor(WAIT).catch(() => {})
    const example = drawer.getByTestId('topic-example').filter({ hasText: QUESTION })
    await example.first().waitFor(WAIT)
    assert.ok((await drawer.getByTestId('topic-product').count()) >= 1)
    await drawer.locator('canvas').first().waitFor(WAIT)
    await settle(lead)
    await lead.screenshot({ path: path.join(outputDir, 'questions-topic.png') })
    await example.first().click()
    await lead.waitForURL((url) => url.pathname === '/agent', WAIT)
    await lead.goBack()
    await lead.waitForURL((url) => url.pathname === '/agent/questions', WAIT)
    await lead.locator('[data-testid="questions-topics"][data-loaded="true"]').waitFor(WAIT)
  })

  await step("the topic goes to the robot's review queue", async () => {
    await lead.locator(`[data-testid="topic-row"][data-id="${topicId}"]`).click()
    const drawer = lead.getByTestId('topic-drawer')
    await drawer.getByTestId('topic-to-robot').click()
    await lead.getByTestId('topic-robot-added').waitFor(WAIT)
    const api = await apiSession(demo.baseUrl, 'tea-lead')
    const proposals = await (await api('GET', '/robot/proposals')).json()
    assert.ok(
      proposals.some((p) => p.question.includes('冲泡')),
      JSON.stringify(proposals.map((p) => p.question)),
    )
    await lead.locator(`[data-testid="topic-row"][data-id="${topicId}"][data-proposed="true"]`).waitFor(WAIT)
  })

  await step("…and to an agent as the product's problem; the agent is told", async () => {
    await signIn(owner, demo.baseUrl, 'tea-pre1')
    const drawer = lead.getByTestId('topic-drawer')
    await drawer.getByTestId('topic-to-owner').click()
    const dialog = lead.getByTestId('problem-dialog')
    await dialog.waitFor(WAIT)
    await dialog.getByTestId('problem-owner').click()
    await lead.locator('.el-select-dropdown__item:visible').filter({ hasText: '售前·小雨' }).first().click()
    await dialog.locator('textarea[data-testid="problem-note"], [data-testid="problem-note"] textarea').fill('请在详情页加冲泡视频')
    await settle(lead)
    await lead.screenshot({ path: path.join(outputDir, 'questions-problem-dialog.png') })
    await dialog.getByTestId('problem-submit').click()
    await dialog.waitFor({ state: 'hidden', ...WAIT })
    const notice = owner.getByTestId('problem-notice')
    await notice.waitFor({ timeout: 30_000 })
    const link = await notice.getAttribute('data-link')
    problemId = new URL(link, demo.baseUrl).searchParams.get('problem')
    assert.ok(problemId, link)
  })

  await step('the agent opens the problem and marks it fixed', async () => {
    await owner.getByTestId('problem-notice').click()
    await owner.waitForURL((url) => url.pathname === '/agent/questions', WAIT)
    const card = owner.locator(`[data-testid="problem-card"][data-id="${problemId}"]`)
    await card.waitFor(WAIT)
    assert.equal(await owner.getByTestId('questions-tab-topics').count(), 0, 'no topics without report.view')
    await card.getByTestId('problem-fix').click()
    await card.getByTestId('problem-fix-confirm').click()
    await owner.locator(`[data-testid="problem-card"][data-id="${problemId}"][data-status="fixed"]`).waitFor(WAIT)
    await card.getByTestId('problem-before-after').waitFor(WAIT)
    await settle(owner)
    await owner.screenshot({ path: path.join(outputDir, 'questions-owner.png'), fullPage: true })
  })

  await step("the demo's brewing video: the problem's before and after", async () => {
    await lead.keyboard.press('Escape')
    await lead.getByTestId('questions-tab-problems').click()
    const fixed = lead.locator('[data-testid="problem-card"][data-status="fixed"]').filter({ hasText: '冲泡问题太多' })
    await fixed.first().waitFor(WAIT)
    const change = Number(await fixed.first().getByTestId('problem-before-after').getAttribute('data-change'))
    // The demo's tutorial cut the brewing questions' share by well over half.
    assert.ok(change < -0.5, `${change}`)
    await fixed.first().getByTestId('problem-chart').locator('canvas').first().waitFor(WAIT)
    await settle(lead)
    await lead.screenshot({ path: path.join(outputDir, 'questions-problems.png'), fullPage: true })
  })

  await step('no page errors', async () => {
    assert.deepEqual(pageErrors, [])
  })
})
