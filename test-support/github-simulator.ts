/**
 * A stateful GitHub on 127.0.0.1 for end-to-end tests, the benchmark and the
 * demo: REST and GraphQL over one model, token check, rate-limit accounting,
 * a request log and deterministic fault injection.
 *
 *   const sim = await startSimulator()
 *   sim.addRepo('acme/payments')
 *   sim.addIssue('acme/payments', { number: 10, labels: ['bug'] })
 *   … run the action against sim.apiUrl / sim.graphqlUrl …
 *   expect(sim.issue('acme/payments', 10).labels).toEqual(['bug', 'debussy:completed'])
 *   await sim.close()
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { GraphQLSchema } from 'graphql'
import {
  analyseGraphql,
  executeGraphql,
  type GraphqlAnalysis,
  type RateLimitInfo
} from './simulator-graphql.js'
import { loadGraphqlSchema } from './graphql-schema.js'
import { errorBody, handleRest, notFound, type RestResponse } from './simulator-rest.js'
import {
  SimulatorState,
  SimulatorUsageError,
  labelKey,
  type IssueView,
  type LabelView,
  type MilestoneState,
  type MilestoneView,
  type NewIssue,
  type NewLabel,
  type NewMilestone,
  type NewProject,
  type ProjectRecord
} from './simulator-state.js'

export { SimulatorUsageError }
export type { IssueView, LabelView, MilestoneView, NewIssue, NewLabel, NewMilestone, NewProject }

/** A project's item as a test reads it back: the issue, its single-select values, and field writes. */
export interface ProjectItemView {
  readonly issue: string
  /** Field name → option name, for the fields that have a value. */
  readonly values: Record<string, string>
  readonly updates: number
}

export interface SimulatorOptions {
  /** The only token accepted; default `ghs_simulator_token`. */
  readonly token?: string
  /**
   * A second token accepted (a PAT) that reaches Projects; when set, `token`
   * cannot reach them, as GITHUB_TOKEN cannot. Unset: `token` reaches them.
   */
  readonly projectToken?: string
  /** `dotcom`: API at the root; `ghes`: REST under `/api/v3`, GraphQL at `/api/graphql`. */
  readonly layout?: 'dotcom' | 'ghes'
  /** Requests per hour in each bucket (`core`, `graphql`); default 5000 as for an installation. */
  readonly rateLimit?: number
  /** Seeds the request ids, so two runs with the same seed answer byte for byte alike. */
  readonly seed?: number
  /** Ends the simulator's own waits (`slow`, `hang`, a lost `timeout`); default real timers. */
  readonly timers?: SimulatorTimers
}

/** How the simulator lets its own waits pass: a test can hold and end them (heldTimers()). */
export interface SimulatorTimers {
  /** Calls `fire` after `ms`; returns a function that cancels it. */
  readonly start: (ms: number, fire: () => void) => () => void
}

const REAL_TIMERS: SimulatorTimers = {
  start: (ms, fire) => {
    const timer = setTimeout(fire, ms)
    return () => clearTimeout(timer)
  }
}

/** Timers that wait for the test: it sees each wait asked for and ends them itself. */
export interface HeldTimers extends SimulatorTimers {
  /** Every wait started, in ms, in order. */
  readonly asked: readonly number[]
  /** Resolves once `count` waits have been started in all. */
  readonly started: (count: number) => Promise<void>
  /** Ends the waits not yet ended or cancelled, as if their time had passed. */
  readonly fireAll: () => void
}

export function heldTimers(): HeldTimers {
  const asked: number[] = []
  const pending = new Set<() => void>()
  let waiting: { count: number; resolve: () => void }[] = []
  return {
    asked,
    start: (ms, fire) => {
      asked.push(ms)
      pending.add(fire)
      for (const w of waiting) if (asked.length >= w.count) w.resolve()
      waiting = waiting.filter((w) => asked.length < w.count)
      return () => pending.delete(fire)
    },
    started: (count) =>
      asked.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, resolve })),
    fireAll: () => {
      const due = [...pending]
      pending.clear()
      for (const fire of due) fire()
    }
  }
}

/** A `repository_dispatch` the simulator accepted. */
export interface Dispatch {
  readonly repo: string
  readonly eventType: string
  readonly clientPayload: Record<string, unknown>
}

export type RequestKind = 'rest' | 'graphql'
export type OperationType = 'query' | 'mutation'

export interface LoggedRequest {
  readonly method: string
  /**
   * REST: the path below `apiUrl` with its query string, as sent (percent-encoded).
   * GraphQL: `/graphql` in both layouts.
   */
  readonly path: string
  /** The raw request target on the server, e.g. `/api/v3/repos/…` for GHES. */
  readonly url: string
  readonly kind: RequestKind
  readonly operation?: OperationType
  /** Top-level fields of a GraphQL mutation: how many writes it asks for. */
  readonly mutationFields: number
  /** Status answered; 0 while pending and for a reset or hung request. */
  readonly status: number
  /** Any non-GET/HEAD REST request, and any GraphQL mutation. */
  readonly write: boolean
  /** The parsed JSON body, if any. */
  readonly body?: unknown
  /** Whether an Authorization header came; its value is never kept. */
  readonly authorization: boolean
  /** The User-Agent header, as GitHub asks every client to send one. */
  readonly userAgent: string | undefined
  /** Arrival time, ms since the epoch: for checking waits between requests. */
  readonly at: number
  /** The fault served instead of (or, for `slow`, before) the normal answer. */
  readonly fault?: FaultKind
}

export type FaultKind =
  | 'server-error'
  | 'reset'
  | 'slow'
  | 'hang'
  | 'secondary-rate-limit'
  | 'secondary-rate-limit-429'
  | 'primary-rate-limit'
  | 'graphql-rate-limited'
  | 'too-many-requests'
  | 'applied-then-lost'
  | 'malformed'

/**
 * How the answer of an `applied-then-lost` request goes missing after the
 * write was made: the connection reset, no answer until the client gives up,
 * a 5xx from a proxy in front of GitHub, or a 200 whose body cannot be read.
 */
export type LostAnswer = 'reset' | 'timeout' | 'server-error' | 'malformed'

/** A 200 whose body a client cannot use: JSON without `data`, an HTML page, JSON cut short. */
export type MalformedBody = 'no-data' | 'html' | 'truncated'

export interface FaultMatch {
  readonly method?: string
  /** A string matches the logged path with or without its query, encoded or decoded. */
  readonly path?: string | RegExp
  readonly kind?: RequestKind
  readonly operation?: OperationType
}

export interface FaultSpec {
  readonly kind: FaultKind
  /** Which requests it hits; `graphql-rate-limited` defaults to `{ kind: 'graphql' }`. */
  readonly match?: FaultMatch
  /** How many matching requests it hits (default 1; `Infinity` for all). */
  readonly times?: number
  /** `server-error` status (default 502). */
  readonly status?: number
  /** `retry-after` seconds of the secondary limits and `too-many-requests` (default 60). */
  readonly retryAfter?: number
  /** `primary-rate-limit`, `graphql-rate-limited`: the budget resets this many seconds from now (default 60). */
  readonly resetInSeconds?: number
  /** `slow`: delay before answering (default 1000); `hang`, lost `timeout`: when the server gives up (≤ 60 s). */
  readonly delayMs?: number
  /**
   * `slow`: GitHub gets to the request only after the client has given up on
   * it. The request is handled (a write is made), then its answer is held as a
   * lost `timeout` holds it (`onHold`: a test's clock ends the attempt at once),
   * and sent after `delayMs` only if the client still waits.
   */
  readonly late?: boolean
  /** `applied-then-lost`: how the answer is lost (default `reset`). */
  readonly lost?: LostAnswer
  /** `malformed`, and lost `malformed`: the body served (default `no-data`). */
  readonly body?: MalformedBody
}

export type RequestHook = (request: LoggedRequest) => void | Promise<void>

/** An answer exactly as sent: status, headers (lower-case names) and body text. */
export interface LoggedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

export type ResponseHook = (request: LoggedRequest, response: LoggedResponse) => void

const DEFAULT_TOKEN = 'ghs_simulator_token'
const INSTALLATION_ID = 12345678
const MAX_HANG_MS = 60_000
const MAX_BODY_BYTES = 25 * 1024 * 1024

interface Bucket {
  readonly resource: 'core' | 'graphql'
  readonly limit: number
  used: number
  /** Epoch seconds. */
  reset: number
}

type MutableLogged = { -readonly [K in keyof LoggedRequest]: LoggedRequest[K] }

interface ActiveFault {
  readonly spec: FaultSpec
  remaining: number
}

interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** mulberry32: a small seeded generator, so request ids are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class GitHubSimulator {
  /** Where REST lives, as GITHUB_API_URL. */
  readonly apiUrl: string
  /** Where GraphQL lives, as GITHUB_GRAPHQL_URL. */
  readonly graphqlUrl: string
  /** The web root for `html_url`s: https://github.com, or the server itself for GHES. */
  readonly serverUrl: string
  readonly token: string
  readonly projectToken: string | undefined
  readonly layout: 'dotcom' | 'ghes'
  /** Faults actually served. */
  faultsInjected = 0

  private readonly state = new SimulatorState()
  private readonly log: MutableLogged[] = []
  private readonly hooks: RequestHook[] = []
  private readonly holdHooks: RequestHook[] = []
  private readonly responseHooks: ResponseHook[] = []
  private faults: ActiveFault[] = []
  private readonly buckets: Record<'core' | 'graphql', Bucket>
  private readonly random: () => number
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<{ cancel: () => void; release: () => void }>()
  private readonly clock: SimulatorTimers
  private closed = false

  /** Use startSimulator(). */
  constructor(
    private readonly server: Server,
    private readonly schema: GraphQLSchema,
    port: number,
    options: SimulatorOptions
  ) {
    this.token = options.token ?? DEFAULT_TOKEN
    this.projectToken = options.projectToken
    this.layout = options.layout ?? 'dotcom'
    const origin = `http://127.0.0.1:${port}`
    if (this.layout === 'ghes') {
      this.apiUrl = `${origin}/api/v3`
      this.graphqlUrl = `${origin}/api/graphql`
      this.serverUrl = origin
    } else {
      this.apiUrl = origin
      this.graphqlUrl = `${origin}/graphql`
      this.serverUrl = 'https://github.com'
    }
    const limit = options.rateLimit ?? 5000
    const reset = Math.floor(Date.now() / 1000) + 3600
    this.buckets = {
      core: { resource: 'core', limit, used: 0, reset },
      graphql: { resource: 'graphql', limit, used: 0, reset }
    }
    this.random = seeded(options.seed ?? 1)
    this.clock = options.timers ?? REAL_TIMERS
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    server.on('request', (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the simulator: answer 500 so the test sees it rather than a hang.
        const message = error instanceof Error ? error.message : String(error)
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
          res.end(JSON.stringify({ message: `simulator error: ${message}` }))
        }
      })
    })
  }

  // ---- state API ------------------------------------------------------------

  addRepo(repo: string): void {
    this.state.addRepo(repo)
  }

  addLabel(repo: string, label: NewLabel): void {
    this.state.createLabel(this.state.requireRepo(repo), label)
  }

  /** A Projects board; returns its number (its URL: serverUrl/orgs/OWNER/projects/N). */
  addProject(project: NewProject): number {
    return this.state.addProject(project).number
  }

  /** A person puts the issue on the board, optionally with a single-select value. */
  addProjectItem(
    owner: string,
    number: number,
    repo: string,
    issue: number,
    values: Record<string, string> = {}
  ): void {
    const project = this.projectRecord(owner, number)
    const item = this.state.addProjectItem(project, this.issueRecord(repo, issue))
    for (const [name, value] of Object.entries(values)) {
      const field = project.fields.find((f) => f.name === name)
      const option = field?.options.find((o) => o.name === value)
      if (!field || !option)
        throw new SimulatorUsageError(`no option "${value}" of field "${name}"`)
      item.values.set(field.nodeId, option.id)
    }
  }

  /** The project's items, in the order they were added. */
  projectItems(owner: string, number: number): ProjectItemView[] {
    const project = this.projectRecord(owner, number)
    return project.items.map((item) => {
      const values: Record<string, string> = {}
      for (const field of project.fields) {
        const option = field.options.find((o) => o.id === item.values.get(field.nodeId))
        if (option) values[field.name] = option.name
      }
      return {
        issue: `${item.content.repo.owner}/${item.content.repo.name}#${item.content.number}`,
        values,
        updates: item.updates
      }
    })
  }

  private projectRecord(owner: string, number: number): ProjectRecord {
    const project = this.state.projects.find(
      (p) => p.owner.toLowerCase() === owner.toLowerCase() && p.number === number
    )
    if (!project)
      throw new SimulatorUsageError(`no project ${owner}/${number}: addProject() it first`)
    return project
  }

  addMilestone(repo: string, milestone: NewMilestone): number {
    return this.state.addMilestone(this.state.requireRepo(repo), milestone).number
  }

  /** Labels not yet in the repository are created grey, as GitHub does. */
  addIssue(repo: string, issue: NewIssue = {}): number {
    return this.state.addIssue(this.state.requireRepo(repo), issue).number
  }

  addIssueLabel(repo: string, number: number, name: string): void {
    this.state.addIssueLabel(this.issueRecord(repo, number), name)
  }

  removeIssueLabel(repo: string, number: number, name: string): void {
    this.state.removeIssueLabel(this.issueRecord(repo, number), name)
  }

  deleteIssue(repo: string, number: number): void {
    this.state.deleteIssue(this.issueRecord(repo, number))
  }

  /** Returns the issue's number in `toRepo`. */
  transferIssue(repo: string, number: number, toRepo: string): number {
    const target = this.state.requireRepo(toRepo)
    return this.state.transferIssue(this.issueRecord(repo, number), target).number
  }

  /** A comment by someone (default: the Actions bot, as the action's own would be). */
  addComment(repo: string, number: number, body: string, author?: string): void {
    this.state.addComment(this.issueRecord(repo, number), body, author)
  }

  /** A person makes one issue a sub-issue of another (moving it from any parent it had). */
  addSubIssue(parentRepo: string, parent: number, repo: string, number: number): void {
    const refused = this.state.addSubIssue(
      this.issueRecord(parentRepo, parent),
      this.issueRecord(repo, number),
      true
    )
    if (refused !== undefined) throw new SimulatorUsageError(refused)
  }

  /** A person takes an issue out from under its parent. */
  removeSubIssue(repo: string, number: number): void {
    this.state.removeSubIssue(this.issueRecord(repo, number))
  }

  lockIssue(repo: string, number: number, locked = true): void {
    this.issueRecord(repo, number).locked = locked
  }

  closeIssue(
    repo: string,
    number: number,
    reason: 'completed' | 'not_planned' = 'completed'
  ): void {
    this.state.setIssueState(this.issueRecord(repo, number), 'closed', reason)
  }

  /** A person reopens the issue: GitHub then says stateReason REOPENED. */
  reopenIssue(repo: string, number: number): void {
    this.state.setIssueState(this.issueRecord(repo, number), 'open', null)
  }

  setMilestone(
    repo: string,
    number: number,
    change: { title?: string; description?: string | null; state?: MilestoneState }
  ): void {
    const milestone = this.milestoneRecord(repo, number)
    if (change.title !== undefined) milestone.title = change.title
    if (change.description !== undefined) milestone.description = change.description
    if (change.state !== undefined) milestone.state = change.state
  }

  /** A person moves the issue to another milestone (or out of any, with `undefined`). */
  setIssueMilestone(repo: string, number: number, milestone: number | undefined): void {
    this.issueRecord(repo, number).milestone =
      milestone === undefined ? undefined : this.milestoneRecord(repo, milestone)
  }

  deleteLabel(repo: string, name: string): void {
    const record = this.state.requireRepo(repo)
    this.state.deleteLabel(record, this.labelRecord(repo, name))
  }

  renameLabel(repo: string, oldName: string, newName: string): void {
    const label = this.labelRecord(repo, oldName)
    const clash = this.state.findLabel(this.state.requireRepo(repo), newName)
    if (clash && clash !== label) {
      throw new SimulatorUsageError(`label "${newName}" already exists in ${repo}`)
    }
    label.name = newName
  }

  // ---- readers --------------------------------------------------------------

  issue(repo: string, number: number): IssueView {
    return this.state.issueView(this.issueRecord(repo, number))
  }

  /** The issue's parent as `owner/repo#N`, if it has one. */
  parentOf(repo: string, number: number): string | undefined {
    const parent = this.issueRecord(repo, number).parent
    return parent && `${parent.repo.owner}/${parent.repo.name}#${parent.number}`
  }

  /** The issue's sub-issues as `owner/repo#N`, in the order they were added. */
  subIssuesOf(repo: string, number: number): string[] {
    return this.issueRecord(repo, number).subIssues.map(
      (child) => `${child.repo.owner}/${child.repo.name}#${child.number}`
    )
  }

  /** How many closes were applied to the issue (also to one already closed): a second is a duplicate. */
  closesOf(repo: string, number: number): number {
    return this.issueRecord(repo, number).closes
  }

  milestone(repo: string, number: number): MilestoneView {
    return this.state.milestoneView(this.milestoneRecord(repo, number))
  }

  labels(repo: string): LabelView[] {
    return this.state.requireRepo(repo).labels.map((label) => ({
      name: label.name,
      color: label.color,
      description: label.description
    }))
  }

  label(repo: string, name: string): LabelView | undefined {
    const key = labelKey(name)
    return this.labels(repo).find((label) => labelKey(label.name) === key)
  }

  private issueRecord(repo: string, number: number) {
    const record = this.state.requireRepo(repo).issues.get(number)
    if (!record) throw new SimulatorUsageError(`no issue ${repo}#${number}`)
    return record
  }

  private milestoneRecord(repo: string, number: number) {
    const record = this.state.requireRepo(repo).milestones.get(number)
    if (!record) throw new SimulatorUsageError(`no milestone ${number} in ${repo}`)
    return record
  }

  private labelRecord(repo: string, name: string) {
    const record = this.state.findLabel(this.state.requireRepo(repo), name)
    if (!record) throw new SimulatorUsageError(`no label "${name}" in ${repo}`)
    return record
  }

  // ---- request log, hooks and faults -------------------------------------------

  /** Every request received, in arrival order (faulted ones included). */
  get requests(): readonly LoggedRequest[] {
    return this.log
  }

  writes(): LoggedRequest[] {
    return this.log.filter((request) => request.write)
  }

  /** The repository_dispatch events GitHub accepted (204), in arrival order. */
  dispatches(): Dispatch[] {
    return this.log.flatMap((request) => {
      const m = /^\/repos\/([^/]+)\/([^/?]+)\/dispatches(?:\?|$)/.exec(request.path)
      if (request.method !== 'POST' || request.status !== 204 || !m) return []
      const body = request.body as { event_type: string; client_payload?: Record<string, unknown> }
      return [
        {
          repo: `${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`,
          eventType: body.event_type,
          clientPayload: body.client_payload ?? {}
        }
      ]
    })
  }

  resetLog(): void {
    this.log.length = 0
  }

  /**
   * Calls `hook` with each request before it is handled (awaited), so a test
   * can change GitHub between the action's reads and its writes. Returns an
   * unsubscribe function.
   */
  onRequest(hook: RequestHook): () => void {
    this.hooks.push(hook)
    return () => {
      const index = this.hooks.indexOf(hook)
      if (index >= 0) this.hooks.splice(index, 1)
    }
  }

  /**
   * Calls `hook` when a request's answer starts being held (a `hang`, a `late`
   * `slow` answer or an `applied-then-lost` timeout, after the change was
   * made), so a test's clock
   * can end the client's attempt then rather than after real time.
   */
  onHold(hook: RequestHook): () => void {
    this.holdHooks.push(hook)
    return () => {
      const index = this.holdHooks.indexOf(hook)
      if (index >= 0) this.holdHooks.splice(index, 1)
    }
  }

  /**
   * Calls `hook` with each answer as it is sent (not for a reset or hung
   * request), so a test can check what GitHub's clients receive byte for byte.
   * Returns an unsubscribe function.
   */
  onResponse(hook: ResponseHook): () => void {
    this.responseHooks.push(hook)
    return () => {
      const index = this.responseHooks.indexOf(hook)
      if (index >= 0) this.responseHooks.splice(index, 1)
    }
  }

  injectFault(spec: FaultSpec): void {
    const times = spec.times ?? 1
    if (!(times > 0)) throw new SimulatorUsageError('fault times must be positive')
    this.faults.push({ spec, remaining: times })
  }

  clearFaults(): void {
    this.faults = []
  }

  /** Budget left in a bucket, as x-ratelimit-remaining says it. */
  rateLimitRemaining(resource: 'core' | 'graphql' = 'core'): number {
    const bucket = this.bucket(resource)
    return Math.max(0, bucket.limit - bucket.used)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const entry of this.timers) {
      entry.cancel()
      entry.release()
    }
    this.timers.clear()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    // Keep-alive and hung connections would otherwise hold close() open.
    this.server.closeAllConnections()
    for (const socket of this.sockets) socket.destroy()
    await done
  }

  // ---- request handling ------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const target = new URL(req.url ?? '/', 'http://127.0.0.1')
    const route = this.classify(target.pathname)
    const raw = await readBody(req)
    let body: unknown
    let badJson = false
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown
      } catch {
        badJson = true
      }
    }
    const analysis =
      route.kind === 'graphql' && method === 'POST' ? analyseGraphql(body) : undefined
    const operation =
      analysis?.operation === 'query' || analysis?.operation === 'mutation'
        ? analysis.operation
        : undefined
    const entry: MutableLogged = {
      method,
      path: route.kind === 'graphql' ? '/graphql' : `${route.path}${target.search}`,
      url: req.url ?? '/',
      kind: route.kind,
      ...(operation ? { operation } : {}),
      mutationFields: analysis?.mutationFields ?? 0,
      status: 0,
      write:
        route.kind === 'graphql' ? operation === 'mutation' : !['GET', 'HEAD'].includes(method),
      ...(body !== undefined ? { body } : {}),
      authorization: req.headers.authorization !== undefined,
      userAgent: req.headers['user-agent'],
      at: Date.now()
    }
    this.log.push(entry)
    for (const hook of [...this.hooks]) await hook(entry)
    if (this.closed) return

    const bucket = this.bucket(route.kind === 'graphql' ? 'graphql' : 'core')
    // An `applied-then-lost` fault lets the request be handled, then loses its answer.
    let losing: FaultSpec | undefined
    const send = (answer: Answer, headers: Record<string, string> = {}): void => {
      const all = { ...this.rateHeaders(bucket), ...headers }
      if (losing !== undefined) {
        this.loseAnswer(losing, req, res, entry, answer, all)
        return
      }
      entry.status = answer.status
      this.respond(res, entry, answer, all)
    }

    if (!this.authorized(req.headers.authorization)) {
      const docs = route.kind === 'graphql' ? 'https://docs.github.com/graphql' : undefined
      const message = req.headers.authorization ? 'Bad credentials' : 'Requires authentication'
      send({
        status: 401,
        body: errorBody(401, message, docs ? { documentation_url: docs } : {})
      })
      return
    }

    const fault = this.takeFault(entry)
    if (fault) {
      entry.fault = fault.kind
      this.faultsInjected++
      if (fault.kind === 'applied-then-lost' || (fault.kind === 'slow' && fault.late === true))
        losing = fault
      else {
        const handled = await this.serveFault(fault, req, res, entry, bucket)
        if (handled || this.closed) return
      }
    }

    if (target.pathname.replace(/\/$/, '') === this.restPrefix() + '/rate_limit') {
      // Asking for the budget does not spend it, as on GitHub.
      send({ status: 200, body: this.rateLimitBody() })
      return
    }

    if (bucket.used >= bucket.limit) {
      bucket.used = bucket.limit
      const message = `API rate limit exceeded for installation ID ${INSTALLATION_ID}.`
      // GraphQL reports its own budget in the body, with 200; REST answers 403.
      if (route.kind === 'graphql') {
        send({ status: 200, body: { errors: [{ type: 'RATE_LIMITED', message }] } })
      } else {
        send({
          status: 403,
          body: errorBody(403, message, {
            documentation_url:
              'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-rate-limit-for-the-rest-api'
          })
        })
      }
      return
    }
    bucket.used++

    if (badJson) {
      send({ status: 400, body: errorBody(400, 'Problems parsing JSON') })
      return
    }
    send(
      await this.answer(route, method, target, body, analysis, {
        projects:
          this.projectToken === undefined ||
          this.bearer(req.headers.authorization) === this.projectToken
      })
    )
  }

  private async answer(
    route: Route,
    method: string,
    target: URL,
    body: unknown,
    analysis: GraphqlAnalysis | undefined,
    access: { readonly projects: boolean }
  ): Promise<Answer> {
    if (route.kind === 'graphql') {
      if (method !== 'POST' || !analysis) return notFound()
      const data = await executeGraphql(
        this.schema,
        {
          state: this.state,
          serverUrl: this.serverUrl,
          rateLimit: () => this.rateInfo(this.buckets.graphql),
          projects: access.projects
        },
        body,
        analysis
      )
      return { status: 200, body: data }
    }
    if (route.outside) return notFound()
    let segments: string[]
    try {
      segments = route.path
        .split('/')
        .filter((segment) => segment !== '')
        .map((segment) => decodeURIComponent(segment))
    } catch {
      return notFound()
    }
    const response: RestResponse = handleRest(
      { state: this.state, apiUrl: this.apiUrl, serverUrl: this.serverUrl },
      { method, segments, query: target.searchParams, body }
    )
    return response
  }

  private classify(pathname: string): Route {
    if (this.layout === 'ghes') {
      if (pathname === '/api/graphql') return { kind: 'graphql', path: '/graphql', outside: false }
      if (pathname === '/api/v3' || pathname.startsWith('/api/v3/')) {
        return { kind: 'rest', path: pathname.slice('/api/v3'.length) || '/', outside: false }
      }
      return { kind: 'rest', path: pathname, outside: true }
    }
    if (pathname === '/graphql') return { kind: 'graphql', path: '/graphql', outside: false }
    return { kind: 'rest', path: pathname, outside: false }
  }

  private restPrefix(): string {
    return this.layout === 'ghes' ? '/api/v3' : ''
  }

  private authorized(header: string | undefined): boolean {
    const token = this.bearer(header)
    return token !== undefined && (token === this.token || token === this.projectToken)
  }

  private bearer(header: string | undefined): string | undefined {
    return /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
  }

  private takeFault(entry: LoggedRequest): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !matches(fault.spec, entry)) continue
      fault.remaining--
      this.faults = this.faults.filter((f) => f.remaining > 0)
      return fault.spec
    }
    return undefined
  }

  /** Serves a fault; returns false when the normal answer should follow (`slow`). */
  private async serveFault(
    fault: FaultSpec,
    req: IncomingMessage,
    res: ServerResponse,
    entry: MutableLogged,
    bucket: Bucket
  ): Promise<boolean> {
    const send = (answer: Answer, headers: Record<string, string> = {}): boolean => {
      entry.status = answer.status
      this.respond(res, entry, answer, { ...this.rateHeaders(bucket), ...headers })
      return true
    }
    const requestId = (): string => res.getHeader('x-github-request-id')?.toString() ?? ''
    switch (fault.kind) {
      case 'slow':
        await this.sleep(fault.delayMs ?? 1000)
        return false
      case 'reset':
        req.socket.destroy()
        return true
      case 'hang': {
        // Held open until the client gives up; the server gives up too, so nothing leaks.
        const wait = Math.min(fault.delayMs ?? MAX_HANG_MS, MAX_HANG_MS)
        const onClose = (): void => release()
        const release = this.sleepHandle(wait, () => req.socket.destroy())
        req.socket.once('close', onClose)
        for (const hook of [...this.holdHooks]) void hook(entry)
        return true
      }
      case 'server-error': {
        const status = fault.status ?? 502
        const messages: Record<number, string> = {
          500: 'Server Error',
          502: 'Server Error',
          503: 'Service Unavailable',
          504: 'We couldn\u2019t respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.'
        }
        return send({ status, body: { message: messages[status] ?? 'Server Error' } })
      }
      case 'secondary-rate-limit':
      case 'secondary-rate-limit-429': {
        this.stampRequestId(res)
        const status = fault.kind === 'secondary-rate-limit' ? 403 : 429
        const message = `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId()}.`
        return send(
          {
            status,
            body: errorBody(status, message, {
              documentation_url:
                'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
            })
          },
          { 'retry-after': String(fault.retryAfter ?? 60) }
        )
      }
      case 'primary-rate-limit': {
        this.stampRequestId(res)
        const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60)
        const message = `API rate limit exceeded for installation ID ${INSTALLATION_ID}. If you reach out to GitHub Support for help, please include the request ID ${requestId()}.`
        return send(
          {
            status: 403,
            body: errorBody(403, message, {
              documentation_url:
                'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-rate-limit-for-the-rest-api'
            })
          },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(bucket.limit),
            'x-ratelimit-reset': String(reset)
          }
        )
      }
      case 'too-many-requests':
        // A 429 with nothing but its retry-after: no "secondary rate" wording, budget left.
        return send(
          { status: 429, body: errorBody(429, 'Too Many Requests') },
          { 'retry-after': String(fault.retryAfter ?? 60) }
        )
      case 'malformed':
        entry.status = 200
        this.respondRaw(res, entry, 200, malformedAnswer(fault.body, entry, undefined))
        return true
      case 'applied-then-lost':
        // Served by loseAnswer, after the request was handled.
        return false
      case 'graphql-rate-limited': {
        const message = `API rate limit exceeded for installation ID ${INSTALLATION_ID}.`
        const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60)
        return send(
          { status: 200, body: { errors: [{ type: 'RATE_LIMITED', message }] } },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(bucket.limit),
            'x-ratelimit-reset': String(reset)
          }
        )
      }
    }
  }

  /** The request was handled (the write made); now its answer goes missing, or comes late. */
  private loseAnswer(
    fault: FaultSpec,
    req: IncomingMessage,
    res: ServerResponse,
    entry: MutableLogged,
    answer: Answer,
    headers: Record<string, string>
  ): void {
    if (fault.kind === 'slow') {
      // A late answer: held like a lost timeout, then sent if the client still waits.
      const release = this.sleepHandle(fault.delayMs ?? 1000, () => {
        if (req.socket.destroyed) return
        entry.status = answer.status
        this.respond(res, entry, answer, headers)
      })
      req.socket.once('close', () => release())
      for (const hook of [...this.holdHooks]) void hook(entry)
      return
    }
    switch (fault.lost ?? 'reset') {
      case 'reset':
        req.socket.destroy()
        return
      case 'timeout': {
        const wait = Math.min(fault.delayMs ?? MAX_HANG_MS, MAX_HANG_MS)
        const release = this.sleepHandle(wait, () => req.socket.destroy())
        req.socket.once('close', () => release())
        for (const hook of [...this.holdHooks]) void hook(entry)
        return
      }
      case 'server-error': {
        const status = fault.status ?? 502
        entry.status = status
        this.respond(res, entry, { status, body: { message: 'Server Error' } }, {})
        return
      }
      case 'malformed':
        entry.status = 200
        this.respondRaw(res, entry, 200, malformedAnswer(fault.body, entry, answer))
    }
  }

  /** Sends a body as is (not JSON-encoded): for answers a client cannot read. */
  private respondRaw(
    res: ServerResponse,
    entry: LoggedRequest,
    status: number,
    answer: { readonly contentType: string; readonly text: string }
  ): void {
    if (res.destroyed || this.closed) return
    this.stampRequestId(res)
    res.writeHead(status, { 'content-type': answer.contentType })
    res.end(entry.method === 'HEAD' || answer.text === '' ? undefined : answer.text)
  }

  private stampRequestId(res: ServerResponse): void {
    if (!res.hasHeader('x-github-request-id'))
      res.setHeader('x-github-request-id', this.requestId())
  }

  private respond(
    res: ServerResponse,
    entry: LoggedRequest,
    answer: Answer,
    headers: Record<string, string>
  ): void {
    if (res.destroyed || this.closed) return
    this.stampRequestId(res)
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body)
    const sent: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      ...headers,
      ...answer.headers
    }
    res.writeHead(answer.status, sent)
    const body = entry.method === 'HEAD' ? '' : text
    res.end(body === '' ? undefined : body)
    if (this.responseHooks.length > 0) {
      const response: LoggedResponse = {
        status: answer.status,
        headers: {
          'x-github-request-id': String(res.getHeader('x-github-request-id') ?? ''),
          ...Object.fromEntries(Object.entries(sent).map(([k, v]) => [k.toLowerCase(), v]))
        },
        text: body
      }
      for (const hook of [...this.responseHooks]) hook(entry, response)
    }
  }

  private bucket(resource: 'core' | 'graphql'): Bucket {
    const bucket = this.buckets[resource]
    const nowSeconds = Math.floor(Date.now() / 1000)
    if (nowSeconds >= bucket.reset) {
      // A new hour: the budget refills.
      bucket.used = 0
      bucket.reset = nowSeconds + 3600
    }
    return bucket
  }

  private rateHeaders(bucket: Bucket): Record<string, string> {
    return {
      'x-ratelimit-limit': String(bucket.limit),
      'x-ratelimit-remaining': String(Math.max(0, bucket.limit - bucket.used)),
      'x-ratelimit-used': String(bucket.used),
      'x-ratelimit-reset': String(bucket.reset),
      'x-ratelimit-resource': bucket.resource
    }
  }

  private rateInfo(bucket: Bucket): RateLimitInfo {
    return {
      limit: bucket.limit,
      remaining: Math.max(0, bucket.limit - bucket.used),
      used: bucket.used,
      resetAt: new Date(bucket.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
  }

  private rateLimitBody(): object {
    const json = (bucket: Bucket): object => ({
      limit: bucket.limit,
      used: bucket.used,
      remaining: Math.max(0, bucket.limit - bucket.used),
      reset: bucket.reset
    })
    const core = json(this.bucket('core'))
    // GitHub always lists the search bucket too (30 a minute); nothing here spends it.
    const search = { limit: 30, used: 0, remaining: 30, reset: Math.floor(Date.now() / 1000) + 60 }
    return { resources: { core, graphql: json(this.bucket('graphql')), search }, rate: core }
  }

  private requestId(): string {
    const hex = (digits: number): string =>
      Math.floor(this.random() * 16 ** digits)
        .toString(16)
        .toUpperCase()
        .padStart(digits, '0')
    return `${hex(4)}:${hex(4)}:${hex(7)}:${hex(7)}:${hex(8)}`
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sleepHandle(ms, resolve, resolve))
  }

  /** A timer that close() cancels (calling `onCancel`); returns a function that cancels it now. */
  private sleepHandle(ms: number, onTimeout: () => void, onCancel: () => void = () => {}) {
    const entry = {
      cancel: this.clock.start(ms, () => {
        this.timers.delete(entry)
        onTimeout()
      }),
      release: onCancel
    }
    this.timers.add(entry)
    return (): void => {
      entry.cancel()
      this.timers.delete(entry)
    }
  }
}

interface Route {
  readonly kind: RequestKind
  /** Below the REST root, or `/graphql`. */
  readonly path: string
  /** A GHES request outside /api/v3 and /api/graphql. */
  readonly outside: boolean
}

function matches(spec: FaultSpec, entry: LoggedRequest): boolean {
  const match = spec.match ?? (spec.kind === 'graphql-rate-limited' ? { kind: 'graphql' } : {})
  if (match.method !== undefined && match.method.toUpperCase() !== entry.method) return false
  if (match.kind !== undefined && match.kind !== entry.kind) return false
  if (match.operation !== undefined && match.operation !== entry.operation) return false
  if (match.path === undefined) return true
  const bare = entry.path.split('?')[0] ?? entry.path
  const candidates = [entry.path, bare, safeDecode(entry.path), safeDecode(bare)]
  if (typeof match.path === 'string') return candidates.includes(match.path)
  const pattern = match.path
  return candidates.some((candidate) => {
    // A global or sticky RegExp remembers lastIndex between calls; start afresh.
    pattern.lastIndex = 0
    return pattern.test(candidate)
  })
}

/**
 * A 200 body a client cannot use. `no-data`: GraphQL's `{}` (no `data`, no
 * `errors`), an empty body for REST; `html`: a proxy's page; `truncated`: the
 * real answer (or a mutation's) cut in half.
 */
function malformedAnswer(
  kind: MalformedBody | undefined,
  entry: LoggedRequest,
  answer: Answer | undefined
): { contentType: string; text: string } {
  const json = 'application/json; charset=utf-8'
  switch (kind ?? 'no-data') {
    case 'no-data':
      return { contentType: json, text: entry.kind === 'graphql' ? '{}' : '' }
    case 'html':
      return {
        contentType: 'text/html; charset=utf-8',
        text: '<!DOCTYPE html><html><body><h1>Unicorn!</h1><p>This page is taking too long to load.</p></body></html>'
      }
    case 'truncated': {
      const whole = JSON.stringify(answer?.body ?? { data: { m0: { clientMutationId: null } } })
      return { contentType: json, text: whole.slice(0, Math.max(1, Math.floor(whole.length / 2))) }
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.destroy()
        reject(new Error('request body too large'))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Starts a simulator on 127.0.0.1 at a free port; `close()` it when done. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<GitHubSimulator> {
  const schema = await loadGraphqlSchema()
  const server = createServer({ keepAlive: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return new GitHubSimulator(server, schema, port, options)
}
