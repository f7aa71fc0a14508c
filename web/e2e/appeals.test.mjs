// The browser story of issue #20's appeals (SELF-3) and evidence: on the platform's official
// desk a buyer appeals a refund from its template with a photo; the desk's queue shows the
// 15-minute target, takes it up and rejects it with a reason, which the buyer reads in the
// chat; the buyer reopens it once with new facts. The buyer downloads the conversation as a
// sealed transcript; the desk verifies it, and a copy with one word changed fails.
//
// Runs a real `kefu demo` and Debian's Chromium (see harness.mjs). Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DESKTOP, PHONE, WAIT, launchBrowser, outputDir, settle, signIn, startDemo, stepper, watchPage } from './harness.mjs'

// A 1×1 PNG: the photo of the mouldy tea.
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

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

test('a buyer appeals to the platform, is answered in the chat and reopens once; a sealed transcript is verified', { timeout: 300_000 }, async (t) => {
  const buyer = await (await browser.newContext({ ...PHONE, acceptDownloads: true })).newPage()
  const desk = await (await browser.newContext(DESKTOP)).newPage()
  for (const [who, page] of Object.entries({ buyer, desk })) watchPage(page, who, pageErrors)
  const step = stepper(t, { buyer, desk }, demo)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-appeal-'))
  let transcript = ''

  try {
    await step('on the official desk the buyer appeals a refund with a photo', async () => {
      await buyer.goto(`${demo.baseUrl}/chat/official`)
      const input = buyer.getByTestId('composer-input')
      await input.fill('商家不给我退款，我要申诉')
      await input.press('Enter')
      await buyer.locator('[data-testid="message"][data-sender="buyer"]', { hasText: '我要申诉' }).waitFor(WAIT)
      await buyer.getByTestId('appeal-open').click()
      const sheet = buyer.getByTestId('appeal-sheet')
      await sheet.waitFor(WAIT)
      await sheet.locator('[data-testid="appeal-kind"][data-value="refund"]').click()
      // The template's starting text is there to fill in.
      assert.match(await sheet.getByTestId('appeal-description').inputValue(), /订单号/)
      await sheet.getByTestId('appeal-order').fill('T20261203002970')
      await sheet.getByTestId('appeal-description').fill('订单号：T20261203002970\n茶叶发霉，商家拒绝退款，我要求全额退款')
      await sheet.getByTestId('appeal-file-input').setInputFiles({ name: '发霉.png', mimeType: 'image/png', buffer: PHOTO })
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'appeal-buyer-sheet.png') })
      await sheet.getByTestId('appeal-submit').click()
      await buyer.locator('[data-testid="buyer-appeal"][data-status="pending"]').waitFor(WAIT)
      await buyer.locator('[data-testid="message"]', { hasText: '您的申诉' }).last().waitFor(WAIT)
    })

    await step('the desk takes it up within its target and rejects it with a reason', async () => {
      await signIn(desk, demo.baseUrl, 'official-lead')
      await desk.getByTestId('appeals-link').click()
      await desk.waitForURL((url) => url.pathname === '/agent/appeals', WAIT)
      const row = desk.locator('[data-testid="appeal-row"][data-status="pending"]').first()
      await row.waitFor(WAIT)
      assert.equal(await row.getByTestId('appeal-wait').getAttribute('data-state'), 'ok')
      await settle(desk)
      await desk.screenshot({ path: path.join(outputDir, 'appeal-desk-queue.png') })
      await row.click()
      await desk.getByTestId('appeal-detail').waitFor(WAIT)
      await desk.getByTestId('appeal-take').click()
      await desk.locator('[data-testid="appeal-outcome"][data-value="rejected"]').click()
      await desk.getByTestId('appeal-reason').fill('照片看不出发霉，请补充清晰的照片')
      await desk.getByTestId('appeal-decide').click()
      await buyer.locator('[data-testid="message"]', { hasText: '申诉不成立' }).last().waitFor(WAIT)
      await buyer.locator('[data-testid="buyer-appeal"][data-status="decided"]').waitFor({ timeout: 30_000 })
    })

    await step('the buyer reopens it once with new facts', async () => {
      await buyer.getByTestId('appeal-reopen').click()
      await buyer.getByTestId('appeal-reopen-facts').fill('补充了三张清晰的发霉照片')
      await buyer.getByTestId('appeal-reopen-submit').click()
      await buyer.locator('[data-testid="buyer-appeal"][data-status="pending"]').waitFor(WAIT)
      await settle(buyer)
      await buyer.screenshot({ path: path.join(outputDir, 'appeal-buyer-reopened.png') })
    })

    await step('the buyer downloads a sealed transcript; the desk verifies it, and an edited copy fails', async () => {
      const [download] = await Promise.all([buyer.waitForEvent('download'), buyer.getByTestId('transcript-download').click()])
      transcript = path.join(dir, download.suggestedFilename())
      await download.saveAs(transcript)
      const html = fs.readFileSync(transcript, 'utf8')
      assert.match(html, /kefu-transcript/)
      assert.match(html, /我要申诉/)
      await desk.getByTestId('transcript-verify-input').setInputFiles(transcript)
      await desk.locator('[data-testid="transcript-verify-result"][data-valid="true"]').waitFor(WAIT)
      await settle(desk)
      await desk.screenshot({ path: path.join(outputDir, 'appeal-transcript-valid.png') })
      const edited = path.join(dir, 'edited.html')
      fs.writeFileSync(edited, html.replace('我要申诉', '我不申诉'))
      await desk.getByTestId('transcript-verify-input').setInputFiles(edited)
      await desk.locator('[data-testid="transcript-verify-result"][data-valid="false"]').waitFor(WAIT)
    })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
    assert.deepEqual(pageErrors, [])
  }
})
