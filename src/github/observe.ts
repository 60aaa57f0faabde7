/**
 * The one read of an event: every linked issue (labels, state, milestone and
 * its description), the state label in each repository and the named
 * milestone, across repositories, in one GraphQL query per 100 issues.
 */
import type {
  IssueRef,
  MilestoneSelector,
  ObservedIssue,
  ObservedLabel,
  ObservedMilestone,
  ObservedParent,
  ParentLink,
  RepoRef,
  Snapshot
} from '../domain.js'
import { formatIssueRef, refKey, repoKey } from '../issue-ref.js'
import { completionMarker } from '../plan-text.js'
import type { StateReason as ObservedStateReason } from '../respect.js'
import { type ReadComment, findStatusComment } from '../status-comment.js'
import type { ObservedProject, ObservedProjectItem, ProjectRef } from '../project-status.js'
import type { GitHub } from './client.js'
import { describeError } from './errors.js'
import {
  PROJECT_ITEMS_FIELDS,
  buildProjectQuery,
  decodeProjectItems,
  decodeProjectRoot,
  projectRootField,
  projectVariables
} from './project.js'

/** Issues per query: keeps a query far below GitHub's node limit (100 × 100 labels). */
export const ISSUES_PER_QUERY = 100

export interface ObserveRequest {
  readonly issues: readonly IssueRef[]
  /** The label each repository must have (the event's state label). */
  readonly stateLabel: string
  readonly milestone: { readonly repo: RepoRef; readonly selector: MilestoneSelector } | undefined
  /** Read recent comments to find this plan's completion comment (plan_completed with auto-close). */
  readonly completionFor: string | undefined
  /** Read comments (with their ids) to find this plan's status comment (`status_comment: true`). */
  readonly statusFor?: string | undefined
  /**
   * `github.project`: read in the same query, or with `separate` (the
   * project-token's client) in a query of its own beside it.
   */
  readonly project?: {
    readonly ref: ProjectRef
    readonly field: string
    readonly separate?: GitHub
  }
  /** The plan's parent issue: read it (and its sub-issue count), and each linked issue's parent. */
  readonly parent?: IssueRef | undefined
}

interface GqlLabel {
  id: string
  name: string
}
interface GqlMilestone {
  number: number
  title: string
  description: string | null
  url: string
}
interface GqlLinked {
  __typename: 'Issue' | 'PullRequest'
  id: string
  number: number
  title: string
  url: string
  state?: 'OPEN' | 'CLOSED'
  prState?: 'OPEN' | 'CLOSED' | 'MERGED'
  locked: boolean
  labels: { nodes: (GqlLabel | null)[] | null } | null
  milestone: GqlMilestone | null
  comments?: GqlComments
  stateReason?: StateReason | null
  parent?: { id: string; number: number; repository: { nameWithOwner: string } } | null
  subIssuesSummary?: { total: number }
}

interface GqlComments {
  nodes: ({ body: string; id?: string; viewerDidAuthor?: boolean } | null)[] | null
  /** Read with the status comment: whether older comments were left out. */
  pageInfo?: { hasPreviousPage: boolean; startCursor: string | null }
}

type StateReason = 'COMPLETED' | 'NOT_PLANNED' | 'REOPENED' | 'DUPLICATE'
type GqlRepository = Record<string, unknown>
type GqlData = Record<string, GqlRepository | null | undefined>

export interface GqlError {
  readonly type?: string
  readonly message: string
  readonly path?: readonly (string | number)[]
}

export interface ObserveQuery {
  readonly query: string
  readonly variables: Record<string, unknown>
  /** Alias paths: `r0` → repository, `r0.i1` → issue. */
  readonly repos: readonly {
    alias: string
    repo: RepoRef
    issues: { alias: string; ref: IssueRef }[]
  }[]
  readonly milestoneRepoAlias: string | undefined
  /** The repository alias under which the parent issue is read (as `p`). */
  readonly parentRepoAlias?: string | undefined
  /**
   * Whose project items are read (`github.project`), under the same aliases:
   * the linked issues and the plan's parent, in this query or in the
   * project-token's query beside it.
   */
  readonly itemRepos: ObserveQuery['repos']
}

const MILESTONE_FIELDS = 'number title description url'
// Issue.state and PullRequest.state have different types: pull requests alias theirs.
const LINKED_FIELDS = (comments: boolean, state = 'state', extra = '', status = false): string =>
  `id number title url ${state} locked labels(first: 100) { nodes { id name } } milestone { ${MILESTONE_FIELDS} }${
    status ? STATUS_FIELDS : comments ? ' comments(last: 30) { nodes { body } } stateReason' : ''
  }${extra}`
/** An issue's parent (only issues have one), read when the plan has a parent issue (sub-issues.ts). */
const PARENT_FIELDS = ' parent { id number repository { nameWithOwner } }'
/** The alias of the plan's parent issue inside its repository. */
const PARENT_ALIAS = 'p'
/** Comments per page: GitHub's most. */
const COMMENTS_PER_PAGE = 100
/**
 * The status comment stays where it was first posted: read further back than
 * the completion comment. Only the action's own comments count (viewerDidAuthor).
 * An issue with older comments than these, and no status comment among them,
 * is looked at further back (lookBackForStatus) before one is posted.
 */
const STATUS_COMMENTS = `comments(last: ${COMMENTS_PER_PAGE}{before}) { pageInfo { hasPreviousPage startCursor } nodes { id body viewerDidAuthor } }`
const STATUS_FIELDS = ` ${STATUS_COMMENTS.replace('{before}', '')} stateReason`
/**
 * Pages of 100 comments looked through beyond the read, per issue, for its
 * status comment: at most this many requests more, and only for issues that
 * have that many comments after it (or none yet). Beyond, none is posted.
 */
export const STATUS_PAGES_BACK = 20

/** An issue whose status comment was not among the comments read, with older ones left. */
interface OlderComments {
  readonly issueId: string
  readonly before: string
}

/** Builds one query; names travel as variables, never spliced into the document. */
export function buildObserveQuery(
  issues: readonly IssueRef[],
  request: Omit<ObserveRequest, 'issues'>,
  withMilestone: boolean
): ObserveQuery {
  const groups = new Map<string, { repo: RepoRef; issues: IssueRef[] }>()
  const add = (repo: RepoRef): { repo: RepoRef; issues: IssueRef[] } => {
    const key = repoKey(repo)
    let group = groups.get(key)
    if (group === undefined) {
      group = { repo, issues: [] }
      groups.set(key, group)
    }
    return group
  }
  for (const ref of issues) add(ref).issues.push(ref)
  const milestoneKey =
    withMilestone && request.milestone ? repoKey(request.milestone.repo) : undefined
  if (request.milestone && withMilestone) add(request.milestone.repo)
  // The parent is read once, with the first chunk, like the named milestone.
  const parent = withMilestone ? request.parent : undefined
  const parentKey = parent === undefined ? undefined : repoKey(parent)
  if (parent !== undefined) add(parent)
  const linkedExtra = request.parent === undefined ? '' : PARENT_FIELDS

  // GitHub refuses a declared variable that no field uses.
  const withLabel = issues.length > 0 || parent !== undefined
  const declarations = withLabel ? ['$label: String!'] : []
  const variables: Record<string, unknown> = withLabel ? { label: request.stateLabel } : {}
  // The project's fields, when one token reads everything: the project with the first chunk, items with each.
  const project = request.project?.separate === undefined ? request.project : undefined
  const items = project === undefined ? '' : ` ${PROJECT_ITEMS_FIELDS}`
  if (project !== undefined) {
    const used = projectVariables(project.ref, project.field)
    declarations.push(...used.declarations)
    Object.assign(variables, used.variables)
  }
  // Every issue, the parent included, is read with the same fragment.
  const issueField = (alias: string, number: number, issueExtra = ''): string =>
    `${alias}: issueOrPullRequest(number: ${number}) { __typename ... on Issue { ${LINKED_FIELDS(
      request.completionFor !== undefined,
      'state',
      `${linkedExtra}${issueExtra}${items}`,
      request.statusFor !== undefined
    )} } ... on PullRequest { ${LINKED_FIELDS(false, 'prState: state', items)} } }`
  const bodies: string[] = []
  const repos: ObserveQuery['repos'][number][] = []
  const itemRepos: ObserveQuery['repos'][number][] = []
  let milestoneRepoAlias: string | undefined
  let parentRepoAlias: string | undefined
  let index = 0
  for (const [key, group] of groups) {
    const alias = `r${index}`
    declarations.push(`$${alias}o: String!`, `$${alias}n: String!`)
    variables[`${alias}o`] = group.repo.owner
    variables[`${alias}n`] = group.repo.repo
    const fields: string[] = ['nameWithOwner']
    const withParent = key === parentKey && parent !== undefined
    if (group.issues.length > 0 || withParent)
      fields.push('stateLabel: label(name: $label) { id name }')
    const aliased = group.issues.map((ref, i) => ({ alias: `i${i}`, ref }))
    for (const { alias: issueAlias, ref } of aliased)
      fields.push(issueField(issueAlias, ref.number))
    const withItems = [...aliased]
    if (withParent) {
      parentRepoAlias = alias
      fields.push(issueField(PARENT_ALIAS, parent.number, ' subIssuesSummary { total }'))
      withItems.push({ alias: PARENT_ALIAS, ref: parent })
    }
    if (key === milestoneKey && request.milestone) {
      milestoneRepoAlias = alias
      const selector = request.milestone.selector
      if (selector.by === 'number') {
        fields.push(`milestone(number: ${selector.number}) { ${MILESTONE_FIELDS} }`)
      } else {
        declarations.push('$milestoneTitle: String!')
        variables.milestoneTitle = selector.title
        fields.push(
          `milestones(first: 100, query: $milestoneTitle, states: [OPEN, CLOSED]) { nodes { ${MILESTONE_FIELDS} } }`
        )
      }
    }
    bodies.push(`${alias}: repository(owner: $${alias}o, name: $${alias}n) { ${fields.join(' ')} }`)
    repos.push({ alias, repo: group.repo, issues: aliased })
    itemRepos.push({ alias, repo: group.repo, issues: withItems })
    index++
  }
  if (project !== undefined && withMilestone) bodies.push(projectRootField(project.ref))
  return {
    query: `query DebussyObserve(${declarations.join(', ')}) { ${bodies.join(' ')} }`,
    variables,
    repos,
    milestoneRepoAlias,
    ...(parentRepoAlias === undefined ? {} : { parentRepoAlias }),
    itemRepos
  }
}

/** Partial data with per-path errors, as GitHub answers when some objects are missing. */
export function decodeObserve(
  built: ObserveQuery,
  request: Omit<ObserveRequest, 'issues'>,
  data: GqlData,
  errors: readonly GqlError[]
): {
  issues: ObservedIssue[]
  labels: Map<string, Map<string, ObservedLabel>>
  milestone: ObservedMilestone | null | undefined
  parent?: ObservedParent
  /** Issues to look further back at for their status comment. */
  olderComments: OlderComments[]
} {
  // Indexed once: a hundred missing issues must not cost a hundred scans.
  const byPath = new Map<string, GqlError>()
  for (const error of errors) {
    const path = (error.path ?? []).join('.')
    if (!byPath.has(path)) byPath.set(path, error)
  }
  const errorAt = (path: string): GqlError | undefined => byPath.get(path)
  const issues: ObservedIssue[] = []
  const labels = new Map<string, Map<string, ObservedLabel>>()
  let milestone: ObservedMilestone | null | undefined
  let parent: ObservedParent | undefined
  const olderComments: OlderComments[] = []
  const decode = (ref: IssueRef, linked: GqlLinked): ObservedIssue => {
    const observed = toObserved(ref, linked, request.completionFor, request.statusFor)
    const page = linked.comments?.pageInfo
    if (
      request.statusFor !== undefined &&
      observed.found &&
      observed.statusComment === undefined &&
      page?.hasPreviousPage === true &&
      page.startCursor !== null
    )
      olderComments.push({ issueId: linked.id, before: page.startCursor })
    return observed
  }
  for (const group of built.repos) {
    const repository = data[group.alias] ?? null
    const repoError = errorAt(group.alias)
    const stateLabel = repository?.stateLabel as GqlLabel | null | undefined
    const known = new Map<string, ObservedLabel>()
    if (stateLabel)
      known.set(stateLabel.name.toLowerCase(), { id: stateLabel.id, name: stateLabel.name })
    labels.set(repoKey(group.repo), known)
    for (const { alias, ref } of group.issues) {
      const linked = repository?.[alias] as GqlLinked | null | undefined
      if (repository === null || linked == null) {
        const error = errorAt(`${group.alias}.${alias}`) ?? repoError
        issues.push({ ref, found: false, reason: describeMissing(ref, error) })
        continue
      }
      issues.push(decode(ref, linked))
    }
    if (group.alias === built.milestoneRepoAlias && request.milestone) {
      milestone = pickMilestone(repository, request.milestone)
    }
    if (group.alias === built.parentRepoAlias && request.parent) {
      const ref = request.parent
      const linked = repository?.[PARENT_ALIAS] as GqlLinked | null | undefined
      parent =
        repository === null || linked == null
          ? {
              issue: {
                ref,
                found: false,
                reason: describeMissing(ref, errorAt(`${group.alias}.${PARENT_ALIAS}`) ?? repoError)
              },
              subIssues: 0
            }
          : {
              issue: decode(ref, linked),
              subIssues: linked.subIssuesSummary?.total ?? 0
            }
    }
  }
  return { issues, labels, milestone, ...(parent === undefined ? {} : { parent }), olderComments }
}

function describeMissing(ref: IssueRef, error: GqlError | undefined): string {
  if (error?.type === 'NOT_FOUND')
    return `not found: it does not exist, was deleted or transferred, or the token cannot see it`
  if (error?.type === 'FORBIDDEN') return `the token may not read it`
  return error?.message ?? `GitHub returned nothing for ${formatIssueRef(ref)}`
}

function toObserved(
  ref: IssueRef,
  linked: GqlLinked,
  completionFor: string | undefined,
  statusFor?: string
): ObservedIssue {
  const marker = completionFor === undefined ? undefined : completionMarker(completionFor)
  const comments = linked.comments === undefined ? [] : readComments(linked.comments)
  return {
    ref,
    found: true,
    id: linked.id,
    kind: linked.__typename === 'PullRequest' ? 'pull_request' : 'issue',
    state: (linked.state ?? linked.prState) === 'OPEN' ? 'open' : 'closed',
    locked: linked.locked,
    title: linked.title,
    url: linked.url,
    labels: (linked.labels?.nodes ?? [])
      .filter((label): label is GqlLabel => label !== null)
      .map((label) => ({ id: label.id, name: label.name })),
    milestone: linked.milestone === null ? undefined : toMilestone(ref, linked.milestone),
    hasCompletionComment:
      marker !== undefined && comments.some((comment) => comment.body.includes(marker)),
    ...(linked.parent === undefined ? {} : { parent: toParentLink(linked.parent) }),
    ...(linked.stateReason === undefined
      ? {}
      : { stateReason: linked.stateReason?.toLowerCase() as ObservedStateReason | undefined }),
    ...(statusFor === undefined ? {} : { statusComment: findStatusComment(comments, statusFor) })
  }
}

function readComments(comments: GqlComments): ReadComment[] {
  return (comments.nodes ?? []).flatMap((c) =>
    c === null
      ? []
      : [{ id: c.id ?? '', body: c.body, viewerDidAuthor: c.viewerDidAuthor === true }]
  )
}

function toParentLink(parent: NonNullable<GqlLinked['parent']> | null): ParentLink | null {
  if (parent === null) return null
  const [owner = '', repo = ''] = parent.repository.nameWithOwner.split('/')
  return { id: parent.id, ref: { owner, repo, number: parent.number } }
}

function toMilestone(repo: RepoRef, milestone: GqlMilestone): ObservedMilestone {
  return {
    repo: { owner: repo.owner, repo: repo.repo },
    number: milestone.number,
    title: milestone.title,
    description: milestone.description ?? '',
    url: milestone.url
  }
}

function pickMilestone(
  repository: GqlRepository | null,
  named: NonNullable<ObserveRequest['milestone']>
): ObservedMilestone | null {
  if (repository === null) return null
  if (named.selector.by === 'number') {
    const found = repository.milestone as GqlMilestone | null | undefined
    return found ? toMilestone(named.repo, found) : null
  }
  const title = named.selector.title
  const candidates =
    (repository.milestones as { nodes: (GqlMilestone | null)[] } | null)?.nodes ?? []
  // The search is fuzzy; the title must match exactly (then ignoring case).
  const found =
    candidates.find((m) => m?.title === title) ??
    candidates.find((m) => m?.title.toLowerCase() === title.toLowerCase())
  return found ? toMilestone(named.repo, found) : null
}

/** Reads GitHub for the event: one query per {@link ISSUES_PER_QUERY} issues. */
export async function observe(github: GitHub, request: ObserveRequest): Promise<Snapshot> {
  const issues: ObservedIssue[] = []
  const labels = new Map<string, Map<string, ObservedLabel>>()
  let namedMilestone: ObservedMilestone | null | undefined
  let projectRoot: ReturnType<typeof decodeProjectRoot> | undefined
  const projectItems: { repos: ObserveQuery['repos']; data: GqlData }[] = []
  let parent: ObservedParent | undefined
  const olderComments: OlderComments[] = []
  const chunks: IssueRef[][] = []
  for (let i = 0; i < request.issues.length; i += ISSUES_PER_QUERY) {
    chunks.push(request.issues.slice(i, i + ISSUES_PER_QUERY))
  }
  if (chunks.length === 0) chunks.push([])
  for (const [n, chunk] of chunks.entries()) {
    const built = buildObserveQuery(chunk, request, n === 0)
    const { data, errors } = await queryAllowingErrors(github, built)
    const decoded = decodeObserve(built, request, data, errors)
    // Decoded per repository; the snapshot keeps the plan's order.
    const byRef = new Map(decoded.issues.map((issue) => [refKey(issue.ref), issue]))
    for (const ref of chunk) {
      const issue = byRef.get(refKey(ref))
      if (issue !== undefined) issues.push(issue)
    }
    for (const [key, map] of decoded.labels) {
      const merged = labels.get(key) ?? new Map<string, ObservedLabel>()
      for (const [name, label] of map) merged.set(name, label)
      labels.set(key, merged)
    }
    if (n === 0) namedMilestone = decoded.milestone
    if (n === 0) parent = decoded.parent
    olderComments.push(...decoded.olderComments)
    if (request.project !== undefined) {
      const separate = request.project.separate
      const read =
        separate === undefined
          ? { data, errors }
          : await readProject(separate, built.itemRepos, request.project, n === 0)
      if (n === 0) projectRoot = decodeProjectRoot(read.data, read.errors)
      projectItems.push({ repos: built.itemRepos, data: read.data })
    }
  }
  if (olderComments.length > 0 && request.statusFor !== undefined) {
    const found = await lookBackForStatus(github, olderComments, request.statusFor)
    const withStatus = (issue: ObservedIssue): ObservedIssue => {
      const look = issue.found ? found.get(issue.id) : undefined
      return look === undefined || !issue.found ? issue : { ...issue, ...look }
    }
    issues.splice(0, issues.length, ...issues.map(withStatus))
    if (parent !== undefined) parent = { ...parent, issue: withStatus(parent.issue) }
  }
  let project: ObservedProject | undefined
  if (projectRoot !== undefined) {
    if (projectRoot.found) {
      const items = new Map<string, ObservedProjectItem>()
      for (const read of projectItems)
        decodeProjectItems(read.repos, read.data, projectRoot.id, items)
      project = { ...projectRoot, items }
    } else {
      project = projectRoot
    }
  }
  return {
    issues,
    labels,
    namedMilestone,
    ...(project === undefined ? {} : { project }),
    ...(parent === undefined ? {} : { parent })
  }
}

/** What looking further back found about an issue's status comment, by the issue's node id. */
type StatusLookup = Pick<
  Extract<ObservedIssue, { found: true }>,
  'statusComment' | 'statusCommentUnread'
>

/**
 * The status comments not among the comments the read holds: each such issue's
 * older comments, a page of COMMENTS_PER_PAGE further back at a time, all such issues in one
 * request per round (100 a request), until its status comment is found or it
 * has no older comments, for at most STATUS_PAGES_BACK rounds. An issue still
 * not looked through by then (or that vanished meanwhile) gets
 * `statusCommentUnread`: no status comment is posted where one may be.
 */
async function lookBackForStatus(
  github: GitHub,
  start: readonly OlderComments[],
  planKey: string
): Promise<Map<string, StatusLookup>> {
  const result = new Map<string, StatusLookup>()
  let pending = [...start]
  for (let round = 0; round < STATUS_PAGES_BACK && pending.length > 0; round++) {
    const next: OlderComments[] = []
    for (let i = 0; i < pending.length; i += ISSUES_PER_QUERY) {
      const batch = pending.slice(i, i + ISSUES_PER_QUERY)
      const declarations: string[] = []
      const variables: Record<string, unknown> = {}
      const fields = batch.map((older, j) => {
        declarations.push(`$c${j}: ID!`, `$b${j}: String!`)
        variables[`c${j}`] = older.issueId
        variables[`b${j}`] = older.before
        return `c${j}: node(id: $c${j}) { __typename ... on Issue { ${STATUS_COMMENTS.replace('{before}', `, before: $b${j}`)} } }`
      })
      const { data } = await queryAllowingErrors(github, {
        query: `query DebussyStatusComments(${declarations.join(', ')}) { ${fields.join(' ')} }`,
        variables
      })
      batch.forEach((older, j) => {
        const comments = (data[`c${j}`] as { comments?: GqlComments } | null | undefined)?.comments
        if (comments === undefined) {
          result.set(older.issueId, {
            statusCommentUnread: 'its older comments could not be read'
          })
          return
        }
        const statusComment = findStatusComment(readComments(comments), planKey)
        const page = comments.pageInfo
        if (statusComment !== undefined) result.set(older.issueId, { statusComment })
        else if (page?.hasPreviousPage === true && page.startCursor !== null)
          next.push({ issueId: older.issueId, before: page.startCursor })
      })
    }
    pending = next
  }
  for (const older of pending) {
    result.set(older.issueId, {
      statusCommentUnread: `its status comment is not among its newest ${(STATUS_PAGES_BACK + 1) * COMMENTS_PER_PAGE} comments, and it has older ones`
    })
  }
  return result
}

/** The project read of a separate project-token; its failure says which token failed. */
async function readProject(
  github: GitHub,
  repos: ObserveQuery['repos'],
  project: NonNullable<ObserveRequest['project']>,
  withRoot: boolean
): Promise<{ data: GqlData; errors: readonly GqlError[] }> {
  try {
    return await queryAllowingErrors(
      github,
      buildProjectQuery(repos, project.ref, project.field, withRoot)
    )
  } catch (error) {
    throw new Error(`project ${project.ref.url} with the project-token: ${describeError(error)}`, {
      cause: error
    })
  }
}

/** GitHub answers a query that names a missing object with data and errors: both are kept. */
async function queryAllowingErrors(
  github: GitHub,
  built: Pick<ObserveQuery, 'query' | 'variables'>
): Promise<{ data: GqlData; errors: readonly GqlError[] }> {
  try {
    const data = await github.graphql<GqlData>(built.query, built.variables)
    return { data, errors: [] }
  } catch (error) {
    const partial = graphqlPartial(error)
    if (partial === undefined) throw error
    const unexpected = partial.errors.filter(
      (e) => e.type !== 'NOT_FOUND' && e.type !== 'FORBIDDEN'
    )
    if (unexpected.length > 0 || partial.errors.some((e) => (e.path ?? []).length === 0))
      throw error
    return { data: partial.data, errors: partial.errors }
  }
}

/** The data and errors of @octokit/graphql's GraphqlResponseError, checked structurally. */
export function graphqlPartial(
  error: unknown
): { data: GqlData; errors: readonly GqlError[] } | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const candidate = error as { errors?: unknown; data?: unknown }
  if (!Array.isArray(candidate.errors)) return undefined
  const data =
    typeof candidate.data === 'object' && candidate.data !== null ? (candidate.data as GqlData) : {}
  return { data, errors: candidate.errors as GqlError[] }
}
