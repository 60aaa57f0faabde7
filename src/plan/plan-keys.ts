/**
 * The plan's keys resolved from where they are written: `github_issues`,
 * `github_repo` and `github_milestone` in the frontmatter first, else Debussy's
 * key lines in the body, else the workflow's repository.
 */
import type { Finding, IssueRef, MilestoneSelector, ParentIssue, RepoRef } from '../domain.js'
import { InputError, YAML_WORDS, describeValue, printable } from '../errors.js'
import {
  MAX_ISSUE_NUMBER,
  parseIssueRef,
  parseIssueRefs,
  parseRepo,
  type RefContext
} from '../issue-ref.js'
import { isNoneValue, issueTokens, namesNoIssue, namesRefs, type KeyLine } from './debussy-lines.js'
import { ISSUES_EXAMPLE, type Frontmatter } from './frontmatter.js'
import type { BodyScan } from './markdown-body.js'
import { stripEmphasis } from './markdown-inline.js'

const ISSUES_KEY = 'github_issues'
const REPO_KEY = 'github_repo'
const MILESTONE_KEY = 'github_milestone'
const PARENT_KEY = 'github_parent'

function keyField(front: Frontmatter, key: string): string {
  const line = front.lineOf(key)
  return line === undefined ? `plan ${key}` : `plan ${key} (line ${line})`
}

function keyLineField(label: string, line: KeyLine): string {
  return line.bold ? `plan "**${label}:**" line ${line.line}` : `plan "${label}:" line ${line.line}`
}

function has(front: Frontmatter, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(front.data, key)
}

/**
 * `github_repo`, else `**GitHub Repo:**`, else the workflow's repository. A
 * blank `github_repo:` (a template placeholder) counts as not set.
 */
export function resolveRepo(front: Frontmatter, body: BodyScan, context: RefContext): RepoRef {
  const value = front.data[REPO_KEY]
  if (
    has(front, REPO_KEY) &&
    value !== null &&
    !(typeof value === 'string' && value.trim() === '')
  ) {
    if (typeof value !== 'string') {
      throw new InputError(
        keyField(front, REPO_KEY),
        'is not a repository name',
        'Write the repository as owner/repo, such as github_repo: acme/payments'
      )
    }
    return parseRepo(value, keyField(front, REPO_KEY))
  }
  const bold = body.repoLine
  if (bold !== undefined && !isNoneValue(bold.value)) {
    const link = /^\[([^\]]*)\]\([^)]*\)$/.exec(bold.value)
    return parseRepo(stripEmphasis(link?.[1] ?? bold.value), keyLineField('GitHub Repo', bold))
  }
  return context.defaultRepo
}

export function resolveIssues(
  front: Frontmatter,
  body: BodyScan,
  context: RefContext,
  planFile: string,
  findings: Finding[]
): IssueRef[] {
  if (has(front, ISSUES_KEY)) {
    const field = keyField(front, ISSUES_KEY)
    const refs = parseIssueRefs(front.data[ISSUES_KEY] ?? [], context, field)
    if (refs.length === 0) {
      const raw = front.rawValueOf(ISSUES_KEY) ?? ''
      throw new InputError(
        field,
        raw.startsWith('#')
          ? `is present but lists no issues: "${printable(raw)}" is a YAML comment`
          : 'is present but lists no issues',
        `List the issues, such as ${ISSUES_EXAMPLE}, or remove the key to link none`
      )
    }
    return refs
  }
  const line = body.issuesLine
  if (line !== undefined && namesRefs(line.value)) {
    // Every token is a ref or is refused by name, so at least one issue comes back.
    return parseIssueRefs(
      issueTokens(line.value).join(' '),
      context,
      keyLineField('GitHub Issues', line)
    )
  }
  if (line !== undefined && isNoneValue(line.value) && line.value.trim() !== '') {
    findings.push({
      level: 'notice',
      message: `plan ${printable(planFile)} line ${line.line}: "${printable(line.text)}" says the plan links no issues, so there is nothing to sync.`
    })
    return []
  }
  if (line !== undefined && !isNoneValue(line.value)) findings.push(namesNoIssue(planFile, line))
  for (const look of body.lookAlikes) {
    findings.push({
      level: 'warning',
      message: `plan ${printable(planFile)} line ${look.line}: "${printable(look.text)}" looks like an issue list but is not read: ${look.reason}. Write it as a line of its own, outside code blocks, such as **GitHub Issues:** #10, #11`
    })
  }
  findings.push({
    level: 'notice',
    message: `plan ${printable(planFile)} links no issues, so there is nothing to sync. Link them in its YAML frontmatter (${ISSUES_EXAMPLE}) or with a body line **GitHub Issues:** #10, #11`
  })
  return []
}

/**
 * `github_milestone`: a YAML number or `"#3"` selects by number; any other
 * string, including `"3"`, by title. YAML already tells `3` from `"3"`, and a
 * milestone titled "2026" must stay expressible, so quoted digits are a title.
 * A blank value (a template placeholder) means no override.
 */
export function readMilestone(front: Frontmatter): MilestoneSelector | undefined {
  if (!has(front, MILESTONE_KEY)) return undefined
  const value = front.data[MILESTONE_KEY]
  const field = keyField(front, MILESTONE_KEY)
  const fix = `Write github_milestone: 3 for milestone number 3, or github_milestone: "Q4 reliability" for its title`
  if (value === null) {
    const raw = front.rawValueOf(MILESTONE_KEY) ?? ''
    if (/^#\d/.test(raw)) {
      throw new InputError(
        field,
        `"${printable(raw)}" is a YAML comment, so the milestone would be ignored`,
        fix
      )
    }
    return undefined
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= MAX_ISSUE_NUMBER) {
      return { by: 'number', number: value }
    }
    throw new InputError(field, `${value} is not a milestone number`, fix)
  }
  if (typeof value === 'string') {
    const title = value.trim()
    if (title === '') return undefined
    const number = /^#(\d{1,10})$/.exec(title)?.[1]
    if (number === undefined) return { by: 'title', title }
    const parsed = Number(number)
    if (parsed >= 1 && parsed <= MAX_ISSUE_NUMBER) return { by: 'number', number: parsed }
    throw new InputError(field, `"${printable(title)}" is not a milestone number`, fix)
  }
  throw new InputError(field, `${describeValue(value, YAML_WORDS)} is not a milestone`, fix)
}

/**
 * `github_parent`: the plan's issue, whose sub-issues the linked issues become
 * (src/sub-issues.ts). One ref, read like the linked ones (a bare number is an
 * issue of `github_repo`). A blank value means none; an unquoted `#5` (a YAML
 * comment) is refused rather than read as none.
 */
export function readParent(front: Frontmatter, context: RefContext): ParentIssue | undefined {
  if (!has(front, PARENT_KEY)) return undefined
  const value = front.data[PARENT_KEY]
  const field = keyField(front, PARENT_KEY)
  const fix = 'Write github_parent: 5, or quote a ref: github_parent: "#5" or "acme/payments#5"'
  if (value === null || (typeof value === 'string' && value.trim() === '')) {
    const raw = front.rawValueOf(PARENT_KEY) ?? ''
    if (raw.startsWith('#')) {
      throw new InputError(
        field,
        `"${printable(raw)}" is a YAML comment, so the parent issue would be ignored`,
        fix
      )
    }
    return undefined
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new InputError(field, `${describeValue(value, YAML_WORDS)} is not an issue`, fix)
  }
  if (typeof value === 'string' && /[\s,]/.test(value.trim())) {
    throw new InputError(field, 'names more than one issue; a plan has one parent issue', fix)
  }
  const ref =
    typeof value === 'string'
      ? parseIssueRef(value, context, field)
      : parseIssueRefs(value, context, field)[0]
  if (ref === undefined) throw new InputError(field, 'names no issue', fix)
  return { ref, field }
}
