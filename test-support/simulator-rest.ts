/**
 * The REST routes the action may use, answering with the JSON shapes, status
 * codes and error bodies that api.github.com uses, backed by SimulatorState.
 */
import {
  API_ACTOR,
  DEFAULT_LABEL_COLOR,
  fullName,
  now,
  type CommentRecord,
  type IssueRecord,
  type LabelRecord,
  type MilestoneRecord,
  type RepoRecord,
  type SimulatorState,
  type StateReason
} from './simulator-state.js'

export interface RestRequest {
  readonly method: string
  /** Path below the API root, already split on `/` and percent-decoded per segment. */
  readonly segments: readonly string[]
  readonly query: URLSearchParams
  readonly body: unknown
}

export interface RestResponse {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export interface RestContext {
  readonly state: SimulatorState
  /** REST root as the client sees it, for the `url` fields. */
  readonly apiUrl: string
  /** Web root, for the `html_url` fields. */
  readonly serverUrl: string
}

const DOCS = 'https://docs.github.com/rest'

export function errorBody(status: number, message: string, extra: object = {}): object {
  return { message, documentation_url: DOCS, ...extra, status: String(status) }
}

export function notFound(): RestResponse {
  return { status: 404, body: errorBody(404, 'Not Found') }
}

function validationFailed(errors: object[]): RestResponse {
  return { status: 422, body: errorBody(422, 'Validation Failed', { errors }) }
}

function invalid(resource: string, field: string, extra: object = {}): RestResponse {
  return validationFailed([{ resource, code: 'invalid', field, ...extra }])
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A thrown answer, so that deep helpers can stop a route with an error response. */
class Answer extends Error {
  constructor(readonly response: RestResponse) {
    super(`HTTP ${response.status}`)
  }
}

export function handleRest(ctx: RestContext, req: RestRequest): RestResponse {
  try {
    return route(ctx, req)
  } catch (error) {
    if (error instanceof Answer) return error.response
    throw error
  }
}

function route(ctx: RestContext, req: RestRequest): RestResponse {
  const method = req.method === 'HEAD' ? 'GET' : req.method
  const located = locateRepo(ctx, req.segments)
  if (!located) return notFound()
  const { repo, rest } = located
  const [resource, id, sub, subId, ...extra] = rest
  if (extra.length > 0) return notFound()

  if (resource === undefined) return method === 'GET' ? ok(repoJson(ctx, repo)) : notFound()

  if (resource === 'issues' && id !== undefined) {
    const number = parseNumber(id)
    if (number === undefined) return notFound()
    const issue = resolveIssue(ctx, repo, number, rest.slice(2))
    if (sub === undefined) {
      if (method === 'GET') return ok(issueJson(ctx, issue))
      if (method === 'PATCH') return updateIssue(ctx, issue, req.body)
      return notFound()
    }
    if (sub === 'labels') return issueLabels(ctx, issue, method, subId, req.body)
    if (sub === 'comments' && subId === undefined) {
      if (method === 'GET')
        return ok(page(issue.comments, req.query).map((c) => commentJson(ctx, c)))
      if (method === 'POST') return createComment(ctx, issue, req.body)
    }
    return notFound()
  }

  if (resource === 'labels' && sub === undefined) {
    if (id === undefined) {
      if (method === 'GET') return paged(ctx, repo, 'labels', repo.labels, req.query, labelJson)
      if (method === 'POST') return createLabel(ctx, repo, req.body)
      return notFound()
    }
    const label = ctx.state.findLabel(repo, id)
    if (!label) return notFound()
    if (method === 'GET') return ok(labelJson(ctx, label))
    if (method === 'PATCH') return updateLabel(ctx, repo, label, req.body)
    if (method === 'DELETE') {
      ctx.state.deleteLabel(repo, label)
      return { status: 204 }
    }
    return notFound()
  }

  if (resource === 'dispatches' && id === undefined) {
    return method === 'POST' ? createDispatch(req.body) : notFound()
  }

  if (resource === 'milestones' && sub === undefined) {
    if (id === undefined) {
      if (method === 'GET') return listMilestones(ctx, repo, req.query)
      return notFound()
    }
    const number = parseNumber(id)
    const milestone = number === undefined ? undefined : repo.milestones.get(number)
    if (!milestone) return notFound()
    if (method === 'GET') return ok(milestoneJson(ctx, milestone))
    if (method === 'PATCH') return updateMilestone(ctx, milestone, req.body)
    return notFound()
  }

  return notFound()
}

/**
 * `/repos/{owner}/{name}/…`, or `/repositories/{id}/…` as GitHub's `Link`
 * headers spell it; returns the segments after the repository.
 */
function locateRepo(
  ctx: RestContext,
  segments: readonly string[]
): { repo: RepoRecord; rest: readonly string[] } | undefined {
  const [first, a, b] = segments
  if (first === 'repos' && a !== undefined && b !== undefined) {
    const repo = ctx.state.repoByName(`${a}/${b}`)
    return repo && { repo, rest: segments.slice(3) }
  }
  if (first === 'repositories' && a !== undefined) {
    const id = parseNumber(a)
    const repo = id === undefined ? undefined : ctx.state.repoById(id)
    return repo && { repo, rest: segments.slice(2) }
  }
  return undefined
}

function ok(body: unknown, status = 200): RestResponse {
  return { status, body }
}

function parseNumber(text: string): number | undefined {
  return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : undefined
}

/** The issue at that number, or the 404 / 410 / 301 GitHub answers instead. */
function resolveIssue(
  ctx: RestContext,
  repo: RepoRecord,
  number: number,
  tail: readonly string[]
): IssueRecord {
  const issue = repo.issues.get(number)
  if (issue) return issue
  const tombstone = repo.tombstones.get(number)
  if (tombstone?.kind === 'deleted') {
    throw new Answer({
      status: 410,
      body: {
        message: 'This issue was deleted',
        documentation_url: 'https://docs.github.com/v3/issues/#get-an-issue',
        status: '410'
      }
    })
  }
  if (tombstone?.kind === 'transferred' && !tombstone.issue.deleted) {
    // The moved issue's URL, keeping whatever followed the number (e.g. /labels).
    const suffix = tail.map((segment) => `/${encodeURIComponent(segment)}`).join('')
    const target = `${issueApiUrl(ctx, tombstone.issue)}${suffix}`
    throw new Answer({
      status: 301,
      headers: { location: target },
      body: {
        message: 'Moved Permanently',
        url: target,
        documentation_url: 'https://docs.github.com/v3/#http-redirects'
      }
    })
  }
  throw new Answer(notFound())
}

function updateIssue(ctx: RestContext, issue: IssueRecord, body: unknown): RestResponse {
  if (!isRecord(body)) return problemsParsingJson()
  const { state, state_reason: stateReason, labels, milestone, title } = body
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    return invalid('Issue', 'state', { value: state })
  }
  const reasons: readonly unknown[] = ['completed', 'not_planned', 'reopened', 'duplicate', null]
  if (stateReason !== undefined && !reasons.includes(stateReason)) {
    return invalid('Issue', 'state_reason', { value: stateReason })
  }
  let labelNames: string[] | undefined
  if (labels !== undefined) {
    labelNames = labelNamesOf(labels)
    if (!labelNames) return invalid('Issue', 'labels')
  }
  let newMilestone: MilestoneRecord | null | undefined
  if (milestone === null) newMilestone = null
  else if (milestone !== undefined) {
    newMilestone = typeof milestone === 'number' ? issue.repo.milestones.get(milestone) : undefined
    if (!newMilestone) return invalid('Issue', 'milestone', { value: milestone })
  }
  if (title !== undefined && (typeof title !== 'string' || title === '')) {
    return invalid('Issue', 'title')
  }

  if (typeof title === 'string') issue.title = title
  if (labelNames) issue.labels = labelNames.map((n) => ctx.state.ensureLabel(issue.repo, n))
  if (newMilestone !== undefined) issue.milestone = newMilestone ?? undefined
  if (state === 'open' || state === 'closed') {
    ctx.state.setIssueState(issue, state, (stateReason ?? null) as StateReason | null)
  } else if (stateReason !== undefined && issue.state === 'closed' && !issue.pullRequest) {
    issue.stateReason = stateReason as StateReason | null
  }
  issue.updatedAt = now()
  return ok(issueJson(ctx, issue))
}

/** Label names as the label endpoints accept them: strings or `{name}` objects. */
function labelNamesOf(value: unknown): string[] | undefined {
  const list = isRecord(value) ? value.labels : value
  if (!Array.isArray(list)) return undefined
  const names: string[] = []
  for (const item of list as unknown[]) {
    const name = typeof item === 'string' ? item : isRecord(item) ? item.name : undefined
    if (typeof name !== 'string' || name.trim() === '') return undefined
    names.push(name)
  }
  return names
}

function issueLabels(
  ctx: RestContext,
  issue: IssueRecord,
  method: string,
  name: string | undefined,
  body: unknown
): RestResponse {
  const labels = (): RestResponse => ok(issue.labels.map((l) => labelJson(ctx, l)))
  if (name !== undefined) {
    if (method !== 'DELETE') return notFound()
    if (!ctx.state.removeIssueLabel(issue, name)) {
      return {
        status: 404,
        body: {
          message: 'Label does not exist',
          documentation_url:
            'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue',
          status: '404'
        }
      }
    }
    return labels()
  }
  if (method === 'GET') return labels()
  if (method === 'DELETE') {
    issue.labels = []
    return { status: 204 }
  }
  if (method === 'POST' || method === 'PUT') {
    const names = labelNamesOf(body)
    if (!names) return invalid('Label', 'labels')
    if (method === 'PUT') issue.labels = []
    for (const labelName of names) ctx.state.addIssueLabel(issue, labelName)
    return labels()
  }
  return notFound()
}

function createComment(ctx: RestContext, issue: IssueRecord, body: unknown): RestResponse {
  if (!isRecord(body)) return problemsParsingJson()
  if (typeof body.body !== 'string' || body.body === '') {
    return validationFailed([{ resource: 'IssueComment', code: 'missing_field', field: 'body' }])
  }
  if (issue.locked) {
    return {
      status: 403,
      body: errorBody(403, 'Unable to create comment because issue is locked.', {
        documentation_url: 'https://docs.github.com/articles/locking-conversations/'
      })
    }
  }
  const comment = ctx.state.addComment(issue, body.body)
  const json = commentJson(ctx, comment)
  // GitHub names the new resource in Location, as its description documents.
  return { status: 201, body: json, headers: { location: json.url } }
}

const COLOR = /^(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$/
const MAX_DESCRIPTION = 100

/** Checks color and description; returns the color as GitHub stores it. */
function checkLabelFields(body: Record<string, unknown>): RestResponse | { color?: string } {
  const { color, description } = body
  if (color !== undefined && (typeof color !== 'string' || !COLOR.test(color))) {
    return invalid('Label', 'color')
  }
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') return invalid('Label', 'description')
    if (description.length > MAX_DESCRIPTION) {
      return validationFailed([
        {
          resource: 'Label',
          code: 'custom',
          field: 'description',
          message: `description is too long (maximum is ${MAX_DESCRIPTION} characters)`
        }
      ])
    }
  }
  if (typeof color !== 'string') return {}
  // GitHub keeps the case it was given and spells out the three-digit form.
  return { color: color.length === 3 ? [...color].map((c) => c + c).join('') : color }
}

function createLabel(ctx: RestContext, repo: RepoRecord, body: unknown): RestResponse {
  if (!isRecord(body)) return problemsParsingJson()
  const { name, description } = body
  if (typeof name !== 'string' || name.trim() === '') {
    return validationFailed([{ resource: 'Label', code: 'missing_field', field: 'name' }])
  }
  const checked = checkLabelFields(body)
  if ('status' in checked) return checked
  if (ctx.state.findLabel(repo, name)) {
    return validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }])
  }
  const label = ctx.state.createLabel(repo, {
    name,
    color: checked.color ?? DEFAULT_LABEL_COLOR,
    description: typeof description === 'string' ? description : null
  })
  const json = labelJson(ctx, label)
  return { status: 201, body: json, headers: { location: json.url } }
}

function updateLabel(
  ctx: RestContext,
  repo: RepoRecord,
  label: LabelRecord,
  body: unknown
): RestResponse {
  if (!isRecord(body)) return problemsParsingJson()
  const checked = checkLabelFields(body)
  if ('status' in checked) return checked
  const newName = body.new_name
  if (newName !== undefined) {
    if (typeof newName !== 'string' || newName.trim() === '') return invalid('Label', 'name')
    const clash = ctx.state.findLabel(repo, newName)
    if (clash && clash !== label) {
      return validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }])
    }
    label.name = newName
  }
  if (checked.color !== undefined) label.color = checked.color
  if (body.description !== undefined) {
    label.description = typeof body.description === 'string' ? body.description : null
  }
  return ok(labelJson(ctx, label))
}

function listMilestones(ctx: RestContext, repo: RepoRecord, query: URLSearchParams): RestResponse {
  const state = query.get('state') ?? 'open'
  if (!['open', 'closed', 'all'].includes(state)) return invalid('Milestone', 'state')
  const direction = query.get('direction') === 'desc' ? -1 : 1
  // Every milestone here has no due date, so GitHub's default due_on order falls back to number.
  const milestones = [...repo.milestones.values()]
    .filter((m) => state === 'all' || m.state === state)
    .sort((a, b) => direction * (a.number - b.number))
  return paged(ctx, repo, 'milestones', milestones, query, milestoneJson)
}

function updateMilestone(
  ctx: RestContext,
  milestone: MilestoneRecord,
  body: unknown
): RestResponse {
  if (!isRecord(body)) return problemsParsingJson()
  const { title, description, state } = body
  if (title !== undefined && (typeof title !== 'string' || title.trim() === '')) {
    return invalid('Milestone', 'title')
  }
  if (description !== undefined && description !== null && typeof description !== 'string') {
    return invalid('Milestone', 'description')
  }
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    return invalid('Milestone', 'state')
  }
  if (typeof title === 'string') milestone.title = title
  if (description !== undefined) milestone.description = description
  if (state === 'open' || state === 'closed') {
    if (state !== milestone.state) milestone.closedAt = state === 'closed' ? now() : null
    milestone.state = state
  }
  milestone.updatedAt = now()
  return ok(milestoneJson(ctx, milestone))
}

function problemsParsingJson(): RestResponse {
  return { status: 400, body: errorBody(400, 'Problems parsing JSON') }
}

interface PageWindow {
  readonly perPage: number
  readonly page: number
}

function pageWindow(query: URLSearchParams): PageWindow {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30))
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
  return { perPage, page }
}

function page<T>(items: readonly T[], query: URLSearchParams): T[] {
  const { perPage, page: n } = pageWindow(query)
  return items.slice((n - 1) * perPage, n * perPage)
}

/** A list answer with GitHub's `Link` header, which octokit.paginate follows. */
function paged<T>(
  ctx: RestContext,
  repo: RepoRecord,
  resource: string,
  items: readonly T[],
  query: URLSearchParams,
  toJson: (ctx: RestContext, item: T) => unknown
): RestResponse {
  const { perPage, page: n } = pageWindow(query)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (p: number, rel: string): string => {
    const params = new URLSearchParams(query)
    params.set('page', String(p))
    return `<${ctx.apiUrl}/repositories/${repo.id}/${resource}?${params.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (n > 1) links.push(link(n - 1, 'prev'))
  if (n < last) links.push(link(n + 1, 'next'), link(last, 'last'))
  if (n > 1) links.push(link(1, 'first'))
  return {
    status: 200,
    body: page(items, query).map((item) => toJson(ctx, item)),
    ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {})
  }
}

// ---- JSON shapes -----------------------------------------------------------

/** A resource's JSON; its `url` is what Location names when it is created. */
type JsonWithUrl = { readonly url: string } & Record<string, unknown>

function repoApiUrl(ctx: RestContext, repo: RepoRecord): string {
  return `${ctx.apiUrl}/repos/${fullName(repo)}`
}

function issueApiUrl(ctx: RestContext, issue: IssueRecord): string {
  return `${repoApiUrl(ctx, issue.repo)}/issues/${issue.number}`
}

export function issueHtmlUrl(serverUrl: string, issue: IssueRecord): string {
  const kind = issue.pullRequest ? 'pull' : 'issues'
  return `${serverUrl}/${fullName(issue.repo)}/${kind}/${issue.number}`
}

/** The accounts that appear in answers: the Actions bot that the action writes as, and the issues' author. */
const ACCOUNTS: Record<
  string,
  { id: number; nodeId: string; type: 'Bot' | 'User' | 'Organization' }
> = {
  [API_ACTOR]: { id: 41898282, nodeId: 'MDM6Qm90NDE4OTgyODI=', type: 'Bot' },
  octocat: { id: 583231, nodeId: 'MDQ6VXNlcjU4MzIzMQ==', type: 'User' }
}

/** GitHub's simple-user, every field its description requires. */
function userJson(
  ctx: RestContext,
  login: string,
  account = ACCOUNTS[login] ?? { id: 9919, nodeId: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=', type: 'User' }
): object {
  const url = `${ctx.apiUrl}/users/${encodeURIComponent(login)}`
  const bot = account.type === 'Bot'
  return {
    login,
    id: account.id,
    node_id: account.nodeId,
    avatar_url: bot
      ? 'https://avatars.githubusercontent.com/in/15368?v=4'
      : `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: bot
      ? `${ctx.serverUrl}/apps/${login.replace(/\[bot\]$/, '')}`
      : `${ctx.serverUrl}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false
  }
}

/** GitHub's full-repository, every field its description requires. */
function repoJson(ctx: RestContext, repo: RepoRecord): object {
  const url = repoApiUrl(ctx, repo)
  const html = `${ctx.serverUrl}/${fullName(repo)}`
  const host = new URL(ctx.serverUrl).host
  const open = [...repo.issues.values()].filter((issue) => issue.state === 'open').length
  const created = '2024-01-02T03:04:05Z'
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: fullName(repo),
    private: false,
    owner: userJson(ctx, repo.owner, {
      id: 9919,
      nodeId: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=',
      type: 'Organization'
    }),
    html_url: html,
    description: null,
    fork: false,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: created,
    git_url: `git://${host}/${fullName(repo)}.git`,
    ssh_url: `git@${host}:${fullName(repo)}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: open,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: open,
    watchers: 0,
    default_branch: 'main',
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    network_count: 0,
    subscribers_count: 0
  }
}

export function labelJson(ctx: RestContext, label: LabelRecord): JsonWithUrl {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${repoApiUrl(ctx, label.repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.isDefault,
    description: label.description
  }
}

function milestoneJson(ctx: RestContext, milestone: MilestoneRecord): object {
  const counts = ctx.state.milestoneCounts(milestone)
  const url = `${repoApiUrl(ctx, milestone.repo)}/milestones/${milestone.number}`
  return {
    url,
    html_url: `${ctx.serverUrl}/${fullName(milestone.repo)}/milestone/${milestone.number}`,
    labels_url: `${url}/labels`,
    id: milestone.id,
    node_id: milestone.nodeId,
    number: milestone.number,
    title: milestone.title,
    description: milestone.description,
    creator: userJson(ctx, API_ACTOR),
    open_issues: counts.open,
    closed_issues: counts.closed,
    state: milestone.state,
    created_at: milestone.createdAt,
    updated_at: milestone.updatedAt,
    due_on: null,
    closed_at: milestone.closedAt
  }
}

function issueJson(ctx: RestContext, issue: IssueRecord): object {
  const url = issueApiUrl(ctx, issue)
  const htmlUrl = issueHtmlUrl(ctx.serverUrl, issue)
  return {
    url,
    repository_url: repoApiUrl(ctx, issue.repo),
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: htmlUrl,
    id: issue.id,
    node_id: issue.nodeId,
    number: issue.number,
    title: issue.title,
    user: userJson(ctx, 'octocat'),
    labels: issue.labels.map((label) => labelJson(ctx, label)),
    state: issue.state,
    locked: issue.locked,
    active_lock_reason: issue.locked ? 'resolved' : null,
    assignee: null,
    assignees: [],
    milestone: issue.milestone ? milestoneJson(ctx, issue.milestone) : null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: 'MEMBER',
    body: issue.body,
    state_reason: issue.stateReason,
    ...(issue.pullRequest
      ? {
          draft: false,
          pull_request: {
            url: `${repoApiUrl(ctx, issue.repo)}/pulls/${issue.number}`,
            html_url: htmlUrl,
            diff_url: `${htmlUrl}.diff`,
            patch_url: `${htmlUrl}.patch`,
            merged_at: null
          }
        }
      : {})
  }
}

function commentJson(ctx: RestContext, comment: CommentRecord): JsonWithUrl {
  const issue = comment.issue
  return {
    id: comment.id,
    node_id: comment.nodeId,
    url: `${repoApiUrl(ctx, issue.repo)}/issues/comments/${comment.id}`,
    html_url: `${issueHtmlUrl(ctx.serverUrl, issue)}#issuecomment-${comment.id}`,
    issue_url: issueApiUrl(ctx, issue),
    body: comment.body,
    user: userJson(ctx, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: 'NONE'
  }
}

/**
 * `POST /repos/{owner}/{repo}/dispatches`: 204 with no body, as GitHub
 * answers; a body its schema refuses gets GitHub's "Invalid request" 422.
 * The dispatches are read back from the request log (sim.dispatches()).
 */
function createDispatch(body: unknown): RestResponse {
  const refuse = (why: string): RestResponse => ({
    status: 422,
    body: errorBody(422, `Invalid request.\n\n${why}`)
  })
  if (!isRecord(body)) return refuse('The request body is not a JSON object.')
  const type = body.event_type
  if (typeof type !== 'string') {
    const shown = type === undefined ? 'nil' : JSON.stringify(type)
    return refuse(`For 'properties/event_type', ${shown} is not a string.`)
  }
  if (type.length < 1 || type.length > 100) {
    return refuse(`For 'properties/event_type', "${type}" is not 1 to 100 characters long.`)
  }
  const payload = body.client_payload
  if (payload !== undefined) {
    if (!isRecord(payload)) return refuse("For 'properties/client_payload', it is not an object.")
    const keys = Object.keys(payload).length
    if (keys > 10) return refuse(`No more than 10 properties are allowed; ${keys} were supplied.`)
  }
  return { status: 204 }
}
