// The browser story of issue #20's escalation (ESC-1): a buyer complains, angry; the shop's
// rules escalate the conversation to level 1 at once. The pre-sales agent sees the badge on
// the conversation and escalates it to level 2 (a dispute heading for the platform). The
// supervisor finds it on the cockpit's 升级 tab with its 30-minute clock, takes it up and
// handles it. The admin points a webhook at the shop's ops tool on the 通知设置 tab and sends
// a test: it arrives signed, and the delivery log says so. Playbooks, arbitration and appeals
// (the rest of #20) are not built yet.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const COMPLAINT = '你们卖的茶叶是假货！我要投诉，退一赔三'
const SECRET = 'ops-tool-secret-2026'

let demo
let browser
let receiver
const received = []
const pageErrors = []

before(async () => {
  demo = await startDemo()
  browser = await launchBrowser()
  // The shop's ops tool: takes every webhook call, keeps its headers and body.
  receiver = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(204).end()
    })
  })
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
})

after(async () => {
  try {
    await browser?.close()
    receiver?.close()
  } finally {
    await demo?.stop()
  }
})

test('an angry complaint is escalated, taken up and handled; the shop hears it by webhook', { timeout: 300_000 }, async (t) => {
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ buyer, agent, lead, admin })) watchPage(page, who, pageErrors)
  const step = stepper(t, { buyer, agent, lead, admin }, demo)
  const api = await apiSession(demo.baseUrl, 'tea-admin')
  const escalationOf = async () => {
    const all = await (await api('GET', '/escalations?status=all&limit=200')).json()
    return all.escalations.find((e) => e.reason.includes('退一赔三') || e.buyer_name === buyerName)
  }
  let buyerName = ''

  try {
    await step('the buyer complains, angry: the rules escalate it to level 1', async () => {
      await buyer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      const input = buyer.getByTestId('composer-input')
      await input.fill(COMPLAINT)
      await input.press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="buyer"]', { hasText: '退一赔三' }).waitFor(WAIT)
      const raised = await until(escalationOf, 'the rules escalate the complaint')
      assert.equal(raised.level, 'one')
      assert.deepEqual(raised.triggers, ['complaint_words'])
      buyerName = raised.buyer_name
    })

    await step('the agent sees the badge and escalates it to level 2', async () => {
      await signIn(agent, demo.baseUrl, 'tea-pre1')
      await showTab(agent, 'waiting')
      await agent.getByTestId('conversation-item').filter({ hasText: '退一赔三' }).first().click()
      await agent.locator('[data-testid="escalation-badge"][data-level="one"]').waitFor(WAIT)
      await agent.getByTestId('escalate-button').click()
      const dialog = agent.getByTestId('escalate-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="escalate-level"][data-value="two"]').click()
      await dialog.getByTestId('escalate-reason').fill('买家称要向平台投诉假货，要求退一赔三')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'escalation-dialog.png') })
      await dialog.getByTestId('escalate-confirm').click()
      await agent.locator('[data-testid="escalation-badge"][data-level="two"]').waitFor(WAIT)
      const two = await escalationOf()
      assert.equal(two.level, 'two')
      assert.ok(two.due_at - two.raised_at === 30 * 60_000, 'a supervisor has 30 minutes')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'escalation-workbench.png') })
    })

    await step('the supervisor takes it up on the cockpit and handles it', async () => {
      await signIn(lead, demo.baseUrl, 'tea-lead')
      await lead.goto(`${demo.baseUrl}/agent/cockpit?tab=escalations`)
      const { id } = await escalationOf()
      const card = lead.locator(`[data-testid="escalation-card"][data-id="${id}"]`)
      await card.waitFor(WAIT)
      assert.equal(await card.getAttribute('data-level'), 'two')
      assert.equal(await card.getAttribute('data-status'), 'open')
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'escalation-cockpit.png'), fullPage: true })
      await card.getByTestId('escalation-take').click()
      await lead.locator(`[data-testid="escalation-card"][data-id="${id}"][data-status="taken"]`).waitFor(WAIT)
      await lead.locator(`[data-testid="escalation-card"][data-id="${id}"]`).getByTestId('escalation-handle').click()
      await lead.getByTestId('escalation-outcome').fill('已核实为正品并提供检测报告，买家接受补偿 20 元')
      await lead.getByTestId('escalation-handle-confirm').click()
      await until(async () => (await escalationOf())?.status === 'handled', 'the escalation handled')
      const done = await escalationOf()
      assert.equal(done.owner_name, '客服主管')
    })

    await step('the admin points a webhook at the ops tool and a signed test arrives', async () => {
      const url = `http://127.0.0.1:${receiver.address().port}/kefu`
      await signIn(admin, demo.baseUrl, 'tea-admin')
      await admin.goto(`${demo.baseUrl}/agent/cockpit?tab=notify`)
      await admin.getByTestId('notify-settings').waitFor(WAIT)
      await admin.getByTestId('notify-add-webhook').click()
      await admin.getByTestId('notify-webhook-url').last().fill(url)
      await admin.getByTestId('notify-webhook-secret').last().fill(SECRET)
      await admin.getByTestId('notify-save').click()
      await until(async () => {
        const saved = await (await api('GET', '/notify/settings')).json()
        return saved.webhooks.some((w) => w.url === url)
      }, 'the webhook saved')
      await admin.getByTestId('notify-test').click()
      const call = await until(() => received.find((r) => r.headers['x-kefu-event'] === 'test'), 'the test delivered', 30_000)
      const expected = crypto.createHmac('sha256', SECRET).update(`${call.headers['x-kefu-timestamp']}.${call.body}`).digest('hex')
      assert.equal(call.headers['x-kefu-signature'], `sha256=${expected}`)
      assert.equal(JSON.parse(call.body).shop, SHOP)
      await admin.reload()
      await admin.getByTestId('notify-delivery').first().waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'escalation-notify.png'), fullPage: true })
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})
