/**
 * What the user sees: one log line per change (`[dry-run]` for previews), the
 * step's outputs, and a job summary that shows each issue's labels before and
 * after, the milestone's progress and what was closed or skipped.
 */
import type {
  Finding,
  MasterPlan,
  Operation,
  OperationResult,
  PhaseEvent,
  ShownOperation
} from './domain.js'
import { unlinkGhRefs, withoutControls } from './plan-text.js'
import { formatProgress } from './progress.js'
import { projectChanges } from './project-status.js'
import type { Changeset, IssueOutcome } from './reconcile.js'

/**
 * A changeset and what became of it: the one object the outputs, the summary,
 * the log lines and the CLI read. A dry run has no results.
 */
export interface SyncReport {
  readonly changeset: Changeset
  /** One per operation of the changeset; empty in a dry run. */
  readonly results: readonly OperationResult[]
  readonly dryRun: boolean
}

/** A result that did not do what was asked and is not the warning of a target gone. */
export function isFailure(result: OperationResult): boolean {
  return result.kind === 'unknown' || (result.kind === 'failed' && result.reason !== 'gone')
}

/** The operations made, or in a dry run the ones a real run would make. */
export function appliedOperations(report: SyncReport): readonly Operation[] {
  return report.dryRun
    ? report.changeset.operations
    : report.results.filter((r) => r.kind === 'applied').map((r) => r.operation)
}

/** The results of one issue's operations. */
function resultsOf(issue: IssueOutcome, results: readonly OperationResult[]): OperationResult[] {
  return results.filter((r) => issue.operations.includes(r.operation))
}

/** An operation as users see it: what apply needed (`target`) left out. */
export function shownOperation(operation: Operation): ShownOperation {
  switch (operation.op) {
    case 'create_label': {
      const { op, repo, label, color, description } = operation
      return { op, repo, label, color, description }
    }
    case 'add_label':
    case 'remove_label': {
      const { op, issue, label } = operation
      return { op, issue, label }
    }
    case 'update_milestone': {
      const { op, repo, milestone, title, progress, description } = operation
      return { op, repo, milestone, title, progress, description }
    }
    case 'comment': {
      const { op, issue, body } = operation
      return { op, issue, body }
    }
    case 'close_issue': {
      const { op, issue, reason } = operation
      return { op, issue, reason }
    }
    case 'status_comment': {
      const { op, issue, action, body } = operation
      return { op, issue, action, body }
    }
    case 'add_to_project': {
      const { op, issue, project } = operation
      return { op, issue, project }
    }
    case 'set_project_field': {
      const { op, issue, project, field, value } = operation
      return { op, issue, project, field, value }
    }
    case 'add_sub_issue': {
      const { op, issue, parent } = operation
      return { op, issue, parent }
    }
  }
}

/** How an operation is named in logs: the same targets as the `operations` output. */
export function describeOperation(operation: ShownOperation): string {
  switch (operation.op) {
    case 'create_label':
      return `Create label "${operation.label}" in ${operation.repo} (color ${operation.color})`
    case 'add_label':
      return `Add label "${operation.label}" to ${operation.issue}`
    case 'remove_label':
      return `Remove label "${operation.label}" from ${operation.issue}`
    case 'update_milestone':
      return `Update milestone ${operation.repo} #${operation.milestone} "${operation.title}": progress ${operation.progress}`
    case 'comment':
      return `Comment on ${operation.issue} (completion note)`
    case 'close_issue':
      return `Close ${operation.issue} as ${operation.reason}`
    case 'status_comment':
      return `${operation.action === 'create' ? 'Post' : 'Edit'} the status comment on ${operation.issue}`
    case 'add_to_project':
      return `Add ${operation.issue} to project ${operation.project}`
    case 'set_project_field':
      return `Set "${operation.field}" of ${operation.issue} to "${operation.value}" in project ${operation.project}`
    case 'add_sub_issue':
      return `Add ${operation.issue} as a sub-issue of ${operation.parent}`
  }
}

/** The `operations` output: the operations applied, or in a dry run the ones that would be. */
export function operationsOutput(
  operations: readonly Operation[],
  dryRun: boolean
): Record<string, unknown>[] {
  return operations.map((operation) =>
    dryRun ? { ...shownOperation(operation), dry_run: true } : { ...shownOperation(operation) }
  )
}

export interface Outputs {
  readonly issues: string
  readonly state: string
  readonly progress: string
  readonly closed: string
  readonly operations: string
  readonly 'dry-run': string
}

export function buildOutputs(report: SyncReport): Outputs {
  const { changeset, dryRun } = report
  const applied = appliedOperations(report)
  // A dry run closes nothing: its would-be closes are in `operations`.
  const closed = dryRun
    ? []
    : changeset.issues.filter((i) =>
        i.operations.some((op) => op.op === 'close_issue' && applied.includes(op))
      )
  return {
    issues: JSON.stringify(changeset.issues.filter((i) => i.found).map((i) => i.issue)),
    state: changeset.state,
    progress: changeset.progress === undefined ? '' : formatProgress(changeset.progress),
    closed: JSON.stringify(closed.map((i) => i.issue)),
    operations: JSON.stringify(operationsOutput(applied, dryRun)),
    'dry-run': String(dryRun)
  }
}

/** One line per issue that changed: `Updated GitHub issue acme/app#10: completed (+…, −…)`. */
export function issueLines(report: SyncReport): string[] {
  const plan = report.changeset
  const lines: string[] = []
  if (plan.outOfOrder !== undefined) return lines
  for (const issue of plan.issues) {
    if (!issue.found || resultsOf(issue, report.results).some((r) => r.kind !== 'applied')) continue
    const changes = [
      ...issue.added.map((l) => `+${l}`),
      ...issue.removed.map((l) => `−${l}`),
      ...projectChanges(issue.operations)
    ]
    if (changes.length > 0) {
      lines.push(`Updated GitHub issue ${issue.issue}: ${plan.state} (${changes.join(', ')})`)
    } else if (!issue.closing) {
      lines.push(
        `GitHub issue ${issue.issue} already ${plan.state}${issue.note ? ` (${issue.note})` : ''}`
      )
    }
    const parent = subIssueParent(issue)
    if (parent !== undefined)
      lines.push(`Added GitHub issue ${issue.issue} as a sub-issue of ${parent}`)
    if (issue.closing) lines.push(`Closed GitHub issue ${issue.issue} as completed`)
  }
  return lines
}

/** The parent issue this issue is made a sub-issue of, when the changeset does (sub-issues.ts). */
function subIssueParent(issue: IssueOutcome): string | undefined {
  for (const op of issue.operations) if (op.op === 'add_sub_issue') return op.parent
  return undefined
}

/** A table cell that cannot break the table or render markup. */
function cell(text: string): string {
  return unlinkGhRefs(
    withoutControls(text)
      .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
      .replace(/\r?\n/g, ' ')
      // Names and messages can carry text from the plan: no @mention comes alive.
      .replace(/@/g, '@\u200d')
  )
}

/**
 * A code span: backslash escapes are not read inside one, so the text is kept
 * as is, less the backticks and line breaks that would end it.
 */
function code(text: string): string {
  return `\`${text.replace(/[`\r\n]+/g, ' ')}\``
}

function labelList(labels: readonly string[], highlight: readonly string[]): string {
  if (labels.length === 0) return '—'
  return labels.map((l) => (highlight.includes(l) ? `**${cell(l)}**` : cell(l))).join(', ')
}

function issueResult(issue: IssueOutcome, dryRun: boolean, failed: boolean): string {
  if (!issue.found) return `⚠️ ${cell(issue.note ?? 'not synced')}`
  if (failed) return '❌ failed'
  const verb = dryRun ? 'would be ' : ''
  const parts: string[] = []
  if (issue.added.length + issue.removed.length > 0) parts.push(`${verb}updated`)
  if (issue.closing) parts.push(`${verb}closed`)
  const parent = subIssueParent(issue)
  if (parent !== undefined) parts.push(`${verb}added under ${cell(parent)}`)
  if (parts.length === 0) parts.push('unchanged')
  if (issue.note !== undefined) parts.push(cell(issue.note))
  return parts.join('; ')
}

export interface SummaryInput {
  readonly event: PhaseEvent
  readonly plan: MasterPlan
  readonly report: SyncReport
  readonly findings: readonly Finding[]
}

/** The job summary, GitHub markdown. */
export function renderSummary(input: SummaryInput): string {
  const { event, plan } = input
  const { changeset: sync, results, dryRun } = input.report
  const failed = (issue: IssueOutcome): boolean => resultsOf(issue, results).some(isFailure)
  const phase =
    event.phase === undefined || event.kind === 'plan_completed'
      ? ''
      : ` (phase ${cell(event.phase)})`
  const lines: string[] = [
    `### Debussy issue sync: \`${event.kind}\`${phase}${dryRun ? ' — dry run' : ''}`,
    '',
    `Plan ${code(plan.path)} · state **${sync.state}** · progress **${
      sync.progress === undefined
        ? 'unknown'
        : `${formatProgress(sync.progress)} (${sync.progress.percent}%)`
    }**`,
    ''
  ]
  if (sync.outOfOrder !== undefined) {
    lines.push(
      `> Skipped as out of order: sequence ${sync.outOfOrder.sequence} of run ${code(sync.outOfOrder.runId)} was already applied.`,
      ''
    )
  }
  lines.push('| Issue | Labels before | Labels after | Result |', '| --- | --- | --- | --- |')
  for (const issue of sync.issues) {
    const name =
      issue.url === undefined ? cell(issue.issue) : `[${cell(issue.issue)}](${issue.url})`
    lines.push(
      `| ${name} | ${labelList(issue.labelsBefore, issue.removed)} | ${labelList(issue.labelsAfter, issue.added)} | ${issueResult(issue, dryRun, failed(issue))} |`
    )
  }
  lines.push('')
  const milestone = sync.milestone
  if (milestone !== undefined && sync.progress !== undefined) {
    const m = milestone.milestone
    lines.push(
      `**Milestone** [${cell(m.title)}](${m.url}): ${sync.progress.percent}% (${formatProgress(sync.progress)} phases)${
        milestone.changed ? (dryRun ? ' — would be updated' : ' — updated') : ' — unchanged'
      }`
    )
  } else if (sync.outOfOrder === undefined) {
    lines.push('**Milestone**: none — progress not recorded')
  }
  const closing = sync.issues.filter((i) => i.closing && !failed(i)).map((i) => i.issue)
  if (closing.length > 0) {
    lines.push('', `**${dryRun ? 'Would close' : 'Closed'}**: ${closing.map(cell).join(', ')}`)
  }
  const skipped = sync.issues.filter((i) => i.note !== undefined && !i.closing)
  if (skipped.length > 0) {
    lines.push(
      '',
      `**Skipped**: ${skipped.map((i) => `${cell(i.issue)} (${cell(i.note ?? '')})`).join(', ')}`
    )
  }
  const warnings = input.findings.filter((f) => f.level === 'warning')
  if (warnings.length > 0) {
    lines.push('', '<details><summary>Warnings</summary>', '')
    for (const w of warnings) lines.push(`- ${cell(w.message)}`)
    lines.push('', '</details>')
  }
  return `${lines.join('\n')}\n`
}
