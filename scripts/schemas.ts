/**
 * JSON Schemas for what the orchestrator sends (client_payload) and what
 * people write (.debussy/config.yaml), generated from the zod schemas the
 * action validates with, so that editors and senders can check before sending.
 *
 *   npm run schemas          writes schemas/*.schema.json and the field tables of docs/GITHUB_SYNC.md
 *   __tests__/schemas.test.ts fails when the committed files drift from the code
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'prettier'
import { z } from 'zod'
import { githubConfigSchema } from '../src/config.js'
import { clientPayloadSchema } from '../src/event.js'
import { fieldDocsOf } from '../src/fields.js'

export const SCHEMA_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'schemas'
)
export const GUIDE = path.resolve(SCHEMA_DIR, '..', 'docs', 'GITHUB_SYNC.md')
const BASE_ID = 'https://raw.githubusercontent.com/debussy-issue-sync/debussy-issue-sync/v1/schemas'

export interface Schemas {
  readonly 'client-payload.schema.json': unknown
  readonly 'config.schema.json': unknown
}

/** Everything comes from the zod declarations: rules, help text, examples, and the JSON Schema form of checks done in code. */
export function buildSchemas(): Schemas {
  const payload = z.toJSONSchema(clientPayloadSchema, { io: 'input', target: 'draft-2020-12' })
  const github = z.toJSONSchema(githubConfigSchema, { io: 'input', target: 'draft-2020-12' })
  delete (github as { $schema?: string }).$schema
  return {
    'client-payload.schema.json': {
      ...payload,
      $id: `${BASE_ID}/client-payload.schema.json`,
      title: 'debussy-issue-sync client_payload (version 1)'
    },
    'config.schema.json': {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      description:
        "Debussy's .debussy/config.yaml as debussy-issue-sync reads it: only the github: section matters; other keys are Debussy's own.",
      type: 'object',
      properties: { github },
      additionalProperties: true,
      $id: `${BASE_ID}/config.schema.json`,
      title: 'Debussy config (.debussy/config.yaml), github: section'
    }
  }
}

export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`
}

/** A markdown table laid out as prettier lays it out, so that the guide stays formatted. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, 3, ...rows.map((row) => (row[column] ?? '').length))
  )
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n'
  )
}

/** A JSON Schema default as the guide writes it: `false`, `[]`, `debussy:failed`. */
function defaultCell(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``
}

/** The guide's field tables, one per marker name, from the field declarations. */
export function fieldTables(): Record<string, string> {
  const payloadRows = [...fieldDocsOf(clientPayloadSchema.shape)].map(([key, doc]) => [
    `\`${key}\``,
    doc.expected,
    doc.required ?? 'no',
    doc.description
  ])
  const inputSchema = z.toJSONSchema(githubConfigSchema, { io: 'input' }) as {
    properties: Record<
      string,
      { default?: unknown; properties?: Record<string, { default?: unknown }> }
    >
  }
  const labels = githubConfigSchema.shape.labels.unwrap()
  const project = githubConfigSchema.shape.project.unwrap()
  const configRows = [...fieldDocsOf(githubConfigSchema.shape)].flatMap(([key, doc]) =>
    key === 'project'
      ? [...fieldDocsOf(project.shape)].map(([projectKey, projectDoc]) => {
          const fallback = inputSchema.properties.project?.properties?.[projectKey]?.default
          return [
            `\`github.project.${projectKey}\``,
            projectDoc.expected,
            fallback === undefined ? 'none' : defaultCell(fallback),
            projectDoc.description
          ]
        })
      : key === 'labels'
        ? [...fieldDocsOf(labels.shape)].map(([labelKey, labelDoc]) => [
            `\`github.labels.${labelKey}\``,
            labelDoc.expected,
            defaultCell(inputSchema.properties.labels?.properties?.[labelKey]?.default),
            labelDoc.description
          ])
        : [
            [
              `\`github.${key}\``,
              doc.expected,
              defaultCell(inputSchema.properties[key]?.default),
              doc.description
            ]
          ]
  )
  return {
    'client-payload': table(['key', 'type', 'required', 'meaning'], payloadRows),
    config: table(['key', 'type', 'default', 'meaning'], configRows)
  }
}

/** The guide with each table between `<!-- fields:NAME -->` and `<!-- /fields:NAME -->` regenerated. */
export function withFieldTables(guide: string): string {
  let text = guide
  for (const [name, generated] of Object.entries(fieldTables())) {
    const open = `<!-- fields:${name} -->`
    const close = `<!-- /fields:${name} -->`
    const start = text.indexOf(open)
    const end = text.indexOf(close)
    if (start < 0 || end < start) throw new Error(`docs/GITHUB_SYNC.md has no ${open} … ${close}`)
    text = `${text.slice(0, start + open.length)}\n\n${generated}\n\n${text.slice(end)}`
  }
  return text
}

if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === path.resolve(process.argv[1])
) {
  for (const [name, schema] of Object.entries(buildSchemas())) {
    // Formatted as `prettier --check .` wants it; the drift test compares the parsed JSON.
    writeFileSync(path.join(SCHEMA_DIR, name), await format(schemaText(schema), { parser: 'json' }))
    console.log(`wrote schemas/${name}`)
  }
  writeFileSync(GUIDE, withFieldTables(readFileSync(GUIDE, 'utf8')))
  console.log('wrote the field tables of docs/GITHUB_SYNC.md')
}
