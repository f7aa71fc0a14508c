// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from 'vue'
import { SHORTCUTS, shortcutOf, useWorkbenchShortcuts } from './workbenchShortcuts'
import type { Shortcut, ShortcutHandlers } from './workbenchShortcuts'

/** What a key press on `target` (the page, unless given) means. */
function press(init: KeyboardEventInit, target: HTMLElement = document.body): Shortcut | null {
  let seen: Shortcut | null = null
  const listen = (e: Event) => (seen = shortcutOf(e as KeyboardEvent))
  target.addEventListener('keydown', listen)
  target.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, ...init }))
  target.removeEventListener('keydown', listen)
  return seen
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('shortcutOf', () => {
  it('reads Alt with a physical key', () => {
    expect(press({ altKey: true, code: 'ArrowUp', key: 'ArrowUp' })).toEqual({ action: 'prev' })
    expect(press({ altKey: true, code: 'ArrowDown', key: 'ArrowDown' })).toEqual({ action: 'next' })
    expect(press({ altKey: true, code: 'KeyW', key: 'w' })).toEqual({ action: 'close' })
    // Option on a Mac types another character; the physical key still counts.
    expect(press({ altKey: true, code: 'KeyW', key: '∑' })).toEqual({ action: 'close' })
    expect(press({ altKey: true, code: 'Backslash', key: '\\' })).toEqual({ action: 'split' })
    expect(press({ altKey: true, code: 'KeyR', key: 'r' })).toEqual({ action: 'resolve' })
    expect(press({ altKey: true, code: 'KeyT', key: 't' })).toEqual({ action: 'transfer' })
    expect(press({ altKey: true, code: 'KeyN', key: 'n' })).toEqual({ action: 'note' })
    expect(press({ altKey: true, code: 'KeyK', key: 'k' })).toEqual({ action: 'lookup' })
  })

  it('picks tabs 1 to 8 by the digit row, not the number pad', () => {
    expect(press({ altKey: true, code: 'Digit1', key: '1' })).toEqual({ action: 'tab', n: 1 })
    expect(press({ altKey: true, code: 'Digit8', key: '8' })).toEqual({ action: 'tab', n: 8 })
    expect(press({ altKey: true, code: 'Digit9', key: '9' })).toBeNull()
    expect(press({ altKey: true, code: 'Numpad1', key: '1' })).toBeNull()
  })

  it('leaves other combinations alone', () => {
    expect(press({ code: 'KeyW', key: 'w' })).toBeNull()
    expect(press({ altKey: true, shiftKey: true, code: 'KeyW', key: 'W' })).toBeNull()
    expect(press({ altKey: true, ctrlKey: true, code: 'KeyW', key: 'w' })).toBeNull()
    expect(press({ altKey: true, metaKey: true, code: 'KeyW', key: 'w' })).toBeNull()
    expect(press({ altKey: true, code: 'KeyZ', key: 'z' })).toBeNull()
  })

  it('never fires while an IME is composing', () => {
    expect(press({ altKey: true, code: 'KeyW', key: 'w', isComposing: true })).toBeNull()
    expect(press({ altKey: true, code: 'KeyW', key: 'Process', keyCode: 229 })).toBeNull()
  })

  it('opens the help with ?, but not while typing', () => {
    expect(press({ key: '?', code: 'Slash', shiftKey: true })).toEqual({ action: 'help' })
    for (const tag of ['input', 'textarea', 'select']) {
      const box = document.createElement(tag)
      document.body.append(box)
      expect(press({ key: '?', code: 'Slash', shiftKey: true }, box)).toBeNull()
    }
    const editable = document.createElement('div')
    editable.contentEditable = 'true'
    document.body.append(editable)
    expect(press({ key: '?', code: 'Slash', shiftKey: true }, editable)).toBeNull()
  })

  it('lists every action once for the help dialog', () => {
    const actions = SHORTCUTS.map((s) => s.action)
    expect(new Set(actions).size).toBe(actions.length)
    expect(SHORTCUTS.filter((s) => s.keys[0] === 'Alt')).toHaveLength(9)
  })
})

describe('useWorkbenchShortcuts', () => {
  function mount(): { handlers: ShortcutHandlers; unmount: () => void } {
    const handlers: ShortcutHandlers = {
      prev: vi.fn(),
      next: vi.fn(),
      close: vi.fn(),
      split: vi.fn(),
      resolve: vi.fn(),
      transfer: vi.fn(),
      note: vi.fn(),
      lookup: vi.fn(),
      help: vi.fn(),
      tab: vi.fn(),
    }
    const app = createApp({
      setup() {
        useWorkbenchShortcuts(handlers)
        return () => null
      },
    })
    const root = document.createElement('div')
    document.body.append(root)
    app.mount(root)
    return { handlers, unmount: () => app.unmount() }
  }

  function keydown(init: KeyboardEventInit): KeyboardEvent {
    const e = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init })
    window.dispatchEvent(e)
    return e
  }

  it('calls the handler and keeps the browser from acting on the key', () => {
    const { handlers, unmount } = mount()
    const e = keydown({ altKey: true, code: 'KeyR', key: 'r' })
    expect(handlers.resolve).toHaveBeenCalledOnce()
    expect(e.defaultPrevented).toBe(true)
    keydown({ altKey: true, code: 'Digit3', key: '3' })
    expect(handlers.tab).toHaveBeenCalledWith(3)
    const plain = keydown({ code: 'KeyR', key: 'r' })
    expect(plain.defaultPrevented).toBe(false)
    unmount()
    keydown({ altKey: true, code: 'KeyR', key: 'r' })
    expect(handlers.resolve).toHaveBeenCalledOnce()
  })

  it('stays quiet while a dialog is open', () => {
    const { handlers, unmount } = mount()
    const overlay = document.createElement('div')
    overlay.className = 'el-overlay'
    document.body.append(overlay)
    keydown({ altKey: true, code: 'KeyN', key: 'n' })
    expect(handlers.note).not.toHaveBeenCalled()
    // Element Plus hides a closed dialog's overlay instead of removing it.
    overlay.style.display = 'none'
    keydown({ altKey: true, code: 'KeyN', key: 'n' })
    expect(handlers.note).toHaveBeenCalledOnce()
    unmount()
  })
})
