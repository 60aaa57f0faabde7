/**
 * The one place that decides how YAML the action reads is parsed, and guards
 * the parse. Debussy writes `.debussy/config.yaml` with PyYAML, a YAML 1.1
 * writer and reader, so the config is read as YAML 1.1 (`enabled: yes` and
 * `off` mean what they mean to Debussy). Plan frontmatter is read as YAML 1.2,
 * as gray-matter with the yaml package reads it (`yes` stays a string there).
 */
import { LineCounter, parseDocument, type Document } from 'yaml'
import { thrownMessage } from './errors.js'

/** What the YAML is: Debussy's config file, or a master plan's frontmatter. */
export type YamlSource = 'config' | 'planFile'

const YAML_VERSION: Record<YamlSource, '1.1' | '1.2'> = { config: '1.1', planFile: '1.2' }

/** Neither file has a use for many aliases; a small bound stops "billion laughs" at once. */
export const MAX_ALIAS_COUNT = 20

/** Why a YAML text could not be read; the caller words the message for its file. */
export type YamlProblem =
  | {
      readonly kind: 'syntax'
      /** The yaml package's error code, such as `DUPLICATE_KEY` or `MULTIPLE_DOCS`. */
      readonly code: string
      /** Its first line, without the position (given apart) and the source excerpt. */
      readonly message: string
      readonly line: number | undefined
      readonly column: number | undefined
    }
  | { readonly kind: 'aliases' }
  | { readonly kind: 'unreadable'; readonly message: string }

export interface YamlText {
  /** The document as plain data. */
  readonly value: unknown
  readonly doc: Document.Parsed
  readonly lineCounter: LineCounter
}

/**
 * Parses `text` as YAML of the given source, keys unique, aliases bounded.
 * `prepare` may adjust the document before it becomes data (the config keeps
 * the digits of an unquoted color); `fail` turns a problem into the error to throw.
 */
export function parseYamlText(
  text: string,
  source: YamlSource,
  fail: (problem: YamlProblem) => Error,
  prepare?: (doc: Document.Parsed) => void
): YamlText {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    version: YAML_VERSION[source],
    uniqueKeys: true,
    prettyErrors: true,
    lineCounter
  })
  const error = doc.errors[0]
  if (error !== undefined) {
    const where = error.linePos?.[0]
    throw fail({
      kind: 'syntax',
      code: error.code,
      // yaml appends " at line L, column C:" and an excerpt of the source.
      message: (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''),
      line: where?.line,
      column: where?.col
    })
  }
  prepare?.(doc)
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), doc, lineCounter }
  } catch (thrown) {
    // The yaml package throws a ReferenceError for alias bombs and unresolved aliases.
    const message = thrownMessage(thrown)
    throw fail(
      /excessive alias count/i.test(message) ? { kind: 'aliases' } : { kind: 'unreadable', message }
    )
  }
}
