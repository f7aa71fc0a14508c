import { describe, expect, it } from 'vitest'
import zh from '../../locales/zh-CN'
import en from '../../locales/en'
import { MAX_CONTACT_URL_CHARS, contactUrlChange, contactUrlOf, contactUrlOk } from './wecom'

const LINK = 'https://work.weixin.qq.com/kfid/kfc0123456789abcdef'

describe('a WeCom account’s contact link (客服链接)', () => {
  it('is an https:// address as WeCom’s console gives it, or none', () => {
    expect(contactUrlOk(LINK)).toBe(true)
    expect(contactUrlOk(` ${LINK} `)).toBe(true)
    expect(contactUrlOk(`${LINK}?enc_scene=ENCabc`)).toBe(true)
    expect(contactUrlOk('')).toBe(true)
    expect(contactUrlOk('   ')).toBe(true)
  })

  it('is refused as the server refuses it', () => {
    for (const bad of [
      'http://work.weixin.qq.com/kfid/kfc01',
      'work.weixin.qq.com/kfid/kfc01',
      'https://',
      'https:///kfid/x',
      'https://localhost/kfid/x',
      `${LINK}#top`,
      'https://work.weixin.qq.com/kfid/kfc 01',
      'https://work.weixin.qq.com/客服',
      `https://work.weixin.qq.com/${'a'.repeat(MAX_CONTACT_URL_CHARS)}`,
    ]) {
      expect(contactUrlOk(bad), bad).toBe(false)
    }
  })

  it('changes only when it differs; empty removes it', () => {
    expect(contactUrlOf({ contact_url: null })).toBe('')
    expect(contactUrlOf({ contact_url: LINK })).toBe(LINK)
    expect(contactUrlChange({ contact_url: LINK }, ` ${LINK} `)).toEqual({})
    expect(contactUrlChange({ contact_url: null }, '')).toEqual({})
    expect(contactUrlChange({ contact_url: null }, ` ${LINK} `)).toEqual({ contact_url: LINK })
    expect(contactUrlChange({ contact_url: LINK }, '  ')).toEqual({ contact_url: '' })
  })

  it('is said in both languages', () => {
    const at = (tree: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree)
    const keys = ['label', 'optional', 'none', 'set', 'change', 'remove', 'where', 'why', 'hint', 'problem', 'saved', 'removed'].map((k) => `channels.contact.${k}`)
    for (const [name, tree] of Object.entries({ zh, en })) expect(keys.filter((k) => typeof at(tree, k) !== 'string'), name).toEqual([])
  })
})
