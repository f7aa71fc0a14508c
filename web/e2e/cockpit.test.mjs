// The browser story of issue #19 (DATA-1 … DATA-3): the supervisor opens 数据驾驶舱 and leaves
// it open; a buyer writes and the numbers move on their own (the cockpit's WebSocket, no
// reload); the number clicks through to the buyer's conversation; first responses go over the
// shop's line, the alert shows on the cockpit and the supervisor acknowledges it; the heatmap
// shows the weeks before by weekday and hour with the staffing beside it.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, WAIT, apiSession, launchBrowser, outputDir, settle, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

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

/** A buyer writes once on the chat API; their session. */
async function buyerWrites(baseUrl, n, text) {
  const session = await (
    await fetch(`${baseUrl}/api/v1/buyer/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ shop: SHOP }),
    })
  ).json()
  const sent = await fetch(`${baseUrl}/api/v1/buyer/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.buyer_token}` },
    body: JSON.stringify({ client_msg_id: `cockpit-${n}`, kind: 'text', body: text }),
  })
  assert.ok(sent.ok, `${sent.status}`)
  return session
}

/** The conversation of a buyer's session, as an agent finds it. */
async function conversationOf(agent, session) {
  return until(async () => {
    const all = await (await agent('GET', '/conversations?status=all&limit=200')).json()
    return all.conversations.find((c) => c.buyer_id === session.buyer.id)
  }, 'the conversation stored')
}

const tileValue = async (page, metric) => Number(await page.getByTestId(`cockpit-tile-${metric}`).getAttribute('data-value'))

test('the cockpit moves live, drills down, raises an alert and shows the heatmap', { timeout: 300_000 }, async (t) => {
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(lead, 'lead', pageErrors)
  const step = stepper(t, { lead }, demo)
  let buyer

  try {
    await step('the supervisor opens 数据驾驶舱 and it is live', async () => {
      await signIn(lead, demo.baseUrl, 'tea-lead')
      await lead.getByTestId('cockpit-link').click()
      await lead.waitForURL((url) => url.pathname === '/agent/cockpit', WAIT)
      await lead.locator('[data-testid="cockpit-overview"][data-loaded="true"]').waitFor(WAIT)
      await lead.locator('[data-testid="cockpit-live"][data-status="live"]').waitFor(WAIT)
      assert.ok(Number(await lead.getByTestId('cockpit-tiles').getAttribute('data-count')) >= 12)
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'cockpit-overview.png'), fullPage: true })
    })

    await step('a buyer writes and the numbers move without a reload', async () => {
      const received = await tileValue(lead, 'received')
      const updated = await lead.getByTestId('cockpit-updated').getAttribute('data-at')
      buyer = await buyerWrites(demo.baseUrl, 1, '请问这款龙井今年的新茶到了吗？')
      await until(async () => (await tileValue(lead, 'received')) === received + 1, 'the received tile to move', 30_000)
      assert.notEqual(await lead.getByTestId('cockpit-updated').getAttribute('data-at'), updated)
    })

    await step("the number clicks through to the buyer's conversation", async () => {
      await lead.getByTestId('cockpit-tile-received').click()
      const drawer = lead.getByTestId('cockpit-drill')
      await drawer.waitFor(WAIT)
      const row = drawer.getByTestId('cockpit-drill-row').filter({ hasText: buyer.buyer.display_name })
      await row.first().waitFor(WAIT)
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'cockpit-drill.png') })
      await row.first().click()
      await lead.waitForURL((url) => url.pathname === '/agent', WAIT)
      await lead.goBack()
      await lead.waitForURL((url) => url.pathname === '/agent/cockpit', WAIT)
      await lead.locator('[data-testid="cockpit-live"][data-status="live"]').waitFor(WAIT)
    })

    await step('first responses go over the line: the alert shows and is acknowledged', async () => {
      // The shop holds first responses to one second, and three buyers each wait longer.
      const admin = await apiSession(demo.baseUrl, 'tea-admin')
      const saved = await admin('PUT', '/alerts/rules', { first_response_s: 1 })
      assert.ok(saved.ok, await saved.text())
      const agent = await apiSession(demo.baseUrl, 'tea-pre1')
      for (const n of [2, 3, 4]) {
        const session = await buyerWrites(demo.baseUrl, n, '在吗？想问下发货时间')
        const conversation = await conversationOf(agent, session)
        await new Promise((r) => setTimeout(r, 1_500))
        const grabbed = await agent('POST', `/conversations/${conversation.id}/grab`, {})
        assert.ok(grabbed.ok || grabbed.status === 409, `${grabbed.status}`)
        const sent = await agent('POST', `/conversations/${conversation.id}/messages`, { client_msg_id: `cockpit-a${n}`, kind: 'text', body: '您好，今天下单明天发货' })
        assert.ok(sent.ok, await sent.text())
      }
      const lead = await apiSession(demo.baseUrl, 'tea-lead')
      const scanned = await (await lead('POST', '/alerts/scan', {})).json()
      assert.ok(scanned.alerts >= 1, JSON.stringify(scanned))
    })

    await step('…on the open cockpit, with its evidence; the supervisor acknowledges it', async () => {
      const alert = lead.locator('[data-testid="cockpit-alert"][data-kind="first_response"]')
      await alert.waitFor({ timeout: 40_000 })
      await alert.getByTestId('cockpit-alert-sample').first().waitFor(WAIT)
      await lead.locator('.el-notification').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'cockpit-alert.png'), fullPage: true })
      await alert.getByTestId('cockpit-alert-ack').click()
      await alert.waitFor({ state: 'detached', ...WAIT })
      const open = await (await (await apiSession(demo.baseUrl, 'tea-lead'))('GET', '/alerts')).json()
      assert.equal(open.filter((a) => a.kind === 'first_response').length, 0)
      const all = await (await (await apiSession(demo.baseUrl, 'tea-lead'))('GET', '/alerts?open=false')).json()
      const kept = all.find((a) => a.kind === 'first_response')
      assert.ok(kept.acknowledged_at, 'kept with who acknowledged it')
      assert.ok(kept.evidence.conversations.length >= 1)
    })

    await step('the heatmap shows the weeks before by weekday and hour, staffing beside it', async () => {
      await lead.locator('.el-message').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
      await lead.getByTestId('cockpit-tab-heatmap').click()
      await lead.locator('[data-testid="cockpit-heatmap-view"][data-loaded="true"]').waitFor(WAIT)
      await lead.getByTestId('cockpit-heatmap').locator('canvas').first().waitFor(WAIT)
      await lead.getByTestId('cockpit-staffing').locator('canvas').first().waitFor(WAIT)
      assert.ok(Number(await lead.getByTestId('cockpit-heatmap').getAttribute('data-max')) > 0, 'the demo has history')
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'cockpit-heatmap.png'), fullPage: true })
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await lead.context().close()
  }
})
