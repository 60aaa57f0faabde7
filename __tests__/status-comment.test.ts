import { describe, expect, it } from '@jest/globals'
import type {
  IssueRef,
  MasterPlan,
  ObservedIssue,
  Operation,
  PhaseEvent,
  Snapshot,
  SyncConfig
} from '../src/domain.js'
import { DEFAULT_CONFIG } from '../src/config.js'
import type { RunLedger } from '../src/progress.js'
import { reconcile } from '../src/reconcile.js'
import {
  findStatusComment,
  guardFromComments,
  headline,
  phaseStates,
  renderStatusComment,
  saysSomethingNew,
  statesCompletion,
  statusMarkerStart,
  type StatusInput
} from '../src/status-comment.js'
import { masterPlan, openIssue, phaseEvent } from '../test-support/domain-builders.js'

const config: SyncConfig = { ...DEFAULT_CONFIG, statusComment: true }
const ref = (number: number): IssueRef => ({ owner: 'acme', repo: 'app', number })

const plan: MasterPlan = masterPlan({
  title: 'Retry queue by @payments-team for #12 GH-3 \u202Eevil',
  issues: [ref(10), ref(11)],
  phases: [
    { id: '1', title: 'Set up @alice', done: true },
    { id: '2', title: 'Build | #7', done: false },
    { id: '3', title: 'Test', done: false }
  ]
})

const ledgerOf = (
  phases: [string, RunLedger['phases'] extends ReadonlyMap<string, infer E> ? E : never][],
  planCompleted?: number
): RunLedger => ({ runId: 'r1', phases: new Map(phases), planCompleted })

const AT = new Date('2026-12-07T03:21:42Z')
const RUN_URL = 'https://github.com/acme/app/actions/runs/42'

const statusInput = (overrides: Partial<StatusInput> = {}): StatusInput => ({
  plan,
  event: phaseEvent('phase_started', { runId: 'r1', sequence: 2 }),
  progress: { completed: 1, total: 3, percent: 33 },
  ledger: ledgerOf([['2', { state: 'started', sequence: 2 }]]),
  closes: false,
  guard: undefined,
  at: AT,
  workflowRun: RUN_URL,
  ...overrides
})

describe('phaseStates: every phase from the run ledger, the event, the plan table', () => {
  const cases: [string, PhaseEvent, RunLedger | undefined, string[]][] = [
    [
      'ledger states win; table done is completed; the rest pending',
      phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 2 }),
      ledgerOf([['2', { state: 'started', sequence: 2 }]]),
      ['completed', 'running', 'pending']
    ],
    [
      "each of Debussy's states is named",
      phaseEvent('phase_blocked', { phase: '3', runId: 'r1', sequence: 5 }),
      ledgerOf([
        ['1', { state: 'failed', sequence: 1 }],
        ['2', { state: 'awaiting-human', sequence: 4 }],
        ['3', { state: 'blocked', sequence: 5 }]
      ]),
      ['failed', 'awaiting a person', 'blocked']
    ],
    [
      'validating',
      phaseEvent('phase_validating', { phase: '2', runId: 'r1', sequence: 3 }),
      ledgerOf([['2', { state: 'validating', sequence: 3 }]]),
      ['completed', 'validating', 'pending']
    ],
    [
      'plan completed: unreported phases are completed',
      phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }),
      ledgerOf([['2', { state: 'completed', sequence: 4 }]], 9),
      ['completed', 'completed', 'completed']
    ],
    [
      'no run id: the event alone says its phase',
      phaseEvent('phase_failed', { phase: '3' }),
      undefined,
      ['completed', 'pending', 'failed']
    ]
  ]
  it.each(cases)('%s', (_name, event, ledger, states) => {
    expect(phaseStates(plan, event, ledger).map((p) => p.state)).toEqual(states)
  })

  it('without a Phases table, lists the phases the run reported', () => {
    const bare = { ...plan, phases: [] }
    const ledger = ledgerOf([['1', { state: 'completed', sequence: 1 }]])
    expect(phaseStates(bare, phaseEvent('phase_completed'), ledger)).toEqual([
      { id: '1', title: '', state: 'completed' }
    ])
  })

  it('the headline names the newest state in the ledger, whatever the event', () => {
    const ledger = ledgerOf([
      ['1', { state: 'completed', sequence: 3 }],
      ['2', { state: 'awaiting-human', sequence: 5 }]
    ])
    expect(headline(phaseEvent('phase_completed', { phase: '1' }), ledger)).toBe(
      '✋ **Phase 2: awaiting a person.**'
    )
    expect(headline(phaseEvent('plan_completed'), undefined)).toBe('✅ **The run completed.**')
  })
})

describe('renderStatusComment', () => {
  it('says the plan, phases with id, title and state, progress, run, time and workflow link', () => {
    const body = renderStatusComment(statusInput())
    expect(body).toContain('| 2 | Build \\| #\u200d7 | 🔄 running |')
    expect(body).toContain('| 3 | Test | ⏳ pending |')
    expect(body).toContain('📊 Progress: 33% (1/3 phases)')
    expect(body).toContain('Run: r1')
    expect(body).toContain(
      `<sub>Last event: 2026-12-07 03:21 UTC · [workflow run](${RUN_URL})</sub>`
    )
    expect(body.split('\n').at(-1)).toBe(`${statusMarkerStart('docs/plan.md')} -->`)
  })

  it('keeps plan text inert: no mention, no issue link, no GH-n, no bidi control', () => {
    const body = renderStatusComment(statusInput())
    expect(body).not.toMatch(/@[a-z]/i)
    expect(body).not.toMatch(/#\d/)
    expect(body).not.toMatch(/GH-\d/i)
    expect(body).not.toContain('\u202E')
  })

  it('says when the run completed and that auto-close closed the issue, and marks it so', () => {
    const body = renderStatusComment(
      statusInput({
        event: phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }),
        ledger: ledgerOf([], 9),
        closes: true
      })
    )
    expect(body).toContain('✅ **The run completed.**')
    expect(body).toContain('closed as completed')
    expect(statesCompletion(body, 'docs/plan.md')).toBe(true)
    expect(statesCompletion(renderStatusComment(statusInput()), 'docs/plan.md')).toBe(false)
  })

  it('a new time and workflow link alone say nothing new; a new state does', () => {
    const before = renderStatusComment(statusInput())
    const redelivered = renderStatusComment(
      statusInput({ at: new Date('2026-12-08T00:00:00Z'), workflowRun: `${RUN_URL}7` })
    )
    expect(redelivered).not.toBe(before)
    expect(saysSomethingNew(before, redelivered)).toBe(false)
    const moved = renderStatusComment(
      statusInput({ ledger: ledgerOf([['2', { state: 'validating', sequence: 3 }]]) })
    )
    expect(saysSomethingNew(before, moved)).toBe(true)
  })

  it('carries the order guard and the ledger in its marker, read back the same', () => {
    const ledger = ledgerOf([['2', { state: 'started', sequence: 2 }]])
    const body = renderStatusComment(
      statusInput({ guard: { applied: [{ runId: 'r1', sequence: 2 }], ledger } })
    )
    expect(guardFromComments([body], 'docs/plan.md')).toEqual({
      applied: [{ runId: 'r1', sequence: 2 }],
      ledger
    })
    expect(guardFromComments([body], 'docs/other.md')).toBeUndefined()
  })
})

describe('findStatusComment and guardFromComments', () => {
  const marker = `${statusMarkerStart('docs/plan.md')} run="r1" seq="2" runs="r1:2" -->`
  it("only the action's own comment counts, the newest if two", () => {
    expect(
      findStatusComment(
        [
          { id: 'C1', body: `x\n${marker}`, viewerDidAuthor: true },
          { id: 'C2', body: `pasted\n${marker}`, viewerDidAuthor: false },
          { id: 'C3', body: `y\n${marker}`, viewerDidAuthor: true },
          {
            id: 'C4',
            body: `other plan\n${statusMarkerStart('docs/plan.mdx')} -->`,
            viewerDidAuthor: true
          }
        ],
        'docs/plan.md'
      )
    ).toEqual({ id: 'C3', body: `y\n${marker}` })
  })

  it('after a partly failed run, the highest sequence of each run on any issue guards', () => {
    const older = `${statusMarkerStart('p')} run="r1" seq="2" runs="r0:7,r1:2" ledger="1:c1" -->`
    const newer = `${statusMarkerStart('p')} run="r1" seq="4" runs="r1:4" ledger="1:c1,2:s4" -->`
    const guard = guardFromComments([older, newer], 'p')
    expect(guard?.applied).toEqual([
      { runId: 'r0', sequence: 7 },
      { runId: 'r1', sequence: 4 }
    ])
    expect([...(guard?.ledger?.phases ?? [])]).toEqual([
      ['1', { state: 'completed', sequence: 1 }],
      ['2', { state: 'started', sequence: 4 }]
    ])
  })
})

/** The issues after a changeset's status comments were written, as GitHub would then answer. */
function written(snapshot: Snapshot, operations: readonly Operation[]): Snapshot {
  return {
    ...snapshot,
    issues: snapshot.issues.map((observed) => {
      if (!observed.found) return observed
      const op = operations.find(
        (o): o is Extract<Operation, { op: 'status_comment' }> =>
          o.op === 'status_comment' && o.target.issueId === observed.id
      )
      const closed = operations.some(
        (o) => o.op === 'close_issue' && o.target.issueId === observed.id
      )
      return {
        ...observed,
        ...(closed ? { state: 'closed' as const, stateReason: 'completed' as const } : {}),
        ...(op === undefined
          ? {}
          : {
              statusComment: { id: observed.statusComment?.id ?? `C_${observed.id}`, body: op.body }
            })
      }
    })
  }
}

const snapshotOf = (issues: ObservedIssue[]): Snapshot => ({
  issues,
  labels: new Map(),
  namedMilestone: undefined
})

const run = (snapshot: Snapshot, event: PhaseEvent, autoClose = false, at = AT) =>
  reconcile({ event, config, plan, snapshot, autoClose, at, workflowRun: RUN_URL })

const statusOps = (operations: readonly Operation[]) =>
  operations
    .filter((o) => o.op === 'status_comment')
    .map((o) => o.op === 'status_comment' && o.action)

describe('reconcile with status_comment', () => {
  const fresh = snapshotOf([
    openIssue(ref(10), [], undefined, { statusComment: undefined }),
    openIssue(ref(11), [], undefined, { statusComment: undefined })
  ])

  it('posts one status comment per issue, then edits it in place; a redelivery writes nothing', () => {
    const first = run(fresh, phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 1 }))
    expect(statusOps(first.operations)).toEqual(['create', 'create'])
    const after = written(fresh, first.operations)
    const redelivered = run(
      after,
      phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 1 }),
      false,
      new Date('2026-12-08T00:00:00Z')
    )
    expect(redelivered.operations.filter((o) => o.op === 'status_comment')).toEqual([])
    const next = run(after, phaseEvent('phase_completed', { phase: '2', runId: 'r1', sequence: 2 }))
    expect(statusOps(next.operations)).toEqual(['edit', 'edit'])
    const edit = next.operations.find((o) => o.op === 'status_comment')
    expect(edit?.op === 'status_comment' && edit.target.commentId).toBe('C_I_10')
  })

  it('without a milestone, the status comments keep the order: an older event is refused', () => {
    const first = run(
      fresh,
      phaseEvent('phase_completed', { phase: '2', runId: 'r1', sequence: 5 })
    )
    const after = written(fresh, first.operations)
    const late = run(after, phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 3 }))
    expect(late.outOfOrder).toEqual({ runId: 'r1', sequence: 5 })
    expect(late.operations).toEqual([])
    // An older event of another phase is still learnt by the ledger, shown in the comments.
    const other = run(
      after,
      phaseEvent('phase_completed', { phase: '3', runId: 'r1', sequence: 4 })
    )
    expect(other.outOfOrder).toBeDefined()
    expect(statusOps(other.operations)).toEqual(['edit', 'edit'])
    const body = other.operations[0]?.op === 'status_comment' ? other.operations[0].body : ''
    expect(body).toContain('| 3 | Test | ✅ completed |')
    expect(body).toContain('| 2 | Build')
  })

  it('on plan_completed with auto-close, the status comment says it: no second completion comment', () => {
    const first = run(fresh, phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 1 }))
    const after = written(fresh, first.operations)
    const done = run(after, phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }), true)
    expect(
      done.operations.map((o) => o.op).filter((op) => op !== 'add_label' && op !== 'create_label')
    ).toEqual(['status_comment', 'status_comment', 'close_issue', 'close_issue'])
    // A redelivery: closed, comment says it already: nothing.
    const again = run(
      written(after, done.operations),
      phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }),
      true
    )
    expect(again.operations.filter((o) => o.op !== 'add_label' && o.op !== 'create_label')).toEqual(
      []
    )
  })

  it('posts none where one may be further back than was read, with a warning; labels still synced', () => {
    const snapshot = snapshotOf([
      openIssue(ref(10), [], undefined, { statusCommentUnread: 'not among its newest 2100' }),
      openIssue(ref(11), [], undefined)
    ])
    const changeset = run(snapshot, phaseEvent('phase_started', { runId: 'r1', sequence: 1 }))
    expect(
      changeset.operations
        .filter((o) => o.op === 'status_comment' || o.op === 'add_label')
        .map((o) => `${o.op} ${'issue' in o ? o.issue : ''}`)
    ).toEqual(['add_label acme/app#10', 'add_label acme/app#11', 'status_comment acme/app#11'])
    expect(changeset.findings).toContainEqual({
      level: 'warning',
      message:
        'acme/app#10: not among its newest 2100; no status comment is posted, so that it is not there twice.'
    })
  })

  it('leaves an issue closed as not planned alone (no comment) and says so', () => {
    const snapshot = snapshotOf([
      openIssue(ref(10), [], undefined, { state: 'closed', stateReason: 'not_planned' }),
      openIssue(ref(11), [], undefined)
    ])
    const changeset = run(snapshot, phaseEvent('phase_started', { runId: 'r1', sequence: 1 }))
    expect(
      changeset.operations
        .filter((o) => o.op === 'status_comment')
        .map((o) => o.op === 'status_comment' && o.issue)
    ).toEqual(['acme/app#11'])
    expect(changeset.findings.map((f) => f.message)).toContainEqual(
      expect.stringContaining('acme/app#10 was closed as not planned')
    )
  })

  it('does not close again an issue a person reopened after the plan completed', () => {
    const first = run(fresh, phaseEvent('phase_started', { phase: '2', runId: 'r1', sequence: 1 }))
    const done = run(
      written(fresh, first.operations),
      phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }),
      true
    )
    const closed = written(written(fresh, first.operations), done.operations)
    const reopened: Snapshot = {
      ...closed,
      issues: closed.issues.map((o) =>
        o.found && o.ref.number === 10 ? { ...o, state: 'open', stateReason: 'reopened' } : o
      )
    }
    const redelivery = run(
      reopened,
      phaseEvent('plan_completed', { runId: 'r1', sequence: 9 }),
      true
    )
    expect(
      redelivery.operations.filter((o) => o.op !== 'add_label' && o.op !== 'create_label')
    ).toEqual([])
    expect(redelivery.findings.map((f) => f.message)).toContainEqual(
      expect.stringContaining('acme/app#10 was reopened after debussy-issue-sync closed it')
    )
  })
})
