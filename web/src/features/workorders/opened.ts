// ESC-3: a work order was just opened, from wherever (the panel, a partner hand-off, a QA
// review): lists of work orders on screen (the workbench's panel) read theirs again.

import { readonly, ref } from 'vue'

const count = ref(0)

/** How many work orders this tab has opened; watch it to read a list again. */
export const workOrdersOpened = readonly(count)

/** The open dialog calls it after each work order it opens. */
export function noteWorkOrderOpened(): void {
  count.value++
}
