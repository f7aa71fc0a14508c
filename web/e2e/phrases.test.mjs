// The browser story of WB-3 (issue #17): the tea shop's admin writes a shop-wide quick phrase
// with variables on the phrases page; a buyer writes in; an agent types "/wl" in the
// composer, picks the phrase with its variables filled from the conversation (their own name),
// sends it with Enter, and the buyer reads it; the admin sees it counted.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, closeNotices, launchBrowser, outputDir, settle, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const ADMIN = 'tea-admin'
const AGENT = { username: 'tea-pre1', name: '售前·小雨' }
const BUYER_TEXT = '我的快递怎么还没到'
const PHRASE = '您好，我是{客服}，马上为您查询物流进度，请稍等～'

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

test('a quick phrase written by the admin, found with "/" and sent filled by an agent', { timeout: 240_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const buyer = await (await browser.newContext(PHONE)).newPage()
  for (const [who, page] of Object.entries({ admin, agent, buyer })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent, buyer }, demo)
  const filled = PHRASE.replace('{客服}', AGENT.name)

  try {
    await step('the admin writes a shop phrase with a variable on the phrases page', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('phrases-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/phrases', WAIT)
      await closeNotices(admin)
      await admin.getByTestId('phrase-new').click()
      const form = admin.getByTestId('phrase-form')
      await form.waitFor(WAIT)
      await form.locator('[data-testid="phrase-scope"][data-value="shop"]').click()
      await form.getByTestId('phrase-category').fill('物流')
      await form.getByTestId('phrase-shortcut').fill('wl')
      const text = form.getByTestId('phrase-text')
      await text.fill('您好，我是')
      await form.locator('[data-testid="phrase-variable"][data-name="客服"]').click()
      await text.press('End')
      await text.pressSequentially('，马上为您查询物流进度，请稍等～')
      assert.equal(await text.inputValue(), PHRASE)
      await admin.getByTestId('phrase-save').click()
      const row = admin.locator('[data-testid="phrase-row"][data-scope="shop"]', { hasText: '查询物流进度' })
      await row.waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'phrases-page.png') })
    })

    await step('a buyer writes, and the agent finds the phrase with "/wl", filled', async () => {
      await buyer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      const input = buyer.getByTestId('composer-input')
      await input.fill(BUYER_TEXT)
      await input.press('Enter')
      await signIn(agent, demo.baseUrl, AGENT.username)
      const row = agent.getByTestId('conversation-item').filter({ hasText: BUYER_TEXT })
      await row.click()
      await agent.locator('[data-testid="message"][data-sender="buyer"]', { hasText: BUYER_TEXT }).waitFor(WAIT)
      const box = agent.getByTestId('composer-input')
      await box.click()
      await box.pressSequentially('/wl')
      const option = agent.getByTestId('phrase-option').first()
      await option.filter({ hasText: filled }).waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'phrases-picker.png') })
      await box.press('Enter')
      assert.equal(await box.inputValue(), filled, 'the phrase is in the box to edit')
      await agent.getByTestId('phrase-picker').waitFor({ state: 'detached', ...WAIT })
    })

    await step('Enter sends it; the buyer reads it and the admin sees it counted', async () => {
      await agent.getByTestId('composer-input').press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="agent"]', { hasText: filled }).waitFor(WAIT)
      await until(async () => {
        await admin.reload()
        const uses = admin.locator('[data-testid="phrase-row"][data-scope="shop"]', { hasText: '查询物流进度' }).getByTestId('phrase-uses')
        return (await uses.textContent())?.trim() === '1'
      }, 'the phrase counted once')
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'phrases-buyer.png') })
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})
