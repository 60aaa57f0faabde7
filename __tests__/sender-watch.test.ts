/**
 * The watcher's loop in process, with Debussy's rows written between looks:
 * Ctrl-C, a send that still fails, a refused token, a run that is paused.
 */
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals'
import { SendError } from '../src/sender/dispatch.js'
import type { DispatchPayload } from '../src/sender/snapshot.js'
import { watch, type WatchOptions } from '../src/sender/watch.js'
import { DebussyState } from '../test-support/debussy-state.js'
import { debussyPlan } from '../test-support/sample-repo.js'
import { makeWorkspace, cleanup } from '../test-support/run-action.js'

const PLAN = 'docs/plan/MASTER_PLAN.md'
let workspace: string
let db: string
let debussy: DebussyState
let run: string
let logs: string[]
afterAll(() => cleanup())

beforeEach(() => {
  workspace = makeWorkspace({ [PLAN]: debussyPlan([1, 2], ['1', '2']) })
  db = path.join(workspace, 'state.db')
  debussy = new DebussyState(db)
  run = debussy.createRun(path.join(workspace, PLAN))
  logs = []
})

/** `between[i]` runs after look i (Debussy working while the watcher sleeps). */
function options(
  send: (p: DispatchPayload) => Promise<void>,
  between: (() => void)[],
  extra: Partial<WatchOptions> = {}
): WatchOptions {
  let look = 0
  return {
    db,
    workspace,
    repo: { owner: 'acme', repo: 'payments' },
    serverHost: 'github.com',
    once: false,
    follow: false,
    pollMs: 100,
    send,
    log: (line) => logs.push(line),
    signal: new AbortController().signal,
    sleep: () => {
      const next = between[look++]
      if (next === undefined) throw new Error(`look ${look}: the test has no more steps`)
      next()
      return Promise.resolve()
    },
    ...extra
  }
}

const label = (p: DispatchPayload): string =>
  `${p.event}${p.phase === undefined ? '' : ` ${p.phase}`} #${p.sequence}`

describe('watch', () => {
  it('Ctrl-C stops it between looks, after the send under way', async () => {
    debussy.startAttempt(run, '1', 1)
    const controller = new AbortController()
    const sent: DispatchPayload[] = []
    const result = await watch(
      options(
        (p) => {
          sent.push(p)
          return Promise.resolve()
        },
        [() => controller.abort()],
        { signal: controller.signal }
      )
    )
    expect(result).toEqual({ sent: 1, failed: 0 })
    expect(sent.map(label)).toEqual(['phase_started 1 #1'])
    expect(logs.at(-1)).toBe('stopped')
  })

  it('a send that still fails is reported, and the next look catches up with one snapshot', async () => {
    debussy.startAttempt(run, '1', 1)
    const sent: DispatchPayload[] = []
    let calls = 0
    const result = await watch(
      options(
        (p) => {
          if (++calls === 1)
            return Promise.reject(new SendError('cannot reach api.github.com', false))
          sent.push(p)
          return Promise.resolve()
        },
        [
          () => {
            debussy.updatePhaseStatus(run, '1', 'completed')
            debussy.startAttempt(run, '2', 1)
          },
          () => {
            debussy.updatePhaseStatus(run, '2', 'completed')
            debussy.updateRunStatus(run, 'completed')
          }
        ]
      )
    )
    expect(result).toEqual({ sent: 3, failed: 1 })
    expect(logs).toContain('error: cannot reach api.github.com')
    // One snapshot for what was missed, then each change again.
    expect(sent.map(label)).toEqual([
      'phase_started 2 #5',
      'phase_completed 2 #8',
      'plan_completed #9'
    ])
  })

  it('a refused token stops it with the reason', async () => {
    debussy.startAttempt(run, '1', 1)
    await expect(
      watch(options(() => Promise.reject(new SendError('HTTP 401: Bad credentials', true)), []))
    ).rejects.toThrow('HTTP 401: Bad credentials')
  })

  it('keeps watching a paused run, and sends nothing for the pause', async () => {
    debussy.startAttempt(run, '1', 1)
    const sent: DispatchPayload[] = []
    await watch(
      options(
        (p) => {
          sent.push(p)
          return Promise.resolve()
        },
        [
          () => debussy.updateRunStatus(run, 'paused'),
          () => debussy.updateRunStatus(run, 'running'),
          () => debussy.updatePhaseStatus(run, '1', 'failed', 'boom'),
          () => debussy.updateRunStatus(run, 'failed')
        ]
      )
    )
    expect(sent.map(label)).toEqual(['phase_started 1 #1', 'phase_failed 1 #4'])
    expect(logs).toContain(`run ${run} paused; still watching`)
    expect(logs.at(-1)).toBe(`run ${run} failed; done`)
  })
})
