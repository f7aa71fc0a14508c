// What every agent page but the workbench does first: load the session (401 → sign-in, back
// here afterwards), name the tab, and sign out cleanly.

import { onMounted, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useI18n } from 'vue-i18n'
import { ApiError, errorCode } from '../../api'
import { useAgentSession } from '../../stores/agentSession'
import { useApprovals } from '../../stores/approvals'
import { useShopSettings } from '../../stores/shopSettings'
import { useTags } from '../../stores/tags'
import { useRouting } from '../../stores/routing'
import { useRobot } from '../../stores/robot'

export function useAgentPage(titleKey: string) {
  const { t } = useI18n()
  const route = useRoute()
  const router = useRouter()
  const session = useAgentSession()
  const approvals = useApprovals()
  const shop = useShopSettings()
  const tags = useTags()
  const routing = useRouting()
  const robot = useRobot()
  const ready = ref(false)
  const failure = ref('')

  watch(
    () => `${t(titleKey)} · ${t('app.name')}`,
    (title) => (document.title = title),
    { immediate: true },
  )

  async function logout(): Promise<void> {
    approvals.reset()
    shop.reset()
    tags.reset()
    routing.reset()
    robot.reset()
    try {
      await session.logout()
    } catch {
      // Signed out locally either way.
    }
    await router.replace({ name: 'login' })
  }

  onMounted(async () => {
    try {
      await session.load()
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await router.replace({ name: 'login', query: { redirect: route.fullPath } })
        return
      }
      failure.value = errorCode(err)
      return
    }
    ready.value = true
  })

  return { session, ready, failure, logout }
}
