// The browser story of issue #17's everyday tools (WB-2, WB-3, KPI-3): the tea shop's admin
// turns on the welcome, the idle nudge, the closing message and the rating on the automatic
// replies page; a buyer sees the shop's service status, gets the welcome with question
// buttons and taps one; an agent takes the conversation and is slow, so the buyer gets the
// nudge (marked automatic for the agent); the agent sends a quick phrase with a variable
// through "/"; resolving sends the closing message and the rating invitation, which the
// buyer fills in and the agent sees; after hours, a new buyer gets the off-hours reply with
// the next opening, and leaving (结束咨询) invites them to rate too.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, apiSession, launchBrowser, outputDir, settle, signIn, startDemo, stepper, watchPage } from './harness.mjs'

const SHOP = 'shanye-tea'
const ADMIN = 'tea-admin'
const AGENT = { username: 'tea-pre1', name: '售前·小雨' }
const PHRASE = { shortcut: 'bc', text: '我是{客服}，已为您备注优先发货～' }
/** The idle nudge comes a minute after the agent took the buyer, on the next 5 s tick. */
const NUDGE_WAIT = { timeout: 100_000 }

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

/** An automatic message the buyer sees, with `text` in it. */
function automatic(page, text) {
  return page.locator('[data-testid="message"][data-sender="automation"]', { hasText: text })
}

/** Flips a part's switch on the automation page to on. */
async function turnOn(page, part) {
  const toggle = page.getByTestId(`auto-${part}-enabled`)
  if ((await toggle.getAttribute('data-on')) !== 'true') await toggle.click()
  await page.locator(`[data-testid="auto-${part}-enabled"][data-on="true"]`).waitFor(WAIT)
}

test('welcome, idle nudge, a phrase, closing, rating and the off-hours reply', { timeout: 400_000 }, async (t) => {
  const admin = await (await browser.newContext(DESKTOP)).newPage()
  const agent = await (await browser.newContext(DESKTOP)).newPage()
  const buyer = await (await browser.newContext(PHONE)).newPage()
  const night = await (await browser.newContext(PHONE)).newPage()
  for (const [who, page] of Object.entries({ admin, agent, buyer, night })) watchPage(page, who, pageErrors)
  const step = stepper(t, { admin, agent, buyer, night }, demo)
  const api = await apiSession(demo.baseUrl, ADMIN)

  try {
    await step('the admin turns the automatic replies on, the nudge after one minute', async () => {
      await signIn(admin, demo.baseUrl, ADMIN)
      await admin.getByTestId('automation-link').click()
      await admin.waitForURL((url) => url.pathname === '/agent/automation', WAIT)
      await admin.getByTestId('automation-page').waitFor(WAIT)
      for (const part of ['welcome', 'idle', 'closing', 'rating']) await turnOn(admin, part)
      await admin.getByTestId('auto-idle-minutes').locator('input').fill('1')
      await admin.getByTestId('automation-save').click()
      await admin.locator('[data-testid="automation"][data-dirty="false"]').waitFor(WAIT)
      const saved = await (await api('GET', '/automation')).json()
      assert.equal(saved.replies.idle.minutes, 1)
      assert.equal(saved.replies.welcome.enabled, true)
      await settle(admin)
      await admin.screenshot({ path: path.join(outputDir, 'automation-page.png'), fullPage: true })
      // A phrase for the agent later (the phrases page has its own story).
      const phrase = await api('POST', '/phrases', { scope: 'shop', shortcut: PHRASE.shortcut, text: PHRASE.text })
      assert.equal(phrase.status, 201)
    })

    await step('the buyer sees the service status, writes, and gets the welcome with buttons', async () => {
      await buyer.goto(`${demo.baseUrl}/chat/${SHOP}`)
      await buyer.getByTestId('service-status').waitFor(WAIT)
      const input = buyer.getByTestId('composer-input')
      await input.fill('你好')
      await input.press('Enter')
      const welcome = automatic(buyer, '欢迎光临山野茶铺')
      await welcome.waitFor(WAIT)
      await welcome.getByRole('button', { name: '多久发货' }).waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'automation-welcome.png') })
      await welcome.getByRole('button', { name: '多久发货' }).click()
      await buyer.locator('[data-testid="message"][data-sender="buyer"]', { hasText: '多久发货' }).waitFor(WAIT)
    })

    await step('the agent takes it and is slow: the buyer gets the nudge once, marked automatic', async () => {
      await signIn(agent, demo.baseUrl, AGENT.username)
      await agent.getByTestId('conversation-item').filter({ hasText: '多久发货' }).first().click()
      await agent.getByTestId('pane-grab-button').click()
      await agent.getByTestId('pane-grab-button').waitFor({ state: 'detached', ...WAIT })
      const nudge = automatic(buyer, `${AGENT.name}正在为您查询`)
      await nudge.waitFor(NUDGE_WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'automation-idle-nudge.png') })
      const marked = agent.locator('[data-testid="message"][data-sender="automation"]', { hasText: '正在为您查询' })
      await marked.getByTestId('auto-badge').waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'automation-agent-sees-automatic.png') })
    })

    await step('the agent sends a quick phrase with "/", its variable filled', async () => {
      const filled = PHRASE.text.replace('{客服}', AGENT.name)
      const box = agent.getByTestId('composer-input')
      await box.click()
      await box.pressSequentially(`/${PHRASE.shortcut}`)
      await agent.getByTestId('phrase-option').filter({ hasText: filled }).first().waitFor(WAIT)
      await box.press('Enter')
      assert.equal(await box.inputValue(), filled)
      await box.press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="agent"]', { hasText: filled }).waitFor(WAIT)
    })

    await step('resolving sends the closing message and the rating, which the buyer fills in', async () => {
      await agent.getByTestId('resolve-button').click()
      await automatic(buyer, '感谢您的咨询').waitFor(WAIT)
      const card = buyer.getByTestId('rating-card').last()
      await card.waitFor(WAIT)
      await card.getByTestId('rating-open').click()
      const dialog = buyer.getByTestId('rating-dialog')
      await dialog.waitFor(WAIT)
      await dialog.getByTestId('rating-stars').locator('.el-rate__item').nth(4).click()
      await dialog.locator('[data-testid="rating-reason"][data-reason="回复及时"]').click()
      await dialog.getByTestId('rating-comment').fill('小雨很耐心')
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'automation-rating-dialog.png') })
      await dialog.getByTestId('rating-submit').click()
      await buyer.getByTestId('rating-done').last().waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'automation-rated.png') })
      const result = agent.getByTestId('rating-result').last()
      await result.filter({ hasText: '小雨很耐心' }).waitFor(WAIT)
      await settle(agent)
      await agent.screenshot({ path: path.join(outputDir, 'automation-agent-rating.png') })
    })

    await step('after hours a new buyer gets the off-hours reply with the next opening', async () => {
      await admin.reload()
      await admin.getByTestId('automation-page').waitFor(WAIT)
      await turnOn(admin, 'off_hours')
      await admin.getByTestId('automation-save').click()
      await admin.locator('[data-testid="automation"][data-dirty="false"]').waitFor(WAIT)
      // Office hours that are closed now in Shanghai, every day.
      const hour = (new Date().getUTCHours() + 8) % 24
      const [open, close] = hour < 12 ? ['20:00', '21:00'] : ['05:00', '06:00']
      const settings = await (await api('GET', '/settings')).json()
      const saved = await api('PUT', '/settings', { ...settings, office_hours: { days: [1, 2, 3, 4, 5, 6, 7], open, close } })
      assert.equal(saved.status, 200)
      await night.goto(`${demo.baseUrl}/chat/${SHOP}`)
      const status = night.getByTestId('service-status')
      await status.filter({ hasText: open }).waitFor(WAIT)
      const input = night.getByTestId('composer-input')
      await input.fill('还有人吗')
      await input.press('Enter')
      await automatic(night, `上线`).filter({ hasText: open }).waitFor(WAIT)
      await settle(night)
      await night.screenshot({ path: path.join(outputDir, 'automation-off-hours.png') })
    })

    await step('the buyer leaves with 结束咨询 and is invited to rate', async () => {
      await night.getByTestId('end-conversation').click()
      await night.getByTestId('rating-card').waitFor(WAIT)
      await night.getByTestId('end-conversation').waitFor({ state: 'detached', ...WAIT })
      await settle(night)
      await night.screenshot({ path: path.join(outputDir, 'automation-buyer-leaves.png') })
    })
  } finally {
    assert.deepEqual(pageErrors, [])
  }
})
