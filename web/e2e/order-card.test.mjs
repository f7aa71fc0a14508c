// The browser end-to-end story of CH-2 and CH-6: 王先生 taps "contact the shop" on his order
// (the demo's order-card entry link); his chat opens with that order already in it as a card.
// An after-sales agent opens the conversation, sees the order and its tracking number in the
// customer panel, and sends him another of his orders as a card, which he sees live.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const AGENT = 'tea-after1'
const BUYER_NAME = '王先生'
/** The demo's parcel of 王先生 that is on its way (顺丰速运). */
const TRACKING_NO = 'SF1452367788'
/** From navigation start to the order card on screen. */
const CARD_BUDGET_MS = 3_000

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

test('a buyer arrives from an order card and the agent answers with his orders', { timeout: 240_000 }, async (t) => {
  const buyerContext = await browser.newContext(PHONE)
  const agentContext = await browser.newContext(DESKTOP)
  const buyer = await buyerContext.newPage()
  const agent = await agentContext.newPage()
  watchPage(buyer, 'buyer', pageErrors)
  watchPage(agent, 'agent', pageErrors)
  const step = stepper(t, { buyer, agent }, demo)

  // The newest card of that order from that side (the demo history may hold older ones).
  const orderCard = (page, orderNo, sender) =>
    page.locator(`[data-testid="message"][data-sender="${sender}"] [data-testid="order-card"][data-order-no="${orderNo}"]`).last()

  let orderNo = ''
  let otherOrderNo = ''

  try {
    await step('the buyer opens the order-card entry and sees the order as a card within 3 s', async () => {
      // The demo prints the link with its own address; keep the path and token, use ours.
      const printed = new URL(await demo.printed(/order-card entry[^:]*: (\S+)/))
      const entryUrl = new URL(printed.pathname + printed.search, demo.baseUrl).href
      await buyer.goto(entryUrl)
      // Measured in the page: performance.now() counts from navigation start.
      const shown = await buyer.waitForFunction(
        (tracking) => {
          for (const card of document.querySelectorAll('[data-testid="order-card"]')) {
            if (card.textContent?.includes(tracking) && card.checkVisibility()) return performance.now()
          }
          return null
        },
        TRACKING_NO,
        WAIT,
      )
      const ms = Math.round(await shown.jsonValue())
      console.log(`order card on screen ${ms} ms after navigation start (budget ${CARD_BUDGET_MS} ms)`)
      assert.ok(ms < CARD_BUDGET_MS, `the order card took ${ms} ms`)

      const card = buyer.locator('[data-testid="order-card"]', { hasText: TRACKING_NO }).last()
      orderNo = (await card.getAttribute('data-order-no')) ?? ''
      assert.ok(orderNo, 'the card names its order')
      assert.equal(await card.getAttribute('data-shipping-status'), 'in_transit')
      await card.getByText('运输中').waitFor(WAIT)
      // The buyer posted it: the server sends the entry's card as the buyer's message.
      await orderCard(buyer, orderNo, 'buyer').waitFor(WAIT)
      await buyer.getByTestId('entry-banner').filter({ hasText: orderNo }).waitFor(WAIT)
    })

    await step('the after-sales agent opens the conversation and sees the order in the panel', async () => {
      await signIn(agent, demo.baseUrl, AGENT)
      await agent.getByTestId('conversation-item').filter({ hasText: BUYER_NAME }).first().click()
      await agent.getByTestId('open-buyer-name').filter({ hasText: BUYER_NAME }).waitFor(WAIT)
      await orderCard(agent, orderNo, 'buyer').waitFor(WAIT)
      const current = agent.locator(`[data-testid="current-order"][data-order-no="${orderNo}"]`)
      await current.waitFor(WAIT)
      assert.equal((await current.getByTestId('current-order-tracking').textContent())?.trim(), TRACKING_NO)
      await agent.locator('[data-testid="entry-badge"][data-entry="order_card"]').waitFor(WAIT)
    })

    await step('the agent sends another of the buyer\'s orders, and the buyer sees the card', async () => {
      const other = agent.locator(`[data-testid="buyer-order"]:not([data-order-no="${orderNo}"])`).first()
      await other.waitFor(WAIT)
      otherOrderNo = (await other.getAttribute('data-order-no')) ?? ''
      assert.ok(otherOrderNo && otherOrderNo !== orderNo)
      await other.getByTestId('send-order-button').click()
      // The snapshot (not the reference the agent sent) is what both sides show.
      await orderCard(agent, otherOrderNo, 'agent').waitFor(WAIT)
      const mine = agent.locator('[data-testid="message"][data-sender="agent"]', {
        has: agent.locator(`[data-testid="order-card"][data-order-no="${otherOrderNo}"]`),
      })
      await mine
        .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
      await orderCard(buyer, otherOrderNo, 'agent').waitFor(WAIT)
      await orderCard(buyer, otherOrderNo, 'agent').scrollIntoViewIfNeeded()
      await buyer.screenshot({ path: path.join(outputDir, 'order-card-buyer.png') })
      await agent.screenshot({ path: path.join(outputDir, 'order-card-agent.png') })
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await buyerContext.close()
    await agentContext.close()
  }
})
