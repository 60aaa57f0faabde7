import * as core from '@actions/core'

/** The shell: resolve the event, load config and plan, observe, reconcile, apply, report. */
export async function run(): Promise<void> {
  core.info('debussy-issue-sync: scaffold')
  return Promise.resolve()
}
