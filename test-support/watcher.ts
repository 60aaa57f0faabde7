/**
 * `debussy-issue-sync watch` (dist/cli/index.js) as a user runs it beside
 * `debussy run`, against a simulator: for the sender's end-to-end tests and
 * the demo.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { GitHubSimulator } from './github-simulator.js'
import { REPO_ROOT } from './run-action.js'
import { REPO } from './sample-repo.js'

export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'index.js')

export interface Watcher {
  readonly proc: ChildProcess
  /** The exit code; null when killed by a signal. */
  readonly exited: Promise<number | null>
  /** Everything it printed (stdout and stderr). */
  log(): string
  /** Its stderr log lines not taken before. */
  take(): string[]
}

/** Starts `watch` for REPO in `workspace`, polling every 100 ms, with `extra` arguments. */
export function startWatcher(
  sim: GitHubSimulator,
  workspace: string,
  extra: readonly string[] = []
): Watcher {
  const proc = spawn(
    process.execPath,
    [
      CLI,
      'watch',
      '--repo',
      REPO,
      '--api-url',
      sim.apiUrl,
      '--workspace',
      workspace,
      '--poll-ms',
      '100',
      ...extra
    ],
    { cwd: workspace, env: { PATH: process.env.PATH ?? '', GITHUB_TOKEN: sim.token } }
  )
  let log = ''
  let pending = ''
  const lines: string[] = []
  proc.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
  proc.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    log += text
    pending += text
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    lines.push(...parts)
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return { proc, exited, log: () => log, take: () => lines.splice(0) }
}
