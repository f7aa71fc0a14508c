// Issue #21, CH-1: the web widget (网站聊天插件) as the channels page works it out — the sites
// it may be shown on, read as the server reads them (crates/kefu-server/src/channels/widget.rs
// `origin`), its colour and side, the script tag to paste into the site, and a change of them.

import type { ChannelChange, ChannelView } from '../../api'

/** The most sites one widget may be on, and its colour unless the shop picks one (the server's). */
export const MAX_ORIGINS = 10
export const DEFAULT_COLOR = '#2563eb'
/** The colours offered at a click; any other `#RRGGBB` may be typed or picked. */
export const COLOR_SWATCHES = ['#2563eb', '#0f766e', '#16a34a', '#ea580c', '#dc2626', '#db2777', '#7c3aed', '#1f2329'] as const

/** Where the bubble sits on the site: the bottom's right or left corner. */
export const POSITIONS = ['right', 'left'] as const
export type WidgetPosition = (typeof POSITIONS)[number]

/** The side as stored; anything unknown reads as the default, right. */
export function positionOf(raw: string | null | undefined): WidgetPosition {
  return raw === 'left' ? 'left' : 'right'
}

/** A site's origin as the server keeps it — `http(s)://host[:port]`, lower case, a leading
 *  `*.` for every subdomain — or null. A page's whole address is taken too: only its origin
 *  is kept (the server refuses a path, but shops paste what their address bar shows). */
export function siteOrigin(raw: string): string | null {
  const scheme = /^(https?):\/\//i.exec(raw.trim())
  if (!scheme) return null
  let rest = raw.trim().slice(scheme[0].length)
  const end = rest.search(/[/?#]/)
  if (end >= 0) rest = rest.slice(0, end)
  if (!rest || rest.length > 200) return null
  const colon = rest.lastIndexOf(':')
  const port = colon >= 0 ? rest.slice(colon + 1) : null
  const host = colon >= 0 ? rest.slice(0, colon) : rest
  if (port !== null && !(/^\d+$/.test(port) && Number(port) <= 65535)) return null
  const wildcards = host.split('*').length - 1
  const hostOk =
    /^[A-Za-z0-9.*-]+$/.test(host) && !host.startsWith('.') && wildcards <= 1 && (wildcards === 0 || host.startsWith('*.'))
  return hostOk ? `${scheme[1]}://${rest}`.toLowerCase() : null
}

/** The sites typed one a line (or split by commas or spaces): their origins, each once, in
 *  order, and what could not be read as one. */
export function readOrigins(text: string): { origins: string[]; bad: string[] } {
  const origins: string[] = []
  const bad: string[] = []
  for (const part of text.split(/[\s,，;；]+/)) {
    if (!part) continue
    const origin = siteOrigin(part)
    if (!origin) bad.push(part)
    else if (!origins.includes(origin)) origins.push(origin)
  }
  return { origins, bad }
}

/** What is wrong with the sites typed: none, one that is not a site, or more than ten. */
export type OriginsProblem = { why: 'none' } | { why: 'bad'; site: string } | { why: 'many' }

export function originsProblem(text: string): OriginsProblem | null {
  const { origins, bad } = readOrigins(text)
  if (bad.length) return { why: 'bad', site: bad[0] }
  if (!origins.length) return { why: 'none' }
  return origins.length > MAX_ORIGINS ? { why: 'many' } : null
}

/** A colour as the server takes it, `#rrggbb` (the `#` may be left out), or null. */
export function colorOf(text: string): string | null {
  const hex = text.trim().replace(/^#/, '')
  return /^[0-9a-fA-F]{6}$/.test(hex) ? `#${hex.toLowerCase()}` : null
}

/** The widget's part of the connect dialog and of its card's 编辑, as typed. */
export interface WidgetFields {
  /** The sites, one a line. */
  origins: string
  color: string
  position: WidgetPosition
}

export function blankWidget(): WidgetFields {
  return { origins: '', color: DEFAULT_COLOR, position: 'right' }
}

/** A connected widget's sites, colour and side, to edit. */
export function widgetFieldsOf(channel: Pick<ChannelView, 'origins' | 'color' | 'position'>): WidgetFields {
  return {
    origins: (channel.origins ?? []).join('\n'),
    color: colorOf(channel.color ?? '') ?? DEFAULT_COLOR,
    position: positionOf(channel.position),
  }
}

/** The first field the server would refuse (`invalid_channel`), or null. */
export function widgetProblem(fields: WidgetFields): 'origins' | 'color' | null {
  if (originsProblem(fields.origins)) return 'origins'
  return colorOf(fields.color) ? null : 'color'
}

/** The body's widget part, as `POST /channels` takes it. */
export function widgetInput(fields: WidgetFields): { origins: string[]; color: string; position: WidgetPosition } {
  return { origins: readOrigins(fields.origins).origins, color: colorOf(fields.color) ?? DEFAULT_COLOR, position: fields.position }
}

/** The body of `PUT /channels/{id}` for an edit: only what changed (empty: nothing did). */
export function widgetChange(channel: Pick<ChannelView, 'origins' | 'color' | 'position'>, fields: WidgetFields): ChannelChange {
  const next = widgetInput(fields)
  const before = widgetInput(widgetFieldsOf(channel))
  const change: ChannelChange = {}
  if (next.origins.join('\n') !== before.origins.join('\n')) change.origins = next.origins
  if (next.color !== before.color) change.color = next.color
  if (next.position !== before.position) change.position = next.position
  return change
}

/** Text for inside an HTML attribute's double quotes. */
function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
}

/** The tag the site pastes before `</body>`: kefu's script for this widget (`src`: its whole
 *  URL), loaded without holding the page up. `identity`: the member's identity token (a JWT
 *  signed with the shop's identity secret, docs/entry-links.md) or a placeholder for it. */
export function scriptTag(src: string, identity?: string): string {
  const member = identity === undefined ? '' : ` data-identity="${attribute(identity)}"`
  return `<script src="${attribute(src)}"${member} async></script>`
}
