import type { z } from 'zod'
import type { syncConfigSchema } from './config.js'

/**
 * The values that flow through the action, from parsed input to the operations
 * it writes. Every module speaks in these types; none of them carries behaviour.
 */
import type { AppliedRuns, Progress, RunLedger } from './progress.js'
import type { StateReason } from './respect.js'
import type { ObservedProject } from './project-status.js'

export const EVENT_KINDS = [
  'phase_started',
  'phase_completed',
  'phase_failed',
  'plan_completed',
  'phase_validating',
  'phase_awaiting_human',
  'phase_blocked'
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/** The six states a linked issue can be labelled with (one at a time). */
export type SyncState =
  'in-progress' | 'completed' | 'failed' | 'validating' | 'awaiting-human' | 'blocked'

/** Every state, in the order labels are listed (the first three are the original ones). */
export const SYNC_STATES: readonly SyncState[] = [
  'in-progress',
  'completed',
  'failed',
  'validating',
  'awaiting-human',
  'blocked'
]

/** The state label each event puts on the linked issues; the run's ledger reads phase states from it. */
export const STATE_FOR_EVENT: Readonly<Record<EventKind, SyncState>> = {
  phase_started: 'in-progress',
  phase_completed: 'completed',
  phase_failed: 'failed',
  plan_completed: 'completed',
  phase_validating: 'validating',
  phase_awaiting_human: 'awaiting-human',
  phase_blocked: 'blocked'
}

/** One Debussy event, resolved from inputs, `client_payload` and `workflow_dispatch` inputs. */
export interface PhaseEvent {
  readonly kind: EventKind
  /** Plan path relative to the workspace root, as the payload gave it. */
  readonly plan: string
  /** Where the plan path came from (`client_payload.plan`, `input plan`), for messages. */
  readonly planField?: string
  /** Phase id (`1`, `3.1`); present for `phase_*` events. */
  readonly phase: string | undefined
  readonly completedPhases: number | undefined
  readonly totalPhases: number | undefined
  /** Payload `auto_close` and input `auto-close`, a `false` vetoing; undefined lets the config decide. */
  readonly autoClose: boolean | undefined
  /** True when payload or input asked for a preview; undefined lets the config decide. */
  readonly dryRun: boolean | undefined
  readonly runId: string | undefined
  readonly sequence: number | undefined
}

/** A repository as `owner/name`, lower-cased only for comparison. */
export interface RepoRef {
  readonly owner: string
  readonly repo: string
}

/** A linked issue or pull request. */
export interface IssueRef extends RepoRef {
  readonly number: number
}

export interface LabelNames {
  readonly inProgress: string
  readonly completed: string
  readonly failed: string
  readonly validating: string
  readonly awaitingHuman: string
  readonly blocked: string
}

/** A color per state label, keyed as LabelNames is. */
export type LabelColors = { readonly [Key in keyof LabelNames]: string }

/**
 * The `github:` section of `.debussy/config.yaml`, defaults applied, as
 * `syncConfigSchema` in config.ts declares it (each key once, with its rule).
 */
export type SyncConfig = z.output<typeof syncConfigSchema>

/** A row of the plan's `## Phases` table. */
export interface PlanPhase {
  readonly id: string
  readonly title: string
  readonly done: boolean
}

/** How the plan names its milestone (`github_milestone`). */
export type MilestoneSelector =
  | { readonly by: 'number'; readonly number: number }
  | { readonly by: 'title'; readonly title: string }

export interface MasterPlan {
  /** Workspace-relative path; also the key of this plan's progress block. */
  readonly path: string
  readonly title: string
  /** Linked issues, duplicates dropped, plan order kept. */
  readonly issues: readonly IssueRef[]
  /** `github_repo`, else the workflow's repository. */
  readonly repo: RepoRef
  readonly milestone: MilestoneSelector | undefined
  readonly phases: readonly PlanPhase[]
  /** The plan's issue, whose sub-issues the linked issues become (src/sub-issues.ts). */
  readonly parent?: ParentIssue | undefined
}

/** The plan's issue: `github_parent` in the plan, else `parent_issue` in the config. */
export interface ParentIssue {
  readonly ref: IssueRef
  /** Where it was named, as messages name it: `plan github_parent (line 4)`. */
  readonly field: string
}

/** An issue's parent, as the observe query reads it (`Issue.parent`). */
export interface ParentLink {
  readonly id: string
  readonly ref: IssueRef
}

/** A label as GitHub has it. */
export interface ObservedLabel {
  readonly id: string
  readonly name: string
}

export interface ObservedMilestone {
  readonly repo: RepoRef
  readonly number: number
  readonly title: string
  readonly description: string
  readonly url: string
}

export type ObservedIssue =
  | {
      readonly ref: IssueRef
      readonly found: true
      readonly id: string
      readonly kind: 'issue' | 'pull_request'
      readonly state: 'open' | 'closed'
      readonly locked: boolean
      readonly title: string
      readonly url: string
      readonly labels: readonly ObservedLabel[]
      readonly milestone: ObservedMilestone | undefined
      /** This plan's completion comment is already there (a re-run after a failed close). */
      readonly hasCompletionComment: boolean
      /** Its parent issue (null: none); read only when the plan has a parent issue. */
      readonly parent?: ParentLink | null
      /** GitHub's `stateReason` (read when the action may comment or close); undefined if none. */
      readonly stateReason?: StateReason | undefined
      /** This plan's status comment, written by the action (read when status_comment is on). */
      readonly statusComment?: { readonly id: string; readonly body: string } | undefined
      /**
       * Set when the issue has more comments than were looked through and no
       * status comment was among them: it may still be there, so none is posted.
       */
      readonly statusCommentUnread?: string
    }
  | {
      readonly ref: IssueRef
      readonly found: false
      /** Why it could not be read, as GitHub said it. */
      readonly reason: string
    }

/** What GitHub looks like before the action writes: the one read of an event. */
export interface Snapshot {
  readonly issues: readonly ObservedIssue[]
  /**
   * State labels that exist, per repository (`owner/repo` lower-cased) and label
   * name (lower-cased, as GitHub compares label names).
   */
  readonly labels: ReadonlyMap<string, ReadonlyMap<string, ObservedLabel>>
  /** The milestone `github_milestone` names: found, not found, or not asked for. */
  readonly namedMilestone: ObservedMilestone | null | undefined
  /** The project `github.project` names, when it is set (project-status.ts). */
  readonly project?: ObservedProject
  /** The plan's parent issue and how many sub-issues it has; read only when there is one. */
  readonly parent?: ObservedParent
}

export interface ObservedParent {
  readonly issue: ObservedIssue
  /** `subIssuesSummary.total`: GitHub allows at most 100 (closed ones count). */
  readonly subIssues: number
}

/**
 * One write as users see it: the JSON shape of each entry of the `operations`
 * output, the log line and the CLI's table. `Operation` adds what apply needs.
 */
export type ShownOperation =
  | {
      readonly op: 'create_label'
      readonly repo: string
      readonly label: string
      readonly color: string
      readonly description: string
    }
  | { readonly op: 'add_label'; readonly issue: string; readonly label: string }
  | { readonly op: 'remove_label'; readonly issue: string; readonly label: string }
  | {
      readonly op: 'update_milestone'
      readonly repo: string
      readonly milestone: number
      readonly title: string
      readonly progress: string
      readonly description: string
    }
  | { readonly op: 'comment'; readonly issue: string; readonly body: string }
  | { readonly op: 'close_issue'; readonly issue: string; readonly reason: 'completed' }
  | {
      readonly op: 'status_comment'
      readonly issue: string
      /** Create the issue's status comment, or edit it in place. */
      readonly action: 'create' | 'edit'
      readonly body: string
    }
  | { readonly op: 'add_to_project'; readonly issue: string; readonly project: string }
  | {
      readonly op: 'set_project_field'
      readonly issue: string
      readonly project: string
      readonly field: string
      readonly value: string
    }
  | { readonly op: 'add_sub_issue'; readonly issue: string; readonly parent: string }

type Shown<K extends ShownOperation['op']> = Extract<ShownOperation, { op: K }>

/** The label an addition applies: one the snapshot read, or one this changeset creates. */
export type LabelSource =
  { readonly id: string } | { readonly created: Extract<Operation, { op: 'create_label' }> }

/**
 * This plan's progress block as data: apply places it into the milestone text
 * it reads just before writing (upsertProgressBlock), so that a person's edit
 * made since the snapshot is kept.
 */
export interface ProgressBlockData {
  readonly planKey: string
  readonly progress: Progress
  readonly applied: AppliedRuns
  readonly ledger: RunLedger | undefined
}

/**
 * One write, complete: what users see, plus in `target` everything apply needs
 * (node ids, label ids, the milestone's repository), resolved by
 * reconcile from the snapshot, so that apply re-derives nothing.
 */
export type Operation =
  | (Shown<'create_label'> & { readonly target: { readonly repo: RepoRef } })
  | (Shown<'add_label'> & {
      readonly target: { readonly issueId: string; readonly label: LabelSource }
    })
  | (Shown<'remove_label'> & {
      readonly target: { readonly issueId: string; readonly labelIds: readonly string[] }
    })
  | (Shown<'update_milestone'> & { readonly target: { readonly repo: RepoRef } })
  | (Shown<'comment'> & { readonly target: { readonly issueId: string } })
  | (Shown<'close_issue'> & { readonly target: { readonly issueId: string } })
  | (Shown<'status_comment'> & {
      /** `commentId` is the comment to edit (action `edit`). */
      readonly target: { readonly issueId: string; readonly commentId: string | undefined }
    })
  | (Shown<'add_to_project'> & {
      readonly target: { readonly projectId: string; readonly contentId: string }
    })
  | (Shown<'set_project_field'> & {
      readonly target: {
        readonly projectId: string
        readonly fieldId: string
        readonly optionId: string
        /** The item the snapshot read, or the one this changeset's add_to_project makes. */
        readonly item:
          { readonly id: string } | { readonly added: Extract<Operation, { op: 'add_to_project' }> }
      }
    })
  | (Shown<'add_sub_issue'> & {
      readonly target: { readonly issueId: string; readonly parentId: string }
    })

/** Why a write failed, classified once where its error was caught. */
export type FailureReason =
  /** The issue or milestone was deleted or transferred since the snapshot: a warning, not a failure. */
  | 'gone'
  /** A label to add was deleted or renamed during the run; a re-run creates it again. */
  | 'label-deleted'
  /** The label to add could not be created, so it was not applied. */
  | 'label-missing'
  /** GitHub's rate limit, not waited for (or still there after the waits). */
  | 'rate-limited'
  /** GitHub did not answer in time, after the client's retries. */
  | 'timeout'
  /** GitHub answered with an error status (4xx, 5xx) or an unreadable answer. */
  | 'http'
  /** The request did not reach GitHub or its answer did not come back (reset, refused). */
  | 'network'
  /** A GraphQL error on this operation's field. */
  | 'graphql'
  /** Its answer was lost, and reads show it was not made (it was not sent again). */
  | 'not-made'
  /** Not sent: the close waits for its completion comment, which failed. */
  | 'blocked'

/** What became of one operation. The summary, outputs, logs and the CLI read these. */
export type OperationResult =
  | {
      readonly kind: 'applied'
      readonly operation: Operation
      /** How, when worth saying: "already existed", "made, though its answer was lost". */
      readonly detail: string | undefined
    }
  | {
      readonly kind: 'failed'
      readonly operation: Operation
      readonly reason: FailureReason
      /** GitHub's words where there are some; never request headers. */
      readonly detail: string
    }
  | {
      /** Its answer was lost and the read to check it failed: it may or may not have been made. */
      readonly kind: 'unknown'
      readonly operation: Operation
      readonly detail: string
    }

export type OperationKind = Operation['op']

/** Something the user should know that does not stop the run. */
export interface Finding {
  readonly level: 'warning' | 'notice'
  readonly message: string
}
