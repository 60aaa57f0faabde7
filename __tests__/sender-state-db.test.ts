/**
 * Reading Debussy's state.db while Debussy writes it: the rows as Debussy's
 * own StateManager leaves them, and never a torn copy.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'
import { DebussyState } from '../test-support/debussy-state.js'
import {
  StateBusyError,
  copyConsistent,
  readState,
  type ReadTiming
} from '../src/sender/state-db.js'

const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'debussy-run',
  'state.db'
)
const dir = mkdtempSync(path.join(tmpdir(), 'state-db-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FAST: ReadTiming = { attempts: 5, pauseMs: 1, sleep: () => Promise.resolve() }

describe('readState', () => {
  it('reads a state.db that Debussy wrote after a whole run (failed phase 2 retried as attempt 2)', async () => {
    const rows = await readState(FIXTURE)
    expect(rows?.runs).toEqual([
      expect.objectContaining({
        id: '49deae5b',
        masterPlanPath: '/home/dev/acme-widgets/docs/plan/MASTER_PLAN.md',
        status: 'completed'
      })
    ])
    expect(rows?.phases.map((p) => [p.phaseId, p.attempt, p.status, p.errorMessage])).toEqual([
      ['1', 1, 'completed', null],
      ['2', 1, 'failed', 'gates failed'],
      ['2', 2, 'completed', null],
      ['3', 1, 'completed', null],
      ['4', 1, 'completed', null]
    ])
  })

  it('is undefined before Debussy created the file, and empty before it created a run', async () => {
    const db = path.join(dir, 'fresh.db')
    expect(await readState(db)).toBeUndefined()
    new DebussyState(db)
    expect(await readState(db)).toEqual({ runs: [], phases: [] })
  })

  it('never trusts the file while a hot journal says a write is under way', async () => {
    const db = path.join(dir, 'hot.db')
    copyFileSync(FIXTURE, db)
    writeFileSync(`${db}-journal`, 'x'.repeat(512))
    await expect(copyConsistent(db, FAST)).rejects.toBeInstanceOf(StateBusyError)
    // The write commits (the journal goes) while the reader waits: the next try reads.
    let pauses = 0
    const copy = await copyConsistent(db, {
      ...FAST,
      sleep: () => {
        if (++pauses === 2) rmSync(`${db}-journal`)
        return Promise.resolve()
      }
    })
    expect(copy?.length).toBeGreaterThan(0)
    expect(pauses).toBe(2)
  })

  it('reads whole, consistent states while Debussy commits transaction after transaction', async () => {
    const db = path.join(dir, 'busy.db')
    const state = new DebussyState(db)
    const runId = state.createRun('/repo/plan.md')
    // 400 commits, each in its own connection as StateManager makes them.
    const writer = spawn('python3', [
      '-c',
      `
import sqlite3, sys
for i in range(400):
    c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA synchronous=FULL")
    c.execute("INSERT INTO progress_log (run_id, phase_id, step, logged_at) VALUES (?, '1', ?, 'now')", (sys.argv[2], 'x' * (i % 300)))
    c.execute("INSERT INTO phase_executions (run_id, phase_id, attempt, status) VALUES (?, ?, 1, 'running')", (sys.argv[2], str(i)))
    c.commit(); c.close()
`,
      db,
      runId
    ])
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()))
    let done = false
    void exited.then(() => (done = true))
    let reads = 0
    let busy = 0
    let previous = 0
    while (!done || reads + busy === 0) {
      try {
        const rows = await readState(db)
        const count = rows?.phases.length ?? 0
        // A torn copy would fail to parse or lose rows; counts only grow.
        expect(count).toBeGreaterThanOrEqual(previous)
        previous = count
        reads++
      } catch (error) {
        // Every try met a commit (a loaded machine, a writer that never pauses):
        // "busy" is the watcher's cue to look again, never a misread.
        if (!(error instanceof StateBusyError)) throw error
        busy++
      }
    }
    await exited
    expect((await readState(db))?.phases).toHaveLength(400)
    expect(reads + busy).toBeGreaterThan(1)
  })
})
