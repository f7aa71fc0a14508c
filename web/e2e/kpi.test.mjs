// The browser story of issue #18 (KPI-1 … KPI-4): a buyer is served by 售前·小雨, who slips a
// forbidden word; the QA inspector takes the day's sample on the 质检 page, finds the word
// flagged on the message, comments on it and scores the conversation; the agent reads the
// result under 我的质检 and appeals once; the supervisor decides the appeal, then reads the
// team table on 绩效考核 (scores, grades, sparklines, a formula behind every header) and the
// agent's trend chart; the agent sees the decision and their own card.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, launchBrowser, openNav, outputDir, settle, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'

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

/** Today in the shop's zone (Asia/Shanghai), `YYYY-MM-DD`. */
function shopToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

/** A buyer writes on the chat API and 小雨 grabs, answers (with a forbidden word) and resolves. */
async function servedConversation(baseUrl) {
  const session = await (
    await fetch(`${baseUrl}/api/v1/buyer/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ shop: SHOP }),
    })
  ).json()
  const buyer = (method, p, body) =>
    fetch(`${baseUrl}/api/v1${p}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.buyer_token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const sent = await buyer('POST', '/buyer/messages', { client_msg_id: 'kpi-1', kind: 'text', body: '这款白茶今年的新茶到了吗？' })
  assert.ok(sent.ok, `${sent.status}`)
  const agent = await apiSession(baseUrl, 'tea-pre1')
  const id = session.conversation_id ?? (await (await buyer('GET', '/buyer/session')).json()).conversation_id
  const conversation = await until(async () => {
    const all = await (await agent('GET', '/conversations?status=all&limit=200')).json()
    return all.conversations.find((c) => c.buyer_id === session.buyer.id)
  }, 'the conversation stored')
  assert.ok(!id || id === conversation.id)
  assert.ok((await agent('POST', `/conversations/${conversation.id}/grab`, {})).ok)
  for (const [n, text] of ['这个我不知道，稍等帮您问问', '新茶下周到货，到货后第一时间通知您'].entries()) {
    const r = await agent('POST', `/conversations/${conversation.id}/messages`, { client_msg_id: `kpi-a${n}`, kind: 'text', body: text })
    assert.ok(r.ok, await r.text())
  }
  assert.ok((await agent('POST', `/conversations/${conversation.id}/resolve`, {})).ok)
  return conversation
}

test('QA scores a conversation, the agent appeals, the supervisor decides and reads the team', { timeout: 300_000 }, async (t) => {
  const qa = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ qa, agent, lead })) watchPage(page, who, pageErrors)
  const step = stepper(t, { qa, agent, lead }, demo)
  const today = shopToday()
  let conversation

  try {
    await step('a buyer is served by 小雨, who writes a forbidden word', async () => {
      conversation = await servedConversation(demo.baseUrl)
    })

    await step("the QA inspector samples today and finds the word on the agent's message", async () => {
      await signIn(qa, demo.baseUrl, 'tea-qa')
      await openNav(qa, 'qa-link')
      await qa.waitForURL((url) => url.pathname === '/agent/qa', WAIT)
      await qa.getByTestId('qa-workbench').waitFor(WAIT)
      const dayInput = qa.locator('[data-testid="qa-workbench"] .el-date-editor input').first()
      await dayInput.fill(today)
      await dayInput.press('Enter')
      await qa.locator(`[data-testid="qa-workbench"][data-day="${today}"]`).waitFor(WAIT)
      await qa.getByTestId('qa-sample').click()
      const review = qa.locator(`[data-testid="qa-review"]`).filter({ has: qa.locator('[data-testid="qa-reason"][data-reason="forbidden_word"]') }).filter({ hasText: conversation.buyer_name })
      await review.waitFor(WAIT)
      await settle(qa)
      await qa.screenshot({ path: path.join(outputDir, 'kpi-qa-sample.png'), fullPage: true })
      await review.click()
      await qa.getByTestId('qa-inspect').waitFor(WAIT)
      const flagged = qa.locator('[data-testid="qa-message"][data-hit="true"]')
      await flagged.getByTestId('qa-hit').filter({ hasText: '不知道' }).waitFor(WAIT)
      await flagged.click()
      await qa.getByTestId('qa-comment-input').fill('禁用语「不知道」，应说“我帮您确认一下”')
      await qa.getByTestId('qa-comment-add').click()
      await qa.getByTestId('qa-comment').filter({ hasText: '禁用语' }).waitFor(WAIT)
    })

    await step('the inspector deducts for the word and scores the conversation', async () => {
      const compliance = qa.locator('[data-testid="qa-item"][data-key="compliance"]')
      const points = compliance.locator('[data-testid="qa-item-points"]').locator('xpath=descendant-or-self::input').first()
      await points.fill('0')
      await points.press('Tab')
      await qa.locator('[data-testid="qa-total"][data-score="90"]').waitFor(WAIT)
      await settle(qa)
      await qa.screenshot({ path: path.join(outputDir, 'kpi-qa-scoring.png'), fullPage: true })
      await qa.getByTestId('qa-submit-score').click()
      await qa.locator('[data-testid="qa-inspect"][data-status="scored"]').waitFor(WAIT)
    })

    await step('the agent reads the result under 我的质检 and appeals once', async () => {
      await signIn(agent, demo.baseUrl, 'tea-pre1')
      await openNav(agent, 'qa-link')
      await agent.waitForURL((url) => url.pathname === '/agent/qa', WAIT)
      const card = agent.locator('[data-testid="qa-mine-card"][data-status="scored"]')
      await card.waitFor(WAIT)
      await card.getByTestId('qa-review-score').filter({ hasText: '90' }).waitFor(WAIT)
      await card.getByTestId('qa-show-conversation').click()
      await card.getByTestId('qa-comment').filter({ hasText: '禁用语' }).waitFor(WAIT)
      await card.getByTestId('qa-appeal').click()
      await agent.getByTestId('qa-appeal-text').fill('买家问的是还没到货的新茶，我随后确认并给了到货时间')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'kpi-qa-appeal.png'), fullPage: true })
      await agent.getByTestId('qa-appeal-submit').click()
      await agent.locator('[data-testid="qa-mine-card"][data-status="appealed"]').getByTestId('qa-appeal-pending').waitFor(WAIT)
      assert.equal(await agent.getByTestId('qa-appeal').count(), 0, 'one appeal only')
    })

    await step('the supervisor decides the appeal', async () => {
      await signIn(lead, demo.baseUrl, 'tea-lead')
      await lead.goto(`${demo.baseUrl}/agent/qa?tab=appeals`)
      const card = lead.locator('[data-testid="qa-appeal-card"]').filter({ hasText: conversation.buyer_name })
      await card.getByTestId('qa-appeal-shown').filter({ hasText: '还没到货' }).waitFor(WAIT)
      await card.getByTestId('qa-decide-text').fill('申诉部分成立：随后给出了到货时间，扣分减半')
      const score = card.locator('[data-testid="qa-decide-score"]').locator('xpath=descendant-or-self::input').first()
      await score.fill('95')
      await score.press('Tab')
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'kpi-qa-decide.png'), fullPage: true })
      await card.getByTestId('qa-decide-submit').click()
      await lead.locator('[data-testid="qa-appeal-card"][data-status="decided"]').filter({ hasText: conversation.buyer_name }).waitFor(WAIT)
    })

    await step('the supervisor reads the team table, a formula and an agent\'s trend', async () => {
      // The decision's notice goes first: the table is what the screenshot is for.
      await lead.locator('.el-message').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
      await openNav(lead, 'kpi-link')
      await lead.waitForURL((url) => url.pathname === '/agent/kpi', WAIT)
      await lead.locator('[data-testid="kpi-team"][data-loaded="true"]').waitFor(WAIT)
      await lead.getByTestId('kpi-range-today').click()
      await lead.locator(`[data-testid="kpi-range"][data-from="${today}"][data-to="${today}"]`).waitFor(WAIT)
      await lead.getByTestId('kpi-refresh').click()
      const row = lead.locator('[data-testid="kpi-row"][data-name="售前·小雨"]')
      await row.waitFor(WAIT)
      const tableRow = lead.locator('tr.kpi-row', { has: row })
      await until(async () => Number(await tableRow.getByTestId('kpi-score').getAttribute('data-score')) > 0, "小雨's score")
      await tableRow.getByTestId('kpi-sparkline').locator('canvas').first().waitFor(WAIT)
      const exports = await lead.getByTestId('kpi-export-xlsx').getAttribute('href')
      assert.match(exports, /\/api\/v1\/kpi\/scorecards\/export\?.*format=xlsx/)
      // Every metric's formula is one hover away.
      await lead.locator('[data-testid="kpi-tip"][data-metric="quick_reply_rate"]').first().hover()
      await lead.locator('.el-popper.el-tooltip:visible', { hasText: '应回复的轮次' }).first().waitFor(WAIT)
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'kpi-team-table.png'), fullPage: true })
      await row.click()
      const drawer = lead.getByTestId('kpi-agent-drawer')
      await drawer.waitFor(WAIT)
      await drawer.getByTestId('kpi-trend-chart').locator('canvas').first().waitFor(WAIT)
      await drawer.locator('[data-testid="kpi-breakdown-row"]').first().waitFor(WAIT)
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'kpi-agent-trend.png') })
      const report = await (await (await apiSession(demo.baseUrl, 'tea-lead'))('GET', `/kpi/scorecards?from=${today}&to=${today}`)).json()
      const xiaoyu = report.agents.find((a) => a.name === '售前·小雨')
      assert.equal(xiaoyu.qa_score, 95)
      assert.ok(xiaoyu.metrics.served >= 1)
    })

    await step('the agent sees the decision and their own card', async () => {
      await agent.reload()
      const card = agent.locator('[data-testid="qa-mine-card"][data-status="decided"]')
      await card.getByTestId('qa-final-score').filter({ hasText: '95' }).waitFor(WAIT)
      await card.getByTestId('qa-decision-shown').filter({ hasText: '扣分减半' }).waitFor(WAIT)
      await openNav(agent, 'kpi-link')
      await agent.waitForURL((url) => url.pathname === '/agent/kpi', WAIT)
      await agent.getByTestId('kpi-mine').waitFor(WAIT)
      await agent.getByTestId('kpi-my-score').waitFor(WAIT)
      await agent.getByTestId('kpi-my-trend').locator('canvas').first().waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'kpi-my-card.png'), fullPage: true })
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})
