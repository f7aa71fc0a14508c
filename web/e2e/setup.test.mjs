// Issue #15, the first run as a new merchant meets it: `kefu serve` on an empty data directory
// prints a one-time setup link; without its token the page only says where to find it; with it
// the merchant creates the shop and its super admin, lands in the workbench signed in, and the
// link works no more. The super admin then finds the shop's identity secret and rotates it.
//
// Runs a real `kefu serve` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { createHmac } from 'node:crypto'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, startKefu, stepper, watchPage } from './harness.mjs'

let kefu
let browser

/** A member login as a shop's backend signs it (JWT, HS256; docs/entry-links.md). */
function memberToken(secret, sub, name) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, exp: Math.floor(Date.now() / 1000) + 3600 })}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
const pageErrors = []

before(async () => {
  kefu = await startKefu('serve')
  browser = await launchBrowser()
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await kefu?.stop()
  }
})

test('the first run creates the shop and its super admin, then opens the workbench', { timeout: 180_000 }, async (t) => {
  const context = await browser.newContext(DESKTOP)
  const phoneContext = await browser.newContext(PHONE)
  const page = await context.newPage()
  const phone = await phoneContext.newPage()
  watchPage(page, 'merchant', pageErrors)
  watchPage(phone, 'phone', pageErrors)
  const step = stepper(t, { merchant: page, phone }, kefu)
  let link = ''

  try {
    await step('kefu prints the setup link; the page without its token says where to find it', async () => {
      link = await kefu.printed(/(http:\/\/\S+\/setup#[0-9a-f]{64})/)
      // Someone who goes to the workbench first is told where setup is.
      await page.goto(`${kefu.baseUrl}/agent/login`)
      await page.getByTestId('login-setup-open').waitFor(WAIT)
      await page.goto(`${kefu.baseUrl}/setup`)
      await page.getByTestId('setup-no-token').waitFor(WAIT)
      assert.equal(await page.getByTestId('setup-form').count(), 0)
    })

    await step('a wrong password confirmation and a bad slug are refused in the page', async () => {
      await page.goto(link)
      await page.getByTestId('setup-form').waitFor(WAIT)
      await page.getByTestId('setup-name').fill('山间茶铺')
      await page.getByTestId('setup-slug').fill('Hill Tea')
      await page.getByTestId('setup-display-name').fill('店长')
      await page.getByTestId('setup-username').fill('owner')
      await page.getByTestId('setup-password').fill('first-run-2026')
      await page.getByTestId('setup-confirm').fill('first-run-2025')
      await page.getByTestId('setup-submit').click()
      await page.locator('[data-testid="setup-error"][data-code="mismatch"]').waitFor(WAIT)
      await page.getByTestId('setup-confirm').fill('first-run-2026')
      await page.getByTestId('setup-submit').click()
      await page.locator('[data-testid="setup-error"][data-code="invalid_slug"]').waitFor(WAIT)
      await page.getByTestId('setup-slug').fill('hill-tea')
      await page.screenshot({ path: path.join(outputDir, 'setup.png'), fullPage: true })
    })

    await step('creating the shop signs its super admin into the workbench', async () => {
      await page.getByTestId('setup-submit').click()
      await page.waitForURL((url) => url.pathname === '/agent', WAIT)
      await page.getByTestId('tenant-name').filter({ hasText: '山间茶铺' }).waitFor(WAIT)
      // A super admin has the team page.
      await page.getByTestId('team-link').waitFor(WAIT)
      await page.screenshot({ path: path.join(outputDir, 'setup-workbench.png') })
    })

    await step('the super admin copies the identity secret and rotates it, keeping the old one a day', async () => {
      await page.goto(`${kefu.baseUrl}/agent/team?tab=settings`)
      await page.getByTestId('identity-secret').waitFor(WAIT)
      await page.getByTestId('identity-secret-status').filter({ hasText: '从未更换' }).waitFor(WAIT)
      await page.getByTestId('identity-secret-reveal').click()
      const first = (await page.getByTestId('identity-secret-value').textContent()).trim()
      assert.match(first, /^[0-9a-f]{64}$/)
      await page.getByTestId('identity-secret-rotate').click()
      await page.getByTestId('identity-secret-grace-hours').click()
      await page.getByRole('option', { name: '1 天' }).click()
      await page.locator('[data-testid="identity-secret-grace-hours"][data-value="24"]').waitFor(WAIT)
      await page.getByTestId('identity-secret-rotate-confirm').click()
      await page.locator('[data-testid="identity-secret-shown"][data-fresh="true"]').waitFor(WAIT)
      const second = (await page.getByTestId('identity-secret-value').textContent()).trim()
      assert.match(second, /^[0-9a-f]{64}$/)
      assert.notEqual(second, first)
      await page.getByTestId('identity-secret-grace').waitFor(WAIT)
      await page.getByTestId('identity-secret').scrollIntoViewIfNeeded()
      await page.screenshot({ path: path.join(outputDir, 'identity-secret.png'), fullPage: true })
      // Through the grace the shop's backend may sign with either secret.
      for (const secret of [first, second]) {
        const res = await fetch(`${kefu.baseUrl}/api/v1/buyer/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ shop: 'hill-tea', identity: memberToken(secret, 'member-1', '周女士') }),
        })
        assert.equal(res.status, 200, await res.text())
      }
      // Ending the grace early: the old secret is refused.
      await page.getByTestId('identity-secret-end-grace').click()
      await page.getByTestId('identity-secret-grace').waitFor({ state: 'detached', ...WAIT })
      const stale = await fetch(`${kefu.baseUrl}/api/v1/buyer/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ shop: 'hill-tea', identity: memberToken(first, 'member-1', '周女士') }),
      })
      assert.equal(stale.status, 400)
      await page.getByTestId('identity-secret-hide').click()
      await page.getByTestId('identity-secret-value').waitFor({ state: 'detached', ...WAIT })
    })

    await step('the link works no more, and the shop\'s chat page is open to buyers', async () => {
      await phone.goto(link)
      await phone.getByTestId('setup-done').waitFor(WAIT)
      await phone.screenshot({ path: path.join(outputDir, 'setup-done-phone.png') })
      await phone.goto(`${kefu.baseUrl}/chat/hill-tea`)
      await phone.getByText('山间茶铺').first().waitFor(WAIT)
    })

    await step('no page threw an uncaught error', () => {
      assert.deepEqual(pageErrors, [])
    })
  } finally {
    await context.close()
    await phoneContext.close()
  }
})
