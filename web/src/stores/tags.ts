// The shop's conversation tags (WB-5): the built-in categories and its own, fetched once per
// page and shared by the workbench (picker, list filter, event log) and the team page.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { TAG_GROUPS, agentApi } from '../api'
import type { Tag, TagGroup } from '../api'

export interface TagSection {
  group: TagGroup
  tags: Tag[]
}

export const useTags = defineStore('tags', () => {
  const tags = ref<Tag[]>([])
  const loaded = ref(false)
  const failed = ref(false)
  let loading: Promise<void> | null = null

  /** The tags in the server's order, by group; empty groups left out. */
  const sections = computed<TagSection[]>(() =>
    TAG_GROUPS.map((group) => ({ group, tags: tags.value.filter((tg) => tg.group === group) })).filter((s) => s.tags.length),
  )

  function load(): Promise<void> {
    loading ??= agentApi
      .tags()
      .then((list) => {
        tags.value = list
        loaded.value = true
        failed.value = false
      })
      .catch(() => {
        failed.value = true
      })
      .finally(() => {
        loading = null
      })
    return loading
  }

  function ensureLoaded(): void {
    if (!loaded.value) void load()
  }

  /** A tag's name; its key when the catalogue does not know it (yet). */
  function nameOf(key: string): string {
    return tags.value.find((tg) => tg.key === key)?.name ?? key
  }

  /** Throws ApiError: `invalid_tag`, `invalid_name`, `tag_exists`. */
  async function create(key: string, name: string): Promise<Tag> {
    const tag = await agentApi.createTag(key, name)
    tags.value = [...tags.value.filter((tg) => tg.key !== tag.key), tag]
    return tag
  }

  function reset(): void {
    tags.value = []
    loaded.value = false
    failed.value = false
  }

  return { tags, loaded, failed, sections, load, ensureLoaded, nameOf, create, reset }
})
