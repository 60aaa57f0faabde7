import { describe, expect, it } from '@jest/globals'
import type { Operation, OperationResult, ShownOperation } from '../src/domain.js'
import type { Changeset } from '../src/reconcile.js'
import {
  buildOutputs,
  describeOperation,
  issueLines,
  operationsOutput,
  renderSummary,
  type SyncReport
} from '../src/report.js'
import { SAMPLE_BLOCK, completeOperations } from '../test-support/changeset.js'
import { masterPlan, phaseEvent } from '../test-support/domain-builders.js'

const shown: ShownOperation[] = [
  {
    op: 'create_label',
    repo: 'acme/app',
    label: 'debussy:completed',
    color: '0E8A16',
    description: 'd'
  },
  { op: 'add_label', issue: 'acme/app#10', label: 'debussy:completed' },
  { op: 'remove_label', issue: 'acme/app#10', label: 'debussy:in-progress' },
  {
    op: 'update_milestone',
    repo: 'acme/app',
    milestone: 3,
    title: 'Q4',
    progress: '4/4 (100%)',
    description: 'x'
  },
  { op: 'comment', issue: 'acme/app#10', body: 'done' },
  { op: 'close_issue', issue: 'acme/app#10', reason: 'completed' }
]
const ops = completeOperations(shown, { issues: [], labels: new Map(), namedMilestone: undefined })
const of10 = ops.filter((op) => 'issue' in op)

const sync: Changeset = {
  state: 'completed',
  label: 'debussy:completed',
  progress: { completed: 4, total: 4, percent: 100 },
  operations: ops,
  issues: [
    {
      ref: { owner: 'acme', repo: 'app', number: 10 },
      issue: 'acme/app#10',
      url: 'https://github.com/acme/app/issues/10',
      found: true,
      kind: 'issue',
      labelsBefore: ['bug|x', 'debussy:in-progress'],
      labelsAfter: ['bug|x', 'debussy:completed'],
      added: ['debussy:completed'],
      removed: ['debussy:in-progress'],
      closing: true,
      note: undefined,
      operations: of10
    },
    {
      ref: { owner: 'acme', repo: 'app', number: 11 },
      issue: 'acme/app#11',
      url: undefined,
      found: false,
      kind: undefined,
      labelsBefore: [],
      labelsAfter: [],
      added: [],
      removed: [],
      closing: false,
      note: 'not synced: not found',
      operations: []
    }
  ],
  milestone: {
    milestone: {
      repo: { owner: 'acme', repo: 'app' },
      number: 3,
      title: 'Q4',
      description: '',
      url: 'https://github.com/acme/app/milestone/3'
    },
    block: SAMPLE_BLOCK,
    changed: true
  },
  closing: ['acme/app#10'],
  findings: [],
  outOfOrder: undefined
}

const applied = (operations: readonly Operation[]): OperationResult[] =>
  operations.map((operation) => ({ kind: 'applied', operation, detail: undefined }))
const made = (results: readonly OperationResult[], dryRun = false): SyncReport => ({
  changeset: sync,
  results,
  dryRun
})

const event = phaseEvent('plan_completed', { autoClose: true })
const plan = masterPlan({ title: 'T' })

describe('describeOperation', () => {
  it('names each target as the operations output does', () => {
    expect(ops.map(describeOperation)).toEqual([
      'Create label "debussy:completed" in acme/app (color 0E8A16)',
      'Add label "debussy:completed" to acme/app#10',
      'Remove label "debussy:in-progress" from acme/app#10',
      'Update milestone acme/app #3 "Q4": progress 4/4 (100%)',
      'Comment on acme/app#10 (completion note)',
      'Close acme/app#10 as completed'
    ])
  })
})

describe('outputs', () => {
  it('lists found issues, the state, progress, closed issues and operations', () => {
    const outputs = buildOutputs(made(applied(ops)))
    expect(outputs).toEqual({
      issues: '["acme/app#10"]',
      state: 'completed',
      progress: '4/4',
      closed: '["acme/app#10"]',
      operations: JSON.stringify(shown),
      'dry-run': 'false'
    })
  })

  it('does not list an issue as closed when its close was not applied', () => {
    expect(buildOutputs(made(applied(ops.slice(0, 4)))).closed).toBe('[]')
  })

  it('marks dry-run operations and keeps the same objects otherwise', () => {
    const dry = operationsOutput(ops, true)
    expect(dry.map(({ dry_run, ...rest }) => ({ dry_run, rest }))).toEqual(
      shown.map((op) => ({ dry_run: true, rest: op }))
    )
  })
})

describe('issueLines', () => {
  it('prints one line per change, like a CLI', () => {
    expect(issueLines(made([]))).toEqual([
      'Updated GitHub issue acme/app#10: completed (+debussy:completed, −debussy:in-progress)',
      'Closed GitHub issue acme/app#10 as completed'
    ])
  })

  it('leaves out an issue whose write failed', () => {
    const failed: OperationResult[] = [
      { operation: ops[1] as Operation, kind: 'failed', reason: 'http', detail: 'HTTP 502' }
    ]
    expect(issueLines(made(failed))).toEqual([])
  })
})

describe('renderSummary', () => {
  const summary = renderSummary({
    event,
    plan,
    report: made([]),
    findings: [{ level: 'warning', message: 'careful <b>' }]
  })

  it('names the event as the payload does and shows labels before and after', () => {
    expect(summary).toContain('`plan_completed`')
    expect(summary).toContain('Plan `docs/plan.md`')
    expect(summary).toContain(
      '| [acme/app#10](https://github.com/acme/app/issues/10) | bug\\|x, **debussy:in-progress** | bug\\|x, **debussy:completed** | updated; closed |'
    )
  })

  it('shows the milestone progress, what was closed and what was skipped', () => {
    expect(summary).toContain(
      '**Milestone** [Q4](https://github.com/acme/app/milestone/3): 100% (4/4 phases) — updated'
    )
    expect(summary).toContain('**Closed**: acme/app#10')
    expect(summary).toContain('**Skipped**: acme/app#11 (not synced: not found)')
    expect(summary).toContain('- careful \\<b\\>')
  })

  it('text from the plan or GitHub links no issue and carries no bidirectional control', () => {
    const hostile = renderSummary({
      event,
      plan,
      report: {
        changeset: {
          ...sync,
          milestone: sync.milestone && {
            ...sync.milestone,
            milestone: { ...sync.milestone.milestone, title: 'Q4 GH-3 \u202Eevil\u202C' }
          }
        },
        results: [],
        dryRun: false
      },
      findings: [
        { level: 'warning', message: 'the line "Fixes gh-12 \u2066x\u2069" links no issue' }
      ]
    })
    expect(hostile).not.toMatch(/GH-\d|[\u202a-\u202e\u2066-\u2069]/i)
    expect(hostile).toContain('evil')
  })

  it('says "would" in a dry run', () => {
    const dry = renderSummary({ event, plan, report: made([], true), findings: [] })
    expect(dry).toContain('dry run')
    expect(dry).toContain('would be updated; would be closed')
    expect(dry).toContain('**Would close**: acme/app#10')
  })
})
