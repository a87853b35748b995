/**
 * @module admin/documented
 * What is left of a value when only the fields its schema documents are kept, without checking
 * any value: the fallback when an answer does not match its response schema (admin/io.ts), so
 * that the answer still goes out and an undocumented field still does not.
 */
import type { z } from "zod";

type Def = { type: string } & Record<string, unknown>;
type Schema = z.core.$ZodType;

const defOf = (schema: Schema): Def => schema._zod.def as unknown as Def;
const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export function documentedOnly(schema: Schema, value: unknown): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(def.shape as Record<string, Schema>)) {
        if (name in value) out[name] = documentedOnly(field, value[name]);
      }
      return out;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => documentedOnly(def.element as Schema, v)) : value;
    case "record":
      return isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, documentedOnly(def.valueType as Schema, v)])) : value;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      return documentedOnly(def.innerType as Schema, value);
    case "unknown":
    case "any":
      // Documented as free-form (a marketplace's plan, an answer): kept as it is.
      return value;
    case "pipe":
      return documentedOnly(def.in as Schema, value);
    case "lazy":
      return documentedOnly((def.getter as () => Schema)(), value);
    case "union": {
      // The first option the value fits, else the first option's fields.
      const options = def.options as Schema[];
      const fits = options.find((o) => (o as z.ZodType).safeParse(value).success);
      return fits ? documentedOnly(fits, value) : options[0] ? documentedOnly(options[0], value) : value;
    }
    default:
      // Scalars, enums and literals have no fields; an object under an unknown kind is withheld.
      return value !== null && typeof value === "object" ? null : value;
  }
}
