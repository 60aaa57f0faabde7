/**
 * Runs the bundled action the way the Actions runner runs a `node24` action:
 * a fresh `node dist/index.js` process in the workspace, inputs as `INPUT_*`
 * variables (action.yml defaults applied), the event in a file named by
 * GITHUB_EVENT_PATH, and outputs / job summary in files the runner created.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import type { GitHubSimulator } from './github-simulator.js'

/** What a workflow step hands the action, bundled or in process: the checkout, the event, the settings. */
export interface StepInput {
  /** The checkout (GITHUB_WORKSPACE), e.g. from makeWorkspace(). */
  readonly workspace: string
  readonly eventName: string
  readonly eventPayload: unknown
  /** Input values by name as action.yml spells them (`dry-run`); they override the defaults. */
  readonly inputs?: Record<string, string>
  /** GITHUB_REPOSITORY; default `acme/payments`. */
  readonly repository?: string
  /** Extra environment, applied last (e.g. `RUNNER_DEBUG: '1'`). */
  readonly env?: Record<string, string>
}

export interface RunActionOptions extends StepInput {
  readonly sim: GitHubSimulator
  /** What `${{ github.token }}` expands to; default the simulator's token. */
  readonly token?: string
  /** Script to run instead of dist/index.js (for testing this harness). */
  readonly entry?: string
  /** Kill the run after this long; default 120 s. */
  readonly timeoutMs?: number
  /** Kill the run when this aborts, as its timeout would: a deadline that is an event, not real time. */
  readonly signal?: AbortSignal
}

export interface ActionResult {
  /** Exit code; -1 when the process was killed (see timedOut). */
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  readonly durationMs: number
  readonly timedOut: boolean
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_TIMEOUT_MS = 120_000

const tempDirs = new Set<string>()

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

/** Writes a temporary checkout holding `files` (paths relative to its root). */
export function makeWorkspace(files: Record<string, string> = {}): string {
  const root = tempDir('debussy-workspace-')
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative)
    if (!file.startsWith(root + path.sep))
      throw new Error(`file outside the workspace: ${relative}`)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
  return root
}

/** Removes one directory made here, or all of them. */
export function cleanup(dir?: string): void {
  const dirs = dir === undefined ? [...tempDirs] : [dir]
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true })
    tempDirs.delete(d)
  }
}

interface ActionInput {
  readonly default?: string | number | boolean | null
}

/** The runner's variable name for an input: spaces become `_`, hyphens stay. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** `INPUT_*` for every input action.yml declares, with its default. */
export function defaultInputs(token: string): Record<string, string> {
  const manifest = parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, ActionInput | null>
  }
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
    const value = spec?.default
    const text = value === undefined || value === null ? '' : String(value)
    // The only expression among the defaults; the runner expands it to the job's token.
    env[inputVariable(name)] = text.replace(/\$\{\{\s*github\.token\s*\}\}/g, token)
  }
  return env
}

/** Reads GITHUB_OUTPUT as the runner does: `name<<DELIM` … `DELIM` blocks and `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc?.[1] && heredoc[2]) {
      const delimiter = heredoc[2]
      const value: string[] = []
      let j = i + 1
      while (j < lines.length && lines[j] !== delimiter) value.push(lines[j++] ?? '')
      if (j >= lines.length)
        throw new Error(`GITHUB_OUTPUT: no closing ${delimiter} for ${heredoc[1]}`)
      outputs[heredoc[1]] = value.join('\n')
      i = j
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: invalid line ${JSON.stringify(line)}`)
    outputs[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return outputs
}

export async function runAction(options: RunActionOptions): Promise<ActionResult> {
  const token = options.token ?? options.sim.token
  const runDir = tempDir('debussy-run-')
  const runnerTemp = path.join(runDir, 'temp')
  mkdirSync(runnerTemp)
  const eventPath = path.join(runDir, 'event.json')
  writeFileSync(eventPath, JSON.stringify(options.eventPayload, null, 2))
  // The runner creates these files before the step, empty; core.summary fails without its file.
  const files = {
    GITHUB_OUTPUT: path.join(runDir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runDir, 'step_summary'),
    GITHUB_ENV: path.join(runDir, 'env'),
    GITHUB_PATH: path.join(runDir, 'path'),
    GITHUB_STATE: path.join(runDir, 'state')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')

  const inputs: Record<string, string> = defaultInputs(token)
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    inputs[inputVariable(name)] = value
  }
  const repository = options.repository ?? 'acme/payments'
  // A clean environment: nothing from the developer's shell or an enclosing
  // workflow (GITHUB_*, INPUT_*, RUNNER_*, NODE_OPTIONS) may leak into the run.
  const env: Record<string, string> = {
    ...(process.env.PATH !== undefined ? { PATH: process.env.PATH } : {}),
    ...(process.env.HOME !== undefined ? { HOME: process.env.HOME } : {}),
    ...inputs,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_API_URL: options.sim.apiUrl,
    GITHUB_GRAPHQL_URL: options.sim.graphqlUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'debussy-bot',
    GITHUB_WORKFLOW: 'Debussy issue sync',
    GITHUB_JOB: 'sync',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0000000000000000000000000000000000000000',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTION: '__self',
    ...files,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'simulator',
    ...options.env
  }

  const entry = options.entry ?? path.join(REPO_ROOT, 'dist', 'index.js')
  const started = performance.now()
  try {
    const { code, stdout, stderr, timedOut } = await spawnBounded(
      entry,
      options.workspace,
      env,
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      options.signal
    )
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      durationMs: Math.round(performance.now() - started),
      timedOut
    }
  } finally {
    cleanup(runDir)
  }
}

function spawnBounded(
  entry: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined
): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const kill = (): void => {
      timedOut = true
      child.kill('SIGKILL')
    }
    const timer = setTimeout(kill, timeoutMs)
    if (signal?.aborted === true) kill()
    else signal?.addEventListener('abort', kill, { once: true })
    const settled = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', kill)
    }
    child.once('error', (error) => {
      settled()
      reject(error)
    })
    child.once('close', (code) => {
      settled()
      resolve({ code: code ?? -1, stdout, stderr, timedOut })
    })
  })
}

/**
 * Best effort, Linux only: ends the action processes this process spawned and
 * that still run, when a script (the demo, the bench) is interrupted, so that
 * none retries against a closed simulator from a removed workspace.
 */
export function killActionProcesses(): void {
  try {
    const file = `/proc/${process.pid}/task/${process.pid}/children`
    for (const pid of readFileSync(file, 'utf8').split(/\s+/).filter(Boolean)) {
      process.kill(Number(pid), 'SIGTERM')
    }
  } catch {
    // Not Linux, or nothing left to end.
  }
}
