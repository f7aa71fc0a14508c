// The browser story of issue #19 (DATA-1 … DATA-4, DATA-6): the supervisor opens 数据驾驶舱
// (under the top bar's 数据 menu) and leaves it open; a buyer writes and the numbers move on
// their own (the cockpit's WebSocket, no reload); the number clicks through to the buyer's
// conversation; first responses go over the shop's line, the alert shows on the cockpit and the
// supervisor acknowledges it; the heatmap shows the weeks before by weekday and hour with the
// staffing beside it; a buyer from the live room is served and does not order, and the funnel
// counts them and lists them to follow up; the supervisor makes today's health report and reads
// it.
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

/** The shop's day, as the server counts it (the demo's shops are in Asia/Shanghai). */
function shopToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}

/** A buyer writes once on the chat API, maybe through a signed entry link's token; their
 *  session. */
async function buyerWrites(baseUrl, n, text, entry) {
  const session = await (
    await fetch(`${baseUrl}/api/v1/buyer/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(entry ? { shop: SHOP, entry } : { shop: SHOP }),
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

/** A screenshot of the whole page: the agent pages scroll inside their `main`, so the window is
 *  made as tall as what it holds for the shot, then put back. */
async function wholePage(page, file) {
  const size = page.viewportSize()
  const height = await page.evaluate(() => {
    const main = document.querySelector('main')
    return main ? main.getBoundingClientRect().top + main.scrollHeight : document.documentElement.scrollHeight
  })
  await page.setViewportSize({ width: size.width, height: Math.min(6_000, Math.max(size.height, Math.ceil(height))) })
  // Two frames for the charts to follow the new size.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  await settle(page)
  await page.screenshot({ path: path.join(outputDir, file), fullPage: true })
  await page.setViewportSize(size)
}

test('the cockpit moves live, drills down, raises an alert and shows the heatmap', { timeout: 300_000 }, async (t) => {
  const lead = await (await browser.newContext(DESKTOP)).newPage()
  watchPage(lead, 'lead', pageErrors)
  const step = stepper(t, { lead }, demo)
  const today = shopToday()
  let buyer

  try {
    await step('the supervisor opens 数据驾驶舱 and it is live', async () => {
      await signIn(lead, demo.baseUrl, 'tea-lead')
      await openNav(lead, 'cockpit-link')
      await lead.waitForURL((url) => url.pathname === '/agent/cockpit', WAIT)
      await lead.locator('[data-testid="cockpit-overview"][data-loaded="true"]').waitFor(WAIT)
      await lead.locator('[data-testid="cockpit-live"][data-status="live"]').waitFor(WAIT)
      assert.ok(Number(await lead.getByTestId('cockpit-tiles').getAttribute('data-count')) >= 12)
      await settle(lead)
      await lead.screenshot({ path: path.join(outputDir, 'cockpit-overview.png'), fullPage: true })
    })

    await step('a buyer writes and the numbers move without a reload', async () => {
      // The page may have opened before the demo's own day was rolled up: settle on the
      // scorecards' count first (the same number, DATA-1).
      const api = await apiSession(demo.baseUrl, 'tea-lead')
      const shopReceived = async () => {
        await api('POST', '/kpi/refresh', {})
        const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
        return (await (await api('GET', `/kpi/scorecards?from=${day}&to=${day}`)).json()).shop.received
      }
      const settled = await shopReceived()
      await until(async () => (await tileValue(lead, 'received')) === settled, 'the cockpit to agree with the scorecards', 30_000)
      const received = await tileValue(lead, 'received')
      const updated = await lead.getByTestId('cockpit-updated').getAttribute('data-at')
      buyer = await buyerWrites(demo.baseUrl, 1, '请问这款龙井今年的新茶到了吗？')
      await until(async () => (await tileValue(lead, 'received')) === received + 1, 'the received tile to move', 30_000)
      assert.notEqual(await lead.getByTestId('cockpit-updated').getAttribute('data-at'), updated)
      assert.equal(await shopReceived(), received + 1)
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

    await step('a buyer from the live room is served and does not order: the funnel counts them and lists them to follow up', async () => {
      // The demo prints a signed live-room link: the buyer comes about its product.
      const link = new URL(await demo.printed(/live-room entry \(山野茶铺\): (\S+)/))
      const session = await buyerWrites(demo.baseUrl, 5, '直播间这款龙井还有货吗？', link.searchParams.get('entry'))
      const product = session.context?.product_code
      assert.ok(product, JSON.stringify(session.context))
      const agent = await apiSession(demo.baseUrl, 'tea-pre1')
      const conversation = await conversationOf(agent, session)
      const grabbed = await agent('POST', `/conversations/${conversation.id}/grab`, {})
      assert.ok(grabbed.ok || grabbed.status === 409, `${grabbed.status}`)
      const sent = await agent('POST', `/conversations/${conversation.id}/messages`, { client_msg_id: 'cockpit-a5', kind: 'text', body: '有的，今天下单明天发货' })
      assert.ok(sent.ok, await sent.text())

      await lead.getByTestId('cockpit-tab-funnel').click()
      await lead.locator('[data-testid="funnel-view"][data-loaded="true"]').waitFor(WAIT)
      await lead.getByTestId('kpi-range-today').click()
      await lead.locator(`[data-testid="funnel-range"][data-from="${today}"][data-to="${today}"]`).waitFor(WAIT)
      // The rollups catch up every half minute; 刷新 catches them up now.
      await lead.getByTestId('funnel-refresh').click()
      await lead.getByTestId('funnel-by-product').click()
      const productRow = lead.locator(`[data-testid="funnel-row"][data-key="${product}"]`)
      await productRow.waitFor(WAIT)
      await lead.getByTestId('funnel-chart').locator('canvas').first().waitFor(WAIT)
      const steps = {}
      for (const s of ['asked', 'served', 'ordered', 'paid']) steps[s] = Number(await lead.getByTestId(`funnel-step-${s}`).getAttribute('data-value'))
      assert.ok(steps.asked >= 1 && steps.served >= 1, JSON.stringify(steps))
      await lead.getByTestId('funnel-by-entry').click()
      await lead.locator('[data-testid="funnel-row"][data-key="live_room"]', { hasText: '直播间' }).waitFor(WAIT)
      await lead.getByTestId('funnel-by-product').click()
      await productRow.waitFor(WAIT)

      // Today's buyers to follow up (yesterday's by default): this one among them.
      const day = lead.locator('[data-testid="funnel-dropped-day"] .el-date-editor input').first()
      await day.fill(today)
      await day.press('Enter')
      const dropped = lead.locator(`[data-testid="funnel-dropped"][data-day="${today}"][data-loaded="true"]`)
      await dropped.waitFor(WAIT)
      const row = dropped.locator(`[data-testid="funnel-dropped-row"][data-conversation-id="${conversation.id}"]`)
      await row.waitFor(WAIT)
      assert.equal(await row.getAttribute('data-product'), product)
      assert.ok(Number(await dropped.getAttribute('data-count')) >= 1)
      await day.blur()
      await wholePage(lead, 'cockpit-funnel.png')

      // …and a click opens their conversation in the workbench (which then drops it from the
      // address).
      await row.getByTestId('funnel-dropped-buyer').click()
      await lead.waitForURL((url) => url.pathname === '/agent', WAIT)
      await lead.locator(`[data-testid="conversation-pane"][data-conversation-id="${conversation.id}"]`).waitFor(WAIT)
    })

    await step("the supervisor makes today's health report from the 数据 menu and reads it", async () => {
      await openNav(lead, 'reports-link')
      await lead.waitForURL((url) => url.pathname === '/agent/reports', WAIT)
      await lead.getByTestId('reports-page').waitFor(WAIT)
      const day = lead.locator('[data-testid="reports-make-period"] .el-date-editor input').first()
      await day.fill(today)
      await day.press('Enter')
      const make = lead.locator(`[data-testid="reports-make"][data-period="${today}"]`)
      await make.waitFor(WAIT)
      await day.blur()
      await make.click()
      const doc = lead.locator(`[data-testid="report-doc"][data-kind="daily"][data-period="${today}"]`)
      await doc.waitFor(WAIT)
      await doc.getByTestId('report-title').waitFor(WAIT)
      const received = doc.getByTestId('report-metric-received')
      await received.waitFor(WAIT)
      assert.ok(Number(await received.getAttribute('data-value')) >= 1, 'the buyers of this story were received today')
      assert.equal(await doc.getByTestId('report-download').getAttribute('href'), `/api/v1/reports/daily/${today}/export`)
      const workbook = await (await apiSession(demo.baseUrl, 'tea-lead'))('GET', `/reports/daily/${today}/export`)
      assert.equal(workbook.status, 200)
      await lead.locator('.el-message').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
      await wholePage(lead, 'cockpit-report.png')
    })

    assert.deepEqual(pageErrors, [])
  } finally {
    await lead.context().close()
  }
})
