/* kefu web widget (issue #21, CH-1): a floating bubble that opens the shop's chat in a frame.
 * Served at /widget/{id}.js with the widget's settings in place of the marker below. The
 * bubble lives in a closed shadow root, so the site's styles never reach it; the chat is
 * kefu's own page in a frame the site cannot read. On the site:
 *   <script src="https://kefu.example/widget/{id}.js" async></script>
 *   optional: data-identity="<the shop's identity token for a logged-in member>"
 *   window.kefu('identify', token), kefu('open'), kefu('close') after it loads. */
(function () {
  'use strict'
  var config = __KEFU_WIDGET__
  var script = document.currentScript
  if (!script || window['__kefuWidget' + config.id]) return
  window['__kefuWidget' + config.id] = true
  var base = new URL(script.src).origin
  // Only the widget's sites may frame its chat: elsewhere the bubble is not shown at all.
  var here = location.origin.toLowerCase()
  var listed = (config.origins || []).some(function (o) {
    if (o === here) return true
    var star = o.indexOf('://*.')
    if (star < 0) return false
    var scheme = o.slice(0, star + 3)
    var suffix = o.slice(star + 4)
    return here.indexOf(scheme) === 0 && here.slice(scheme.length).indexOf('.') > 0 && here.slice(-suffix.length) === suffix
  })
  if (!listed) {
    if (window.console) console.warn('kefu: this site (' + here + ') is not one of the widget\'s sites; add it in 渠道接入')
    return
  }
  var identity = script.getAttribute('data-identity') || ''
  var queued = (window.kefu && window.kefu.q) || []
  var phone = window.matchMedia('(max-width: 600px)')
  var side = config.position === 'left' ? 'left' : 'right'
  var zh = (navigator.language || 'zh').toLowerCase().indexOf('zh') === 0
  var label = zh ? '在线客服' : 'Chat with us'
  var closeLabel = zh ? '收起' : 'Close'

  // A tag of its own (no site rule for div reaches it), placed with !important (nor does
  // any other).
  var host = document.createElement('kefu-widget')
  host.setAttribute('data-kefu-widget', config.id)
  var place = { all: 'initial', position: 'fixed', 'z-index': '2147483000', bottom: '0', width: '0', height: '0', display: 'block' }
  place[side] = '0'
  for (var key in place) host.style.setProperty(key, place[key], 'important')
  var root = host.attachShadow({ mode: 'closed' })
  var style = document.createElement('style')
  style.textContent = [
    ':host { all: initial; }',
    '* { box-sizing: border-box; }',
    '.bubble { position: fixed; z-index: 2147483001; bottom: 20px; ' + side + ': 20px; width: 56px; height: 56px; border: 0; border-radius: 50%;',
    '  background: ' + config.color + '; color: #fff; cursor: pointer; display: flex; align-items: center; justify-content: center;',
    '  box-shadow: 0 6px 20px rgba(15, 23, 42, .25); padding: 0; margin: 0; font: 600 12px/1 system-ui, sans-serif; }',
    '.bubble:focus-visible { outline: 3px solid rgba(37, 99, 235, .5); outline-offset: 2px; }',
    '.bubble svg { width: 26px; height: 26px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }',
    '.badge { position: absolute; top: -2px; ' + (side === 'left' ? 'left' : 'right') + ': -2px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;',
    '  background: #ef4444; color: #fff; font: 600 12px/20px system-ui, sans-serif; text-align: center; display: none; }',
    '.panel { position: fixed; z-index: 2147483000; bottom: 88px; ' + side + ': 20px; width: 380px; height: min(640px, calc(100vh - 108px));',
    '  border-radius: 14px; overflow: hidden; background: #fff; box-shadow: 0 12px 40px rgba(15, 23, 42, .28); display: none; }',
    '.panel.open { display: block; }',
    '.panel iframe { width: 100%; height: 100%; border: 0; display: block; background: #fff; }',
    '.escape { position: absolute; top: 10px; right: 10px; min-width: 56px; height: 32px; border: 0; border-radius: 16px;',
    '  background: rgba(15, 23, 42, .75); color: #fff; font: 500 14px/32px system-ui, sans-serif; padding: 0 12px; cursor: pointer; display: none; }',
    '.escape.shown { display: block; }',
    '@media (max-width: 600px) {',
    '  .panel { inset: 0; width: 100vw; height: 100%; border-radius: 0; bottom: 0; }',
    '  .panel.open + .bubble { display: none; }',
    '}',
  ].join('\n')
  var panel = document.createElement('div')
  panel.className = 'panel'
  panel.setAttribute('role', 'dialog')
  panel.setAttribute('aria-label', config.name || label)
  var bubble = document.createElement('button')
  bubble.type = 'button'
  bubble.className = 'bubble'
  bubble.setAttribute('aria-label', label)
  bubble.setAttribute('aria-expanded', 'false')
  bubble.title = label
  bubble.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.4A8 8 0 1 1 21 12z"/></svg><span class="badge"></span>'
  var badge = bubble.querySelector('.badge')
  // Kefu's own 收起 over the frame, shown only if the chat does not come up (kefu down, the
  // widget paused or this site dropped): on a phone the panel covers the page.
  var escape = document.createElement('button')
  escape.type = 'button'
  escape.className = 'escape'
  escape.textContent = closeLabel
  escape.addEventListener('click', function () { close() })
  panel.appendChild(escape)
  root.appendChild(style)
  root.appendChild(panel)
  root.appendChild(bubble)

  var frame = null
  var unread = 0
  var chatReady = false
  var pageOverflow = null

  function chatUrl() {
    var url = base + '/chat/' + encodeURIComponent(config.shop) + '?embed=1&widget=' + encodeURIComponent(config.id)
    if (identity) url += '&identity=' + encodeURIComponent(identity)
    return url
  }

  function showUnread() {
    badge.textContent = unread > 99 ? '99+' : String(unread)
    badge.style.display = unread > 0 && !panel.classList.contains('open') ? 'block' : 'none'
  }

  function open() {
    if (!frame) {
      frame = document.createElement('iframe')
      frame.title = config.name || label
      frame.allow = 'clipboard-write'
      frame.src = chatUrl()
      panel.appendChild(frame)
    }
    panel.classList.add('open')
    bubble.setAttribute('aria-expanded', 'true')
    bubble.setAttribute('aria-label', closeLabel)
    unread = 0
    showUnread()
    if (phone.matches && pageOverflow === null) {
      pageOverflow = document.documentElement.style.overflow
      document.documentElement.style.overflow = 'hidden'
    }
    if (!chatReady) {
      setTimeout(function () {
        if (!chatReady) escape.classList.add('shown')
      }, 8000)
    }
    frame.focus()
  }

  function close() {
    if (!panel.classList.contains('open')) return
    panel.classList.remove('open')
    bubble.setAttribute('aria-expanded', 'false')
    bubble.setAttribute('aria-label', label)
    if (pageOverflow !== null) {
      document.documentElement.style.overflow = pageOverflow
      pageOverflow = null
    }
    showUnread()
    bubble.focus()
  }

  bubble.addEventListener('click', function () {
    if (panel.classList.contains('open')) close()
    else open()
  })

  // The chat page in the frame says when to close (its own 收起 on phones) and how many
  // replies came while the panel was shut. Only kefu's frame is listened to.
  window.addEventListener('message', function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== base) return
    var data = event.data || {}
    if (data.type === 'kefu:ready') {
      chatReady = true
      escape.classList.remove('shown')
    }
    if (data.type === 'kefu:close') close()
    if (data.type === 'kefu:unread' && typeof data.count === 'number' && !panel.classList.contains('open')) {
      unread = Math.max(0, Math.min(data.count, 999))
      showUnread()
    }
  })

  function command(name, value) {
    if (name === 'open') open()
    else if (name === 'close') close()
    else if (name === 'identify' && typeof value === 'string' && value !== identity) {
      identity = value
      if (frame) frame.src = chatUrl()
    }
  }
  window.kefu = function (name, value) { command(name, value) }
  for (var i = 0; i < queued.length; i++) command(queued[i][0], queued[i][1])

  function mount() { document.body.appendChild(host) }
  if (document.body) mount()
  else document.addEventListener('DOMContentLoaded', mount)
})()
