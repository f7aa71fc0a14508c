// The other platforms as the browser stories of issue #21 meet them: what WeChat, WeCom 微信客服,
// Douyin and a phone line's contact center (TCCC) push to kefu, signed as each signs it, and a
// fake of WeCom's API for kefu to pull the buyer's messages from and send replies to (served
// here; a channel names it by `api_base`, which the harness's server allows). Not a test file
// itself (no `.test.`).

import assert from 'node:assert/strict'
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import http from 'node:http'

function unixNow() {
  return Math.floor(Date.now() / 1000)
}

function nonce() {
  return String(Math.floor(Math.random() * 1e9))
}

/** The answer to a push, read whole. */
async function answered(res) {
  return { status: res.status, text: await res.text() }
}

// ---- WeChat Official Account (plain mode) ----

/** WeChat's plain-mode `signature`: SHA-1 of the token, timestamp and nonce, sorted and joined. */
export function wechatSignature(token, timestamp, nonceValue) {
  return createHash('sha1').update([token, timestamp, nonceValue].sort().join('')).digest('hex')
}

/** A buyer's text message as WeChat pushes it to the account's server URL in plain mode
 *  (`token`: what the signature is made with). */
export async function wechatPush(baseUrl, channelId, { token, openid, text, msgId, to = 'gh_e2etest0001' }) {
  const timestamp = String(unixNow())
  const n = nonce()
  const query = new URLSearchParams({ signature: wechatSignature(token, timestamp, n), timestamp, nonce: n, openid })
  const xml =
    `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content>` +
    `<MsgId>${msgId}</MsgId></xml>`
  const res = await fetch(`${baseUrl}/hooks/wechat-mp/${channelId}?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml' },
    body: xml,
  })
  return answered(res)
}

// ---- WeCom 微信客服 ----

/** WXBizMsgCrypt's encryption of `msg` for `receiveId` (the CorpID): 16 random bytes, the
 *  message's length (4 bytes, big-endian), the message and the id, PKCS#7-padded to 32-byte
 *  blocks, AES-256-CBC with the key's first 16 bytes as the IV, base64. */
export function wxEncrypt(aesKey, msg, receiveId) {
  const key = Buffer.from(`${aesKey}=`, 'base64')
  assert.equal(key.length, 32)
  const body = Buffer.from(msg, 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(receiveId, 'utf8')])
  const pad = 32 - (plain.length % 32)
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16))
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64')
}

/** WeCom's notice that the kf account `openKfid` has something to read (`kf_msg_or_event`),
 *  encrypted for `corpId` with `aesKey` and signed with `token` as WeCom sends it to the
 *  callback; `callbackToken` is what kefu hands back to `sync_msg`. */
export async function wecomNotify(baseUrl, channelId, { token, aesKey, corpId, openKfid, callbackToken }) {
  const timestamp = String(unixNow())
  const n = nonce()
  const inner =
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><CreateTime>${timestamp}</CreateTime>` +
    `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>` +
    `<Token><![CDATA[${callbackToken}]]></Token><OpenKfId><![CDATA[${openKfid}]]></OpenKfId></xml>`
  const encrypted = wxEncrypt(aesKey, inner, corpId)
  const msgSignature = createHash('sha1').update([token, timestamp, n, encrypted].sort().join('')).digest('hex')
  const query = new URLSearchParams({ msg_signature: msgSignature, timestamp, nonce: n })
  const xml =
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt>` +
    `<AgentID><![CDATA[]]></AgentID></xml>`
  const res = await fetch(`${baseUrl}/hooks/wecom-kf/${channelId}?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml' },
    body: xml,
  })
  return answered(res)
}

/** WeCom's API as far as kefu uses it for 微信客服: an access token (`WT1`), the kf account's
 *  messages by cursor (the buyer `buyer`'s `question` to `openKfid` first, nothing after `c1`),
 *  and the messages sent. Resolves to `{base, pulls, sent, tokenAsked, close}`, which keeps what
 *  kefu asked. */
export function startFakeWecom({ openKfid, buyer, question }) {
  const wecom = { base: '', pulls: [], sent: [], tokenAsked: [], close: () => server.close() }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://wecom.test')
    const answer = (body) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const withBody = (fn) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => fn(JSON.parse(body)))
    }
    if (req.method === 'GET' && url.pathname === '/cgi-bin/gettoken') {
      wecom.tokenAsked.push({ corpid: url.searchParams.get('corpid'), corpsecret: url.searchParams.get('corpsecret') })
      answer({ errcode: 0, errmsg: 'ok', access_token: 'WT1', expires_in: 7200 })
      return
    }
    if (url.searchParams.get('access_token') !== 'WT1' && req.method === 'POST') {
      answer({ errcode: 40014, errmsg: 'invalid access_token' })
      return
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/kf/sync_msg') {
      withBody((body) => {
        wecom.pulls.push(body)
        const first = body.cursor !== 'c1'
        const message = {
          msgid: 'e2e-m1',
          open_kfid: openKfid,
          external_userid: buyer,
          send_time: unixNow(),
          origin: 3,
          msgtype: 'text',
          text: { content: question },
        }
        answer({ errcode: 0, errmsg: 'ok', next_cursor: 'c1', has_more: 0, msg_list: first ? [message] : [] })
      })
      return
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/kf/send_msg') {
      withBody((body) => {
        wecom.sent.push({ accessToken: url.searchParams.get('access_token'), body })
        answer({ errcode: 0, errmsg: 'ok', msgid: `sent-${wecom.sent.length}` })
      })
      return
    }
    res.writeHead(404).end()
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      wecom.base = `http://127.0.0.1:${server.address().port}`
      resolve(wecom)
    })
  })
}

// ---- Douyin ----

/** A webhook as Douyin sends it: the JSON body, `X-Douyin-Signature` the SHA-1 of the client
 *  secret and the raw body (`secret`: what it is signed with). */
export async function douyinWebhook(baseUrl, channelId, secret, event) {
  const body = JSON.stringify(event)
  const res = await fetch(`${baseUrl}/hooks/douyin/${channelId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Douyin-Signature': createHash('sha1').update(secret + body).digest('hex') },
    body,
  })
  return answered(res)
}

/** A buyer's (`from`, named `fromName`) private message to the enterprise account (`to`), as
 *  `im_receive_msg` carries it. */
export function douyinMessage({ clientKey, from, fromName, to, toName, text, msgId, createTime = Date.now(), conversation = '@conv1' }) {
  return {
    event: 'im_receive_msg',
    client_key: clientKey,
    from_user_id: from,
    to_user_id: to,
    content: {
      conversation_short_id: conversation,
      server_message_id: msgId,
      conversation_type: 1,
      create_time: createTime,
      message_type: 'text',
      text,
      user_infos: [
        { open_id: from, nick_name: fromName },
        { open_id: to, nick_name: toName },
      ],
    },
  }
}

// ---- the phone line (TCCC) ----

/** TCCC's CDR of a call from `caller` to the line `callee` that nobody answered: the caller
 *  pressed 2 (售后服务) and hung up while queued. Times in seconds, as TCCC pushes them. */
export function tcccMissedCall({ session, caller, callee }) {
  const now = unixNow()
  return {
    SdkAppId: 1400264214,
    SessionId: session,
    Caller: caller,
    Callee: callee,
    Direction: 0,
    CallType: 2,
    Duration: 0,
    SeatUser: {},
    StartTimestamp: now - 100,
    RingTimestamp: now - 90,
    AcceptTimestamp: 0,
    EndedTimestamp: now,
    IVRKeyPressedEx: [{ Key: '2', Label: '售后服务' }],
    EndStatusString: 'waitingGiveUp',
    RecordURL: '',
  }
}

/** A push as TCCC makes it: POST to the push URL, HTTP Basic with any user name. */
export async function tcccPush(url, password, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json;charset=utf8',
      Authorization: `Basic ${Buffer.from(`tccc:${password}`).toString('base64')}`,
      'X-TCCC-Push-UUID': `push-${Date.now()}`,
    },
    body: JSON.stringify(body),
  })
  return answered(res)
}
