// SELF-3: what the agent's appeals page shares with its drawer and forms: how a change is run
// (the answer, the one appeal changed, merged into the list shown; a refusal said, and
// `appeal_closed` — taken, decided or reopened meanwhile — reads the list again), and an
// appeal's files uploaded one after another before it is filed or reopened.

import { agentApi } from '../../api'
import type { AppealList, Uuid } from '../../api'

/** Runs a change and says `done`; resolves whether it went through. */
export type RunAppealAction = (action: () => Promise<AppealList>, done: string) => Promise<boolean>

/** The files as the agent's uploads, in order: their ids. Throws ApiError (`file_too_large`,
 *  `unsupported_file_type`, `rate_limited`). */
export async function uploadAll(files: readonly File[]): Promise<Uuid[]> {
  const ids: Uuid[] = []
  for (const file of files) ids.push((await agentApi.upload(file)).id)
  return ids
}
