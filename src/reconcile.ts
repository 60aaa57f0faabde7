/**
 * The heart of the action, pure: from the event, the config, the plan and one
 * snapshot of GitHub, the writes that bring the linked issues and their
 * milestone to what the event says (SPEC §6). Every rule about which labels
 * change, what the milestone says and what is closed lives here.
 */
import type {
  Finding,
  IssueRef,
  LabelNames,
  MasterPlan,
  ObservedIssue,
  ObservedLabel,
  ObservedMilestone,
  Operation,
  ProgressBlockData,
  PhaseEvent,
  Snapshot,
  SyncConfig,
  SyncState
} from './domain.js'
import { STATE_FOR_EVENT, SYNC_STATES } from './domain.js'
import { formatIssueRef, formatRepo, refKey, repoKey } from './issue-ref.js'
import { completionComment } from './plan-text.js'
import { planSubIssues, syncedIssues } from './sub-issues.js'
import { type PersonsChoice, leftAloneNotice, mayComment, personsChoice } from './respect.js'
import {
  type StatusGuard,
  guardFromComments,
  renderStatusComment,
  saysSomethingNew,
  statesCompletion
} from './status-comment.js'
import {
  type AppliedOrder,
  type AppliedRuns,
  type Progress,
  type RunLedger,
  computeProgress,
  findProgressBlock,
  formatProgress,
  judgeLedger,
  judgeOrder,
  upsertProgressBlock
} from './progress.js'
import { projectOperations, type ResolvedProject } from './project-status.js'

export { STATE_FOR_EVENT }

/** The short description each state label is created with. */
export const LABEL_DESCRIPTIONS: Readonly<Record<SyncState, string>> = {
  'in-progress': 'Debussy: a phase of the linked plan is running',
  completed: 'Debussy: the linked plan or its latest phase completed',
  failed: 'Debussy: a phase of the linked plan failed',
  validating: 'Debussy: a phase of the linked plan is checking its work',
  'awaiting-human': 'Debussy: a phase of the linked plan waits for a person',
  blocked: 'Debussy: a phase of the linked plan is blocked'
}

export interface ReconcileInput {
  readonly event: PhaseEvent
  readonly config: SyncConfig
  readonly plan: MasterPlan
  readonly snapshot: Snapshot
  /** Payload, then input, then config: already resolved. */
  readonly autoClose: boolean
  /** When the event is applied, and the workflow run's URL: the status comment's footer. */
  readonly at?: Date
  readonly workflowRun?: string | undefined
  /** `github.project`, checked against GitHub (resolveProject); absent when off. */
  readonly project?: ResolvedProject
}

/** What happens to one linked issue: shown in the summary and the log. */
export interface IssueOutcome {
  readonly ref: IssueRef
  readonly issue: string
  readonly url: string | undefined
  readonly found: boolean
  readonly kind: 'issue' | 'pull_request' | undefined
  readonly labelsBefore: readonly string[]
  readonly labelsAfter: readonly string[]
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly closing: boolean
  /** Why nothing (or less) happens to it, when that is worth saying. */
  readonly note: string | undefined
  /** This issue's operations in the changeset: its result is theirs. */
  readonly operations: readonly Operation[]
}

export interface MilestoneOutcome {
  readonly milestone: ObservedMilestone
  /** This plan's block; the update_milestone operation carries it when `changed`. */
  readonly block: ProgressBlockData
  readonly changed: boolean
}

/**
 * Reconcile's output: the operations, complete (see Operation), in the order
 * they are made, with what each issue and the milestone look like after them.
 * Apply executes it; the outputs, summary, logs and the CLI read it and the results.
 */
export interface Changeset {
  readonly state: SyncState
  readonly label: string
  readonly progress: Progress | undefined
  readonly operations: readonly Operation[]
  readonly issues: readonly IssueOutcome[]
  readonly milestone: MilestoneOutcome | undefined
  /** Refs to be closed, in plan order. */
  readonly closing: readonly string[]
  readonly findings: readonly Finding[]
  /** Set when the event is older than one already applied: nothing is written. */
  readonly outOfOrder: AppliedOrder | undefined
}

export function stateLabel(labels: LabelNames, state: SyncState): string {
  switch (state) {
    case 'in-progress':
      return labels.inProgress
    case 'completed':
      return labels.completed
    case 'failed':
      return labels.failed
    case 'validating':
      return labels.validating
    case 'awaiting-human':
      return labels.awaitingHuman
    case 'blocked':
      return labels.blocked
  }
}

/** GitHub compares label names without regard to case. */
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

export function reconcile(input: ReconcileInput): Changeset {
  const { event, config, plan, snapshot } = input
  const findings: Finding[] = []
  const state = STATE_FOR_EVENT[event.kind]
  const target = stateLabel(config.labels, state)
  const others = SYNC_STATES.filter((s) => s !== state).map((s) => stateLabel(config.labels, s))

  const milestone = chooseMilestone(plan, snapshot, findings)
  // The linked issues, and the plan's parent issue when it is not one of them.
  const synced = syncedIssues(snapshot, plan.parent)

  // The order check comes first: an out-of-order event changes no label and closes nothing.
  // Without a milestone, the status comments keep the order guard and the ledger.
  const statusGuard =
    config.statusComment && milestone === undefined
      ? guardFromComments(
          synced.flatMap((o) => (o.found && o.statusComment ? [o.statusComment.body] : [])),
          plan.path
        )
      : undefined
  const block =
    milestone === undefined ? statusGuard : findProgressBlock(milestone.description, plan.path)
  const recorded = block?.applied ?? []
  const verdict = judgeOrder(event, recorded)
  const ledger = judgeLedger(event, verdict, block?.ledger, plan, findings)
  const progress = computeProgress(event, plan, findings, ledger.forProgress)
  if (!verdict.apply) {
    // Only the run's ledger may still learn from it (a phase state newer for that phase).
    const milestoneOutcome =
      ledger.changed && milestone !== undefined && progress !== undefined
        ? planMilestone(milestone, plan.path, progress, recorded, ledger.keep)
        : undefined
    findings.push({
      level: 'notice',
      message: `Skipped as out of order: this ${event.kind} event is sequence ${event.sequence} of run ${event.runId}, and sequence ${verdict.applied.sequence} of that run was already applied to ${plan.path}.${
        milestoneOutcome === undefined
          ? ''
          : ` Its phase state was added to the run's ledger, so the milestone's progress counts it.`
      }`
    })
    // The status comments show the ledger (and keep it without a milestone): they learn it too.
    const status = new Map<ObservedIssue, Operation>()
    if (ledger.changed && config.statusComment) {
      for (const observed of synced) {
        const op = statusOperation(observed, {
          input,
          progress,
          ledger: ledger.forProgress,
          closes: false,
          guard: milestone === undefined ? { applied: recorded, ledger: ledger.keep } : undefined
        })
        if (op !== undefined) status.set(observed, op)
      }
    }
    return {
      state,
      label: target,
      progress,
      operations: [...milestoneOperations(milestoneOutcome, progress), ...status.values()],
      issues: synced.map((observed) => {
        const op = status.get(observed)
        const outcome = unchanged(observed, 'skipped: event out of order')
        return op === undefined ? outcome : { ...outcome, operations: [op] }
      }),
      milestone: milestoneOutcome,
      closing: [],
      findings,
      outOfOrder: verdict.applied
    }
  }
  if (
    milestone === undefined &&
    !config.statusComment &&
    event.runId !== undefined &&
    event.sequence !== undefined
  ) {
    findings.push({
      level: 'notice',
      message: `No milestone to keep the event order in: events of run ${event.runId} apply in arrival order.`
    })
  }

  const labelOps: Operation[] = []
  const createOps: CreateLabel[] = []
  const closeOps: Operation[] = []
  const projectOps: Operation[] = []
  const issues: IssueOutcome[] = []
  const closing: string[] = []
  const missingLabelWarned = new Set<string>()

  const allComplete = progress !== undefined && progress.completed === progress.total
  const closeRequested = event.kind === 'plan_completed' && input.autoClose
  if (closeRequested && !allComplete) {
    findings.push({
      level: 'warning',
      message: `Auto-close is on but not every phase is complete (${progress === undefined ? 'progress unknown' : formatProgress(progress)}): no issue is closed.`
    })
  }

  // The plan's parent issue is labelled and closed like a linked one; linked issues become its sub-issues.
  const subIssues = planSubIssues(plan.parent, snapshot)
  findings.push(...subIssues.findings)

  for (const observed of synced) {
    if (!observed.found) {
      findings.push({
        level: 'warning',
        message: `${formatIssueRef(observed.ref)} could not be read (${observed.reason}); the other issues are still synced.`
      })
      issues.push(unchanged(observed, `not synced: ${observed.reason}`))
      continue
    }
    const issue = formatIssueRef(observed.ref)
    const issueId = observed.id
    const issueOps: Operation[] = []
    const names = observed.labels.map((label) => label.name)
    const existing = snapshot.labels.get(repoKey(observed.ref))?.get(target.toLowerCase())
    const added: string[] = []
    let note: string | undefined

    if (!names.some((name) => sameName(name, target))) {
      if (existing !== undefined || config.createLabelsIfMissing) {
        added.push(target)
        const label =
          existing !== undefined
            ? { id: existing.id }
            : { created: ensureCreated(createOps, observed.ref, target, config, state) }
        issueOps.push({ op: 'add_label', issue, label: target, target: { issueId, label } })
      } else {
        const key = `${repoKey(observed.ref)}\n${target.toLowerCase()}`
        if (!missingLabelWarned.has(key)) {
          missingLabelWarned.add(key)
          findings.push({
            level: 'warning',
            message: `Label "${target}" does not exist in ${formatRepo(observed.ref)} and create_labels_if_missing is false: it is not applied. Create the label, or set github.create_labels_if_missing: true.`
          })
        }
        note = `label "${target}" missing in ${formatRepo(observed.ref)}`
      }
    }
    const removed = names.filter((name) => others.some((other) => sameName(name, other)))
    for (const label of removed) {
      const labelIds = observed.labels.filter((l) => l.name === label).map((l) => l.id)
      issueOps.push({ op: 'remove_label', issue, label, target: { issueId, labelIds } })
    }
    const subIssue = subIssues.operations.get(refKey(observed.ref))
    if (subIssue !== undefined) issueOps.push(subIssue)
    labelOps.push(...issueOps)
    if (input.project !== undefined) {
      const ops = projectOperations(input.project, state, observed)
      issueOps.push(...ops)
      projectOps.push(...ops)
    }

    // A person's reopen or "not planned" is not undone (respect.ts).
    const choice = choiceOn(observed, plan.path)
    const closesWithPlan = closeRequested && allComplete && observed.kind === 'issue'
    const status = config.statusComment
      ? statusOperation(observed, {
          input,
          progress,
          ledger: ledger.forProgress,
          closes: closesWithPlan,
          guard:
            milestone === undefined ? { applied: verdict.record, ledger: ledger.keep } : undefined
        })
      : undefined
    if (status?.action === 'edit') labelOps.push(status)
    let closingThis = false
    const issueCloseOps: Operation[] = status?.action === 'create' ? [status] : []
    if (status !== undefined) issueOps.push(status)
    if (
      status === undefined &&
      observed.statusCommentUnread !== undefined &&
      config.statusComment
    ) {
      findings.push({
        level: 'warning',
        message: `${issue}: ${observed.statusCommentUnread}; no status comment is posted, so that it is not there twice.`
      })
      note ??= 'status comment not found: not posted'
    }
    if (choice === 'not-planned' && config.statusComment) {
      findings.push({ level: 'notice', message: leftAloneNotice(issue, choice) })
      note = 'closed as not planned: left alone'
    }
    if (closeRequested && allComplete) {
      if (observed.kind === 'pull_request') {
        note = 'pull request: labelled, never closed'
      } else if (observed.state === 'closed') {
        note ??= 'already closed'
      } else if (choice === 'reopened') {
        findings.push({ level: 'notice', message: leftAloneNotice(issue, choice) })
        note = 'reopened by a person: left open'
      } else {
        closingThis = true
        closing.push(issue)
        if (observed.locked) {
          findings.push({
            level: 'notice',
            message: `${issue} is locked: it is closed without the completion comment.`
          })
        } else if (!observed.hasCompletionComment && !config.statusComment) {
          // With status_comment on, the status comment says the plan completed: not said twice.
          const body = completionComment(plan, progress)
          issueOps.push({ op: 'comment', issue, body, target: { issueId } })
          issueCloseOps.push(issueOps[issueOps.length - 1] as Operation)
        }
        issueOps.push({ op: 'close_issue', issue, reason: 'completed', target: { issueId } })
        issueCloseOps.push(issueOps[issueOps.length - 1] as Operation)
      }
    }
    closeOps.push(...issueCloseOps)

    const labelsAfter = [...names.filter((name) => !removed.includes(name)), ...added]
    issues.push({
      ref: observed.ref,
      issue,
      url: observed.url,
      found: true,
      kind: observed.kind,
      labelsBefore: names,
      labelsAfter,
      added,
      removed,
      closing: closingThis,
      note,
      operations: issueOps
    })
  }

  const milestoneOutcome =
    milestone === undefined || progress === undefined
      ? undefined
      : planMilestone(milestone, plan.path, progress, verdict.record, ledger.keep)
  const milestoneOps = milestoneOperations(milestoneOutcome, progress)

  return {
    state,
    label: target,
    progress,
    // The milestone first (apply writes it right after the read it was computed
    // from); labels exist before they are used; issues are labelled before they close.
    operations: [...milestoneOps, ...createOps, ...labelOps, ...projectOps, ...closeOps],
    issues,
    milestone: milestoneOutcome,
    closing,
    findings,
    outOfOrder: undefined
  }
}

type CreateLabel = Extract<Operation, { op: 'create_label' }>

interface StatusContext {
  readonly input: ReconcileInput
  readonly progress: Progress | undefined
  /** The ledger of the event's run. */
  readonly ledger: RunLedger | undefined
  readonly closes: boolean
  readonly guard: StatusGuard | undefined
}

/**
 * The issue's status comment: created when missing, edited when what it says
 * about the run changed (not for a new time or workflow link alone). Not on
 * pull requests, locked issues, nor issues a person closed as not planned.
 */
function statusOperation(
  observed: ObservedIssue,
  context: StatusContext
): Extract<Operation, { op: 'status_comment' }> | undefined {
  if (!observed.found || observed.kind !== 'issue' || observed.locked) return undefined
  const { input } = context
  if (!mayComment(choiceOn(observed, input.plan.path))) return undefined
  const body = renderStatusComment({
    plan: input.plan,
    event: input.event,
    progress: context.progress,
    ledger: context.ledger,
    closes: context.closes,
    guard: context.guard,
    at: input.at ?? new Date(0),
    workflowRun: input.workflowRun
  })
  const current = observed.statusComment
  // Not seen, but perhaps there (further back than was read): not posted twice.
  if (current === undefined && observed.statusCommentUnread !== undefined) return undefined
  if (current !== undefined && !saysSomethingNew(current.body, body)) return undefined
  return {
    op: 'status_comment',
    issue: formatIssueRef(observed.ref),
    action: current === undefined ? 'create' : 'edit',
    body,
    target: { issueId: observed.id, commentId: current?.id }
  }
}

/** What a person decided about the issue that the action must not undo (respect.ts). */
function choiceOn(observed: ObservedIssue, planKey: string): PersonsChoice {
  if (!observed.found || observed.kind !== 'issue') return undefined
  return personsChoice({
    state: observed.state,
    stateReason: observed.stateReason,
    completionStated:
      observed.hasCompletionComment ||
      (observed.statusComment !== undefined &&
        statesCompletion(observed.statusComment.body, planKey))
  })
}

/** The create_label of this repository and label, added once. */
function ensureCreated(
  createOps: CreateLabel[],
  repo: IssueRef,
  label: string,
  config: SyncConfig,
  state: SyncState
): CreateLabel {
  const name = formatRepo(repo)
  const already = createOps.find((op) => sameName(op.repo, name) && sameName(op.label, label))
  if (already !== undefined) return already
  // LabelColors has the same keys as LabelNames.
  const color = stateLabel(config.colors, state)
  const created: CreateLabel = {
    op: 'create_label',
    repo: name,
    label,
    color,
    description: LABEL_DESCRIPTIONS[state],
    target: { repo: { owner: repo.owner, repo: repo.repo } }
  }
  createOps.push(created)
  return created
}

function unchanged(observed: ObservedIssue, note: string): IssueOutcome {
  const labels: readonly ObservedLabel[] = observed.found ? observed.labels : []
  const names = labels.map((label) => label.name)
  return {
    ref: observed.ref,
    issue: formatIssueRef(observed.ref),
    url: observed.found ? observed.url : undefined,
    found: observed.found,
    kind: observed.found ? observed.kind : undefined,
    labelsBefore: names,
    labelsAfter: names,
    added: [],
    removed: [],
    closing: false,
    note,
    operations: []
  }
}

/**
 * `github_milestone` when the plan names one, else the milestone of a linked
 * issue that already carries this plan's block (its order guard and ledger),
 * else the first linked issue (in plan order) that has a milestone: a person
 * moving the first issue elsewhere neither loses the order nor gets progress
 * written into the other milestone. A different milestone elsewhere is a warning.
 */
function chooseMilestone(
  plan: MasterPlan,
  snapshot: Snapshot,
  findings: Finding[]
): ObservedMilestone | undefined {
  if (plan.milestone !== undefined) {
    if (snapshot.namedMilestone == null) {
      const name =
        plan.milestone.by === 'number'
          ? `number ${plan.milestone.number}`
          : `"${plan.milestone.title}"`
      findings.push({
        level: 'warning',
        message: `Milestone ${name} (github_milestone in ${plan.path}) was not found in ${formatRepo(plan.repo)}: progress is not recorded; labels are still synced.`
      })
      return undefined
    }
    return snapshot.namedMilestone
  }
  const linked = snapshot.issues.flatMap((observed) =>
    observed.found && observed.milestone !== undefined
      ? [{ issue: formatIssueRef(observed.ref), milestone: observed.milestone }]
      : []
  )
  const source =
    linked.find((l) => findProgressBlock(l.milestone.description, plan.path) !== undefined) ??
    linked[0]
  const chosen = source?.milestone
  const chosenFrom = source?.issue
  const differing = linked
    .filter((l) => chosen !== undefined && !sameMilestone(chosen, l.milestone))
    .map((l) => `${l.issue} (${l.milestone.title})`)
  if (chosen === undefined) {
    findings.push({
      level: 'notice',
      message: `No linked issue has a milestone and ${plan.path} names none (github_milestone): milestone progress is skipped.`
    })
    return undefined
  }
  if (differing.length > 0) {
    findings.push({
      level: 'warning',
      message: `Linked issues are in different milestones: progress goes to "${chosen.title}" (from ${chosenFrom}); not to ${differing.join(', ')}. Set github_milestone in the plan to choose.`
    })
  }
  return chosen
}

function sameMilestone(a: ObservedMilestone, b: ObservedMilestone): boolean {
  return repoKey(a.repo) === repoKey(b.repo) && a.number === b.number
}

function planMilestone(
  milestone: ObservedMilestone,
  planKey: string,
  progress: Progress,
  record: AppliedRuns,
  ledger: RunLedger | undefined
): MilestoneOutcome {
  const block: ProgressBlockData = { planKey, progress, applied: record, ledger }
  return {
    milestone,
    block,
    changed: placeBlock(milestone.description, block) !== milestone.description
  }
}

/** The milestone description with this plan's block placed in it (apply repeats it on a fresh read). */
export function placeBlock(description: string, block: ProgressBlockData): string {
  return upsertProgressBlock(
    description,
    block.planKey,
    block.progress,
    block.applied,
    block.ledger
  )
}

function milestoneOperations(
  outcome: MilestoneOutcome | undefined,
  progress: Progress | undefined
): Operation[] {
  if (outcome?.changed !== true || progress === undefined) return []
  return [
    {
      op: 'update_milestone',
      repo: formatRepo(outcome.milestone.repo),
      milestone: outcome.milestone.number,
      title: outcome.milestone.title,
      progress: `${formatProgress(progress)} (${progress.percent}%)`,
      description: placeBlock(outcome.milestone.description, outcome.block),
      target: { repo: outcome.milestone.repo }
    }
  ]
}
