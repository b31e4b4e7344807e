// Property: a random value of a json_mapping message in its wire form (built from the message's
// schema) is read back unchanged by the generated decoder.
import assert from "node:assert/strict";
import { test } from "node:test";

import * as schemas from "../gen/jsonmap/v1/jsonmap.json.js";
import { decoder, type FieldSchema, type MessageSchema, type TypeSchema } from "../gen/jsonmap/v1/ssegen_json.js";

// A small deterministic generator (mulberry32), so failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const int = (n: number): number => Math.floor(next() * n);

function bytes(encoding: string): string {
  const data = Buffer.from(Array.from({ length: int(7) }, () => int(256)));
  switch (encoding) {
    case "hex":
      return data.toString("hex");
    case "base64_raw":
      return data.toString("base64").replace(/=+$/, "");
    case "base64url":
      return data.toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    case "base64url_raw":
      return data.toString("base64url");
    default:
      return data.toString("base64");
  }
}

function value(field: FieldSchema, type: TypeSchema, depth: number): unknown {
  if (typeof type === "string") {
    switch (type) {
      case "string":
        return pick(["", "a", "é😀", 'q"\\', "\u2028"]);
      case "bool":
        return next() < 0.5;
      case "int32":
        return int(2 ** 31) - 2 ** 30;
      case "uint32":
        return int(2 ** 32);
      case "int64":
        return field.number ? int(2 ** 53) - 2 ** 52 : String(BigInt(int(2 ** 53)) * 1000n - 5n);
      case "uint64":
        return field.number ? int(2 ** 53) : String(BigInt(int(2 ** 53)) * 1000n);
      case "float":
      case "double":
        return pick([0, 1.5, -2.25, 1e-7]);
      default:
        return {};
    }
  }
  if ("bytes" in type) return bytes(type.bytes);
  if ("timestamp" in type) {
    const seconds = int(4e9) - 2e9;
    switch (type.timestamp) {
      case "unix_seconds":
        return seconds;
      case "unix_millis":
        return seconds * 1000 + int(1000);
      case "date":
        return new Date(seconds * 1000).toISOString().slice(0, 10);
      default:
        return new Date(seconds * 1000).toISOString().replace(".000", "");
    }
  }
  if ("enum" in type) {
    const e = type.enum();
    return field.number ? pick(e.numbers) : pick(e.names);
  }
  return message(type.message(), depth + 1);
}

function fieldValue(field: FieldSchema, depth: number): unknown {
  if (field.list) return Array.from({ length: int(3) }, () => value(field, field.type, depth));
  if (field.map !== undefined) return Object.fromEntries(Array.from({ length: int(3) }, (_, i) => ["k" + i, value(field, field.type, depth)]));
  if (field.nullable && next() < 0.3) return null;
  return value(field, field.type, depth);
}

function members(schema: MessageSchema, out: Record<string, unknown>, prefix: string, depth: number): void {
  const inOneof = new Set((schema.oneofs ?? []).flatMap((o) => o.members.map(([, key]) => key)));
  const plainOneofs = new Set<string>();
  for (const field of schema.fields) {
    if (inOneof.has(field.key) || depth > 3 || next() < 0.3) continue;
    if (field.flatten !== undefined) {
      members((field.type as { message: () => MessageSchema }).message(), out, prefix + field.flatten, depth + 1);
      continue;
    }
    if (field.oneof !== undefined) {
      if (plainOneofs.has(field.oneof)) continue;
      plainOneofs.add(field.oneof);
    }
    out[prefix + field.key] = fieldValue(field, depth);
  }
  for (const oneof of schema.oneofs ?? []) {
    if (next() < 0.25) continue;
    const [tag, key] = pick(oneof.members);
    const field = schema.fields.find((f) => f.key === key) as FieldSchema;
    out[prefix + oneof.discriminator] = tag;
    if (oneof.flatten) members((field.type as { message: () => MessageSchema }).message(), out, prefix, depth + 1);
    else out[prefix + key] = fieldValue(field, depth);
  }
}

function message(schema: MessageSchema, depth: number): unknown {
  const only = schema.fields[0];
  if (schema.unwrap && only !== undefined) return fieldValue(only, depth);
  const out: Record<string, unknown> = {};
  members(schema, out, "", depth);
  return out;
}

test("decode is the identity on random wire values of every json_mapping message", () => {
  const all = Object.entries(schemas).filter((entry): entry is [string, MessageSchema] => "fields" in entry[1]);
  assert.ok(all.length >= 10);
  for (let i = 0; i < 300; i++) {
    for (const [name, schema] of all) {
      const wire = message(schema, 0);
      assert.deepEqual(decoder<unknown>(schema)(wire), wire, `${name}: ${JSON.stringify(wire)}`);
    }
  }
});
