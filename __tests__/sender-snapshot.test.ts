/**
 * The sender's rules (SPEC §8) as a table: each change Debussy makes to its
 * rows → the event sent (or none); a restart's catch-up; a retried phase.
 */
import { describe, expect, it } from '@jest/globals'
import {
  changes,
  currentSnapshot,
  eventType,
  nextPayloads,
  selectRun,
  sequenceOf,
  viewOf,
  type PayloadContext,
  type RunView
} from '../src/sender/snapshot.js'
import type { PhaseRow, RunRow, StateRows } from '../src/sender/state-db.js'

const CONTEXT: PayloadContext = { plan: 'docs/plan/MASTER_PLAN.md', totalPhases: 4 }

function run(status: string, id = 'r1', startedAt = '2026-12-06T10:00:00'): RunRow {
  return {
    id,
    masterPlanPath: '/repo/docs/plan/MASTER_PLAN.md',
    startedAt,
    status,
    currentPhase: null
  }
}

/** `[id, phase, attempt, status]` rows of one run. */
type Row = readonly [number, string, number, string]

/**
 * The rows of one run's phase executions in Debussy's order, each written
 * `phase status` (`'2 failed'`): ids count up from 1, and a phase met again is
 * its next attempt.
 */
function rows(...executions: string[]): Row[] {
  const phaseOf = (execution: string): string => execution.split(' ')[0] ?? ''
  return executions.map((execution, i) => {
    const phase = phaseOf(execution)
    const attempt = executions.slice(0, i).filter((e) => phaseOf(e) === phase).length + 1
    return [i + 1, phase, attempt, execution.split(' ')[1] ?? '']
  })
}

function view(runStatus: string, rows: readonly Row[], runId = 'r1'): RunView {
  const phases: PhaseRow[] = rows.map(([id, phaseId, attempt, status]) => ({
    id,
    runId,
    phaseId,
    attempt,
    status,
    errorMessage: status === 'failed' ? 'gates failed' : null
  }))
  return viewOf({ runs: [run(runStatus, runId)], phases }, run(runStatus, runId))
}

describe('one change of a Debussy row → the event sent', () => {
  // prettier-ignore
  it.each<[string, string, readonly Row[], string, readonly Row[], string | undefined]>([
    ['a phase execution is created running', 'running', rows('1 completed'), 'running', rows('1 completed', '2 running'), 'phase_started 2'],
    ['running → validating', 'running', rows('1 completed', '2 running'), 'running', rows('1 completed', '2 validating'), 'phase_validating 2'],
    ['validating → completed', 'running', rows('1 completed', '2 validating'), 'running', rows('1 completed', '2 completed'), 'phase_completed 2'],
    ['running → failed', 'running', rows('1 completed', '2 running'), 'running', rows('1 completed', '2 failed'), 'phase_failed 2'],
    ['validating → awaiting_human', 'running', rows('1 completed', '2 validating'), 'running', rows('1 completed', '2 awaiting_human'), 'phase_awaiting_human 2'],
    ['running → blocked', 'running', rows('1 completed', '2 running'), 'running', rows('1 completed', '2 blocked'), 'phase_blocked 2'],
    ['validating → blocked', 'running', rows('1 completed', '2 validating'), 'running', rows('1 completed', '2 blocked'), 'phase_blocked 2'],
    ['awaiting_human → completed (the person approved)', 'running', rows('1 completed', '2 awaiting_human'), 'running', rows('1 completed', '2 completed'), 'phase_completed 2'],
    ['failed, then attempt 2 running', 'running', rows('1 completed', '2 failed'), 'running', rows('1 completed', '2 failed', '2 running'), 'phase_started 2'],
    ['compliance retry: attempt 1 left validating, attempt 2 running', 'running', rows('1 completed', '2 validating'), 'running', rows('1 completed', '2 validating', '2 running'), 'phase_started 2'],
    ['run running → completed', 'running', rows('1 completed'), 'completed', rows('1 completed'), 'plan_completed'],
    ['run running → failed', 'running', rows('1 failed'), 'failed', rows('1 failed'), undefined],
    ['run running → paused', 'running', rows('1 completed'), 'paused', rows('1 completed'), undefined],
    ['run paused → running', 'paused', rows('1 completed'), 'running', rows('1 completed'), undefined],
    ['nothing changed', 'running', rows('1 completed'), 'running', rows('1 completed'), undefined]
  ])('%s', (_what, runBefore, rowsBefore, runAfter, rowsAfter, expected) => {
    const a = view(runBefore, rowsBefore)
    const b = view(runAfter, rowsAfter)
    const sent = changes(a, b, CONTEXT)
    expect(sent.map((p) => `${p.event}${p.phase === undefined ? '' : ` ${p.phase}`}`)).toEqual(
      expected === undefined ? [] : [expected]
    )
    for (const p of sent) expect(p.sequence).toBeGreaterThan(sequenceOf(a))
    // Nothing Debussy does lowers the sequence.
    expect(sequenceOf(b)).toBeGreaterThanOrEqual(sequenceOf(a))
  })
})

describe('payloads', () => {
  it('are full version-1 snapshots: counts from the rows, total from the plan', () => {
    const a = view('running', rows('1 completed', '2 failed'))
    const b = view('running', rows('1 completed', '2 failed', '2 completed'))
    expect(changes(a, b, { ...CONTEXT, autoClose: true })).toEqual([
      {
        event: 'phase_completed',
        plan: 'docs/plan/MASTER_PLAN.md',
        phase: '2',
        run_id: 'r1',
        sequence: 4 + 4 + 4,
        completed_phases: 2,
        total_phases: 4,
        auto_close: true
      }
    ])
    expect(eventType('phase_completed')).toBe('debussy-phase-completed')
  })

  it('several changes between two looks: one payload each, in Debussy order, sequences rising', () => {
    const a = view('running', rows('1 running'))
    const b = view('completed', rows('1 completed', '2 completed'))
    const sent = changes(a, b, CONTEXT)
    expect(sent.map((p) => [p.event, p.phase, p.completed_phases])).toEqual([
      ['phase_completed', '1', 1],
      ['phase_completed', '2', 2],
      ['plan_completed', undefined, 2]
    ])
    const sequences = sent.map((p) => p.sequence)
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y))
    expect(new Set(sequences).size).toBe(3)
  })

  it('completed_phases never exceeds total_phases, and without a Phases table total is left to the action', () => {
    const b = view('completed', rows('1 completed', '2 completed', '9 completed'))
    expect(currentSnapshot(b, { plan: 'p.md', totalPhases: 2 })?.completed_phases).toBe(2)
    expect(currentSnapshot(b, { plan: 'p.md', totalPhases: undefined })).not.toHaveProperty(
      'total_phases'
    )
  })
})

describe('a watcher that starts late or again: one snapshot of where the run is', () => {
  // prettier-ignore
  it.each<[string, string, readonly Row[], string | undefined]>([
    ['no phase yet', 'running', [], undefined],
    ['phase 2 running', 'running', rows('1 completed', '2 running'), 'phase_started 2 1/4'],
    ['phase 2 validating', 'running', rows('1 completed', '2 validating'), 'phase_validating 2 1/4'],
    ['phase 2 awaiting a person', 'running', rows('1 completed', '2 awaiting_human'), 'phase_awaiting_human 2 1/4'],
    ['phase 2 blocked', 'running', rows('1 completed', '2 blocked'), 'phase_blocked 2 1/4'],
    ['phase 2 failed, run failed', 'failed', rows('1 completed', '2 failed'), 'phase_failed 2 1/4'],
    ['retried phase 2 completed', 'running', rows('1 completed', '2 failed', '2 completed'), 'phase_completed 2 2/4'],
    ['run completed', 'completed', rows('1 completed', '2 failed', '2 completed', '3 completed', '4 completed'), 'plan_completed 4/4']
  ])('%s', (_what, runStatus, executions, expected) => {
    const after = view(runStatus, executions)
    const sent = nextPayloads(undefined, after, CONTEXT)
    expect(
      sent.map(
        (p) =>
          `${p.event}${p.phase === undefined ? '' : ` ${p.phase}`} ${p.completed_phases}/${p.total_phases ?? '?'}`
      )
    ).toEqual(expected === undefined ? [] : [expected])
    // The same sequence a watcher that never stopped would have sent for this state.
    for (const p of sent) expect(p.sequence).toBe(sequenceOf(after))
  })

  it('a new run is caught up too, with its own numbering', () => {
    const first = view('failed', rows('1 failed'), 'r1')
    const second = view('running', [[2, '1', 1, 'running']], 'r2')
    expect(nextPayloads(first, second, CONTEXT)).toEqual([
      expect.objectContaining({ event: 'phase_started', run_id: 'r2', sequence: 1 })
    ])
  })
})

describe('which run, and what it carries', () => {
  const rows: StateRows = {
    runs: [
      run('paused', 'old', '2026-12-06T09:00:00'),
      run('running', 'new', '2026-12-06T10:00:00'),
      { ...run('completed', 'other', '2026-12-06T08:00:00'), masterPlanPath: '/repo/other.md' }
    ],
    phases: [
      { id: 1, runId: 'old', phaseId: '1', attempt: 1, status: 'completed', errorMessage: null },
      { id: 2, runId: 'old', phaseId: '2', attempt: 1, status: 'failed', errorMessage: 'x' },
      { id: 3, runId: 'new', phaseId: '2', attempt: 1, status: 'running', errorMessage: null }
    ]
  }

  it('follows the run Debussy started last, or the one named', () => {
    expect(selectRun(rows)?.id).toBe('new')
    expect(selectRun(rows, 'old')?.id).toBe('old')
    expect(selectRun(rows, 'nope')).toBeUndefined()
  })

  it('counts the phases a resumed run skips because the run it resumes completed them', () => {
    const resumed = viewOf(rows, rows.runs[1] as RunRow)
    expect(resumed.carried).toEqual(['1'])
    expect(currentSnapshot(resumed, CONTEXT)).toMatchObject({
      event: 'phase_started',
      phase: '2',
      completed_phases: 1
    })
  })
})
