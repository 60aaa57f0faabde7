/**
 * A user-facing field is declared once, as a zod schema with its rule, and
 * this metadata beside it: its help text and examples go into the JSON Schema
 * (zod's global registry), its expected form into error messages, and all of it
 * into the docs' field tables (`npm run schemas`).
 */
import { z } from 'zod'

export interface FieldDoc {
  /** Help text: the JSON Schema description and the docs table's meaning. */
  readonly description: string
  /** The value's form as a message says it after "expected": `an integer ≥ 0`. */
  readonly expected: string
  /** A value a user would write; its JSON type is the field's (a number for an integer field). */
  readonly example?: string | number | boolean
  /** What to write instead, when the value is wrong (else the caller derives it from the example). */
  readonly fix?: string
  /** The docs table's "required" cell, when the field is not simply optional. */
  readonly required?: string
  /** JSON Schema for a rule that code checks and zod cannot express (a pattern, a cross-check). */
  readonly jsonSchema?: Readonly<Record<string, unknown>>
}

/** The message and docs side of each field; the JSON Schema side is in zod's global registry. */
export const fieldDocs = z.registry<FieldDoc>()

/** Declares a field: its zod rule, with its help text and examples as metadata. */
export function field<T extends z.ZodType>(schema: T, doc: FieldDoc): T {
  const described = schema.meta({
    description: doc.description,
    ...(doc.example === undefined ? {} : { examples: [doc.example] }),
    ...doc.jsonSchema
  })
  fieldDocs.add(described, doc)
  return described
}

/** The metadata of each key of an object schema, in declaration order. */
export function fieldDocsOf(shape: Readonly<Record<string, z.ZodType>>): Map<string, FieldDoc> {
  const docs = new Map<string, FieldDoc>()
  for (const [key, schema] of Object.entries(shape)) {
    const doc = fieldDocs.get(schema)
    // Every key of a user-facing schema is declared with field(); a bare one is a bug.
    if (doc === undefined) throw new Error(`field ${key} is declared without field()`)
    docs.set(key, doc)
  }
  return docs
}
