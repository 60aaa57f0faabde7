/**
 * GraphQL for the simulator: GitHub's published schema, validated and executed
 * by graphql-js, with resolvers over SimulatorState. Only the fields the action
 * can reasonably ask for are backed; any other nullable field answers null and
 * any other non-null field fails the way graphql-js fails it.
 */
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode
} from 'graphql'
import { issueHtmlUrl } from './simulator-rest.js'
import {
  API_ACTOR,
  fullName,
  sameLogin,
  type CommentRecord,
  type IssueRecord,
  type LabelRecord,
  type MilestoneRecord,
  type NodeTarget,
  type ProjectFieldRecord,
  type ProjectItemRecord,
  type ProjectRecord,
  type RepoRecord,
  type SimulatorState,
  type StateReason
} from './simulator-state.js'

export interface RateLimitInfo {
  readonly limit: number
  readonly remaining: number
  readonly used: number
  readonly resetAt: string
}

export interface GraphqlContext {
  readonly state: SimulatorState
  readonly serverUrl: string
  readonly rateLimit: () => RateLimitInfo
  /** Whether the request's token reaches Projects (GITHUB_TOKEN does not; a PAT with `project` does). */
  readonly projects: boolean
}

export interface GraphqlAnalysis {
  readonly document: DocumentNode | undefined
  readonly operation: 'query' | 'mutation' | 'subscription' | undefined
  readonly mutationFields: number
  readonly syntaxError: GraphQLError | undefined
}

/** What the request log needs before the request is handled: operation type and mutation count. */
export function analyseGraphql(body: unknown): GraphqlAnalysis {
  const none = { document: undefined, operation: undefined, mutationFields: 0 }
  if (!isRecord(body) || typeof body.query !== 'string') return { ...none, syntaxError: undefined }
  let document: DocumentNode
  try {
    document = parse(body.query)
  } catch (error) {
    return { ...none, syntaxError: error instanceof GraphQLError ? error : undefined }
  }
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined
  const op = getOperationAST(document, operationName)
  if (!op) return { document, operation: undefined, mutationFields: 0, syntaxError: undefined }
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def)
  }
  const mutationFields =
    op.operation === OperationTypeNode.MUTATION
      ? countFields(op.selectionSet, fragments, new Set())
      : 0
  return { document, operation: op.operation, mutationFields, syntaxError: undefined }
}

/** Top-level fields of a selection, looking through fragments. */
function countFields(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>
): number {
  let count = 0
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') count++
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countFields(selection.selectionSet, fragments, seen)
    } else {
      const fragment = fragments.get(selection.name.value)
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value)
        count += countFields(fragment.selectionSet, fragments, seen)
      }
    }
  }
  return count
}

/** An error GitHub reports with a `type` (NOT_FOUND, FORBIDDEN, …). */
export class GitHubGraphqlError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message)
  }
}

export interface GraphqlErrorJson {
  readonly type?: string
  readonly path?: readonly (string | number)[]
  readonly locations?: readonly { line: number; column: number }[]
  readonly message: string
}

/** GitHub's error shape: `type` first, no `extensions` for the typed ones. */
function formatError(error: GraphQLError): GraphqlErrorJson {
  const original = error.originalError
  return {
    ...(original instanceof GitHubGraphqlError ? { type: original.type } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
    message: error.message
  }
}

export async function executeGraphql(
  schema: GraphQLSchema,
  context: GraphqlContext,
  body: unknown,
  analysis: GraphqlAnalysis
): Promise<unknown> {
  if (!isRecord(body) || typeof body.query !== 'string') {
    return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }
  }
  if (analysis.syntaxError) return { errors: [formatError(analysis.syntaxError)] }
  const document = analysis.document
  if (!document) return { errors: [{ message: 'Unparseable query.' }] }
  const problems = validate(schema, document)
  if (problems.length > 0) return { errors: problems.map(formatError) }
  const variables = body.variables
  if (variables !== undefined && variables !== null && !isRecord(variables)) {
    return { errors: [{ message: 'Variables are invalid JSON.' }] }
  }
  const result = await execute({
    schema,
    document,
    rootValue: root,
    contextValue: context,
    variableValues: variables ?? undefined,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined
  })
  return {
    ...(result.data !== undefined ? { data: result.data } : {}),
    ...(result.errors ? { errors: result.errors.map(formatError) } : {})
  }
}

// ---- resolvers -------------------------------------------------------------
// graphql-js's default resolver reads each field from the parent object and,
// when the property is a function, calls it with (args, context, info); so the
// views below are plain objects whose argument-taking fields are functions.

type Args = Readonly<Record<string, unknown>>

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function notFoundNode(id: unknown): GitHubGraphqlError {
  return new GitHubGraphqlError(
    'NOT_FOUND',
    `Could not resolve to a node with the global id of '${String(id)}'.`
  )
}

type NodeViewOf<T extends NodeTarget['type']> = (
  ctx: GraphqlContext,
  target: NodeTarget & { readonly type: T }
) => object

/** The view of each type of node that `node` and `nodes` resolve; one for each type. */
const NODE_VIEWS: { readonly [T in NodeTarget['type']]: NodeViewOf<T> } = {
  Repository: (ctx, { repo }) => repoView(ctx, repo),
  Issue: (ctx, { issue }) => issueView(ctx, issue),
  PullRequest: (ctx, { issue }) => issueView(ctx, issue),
  Label: (ctx, { label }) => labelView(ctx, label),
  Milestone: (ctx, { milestone }) => milestoneView(ctx, milestone),
  IssueComment: (ctx, { comment }) => commentView(ctx, comment),
  ProjectV2: (ctx, { project }) => projectView(ctx, project),
  ProjectV2Item: (ctx, { item }) => itemView(ctx, item),
  ProjectV2Field: (ctx, { field }) => fieldView(ctx, field)
}

function nodeView(ctx: GraphqlContext, target: NodeTarget): object {
  // TypeScript does not tie the entry picked by target.type to target's own type.
  const view = NODE_VIEWS[target.type] as NodeViewOf<NodeTarget['type']>
  return view(ctx, target)
}

function issueNode(ctx: GraphqlContext, id: unknown): IssueRecord {
  const target = typeof id === 'string' ? ctx.state.node(id) : undefined
  if (target?.type !== 'Issue' && target?.type !== 'PullRequest') throw notFoundNode(id)
  return target.issue
}

/** An issue that is not a pull request: closeIssue, reopenIssue and addSubIssue take no other. */
function plainIssueNode(ctx: GraphqlContext, id: unknown): IssueRecord {
  const issue = issueNode(ctx, id)
  if (issue.pullRequest) throw notFoundNode(id)
  return issue
}

function inputOf(args: Args): Record<string, unknown> {
  return isRecord(args.input) ? args.input : {}
}

/** A mutation's payload: `fields`, with the input's clientMutationId echoed as GitHub does. */
function payload(input: Record<string, unknown>, fields: Record<string, unknown>): object {
  const clientMutationId =
    typeof input.clientMutationId === 'string' ? input.clientMutationId : null
  return { clientMutationId, ...fields }
}

/** Label ids of a labels mutation: each must be a label of the issue's repository. */
function labelsFor(ctx: GraphqlContext, issue: IssueRecord, ids: unknown): LabelRecord[] {
  const list: unknown[] = Array.isArray(ids) ? (ids as unknown[]) : []
  return list.map((id) => {
    const target = typeof id === 'string' ? ctx.state.node(id) : undefined
    if (target?.type !== 'Label') throw notFoundNode(id)
    if (target.label.repo !== issue.repo) {
      throw new GitHubGraphqlError(
        'UNPROCESSABLE',
        `Label ${target.label.name} does not belong to ${fullName(issue.repo)}.`
      )
    }
    return target.label
  })
}

const root = {
  repository(args: Args, ctx: GraphqlContext): object {
    const owner = String(args.owner)
    const name = String(args.name)
    const repo = ctx.state.repoByName(`${owner}/${name}`)
    if (!repo) {
      throw new GitHubGraphqlError(
        'NOT_FOUND',
        `Could not resolve to a Repository with the name '${owner}/${name}'.`
      )
    }
    return repoView(ctx, repo)
  },
  node(args: Args, ctx: GraphqlContext): object {
    const target = typeof args.id === 'string' ? ctx.state.node(args.id) : undefined
    if (!target) throw notFoundNode(args.id)
    return nodeView(ctx, target)
  },
  nodes(args: Args, ctx: GraphqlContext): unknown[] {
    const ids: unknown[] = Array.isArray(args.ids) ? (args.ids as unknown[]) : []
    // An Error in a list is reported at that item's path, with null in its place.
    return ids.map((id) => {
      const target = typeof id === 'string' ? ctx.state.node(id) : undefined
      return target ? nodeView(ctx, target) : notFoundNode(id)
    })
  },
  rateLimit(_args: Args, ctx: GraphqlContext): object {
    return { cost: 1, nodeCount: 0, ...ctx.rateLimit() }
  },

  addLabelsToLabelable(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const issue = issueNode(ctx, input.labelableId)
    for (const label of labelsFor(ctx, issue, input.labelIds)) {
      if (!issue.labels.includes(label)) issue.labels.push(label)
    }
    return payload(input, { labelable: issueView(ctx, issue) })
  },
  removeLabelsFromLabelable(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const issue = issueNode(ctx, input.labelableId)
    // Removing a label that is not on the issue is a no-op, as on GitHub.
    const remove = new Set(labelsFor(ctx, issue, input.labelIds))
    issue.labels = issue.labels.filter((label) => !remove.has(label))
    return payload(input, { labelable: issueView(ctx, issue) })
  },
  addComment(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const issue = issueNode(ctx, input.subjectId)
    if (issue.locked) {
      throw new GitHubGraphqlError('FORBIDDEN', 'Unable to create comment because issue is locked.')
    }
    const body = typeof input.body === 'string' ? input.body : ''
    if (body.trim() === '') throw new GitHubGraphqlError('UNPROCESSABLE', "Body can't be blank")
    const comment = ctx.state.addComment(issue, body)
    const view = commentView(ctx, comment)
    return payload(input, {
      commentEdge: { cursor: cursorOf(issue.comments.length - 1), node: view },
      subject: issueView(ctx, issue),
      timelineEdge: null
    })
  },
  updateIssueComment(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const id = typeof input.id === 'string' ? input.id : ''
    const target = ctx.state.node(id)
    if (target?.type !== 'IssueComment' || target.comment.issue.deleted) throw notFoundNode(id)
    const body = typeof input.body === 'string' ? input.body : ''
    if (body.trim() === '') throw new GitHubGraphqlError('UNPROCESSABLE', "Body can't be blank")
    // GitHub lets a token edit only what its actor may edit: here, its own comments.
    if (target.comment.author !== API_ACTOR) {
      throw new GitHubGraphqlError('FORBIDDEN', 'Resource not accessible by integration')
    }
    target.comment.body = body
    return payload(input, {
      issueComment: commentView(ctx, target.comment)
    })
  },
  closeIssue(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const issue = plainIssueNode(ctx, input.issueId)
    const reason = typeof input.stateReason === 'string' ? input.stateReason : 'COMPLETED'
    ctx.state.setIssueState(issue, 'closed', reason.toLowerCase() as StateReason)
    return payload(input, { issue: issueView(ctx, issue) })
  },
  organization(args: Args, ctx: GraphqlContext): object {
    return ownerView(ctx, 'organization', String(args.login))
  },
  user(args: Args, ctx: GraphqlContext): object {
    return ownerView(ctx, 'user', String(args.login))
  },
  addProjectV2ItemById(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const project = projectNode(ctx, input.projectId)
    const target = typeof input.contentId === 'string' ? ctx.state.node(input.contentId) : undefined
    if (target?.type !== 'Issue' && target?.type !== 'PullRequest')
      throw notFoundNode(input.contentId)
    // Adding an issue that is already there answers with its item, as GitHub does.
    const item = ctx.state.addProjectItem(project, target.issue)
    return payload(input, { item: itemView(ctx, item) })
  },
  updateProjectV2ItemFieldValue(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const project = projectNode(ctx, input.projectId)
    const itemTarget = typeof input.itemId === 'string' ? ctx.state.node(input.itemId) : undefined
    if (itemTarget?.type !== 'ProjectV2Item' || itemTarget.item.project !== project) {
      throw notFoundNode(input.itemId)
    }
    const fieldTarget =
      typeof input.fieldId === 'string' ? ctx.state.node(input.fieldId) : undefined
    if (fieldTarget?.type !== 'ProjectV2Field' || fieldTarget.field.project !== project) {
      throw notFoundNode(input.fieldId)
    }
    const field = fieldTarget.field
    const value = isRecord(input.value) ? input.value : {}
    if (field.dataType !== 'SINGLE_SELECT' || typeof value.singleSelectOptionId !== 'string') {
      throw new GitHubGraphqlError(
        'UNPROCESSABLE',
        `Did not receive a single select option Id to update a field of type single_select`
      )
    }
    const optionId = value.singleSelectOptionId
    if (!field.options.some((option) => option.id === optionId)) {
      throw new GitHubGraphqlError(
        'UNPROCESSABLE',
        `The single select option Id does not belong to the field`
      )
    }
    itemTarget.item.values.set(field.nodeId, optionId)
    itemTarget.item.updates++
    return payload(input, {
      projectV2Item: itemView(ctx, itemTarget.item)
    })
  },
  addSubIssue(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const parent = plainIssueNode(ctx, input.issueId)
    const child =
      input.subIssueId != null
        ? issueNode(ctx, input.subIssueId)
        : subIssueByUrl(ctx, input.subIssueUrl)
    const refused = ctx.state.addSubIssue(parent, child, input.replaceParent === true)
    if (refused !== undefined) throw new GitHubGraphqlError('UNPROCESSABLE', refused)
    return payload(input, {
      issue: issueView(ctx, parent),
      subIssue: issueView(ctx, child)
    })
  },
  reopenIssue(args: Args, ctx: GraphqlContext): object {
    const input = inputOf(args)
    const issue = plainIssueNode(ctx, input.issueId)
    ctx.state.setIssueState(issue, 'open', null)
    return payload(input, { issue: issueView(ctx, issue) })
  }
}

function repoView(ctx: GraphqlContext, repo: RepoRecord): object {
  const lookup = (number: unknown, kind: 'issue' | 'pr' | 'either'): object => {
    const issue = typeof number === 'number' ? repo.issues.get(number) : undefined
    const fits = issue && (kind === 'either' || issue.pullRequest === (kind === 'pr'))
    if (!issue || !fits) {
      const what = { issue: 'an Issue', pr: 'a PullRequest', either: 'an issue or pull request' }
      throw new GitHubGraphqlError(
        'NOT_FOUND',
        `Could not resolve to ${what[kind]} with the number of ${String(number)}.`
      )
    }
    return issueView(ctx, issue)
  }
  return {
    ...nodeOf('Repository', repo, 'name'),
    databaseId: repo.id,
    nameWithOwner: fullName(repo),
    owner: {
      __typename: 'Organization',
      id: `O_kgDO${Buffer.from(repo.owner).toString('base64url')}`,
      login: repo.owner,
      url: `${ctx.serverUrl}/${repo.owner}`
    },
    url: `${ctx.serverUrl}/${fullName(repo)}`,
    resourcePath: `/${fullName(repo)}`,
    isArchived: false,
    isPrivate: false,
    hasIssuesEnabled: true,
    issue: (args: Args) => lookup(args.number, 'issue'),
    pullRequest: (args: Args) => lookup(args.number, 'pr'),
    issueOrPullRequest: (args: Args) => lookup(args.number, 'either'),
    label: (args: Args) => {
      const label = typeof args.name === 'string' ? ctx.state.findLabel(repo, args.name) : undefined
      return label ? labelView(ctx, label) : null
    },
    labels: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) => {
      const query = typeof args.query === 'string' ? args.query.toLowerCase() : ''
      const labels = repo.labels.filter(
        (l) =>
          l.name.toLowerCase().includes(query) ||
          (l.description ?? '').toLowerCase().includes(query)
      )
      return connection(ordered(labels, args.orderBy, labelOrder), args, info, (l) =>
        labelView(ctx, l)
      )
    },
    milestone: (args: Args) => {
      const milestone = typeof args.number === 'number' ? repo.milestones.get(args.number) : null
      return milestone ? milestoneView(ctx, milestone) : null
    },
    milestones: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) => {
      const states = Array.isArray(args.states) ? (args.states as unknown[]) : undefined
      const query = typeof args.query === 'string' ? args.query.toLowerCase() : ''
      const milestones = [...repo.milestones.values()].filter(
        (m) =>
          (!states || states.includes(m.state.toUpperCase())) &&
          m.title.toLowerCase().includes(query)
      )
      return connection(ordered(milestones, args.orderBy, milestoneOrder), args, info, (m) =>
        milestoneView(ctx, m)
      )
    }
  }
}

function labelOrder(label: LabelRecord, field: string): string | number {
  return field === 'NAME' ? label.name.toLowerCase() : label.id
}

function milestoneOrder(milestone: MilestoneRecord, field: string): string | number {
  if (field === 'UPDATED_AT') return milestone.updatedAt
  // Creation order is number order; no milestone here has a due date.
  return milestone.number
}

function ordered<T>(
  items: readonly T[],
  orderBy: unknown,
  key: (item: T, field: string) => string | number
): readonly T[] {
  if (!isRecord(orderBy) || typeof orderBy.field !== 'string') return items
  const field = orderBy.field
  const sign = orderBy.direction === 'DESC' ? -1 : 1
  return [...items].sort((a, b) => {
    const x = key(a, field)
    const y = key(b, field)
    return x < y ? -sign : x > y ? sign : 0
  })
}

// ---- Projects (v2) -----------------------------------------------------------

/** What GITHUB_TOKEN gets for a project: GitHub does not let an Actions token reach Projects. */
function projectsRefused(): GitHubGraphqlError {
  return new GitHubGraphqlError('FORBIDDEN', 'Resource not accessible by integration')
}

function projectNode(ctx: GraphqlContext, id: unknown): ProjectRecord {
  if (!ctx.projects) throw projectsRefused()
  const target = typeof id === 'string' ? ctx.state.node(id) : undefined
  if (target?.type !== 'ProjectV2') throw notFoundNode(id)
  return target.project
}

/** An organization or user: any login that owns a repository or a project resolves. */
function ownerView(ctx: GraphqlContext, type: 'organization' | 'user', login: string): object {
  const owns =
    ctx.state.projects.some((p) => p.ownerType === type && sameLogin(p.owner, login)) ||
    (type === 'organization' && ctx.state.repoByOwner(login))
  if (!owns) {
    const what = type === 'organization' ? 'an Organization' : 'a User'
    throw new GitHubGraphqlError(
      'NOT_FOUND',
      `Could not resolve to ${what} with the login of '${login}'.`
    )
  }
  return {
    __typename: type === 'organization' ? 'Organization' : 'User',
    id: `${type === 'organization' ? 'O' : 'U'}_kgDO${Buffer.from(login).toString('base64url')}`,
    login,
    url: `${ctx.serverUrl}/${login}`,
    projectV2: (args: Args) => {
      if (!ctx.projects) throw projectsRefused()
      const project = ctx.state.findProject(type, login, Number(args.number))
      if (!project) {
        throw new GitHubGraphqlError(
          'NOT_FOUND',
          `Could not resolve to a ProjectV2 with the number ${String(args.number)}.`
        )
      }
      return projectView(ctx, project)
    }
  }
}

function projectView(ctx: GraphqlContext, project: ProjectRecord): object {
  const path = `/${project.ownerType === 'organization' ? 'orgs' : 'users'}/${project.owner}/projects/${project.number}`
  return {
    __typename: 'ProjectV2',
    id: project.nodeId,
    number: project.number,
    title: project.title,
    url: `${ctx.serverUrl}${path}`,
    resourcePath: path,
    closed: false,
    public: false,
    template: false,
    // GitHub compares field names exactly here.
    field: (args: Args) => {
      const field = project.fields.find((f) => f.name === args.name)
      return field ? fieldView(ctx, field) : null
    },
    fields: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(project.fields, args, info, (f) => fieldView(ctx, f)),
    items: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(project.items, args, info, (item) => itemView(ctx, item))
  }
}

function fieldView(ctx: GraphqlContext, field: ProjectFieldRecord): object {
  return {
    __typename:
      field.dataType === 'SINGLE_SELECT' ? 'ProjectV2SingleSelectField' : 'ProjectV2Field',
    id: field.nodeId,
    databaseId: field.id,
    name: field.name,
    dataType: field.dataType,
    project: () => projectView(ctx, field.project),
    options: (args: Args) => {
      const names = Array.isArray(args.names) ? (args.names as unknown[]) : undefined
      return field.options
        .filter((option) => !names || names.includes(option.name))
        .map((option) => ({
          id: option.id,
          name: option.name,
          nameHTML: option.name,
          color: 'GRAY',
          description: '',
          descriptionHTML: ''
        }))
    }
  }
}

function itemView(ctx: GraphqlContext, item: ProjectItemRecord): object {
  const valueOf = (field: ProjectFieldRecord): object | null => {
    const optionId = item.values.get(field.nodeId)
    const option = field.options.find((o) => o.id === optionId)
    if (!option) return null
    return {
      __typename: 'ProjectV2ItemFieldSingleSelectValue',
      id: `PVTFSV_lADO${Buffer.from(`${item.id}:${field.id}`).toString('base64url')}`,
      optionId: option.id,
      name: option.name,
      nameHTML: option.name,
      color: 'GRAY',
      description: '',
      descriptionHTML: '',
      field: fieldView(ctx, field),
      item: () => itemView(ctx, item)
    }
  }
  return {
    __typename: 'ProjectV2Item',
    id: item.nodeId,
    databaseId: item.id,
    type: item.content.pullRequest ? 'PULL_REQUEST' : 'ISSUE',
    isArchived: false,
    project: () => projectView(ctx, item.project),
    content: () => issueView(ctx, item.content),
    // Only single-select values are modelled; a field of another kind reads as empty.
    fieldValueByName: (args: Args) => {
      const field = item.project.fields.find((f) => f.name === args.name)
      return field ? valueOf(field) : null
    },
    fieldValues: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(
        item.project.fields.flatMap((f) => {
          const value = valueOf(f)
          return value ? [value] : []
        }),
        args,
        info,
        (value) => value
      )
  }
}

/** `subIssueUrl`: an issue's web address on this server. */
function subIssueByUrl(ctx: GraphqlContext, url: unknown): IssueRecord {
  const match = typeof url === 'string' ? /\/([^/]+)\/([^/]+)\/issues\/(\d+)\/?$/.exec(url) : null
  const issue = match
    ? ctx.state.repoByName(`${match[1]}/${match[2]}`)?.issues.get(Number(match[3]))
    : undefined
  if (!issue || !String(url).startsWith(ctx.serverUrl)) {
    throw new GitHubGraphqlError(
      'NOT_FOUND',
      `Could not resolve to an Issue with the URL of '${String(url)}'.`
    )
  }
  return issue
}

function issueView(ctx: GraphqlContext, issue: IssueRecord): object {
  const typename = issue.pullRequest ? 'PullRequest' : 'Issue'
  return {
    ...nodeOf(typename, issue, 'number', 'title', 'locked', 'closedAt', 'createdAt', 'updatedAt'),
    databaseId: issue.id,
    body: issue.body ?? '',
    url: issueHtmlUrl(ctx.serverUrl, issue),
    resourcePath: `/${fullName(issue.repo)}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`,
    state: issue.state.toUpperCase(),
    stateReason: () => issue.stateReason?.toUpperCase() ?? null,
    closed: issue.state === 'closed',
    isDraft: false,
    merged: false,
    author: { __typename: 'User', login: 'octocat', url: `${ctx.serverUrl}/octocat` },
    labels: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(ordered(issue.labels, args.orderBy, labelOrder), args, info, (l) =>
        labelView(ctx, l)
      ),
    milestone: issue.milestone ? milestoneView(ctx, issue.milestone) : null,
    repository: () => repoView(ctx, issue.repo),
    comments: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(issue.comments, args, info, (c) => commentView(ctx, c)),
    // A token that cannot reach Projects sees none of the issue's items.
    projectItems: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(ctx.projects ? ctx.state.projectItemsOf(issue) : [], args, info, (item) =>
        itemView(ctx, item)
      ),
    // Lazy: a parent's view names its sub-issues, whose views name their parent.
    parent: () => (issue.parent ? issueView(ctx, issue.parent) : null),
    subIssues: (args: Args, _ctx: GraphqlContext, info: GraphQLResolveInfo) =>
      connection(issue.subIssues, args, info, (i) => issueView(ctx, i)),
    subIssuesSummary: () => {
      const total = issue.subIssues.length
      const completed = issue.subIssues.filter((i) => i.state === 'closed').length
      return {
        total,
        completed,
        percentCompleted: total === 0 ? 0 : Math.floor((100 * completed) / total)
      }
    }
  }
}

/** The fields of a record that GraphQL shows as they are stored. */
function stored<R extends object>(
  record: R,
  ...keys: (keyof R & string)[]
): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, record[key]]))
}

/** What every node view starts with: its type, its global id, and fields as stored. */
function nodeOf<R extends { nodeId: string }>(
  typename: string,
  record: R,
  ...keys: (keyof R & string)[]
): Record<string, unknown> {
  return { __typename: typename, id: record.nodeId, ...stored(record, ...keys) }
}

function labelView(ctx: GraphqlContext, label: LabelRecord): object {
  return {
    ...nodeOf('Label', label, 'name', 'color', 'description', 'isDefault', 'createdAt'),
    url: `${ctx.serverUrl}/${fullName(label.repo)}/labels/${encodeURIComponent(label.name)}`,
    repository: () => repoView(ctx, label.repo)
  }
}

function milestoneView(ctx: GraphqlContext, milestone: MilestoneRecord): object {
  const counts = ctx.state.milestoneCounts(milestone)
  const total = counts.open + counts.closed
  return {
    ...nodeOf('Milestone', milestone, 'number', 'title', 'description'),
    url: `${ctx.serverUrl}/${fullName(milestone.repo)}/milestone/${milestone.number}`,
    resourcePath: `/${fullName(milestone.repo)}/milestone/${milestone.number}`,
    state: milestone.state.toUpperCase(),
    closed: milestone.state === 'closed',
    ...stored(milestone, 'closedAt', 'createdAt', 'updatedAt'),
    dueOn: null,
    progressPercentage: total === 0 ? 0 : (100 * counts.closed) / total,
    repository: () => repoView(ctx, milestone.repo)
  }
}

function commentView(ctx: GraphqlContext, comment: CommentRecord): object {
  return {
    ...nodeOf('IssueComment', comment, 'body', 'createdAt'),
    databaseId: comment.id,
    // The token is the Actions bot's: its own comments are the ones it authored.
    viewerDidAuthor: comment.author === API_ACTOR,
    url: `${issueHtmlUrl(ctx.serverUrl, comment.issue)}#issuecomment-${comment.id}`,
    author: {
      __typename: 'Bot',
      // GraphQL names the Actions bot without the `[bot]` suffix that REST shows.
      login: comment.author.replace(/\[bot\]$/, ''),
      url: `${ctx.serverUrl}/apps/github-actions`
    }
  }
}

// ---- connections -----------------------------------------------------------

const MAX_PAGE = 100

function cursorOf(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64')
}

function indexOfCursor(cursor: unknown): number {
  const text = typeof cursor === 'string' ? Buffer.from(cursor, 'base64').toString() : ''
  const match = /^cursor:v2:(\d+)$/.exec(text)
  if (!match) {
    throw new GitHubGraphqlError(
      'INVALID_CURSOR_ARGUMENTS',
      `\`${String(cursor)}\` does not appear to be a valid cursor.`
    )
  }
  return Number(match[1])
}

/** Whether the query reads the items of the connection, not just its totalCount. */
function selectsItems(info: GraphQLResolveInfo): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === Kind.FIELD) {
        return ['nodes', 'edges', 'pageInfo'].includes(selection.name.value)
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet)
      return visit(info.fragments[selection.name.value]?.selectionSet)
    })
  return info.fieldNodes.some((node) => visit(node.selectionSet))
}

/** A Relay connection with GitHub's pagination rules (first/last required, at most 100). */
function connection<T>(
  items: readonly T[],
  args: Args,
  info: GraphQLResolveInfo,
  toNode: (item: T) => object
): object {
  const name = info.fieldName
  const first = typeof args.first === 'number' ? args.first : undefined
  const last = typeof args.last === 'number' ? args.last : undefined
  for (const [key, value] of [
    ['first', first],
    ['last', last]
  ] as const) {
    if (value === undefined) continue
    if (value < 0) {
      throw new GitHubGraphqlError(
        'UNPROCESSABLE',
        `\`${key}\` on the \`${name}\` connection cannot be less than zero.`
      )
    }
    if (value > MAX_PAGE) {
      throw new GitHubGraphqlError(
        'EXCESSIVE_PAGINATION',
        `Requesting ${value} records on the \`${name}\` connection exceeds the \`${key}\` limit of ${MAX_PAGE} records.`
      )
    }
  }
  if (first === undefined && last === undefined && selectsItems(info)) {
    throw new GitHubGraphqlError(
      'MISSING_PAGINATION_BOUNDARIES',
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`
    )
  }
  const lower = args.after != null ? indexOfCursor(args.after) + 1 : 0
  const upper =
    args.before != null ? Math.min(items.length, indexOfCursor(args.before)) : items.length
  let start = Math.min(lower, upper)
  let end = upper
  if (first !== undefined) end = Math.min(end, start + first)
  if (last !== undefined) start = Math.max(start, end - last)
  const edges = items.slice(start, end).map((item, i) => ({
    cursor: cursorOf(start + i),
    node: toNode(item)
  }))
  return {
    totalCount: items.length,
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null
    }
  }
}
