/**
 * The simulator's model of GitHub: repositories with their labels, milestones,
 * issues and pull requests. REST and GraphQL both read and write this one
 * model, so a write through either API is seen by the other and by the test.
 */

export type IssueState = 'open' | 'closed'
export type StateReason = 'completed' | 'not_planned' | 'reopened' | 'duplicate'
export type MilestoneState = 'open' | 'closed'

/** Who writes through the API: the action authenticates as the Actions bot. */
export const API_ACTOR = 'github-actions[bot]'
/** Colour GitHub gives a label created implicitly (by adding it to an issue). */
export const DEFAULT_LABEL_COLOR = 'ededed'

export interface RepoRecord {
  readonly id: number
  readonly nodeId: string
  readonly owner: string
  readonly name: string
  /** `owner/name` lower-cased: GitHub resolves repositories case-insensitively. */
  readonly key: string
  readonly labels: LabelRecord[]
  readonly milestones: Map<number, MilestoneRecord>
  readonly issues: Map<number, IssueRecord>
  /** Numbers that no longer resolve here: deleted, or moved to another repository. */
  readonly tombstones: Map<number, Tombstone>
  nextNumber: number
  nextMilestone: number
}

export interface LabelRecord {
  readonly id: number
  readonly nodeId: string
  readonly repo: RepoRecord
  name: string
  color: string
  description: string | null
  readonly isDefault: boolean
  readonly createdAt: string
}

export interface MilestoneRecord {
  readonly id: number
  readonly nodeId: string
  readonly repo: RepoRecord
  readonly number: number
  title: string
  description: string | null
  state: MilestoneState
  readonly createdAt: string
  updatedAt: string
  closedAt: string | null
}

export interface CommentRecord {
  readonly id: number
  readonly nodeId: string
  readonly issue: IssueRecord
  /** Edited in place by updateIssueComment. */
  body: string
  readonly author: string
  readonly createdAt: string
}

export interface IssueRecord {
  readonly id: number
  readonly nodeId: string
  /** Both change when the issue is transferred; id and nodeId do not. */
  repo: RepoRecord
  number: number
  title: string
  body: string | null
  state: IssueState
  stateReason: StateReason | null
  locked: boolean
  /** References, so that renaming a label renames it on every issue. */
  labels: LabelRecord[]
  milestone: MilestoneRecord | undefined
  readonly pullRequest: boolean
  readonly comments: CommentRecord[]
  readonly createdAt: string
  updatedAt: string
  closedAt: string | null
  deleted: boolean
  /** Closes applied to it (an issue created closed counts none): more than one is a close sent twice. */
  closes: number
  /** Its parent issue (`Issue.parent`); an issue has at most one. */
  parent: IssueRecord | undefined
  /** Its sub-issues in the order they were added (`Issue.subIssues`). */
  readonly subIssues: IssueRecord[]
}

/** A single-select option: GitHub's ids are short hex strings, not node ids. */
export interface ProjectOptionRecord {
  readonly id: string
  name: string
}

/** `TITLE` and the other built-in kinds answer as ProjectV2Field; `SINGLE_SELECT` has options. */
export type ProjectFieldType = 'TITLE' | 'TEXT' | 'NUMBER' | 'DATE' | 'SINGLE_SELECT'

export interface ProjectFieldRecord {
  readonly id: number
  readonly nodeId: string
  readonly project: ProjectRecord
  name: string
  readonly dataType: ProjectFieldType
  readonly options: ProjectOptionRecord[]
}

export interface ProjectItemRecord {
  readonly id: number
  readonly nodeId: string
  readonly project: ProjectRecord
  readonly content: IssueRecord
  /** Single-select values: field node id → option id. */
  readonly values: Map<string, string>
  /** Field updates applied: more than one for the same value is a write a redelivery should not make. */
  updates: number
}

/** A Projects (v2) board of an organization or a user, found by owner login and number. */
export interface ProjectRecord {
  readonly id: number
  readonly nodeId: string
  readonly ownerType: 'organization' | 'user'
  readonly owner: string
  readonly number: number
  title: string
  readonly fields: ProjectFieldRecord[]
  readonly items: ProjectItemRecord[]
}

export interface NewProject {
  readonly owner: string
  readonly ownerType?: 'organization' | 'user'
  readonly title?: string
  /** Default: Title, Status (Todo, In Progress, Done) and Estimate (a number). */
  readonly fields?: readonly {
    readonly name: string
    readonly dataType: ProjectFieldType
    readonly options?: readonly string[]
  }[]
}

/** GitHub's limits on sub-issues: per parent (closed ones count), and levels of nesting. */
export const MAX_SUB_ISSUES = 100
export const MAX_SUB_ISSUE_DEPTH = 8

export type Tombstone =
  { readonly kind: 'deleted' } | { readonly kind: 'transferred'; readonly issue: IssueRecord }

export type NodeTarget =
  | { readonly type: 'Repository'; readonly repo: RepoRecord }
  | { readonly type: 'Issue' | 'PullRequest'; readonly issue: IssueRecord }
  | { readonly type: 'Label'; readonly label: LabelRecord }
  | { readonly type: 'Milestone'; readonly milestone: MilestoneRecord }
  | { readonly type: 'IssueComment'; readonly comment: CommentRecord }
  | { readonly type: 'ProjectV2'; readonly project: ProjectRecord }
  | { readonly type: 'ProjectV2Item'; readonly item: ProjectItemRecord }
  | { readonly type: 'ProjectV2Field'; readonly field: ProjectFieldRecord }

export interface NewLabel {
  name: string
  color?: string
  description?: string | null
}

export interface NewMilestone {
  title: string
  description?: string | null
  state?: MilestoneState
}

export interface NewIssue {
  number?: number
  title?: string
  body?: string
  labels?: readonly string[]
  state?: IssueState
  stateReason?: StateReason | null
  milestone?: number
  pullRequest?: boolean
  locked?: boolean
}

/** What a test reads back about an issue. */
export interface IssueView {
  readonly repo: string
  readonly number: number
  readonly title: string
  readonly labels: string[]
  readonly state: IssueState
  readonly stateReason: StateReason | null
  readonly comments: string[]
  readonly locked: boolean
  readonly milestone?: number
  readonly pullRequest: boolean
}

export interface MilestoneView {
  readonly number: number
  readonly title: string
  readonly description: string
  readonly state: MilestoneState
  readonly openIssues: number
  readonly closedIssues: number
}

export interface LabelView {
  readonly name: string
  readonly color: string
  readonly description: string | null
}

/** A misuse of the state API by a test (not an API answer). */
export class SimulatorUsageError extends Error {
  override name = 'SimulatorUsageError'
}

const NODE_PREFIX: Record<NodeTarget['type'], string> = {
  Repository: 'R_kgDO',
  Issue: 'I_kwDO',
  PullRequest: 'PR_kwDO',
  Label: 'LA_kwDO',
  Milestone: 'MI_kwDO',
  IssueComment: 'IC_kwDO',
  ProjectV2: 'PVT_kwDO',
  ProjectV2Item: 'PVTI_lADO',
  ProjectV2Field: 'PVTF_lADO'
}

export function labelKey(name: string): string {
  // GitHub compares label names case-insensitively (and so does the action).
  return name.toLowerCase()
}

export function splitRepo(fullName: string): { owner: string; name: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(fullName)
  if (!match?.[1] || !match[2]) {
    throw new SimulatorUsageError(`repository must be "owner/name", got "${fullName}"`)
  }
  return { owner: match[1], name: match[2] }
}

export class SimulatorState {
  private readonly repos = new Map<string, RepoRecord>()
  private readonly nodes = new Map<string, NodeTarget>()
  readonly projects: ProjectRecord[] = []
  // Database ids are sequential so that runs with the same setup give the same ids.
  private nextId = 1000

  repoByName(fullName: string): RepoRecord | undefined {
    return this.repos.get(fullName.toLowerCase())
  }

  /** Whether any repository has this owner: the simulator's organizations. */
  repoByOwner(login: string): boolean {
    for (const repo of this.repos.values()) if (sameLogin(repo.owner, login)) return true
    return false
  }

  repoById(id: number): RepoRecord | undefined {
    for (const repo of this.repos.values()) if (repo.id === id) return repo
    return undefined
  }

  requireRepo(fullName: string): RepoRecord {
    const repo = this.repoByName(fullName)
    if (!repo) throw new SimulatorUsageError(`unknown repository ${fullName}: addRepo() it first`)
    return repo
  }

  node(id: string): NodeTarget | undefined {
    return this.nodes.get(id)
  }

  /** A new record's database id and the global node id GraphQL derives from it. */
  private newIds(type: NodeTarget['type']): { id: number; nodeId: string } {
    const id = this.nextId++
    const opaque = Buffer.from(`${type}:${id}`).toString('base64url')
    return { id, nodeId: `${NODE_PREFIX[type]}${opaque}` }
  }

  addRepo(fullName: string): RepoRecord {
    const existing = this.repoByName(fullName)
    if (existing) return existing
    const { owner, name } = splitRepo(fullName)
    const repo: RepoRecord = {
      ...this.newIds('Repository'),
      owner,
      name,
      key: `${owner}/${name}`.toLowerCase(),
      labels: [],
      milestones: new Map(),
      issues: new Map(),
      tombstones: new Map(),
      nextNumber: 1,
      nextMilestone: 1
    }
    this.repos.set(repo.key, repo)
    this.nodes.set(repo.nodeId, { type: 'Repository', repo })
    return repo
  }

  findLabel(repo: RepoRecord, name: string): LabelRecord | undefined {
    const key = labelKey(name)
    return repo.labels.find((label) => labelKey(label.name) === key)
  }

  /** Creates a label; the caller has checked that the name is free. */
  createLabel(repo: RepoRecord, input: NewLabel): LabelRecord {
    if (this.findLabel(repo, input.name)) {
      throw new SimulatorUsageError(`label "${input.name}" already exists in ${fullName(repo)}`)
    }
    const label: LabelRecord = {
      ...this.newIds('Label'),
      repo,
      name: input.name,
      color: input.color ?? DEFAULT_LABEL_COLOR,
      description: input.description ?? null,
      isDefault: false,
      createdAt: now()
    }
    repo.labels.push(label)
    this.nodes.set(label.nodeId, { type: 'Label', label })
    return label
  }

  /** The label of that name, created grey when missing, as adding a label to an issue does. */
  ensureLabel(repo: RepoRecord, name: string): LabelRecord {
    return this.findLabel(repo, name) ?? this.createLabel(repo, { name })
  }

  deleteLabel(repo: RepoRecord, label: LabelRecord): void {
    repo.labels.splice(repo.labels.indexOf(label), 1)
    for (const issue of repo.issues.values()) {
      issue.labels = issue.labels.filter((l) => l !== label)
    }
    this.nodes.delete(label.nodeId)
  }

  addMilestone(repo: RepoRecord, input: NewMilestone): MilestoneRecord {
    const number = repo.nextMilestone++
    const state = input.state ?? 'open'
    const created = now()
    const milestone: MilestoneRecord = {
      ...this.newIds('Milestone'),
      repo,
      number,
      title: input.title,
      description: input.description ?? null,
      state,
      createdAt: created,
      updatedAt: created,
      closedAt: state === 'closed' ? created : null
    }
    repo.milestones.set(number, milestone)
    this.nodes.set(milestone.nodeId, { type: 'Milestone', milestone })
    return milestone
  }

  addIssue(repo: RepoRecord, input: NewIssue): IssueRecord {
    const number = input.number ?? repo.nextNumber
    if (!Number.isInteger(number) || number < 1) {
      throw new SimulatorUsageError(`issue number must be a positive integer, got ${number}`)
    }
    if (repo.issues.has(number) || repo.tombstones.has(number)) {
      throw new SimulatorUsageError(`${fullName(repo)}#${number} is already taken`)
    }
    let milestone: MilestoneRecord | undefined
    if (input.milestone !== undefined) {
      milestone = repo.milestones.get(input.milestone)
      if (!milestone) {
        throw new SimulatorUsageError(`no milestone ${input.milestone} in ${fullName(repo)}`)
      }
    }
    const pullRequest = input.pullRequest ?? false
    const state = input.state ?? 'open'
    const created = now()
    const issue: IssueRecord = {
      ...this.newIds(pullRequest ? 'PullRequest' : 'Issue'),
      repo,
      number,
      title: input.title ?? `${pullRequest ? 'Pull request' : 'Issue'} ${number}`,
      body: input.body ?? null,
      state,
      stateReason:
        input.stateReason !== undefined
          ? input.stateReason
          : state === 'closed' && !pullRequest
            ? 'completed'
            : null,
      locked: input.locked ?? false,
      labels: [],
      milestone,
      pullRequest,
      comments: [],
      createdAt: created,
      updatedAt: created,
      closedAt: state === 'closed' ? created : null,
      deleted: false,
      closes: 0,
      parent: undefined,
      subIssues: []
    }
    for (const name of input.labels ?? []) this.addIssueLabel(issue, name)
    repo.issues.set(number, issue)
    repo.nextNumber = Math.max(repo.nextNumber, number + 1)
    this.nodes.set(issue.nodeId, { type: pullRequest ? 'PullRequest' : 'Issue', issue })
    return issue
  }

  addIssueLabel(issue: IssueRecord, name: string): LabelRecord {
    const label = this.ensureLabel(issue.repo, name)
    if (!issue.labels.includes(label)) issue.labels.push(label)
    touch(issue)
    return label
  }

  /** Returns false when the label was not on the issue. */
  removeIssueLabel(issue: IssueRecord, name: string): boolean {
    const key = labelKey(name)
    const before = issue.labels.length
    issue.labels = issue.labels.filter((label) => labelKey(label.name) !== key)
    touch(issue)
    return issue.labels.length !== before
  }

  setIssueState(issue: IssueRecord, state: IssueState, reason: StateReason | null): void {
    if (state === 'closed') {
      issue.closes++
      issue.stateReason = issue.pullRequest ? null : (reason ?? 'completed')
      if (issue.state !== 'closed') issue.closedAt = now()
    } else {
      // Reopening a closed issue records why, as GitHub does.
      issue.stateReason = issue.state === 'closed' && !issue.pullRequest ? 'reopened' : null
      issue.closedAt = null
    }
    issue.state = state
    touch(issue)
  }

  addComment(issue: IssueRecord, body: string, author = API_ACTOR): CommentRecord {
    const comment: CommentRecord = {
      ...this.newIds('IssueComment'),
      issue,
      body,
      author,
      createdAt: now()
    }
    issue.comments.push(comment)
    this.nodes.set(comment.nodeId, { type: 'IssueComment', comment })
    touch(issue)
    return comment
  }

  /**
   * Makes `child` a sub-issue of `parent` as addSubIssue does; GitHub's refusal
   * as its message, or undefined when made. `replace` is `replaceParent`.
   */
  addSubIssue(parent: IssueRecord, child: IssueRecord, replace = false): string | undefined {
    if (child.pullRequest) return 'Pull requests cannot be sub-issues'
    if (child === parent) return 'An issue cannot be a sub-issue of itself'
    if (child.parent !== undefined && !replace) return 'Sub issue may only have one parent'
    if (child.parent === parent) return 'Sub issue already exists on this parent'
    if (parent.subIssues.length >= MAX_SUB_ISSUES) {
      return `Parent cannot have more than ${MAX_SUB_ISSUES} sub-issues`
    }
    let depth = 1
    for (let up = parent.parent; up !== undefined; up = up.parent) {
      if (up === child) return 'Sub issue cannot be an ancestor of its parent'
      depth++
    }
    const height = (issue: IssueRecord): number => 1 + Math.max(0, ...issue.subIssues.map(height))
    if (depth + height(child) > MAX_SUB_ISSUE_DEPTH) {
      return `Sub issues cannot be nested more than ${MAX_SUB_ISSUE_DEPTH} levels deep`
    }
    this.removeSubIssue(child)
    child.parent = parent
    parent.subIssues.push(child)
    touch(parent)
    touch(child)
    return undefined
  }

  /** Takes an issue out from under its parent, as a person may. */
  removeSubIssue(child: IssueRecord): void {
    const parent = child.parent
    if (parent === undefined) return
    parent.subIssues.splice(parent.subIssues.indexOf(child), 1)
    child.parent = undefined
  }

  deleteIssue(issue: IssueRecord): void {
    this.removeSubIssue(issue)
    for (const child of [...issue.subIssues]) this.removeSubIssue(child)
    issue.deleted = true
    issue.repo.issues.delete(issue.number)
    issue.repo.tombstones.set(issue.number, { kind: 'deleted' })
    this.nodes.delete(issue.nodeId)
    for (const comment of issue.comments) this.nodes.delete(comment.nodeId)
  }

  /**
   * Moves an issue as GitHub's transfer does: it keeps its ids, comments and
   * labels (created in the target when missing), loses its milestone, and gets
   * the target's next number; the old number answers "moved".
   */
  transferIssue(issue: IssueRecord, target: RepoRecord): IssueRecord {
    if (issue.pullRequest) throw new SimulatorUsageError('pull requests cannot be transferred')
    if (target === issue.repo) return issue
    const source = issue.repo
    source.issues.delete(issue.number)
    source.tombstones.set(issue.number, { kind: 'transferred', issue })
    const labels = issue.labels.map(
      (label) =>
        this.findLabel(target, label.name) ??
        this.createLabel(target, {
          name: label.name,
          color: label.color,
          description: label.description
        })
    )
    issue.repo = target
    issue.number = target.nextNumber++
    issue.labels = labels
    issue.milestone = undefined
    target.issues.set(issue.number, issue)
    touch(issue)
    return issue
  }

  addProject(input: NewProject): ProjectRecord {
    const ownerType = input.ownerType ?? 'organization'
    const number =
      1 +
      Math.max(
        0,
        ...this.projects.filter((p) => sameLogin(p.owner, input.owner)).map((p) => p.number)
      )
    const project: ProjectRecord = {
      ...this.newIds('ProjectV2'),
      ownerType,
      owner: input.owner,
      number,
      title: input.title ?? `Project ${number}`,
      fields: [],
      items: []
    }
    const fields = input.fields ?? [
      { name: 'Title', dataType: 'TITLE' as const },
      {
        name: 'Status',
        dataType: 'SINGLE_SELECT' as const,
        options: ['Todo', 'In Progress', 'Done']
      },
      { name: 'Estimate', dataType: 'NUMBER' as const }
    ]
    for (const spec of fields) {
      const field: ProjectFieldRecord = {
        ...this.newIds('ProjectV2Field'),
        project,
        name: spec.name,
        dataType: spec.dataType,
        options: (spec.options ?? []).map((name) => ({
          // Short hex ids, as GitHub gives options.
          id: (this.nextId++).toString(16).padStart(8, '0'),
          name
        }))
      }
      project.fields.push(field)
      this.nodes.set(field.nodeId, { type: 'ProjectV2Field', field })
    }
    this.projects.push(project)
    this.nodes.set(project.nodeId, { type: 'ProjectV2', project })
    return project
  }

  findProject(
    ownerType: 'organization' | 'user',
    owner: string,
    number: number
  ): ProjectRecord | undefined {
    return this.projects.find(
      (p) => p.ownerType === ownerType && sameLogin(p.owner, owner) && p.number === number
    )
  }

  /** The issue's item in the project, added when missing (as addProjectV2ItemById does). */
  addProjectItem(project: ProjectRecord, content: IssueRecord): ProjectItemRecord {
    const existing = project.items.find((item) => item.content === content)
    if (existing) return existing
    const item: ProjectItemRecord = {
      ...this.newIds('ProjectV2Item'),
      project,
      content,
      values: new Map(),
      updates: 0
    }
    project.items.push(item)
    this.nodes.set(item.nodeId, { type: 'ProjectV2Item', item })
    return item
  }

  /** Every item of the issue, across projects, in the order they were added. */
  projectItemsOf(issue: IssueRecord): ProjectItemRecord[] {
    return this.projects.flatMap((p) => p.items.filter((item) => item.content === issue))
  }

  /** Open and closed counts as the milestone endpoints report them. */
  milestoneCounts(milestone: MilestoneRecord): { open: number; closed: number } {
    let open = 0
    let closed = 0
    for (const issue of milestone.repo.issues.values()) {
      if (issue.milestone !== milestone) continue
      if (issue.state === 'open') open++
      else closed++
    }
    return { open, closed }
  }

  issueView(issue: IssueRecord): IssueView {
    return {
      repo: fullName(issue.repo),
      number: issue.number,
      title: issue.title,
      labels: issue.labels.map((label) => label.name),
      state: issue.state,
      stateReason: issue.stateReason,
      comments: issue.comments.map((comment) => comment.body),
      locked: issue.locked,
      ...(issue.milestone ? { milestone: issue.milestone.number } : {}),
      pullRequest: issue.pullRequest
    }
  }

  milestoneView(milestone: MilestoneRecord): MilestoneView {
    const counts = this.milestoneCounts(milestone)
    return {
      number: milestone.number,
      title: milestone.title,
      description: milestone.description ?? '',
      state: milestone.state,
      openIssues: counts.open,
      closedIssues: counts.closed
    }
  }
}

/** GitHub resolves logins without regard to case. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

export function fullName(repo: RepoRecord): string {
  return `${repo.owner}/${repo.name}`
}

export function now(): string {
  // GitHub's timestamps have second precision.
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function touch(issue: IssueRecord): void {
  issue.updatedAt = now()
}
