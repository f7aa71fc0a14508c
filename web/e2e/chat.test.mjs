// The browser end-to-end story of CH-1 and WB-1: a buyer on a phone writes to 山野茶铺, an
// agent signs in, answers, and resolves; delivery states, read receipts and typing travel
// live both ways; the buyer comes back after a reload to the same history.
//
// Runs a real `kefu demo` (KEFU_BIN, or ../target/debug/kefu) on a free port with a fresh
// data dir, and drives Debian's Chromium through playwright-core. Screenshots: e2e/output/.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const webDir = path.resolve(here, '..')
const outputDir = path.join(here, 'output')
const kefuBin = process.env.KEFU_BIN ?? path.resolve(webDir, '../target/debug/kefu')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const SHOP = 'shanye-tea'
const SHOP_NAME = '山野茶铺'
const AGENT = { username: 'tea-pre1', password: 'kefu-demo-2026' }
const BUYER_TEXT = '你好，我的快递三天没动了'
const AGENT_TEXT = '您好，我马上为您查询物流'
const WAIT = { timeout: 15_000 }

let server
let serverLog = ''
let dataDir
let baseUrl
let browser
const pageErrors = []

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function waitForHealth(url, deadlineMs) {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (server.exitCode !== null) {
      throw new Error(`kefu exited with ${server.exitCode} before it was healthy:\n${serverLog}`)
    }
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.status === 200) return
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`kefu was not healthy within ${deadlineMs / 1000} s:\n${serverLog}`)
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  const timer = setTimeout(() => server.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

function watchPage(page, who) {
  page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`))
}

before(async () => {
  assert.ok(
    existsSync(kefuBin),
    `no kefu binary at ${kefuBin}: build it (cargo build -p kefu) or set KEFU_BIN`,
  )
  await mkdir(outputDir, { recursive: true })
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kefu-e2e-'))
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  server = spawn(kefuBin, ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  })
  const keep = (chunk) => {
    serverLog = (serverLog + chunk.toString()).slice(-20_000)
  }
  server.stdout.on('data', keep)
  server.stderr.on('data', keep)
  process.once('exit', () => server?.kill('SIGKILL'))
  await waitForHealth(baseUrl, 60_000)

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  })
})

after(async () => {
  try {
    await browser?.close()
  } finally {
    await stopServer()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  }
})

test('a buyer and an agent talk live, and the buyer finds the history after a reload', { timeout: 240_000 }, async (t) => {
  const buyerContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  const agentContext = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  })
  const buyer = await buyerContext.newPage()
  const agent = await agentContext.newPage()
  watchPage(buyer, 'buyer')
  watchPage(agent, 'agent')

  const buyerMessage = (page, sender, text) =>
    page.locator(`[data-testid="message"][data-sender="${sender}"]`, { hasText: text })

  // Steps share the two pages; after a failed step the rest are skipped, not timed out.
  let failed = false
  const step = (name, fn) =>
    failed
      ? t.test(name, { skip: 'an earlier step failed' })
      : t.test(name, async () => {
          try {
            await fn()
          } catch (err) {
            failed = true
            await buyer.screenshot({ path: path.join(outputDir, 'failure-buyer.png') }).catch(() => {})
            await agent.screenshot({ path: path.join(outputDir, 'failure-agent.png') }).catch(() => {})
            if (serverLog) console.error(`--- kefu log (tail) ---\n${serverLog.slice(-4_000)}`)
            throw err
          }
        })

  try {
    await step('the buyer opens the shop chat and sends a message that is marked sent', async () => {
      await buyer.goto(`${baseUrl}/chat/${SHOP}`)
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
      await agent.goto(`${baseUrl}/agent`)
      await agent.waitForURL(/\/agent\/login/, WAIT)
      await agent.getByTestId('login-username').waitFor(WAIT)
      await agent.screenshot({ path: path.join(outputDir, 'agent-login.png') })
      await agent.getByTestId('login-username').fill(AGENT.username)
      await agent.getByTestId('login-password').fill(AGENT.password)
      await agent.getByTestId('login-submit').click()
      await agent.waitForURL((url) => url.pathname === '/agent', WAIT)
      await agent.getByTestId('conversation-item').filter({ hasText: BUYER_TEXT }).waitFor(WAIT)
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

    await step('the buyer sees the reply live, and the agent sees it read', async () => {
      await buyerMessage(buyer, 'agent', AGENT_TEXT).waitFor(WAIT)
      await buyerMessage(agent, 'agent', AGENT_TEXT)
        .locator('[data-testid="delivery-state"][data-state="read"]')
        .waitFor(WAIT)
    })

    await step('the agent sees the buyer typing', async () => {
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
