/**
 * End to end, SPEC §8: a Debussy run written into state.db with Debussy's
 * own SQL, `debussy-issue-sync watch` (dist/cli/index.js) reading it and
 * dispatching to the simulator, and each dispatch run through the action
 * (dist/index.js) as a workflow would run it. Nothing in a payload is typed
 * here: what GitHub ends with comes from the rows alone.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { DebussyState, hasPython, type PhaseStatus } from '../../test-support/debussy-state.js'
import * as e2e from '../../test-support/e2e-helpers.js'
import {
  startSimulator,
  type Dispatch,
  type GitHubSimulator
} from '../../test-support/github-simulator.js'
import { REPO_ROOT, cleanup, makeWorkspace } from '../../test-support/run-action.js'
import { PLAN_PATH, REPO, seedSample, type Sample } from '../../test-support/sample-repo.js'
import { startWatcher as startSharedWatcher, type Watcher } from '../../test-support/watcher.js'

const PHASES = ['1', '2', '3', '4']
/** Every wait in this file ends by then. */
const WAIT_MS = 20_000

let sim: GitHubSimulator
let sample: Sample
let workspace: string
let db: string
let planFile: string
const watchers = new Set<ChildProcess>()

function startWatcher(...extra: string[]): Watcher {
  const watcher = startSharedWatcher(sim, workspace, extra)
  watchers.add(watcher.proc)
  void watcher.exited.then(() => watchers.delete(watcher.proc))
  return watcher
}

async function until(what: string, condition: () => boolean, watcher?: Watcher): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n${watcher?.log() ?? ''}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** The workflow side: each dispatch, in arrival order, through dist/index.js. */
class Runner {
  done = 0
  private busy: Promise<void> = Promise.resolve()

  /** Runs the dispatches that arrived since the last call. */
  catchUp(): Promise<void> {
    this.busy = this.busy.then(async () => {
      const all = sim.dispatches()
      while (this.done < all.length) {
        const d = all[this.done] as Dispatch
        const result = await e2e.fire(sim, workspace, d.clientPayload, { eventType: d.eventType })
        e2e.expectExit(result, 0)
        this.done++
      }
    })
    return this.busy
  }
}

/** What was dispatched, once the watcher has exited 0 and every dispatch has run. */
async function sentWhenDone(watcher: Watcher, runner: Runner): Promise<string[]> {
  expect(await watcher.exited).toBe(0)
  await runner.catchUp()
  return sent()
}

const labels = (n: number): string[] => sim.issue(REPO, n).labels
const sent = (): string[] =>
  sim.dispatches().map((d) => {
    const p = d.clientPayload
    return `${p.event as string}${p.phase === undefined ? '' : ` ${p.phase as string}`}`
  })

beforeEach(async () => {
  sim = await startSimulator()
  sample = seedSample(sim, { phases: PHASES })
  workspace = makeWorkspace(sample.files)
  mkdirSync(path.join(workspace, '.debussy'))
  db = path.join(workspace, '.debussy', 'state.db')
  // Absolute, as Debussy stores master_plan_path.
  planFile = path.join(workspace, PLAN_PATH)
})

afterEach(async () => {
  for (const proc of watchers) proc.kill('SIGKILL')
  await sim.close()
  cleanup()
})

const describeIfPython = hasPython() ? describe : describe.skip

describeIfPython('watch: a Debussy run, dispatched and synced', () => {
  it('4 phases, one failing then retried as attempt 2, one awaiting a person, then the run completing', async () => {
    const debussy = new DebussyState(db)
    const watcher = startWatcher('--auto-close')
    const runner = new Runner()
    const [first] = sample.issueNumbers as [number]
    const run = debussy.createRun(planFile)
    // Each change to state.db is one dispatch, run through the action as it arrives.
    let expected = 0
    const dispatched = async (change: () => void): Promise<void> => {
      change()
      expected++
      await until(`${expected} dispatches`, () => sim.dispatches().length >= expected, watcher)
      void runner.catchUp()
    }
    const attempt = (phase: string, n: number) =>
      dispatched(() => {
        if (n === 1) debussy.setCurrentPhase(run, phase)
        debussy.startAttempt(run, phase, n)
      })
    const status = (phase: string, to: PhaseStatus, message?: string) =>
      dispatched(() => debussy.updatePhaseStatus(run, phase, to, message))

    await attempt('1', 1)
    await status('1', 'validating')
    await status('1', 'completed')
    await attempt('2', 1)
    await status('2', 'failed', 'gates failed')
    await runner.catchUp()
    expect(e2e.stateLabels(labels(first))).toEqual(['debussy:failed'])
    await attempt('2', 2)
    await status('2', 'validating')
    await status('2', 'completed')
    await attempt('3', 1)
    await status('3', 'validating')
    await status('3', 'awaiting_human')
    await runner.catchUp()
    // Waiting for a person is its own state on every linked issue, one state label each.
    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(labels(n))).toEqual(['debussy:awaiting-human'])
    }
    await status('3', 'completed')
    await attempt('4', 1)
    await status('4', 'completed')
    await dispatched(() => debussy.updateRunStatus(run, 'completed'))

    expect(await sentWhenDone(watcher, runner)).toEqual([
      'phase_started 1',
      'phase_validating 1',
      'phase_completed 1',
      'phase_started 2',
      'phase_failed 2',
      'phase_started 2',
      'phase_validating 2',
      'phase_completed 2',
      'phase_started 3',
      'phase_validating 3',
      'phase_awaiting_human 3',
      'phase_completed 3',
      'phase_started 4',
      'phase_completed 4',
      'plan_completed'
    ])
    const payloads = sim.dispatches().map((d) => d.clientPayload)
    const sequences = payloads.map((p) => p.sequence as number)
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
    expect(new Set(sequences).size).toBe(sequences.length)
    expect(payloads.at(-1)).toEqual({
      event: 'plan_completed',
      plan: PLAN_PATH,
      run_id: run,
      sequence: sequences.at(-1),
      completed_phases: 4,
      total_phases: 4,
      auto_close: true
    })
    expect(sim.dispatches().map((d) => d.eventType)).toContain('debussy-phase-failed')
    expect(sim.dispatches().map((d) => d.eventType)).toContain('debussy-phase-awaiting-human')

    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(labels(n))).toEqual(['debussy:completed'])
      expect(sim.issue(REPO, n).state).toBe('closed')
    }
    // People's labels survive.
    expect(labels(first)).toContain('bug')
    expect(sim.milestone(REPO, sample.milestone as number).description).toContain(
      '📊 **Debussy Progress:** 100% (4/4 phases)'
    )
    expect(watcher.log()).toContain(`run ${run} completed; done`)
  }, 180_000)

  it('a watcher killed mid-run and started again loses nothing and never sends an older state', async () => {
    const debussy = new DebussyState(db)
    const runner = new Runner()
    const run = debussy.createRun(planFile)
    debussy.startAttempt(run, '1', 1)
    debussy.updatePhaseStatus(run, '1', 'completed')
    debussy.startAttempt(run, '2', 1)

    // Started late: one snapshot of where the run is, not the history.
    let watcher = startWatcher()
    await until('the catch-up', () => sim.dispatches().length >= 1, watcher)
    debussy.updatePhaseStatus(run, '2', 'completed')
    await until('phase 2 completed', () => sim.dispatches().length >= 2, watcher)
    watcher.proc.kill('SIGKILL')
    await watcher.exited
    const before = sim.dispatches().map((d) => d.clientPayload.sequence as number)

    // While nobody watches: phase 3 runs and completes, phase 4 starts.
    debussy.startAttempt(run, '3', 1)
    debussy.updatePhaseStatus(run, '3', 'completed')
    debussy.startAttempt(run, '4', 1)

    watcher = startWatcher('--auto-close')
    await until('the catch-up after the restart', () => sim.dispatches().length >= 3, watcher)
    debussy.updatePhaseStatus(run, '4', 'completed')
    debussy.updateRunStatus(run, 'completed')
    expect(await sentWhenDone(watcher, runner)).toEqual([
      'phase_started 2',
      'phase_completed 2',
      // One snapshot for everything missed while it was down.
      'phase_started 4',
      'phase_completed 4',
      'plan_completed'
    ])
    const sequences = sim.dispatches().map((d) => d.clientPayload.sequence as number)
    expect(sequences.slice(0, 2)).toEqual(before)
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
    expect(new Set(sequences).size).toBe(sequences.length)
    expect(sim.dispatches()[2]?.clientPayload).toMatchObject({
      completed_phases: 3,
      total_phases: 4
    })
    for (const n of sample.issueNumbers) {
      expect(e2e.stateLabels(labels(n))).toEqual(['debussy:completed'])
      expect(sim.issue(REPO, n).state).toBe('closed')
    }
  }, 120_000)

  it('watch -- COMMAND: runs it, sends its last state when it exits, exits with its code', async () => {
    const watcher = startWatcher(
      '--dry-run',
      '--',
      process.execPath,
      '--import',
      pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      path.join(REPO_ROOT, 'test-support', 'play-debussy-run.ts'),
      db,
      planFile,
      '3',
      // Short pauses: only the state it ends in, sent when it exits, is asserted.
      '25'
    )
    expect(await watcher.exited).toBe(3)
    const printed = watcher
      .log()
      .split('\n')
      .filter((line) => line.startsWith('[dry-run] POST'))
      .map(
        (line) =>
          JSON.parse(line.slice(line.indexOf('{'))) as { client_payload: Dispatch['clientPayload'] }
      )
    expect(printed.at(-1)?.client_payload).toMatchObject({
      event: 'plan_completed',
      completed_phases: 4,
      total_phases: 4
    })
    expect(sim.requests).toEqual([])
  }, 60_000)
})

describe('the bundles', () => {
  it('the action (dist/index.js) holds no SQLite reader; the CLI carries sql.js beside it', () => {
    const action = readFileSync(path.join(REPO_ROOT, 'dist', 'index.js'), 'utf8')
    expect(action).not.toMatch(/sql-wasm|initSqlJs|sqlite3_open/)
    const chunks = readdirSync(path.join(REPO_ROOT, 'dist')).filter((f) => f.endsWith('.js'))
    for (const chunk of chunks) {
      expect(readFileSync(path.join(REPO_ROOT, 'dist', chunk), 'utf8')).not.toMatch(/sqlite3_open/)
    }
    expect(readdirSync(path.join(REPO_ROOT, 'dist')).filter((f) => f.endsWith('.wasm'))).toEqual([])
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'sql.js', 'sql-wasm.wasm'))).toBe(true)
    expect(existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'sql.js', 'sql-wasm.cjs'))).toBe(true)
  })
})
