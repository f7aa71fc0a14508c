import { describe, expect, it } from 'vitest'
import { linksAddresses, textParts } from './links'

describe('textParts', () => {
  it('finds the WeCom contact link a move sends, after a Chinese sentence and a line break', () => {
    const link = 'https://work.weixin.qq.com/kfid/kfc0123456789abcdef?scene_param=mv_AbC-12_x'
    const text = `为了方便后续跟进，请点击下方链接添加我们的企业微信客服，我们会在那里继续为您服务：\n${link}`
    expect(textParts(text)).toEqual([
      { text: '为了方便后续跟进，请点击下方链接添加我们的企业微信客服，我们会在那里继续为您服务：\n' },
      { text: link, href: link },
    ])
  })

  it('ends an address at whitespace, CJK punctuation, or a closing full stop or bracket', () => {
    expect(textParts('见 https://a.example/x。谢谢')).toEqual([{ text: '见 ' }, { text: 'https://a.example/x', href: 'https://a.example/x' }, { text: '。谢谢' }])
    expect(textParts('(see http://a.example/y).')).toEqual([{ text: '(see ' }, { text: 'http://a.example/y', href: 'http://a.example/y' }, { text: ').' }])
    expect(textParts('two: https://a.example https://b.example/?q=1')).toEqual([
      { text: 'two: ' },
      { text: 'https://a.example', href: 'https://a.example' },
      { text: ' ' },
      { text: 'https://b.example/?q=1', href: 'https://b.example/?q=1' },
    ])
  })

  it('leaves text without an address whole, and a bare scheme or another scheme alone', () => {
    expect(textParts('您好，请问有什么可以帮您')).toEqual([{ text: '您好，请问有什么可以帮您' }])
    expect(textParts('https://.')).toEqual([{ text: 'https://.' }])
    expect(textParts('javascript:alert(1) ftp://x')).toEqual([{ text: 'javascript:alert(1) ftp://x' }])
    expect(textParts('')).toEqual([])
  })
})

describe('linksAddresses', () => {
  it('links the team’s messages, never a buyer’s', () => {
    for (const sender of ['agent', 'bot', 'automation', 'system'] as const) expect(linksAddresses(sender), sender).toBe(true)
    expect(linksAddresses('buyer')).toBe(false)
  })
})
