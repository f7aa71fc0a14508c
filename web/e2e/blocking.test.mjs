// The browser story of WB-6 (issue #17): the tea shop's admin turns the intake filter on with
// an ad word on the 拉黑与过滤 page; a buyer's ad lands in the agent's 无效 tab, never in the
// queue; another buyer harasses, the agent blocks them from the conversation, which turns
// invalid while the buyer keeps writing and sees nothing different; the supervisor lifts the
// block on the blocklist and restores the wrongly flagged conversation. The agent is alerted
// to the new buyer (the alert log, the tab title).
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, showTab, signIn, startDemo, stepper, until, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const AD_WORD = '加微信'

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

async function write(page, text) {
  const input = page.getByTestId('composer-input')
  await input.fill(text)
  await input.press('Enter')
  await page.locator('[data-testid="message"][data-sender="buyer"]', { hasText: text }).waitFor(WAIT)
}

test('ads are filtered out, a harasser is blocked, and both are reversed', { timeout: 240_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const spammer = await (await browser.newContext(PHONE)).newPage()
  const rude = await (await browser.newContext(PHONE)).newPage()
  for (const [who, page] of Object.entries({ admin, agent, spammer, rude })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent, spammer, rude }, demo)
  const api = await apiSession(demo.baseUrl, 'tea-admin')
  /** The conversations of the shop with `text` as their last message, as the server has them. */
  const conversationWith = async (text) => {
    const all = await (await api('GET', '/conversations?status=all&limit=200')).json()
    return all.conversations.find((c) => c.last_message_preview.includes(text))
  }

  try {
    await step('the admin turns the intake filter on with an ad word', async () => {
      await signIn(admin, demo.baseUrl, 'tea-admin')
      await admin.getByTestId('blocklist-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/blocklist', WAIT)
      await admin.getByTestId('intake-filter').waitFor(WAIT)
      await admin.getByTestId('intake-enabled').click()
      const words = admin.getByTestId('intake-keyword')
      if (!(await words.filter({ hasText: AD_WORD }).count())) {
        await admin.getByTestId('intake-keyword-input').fill(AD_WORD)
        await admin.getByTestId('intake-keyword-input').press('Enter')
      }
      await admin.getByTestId('intake-save').click()
      await admin.locator('[data-testid="intake-filter"][data-dirty="false"]').waitFor(WAIT)
      const saved = await (await api('GET', '/intake-filter')).json()
      assert.equal(saved.filter.enabled, true)
      assert.ok(saved.filter.keywords.includes(AD_WORD))
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'blocking-filter.png'), fullPage: true })
    })

    await step("an ad goes to the agent's 无效 tab, not the queue", async () => {
      await spammer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await write(spammer, `${AD_WORD}领红包，日赚500`)
      const flagged = await until(() => conversationWith('日赚500'), 'the ad stored')
      assert.equal(flagged.status, 'invalid')
      await signIn(agent, demo.baseUrl, 'tea-pre1')
      await showTab(agent, 'waiting')
      assert.equal(await agent.getByTestId('conversation-item').filter({ hasText: '日赚500' }).count(), 0)
      await showTab(agent, 'invalid')
      const row = agent.getByTestId('conversation-item').filter({ hasText: '日赚500' })
      await row.getByTestId('invalid-chip').waitFor(WAIT)
      await row.click()
      await agent.getByTestId('invalid-notice').filter({ hasText: AD_WORD }).waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'blocking-invalid-tab.png') })
    })

    await step('the agent blocks a harasser; they keep writing into an invalid conversation', async () => {
      await rude.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await write(rude, '你们客服都是骗子')
      // A new buyer waiting alerts the agent (sound, desktop when hidden, the tab title).
      await agent.waitForFunction(() => (window.__kefuAlerts ?? []).some((a) => a.kind === 'waiting'), null, WAIT)
      await agent.waitForFunction(() => /^\(\d+\) /.test(document.title), null, WAIT)
      await showTab(agent, 'waiting')
      await agent.getByTestId('conversation-item').filter({ hasText: '骗子' }).click()
      await agent.getByTestId('block-buyer').click()
      const dialog = agent.getByTestId('block-dialog')
      await dialog.waitFor(WAIT)
      await dialog.locator('[data-testid="block-kind"][data-value="harassment"]').click()
      await dialog.locator('[data-testid="block-days"][data-value="7"]').click()
      await dialog.getByTestId('block-note').fill('辱骂客服')
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'blocking-dialog.png') })
      await dialog.getByTestId('block-confirm').click()
      await agent.getByTestId('invalid-notice').waitFor(WAIT)
      await write(rude, '再骂一句')
      assert.equal(await rude.locator('[role="alert"]').count(), 0, 'the buyer sees nothing different')
      const blocked = await until(async () => {
        const c = await conversationWith('再骂一句')
        return c?.status === 'invalid' && c
      }, 'the second message stored in the invalid conversation')
      assert.equal(blocked.assignee_id, null)
    })

    await step('the supervisor lifts the block and restores the flagged ad', async () => {
      await admin.reload()
      const row = admin.getByTestId('block-row').filter({ hasText: '辱骂客服' })
      await row.waitFor(WAIT)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'blocking-blocklist.png'), fullPage: true })
      await row.getByTestId('block-lift').click()
      const confirm = admin.locator('.el-message-box__btns .el-button--primary')
      if (await confirm.count()) await confirm.click()
      await admin.locator('[data-testid="block-row"][data-state="lifted"]', { hasText: '辱骂客服' }).waitFor(WAIT)
      assert.equal((await conversationWith('再骂一句')).status, 'resolved')

      await admin.goto(`${demo.baseUrl}/agent`)
      await showTab(admin, 'invalid')
      await admin.getByTestId('conversation-item').filter({ hasText: '日赚500' }).click()
      await admin.getByTestId('restore-conversation').click()
      await until(async () => (await conversationWith('日赚500'))?.status === 'open', 'the ad conversation restored')
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})
