import { describe, expect, it } from '@jest/globals'
import type { Finding, MasterPlan, PhaseEvent } from '../src/domain.js'
import {
  MAX_LEDGER_PHASES,
  MAX_RUNS,
  appliedOrder,
  type AppliedRuns,
  computeProgress,
  findProgressBlock,
  judgeLedger,
  judgeOrder,
  type LedgerEntry,
  progressLine,
  recordInLedger,
  recordedLedger,
  type RunLedger,
  upsertProgressBlock
} from '../src/progress.js'
import { phaseEvent, masterPlan } from '../test-support/domain-builders.js'

const plan = (done: boolean[]): MasterPlan =>
  masterPlan({
    phases: done.map((d, i) => ({ id: i === 2 ? '2.5' : String(i + 1), title: `P${i}`, done: d }))
  })

const event = (overrides: Partial<PhaseEvent>): PhaseEvent =>
  phaseEvent('phase_completed', overrides)

describe('computeProgress', () => {
  // prettier-ignore
  it.each([
    ['phase_completed counts table done rows plus this phase', event({}), [true, false, false, false], 2, 4],
    ['phase_completed of a phase already marked done is not counted twice', event({ phase: '1' }), [true, false, false, false], 1, 4],
    ['phase_started counts only the table', event({ kind: 'phase_started' }), [true, false, false, false], 1, 4],
    ['phase_failed counts only the table', event({ kind: 'phase_failed' }), [true, true, false, false], 2, 4],
    ['phase_validating counts only the table (the phase is not done yet)', event({ kind: 'phase_validating' }), [true, false, false, false], 1, 4],
    ['phase_awaiting_human counts only the table', event({ kind: 'phase_awaiting_human' }), [true, false, false, false], 1, 4],
    ['phase_blocked counts only the table', event({ kind: 'phase_blocked' }), [true, false, false, false], 1, 4],
    ['decimal phase ids count', event({ phase: '2.5' }), [true, false, false, false], 2, 4],
    ['plan_completed without completed_phases means all done', event({ kind: 'plan_completed', phase: undefined }), [false, false, false, false], 4, 4],
    ['completed_phases from the payload wins', event({ completedPhases: 3 }), [false, false, false, false], 3, 4],
    ['total_phases from the payload wins', event({ totalPhases: 10, completedPhases: 3 }), [false, false, false, false], 3, 10],
    ['a phase missing from the table is not counted', event({ phase: '9' }), [true, false, false, false], 1, 4]
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

const ledger = (
  entries: Record<string, string>,
  planCompleted?: number,
  runId = 'r1'
): RunLedger => ({
  runId,
  phases: new Map(
    Object.entries(entries).map(([id, text]): [string, LedgerEntry] => {
      const state = (
        {
          s: 'started',
          c: 'completed',
          f: 'failed',
          v: 'validating',
          h: 'awaiting-human',
          b: 'blocked'
        } as const
      )[text[0] as 's' | 'c' | 'f' | 'v' | 'h' | 'b']
      return [id, { state, sequence: Number(text.slice(1)) }]
    })
  ),
  planCompleted
})

describe('the run ledger: recordInLedger', () => {
  const table = plan([false, false, false, false]) // phases 1, 2, 2.5, 4
  const bare = (kind: PhaseEvent['kind'], phase: string | undefined, sequence: number) =>
    event({ kind, phase, runId: 'r1', sequence })

  // prettier-ignore
  it.each<[string, RunLedger | undefined, PhaseEvent, RunLedger, boolean]>([
    ['a first event starts the ledger', undefined, bare('phase_started', '1', 1), ledger({ 1: 's1' }), true],
    ['a newer state of a phase replaces it', ledger({ 1: 's1' }), bare('phase_completed', '1', 2), ledger({ 1: 'c2' }), true],
    ['an older state of a phase does not', ledger({ 1: 'c2' }), bare('phase_started', '1', 1), ledger({ 1: 'c2' }), false],
    ['a late event of another phase is added', ledger({ 2: 's3' }), bare('phase_completed', '1', 2), ledger({ 1: 'c2', 2: 's3' }), true],
    ['a retry after completion (newer start) undoes the completion', ledger({ 1: 'c2' }), bare('phase_started', '1', 5), ledger({ 1: 's5' }), true],
    ['a redelivery changes nothing', ledger({ 1: 'c2' }), bare('phase_completed', '1', 2), ledger({ 1: 'c2' }), false],
    ['one sequence with two states (a sender bug): completed wins either way', ledger({ 1: 'c2' }), bare('phase_started', '1', 2), ledger({ 1: 'c2' }), false],
    ['phase ids are normalised (02 is 2)', undefined, bare('phase_failed', '02', 1), ledger({ 2: 'f1' }), true],
    ['plan_completed is kept apart', ledger({ 1: 'c2' }), bare('plan_completed', undefined, 9), ledger({ 1: 'c2' }, 9), true],
    ['an older plan_completed changes nothing', ledger({}, 9), bare('plan_completed', undefined, 8), ledger({}, 9), false],
    ['a phase that is not in the table is not kept (it never counts)', ledger({ 1: 's1' }), bare('phase_completed', '7', 2), ledger({ 1: 's1' }), false],
    ['validating, awaiting a person and blocked are recorded as such', ledger({ 1: 's1', 2: 's2', 4: 's3' }), bare('phase_awaiting_human', '2', 6), ledger({ 1: 's1', 2: 'h6', 4: 's3' }), true],
    ['a validating phase that completes is completed', ledger({ 1: 'v3' }), bare('phase_completed', '1', 4), ledger({ 1: 'c4' }), true],
    ['a late validating does not undo a newer blocked', ledger({ 1: 'b7' }), bare('phase_validating', '1', 5), ledger({ 1: 'b7' }), false],
    ['one sequence with two states: the later Debussy state wins either way', ledger({ 1: 'h4' }), bare('phase_validating', '1', 4), ledger({ 1: 'h4' }), false],
    ['another run starts a fresh ledger', ledger({ 1: 'c2' }, undefined, 'r0'), bare('phase_started', '1', 1), ledger({ 1: 's1' }), true]
  ])('%s', (_name, before, e, after, changed) => {
    expect(recordInLedger(before, e, table, [])).toEqual({ ledger: after, changed })
  })

  it('gives the same ledger for any arrival order of the same events', () => {
    const events = [
      bare('phase_started', '1', 1),
      bare('phase_completed', '1', 2),
      bare('phase_started', '2', 3),
      bare('phase_failed', '2', 4),
      bare('phase_started', '2', 5)
    ]
    const fold = (list: PhaseEvent[]) =>
      list.reduce<RunLedger | undefined>(
        (l, e) => recordInLedger(l, e, table, []).ledger,
        undefined
      )
    const want = ledger({ 1: 'c2', 2: 's5' })
    expect(fold(events)).toEqual(want)
    expect(fold([...events].reverse())).toEqual(want)
    expect(
      fold([events[4], events[0], events[2], events[1], events[3], events[4]] as PhaseEvent[])
    ).toEqual(want)
  })

  it(`holds at most ${MAX_LEDGER_PHASES} phases, warning about the first one it cannot keep`, () => {
    const big: MasterPlan = {
      ...table,
      phases: Array.from({ length: MAX_LEDGER_PHASES + 1 }, (_, i) => ({
        id: String(i + 1),
        title: '',
        done: false
      }))
    }
    let l: RunLedger | undefined
    for (let i = 1; i <= MAX_LEDGER_PHASES; i += 1) {
      l = recordInLedger(l, bare('phase_completed', String(i), i), big, []).ledger
    }
    const findings: Finding[] = []
    const update = recordInLedger(
      l,
      bare('phase_completed', String(MAX_LEDGER_PHASES + 1), 999),
      big,
      findings
    )
    expect(update.changed).toBe(false)
    expect(update.ledger.phases.size).toBe(MAX_LEDGER_PHASES)
    expect(findings[0]?.message).toContain('completed_phases')
    // Its own event still counts it.
    const progress = computeProgress(
      bare('phase_completed', String(MAX_LEDGER_PHASES + 1), 999),
      big,
      [],
      update.ledger
    )
    expect(progress?.completed).toBe(MAX_LEDGER_PHASES + 1)
    // The whole block stays a few kilobytes.
    const block = upsertProgressBlock(
      '',
      'p.md',
      { completed: 1, total: 1, percent: 100 },
      [{ runId: 'r1', sequence: 999 }],
      update.ledger
    )
    expect(block.length).toBeLessThan(4096)
  })
})

describe('the run ledger: progress without counts (SPEC §6, §8)', () => {
  const table = plan([true, false, false, false]) // phase 1 done in the table
  // prettier-ignore
  it.each<[string, PhaseEvent, RunLedger | undefined, number]>([
    ["the ledger's completed phases count with the table's", event({ kind: 'phase_started', phase: '2.5' }), ledger({ 2: 'c4', '2.5': 's5' }), 2],
    ['a phase completed and then restarted does not count', event({ kind: 'phase_started', phase: '2' }), ledger({ 2: 's6' }), 1],
    ['a phase_completed superseded by a newer state in the ledger is not added', event({ kind: 'phase_completed', phase: '2' }), ledger({ 2: 's6' }), 1],
    ['a failed phase does not count', event({ kind: 'phase_failed', phase: '2' }), ledger({ 2: 'f3', 4: 'c2' }), 2],
    ['plan_completed in the ledger means every phase, whatever event is shown', event({ kind: 'phase_started', phase: '2' }), ledger({}, 9), 4],
    ['a phase validating, awaiting a person or blocked is not counted done', event({ kind: 'phase_blocked', phase: '4' }), ledger({ 1: 'c1', 2: 'v2', '2.5': 'h3', 4: 'b4' }), 1],
    ['completed_phases from the payload still wins', event({ kind: 'phase_started', completedPhases: 3 }), ledger({ 2: 'c2' }), 3],
    ['without a ledger: the table plus this phase on phase_completed', event({ kind: 'phase_completed', phase: '2' }), undefined, 2]
  ])('%s', (_name, e, l, completed) => {
    expect(computeProgress(e, table, [], l)?.completed).toBe(completed)
  })

  it('without a table (total from the payload), every phase the run completed counts', () => {
    const noTable: MasterPlan = { ...table, phases: [] }
    const e = event({ kind: 'phase_started', phase: '9', totalPhases: 5 })
    expect(computeProgress(e, noTable, [], ledger({ 7: 'c1', 8: 'c2', 9: 's3' }))).toEqual({
      completed: 2,
      total: 5,
      percent: 40
    })
  })
})

describe('the run ledger in the marker', () => {
  const p = { completed: 1, total: 4, percent: 25 }
  it('round-trips beside the order of its run, phase ids with any characters', () => {
    const l = ledger({ 1: 'c2', '2.5': 's7', 'a,b:"c" -->': 'f9' }, 12)
    const text = upsertProgressBlock(
      'Human.',
      'p.md',
      p,
      [
        { runId: 'r0', sequence: 3 },
        { runId: 'r1', sequence: 12 }
      ],
      l
    )
    expect(text).toContain('ledger="1:c2,2.5:s7,a%2Cb%3A%22c%22%20--%3E:f9,$:c12"')
    expect(text.split('-->')).toHaveLength(3)
    expect(recordedLedger(text, 'p.md')).toEqual(l)
    expect(appliedOrder(text, 'p.md')).toEqual([
      { runId: 'r0', sequence: 3 },
      { runId: 'r1', sequence: 12 }
    ])
  })

  it('writes validating, awaiting-human and blocked as v, h and b, and reads them back', () => {
    const l = ledger({ 1: 'v2', 2: 'h3', 3: 'b4', 4: 's5' })
    const text = upsertProgressBlock('', 'p.md', p, [{ runId: 'r1', sequence: 5 }], l)
    expect(text).toContain('ledger="1:v2,2:h3,3:b4,4:s5"')
    expect(recordedLedger(text, 'p.md')).toEqual(l)
  })

  it("is not written beside another run's order", () => {
    const text = upsertProgressBlock(
      '',
      'p.md',
      p,
      [{ runId: 'r2', sequence: 1 }],
      ledger({ 1: 'c2' })
    )
    expect(text).not.toContain('ledger=')
  })

  it('reads an old marker (no ledger) as having none, and its order as before', () => {
    const old =
      '<!-- debussy-issue-sync:begin plan="p.md" run="r1" seq="4" runs="r1:4" -->\nx\n<!-- debussy-issue-sync:end plan="p.md" -->'
    expect(findProgressBlock(old, 'p.md')?.ledger).toBeUndefined()
    expect(appliedOrder(old, 'p.md')).toEqual([{ runId: 'r1', sequence: 4 }])
  })

  it('drops damaged entries and keeps the others', () => {
    const text =
      '<!-- debussy-issue-sync:begin plan="p.md" run="r1" seq="4" runs="r1:4" ledger="1:c2,2:x3,%E0%A4%A:c3,3:s,4:f4" -->\nx\n<!-- debussy-issue-sync:end plan="p.md" -->'
    expect(recordedLedger(text, 'p.md')).toEqual(ledger({ 1: 'c2', 4: 'f4' }))
  })
})

describe('the run ledger: judgeLedger', () => {
  const table = plan([false, false, false, false])
  const late = event({ kind: 'phase_completed', phase: '1', runId: 'r1', sequence: 2 })
  const skipped = { apply: false, applied: { runId: 'r1', sequence: 5 } } as const

  it("adds a late (skipped) bare event to its run's ledger", () => {
    const decision = judgeLedger(late, skipped, ledger({ 2: 's5' }), table, [])
    expect(decision).toEqual({
      keep: ledger({ 1: 'c2', 2: 's5' }),
      forProgress: ledger({ 1: 'c2', 2: 's5' }),
      changed: true
    })
  })

  // prettier-ignore
  it.each<[string, PhaseEvent, RunLedger | undefined]>([
    ['a late event with completed_phases (the newer snapshot says more)', { ...late, completedPhases: 1 }, ledger({ 2: 's5' })],
    ['a late event when the marker predates ledgers', late, undefined],
    ['a late event of a run that is not the newest', late, ledger({ 2: 's5' }, undefined, 'r2')]
  ])('leaves the ledger alone for %s', (_name, e, recorded) => {
    expect(judgeLedger(e, skipped, recorded, table, [])).toEqual({
      keep: recorded,
      forProgress: undefined,
      changed: false
    })
  })

  it('keeps the ledger for an event without run_id and sequence, and does not use it', () => {
    const recorded = ledger({ 1: 'c2' })
    const decision = judgeLedger(event({}), { apply: true, record: [] }, recorded, table, [])
    expect(decision).toEqual({ keep: recorded, forProgress: undefined, changed: false })
  })
})
