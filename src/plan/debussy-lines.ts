/**
 * Debussy's own key lines, as its parser reads them anywhere in a plan:
 * `**GitHub Issues:** #10, #11`, `GitHub Repo: acme/payments` and their
 * variants, and the near misses (a look-alike in a heading, a code block, or
 * mid-line) that are reported instead of silently linking nothing.
 */
import type { Finding } from '../domain.js'
import { printable } from '../errors.js'
import { linkTarget } from './markdown-inline.js'

/** A key line of Debussy's format: `**GitHub Issues:** …`, `GitHub Repo: …` and their variants. */
export interface KeyLine {
  /** 1-based file line. */
  readonly line: number
  readonly value: string
  /** The whole line, trimmed, for messages. */
  readonly text: string
  readonly bold: boolean
}

/** A line that mentions the issues key with refs after it, but that is not read as a key line. */
export interface LookAlike {
  readonly line: number
  readonly text: string
  readonly reason: string
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

export function extraKeyLine(
  planFile: string,
  line: number,
  label: string,
  first: number
): Finding {
  return {
    level: 'warning',
    message: `plan ${printable(planFile)} line ${line}: a second **${label}:** line is ignored; the one on line ${first} is used`
  }
}

export function namesNoIssue(planFile: string, line: KeyLine): Finding {
  return {
    level: 'warning',
    message: `plan ${printable(planFile)} line ${line.line}: "${printable(line.text)}" looks like an issue list but names no issue reference, so it links no issues. Write the refs after the label, such as **GitHub Issues:** #10, #11`
  }
}

/** Words that join refs in prose (`… issues/10 and … issues/11`), skipped as Debussy's ISSUE_PATTERN skips them. */
const JOINING_WORDS = new Set(['and', '&'])

/**
 * The tokens of an issues line: separated by commas and/or whitespace, a
 * bracketed list (`[10, 11]`, `[#10, #11]`) opened, backticks and quotes
 * dropped, a markdown link or autolink taken as its URL.
 */
export function issueTokens(value: string): string[] {
  let text = value.replace(/`/g, '').trim()
  if (text.startsWith('[') && text.endsWith(']') && !text.includes('](')) text = text.slice(1, -1)
  return text
    .split(/[\s,]+/)
    .map((token) => linkTarget(token).replace(/^(["'])(.*)\1$/, '$2'))
    .filter((token) => token !== '' && !JOINING_WORDS.has(token.toLowerCase()))
}

/** A token with a digit or a `#` is meant as a ref (and refused by name if it is not one). */
export function namesRefs(value: string): boolean {
  return issueTokens(value).some((token) => /[\d#]/.test(token))
}

/**
 * `**GitHub Issues:** value` (or `**GitHub Issues**: value`), any bold label,
 * or one of the keys without bold (`GitHub Issues: value`), optionally a list
 * item. The label comes back lower-cased without spaces or underscores.
 */
export function parseKeyLine(
  text: string
): { label: string; value: string; bold: boolean } | undefined {
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

export function isNoneValue(value: string): boolean {
  return NONE_VALUES.has(
    value
      .replace(/[*_`()]/g, '')
      .trim()
      .toLowerCase()
  )
}

/** What the key lines of a plan say, collected line by line. */
export interface KeyLines {
  /** The issues line used: the first that names a ref, else the first. */
  readonly issuesLine: KeyLine | undefined
  readonly repoLine: KeyLine | undefined
  readonly lookAlikes: readonly LookAlike[]
}

/**
 * Reads key lines one at a time: `keyLine` takes a line that is one (and says
 * so), `lookAlike` notes a line that only looks like one, and `done` gives the
 * lines to use, with a warning for each issues line that names no issue.
 */
export function keyLineReader(
  planFile: string,
  findings: Finding[]
): {
  keyLine: (index: number, text: string) => boolean
  lookAlike: (index: number, text: string, reason: string) => void
  done: () => KeyLines
} {
  const issuesLines: KeyLine[] = []
  /** The first issues line that names a ref: the one used. */
  let namedLine: KeyLine | undefined
  let repoLine: KeyLine | undefined
  const lookAlikes: LookAlike[] = []

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
        else findings.push(extraKeyLine(planFile, found.line, 'GitHub Issues', namedLine.line))
      }
      issuesLines.push(found)
    } else if (REPO_LABELS.has(key.label)) {
      if (repoLine === undefined) repoLine = found
      else findings.push(extraKeyLine(planFile, found.line, 'GitHub Repo', repoLine.line))
    }
    return true
  }
  const done = (): KeyLines => {
    // The first line that names a ref is used; an earlier one that names none is not silent.
    const issuesLine = namedLine ?? issuesLines[0]
    for (const line of issuesLines.slice(0, MAX_LOOK_ALIKES + 1)) {
      if (line !== issuesLine && !namesRefs(line.value) && !isNoneValue(line.value)) {
        findings.push(namesNoIssue(planFile, line))
      }
    }
    return { issuesLine, repoLine, lookAlikes }
  }
  return { keyLine, lookAlike, done }
}
