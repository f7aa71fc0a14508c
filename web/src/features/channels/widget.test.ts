import { describe, expect, it } from 'vitest'
import {
  DEFAULT_COLOR,
  MAX_ORIGINS,
  blankWidget,
  colorOf,
  originsProblem,
  positionOf,
  readOrigins,
  scriptTag,
  siteOrigin,
  widgetChange,
  widgetFieldsOf,
  widgetInput,
  widgetProblem,
} from './widget'

describe('siteOrigin', () => {
  it('keeps a site’s origin as the server does: lower case, no trailing slash, the port kept', () => {
    expect(siteOrigin('https://Shop.Example.com/')).toBe('https://shop.example.com')
    expect(siteOrigin(' http://localhost:8080 ')).toBe('http://localhost:8080')
    expect(siteOrigin('https://*.example.com')).toBe('https://*.example.com')
    expect(siteOrigin('HTTPS://shop.example.com')).toBe('https://shop.example.com')
  })

  it('takes a page’s whole address and keeps its origin', () => {
    expect(siteOrigin('https://shop.example.com/products/1?from=home#top')).toBe('https://shop.example.com')
    expect(siteOrigin('http://127.0.0.1:5173/index.html')).toBe('http://127.0.0.1:5173')
  })

  it('refuses what is not a site', () => {
    for (const bad of [
      'shop.example.com',
      'ftp://x.com',
      'https://',
      'https:///path',
      'https://x.com:99999',
      'https://x.com:',
      'https://a*b.com',
      'https://*.*.com',
      'https://.example.com',
      'https://user@x.com',
      'javascript:alert(1)',
      `https://${'a'.repeat(201)}`,
    ]) {
      expect(siteOrigin(bad), bad).toBeNull()
    }
  })
})

describe('readOrigins and originsProblem', () => {
  it('reads one a line, or split by commas and spaces, each once', () => {
    expect(readOrigins('https://a.cn\n\nhttps://A.cn/ , https://b.cn；http://c.cn:81')).toEqual({
      origins: ['https://a.cn', 'https://b.cn', 'http://c.cn:81'],
      bad: [],
    })
    expect(readOrigins('https://a.cn\nb.cn')).toEqual({ origins: ['https://a.cn'], bad: ['b.cn'] })
  })

  it('names the first site that is not one, none at all, or more than ten', () => {
    expect(originsProblem('https://a.cn')).toBeNull()
    expect(originsProblem('  \n ')).toEqual({ why: 'none' })
    expect(originsProblem('https://a.cn\nwww.b.cn\nc')).toEqual({ why: 'bad', site: 'www.b.cn' })
    const sites = (n: number) => Array.from({ length: n }, (_, i) => `https://s${i}.cn`).join('\n')
    expect(originsProblem(sites(MAX_ORIGINS))).toBeNull()
    expect(originsProblem(sites(MAX_ORIGINS + 1))).toEqual({ why: 'many' })
    // The same site twice counts once.
    expect(originsProblem(`${sites(MAX_ORIGINS)}\nhttps://s0.cn/`)).toBeNull()
  })
})

describe('colours and sides', () => {
  it('reads #RRGGBB, with or without the #, in lower case', () => {
    expect(colorOf('#0F766E')).toBe('#0f766e')
    expect(colorOf(' 2563eb ')).toBe('#2563eb')
    for (const bad of ['', 'red', '#fff', '#12345g', '#1234567']) expect(colorOf(bad), bad).toBeNull()
  })

  it('reads a side as right unless it is left', () => {
    expect(positionOf('left')).toBe('left')
    expect(positionOf('right')).toBe('right')
    expect(positionOf(null)).toBe('right')
    expect(positionOf('top')).toBe('right')
  })
})

describe('the widget’s form', () => {
  it('starts with no site, the default colour, on the right', () => {
    expect(blankWidget()).toEqual({ origins: '', color: DEFAULT_COLOR, position: 'right' })
    expect(widgetProblem(blankWidget())).toBe('origins')
  })

  it('names the sites first, then the colour', () => {
    expect(widgetProblem({ origins: 'https://a.cn', color: '#0f766e', position: 'left' })).toBeNull()
    expect(widgetProblem({ origins: 'a.cn', color: 'nope', position: 'left' })).toBe('origins')
    expect(widgetProblem({ origins: 'https://a.cn', color: '#0f76', position: 'left' })).toBe('color')
  })

  it('sends the origins, the colour and the side', () => {
    expect(widgetInput({ origins: 'https://A.cn/x\nhttps://b.cn', color: '0F766E', position: 'left' })).toEqual({
      origins: ['https://a.cn', 'https://b.cn'],
      color: '#0f766e',
      position: 'left',
    })
  })
})

describe('widgetChange', () => {
  const channel = { origins: ['https://a.cn', 'https://b.cn'], color: '#2563eb', position: 'right' }

  it('reads a connected widget back into the form', () => {
    expect(widgetFieldsOf(channel)).toEqual({ origins: 'https://a.cn\nhttps://b.cn', color: '#2563eb', position: 'right' })
    expect(widgetFieldsOf({ origins: [], color: null, position: null })).toEqual({ origins: '', color: DEFAULT_COLOR, position: 'right' })
  })

  it('is empty when nothing changed, however it was typed', () => {
    expect(widgetChange(channel, widgetFieldsOf(channel))).toEqual({})
    expect(widgetChange(channel, { origins: ' https://A.cn/ , https://b.cn ', color: '#2563EB', position: 'right' })).toEqual({})
  })

  it('carries only what changed', () => {
    expect(widgetChange(channel, { origins: 'https://a.cn', color: '#2563eb', position: 'right' })).toEqual({ origins: ['https://a.cn'] })
    expect(widgetChange(channel, { origins: 'https://b.cn\nhttps://a.cn', color: '#0f766e', position: 'left' })).toEqual({
      origins: ['https://b.cn', 'https://a.cn'],
      color: '#0f766e',
      position: 'left',
    })
  })
})

describe('scriptTag', () => {
  const src = 'https://kefu.example.com/widget/0b6f3c1e-4c57-4d7a-9d5e-1f2a3b4c5d6e.js'

  it('loads the widget’s script without holding the page up', () => {
    expect(scriptTag(src)).toBe(`<script src="${src}" async></script>`)
  })

  it('carries a member’s identity token when given, quoted for an attribute', () => {
    expect(scriptTag(src, '会员身份令牌')).toBe(`<script src="${src}" data-identity="会员身份令牌" async></script>`)
    expect(scriptTag(src, 'a"b&c<')).toBe(`<script src="${src}" data-identity="a&quot;b&amp;c&lt;" async></script>`)
  })
})
