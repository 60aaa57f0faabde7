/**
 * Checks what the simulator answers against GitHub's own descriptions of its
 * APIs, so that the simulator cannot drift from GitHub unnoticed:
 *
 * - REST: the operation of `@octokit/openapi`'s dereferenced description
 *   (api.github.com or a GHES release) that a method and path resolve to; the
 *   status must be one it lists (or an error every route can answer), the
 *   body must match that status's `application/json` schema (Ajv, formats on)
 *   and the headers it documents must be there.
 * - GraphQL: the document must validate against `@octokit/graphql-schema`'s
 *   schema (and GitHub's pagination and node limits), and the answer must be
 *   what the schema says a `data` for that selection looks like: the document
 *   is executed again with the simulator's `data` as the root value, and the
 *   result must equal what was sent, value for value and key for key. Errors
 *   must have GitHub's shape (`message`, `type`, `path`, `locations`).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isDeepStrictEqual } from 'node:util'
import { Ajv, type ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'
import {
  Kind,
  execute,
  getNamedType,
  getNullableType,
  isAbstractType,
  isInterfaceType,
  isCompositeType,
  isListType,
  isObjectType,
  isScalarType,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLTypeResolver,
  type SelectionSetNode,
  type ValueNode
} from 'graphql'
import { loadGraphqlSchema } from './graphql-schema.js'

// ---- REST ----------------------------------------------------------------------

/** The descriptions this checker reads (files of @octokit/openapi's `generated/`). */
export type Description = 'api.github.com' | 'ghes-3.19'

type Json = Record<string, unknown>

interface OpenApiResponse {
  readonly description?: string
  readonly headers?: Record<string, { schema?: Json; required?: boolean }>
  readonly content?: Record<string, { schema?: Json }>
}

interface OpenApiOperation {
  readonly operationId?: string
  readonly responses?: Record<string, OpenApiResponse>
}

interface OpenApiDocument {
  readonly openapi: string
  readonly paths: Record<string, Record<string, OpenApiOperation>>
}

/** One HTTP answer as the client received it. */
export interface HttpExchange {
  readonly method: string
  /**
   * Below the REST root, as sent (percent-encoded, query allowed), e.g.
   * `/repos/acme/app/labels/debussy%3Adone`; or the route's template itself.
   */
  readonly path: string
  readonly status: number
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body exactly as sent. */
  readonly text: string
}

export interface RestCheck {
  /** `POST /repos/{owner}/{repo}/labels`, or undefined when the description has no such route. */
  readonly route: string | undefined
  readonly operationId: string | undefined
  /** Empty when the answer is one GitHub could have given. */
  readonly problems: string[]
}

/**
 * Statuses that GitHub may answer on every route, listed or not: bad
 * credentials, a resource the token may not see, rate limits (403 or 429)
 * and server errors. Their bodies are GitHub's Basic Error.
 */
export const GENERIC_ERROR_STATUSES: readonly number[] = [401, 403, 404, 429, 500, 502, 503, 504]

/**
 * Headers a description lists that GitHub sends only sometimes: `Link` only
 * when there is another page.
 */
const OPTIONAL_HEADERS = new Set(['link'])

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

interface Route {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly literals: number
}

const addFormats = ((formatsModule as unknown as { default?: unknown }).default ??
  formatsModule) as (ajv: Ajv) => Ajv

const documents = new Map<Description, OpenApiDocument>()

/** Reads and parses a description once per process (they are 60–75 MB). */
function loadDescription(description: Description): OpenApiDocument {
  let document = documents.get(description)
  if (document === undefined) {
    const require = createRequire(import.meta.url)
    const file = require.resolve(`@octokit/openapi/generated/${description}.deref.json`)
    document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument
    documents.set(description, document)
  }
  return document
}

/** Lets the parsed description go (call in afterAll: it holds ≈200 MB). */
export function releaseDescriptions(): void {
  documents.clear()
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema says it (3.1 style): `null`
 * joins the `type` (and the `enum`), or, without a `type`, an `anyOf` branch.
 * The walk follows schema positions only, so a property named `nullable` is
 * left alone. With `closed`, objects that list their properties refuse others
 * (except inside `allOf`, where each part sees only its own properties).
 */
function toJsonSchema(schema: unknown, openapi30: boolean, closed: boolean, inAllOf = false): Json {
  if (!isJson(schema)) return {}
  const out: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(
        Object.entries(isJson(value) ? value : {}).map(([name, sub]) => [
          name,
          toJsonSchema(sub, openapi30, closed)
        ])
      )
    } else if (key === 'items' || key === 'not' || key === 'additionalProperties') {
      out[key] = isJson(value) ? toJsonSchema(value, openapi30, closed) : value
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (Array.isArray(value) ? value : []).map((sub) =>
        toJsonSchema(sub, openapi30, closed, key === 'allOf')
      )
    } else if (key === 'nullable' && openapi30) {
      continue
    } else if (key.startsWith('x-') || key === 'example' || key === 'examples') {
      continue
    } else {
      out[key] = value
    }
  }
  if (closed && !inAllOf && isJson(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false
  }
  if (!openapi30 || schema.nullable !== true) return out
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum) && !out.enum.includes(null))
      out.enum = [...(out.enum as unknown[]), null]
    return out
  }
  return { anyOf: [out, { type: 'null' }] }
}

export interface OpenApiCheckerOptions {
  /**
   * Refuse properties a schema does not list (GitHub's schemas leave objects
   * open; the simulator should not invent fields). Default true.
   */
  readonly closedObjects?: boolean
}

export class OpenApiChecker {
  private readonly ajv: Ajv
  private routes: Route[] | undefined
  private readonly validators = new Map<string, ValidateFunction>()
  private basicError: Json | undefined

  private constructor(
    readonly description: Description,
    private readonly document: OpenApiDocument,
    private readonly closed: boolean
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true })
    addFormats(this.ajv)
    // Listed by GitHub's descriptions; not JSON Schema formats.
    this.ajv.addFormat('timestamp', true)
    this.ajv.addFormat('repo.nwo', true)
  }

  static load(description: Description, options: OpenApiCheckerOptions = {}): OpenApiChecker {
    return new OpenApiChecker(
      description,
      loadDescription(description),
      options.closedObjects ?? true
    )
  }

  /** `METHOD /template` of the route a request resolves to, literal segments winning. */
  route(method: string, path: string): string | undefined {
    const bare = (path.split('?')[0] ?? path).replace(/\/+$/, '') || '/'
    const wanted = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()
    let best: Route | undefined
    for (const candidate of this.allRoutes()) {
      if (candidate.method !== wanted) continue
      if (candidate.template !== bare && !candidate.pattern.test(bare)) continue
      if (best === undefined || candidate.literals > best.literals) best = candidate
    }
    return best && `${best.method.toUpperCase()} ${best.template}`
  }

  /** The statuses the description lists for a route. */
  documentedStatuses(route: string): string[] {
    return Object.keys(this.operation(route)?.responses ?? {})
  }

  check(exchange: HttpExchange): RestCheck {
    const route = this.route(exchange.method, exchange.path)
    if (route === undefined) {
      return {
        route,
        operationId: undefined,
        problems: [`${exchange.method} ${exchange.path}: no such route in ${this.description}`]
      }
    }
    const operation = this.operation(route)
    const problems: string[] = []
    const where = `${route} → ${exchange.status}`
    const responses = operation?.responses ?? {}
    let response = responses[String(exchange.status)] ?? responses.default
    let schema: Json | undefined
    let key = `${route} ${exchange.status}`
    if (response === undefined) {
      if (GENERIC_ERROR_STATUSES.includes(exchange.status)) {
        schema = this.basicErrorSchema()
        response = { content: { 'application/json': { schema } } }
        key = 'generic basic-error'
      } else {
        problems.push(
          `${where}: status not documented for this route (documented: ${Object.keys(responses).join(', ')})`
        )
        return { route, operationId: operation?.operationId, problems }
      }
    }
    const content = response.content ?? {}
    const json = content['application/json']
    const contentType = exchange.headers['content-type'] ?? ''
    if (json?.schema !== undefined) {
      schema ??= json.schema
      if (!/^application\/json\b/i.test(contentType)) {
        problems.push(`${where}: content-type "${contentType}", want application/json`)
      }
      let body: unknown
      try {
        body = JSON.parse(exchange.text) as unknown
      } catch {
        problems.push(`${where}: body is not JSON: ${JSON.stringify(exchange.text.slice(0, 80))}`)
      }
      if (body !== undefined) {
        const validator = this.validator(key, schema, exchange.status >= 300)
        if (!validator(body)) {
          for (const error of validator.errors ?? []) {
            const extra =
              error.keyword === 'additionalProperties'
                ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
                : error.keyword === 'required'
                  ? ` (${String((error.params as { missingProperty?: string }).missingProperty)})`
                  : ''
            problems.push(
              `${where}: body${error.instancePath || ''} ${error.message ?? error.keyword}${extra}`
            )
          }
        }
      }
    } else if (Object.keys(content).length === 0 && exchange.text !== '') {
      problems.push(
        `${where}: the description gives this status no body, got ${JSON.stringify(exchange.text.slice(0, 80))}`
      )
    }
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const lower = name.toLowerCase()
      const value = exchange.headers[lower]
      if (value === undefined) {
        if (!OPTIONAL_HEADERS.has(lower))
          problems.push(`${where}: documented header ${name} missing`)
        continue
      }
      const type = header.schema?.type
      if (type === 'integer' && !/^\d+$/.test(value)) {
        problems.push(`${where}: header ${name} "${value}" is not an integer`)
      }
    }
    return { route, operationId: operation?.operationId, problems }
  }

  private operation(route: string): OpenApiOperation | undefined {
    const space = route.indexOf(' ')
    const method = route.slice(0, space).toLowerCase()
    return this.document.paths[route.slice(space + 1)]?.[method]
  }

  private validator(key: string, schema: Json, error: boolean): ValidateFunction {
    let validator = this.validators.get(key)
    if (validator === undefined) {
      const openapi30 = this.document.openapi.startsWith('3.0')
      const json = toJsonSchema(schema, openapi30, this.closed)
      // GitHub's error bodies also carry the status as a string (`"status": "422"`),
      // which Basic Error lists and Validation Error does not yet.
      if (error && isJson(json.properties) && json.properties.status === undefined) {
        json.properties = { ...json.properties, status: { type: 'string', pattern: '^\\d{3}$' } }
      }
      validator = this.ajv.compile(json)
      this.validators.set(key, validator)
    }
    return validator
  }

  private allRoutes(): Route[] {
    if (this.routes === undefined) {
      const routes: Route[] = []
      for (const [template, item] of Object.entries(this.document.paths)) {
        const segments = template.split('/')
        const pattern = new RegExp(
          `^${segments
            .map((segment) =>
              /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            )
            .join('/')}$`
        )
        const literals = segments.filter((segment) => !segment.startsWith('{')).length
        for (const method of HTTP_METHODS) {
          if (item[method] !== undefined) routes.push({ method, template, pattern, literals })
        }
      }
      this.routes = routes
    }
    return this.routes
  }

  /** GitHub's Basic Error, as this description spells it. */
  private basicErrorSchema(): Json {
    if (this.basicError !== undefined) return this.basicError
    for (const item of Object.values(this.document.paths)) {
      for (const operation of Object.values(item)) {
        for (const response of Object.values(operation.responses ?? {})) {
          const schema = response.content?.['application/json']?.schema
          if (schema?.title === 'Basic Error') {
            this.basicError = schema
            return schema
          }
        }
      }
    }
    throw new Error(`${this.description}: no Basic Error schema`)
  }
}

// ---- GraphQL -------------------------------------------------------------------

/** GitHub's limits on one query: https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api */
export const GRAPHQL_MAX_PAGE = 100
export const GRAPHQL_MAX_NODES = 500_000

export interface GraphqlRequestBody {
  readonly query: string
  readonly variables?: Record<string, unknown>
  readonly operationName?: string
}

export interface GraphqlAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

const ERROR_KEYS = new Set(['type', 'path', 'locations', 'message', 'extensions'])

/** Custom scalars of GitHub's schema whose text has a form. */
const SCALAR_FORMS: Record<string, (value: unknown) => boolean> = {
  DateTime: (v) =>
    typeof v === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(v),
  Date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  URI: (v) => typeof v === 'string' && URL.canParse(v),
  HTML: (v) => typeof v === 'string',
  GitObjectID: (v) => typeof v === 'string' && /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(v),
  BigInt: (v) => typeof v === 'string' && /^-?\d+$/.test(v),
  Base64String: (v) => typeof v === 'string',
  GitTimestamp: (v) => typeof v === 'string',
  PreciseDateTime: (v) => typeof v === 'string'
}

export class GraphqlChecker {
  private constructor(readonly schema: GraphQLSchema) {}

  static async load(): Promise<GraphqlChecker> {
    return new GraphqlChecker(await loadGraphqlSchema())
  }

  /**
   * Problems with a document as GitHub would see them: parse and validation
   * errors, connections without `first`/`last` or above 100, and more than
   * 500,000 possible nodes.
   */
  checkDocument(query: string, variables: Record<string, unknown> = {}): string[] {
    let document: DocumentNode
    try {
      document = parse(query)
    } catch (error) {
      return [`does not parse: ${(error as Error).message}`]
    }
    const problems = validate(this.schema, document).map((error) => `invalid: ${error.message}`)
    if (problems.length > 0) return problems
    const limits = this.limits(document, variables)
    problems.push(...limits.problems)
    if (limits.nodes > GRAPHQL_MAX_NODES) {
      problems.push(
        `asks for up to ${limits.nodes} nodes; GitHub refuses more than ${GRAPHQL_MAX_NODES}`
      )
    }
    return problems
  }

  /** Worst-case node count, as GitHub computes it (connection sizes multiplied down the tree). */
  nodeCount(query: string, variables: Record<string, unknown> = {}): number {
    return this.limits(parse(query), variables).nodes
  }

  /** Problems with an answer to `request`: shape of the body, errors and `data` against the schema. */
  async checkResponse(request: GraphqlRequestBody, answer: GraphqlAnswer): Promise<string[]> {
    const problems: string[] = []
    const contentType = answer.headers['content-type'] ?? ''
    if (!/^application\/json\b/i.test(contentType)) {
      problems.push(`content-type "${contentType}", want application/json`)
    }
    let body: unknown
    try {
      body = JSON.parse(answer.text) as unknown
    } catch {
      return [...problems, `body is not JSON: ${JSON.stringify(answer.text.slice(0, 80))}`]
    }
    if (!isJson(body)) return [...problems, 'body is not a JSON object']
    if (answer.status !== 200) {
      // Bad credentials, secondary rate limits, server errors: REST's error body.
      if (typeof body.message !== 'string') problems.push(`HTTP ${answer.status} without a message`)
      return problems
    }
    for (const key of Object.keys(body)) {
      if (!['data', 'errors', 'extensions'].includes(key))
        problems.push(`unknown top-level key "${key}"`)
    }
    const errors = body.errors
    if (errors !== undefined) problems.push(...checkErrors(errors, body.data))
    if (body.data === undefined || body.data === null) {
      if (errors === undefined) problems.push('neither data nor errors')
      return problems
    }
    const documentProblems = this.checkDocument(request.query, request.variables)
    if (documentProblems.length > 0) {
      return [...problems, ...documentProblems.map((p) => `document ${p}; yet data was sent`)]
    }
    problems.push(...(await this.checkData(request, body.data)))
    return problems
  }

  /** Executes the document over `data` and compares: the answer must be exactly what the schema gives. */
  private async checkData(request: GraphqlRequestBody, data: unknown): Promise<string[]> {
    const problems: string[] = []
    if (!isJson(data)) return ['data is not an object']
    const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, _args, _ctx, info) => {
      const value = isJson(source) ? source[String(info.path.key)] : undefined
      const where = `data.${pathText(info.path)}`
      if (isJson(source) && !(String(info.path.key) in source)) {
        problems.push(`${where}: missing (selected, so GitHub sends it, null or not)`)
      }
      checkScalars(info.returnType, value, where, problems)
      return value
    }
    const typeResolver: GraphQLTypeResolver<unknown, unknown> = (value) =>
      isJson(value) && typeof value.__typename === 'string' ? value.__typename : undefined
    const result = await execute({
      schema: this.schema,
      document: parse(request.query),
      rootValue: data,
      variableValues: request.variables ?? {},
      operationName: request.operationName,
      fieldResolver,
      typeResolver
    })
    for (const error of result.errors ?? []) {
      problems.push(`${error.path ? `data.${error.path.join('.')}: ` : ''}${error.message}`)
    }
    const expected = JSON.parse(JSON.stringify(result.data ?? null)) as unknown
    if (!isDeepStrictEqual(expected, data)) {
      problems.push(...differences(expected, data, 'data'))
    } else if (JSON.stringify(expected) !== JSON.stringify(data)) {
      problems.push('data: keys are not in the order of the selection')
    }
    return problems
  }

  private limits(
    document: DocumentNode,
    variables: Record<string, unknown>
  ): { nodes: number; problems: string[] } {
    const problems: string[] = []
    const fragments = new Map<string, FragmentDefinitionNode>()
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition)
    }
    const valueOf = (node: ValueNode | undefined): unknown => {
      if (node === undefined) return undefined
      if (node.kind === Kind.INT) return Number(node.value)
      if (node.kind === Kind.VARIABLE) return variables[node.name.value]
      return undefined
    }
    let nodes = 0
    const walk = (
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      multiplier: number,
      path: string
    ): void => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const on = selection.typeCondition
            ? this.schema.getType(selection.typeCondition.name.value)
            : parent
          if (on) walk(selection.selectionSet, on, multiplier, path)
          continue
        }
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const fragment = fragments.get(selection.name.value)
          const on = fragment && this.schema.getType(fragment.typeCondition.name.value)
          if (fragment && on) walk(fragment.selectionSet, on, multiplier, path)
          continue
        }
        if (!selection.selectionSet) continue
        if (!isObjectType(parent) && !isInterfaceType(parent)) continue
        const field = parent.getFields()[selection.name.value]
        if (!field) continue
        const type = getNamedType(field.type)
        const name = `${path}${selection.alias?.value ?? selection.name.value}`
        let size = 1
        if (type.name.endsWith('Connection')) {
          const arg = (n: string): unknown =>
            valueOf(selection.arguments?.find((a) => a.name.value === n)?.value)
          const first = arg('first')
          const last = arg('last')
          const bound = [first, last].filter((v): v is number => typeof v === 'number')
          // GitHub asks for a bound whenever items are read (totalCount alone needs none).
          const readsItems = selection.selectionSet.selections.some(
            (s) => s.kind !== Kind.FIELD || ['nodes', 'edges'].includes(s.name.value)
          )
          if (bound.length === 0 && readsItems) {
            problems.push(`${name}: a connection needs \`first\` or \`last\` (GitHub refuses it)`)
          }
          for (const value of bound) {
            if (value < 0 || value > GRAPHQL_MAX_PAGE) {
              problems.push(`${name}: ${value} is outside 0..${GRAPHQL_MAX_PAGE}`)
            }
          }
          size = Math.max(0, ...bound)
          nodes += multiplier * size
        }
        if (isCompositeType(type)) walk(selection.selectionSet, type, multiplier * size, `${name}.`)
      }
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue
      const root = this.schema.getRootType(definition.operation)
      if (root) walk(definition.selectionSet, root, 1, '')
    }
    return { nodes, problems }
  }
}

interface PathLink {
  readonly prev: PathLink | undefined
  readonly key: string | number
}

function pathText(path: PathLink | undefined): string {
  const keys: (string | number)[] = []
  for (let at = path; at; at = at.prev) keys.unshift(at.key)
  return keys.join('.')
}

/** Custom scalars keep their form (graphql-js passes them through unchecked). */
function checkScalars(
  type: GraphQLOutputType,
  value: unknown,
  where: string,
  problems: string[]
): void {
  if (value === null || value === undefined) return
  const inner = getNullableType(type)
  if (isListType(inner)) {
    if (Array.isArray(value)) {
      value.forEach((item, i) => checkScalars(inner.ofType, item, `${where}.${i}`, problems))
    }
    return
  }
  if (isScalarType(inner) && !(value instanceof Error)) {
    const form = SCALAR_FORMS[inner.name]
    if (form && !form(value))
      problems.push(`${where}: ${JSON.stringify(value)} is not a ${inner.name}`)
  }
  if (isAbstractType(inner) && isJson(value) && typeof value.__typename !== 'string') {
    problems.push(`${where}: an ${inner.name} without __typename cannot be checked`)
  }
}

function checkErrors(errors: unknown, data: unknown): string[] {
  if (!Array.isArray(errors) || errors.length === 0) return ['errors: must be a non-empty array']
  const problems: string[] = []
  errors.forEach((error: unknown, i) => {
    const at = `errors[${i}]`
    if (!isJson(error)) {
      problems.push(`${at}: not an object`)
      return
    }
    for (const key of Object.keys(error)) {
      if (!ERROR_KEYS.has(key)) problems.push(`${at}: unknown key "${key}"`)
    }
    if (typeof error.message !== 'string' || error.message === '')
      problems.push(`${at}.message: missing`)
    if (
      error.type !== undefined &&
      (typeof error.type !== 'string' || !/^[A-Z_]+$/.test(error.type))
    ) {
      problems.push(`${at}.type: ${JSON.stringify(error.type)} is not a GitHub error type`)
    }
    if (error.path !== undefined) {
      const path = error.path
      if (
        !Array.isArray(path) ||
        !path.every((k) => typeof k === 'string' || typeof k === 'number')
      ) {
        problems.push(`${at}.path: not a list of keys`)
      } else if (isJson(data)) {
        // The field that failed is null in data (or a parent is, when it was not nullable).
        let value: unknown = data
        for (const key of path) {
          if (value === null) break
          value =
            isJson(value) || Array.isArray(value)
              ? (value as Record<string, unknown>)[key]
              : undefined
        }
        if (value !== null) problems.push(`${at}.path ${path.join('.')}: data there is not null`)
      }
    }
    if (error.locations !== undefined) {
      const ok =
        Array.isArray(error.locations) &&
        error.locations.every(
          (l: unknown) =>
            isJson(l) &&
            Number.isInteger(l.line) &&
            Number.isInteger(l.column) &&
            (l.line as number) >= 1 &&
            (l.column as number) >= 1
        )
      if (!ok) problems.push(`${at}.locations: not a list of {line, column}`)
    }
  })
  return problems
}

/** Where two JSON values differ, at most a few places. */
function differences(expected: unknown, actual: unknown, at: string, out: string[] = []): string[] {
  if (out.length >= 10) return out
  if (isJson(expected) && isJson(actual)) {
    for (const key of Object.keys(expected)) {
      if (!(key in actual)) out.push(`${at}.${key}: missing`)
      else differences(expected[key], actual[key], `${at}.${key}`, out)
    }
    for (const key of Object.keys(actual)) {
      if (!(key in expected)) out.push(`${at}.${key}: not selected, yet sent`)
    }
    return out
  }
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    expected.forEach((item, i) => differences(item, actual[i], `${at}.${i}`, out))
    return out
  }
  if (!isDeepStrictEqual(expected, actual)) {
    out.push(
      `${at}: sent ${JSON.stringify(actual)}, the schema makes it ${JSON.stringify(expected)}`
    )
  }
  return out
}

// ---- conventions of every answer -------------------------------------------------

/**
 * Headers GitHub sends on every API answer: the rate-limit budget of the
 * bucket the request spent (`x-ratelimit-*`, integers) and a request id.
 */
export function githubHeaderProblems(headers: Readonly<Record<string, string>>): string[] {
  const problems: string[] = []
  for (const name of [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-used',
    'x-ratelimit-reset'
  ]) {
    const value = headers[name]
    if (value === undefined || !/^\d+$/.test(value))
      problems.push(`header ${name}: ${String(value)}`)
  }
  const resource = headers['x-ratelimit-resource']
  if (resource === undefined || !/^[a-z_]+$/.test(resource)) {
    problems.push(`header x-ratelimit-resource: ${String(resource)}`)
  }
  if (!headers['x-github-request-id']) problems.push('header x-github-request-id missing')
  return problems
}
