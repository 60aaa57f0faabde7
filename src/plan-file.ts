/**
 * Reads a Debussy master plan: the linked issues, the repository for bare refs
 * and the milestone from YAML frontmatter or Debussy's bold body lines, and the
 * phases from the `## Phases` table.
 *
 * Plans come from a dispatch payload and are edited by hand, so everything here
 * is defensive: no YAML that runs code or explodes, no regex that backtracks on
 * a long line, and no misreading of the seed format (`github_issues: [#10]`,
 * where `#` opens a YAML comment) as "no issues".
 */
import path from 'node:path'
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml'
import type {
  Finding,
  IssueRef,
  MasterPlan,
  MilestoneSelector,
  PlanPhase,
  RepoRef
} from './domain.js'
import { InputError, isPlainObject, printable } from './errors.js'
import { MAX_ISSUE_NUMBER, parseIssueRefs, parseRepo, type RefContext } from './issue-ref.js'
import { readWorkspaceFile } from './workspace-file.js'

export type PlanContext = RefContext

/**
 * A plan's frontmatter holds a few keys; this bound keeps a hostile one (a
 * megabyte of YAML, deep nesting) from costing the parse more than a few
 * milliseconds.
 */
export const MAX_FRONTMATTER_CHARS = 16 * 1024

/** Plans have no use for many YAML aliases; a small bound stops "billion laughs" at once. */
const MAX_ALIAS_COUNT = 20

const ISSUES_KEY = 'github_issues'
const REPO_KEY = 'github_repo'
const MILESTONE_KEY = 'github_milestone'

const ISSUES_EXAMPLE = 'github_issues: ["#10", "#11"]'

/** Reads and parses the plan at `relativePath` inside the workspace. */
export async function loadPlan(
  workspace: string,
  relativePath: string,
  context: PlanContext,
  field: string
): Promise<{ plan: MasterPlan; findings: Finding[] }> {
  const text = await readWorkspaceFile(workspace, relativePath, field)
  if (text === undefined) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" was not found in the repository checkout`,
      'Check the path (relative to the repository root), and that actions/checkout ran before this step'
    )
  }
  return parsePlan(text, relativePath, context)
}

export function parsePlan(
  text: string,
  relativePath: string,
  context: PlanContext
): { plan: MasterPlan; findings: Finding[] } {
  const planPath = normalisePlanPath(relativePath)
  const findings: Finding[] = []
  // Every line ending becomes \n up front, so CRLF and CR-only files read like LF ones.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  const front = readFrontmatter(lines, findings)
  const body = scanBody(lines, front.bodyStart, planPath, findings)

  const repo = resolveRepo(front, body, context)
  const refContext: RefContext = { defaultRepo: repo, serverHost: context.serverHost }
  const issues = resolveIssues(front, body, refContext, planPath, findings)
  const milestone = readMilestone(front)

  return {
    plan: {
      path: planPath,
      title: body.title ?? path.posix.basename(planPath),
      issues,
      repo,
      milestone,
      phases: body.phases
    },
    findings
  }
}

/**
 * Phase ids compare by their numeric segments: `02` is `2`, `3.01` is `3.1`;
 * `2.50` stays `2.50` (its segments are 2 and 50). Other ids are only trimmed.
 */
export function normalisePhaseId(id: string): string {
  const trimmed = id.trim()
  if (!/^\d+(?:\.\d+)*$/.test(trimmed)) return trimmed
  return trimmed
    .split('.')
    .map((segment) => segment.replace(/^0+(?=\d)/, ''))
    .join('.')
}

const DONE_WORDS = new Set(['completed', 'complete', 'done'])
const DONE_MARKS = /[\u2705\u2714\u2611\u2713]/u // ✅ ✔ ☑ ✓
const NOT_DONE_MARKS = /[\u274c\u2716\u2717\u2718]/u // ❌ ✖ ✗ ✘

/**
 * Whether a Status cell says the phase is done: `Completed`, `Complete`, `Done`
 * (any case, also with words after it), or a leading ✅. Leading emoji, spaces
 * and markdown emphasis are skipped; `Incomplete` and `Not done` are not done.
 */
export function isDoneStatus(status: string): boolean {
  const start = status.search(/[\p{L}\p{N}]/u)
  const prefix = start < 0 ? status : status.slice(0, start)
  if (NOT_DONE_MARKS.test(prefix)) return false
  if (DONE_MARKS.test(prefix)) return true
  const word = /^\p{L}+/u.exec(status.slice(Math.max(start, 0)))?.[0].toLowerCase()
  return word !== undefined && DONE_WORDS.has(word)
}

function normalisePlanPath(relativePath: string): string {
  const normalised = path.posix.normalize(relativePath.trim().replace(/\\/g, '/'))
  return normalised.replace(/^(?:\.\/)+/, '')
}

// ---------------------------------------------------------------------------
// Frontmatter

interface Frontmatter {
  /** Top-level keys of the YAML mapping; empty when the plan has no frontmatter. */
  readonly data: Readonly<Record<string, unknown>>
  /** Index of the first body line. */
  readonly bodyStart: number
  /** 1-based file line of a top-level key, when the YAML has it as a plain key. */
  readonly lineOf: (key: string) => number | undefined
  /** The raw text after `key:` on its line, as written (before seed rewriting). */
  readonly rawValueOf: (key: string) => string | undefined
}

function readFrontmatter(lines: string[], findings: Finding[]): Frontmatter {
  const first = lines[0] ?? ''
  // As gray-matter and Jekyll read it: `---` opens frontmatter unless a fourth dash follows.
  if (!first.startsWith('---') || first.charAt(3) === '-') {
    return { data: {}, bodyStart: 0, lineOf: () => undefined, rawValueOf: () => undefined }
  }
  const language = first.slice(3).trim()
  if (language !== '' && !['yaml', 'yml'].includes(language.toLowerCase())) {
    // Other readers evaluate `---js` frontmatter as code: refuse it plainly.
    throw new InputError(
      'plan frontmatter (line 1)',
      `the first line "${printable(first)}" opens frontmatter in "${printable(language)}"; only YAML frontmatter is read`,
      'Start the file with a line of exactly --- and write the frontmatter in YAML'
    )
  }
  // As gray-matter reads it: the first later line that starts with `---` closes it.
  const close = lines.findIndex((line, index) => index > 0 && line.startsWith('---'))
  if (close < 0) {
    throw new InputError(
      'plan frontmatter (line 1)',
      'the first line --- opens YAML frontmatter, but no later line --- closes it',
      'Add a line --- after the frontmatter keys, or remove the first line if the plan has no frontmatter'
    )
  }
  const yamlLines = lines.slice(1, close)
  const size = yamlLines.reduce((sum, line) => sum + line.length + 1, 0)
  if (size > MAX_FRONTMATTER_CHARS) {
    throw new InputError(
      'plan frontmatter (line 1)',
      `the frontmatter is ${size} characters long, more than the ${MAX_FRONTMATTER_CHARS} allowed`,
      'Keep only the plan keys (github_issues, github_repo, github_milestone) in the frontmatter'
    )
  }

  const rawValues = new Map<string, string>()
  for (const line of yamlLines) {
    const key = /^(github_[a-z]+)[ \t]*:/.exec(line)
    if (key?.[1] !== undefined && !rawValues.has(key[1])) {
      rawValues.set(key[1], line.slice(key[0].length).trim())
    }
  }
  const rewritten = rewriteSeedIssues(yamlLines, findings)

  const base = { bodyStart: close + 1, rawValueOf: (key: string) => rawValues.get(key) }
  // A block of blank and comment lines has no keys (and is not parsed: a
  // tab-indented comment alone would otherwise be a YAML error).
  if (rewritten.every((line) => /^\s*(#.*)?$/.test(line))) {
    return { ...base, data: {}, lineOf: () => undefined }
  }
  // The fence's line is kept (empty), so that YAML's line numbers are the file's.
  const { value, doc, lineCounter } = parseYaml(['', ...rewritten].join('\n'))
  // `~` or `null` alone reads as null: no keys, like an empty block.
  if (value === null) return { ...base, data: {}, lineOf: () => undefined }
  if (!isPlainObject(value)) {
    const offset = doc.contents?.range[0] ?? 0
    throw new InputError(
      `plan frontmatter (line ${lineCounter.linePos(offset).line})`,
      `the frontmatter is ${Array.isArray(value) ? 'a list' : 'a single value'} rather than key: value lines`,
      `Write the frontmatter as key: value lines, such as ${ISSUES_EXAMPLE}`
    )
  }
  const lineOf = (key: string): number | undefined => {
    const contents = doc.contents
    if (!isMap(contents)) return undefined
    const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === key)
    const offset = pair !== undefined && isScalar(pair.key) ? pair.key.range?.[0] : undefined
    return offset === undefined ? undefined : lineCounter.linePos(offset).line
  }
  return { ...base, data: value, lineOf }
}

interface ParsedYaml {
  readonly value: unknown
  readonly doc: Document.Parsed
  readonly lineCounter: LineCounter
}

function parseYaml(source: string): ParsedYaml {
  const lineCounter = new LineCounter()
  const doc = parseDocument(source, { uniqueKeys: true, lineCounter, prettyErrors: true })
  const error = doc.errors[0]
  if (error !== undefined) {
    const line = error.linePos?.[0].line
    // yaml appends " at line L, column C:" and a source excerpt; the field carries the line.
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '')
    throw new InputError(
      line === undefined ? 'plan frontmatter' : `plan frontmatter (line ${line})`,
      `the YAML frontmatter is not valid: ${printable(message)}`,
      error.code === 'DUPLICATE_KEY'
        ? 'Write each key once'
        : `Fix the YAML on that line; quote values that start with #, [, {, * or &, such as ${ISSUES_EXAMPLE}`
    )
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (caught) {
    const message = caught instanceof Error ? caught.message : String(caught)
    throw new InputError(
      'plan frontmatter',
      /excessive alias count/i.test(message)
        ? 'the YAML frontmatter expands its aliases (*name) into too much data'
        : `the YAML frontmatter could not be read: ${printable(message)}`,
      'Write the values out instead of using YAML anchors (&name) and aliases (*name)'
    )
  }
  return { value, doc, lineCounter }
}

/**
 * The seed plan format writes `github_issues: [#10, #11]` (invalid YAML),
 * `github_issues: #10, #11` (null) and block items `- #10` (null items): `#`
 * opens a YAML comment. The user clearly meant refs, so those values are quoted
 * before parsing, and a notice suggests quoting them in the file. A value that
 * is a real comment (`github_issues: # linked issues`) stays as it is.
 */
function rewriteSeedIssues(yamlLines: readonly string[], findings: Finding[]): string[] {
  const out = [...yamlLines]
  for (let index = 0; index < out.length; index += 1) {
    const key = /^github_issues[ \t]*:/.exec(out[index] ?? '')
    if (key === null) continue
    const line = index + 2 // file line: yamlLines starts at line 2
    const keyText = key[0]
    const value = cutComment((out[index] ?? '').slice(keyText.length).trim())
    if (/^#\d/.test(value)) {
      out[index] = `${keyText} ${JSON.stringify(value)}`
      findings.push(seedNotice(line, value.split(/[\s,]+/)))
    } else if (/^\[[ \t]*#\d/.test(value) && value.endsWith(']')) {
      // Only a list closed on the same line: quoting the first line of a multi-line
      // flow list would turn its later lines into comments, silently losing refs.
      const items = splitSeedItems(value.slice(1, -1))
      out[index] = `${keyText} [${items.map(quoteItem).join(', ')}]`
      findings.push(seedNotice(line, items))
    } else if (value === '' || value.startsWith('#')) {
      const items: string[] = []
      for (let next = index + 1; next < out.length; next += 1) {
        const text = out[next] ?? ''
        // The block value ends at the next line that starts a top-level key.
        if (text.trim() !== '' && !/^[ \t#-]/.test(text)) break
        const item = /^[ \t]*-[ \t]+(?=#\d)/.exec(text)
        if (item === null) continue
        const ref = cutComment(text.slice(item[0].length).trim())
        out[next] = `${item[0]}${JSON.stringify(ref)}`
        items.push(ref)
      }
      if (items.length > 0) findings.push(seedNotice(line, items))
    }
  }
  return out
}

/** Drops a trailing YAML-style comment (` # note`) but keeps refs such as ` #11` and typos such as ` #1l`. */
function cutComment(value: string): string {
  const comment = /[ \t]#(?=[ \t]|$)/.exec(value)
  return comment === null ? value : value.slice(0, comment.index).trimEnd()
}

function splitSeedItems(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function quoteItem(item: string): string {
  const quoted = /^(["']).*\1$/.test(item) && item.length >= 2
  return quoted ? item : JSON.stringify(item)
}

function seedNotice(line: number, items: readonly string[]): Finding {
  const refs = [
    ...new Set(items.map((item) => item.replace(/^["']|["']$/g, '')).filter((item) => item !== ''))
  ]
  const quoted = refs.map((ref) => JSON.stringify(ref)).join(', ')
  return {
    level: 'notice',
    message: `plan github_issues (line ${line}): read ${printable(refs.join(', '))} as issue refs, but in YAML an unquoted # starts a comment, so other YAML tools read no issues there. Quote them: github_issues: [${printable(quoted)}]`
  }
}

// ---------------------------------------------------------------------------
// Body

/** A key line of Debussy's format: `**GitHub Issues:** …`, `GitHub Repo: …` and their variants. */
interface KeyLine {
  /** 1-based file line. */
  readonly line: number
  readonly value: string
  /** The whole line, trimmed, for messages. */
  readonly text: string
  readonly bold: boolean
}

/** A line that mentions the issues key with refs after it, but that is not read as a key line. */
interface LookAlike {
  readonly line: number
  readonly text: string
  readonly reason: string
}

interface BodyScan {
  readonly title: string | undefined
  /** The issues line used: the first that names a ref, else the first. */
  readonly issuesLine: KeyLine | undefined
  readonly repoLine: KeyLine | undefined
  readonly lookAlikes: readonly LookAlike[]
  readonly phases: PlanPhase[]
}

// Labels compared lower-cased without spaces or underscores, as Debussy's
// `GitHub\s*Issues?|github_issues` (re.IGNORECASE) reads them.
const ISSUES_LABELS = new Set(['githubissues', 'githubissue'])
const REPO_LABELS = new Set(['githubrepo', 'githubrepository'])
/** The key without bold, at the start of a line (Debussy's second pattern). */
const PLAIN_KEY = /^(github(?:[ \t]*|_)(?:issues?|repo(?:sitory)?))[ \t]*:/i
/** The issues key anywhere in a line, bold or not, followed by a colon. */
const LOOSE_ISSUES_KEY = /github(?:[ \t]*|_)issues?(?:\*\*)?[ \t]*:(.*)$/i
const MAX_LOOK_ALIKES = 3

function scanBody(
  lines: readonly string[],
  bodyStart: number,
  planPath: string,
  findings: Finding[]
): BodyScan {
  let title: string | undefined
  const issuesLines: KeyLine[] = []
  /** The first issues line that names a ref: the one used. */
  let namedLine: KeyLine | undefined
  let repoLine: KeyLine | undefined
  const lookAlikes: LookAlike[] = []
  let phases: PlanPhase[] = []
  let inPhases = false
  let tableRead = false
  let fence: string | undefined

  const lookAlike = (index: number, text: string, reason: string): void => {
    const after = LOOSE_ISSUES_KEY.exec(text)?.[1]
    if (after !== undefined && /\d/.test(after) && lookAlikes.length < MAX_LOOK_ALIKES) {
      lookAlikes.push({ line: index + 1, text: text.trim(), reason })
    }
  }
  const keyLine = (index: number, text: string): boolean => {
    const key = parseKeyLine(text)
    if (key === undefined) return false
    const found: KeyLine = { line: index + 1, value: key.value, text: text.trim(), bold: key.bold }
    if (ISSUES_LABELS.has(key.label)) {
      if (namesRefs(found.value)) {
        if (namedLine === undefined) namedLine = found
        else findings.push(extraKeyLine(planPath, found.line, 'GitHub Issues', namedLine.line))
      }
      issuesLines.push(found)
    } else if (REPO_LABELS.has(key.label)) {
      if (repoLine === undefined) repoLine = found
      else findings.push(extraKeyLine(planPath, found.line, 'GitHub Repo', repoLine.line))
    }
    return true
  }

  // Debussy reads its keys anywhere in the text, the frontmatter too: there, a
  // variant such as `GitHub Issues: #10` (which YAML reads as a comment) is read
  // like a body line. `github_issues` and `github_repo` themselves are YAML's.
  for (let index = 1; index < bodyStart - 1; index += 1) {
    const text = lines[index] ?? ''
    if (!/^github_(?:issues|repo)[ \t]*:/.test(text)) keyLine(index, text)
  }

  for (let index = bodyStart; index < lines.length; index += 1) {
    const text = lines[index] ?? ''
    // Lines inside fenced code blocks are examples, not the plan's own fields.
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1]
    if (fence !== undefined) {
      if (
        fenceMark !== undefined &&
        fenceMark[0] === fence[0] &&
        fenceMark.length >= fence.length
      ) {
        fence = undefined
      } else {
        lookAlike(index, text, 'it is inside a fenced code block, where lines are examples')
      }
      continue
    }
    if (fenceMark !== undefined) {
      fence = fenceMark
      continue
    }

    const heading = atxHeading(text)
    if (heading !== undefined) {
      if (heading.level === 1 && title === undefined && heading.text !== '') title = heading.text
      // The Phases section runs to the next heading of level 1 or 2.
      if (heading.level <= 2) inPhases = heading.level === 2 && isPhasesHeading(heading.text)
      lookAlike(index, text, 'it is a heading')
      continue
    }

    if (keyLine(index, text)) continue
    lookAlike(index, text, 'the label is not at the start of the line')

    if (inPhases && !tableRead && text.trimStart().startsWith('|')) {
      const separator = lines[index + 1]
      if (separator === undefined || !isSeparatorRow(separator)) continue
      let end = index + 2
      while (end < lines.length && (lines[end] ?? '').trimStart().startsWith('|')) end += 1
      phases = readPhaseTable(lines, index, end, planPath, findings)
      tableRead = true
      index = end - 1
    }
  }
  // The first line that names a ref is used; an earlier one that names none is not silent.
  const issuesLine = namedLine ?? issuesLines[0]
  for (const line of issuesLines.slice(0, MAX_LOOK_ALIKES + 1)) {
    if (line !== issuesLine && !namesRefs(line.value) && !isNoneValue(line.value)) {
      findings.push(namesNoIssue(planPath, line))
    }
  }
  return { title, issuesLine, repoLine, lookAlikes, phases }
}

function extraKeyLine(planPath: string, line: number, label: string, first: number): Finding {
  return {
    level: 'warning',
    message: `plan ${printable(planPath)} line ${line}: a second **${label}:** line is ignored; the one on line ${first} is used`
  }
}

function namesNoIssue(planPath: string, line: KeyLine): Finding {
  return {
    level: 'warning',
    message: `plan ${printable(planPath)} line ${line.line}: "${printable(line.text)}" looks like an issue list but names no issue reference, so it links no issues. Write the refs after the label, such as **GitHub Issues:** #10, #11`
  }
}

/** Words that join refs in prose (`… issues/10 and … issues/11`), skipped as Debussy's ISSUE_PATTERN skips them. */
const JOINING_WORDS = new Set(['and', '&'])

/**
 * The tokens of an issues line: separated by commas and/or whitespace, a
 * bracketed list (`[10, 11]`, `[#10, #11]`) opened, backticks and quotes
 * dropped, a markdown link or autolink taken as its URL.
 */
function issueTokens(value: string): string[] {
  let text = value.replace(/`/g, '').trim()
  if (text.startsWith('[') && text.endsWith(']') && !text.includes('](')) text = text.slice(1, -1)
  return text
    .split(/[\s,]+/)
    .map((token) => linkTarget(token).replace(/^(["'])(.*)\1$/, '$2'))
    .filter((token) => token !== '' && !JOINING_WORDS.has(token.toLowerCase()))
}

/** A token with a digit or a `#` is meant as a ref (and refused by name if it is not one). */
function namesRefs(value: string): boolean {
  return issueTokens(value).some((token) => /[\d#]/.test(token))
}

/** An ATX heading (`## Phases ##`): its level and text. */
function atxHeading(text: string): { level: number; text: string } | undefined {
  const marks = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(text)
  if (marks?.[1] === undefined) return undefined
  let content = text.slice(marks[0].length).trim()
  // An optional closing sequence of #s, when spaces separate it from the text.
  let end = content.length
  while (end > 0 && content[end - 1] === '#') end -= 1
  if (end === 0 || content[end - 1] === ' ' || content[end - 1] === '\t') {
    content = content.slice(0, end).trim()
  }
  return { level: marks[1].length, text: content }
}

function isPhasesHeading(text: string): boolean {
  // `Phases`, also `Phases (4)` or `Phases overview`; not `Phase 1` or `Phaseout`.
  return /^phases\b/.test(stripEmphasis(text).toLowerCase())
}

/**
 * `**GitHub Issues:** value` (or `**GitHub Issues**: value`), any bold label,
 * or one of the keys without bold (`GitHub Issues: value`), optionally a list
 * item. The label comes back lower-cased without spaces or underscores.
 */
function parseKeyLine(text: string): { label: string; value: string; bold: boolean } | undefined {
  let rest = text.trim()
  if (/^[-*+][ \t]/.test(rest)) rest = rest.slice(1).trimStart()
  const compact = (label: string): string => label.toLowerCase().replace(/[\s_]+/g, '')
  if (!rest.startsWith('**')) {
    const plain = PLAIN_KEY.exec(rest)
    if (plain?.[1] === undefined) return undefined
    return { label: compact(plain[1]), value: rest.slice(plain[0].length).trim(), bold: false }
  }
  const close = rest.indexOf('**', 2)
  if (close < 0) return undefined
  let label = rest.slice(2, close).trim()
  let value = rest.slice(close + 2).trim()
  if (label.endsWith(':')) label = label.slice(0, -1)
  else if (value.startsWith(':')) value = value.slice(1)
  else return undefined
  return { label: compact(label), value: value.trim(), bold: true }
}

/** What people write on a bold line to say "none": treated like a missing line. */
const NONE_VALUES = new Set(['', 'none', 'n/a', 'na', '-', '\u2013', '\u2014', 'tbd'])

function isNoneValue(value: string): boolean {
  return NONE_VALUES.has(
    value
      .replace(/[*_`()]/g, '')
      .trim()
      .toLowerCase()
  )
}

function stripEmphasis(text: string): string {
  return text.replace(/\*\*|__|`/g, '').trim()
}

/** A markdown link `[text](target)` in one token becomes its target, `<url>` its url. */
function linkTarget(token: string): string {
  const link = /^\[[^\]]*\]\(([^)]*)\)$/.exec(token)
  if (link?.[1] !== undefined) return link[1]
  if (token.startsWith('<') && token.endsWith('>')) return token.slice(1, -1)
  return token
}

/** Reduces every `[Text](link)` in a cell to `Text`, in one left-to-right pass. */
function linkText(cell: string): string {
  let out = ''
  let from = 0
  for (;;) {
    const open = cell.indexOf('[', from)
    if (open < 0) break
    const middle = cell.indexOf('](', open + 1)
    if (middle < 0) break
    const end = cell.indexOf(')', middle + 2)
    if (end < 0) break
    out += cell.slice(from, open) + cell.slice(open + 1, middle)
    from = end + 1
  }
  return out + cell.slice(from)
}

// ---------------------------------------------------------------------------
// Phases table

/** Splits `| a | b \| c |` into cells, honouring `\|` escapes. */
function tableCells(row: string): string[] {
  const text = row.trim()
  const cells: string[] = []
  let cell = ''
  for (let index = text.startsWith('|') ? 1 : 0; index < text.length; index += 1) {
    const char = text[index]
    if (char === '\\' && text[index + 1] === '|') {
      cell += '|'
      index += 1
    } else if (char === '|') {
      cells.push(cell.trim())
      cell = ''
    } else {
      cell += char
    }
  }
  // Text after the last pipe is a cell only when the row does not end with a pipe.
  if (cell.trim() !== '') cells.push(cell.trim())
  return cells
}

function isSeparatorRow(row: string): boolean {
  if (!row.trimStart().startsWith('|')) return false
  const cells = tableCells(row)
  return cells.length > 0 && cells.every((cell) => /^:?-+:?$/.test(cell.replace(/[ \t]/g, '')))
}

function readPhaseTable(
  lines: readonly string[],
  headerIndex: number,
  end: number,
  planPath: string,
  findings: Finding[]
): PlanPhase[] {
  const header = tableCells(lines[headerIndex] ?? '').map((cell) =>
    stripEmphasis(cell).toLowerCase()
  )
  const named = header.indexOf('status')
  const statusColumn = named >= 0 ? named : header.length - 1
  const phases: PlanPhase[] = []
  const firstLine = new Map<string, number>()
  for (let index = headerIndex + 2; index < end; index += 1) {
    const line = index + 1
    const cells = tableCells(lines[index] ?? '')
    const id = stripEmphasis(cells[0] ?? '')
    if (id === '') {
      findings.push({
        level: 'warning',
        message: `plan ${printable(planPath)} line ${line}: a row of the ## Phases table has no phase id in its first cell; it is not counted`
      })
      continue
    }
    const key = normalisePhaseId(id)
    const earlier = firstLine.get(key)
    if (earlier === undefined) {
      firstLine.set(key, line)
    } else {
      findings.push({
        level: 'warning',
        message: `plan ${printable(planPath)} line ${line}: phase ${printable(id)} is listed again (first on line ${earlier}); both rows count towards the total`
      })
    }
    phases.push({
      id,
      title: stripEmphasis(linkText(cells[1] ?? '')),
      done: isDoneStatus(stripEmphasis(cells[statusColumn] ?? ''))
    })
  }
  return phases
}

// ---------------------------------------------------------------------------
// Keys

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
function resolveRepo(front: Frontmatter, body: BodyScan, context: PlanContext): RepoRef {
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

function resolveIssues(
  front: Frontmatter,
  body: BodyScan,
  context: RefContext,
  planPath: string,
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
      message: `plan ${printable(planPath)} line ${line.line}: "${printable(line.text)}" says the plan links no issues, so there is nothing to sync.`
    })
    return []
  }
  if (line !== undefined && !isNoneValue(line.value)) findings.push(namesNoIssue(planPath, line))
  for (const look of body.lookAlikes) {
    findings.push({
      level: 'warning',
      message: `plan ${printable(planPath)} line ${look.line}: "${printable(look.text)}" looks like an issue list but is not read: ${look.reason}. Write it as a line of its own, outside code blocks, such as **GitHub Issues:** #10, #11`
    })
  }
  findings.push({
    level: 'notice',
    message: `plan ${printable(planPath)} links no issues, so there is nothing to sync. Link them in its YAML frontmatter (${ISSUES_EXAMPLE}) or with a body line **GitHub Issues:** #10, #11`
  })
  return []
}

/**
 * `github_milestone`: a YAML number or `"#3"` selects by number; any other
 * string, including `"3"`, by title. YAML already tells `3` from `"3"`, and a
 * milestone titled "2026" must stay expressible, so quoted digits are a title.
 * A blank value (a template placeholder) means no override.
 */
function readMilestone(front: Frontmatter): MilestoneSelector | undefined {
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
  throw new InputError(
    field,
    `${Array.isArray(value) ? 'a list' : typeof value === 'boolean' ? String(value) : 'a mapping'} is not a milestone`,
    fix
  )
}
