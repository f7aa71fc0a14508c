// WB-1: the workbench's keyboard shortcuts. All but `?` use Alt, so typing in a box is never
// taken; none fires while an IME is composing (picking pinyin candidates), and none but Esc
// (which Element Plus dialogs handle themselves) while a dialog is open.

import { onBeforeUnmount, onMounted } from 'vue'

export type ShortcutAction =
  | 'prev'
  | 'next'
  | 'tab'
  | 'close'
  | 'split'
  | 'resolve'
  | 'transfer'
  | 'note'
  | 'lookup'
  | 'help'
  | 'dismiss'

/** As the help dialog lists them: the keys to show and the action (`shortcuts.actions.*`). */
export const SHORTCUTS: { keys: string[]; action: ShortcutAction }[] = [
  { keys: ['Alt', '↑'], action: 'prev' },
  { keys: ['Alt', '↓'], action: 'next' },
  { keys: ['Alt', '1 … 8'], action: 'tab' },
  { keys: ['Alt', 'W'], action: 'close' },
  { keys: ['Alt', '\\'], action: 'split' },
  { keys: ['Alt', 'R'], action: 'resolve' },
  { keys: ['Alt', 'T'], action: 'transfer' },
  { keys: ['Alt', 'N'], action: 'note' },
  { keys: ['Alt', 'K'], action: 'lookup' },
  { keys: ['?'], action: 'help' },
  { keys: ['Esc'], action: 'dismiss' },
]

/** By physical key (`code`), so Option on a Mac, which changes the character, still works. */
const ALT_KEYS: Record<string, Exclude<ShortcutAction, 'tab' | 'help' | 'dismiss'>> = {
  ArrowUp: 'prev',
  ArrowDown: 'next',
  KeyW: 'close',
  Backslash: 'split',
  KeyR: 'resolve',
  KeyT: 'transfer',
  KeyN: 'note',
  KeyK: 'lookup',
}

export type Shortcut = { action: Exclude<ShortcutAction, 'tab' | 'dismiss'> } | { action: 'tab'; n: number }

function isTextBox(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.tagName === 'INPUT'
}

/** The shortcut a key press means, if any. */
export function shortcutOf(e: KeyboardEvent): Shortcut | null {
  if (e.isComposing || e.keyCode === 229 || e.ctrlKey || e.metaKey) return null
  if (!e.altKey) {
    return e.key === '?' && !isTextBox(e.target) ? { action: 'help' } : null
  }
  if (e.shiftKey) return null
  // Not the number pad: Alt with its digits types characters by code on Windows.
  const digit = /^Digit([1-8])$/.exec(e.code)
  if (digit) return { action: 'tab', n: Number(digit[1]) }
  const action = ALT_KEYS[e.code]
  return action ? { action } : null
}

/** Element Plus hides a closed dialog's overlay rather than removing it. */
function dialogOpen(): boolean {
  return Array.from(document.querySelectorAll<HTMLElement>('.el-overlay')).some((el) => el.style.display !== 'none')
}

export type ShortcutHandlers = { [A in Exclude<ShortcutAction, 'tab' | 'dismiss'>]: () => void } & { tab: (n: number) => void }

/** Listens on the window while the calling component is mounted. */
export function useWorkbenchShortcuts(handlers: ShortcutHandlers): void {
  function onKeydown(e: KeyboardEvent): void {
    const shortcut = shortcutOf(e)
    if (!shortcut || dialogOpen()) return
    e.preventDefault()
    if (shortcut.action === 'tab') handlers.tab(shortcut.n)
    else handlers[shortcut.action]()
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}
