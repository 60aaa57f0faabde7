/**
 * JSON Schemas for what the orchestrator sends (client_payload) and what
 * people write (.debussy/config.yaml), generated from the zod schemas the
 * action validates with, so that editors and senders can check before sending.
 *
 *   npm run schemas          writes schemas/*.schema.json
 *   __tests__/schemas.test.ts fails when the committed files drift from the code
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { githubConfigSchema } from '../src/config.js'
import { clientPayloadSchema } from '../src/event.js'

export const SCHEMA_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'schemas'
)
const BASE_ID = 'https://raw.githubusercontent.com/debussy-issue-sync/debussy-issue-sync/v1/schemas'

/** Letters as [aA] classes: JSON Schema patterns have no case-insensitive flag. */
export function caseless(pattern: string): string {
  return pattern.replace(/\\.|[a-z]/g, (c) => (c.length === 2 ? c : `[${c}${c.toUpperCase()}]`))
}

/**
 * The event names normaliseEventType accepts (any case, `-`/space/`_`
 * separators, an optional `debussy:` prefix), as one pattern.
 */
export const EVENT_NAME_PATTERN = caseless(
  '^\\s*(?:debussy(?:[:_./]|[\\s-]+)+)?(?:phase(?:_|[\\s-]+)(?:started|completed|failed)|plan(?:_|[\\s-]+)completed)\\s*$'
)

/** Phase events need a phase. */
export const PHASE_EVENT_PATTERN = caseless(
  '^\\s*(?:debussy(?:[:_./]|[\\s-]+)+)?phase(?:_|[\\s-]+)(?:started|completed|failed)\\s*$'
)

/** A path with something in it and no control characters (the action trims it). */
const PLAN_PATTERN =
  '^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$'

export interface Schemas {
  readonly 'client-payload.schema.json': unknown
  readonly 'config.schema.json': unknown
}

export function buildSchemas(): Schemas {
  const payload = z.toJSONSchema(clientPayloadSchema, {
    // What the action checks beyond JSON types, written as JSON Schema can say it.
    override: (ctx) => {
      const schema = ctx.jsonSchema
      const properties = schema.properties
      if (properties === undefined || ctx.zodSchema !== clientPayloadSchema) return
      const { event, plan, phase } = properties
      if (typeof event === 'object') event.pattern = EVENT_NAME_PATTERN
      if (typeof plan === 'object') plan.pattern = PLAN_PATTERN
      if (typeof phase === 'object') {
        const description = phase.description
        for (const key of Object.keys(phase)) delete (phase as Record<string, unknown>)[key]
        Object.assign(phase, {
          description,
          anyOf: [
            { type: 'string', pattern: '^\\s*[A-Za-z0-9._-]{1,32}\\s*$' },
            // Its shortest decimal form must be an id: no exponent with a "+".
            { type: 'number', exclusiveMinimum: -1e21, exclusiveMaximum: 1e21 }
          ]
        })
      }
      schema.allOf = [
        {
          if: { properties: { event: { pattern: PHASE_EVENT_PATTERN } }, required: ['event'] },
          then: { required: ['phase'] }
        }
      ]
    }
  })
  const config = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    description:
      "Debussy's .debussy/config.yaml as debussy-issue-sync reads it: only the github: section matters; other keys are Debussy's own.",
    type: 'object',
    properties: {
      github: z.toJSONSchema(githubConfigSchema, { io: 'input', target: 'draft-2020-12' })
    },
    additionalProperties: true
  }
  delete (config.properties.github as { $schema?: string }).$schema
  return {
    'client-payload.schema.json': {
      ...payload,
      $id: `${BASE_ID}/client-payload.schema.json`,
      title: 'debussy-issue-sync client_payload (version 1)'
    },
    'config.schema.json': {
      ...config,
      $id: `${BASE_ID}/config.schema.json`,
      title: 'Debussy config (.debussy/config.yaml), github: section'
    }
  }
}

export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`
}

if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === path.resolve(process.argv[1])
) {
  for (const [name, schema] of Object.entries(buildSchemas())) {
    writeFileSync(path.join(SCHEMA_DIR, name), schemaText(schema))
    console.log(`wrote schemas/${name}`)
  }
}
