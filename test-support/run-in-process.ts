/**
 * Runs the action's `run()` in the test process, with the environment the
 * runner sets, so that coverage sees src/ (a spawned dist/index.js adds none).
 * The end-to-end tests run the bundle itself: see run-action.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DEFAULT_TIMING, type ClientTiming } from '../src/github/client.js'
import type { GitHubSimulator } from './github-simulator.js'
import { defaultInputs, inputVariable, parseOutputFile, type StepInput } from './run-action.js'

/** Timings small enough for tests; the shape of retries and waits is unchanged. */
export const FAST_TIMING: ClientTiming = {
  attemptTimeoutMs: 400,
  retryUnitMs: 5,
  retries: 3,
  maxRateLimitWaitSeconds: 60,
  writeSpacingMs: 10,
  contentPerWindow: 80,
  contentWindowMs: 600
}

/**
 * FAST_TIMING for tests that inject no hang: an attempt waits as long as the
 * action's default allows, so a slow answer on a loaded machine is not turned
 * into a timed-out attempt and a retry that a test would count.
 */
export const PATIENT_TIMING: ClientTiming = {
  ...FAST_TIMING,
  attemptTimeoutMs: DEFAULT_TIMING.attemptTimeoutMs
}

export interface InProcessOptions extends StepInput {
  readonly apiUrl: string
  readonly graphqlUrl: string
  readonly token: string
  readonly timing?: ClientTiming
}

export interface InProcessResult {
  readonly failed: boolean
  readonly stdout: string
  readonly outputs: Record<string, string>
  readonly summary: string
}

/**
 * One job summary file per test process, emptied before each run:
 * `core.summary` keeps the path it first saw, as one step is one process.
 */
let summaryPath: string | undefined

type Endpoints = Pick<InProcessOptions, 'apiUrl' | 'graphqlUrl' | 'token'>

/** Where the action finds `sim` and the token it accepts. */
export function endpointsOf(sim: Pick<GitHubSimulator, keyof Endpoints>): Endpoints {
  return { apiUrl: sim.apiUrl, graphqlUrl: sim.graphqlUrl, token: sim.token }
}

/** runInProcess against `sim`: its URLs, and its token unless `step` names another. */
export function runAgainst(
  sim: Pick<GitHubSimulator, keyof Endpoints>,
  step: StepInput & Partial<Pick<InProcessOptions, 'token' | 'timing'>>
): Promise<InProcessResult> {
  return runInProcess({ ...endpointsOf(sim), ...step })
}

export async function runInProcess(options: InProcessOptions): Promise<InProcessResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-in-process-'))
  const eventPath = path.join(dir, 'event.json')
  const outputPath = path.join(dir, 'output')
  summaryPath ??= path.join(mkdtempSync(path.join(tmpdir(), 'run-in-process-summary-')), 'summary')
  writeFileSync(eventPath, JSON.stringify(options.eventPayload))
  writeFileSync(outputPath, '')
  writeFileSync(summaryPath, '')
  const saved = { ...process.env }
  for (const key of Object.keys(process.env)) {
    if (/^(INPUT_|GITHUB_|RUNNER_)/.test(key)) delete process.env[key]
  }
  const inputs: Record<string, string> = defaultInputs(options.token)
  for (const [name, value] of Object.entries(options.inputs ?? {}))
    inputs[inputVariable(name)] = value
  Object.assign(process.env, inputs, {
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: options.repository ?? 'acme/app',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_GRAPHQL_URL: options.graphqlUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    ...options.env
  })
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  const exitCode = process.exitCode
  let failed: boolean
  try {
    const { run } = await import('../src/main.js')
    process.exitCode = 0
    await run({ timing: options.timing ?? FAST_TIMING })
    failed = process.exitCode === 1
  } finally {
    process.stdout.write = write
    process.exitCode = exitCode
    process.env = saved
  }
  const result = {
    failed,
    stdout: chunks.join(''),
    outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8')
  }
  rmSync(dir, { recursive: true, force: true })
  return result
}
