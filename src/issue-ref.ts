/**
 * Issue references as people write them in a plan (`10`, `#10`, `gh#10`,
 * `github#10`, `owner/repo#10`, an issue or pull request URL) and as the action prints them
 * (`owner/repo#10`). Everything that is not clearly one of these is refused with
 * a message that quotes it, so a typo never turns into a sync of the wrong issue.
 */
import type { IssueRef, RepoRef } from './domain.js'
import { InputError, YAML_WORDS, describeValue, printable } from './errors.js'

export interface RefContext {
  /** Where bare refs (`10`, `#10`, `gh#10`) point: `github_repo`, else the workflow's repository. */
  readonly defaultRepo: RepoRef
  /** Host of `GITHUB_SERVER_URL`, e.g. `github.com`; issue URLs must be on it. */
  readonly serverHost: string
}

/** GitHub stores issue numbers as 32-bit signed integers; anything larger is a typo. */
export const MAX_ISSUE_NUMBER = 2147483647

const MAX_OWNER_LENGTH = 39
const MAX_REPO_LENGTH = 100
// Alphanumerics joined by single hyphens; each repetition consumes an alphanumeric, so it is linear.
const OWNER_PATTERN = /^[A-Za-z0-9](?:-?[A-Za-z0-9])*$/
const REPO_PATTERN = /^[A-Za-z0-9._-]+$/
const DIGITS = /^\d+$/
/** Debussy's own shorthand (`sync/github_sync.py`, ISSUE_PATTERN): `gh#10`, `github#10`, also without `#`. */
const SHORTHAND = /^(?:gh|github)#?(\d+)$/i
// Trailing pages of a pull request URL that still clearly mean the pull request.
const PULL_REQUEST_PAGES = new Set(['files', 'commits', 'checks'])

export function formatRepo(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`
}

export function formatIssueRef(ref: IssueRef): string {
  return `${formatRepo(ref)}#${ref.number}`
}

/** GitHub compares owner and repository names case-insensitively; so do maps keyed by this. */
export function repoKey(repo: RepoRef): string {
  return formatRepo(repo).toLowerCase()
}

/** `owner/repo#N` lower-cased: how issue refs are compared, as repoKey compares repositories. */
export function refKey(ref: IssueRef): string {
  return formatIssueRef(ref).toLowerCase()
}

/** Parses `owner/repo`, checked against GitHub's naming rules. */
export function parseRepo(text: string, field: string): RepoRef {
  const trimmed = text.trim()
  const problem = repoProblem(trimmed)
  if (problem !== undefined) {
    throw new InputError(field, `"${printable(trimmed)}" ${problem}`, REPO_FIX)
  }
  const slash = trimmed.indexOf('/')
  return { owner: trimmed.slice(0, slash), repo: trimmed.slice(slash + 1) }
}

const REPO_FIX = 'Write the repository as owner/repo, such as acme/payments'

/** Why `text` is not `owner/repo`, or undefined when it is. */
function repoProblem(text: string): string | undefined {
  const parts = text.split('/')
  if (parts.length !== 2) return 'is not a repository in the form owner/repo'
  const [owner = '', repo = ''] = parts
  if (owner.length > MAX_OWNER_LENGTH || !OWNER_PATTERN.test(owner)) {
    return `has an invalid owner "${printable(owner)}": an owner is 1 to ${MAX_OWNER_LENGTH} letters, digits or single hyphens, and does not start or end with a hyphen`
  }
  if (repo.length > MAX_REPO_LENGTH || !REPO_PATTERN.test(repo) || repo === '.' || repo === '..') {
    return `has an invalid repository name "${printable(repo)}": a name is 1 to ${MAX_REPO_LENGTH} letters, digits, ".", "-" or "_", and is not "." or ".."`
  }
  return undefined
}

/** Parses one ref; bare numbers belong to `context.defaultRepo`. */
export function parseIssueRef(text: string, context: RefContext, field: string): IssueRef {
  const trimmed = text.trim()
  if (/^https?:\/\//i.test(trimmed)) return parseIssueUrl(trimmed, context, field)
  const shorthand = SHORTHAND.exec(trimmed)?.[1]
  if (shorthand !== undefined) {
    return { ...context.defaultRepo, number: issueNumber(shorthand, trimmed, field) }
  }

  const hash = trimmed.lastIndexOf('#')
  const head = hash < 0 ? '' : trimmed.slice(0, hash)
  const digits = hash < 0 ? trimmed : trimmed.slice(hash + 1)
  if (!DIGITS.test(digits)) throw notARef(trimmed, context, field)
  if (hash < 0 || head === '') {
    return { ...context.defaultRepo, number: issueNumber(digits, trimmed, field) }
  }
  if (!head.includes('/')) throw notARef(trimmed, context, field)
  const problem = repoProblem(head)
  if (problem !== undefined) {
    throw new InputError(
      field,
      `"${printable(trimmed)}" ${problem}`,
      'Write a ref to another repository as owner/repo#10, such as acme/payments#10'
    )
  }
  const slash = head.indexOf('/')
  return {
    owner: head.slice(0, slash),
    repo: head.slice(slash + 1),
    number: issueNumber(digits, trimmed, field)
  }
}

/** `https://<serverHost>/owner/repo/issues/10` or `/pull/10`, with an optional slash, query or fragment. */
function parseIssueUrl(text: string, context: RefContext, field: string): IssueRef {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw notARef(text, context, field)
  }
  const serverHost = context.serverHost.toLowerCase()
  const host = url.host.toLowerCase()
  if (host !== serverHost && host !== `www.${serverHost}`) {
    throw new InputError(
      field,
      `"${printable(text)}" refers to another host ${printable(host)}; this action syncs issues on ${printable(serverHost)}`,
      `Link issues on ${printable(serverHost)}, such as https://${printable(serverHost)}/owner/repo/issues/10 or owner/repo#10`
    )
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo credentials, even ones pasted into a plan by mistake.
    throw new InputError(
      field,
      `"${printable(`${url.protocol}//***@${url.host}${url.pathname}`)}" carries a user name or password`,
      `Link the issue without credentials, such as https://${printable(serverHost)}/owner/repo/issues/10`
    )
  }
  // A trailing slash leaves an empty last segment.
  const segments = url.pathname.split('/').slice(1)
  if (segments.at(-1) === '') segments.pop()
  const [owner = '', repo = '', kind = '', number = '', page, ...rest] = segments
  const pageOk =
    page === undefined || (kind === 'pull' && PULL_REQUEST_PAGES.has(page) && rest.length === 0)
  if ((kind !== 'issues' && kind !== 'pull') || !DIGITS.test(number) || !pageOk) {
    throw notARef(text, context, field)
  }
  const problem = repoProblem(`${owner}/${repo}`)
  if (problem !== undefined) {
    throw new InputError(
      field,
      `"${printable(text)}" ${problem}`,
      `Link an issue as https://${printable(serverHost)}/owner/repo/issues/10`
    )
  }
  return { owner, repo, number: issueNumber(number, text, field) }
}

function issueNumber(digits: string, text: string, field: string): number {
  // Leading zeros are harmless (`#007`); the length check keeps Number() exact.
  const significant = digits.replace(/^0+/, '')
  const value = significant.length > 10 ? Infinity : Number(significant)
  if (value < 1 || value > MAX_ISSUE_NUMBER) {
    throw new InputError(
      field,
      `"${printable(text)}" has issue number ${printable(digits, 24)}, which no GitHub issue can have`,
      `Issue numbers run from 1 to ${MAX_ISSUE_NUMBER}; check the ref`
    )
  }
  return value
}

function notARef(text: string, context: RefContext, field: string): InputError {
  return new InputError(
    field,
    `"${printable(text)}" is not an issue reference`,
    `Write an issue as 10, #10, gh#10, owner/repo#10 or https://${printable(context.serverHost)}/owner/repo/issues/10`
  )
}

/**
 * Parses a list of refs: a string such as `"#10, #11 gh#12"` (commas and/or
 * whitespace between refs), a number, or an array of these. Duplicates
 * (repository compared case-insensitively) are dropped, first occurrence kept.
 */
export function parseIssueRefs(value: unknown, context: RefContext, field: string): IssueRef[] {
  const refs: IssueRef[] = []
  const seen = new Set<string>()
  const add = (ref: IssueRef): void => {
    const key = `${repoKey(ref)}#${ref.number}`
    if (seen.has(key)) return
    seen.add(key)
    refs.push(ref)
  }

  if (typeof value === 'string') {
    for (const token of splitRefs(value)) add(parseIssueRef(token, context, field))
  } else if (typeof value === 'number') {
    add(refFromNumber(value, context, field))
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      const itemField = `${field} item ${index + 1}`
      const tokens = typeof item === 'string' ? splitRefs(item) : []
      if (typeof item === 'number') {
        add(refFromNumber(item, context, itemField))
      } else if (tokens.length > 0) {
        // An item may itself hold several refs ("#10, #11"): read it like a string value.
        for (const token of tokens) add(parseIssueRef(token, context, itemField))
      } else if (item === null || item === undefined || typeof item === 'string') {
        throw new InputError(
          itemField,
          'is empty (in YAML, an unquoted #10 is a comment, so the item reads as nothing)',
          'Quote each ref, such as - "#10", or write the list as ["#10", "#11"]'
        )
      } else {
        throw new InputError(
          itemField,
          `${describeValue(item, YAML_WORDS)} is not an issue reference`,
          `Write each item as a ref, such as "#10" or "owner/repo#10"`
        )
      }
    })
  } else {
    throw new InputError(
      field,
      `${describeValue(value, YAML_WORDS)} is not a list of issue references`,
      'Write a list such as ["#10", "#11"], or a string such as "#10, #11"'
    )
  }
  return refs
}

function splitRefs(text: string): string[] {
  return text.split(/[\s,]+/).filter((token) => token !== '')
}

function refFromNumber(value: number, context: RefContext, field: string): IssueRef {
  if (!Number.isInteger(value) || value < 1 || value > MAX_ISSUE_NUMBER) {
    throw new InputError(
      field,
      `${value} is not an issue number`,
      `Issue numbers are whole numbers from 1 to ${MAX_ISSUE_NUMBER}, such as 10 or "#10"`
    )
  }
  return { ...context.defaultRepo, number: value }
}

/** The host issue URLs must name: github.com, or the GHES server the runner reports. */
export function hostOf(url: string | undefined): string | undefined {
  if (url === undefined || url.trim() === '') return undefined
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}
