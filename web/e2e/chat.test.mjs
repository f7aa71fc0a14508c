// The browser end-to-end story of CH-1 and WB-1: a buyer on a phone writes to 山野茶铺, an
// agent signs in, answers, and resolves; delivery states, read receipts and typing travel
// live both ways; the buyer comes back after a reload to the same history.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, showTab, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const SHOP_NAME = '山野茶铺'
const AGENT = 'tea-pre1'
const BUYER_TEXT = '你好，我的快递三天没动了'
const AGENT_TEXT = '您好，我马上为您查询物流'

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

test('a buyer and an agent talk live, and the buyer finds the history after a reload', { timeout: 240_000 }, async (t) => {
  const buyerContext = await browser.newContext(PHONE)
  const agentContext = await browser.newContext(DESKTOP)
  const buyer = await buyerContext.newPage()
  const agent = await agentContext.newPage()
  watchPage(buyer, 'buyer', pageErrors)
  watchPage(agent, 'agent', pageErrors)

  const buyerMessage = (page, sender, text) =>
    page.locator(`[data-testid="message"][data-sender="${sender}"]`, { hasText: text })

  const step = stepper(t, { buyer, agent }, demo)

  try {
    await step('the buyer opens the shop chat and sends a message that is marked sent', async () => {
      await buyer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await buyer.getByTestId('shop-name').filter({ hasText: SHOP_NAME }).waitFor(WAIT)
      const input = buyer.getByTestId('composer-input')
      await input.fill(BUYER_TEXT)
      await input.press('Enter')
      const mine = buyerMessage(buyer, 'buyer', BUYER_TEXT)
      await mine.waitFor(WAIT)
      await mine
        .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
      assert.match((await mine.getAttribute('data-seq')) ?? '', /^\d+$/)
      assert.equal(await input.inputValue(), '')
    })

    await step('an agent signs in and finds the conversation in the list', async () => {
      await signIn(agent, demo.baseUrl, AGENT, { screenshot: 'agent-login.png' })
      // With no conversation of their own, the agent lands on 待接入, where the new buyer waits.
      await agent.locator('[data-testid="tab-waiting"][aria-selected="true"]').waitFor(WAIT)
      const row = agent.getByTestId('conversation-item').filter({ hasText: BUYER_TEXT })
      await row.waitFor(WAIT)
      assert.equal(await row.getAttribute('data-assignee-id'), '')
      await row.getByTestId('wait-timer').waitFor(WAIT)
    })

    await step('the agent opens it, the buyer sees it read, and the agent replies', async () => {
      const row = agent.getByTestId('conversation-item').filter({ hasText: BUYER_TEXT })
      await row.click()
      await buyerMessage(agent, 'buyer', BUYER_TEXT).waitFor(WAIT)
      // Opening it read it: the buyer's page says so before any reply.
      await buyerMessage(buyer, 'buyer', BUYER_TEXT)
        .locator('[data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
      await agent.getByTestId('composer-input').fill(AGENT_TEXT)
      await agent.getByTestId('send-button').click()
      const reply = buyerMessage(agent, 'agent', AGENT_TEXT)
      await reply.waitFor(WAIT)
      await reply
        .locator('[data-testid="delivery-state"][data-state="sent"], [data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
    })

    await step('answered, the conversation is the agent’s: back at the desk they land on 我的', async () => {
      await agent.reload()
      await agent.locator('[data-testid="tab-mine"][aria-selected="true"][data-count="1"]').waitFor(WAIT)
      const row = agent.getByTestId('conversation-item').filter({ hasText: AGENT_TEXT })
      await row.waitFor(WAIT)
      assert.notEqual(await row.getAttribute('data-assignee-id'), '')
      await buyerMessage(agent, 'agent', AGENT_TEXT).waitFor(WAIT)
    })

    await step('the buyer sees the reply live, and the agent sees it read', async () => {
      await buyerMessage(buyer, 'agent', AGENT_TEXT).waitFor(WAIT)
      await buyerMessage(agent, 'agent', AGENT_TEXT)
        .locator('[data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
    })

    await step('the agent sees the buyer typing', async () => {
      // Every open conversation, for the README's picture of the workbench.
      await showTab(agent, 'open')
      const input = buyer.getByTestId('composer-input')
      await input.click()
      await input.pressSequentially('好的，谢谢', { delay: 60 })
      await agent.getByTestId('typing-indicator').waitFor(WAIT)
      await agent.screenshot({ path: path.join(outputDir, 'agent.png') })
      await input.fill('')
    })

    await step('the agent resolves the conversation', async () => {
      await agent.getByTestId('resolve-button').click()
      await agent.locator('[data-testid="conversation-status"][data-status="resolved"]').waitFor(WAIT)
      await agent.getByTestId('reopen-button').waitFor(WAIT)
      await agent.screenshot({ path: path.join(outputDir, 'agent-resolved.png') })
    })

    await step('after a reload the buyer is the same buyer and sees both messages once', async () => {
      await buyer.reload()
      await buyerMessage(buyer, 'buyer', BUYER_TEXT).waitFor(WAIT)
      await buyerMessage(buyer, 'agent', AGENT_TEXT).waitFor(WAIT)
      // Let the socket's replay land, then make sure nothing was shown twice.
      await buyer.waitForTimeout(1_000)
      assert.equal(await buyerMessage(buyer, 'buyer', BUYER_TEXT).count(), 1)
      assert.equal(await buyerMessage(buyer, 'agent', AGENT_TEXT).count(), 1)
      await buyer.screenshot({ path: path.join(outputDir, 'buyer.png') })
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await buyerContext.close()
    await agentContext.close()
  }
})
