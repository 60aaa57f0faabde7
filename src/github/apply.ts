/**
 * The one place that writes to GitHub. Operations go out in as few requests as
 * GitHub allows: labels created through REST only when missing, label changes,
 * comments and closes as aliased GraphQL mutations in batches, the milestone
 * through one REST read and at most one write. Failures are collected per
 * operation; the caller reports them once, at the end.
 */
import type { ObservedIssue, Operation, Snapshot } from '../domain.js'
import { formatIssueRef, parseRepo, repoKey } from '../issue-ref.js'
import type { MilestoneOutcome } from '../reconcile.js'
import type { GitHub } from './client.js'
import { graphqlPartial, type GqlError } from './observe.js'

/**
 * Mutation fields per request. Label changes create no content and notify no
 * one; a batch this size keeps one request far below GitHub's per-request
 * limits while a 100-issue event still takes a handful of requests.
 * See docs/GITHUB_SYNC.md ("Rate limits and API budget").
 */
export const LABEL_MUTATIONS_PER_REQUEST = 50
/**
 * Comments notify people and count as content creation: smaller batches, and
 * paced to GitHub's content limit (client.ts, content-pace.ts).
 */
export const CLOSE_MUTATIONS_PER_REQUEST = 20

export type OperationStatus = 'applied' | 'failed' | 'gone'

export interface OperationResult {
  readonly operation: Operation
  readonly status: OperationStatus
  /** Why it failed or was dropped, in GitHub's words where there are some. */
  readonly detail: string | undefined
}

/** The issues (`owner/repo#N`, lower-cased) of the results whose status matches. */
export function issuesOf(
  results: readonly OperationResult[],
  match: (status: OperationStatus) => boolean
): Set<string> {
  const issues = new Set<string>()
  for (const { operation, status } of results) {
    if (match(status) && 'issue' in operation) issues.add(operation.issue.toLowerCase())
  }
  return issues
}

export interface ApplyInput {
  readonly operations: readonly Operation[]
  readonly snapshot: Snapshot
  readonly milestone: MilestoneOutcome | undefined
}

interface Mutation {
  readonly operations: readonly Operation[]
  /** The field text, with `$vN` placeholders bound below. */
  readonly field: (alias: string, v: (value: unknown, type: string) => string) => string
  /** The issue's node id: a NOT_FOUND that names it means the issue is gone. */
  readonly subjectId: string
  /**
   * A NOT_FOUND that names something else is a label deleted during the run:
   * for a removal that is the state asked for; for an addition it is a failure
   * that a re-run mends (it creates the label again).
   */
  readonly labelGone?: 'applied' | 'failed'
  /** Checks the field's answer; says why it did not do what was asked. */
  readonly check?: (answer: unknown) => string | undefined
}

/** The names an addLabelsToLabelable answer says the issue now has. */
function answeredLabels(answer: unknown): string[] {
  const nodes = (
    answer as { labelable?: { labels?: { nodes?: ({ name?: unknown } | null)[] } } } | null
  )?.labelable?.labels?.nodes
  return (nodes ?? []).flatMap((node) => (typeof node?.name === 'string' ? [node.name] : []))
}

export async function applyOperations(
  github: GitHub,
  input: ApplyInput
): Promise<OperationResult[]> {
  const results: OperationResult[] = []
  const issues = new Map<string, Extract<ObservedIssue, { found: true }>>()
  for (const observed of input.snapshot.issues) {
    if (observed.found) issues.set(formatIssueRef(observed.ref).toLowerCase(), observed)
  }

  // Label ids by repository: the snapshot's, then the ones created here.
  const labelIds = new Map<string, string>()
  for (const [repo, labels] of input.snapshot.labels) {
    for (const [name, label] of labels) labelIds.set(`${repo}\n${name}`, label.id)
  }

  for (const operation of input.operations) {
    if (operation.op !== 'create_label') continue
    results.push(await createLabel(github, operation, labelIds))
  }

  const labelMutations: Mutation[] = []
  const commentMutations: Mutation[] = []
  const closeMutations: Mutation[] = []
  const byIssue = groupByIssue(input.operations)
  for (const [key, ops] of byIssue) {
    const observed = issues.get(key)
    if (observed === undefined) {
      for (const operation of ops)
        results.push({ operation, status: 'failed', detail: 'issue was not read' })
      continue
    }
    const repo = repoKey(observed.ref)
    const adds = ops.filter((op) => op.op === 'add_label')
    const removes = ops.filter((op) => op.op === 'remove_label')
    if (adds.length > 0) {
      const ids = adds.map((op) => labelIds.get(`${repo}\n${op.label.toLowerCase()}`))
      if (ids.some((id) => id === undefined)) {
        for (const operation of adds) {
          results.push({
            operation,
            status: 'failed',
            detail: `label "${operation.label}" could not be created`
          })
        }
      } else {
        const wanted = adds.map((op) => op.label.toLowerCase())
        labelMutations.push({
          operations: adds,
          subjectId: observed.id,
          labelGone: 'failed',
          field: (alias, v) =>
            `${alias}: addLabelsToLabelable(input: { labelableId: ${v(observed.id, 'ID!')}, labelIds: ${v(ids, '[ID!]!')} }) { labelable { __typename labels(first: 100) { nodes { name } } } }`,
          // A label renamed during the run keeps its id: the name must be checked.
          check: (answer) => {
            const names = answeredLabels(answer).map((name) => name.toLowerCase())
            const missing = wanted.filter((name) => !names.includes(name))
            return missing.length === 0
              ? undefined
              : `label "${missing.join('", "')}" was renamed or deleted during the run; re-run the job to create and apply it`
          }
        })
      }
    }
    // One field per label: a label deleted during the run fails only its own field.
    for (const operation of removes) {
      const ids = observed.labels
        .filter((l) => l.name.toLowerCase() === operation.label.toLowerCase())
        .map((l) => l.id)
      labelMutations.push({
        operations: [operation],
        subjectId: observed.id,
        labelGone: 'applied',
        field: (alias, v) =>
          `${alias}: removeLabelsFromLabelable(input: { labelableId: ${v(observed.id, 'ID!')}, labelIds: ${v(ids, '[ID!]!')} }) { clientMutationId }`
      })
    }
    for (const operation of ops) {
      if (operation.op === 'comment') {
        commentMutations.push({
          operations: [operation],
          subjectId: observed.id,
          field: (alias, v) =>
            `${alias}: addComment(input: { subjectId: ${v(observed.id, 'ID!')}, body: ${v(operation.body, 'String!')} }) { clientMutationId }`
        })
      } else if (operation.op === 'close_issue') {
        closeMutations.push({
          operations: [operation],
          subjectId: observed.id,
          field: (alias, v) =>
            `${alias}: closeIssue(input: { issueId: ${v(observed.id, 'ID!')}, stateReason: COMPLETED }) { clientMutationId }`
        })
      }
    }
  }

  results.push(
    ...(await runMutations(github, labelMutations, { perRequest: LABEL_MUTATIONS_PER_REQUEST }))
  )
  for (const operation of input.operations) {
    if (operation.op === 'update_milestone' && input.milestone !== undefined) {
      results.push(await updateMilestone(github, operation, input.milestone))
    }
  }
  // An issue is closed only once its completion comment is there: a re-run
  // then still posts the comment that a failed request left out.
  const commented = await writeOnce(github, commentMutations, issues, {
    perRequest: Math.min(CLOSE_MUTATIONS_PER_REQUEST, github.contentPerRequest),
    createsContent: true
  })
  results.push(...commented)
  const uncommented = issuesOf(commented, (status) => status !== 'applied')
  const closable = closeMutations.filter((m) => {
    const operation = m.operations[0]
    if (
      operation === undefined ||
      !('issue' in operation) ||
      !uncommented.has(operation.issue.toLowerCase())
    ) {
      return true
    }
    results.push({
      operation,
      status: 'failed',
      detail: 'not closed: its completion comment failed'
    })
    return false
  })
  results.push(
    ...(await writeOnce(github, closable, issues, { perRequest: CLOSE_MUTATIONS_PER_REQUEST }))
  )
  return results
}

function groupByIssue(operations: readonly Operation[]): Map<string, Operation[]> {
  const groups = new Map<string, Operation[]>()
  for (const operation of operations) {
    if (!('issue' in operation)) continue
    const key = operation.issue.toLowerCase()
    const list = groups.get(key) ?? []
    list.push(operation)
    groups.set(key, list)
  }
  return groups
}

async function createLabel(
  github: GitHub,
  operation: Extract<Operation, { op: 'create_label' }>,
  labelIds: Map<string, string>
): Promise<OperationResult> {
  const repo = parseRepo(operation.repo, 'create_label')
  const key = `${repoKey(repo)}\n${operation.label.toLowerCase()}`
  try {
    const created = await github.octokit.request('POST /repos/{owner}/{repo}/labels', {
      owner: repo.owner,
      repo: repo.repo,
      name: operation.label,
      color: operation.color,
      description: operation.description
    })
    labelIds.set(key, created.data.node_id)
    return { operation, status: 'applied', detail: undefined }
  } catch (error) {
    if (isAlreadyExists(error)) {
      // Another run created it between our read and this write: use theirs.
      try {
        const existing = await github.octokit.request('GET /repos/{owner}/{repo}/labels/{name}', {
          owner: repo.owner,
          repo: repo.repo,
          name: operation.label
        })
        labelIds.set(key, existing.data.node_id)
        return { operation, status: 'applied', detail: 'already existed' }
      } catch (again) {
        return { operation, status: 'failed', detail: describeError(again) }
      }
    }
    return { operation, status: 'failed', detail: describeError(error) }
  }
}

function isAlreadyExists(error: unknown): boolean {
  const response =
    (error as { status?: number; response?: { data?: { errors?: { code?: string }[] } } }) ?? {}
  return (
    response.status === 422 &&
    (response.response?.data?.errors ?? []).some((e) => e.code === 'already_exists')
  )
}

async function updateMilestone(
  github: GitHub,
  operation: Extract<Operation, { op: 'update_milestone' }>,
  outcome: MilestoneOutcome
): Promise<OperationResult> {
  const repo = parseRepo(operation.repo, 'update_milestone')
  try {
    // Re-read just before writing, so that an edit a person made since the
    // snapshot is kept: the rewrite only touches this plan's block.
    const fresh = await github.octokit.request(
      'GET /repos/{owner}/{repo}/milestones/{milestone_number}',
      {
        owner: repo.owner,
        repo: repo.repo,
        milestone_number: operation.milestone
      }
    )
    const current = fresh.data.description ?? ''
    const next =
      current === outcome.milestone.description ? operation.description : outcome.rewrite(current)
    if (next !== current) {
      await github.octokit.request('PATCH /repos/{owner}/{repo}/milestones/{milestone_number}', {
        owner: repo.owner,
        repo: repo.repo,
        milestone_number: operation.milestone,
        description: next
      })
    }
    return { operation, status: 'applied', detail: undefined }
  } catch (error) {
    return { operation, status: isGone(error) ? 'gone' : 'failed', detail: describeError(error) }
  }
}

interface Batching {
  readonly perRequest: number
  /** Not retried after a timeout or 5xx (see GitHub.graphql). */
  readonly once?: boolean
  /** Each field posts content (a comment): paced to GitHub's content limit. */
  readonly createsContent?: boolean
}

/** A result, and whether its request's answer was lost (the write may have been made). */
interface Sent extends OperationResult {
  readonly lost: boolean
}

/**
 * A request whose answer was lost after it left: a reset, a timeout, a 5xx
 * or an answer that could not be read (all reported with a 5xx status). A
 * 4xx is GitHub's own answer: the write was not made.
 */
function answerLost(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 500
}

/** Sends mutations in batches, one request at a time, mapping each field's error to its operations. */
async function runMutations(
  github: GitHub,
  mutations: readonly Mutation[],
  batching: Batching
): Promise<OperationResult[]> {
  return (await sendMutations(github, mutations, batching)).map(
    ({ operation, status, detail }) => ({ operation, status, detail })
  )
}

async function sendMutations(
  github: GitHub,
  mutations: readonly Mutation[],
  { perRequest, once = false, createsContent = false }: Batching
): Promise<Sent[]> {
  const results: Sent[] = []
  for (let start = 0; start < mutations.length; start += perRequest) {
    const batch = mutations.slice(start, start + perRequest)
    if (createsContent) await github.reserveContent(batch.length)
    const variables: Record<string, unknown> = {}
    const declarations: string[] = []
    const bind = (value: unknown, type: string): string => {
      const name = `v${declarations.length}`
      declarations.push(`$${name}: ${type}`)
      variables[name] = value
      return `$${name}`
    }
    const fields = batch.map((mutation, i) => mutation.field(`m${i}`, bind))
    const query = `mutation DebussySync(${declarations.join(', ')}) { ${fields.join(' ')} }`
    let errors: readonly GqlError[] = []
    let data: Record<string, unknown> = {}
    let failure: string | undefined
    let lost = false
    try {
      const answer = await github.graphql<Record<string, unknown> | undefined>(
        query,
        variables,
        once
      )
      // client.ts refuses a body without data; this guard keeps a crash out whatever the transport.
      if (typeof answer === 'object' && answer !== null) data = answer
      else {
        failure = 'GitHub answered without data'
        lost = true
      }
    } catch (error) {
      const partial = graphqlPartial(error)
      if (partial === undefined || partial.errors.some((e) => (e.path ?? []).length === 0)) {
        failure = describeError(error)
        lost = answerLost(error)
      } else {
        errors = partial.errors
        data = partial.data
      }
    }
    const errorByField = new Map<string, GqlError>()
    for (const error of errors) {
      const field = error.path?.[0]
      if (typeof field === 'string' && !errorByField.has(field)) errorByField.set(field, error)
    }
    batch.forEach((mutation, i) => {
      const error = errorByField.get(`m${i}`)
      const [status, detail] =
        failure !== undefined
          ? (['failed', failure] as const)
          : error !== undefined
            ? fieldError(mutation, error)
            : fieldAnswer(mutation, data[`m${i}`])
      for (const operation of mutation.operations) {
        results.push({ operation, status, detail, lost: failure !== undefined && lost })
      }
    })
  }
  return results
}

/** Rounds of "read, then send again what is not there" after a lost answer. */
const SETTLE_ROUNDS = 2

/**
 * Comments and closes, which people see: each is sent once, never retried
 * blindly by the client. When its answer is lost (a reset, a timeout, a 5xx,
 * an unreadable answer) GitHub may have made it, even a moment later; so wait
 * as long as an attempt may take, read the issues, and count what is there
 * (the comment's marker, the issue closed) as made. Only what the read shows
 * missing is sent again; what no read could settle fails, and the re-run
 * reads before it writes (observe finds the comment by its marker).
 */
async function writeOnce(
  github: GitHub,
  mutations: readonly Mutation[],
  issues: ReadonlyMap<string, Extract<ObservedIssue, { found: true }>>,
  batching: Omit<Batching, 'once'>
): Promise<OperationResult[]> {
  const final = new Map<Mutation, OperationResult>()
  let pending = mutations
  for (let round = 0; pending.length > 0; round++) {
    const sent = await sendMutations(github, pending, { ...batching, once: true })
    // One operation per mutation here: results come back in mutation order.
    const doubtful: Mutation[] = []
    pending.forEach((mutation, i) => {
      const result = sent[i]
      if (result === undefined) return
      if (result.lost) doubtful.push(mutation)
      final.set(mutation, {
        operation: result.operation,
        status: result.status,
        detail: result.detail
      })
    })
    if (doubtful.length === 0) break
    await new Promise((resolve) => setTimeout(resolve, github.attemptTimeoutMs))
    const seen = await readBack(github, doubtful, issues)
    const missing: Mutation[] = []
    for (const mutation of doubtful) {
      const operation = mutation.operations[0]
      const before = final.get(mutation)
      if (operation === undefined || before === undefined) continue
      const found = seen?.get(mutation)
      if (found === 'made') {
        final.set(mutation, {
          operation,
          status: 'applied',
          detail: `made, though its answer was lost (${before.detail ?? 'no answer'})`
        })
      } else if (found === 'gone') {
        final.set(mutation, { operation, status: 'gone', detail: 'the issue is no longer there' })
      } else if (found === 'missing' && round + 1 < SETTLE_ROUNDS) {
        missing.push(mutation)
      } else {
        final.set(mutation, {
          operation,
          status: 'failed',
          detail:
            found === 'missing'
              ? `not made: its answer was lost (${before.detail ?? 'no answer'}) and a read shows it missing; re-run the job`
              : `outcome unknown: its answer was lost (${before.detail ?? 'no answer'}) and the read to check it failed; a re-run reads before repeating it`
        })
      }
    }
    pending = missing
  }
  return mutations.flatMap((mutation) => {
    const result = final.get(mutation)
    return result === undefined ? [] : [result]
  })
}

/**
 * Reads back the issues of comments and closes whose answers were lost:
 * whether each comment (found by its last line, the marker) or close is
 * there. Undefined when the read itself fails.
 */
async function readBack(
  github: GitHub,
  mutations: readonly Mutation[],
  issues: ReadonlyMap<string, Extract<ObservedIssue, { found: true }>>
): Promise<Map<Mutation, 'made' | 'missing' | 'gone'> | undefined> {
  const ids = mutations.map((m) => {
    const operation = m.operations[0]
    return operation !== undefined && 'issue' in operation
      ? (issues.get(operation.issue.toLowerCase())?.id ?? m.subjectId)
      : m.subjectId
  })
  let nodes: ({ state?: string; comments?: { nodes: ({ body: string } | null)[] } } | null)[]
  try {
    const data = await github.graphql<{ nodes?: typeof nodes }>(
      'query DebussyConfirm($ids: [ID!]!) { nodes(ids: $ids) { ... on Issue { state comments(last: 50) { nodes { body } } } } }',
      { ids }
    )
    if (!Array.isArray(data?.nodes)) return undefined
    nodes = data.nodes
  } catch (error) {
    // A node deleted meanwhile comes back as a NOT_FOUND beside the others.
    const partial = graphqlPartial(error)
    const list = (partial?.data as { nodes?: unknown } | undefined)?.nodes
    if (partial === undefined || !Array.isArray(list)) return undefined
    nodes = list as typeof nodes
  }
  const seen = new Map<Mutation, 'made' | 'missing' | 'gone'>()
  mutations.forEach((mutation, i) => {
    const node = nodes[i]
    const operation = mutation.operations[0]
    if (node === null || node === undefined || operation === undefined) {
      seen.set(mutation, 'gone')
    } else if (operation.op === 'close_issue') {
      seen.set(mutation, node.state === 'CLOSED' ? 'made' : 'missing')
    } else if (operation.op === 'comment') {
      const marker = operation.body.split('\n').at(-1) ?? operation.body
      const bodies = (node.comments?.nodes ?? []).flatMap((c) => (c ? [c.body] : []))
      seen.set(mutation, bodies.some((body) => body.includes(marker)) ? 'made' : 'missing')
    }
  })
  return seen
}

/** A field's error: the issue gone (a warning), a label gone, or a failure. */
function fieldError(mutation: Mutation, error: GqlError): readonly [OperationStatus, string] {
  if (error.type !== 'NOT_FOUND') return ['failed', error.message]
  if (mutation.labelGone === undefined || error.message.includes(mutation.subjectId)) {
    return ['gone', error.message]
  }
  return mutation.labelGone === 'applied'
    ? ['applied', 'the label was deleted during the run']
    : [
        'failed',
        `a label was deleted during the run (${error.message}); re-run the job to create and apply it`
      ]
}

function fieldAnswer(
  mutation: Mutation,
  answer: unknown
): readonly [OperationStatus, string | undefined] {
  const problem = mutation.check?.(answer)
  return problem === undefined ? ['applied', undefined] : ['failed', problem]
}

function isGone(error: unknown): boolean {
  const status = (error as { status?: number } | null)?.status
  return status === 404 || status === 410
}

/** GitHub's own message, never request headers (the token is in them). */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { status?: number; message?: string }
    const status = typeof e.status === 'number' && e.status > 0 ? `HTTP ${e.status}: ` : ''
    return `${status}${typeof e.message === 'string' ? e.message : 'unknown error'}`
  }
  return String(error)
}
