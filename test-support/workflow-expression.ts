/**
 * A small evaluator for the subset of GitHub Actions' expression language that
 * the example workflows use in `if:`: property paths (`github.event.action`,
 * `inputs.event`), string, number, boolean and null literals, `!`, `&&`, `||`,
 * `==`, `!=`, parentheses and `contains()`, `startsWith()`, `endsWith()`,
 * `format()`. Semantics as GitHub documents them ("Expressions"): `==` and the
 * string functions ignore case, `&&` and `||` return an operand, a missing
 * property is null, and operands of different types compare as numbers.
 * Anything outside the subset throws, so an example cannot quietly use a form
 * that this evaluator would get wrong.
 */

export type Value =
  string | number | boolean | null | readonly unknown[] | { [key: string]: unknown }

type Token =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'op'; readonly value: string }

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const rest = source.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    if (rest.startsWith("'")) {
      // '' inside a string is an escaped quote.
      let j = 1
      let value = ''
      for (;;) {
        if (j >= rest.length) throw new Error(`unterminated string in ${source}`)
        if (rest[j] === "'") {
          if (rest[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          break
        }
        value += rest[j]
        j++
      }
      tokens.push({ kind: 'string', value })
      i += j + 1
      continue
    }
    const op = /^(==|!=|&&|\|\||!|\(|\)|,|\.)/.exec(rest)
    if (op) {
      tokens.push({ kind: 'op', value: op[0] })
      i += op[0].length
      continue
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest)
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) })
      i += number[0].length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest)
    if (word) {
      tokens.push({ kind: 'word', value: word[0] })
      i += word[0].length
      continue
    }
    throw new Error(`unsupported character ${JSON.stringify(rest[0])} in ${source}`)
  }
  return tokens
}

export function truthy(value: unknown): boolean {
  return !(
    value === null ||
    value === undefined ||
    value === false ||
    value === 0 ||
    value === '' ||
    Number.isNaN(value)
  )
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value)
  return NaN
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  // GitHub renders objects and arrays as "Object" and "Array" in string contexts.
  return Array.isArray(value) ? 'Array' : 'Object'
}

function equal(a: unknown, b: unknown): boolean {
  const left = a ?? null
  const right = b ?? null
  if (typeof left === 'string' && typeof right === 'string') {
    return left.toUpperCase() === right.toUpperCase()
  }
  if (typeof left === 'object' && typeof right === 'object' && left !== null && right !== null) {
    return left === right
  }
  if (left === null && right === null) return true
  const x = toNumber(left)
  const y = toNumber(right)
  return !Number.isNaN(x) && x === y
}

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  contains: ([search, item]) =>
    Array.isArray(search)
      ? search.some((element) => equal(element, item))
      : toText(search).toUpperCase().includes(toText(item).toUpperCase()),
  startswith: ([text, prefix]) =>
    toText(text).toUpperCase().startsWith(toText(prefix).toUpperCase()),
  endswith: ([text, suffix]) => toText(text).toUpperCase().endsWith(toText(suffix).toUpperCase()),
  format: ([template, ...args]) =>
    toText(template).replace(/\{(\d+)\}/g, (_m, n: string) => toText(args[Number(n)]))
}

/** Evaluates `source` (with or without `${{ }}`) against `context` (`github`, `inputs`, …). */
export function evaluate(source: string, context: Record<string, unknown>): unknown {
  const stripped = source.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
  const tokens = tokenize(stripped)
  let at = 0
  const peek = (): Token | undefined => tokens[at]
  const isOp = (value: string): boolean => {
    const token = peek()
    return token?.kind === 'op' && token.value === value
  }
  const expect = (value: string): void => {
    if (!isOp(value)) throw new Error(`expected ${value} at token ${at} of ${source}`)
    at++
  }

  /** `next (op next)*`, left to right; both sides are always parsed, `pick` chooses the value. */
  function chain(
    op: string,
    next: () => unknown,
    pick: (left: unknown, right: unknown) => unknown
  ): unknown {
    let left = next()
    while (isOp(op)) {
      at++
      left = pick(left, next())
    }
    return left
  }
  function or(): unknown {
    return chain('||', and, (left, right) => (truthy(left) ? left : right))
  }
  function and(): unknown {
    return chain('&&', comparison, (left, right) => (truthy(left) ? right : left))
  }
  function comparison(): unknown {
    const left = unary()
    if (isOp('==') || isOp('!=')) {
      const negate = isOp('!=')
      at++
      const right = unary()
      return negate ? !equal(left, right) : equal(left, right)
    }
    return left
  }
  function unary(): unknown {
    if (isOp('!')) {
      at++
      return !truthy(unary())
    }
    return primary()
  }
  function primary(): unknown {
    const token = peek()
    if (token === undefined) throw new Error(`unexpected end of ${source}`)
    at++
    if (token.kind === 'string' || token.kind === 'number') return token.value
    if (token.kind === 'op') {
      if (token.value !== '(') throw new Error(`unexpected ${token.value} in ${source}`)
      const value = or()
      expect(')')
      return value
    }
    const word = token.value
    if (word === 'true') return true
    if (word === 'false') return false
    if (word === 'null') return null
    if (isOp('(')) {
      const fn = FUNCTIONS[word.toLowerCase()]
      if (fn === undefined) throw new Error(`unsupported function ${word} in ${source}`)
      at++
      const args: unknown[] = []
      if (!isOp(')')) {
        args.push(or())
        while (isOp(',')) {
          at++
          args.push(or())
        }
      }
      expect(')')
      return fn(args)
    }
    let value: unknown = Object.hasOwn(context, word) ? context[word] : null
    while (isOp('.')) {
      at++
      const name = peek()
      if (name?.kind !== 'word') throw new Error(`expected a property name in ${source}`)
      at++
      value =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? ((value as Record<string, unknown>)[name.value] ?? null)
          : null
    }
    return value
  }

  const result = or()
  if (at !== tokens.length) throw new Error(`unexpected token ${at} in ${source}`)
  return result
}
