/**
 * A plan's YAML frontmatter, read as gray-matter reads it (with the yaml
 * package as its YAML engine): `---` opens it unless a fourth dash follows, the
 * first later line that starts with `---` closes it. The fence rules are checked
 * here first, so that a bad fence, a `---js` block (which other readers run as
 * code) or an oversized block fails with a message that names the fix.
 */
import matter from 'gray-matter'
import { isMap, isScalar, stringify } from 'yaml'
import type { Finding } from '../domain.js'
import { InputError, isPlainObject, printable } from '../errors.js'
import { parseYamlText, type YamlProblem, type YamlText } from '../yaml-text.js'
import { rewriteSeedIssues } from './seed-forms.js'

/**
 * A plan's frontmatter holds a few keys; this bound keeps a hostile one (a
 * megabyte of YAML, deep nesting) from costing the parse more than a few
 * milliseconds.
 */
export const MAX_FRONTMATTER_CHARS = 16 * 1024

export const ISSUES_EXAMPLE = 'github_issues: ["#10", "#11"]'

export interface Frontmatter {
  /** Top-level keys of the YAML mapping; empty when the plan has no frontmatter. */
  readonly data: Readonly<Record<string, unknown>>
  /** Index of the first body line. */
  readonly bodyStart: number
  /** 1-based file line of a top-level key, when the YAML has it as a plain key. */
  readonly lineOf: (key: string) => number | undefined
  /** The raw text after `key:` on its line, as written (before seed rewriting). */
  readonly rawValueOf: (key: string) => string | undefined
}

export function readFrontmatter(lines: string[], findings: Finding[]): Frontmatter {
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
  // gray-matter finds the block again in the rewritten text, and its yaml engine is
  // the guarded YAML 1.2 parse. The engine gets the text after the opening `---`,
  // starting with that line's end, so that YAML's line numbers are the file's.
  let parsed: YamlText | undefined
  const file = matter(['---', ...rewritten, '---'].join('\n'), {
    engines: {
      yaml: {
        parse: (yaml: string): object => {
          parsed = parseYamlText(yaml, 'planFile', yamlError)
          return parsed.value as object
        },
        stringify: (data: object): string => stringify(data)
      }
    }
  })
  const value: unknown = file.data
  if (parsed === undefined) return { ...base, data: {}, lineOf: () => undefined }
  const { doc, lineCounter } = parsed
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

function yamlError(problem: YamlProblem): InputError {
  if (problem.kind === 'syntax') {
    return new InputError(
      problem.line === undefined ? 'plan frontmatter' : `plan frontmatter (line ${problem.line})`,
      `the YAML frontmatter is not valid: ${printable(problem.message)}`,
      problem.code === 'DUPLICATE_KEY'
        ? 'Write each key once'
        : `Fix the YAML on that line; quote values that start with #, [, {, * or &, such as ${ISSUES_EXAMPLE}`
    )
  }
  return new InputError(
    'plan frontmatter',
    problem.kind === 'aliases'
      ? 'the YAML frontmatter expands its aliases (*name) into too much data'
      : `the YAML frontmatter could not be read: ${printable(problem.message)}`,
    'Write the values out instead of using YAML anchors (&name) and aliases (*name)'
  )
}
