import { describe, expect, it } from '@jest/globals'
import type { Finding, MasterPlan, PhaseEvent } from '../src/domain.js'
import {
  MAX_RUNS,
  appliedOrder,
  type AppliedRuns,
  computeProgress,
  judgeOrder,
  progressLine,
  upsertProgressBlock
} from '../src/progress.js'

const plan = (done: boolean[]): MasterPlan => ({
  path: 'docs/plan.md',
  title: 'Plan',
  issues: [],
  repo: { owner: 'acme', repo: 'app' },
  milestone: undefined,
  phases: done.map((d, i) => ({ id: i === 2 ? '2.5' : String(i + 1), title: `P${i}`, done: d }))
})

const event = (overrides: Partial<PhaseEvent>): PhaseEvent => ({
  kind: 'phase_completed',
  plan: 'docs/plan.md',
  phase: '2',
  completedPhases: undefined,
  totalPhases: undefined,
  autoClose: undefined,
  dryRun: undefined,
  runId: undefined,
  sequence: undefined,
  ...overrides
})

describe('computeProgress', () => {
  it.each([
    [
      'phase_completed counts table done rows plus this phase',
      event({}),
      [true, false, false, false],
      2,
      4
    ],
    [
      'phase_completed of a phase already marked done is not counted twice',
      event({ phase: '1' }),
      [true, false, false, false],
      1,
      4
    ],
    [
      'phase_started counts only the table',
      event({ kind: 'phase_started' }),
      [true, false, false, false],
      1,
      4
    ],
    [
      'phase_failed counts only the table',
      event({ kind: 'phase_failed' }),
      [true, true, false, false],
      2,
      4
    ],
    ['decimal phase ids count', event({ phase: '2.5' }), [true, false, false, false], 2, 4],
    [
      'plan_completed without completed_phases means all done',
      event({ kind: 'plan_completed', phase: undefined }),
      [false, false, false, false],
      4,
      4
    ],
    [
      'completed_phases from the payload wins',
      event({ completedPhases: 3 }),
      [false, false, false, false],
      3,
      4
    ],
    [
      'total_phases from the payload wins',
      event({ totalPhases: 10, completedPhases: 3 }),
      [false, false, false, false],
      3,
      10
    ],
    [
      'a phase missing from the table is not counted',
      event({ phase: '9' }),
      [true, false, false, false],
      1,
      4
    ]
  ])('%s', (_name, ev, done, completed, total) => {
    const findings: Finding[] = []
    const progress = computeProgress(ev, plan(done), findings)
    expect(progress).toEqual({ completed, total, percent: Math.round((100 * completed) / total) })
  })

  it('warns about a phase that is not in the table, naming it', () => {
    const findings: Finding[] = []
    computeProgress(event({ phase: '9' }), plan([false, false]), findings)
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('Phase 9 is not in the Phases table')
      })
    ])
  })

  it('clamps completed to total with a warning', () => {
    const findings: Finding[] = []
    expect(
      computeProgress(event({ completedPhases: 7, totalPhases: 4 }), plan([]), findings)
    ).toEqual({
      completed: 4,
      total: 4,
      percent: 100
    })
    expect(findings[0]?.message).toContain('7 completed phases is more than')
  })

  it('is unknown, with a warning, without a table or total_phases', () => {
    const findings: Finding[] = []
    expect(computeProgress(event({}), plan([]), findings)).toBeUndefined()
    expect(findings[0]?.message).toContain('Progress is unknown')
  })

  it('rounds the percentage', () => {
    expect(
      computeProgress(event({ completedPhases: 1, totalPhases: 3 }), plan([]), [])?.percent
    ).toBe(33)
    expect(
      computeProgress(event({ completedPhases: 2, totalPhases: 3 }), plan([]), [])?.percent
    ).toBe(67)
  })
})

describe('progress block', () => {
  const p = { completed: 2, total: 4, percent: 50 }

  it('has exactly the visible line of SPEC §6', () => {
    expect(progressLine(p)).toBe('📊 **Debussy Progress:** 50% (2/4 phases)')
  })

  it('is appended after a blank line, keeping the human text', () => {
    const out = upsertProgressBlock('Ship the queue.', 'docs/plan.md', p, [])
    expect(
      out.startsWith('Ship the queue.\n\n<!-- debussy-issue-sync:begin plan="docs%2Fplan.md" -->\n')
    ).toBe(true)
    expect(out).toContain('\n📊 **Debussy Progress:** 50% (2/4 phases)\n')
  })

  it('is the whole description when there was none', () => {
    const out = upsertProgressBlock('', 'p.md', p, [])
    expect(out.split('\n')).toHaveLength(3)
  })

  it('is replaced in place, every other character kept', () => {
    const first = upsertProgressBlock('Intro\n\nOutro', 'p.md', p, [])
    const withTail = first + '\n\nTail written later.'
    const next = upsertProgressBlock(withTail, 'p.md', { completed: 3, total: 4, percent: 75 }, [])
    expect(next).toBe(withTail.replace('50% (2/4 phases)', '75% (3/4 phases)'))
  })

  it('keeps CRLF line endings', () => {
    const out = upsertProgressBlock('Line one\r\nLine two\r\n', 'p.md', p, [])
    expect(out.startsWith('Line one\r\nLine two\r\n\r\n<!--')).toBe(true)
    expect(out.replace(/\r\n/g, '')).not.toContain('\n')
  })

  it("replaces Debussy's legacy line instead of duplicating it", () => {
    const legacy = 'Goals\n📊 **Debussy Progress:** 25% (1/4 phases)\nMore'
    const out = upsertProgressBlock(legacy, 'p.md', p, [])
    expect(out).not.toContain('25%')
    expect(out.startsWith('Goals\n<!-- debussy-issue-sync:begin')).toBe(true)
    expect(out.endsWith('-->\nMore')).toBe(true)
    expect(out.match(/Debussy Progress/g)).toHaveLength(1)
  })

  it('keeps one block per plan in a shared milestone', () => {
    const a = upsertProgressBlock('M', 'a.md', p, [])
    const ab = upsertProgressBlock(a, 'b.md', { completed: 1, total: 2, percent: 50 }, [])
    const again = upsertProgressBlock(ab, 'a.md', { completed: 4, total: 4, percent: 100 }, [])
    expect(again.match(/debussy-issue-sync:begin/g)).toHaveLength(2)
    expect(again).toContain('100% (4/4 phases)')
    expect(again).toContain('50% (1/2 phases)')
  })

  it('is idempotent', () => {
    const once = upsertProgressBlock('Text', 'p.md', p, [{ runId: 'r1', sequence: 3 }])
    expect(upsertProgressBlock(once, 'p.md', p, [{ runId: 'r1', sequence: 3 }])).toBe(once)
  })

  it('records the applied run and sequence, and a plan path cannot close the marker', () => {
    const out = upsertProgressBlock('', 'x-->"y.md', p, [{ runId: 'run "1" -->', sequence: 7 }])
    expect(out.split('-->')).toHaveLength(3)
    expect(appliedOrder(out, 'x-->"y.md')).toEqual([{ runId: 'run "1" -->', sequence: 7 }])
    expect(appliedOrder(out, 'other.md')).toEqual([])
  })
})

describe('judgeOrder', () => {
  const recorded = [{ runId: 'r1', sequence: 5 }]
  it.each([
    ['older sequence of the same run is skipped', 'r1', 4, false],
    ['same sequence (redelivery) applies', 'r1', 5, true],
    ['newer sequence applies', 'r1', 6, true],
    ['another run starts its own numbering', 'r2', 1, true]
  ])('%s', (_name, runId, sequence, apply) => {
    expect(judgeOrder(event({ runId, sequence }), recorded).apply).toBe(apply)
  })

  it('always applies an event without run_id and sequence, keeping what was recorded', () => {
    expect(judgeOrder(event({}), recorded)).toEqual({ apply: true, record: recorded })
    expect(judgeOrder(event({ runId: 'r1' }), recorded)).toEqual({ apply: true, record: recorded })
  })

  it("still skips a late event of a run after another run's event was applied", () => {
    // A#2 applied, then B#1, then A#1 arrives late: it is older than A#2.
    let runs = judgeOrder(event({ runId: 'A', sequence: 2 }), [])
    expect(runs.apply).toBe(true)
    runs = judgeOrder(event({ runId: 'B', sequence: 1 }), runs.apply ? runs.record : [])
    expect(runs).toEqual({
      apply: true,
      record: [
        { runId: 'A', sequence: 2 },
        { runId: 'B', sequence: 1 }
      ]
    })
    const late = judgeOrder(event({ runId: 'A', sequence: 1 }), runs.apply ? runs.record : [])
    expect(late).toEqual({ apply: false, applied: { runId: 'A', sequence: 2 } })
  })

  it(`remembers the last ${MAX_RUNS} runs, most recent last`, () => {
    let record: AppliedRuns = []
    for (const runId of ['a', 'b', 'c', 'd', 'e', 'f', 'b']) {
      const verdict = judgeOrder(event({ runId, sequence: 1 }), record)
      if (verdict.apply) record = verdict.record
    }
    expect(record.map((r) => r.runId)).toEqual(['c', 'd', 'e', 'f', 'b'])
  })
})

describe('the order in the marker', () => {
  const p = { completed: 1, total: 2, percent: 50 }
  it('round-trips every remembered run, ids with any characters', () => {
    const runs = [
      { runId: 'a:b,c', sequence: 3 },
      { runId: 'run "2" -->', sequence: 9 }
    ]
    const text = upsertProgressBlock('', 'p.md', p, runs)
    expect(appliedOrder(text, 'p.md')).toEqual(runs)
    expect(text).toContain('run="run%20%222%22%20--%3E" seq="9"')
  })

  it('reads a marker written with only run and seq', () => {
    const old =
      '<!-- debussy-issue-sync:begin plan="p.md" run="r1" seq="4" -->\nx\n<!-- debussy-issue-sync:end plan="p.md" -->'
    expect(appliedOrder(old, 'p.md')).toEqual([{ runId: 'r1', sequence: 4 }])
  })
})
