// `?tab=` opens one of the tabs the viewer may open, else their first.
import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, ref } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useQueryTab } from './queryTab'

type Tab = 'a' | 'b' | 'c'

async function setup(path: string, list: Tab[]) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/page', component: defineComponent({ render: () => null }) }],
  })
  await router.push(path)
  const app = createApp({ render: () => null })
  app.use(router)
  const tabs = ref<Tab[]>(list)
  const { tab, choose } = app.runWithContext(() => useQueryTab(tabs))
  return { router, tabs, tab, choose }
}

describe('useQueryTab', () => {
  it('opens the tab the query names', async () => {
    const { tab } = await setup('/page?tab=b', ['a', 'b', 'c'])
    expect(tab.value).toBe('b')
  })

  it('falls back to the first tab for a missing, unknown or closed one', async () => {
    expect((await setup('/page', ['a', 'b'])).tab.value).toBe('a')
    expect((await setup('/page?tab=zzz', ['a', 'b'])).tab.value).toBe('a')
    expect((await setup('/page?tab=c', ['b', 'a'])).tab.value).toBe('b')
  })

  it('is null when no tab is open to the viewer', async () => {
    const { tab } = await setup('/page?tab=a', [])
    expect(tab.value).toBeNull()
  })

  it('follows the tabs as they change', async () => {
    const { tab, tabs } = await setup('/page?tab=c', ['a'])
    expect(tab.value).toBe('a')
    tabs.value = ['a', 'c']
    expect(tab.value).toBe('c')
  })

  it('chooses by replacing the query’s tab and keeping the rest', async () => {
    const { router, tab, choose } = await setup('/page?tab=a&day=2026-04-01', ['a', 'b'])
    const before = router.options.history.state.position
    choose('b')
    await new Promise((r) => setTimeout(r)) // the navigation settles
    expect(router.currentRoute.value.query).toEqual({ tab: 'b', day: '2026-04-01' })
    expect(router.options.history.state.position).toBe(before)
    expect(tab.value).toBe('b')
  })
})
