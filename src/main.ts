/**
 * The action's shell: read what the runner gives (inputs, event file,
 * environment), run one sync, and hand back outputs, the job summary,
 * annotations and the step's result. The rules live in the modules sync() calls.
 */
import * as core from '@actions/core'
import { promises as fs } from 'node:fs'
import { InputError } from './errors.js'
import { graphqlUrlFor, type ClientTiming } from './github/client.js'
import { describeError } from './github/errors.js'
import { hostOf, parseRepo } from './issue-ref.js'
import { defuseLegacyCommand } from './log-text.js'
import { sync, type SyncLog } from './sync.js'

export interface RunOptions {
  /** Tests shorten retry waits; the action runs with the defaults. */
  readonly timing?: ClientTiming
}

async function readEventPayload(eventPath: string | undefined): Promise<unknown> {
  if (eventPath === undefined || eventPath === '') return {}
  let text: string
  try {
    text = await fs.readFile(eventPath, 'utf8')
  } catch {
    return {}
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new InputError(
      'GITHUB_EVENT_PATH',
      'the event file is not valid JSON',
      'Let the Actions runner provide the event file'
    )
  }
}

// @actions/core escapes command data but lets the older `##[name]` form through.
const actionsLog: SyncLog = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(defuseLegacyCommand(message)),
  notice: (message) => core.notice(defuseLegacyCommand(message))
}

/** Fails the step with an error annotation. */
function fail(message: string): void {
  core.setFailed(defuseLegacyCommand(message))
}

export async function run(options: RunOptions = {}): Promise<void> {
  try {
    await runAction(options)
  } catch (error) {
    if (error instanceof InputError) {
      fail(error.message)
    } else {
      fail(`debussy-issue-sync failed: ${describeError(error)}`)
    }
  }
}

async function runAction(options: RunOptions): Promise<void> {
  const token = core.getInput('github-token')
  // Registered first, so that no later line, debug ones included, can print it.
  if (token !== '') core.setSecret(token)
  const projectToken = core.getInput('project-token')
  if (projectToken !== '') core.setSecret(projectToken)
  const env = process.env
  if (!env.GITHUB_REPOSITORY) {
    throw new InputError(
      'GITHUB_REPOSITORY',
      'is not set',
      'Run the action in a GitHub Actions workflow, or set GITHUB_REPOSITORY=owner/repo'
    )
  }
  const apiUrl = env.GITHUB_API_URL?.trim() || 'https://api.github.com'
  const result = await sync(
    {
      inputs: {
        event: core.getInput('event'),
        plan: core.getInput('plan'),
        phase: core.getInput('phase'),
        // Not getBooleanInput: empty means "not set" (the event may say), and
        // anything else is checked by sync(), which names the input and the fix.
        autoClose: core.getInput('auto-close'),
        dryRun: core.getInput('dry-run')
      },
      event: {
        name: env.GITHUB_EVENT_NAME ?? '',
        payload: await readEventPayload(env.GITHUB_EVENT_PATH)
      },
      config: core.getInput('config') || '.debussy/config.yaml',
      workspace: env.GITHUB_WORKSPACE?.trim() || process.cwd(),
      repository: parseRepo(env.GITHUB_REPOSITORY, 'GITHUB_REPOSITORY'),
      serverHost: hostOf(env.GITHUB_SERVER_URL) ?? 'github.com',
      apiUrl,
      graphqlUrl: graphqlUrlFor(apiUrl, env.GITHUB_GRAPHQL_URL),
      token,
      projectToken,
      timing: options.timing,
      workflowRun: workflowRunUrl(env)
    },
    actionsLog
  )
  const outputs: Record<string, string> = { ...result.outputs }
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
  // Appended (write() does not overwrite), as the runner expects of every step
  // that writes one; without the runner's file (a local run) there is none.
  if (result.summary !== undefined && env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(result.summary).write()
  }
  if (result.failure !== undefined) fail(result.failure)
}

/** The page of this workflow run, when the runner says where it is (linked from the status comment). */
export function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL?.trim() || 'https://github.com'
  const repository = env.GITHUB_REPOSITORY?.trim() ?? ''
  const runId = env.GITHUB_RUN_ID?.trim() ?? ''
  if (!/^https?:\/\/[^\s()<>]+$/.test(server) || !/^[\w.-]+\/[\w.-]+$/.test(repository))
    return undefined
  if (!/^\d+$/.test(runId)) return undefined
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`
}
