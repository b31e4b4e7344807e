## The JSON decoder runtime: checks and normalises JSON against the generated schemas.
${generated_notice}
// source: ${source}
<%text>
// Reads JSON into the wire types of the generated modules: every value is checked against its
// field's type and JSON mapping (the `<file>.json.ts` schemas), unknown keys are dropped, and the
// accepted spellings are normalised to the one the type declares (an int64 sent as a number
// becomes its string, an enum number its name, a member without discriminator gets one). Problems
// are collected as violations, the same fields the Go server names.

import { type FieldViolation, ValidationError } from "./ssegen_errors.js";

/** A scalar's JSON form; 64-bit integers are strings unless `number` is set on the field. */
export type ScalarJson =
  | "string"
  | "bool"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float"
  | "double"
  | "duration"
  | "fieldmask"
  | "json"
  | "object";

export interface EnumSchema {
  /** The JSON name of each value (its `enum_value`, else its proto name). */
  readonly names: readonly string[];
  readonly protoNames: readonly string[];
  readonly numbers: readonly number[];
}

export type TypeSchema =
  | ScalarJson
  | { readonly bytes: "base64" | "base64_raw" | "base64url" | "base64url_raw" | "hex" }
  | { readonly timestamp: "rfc3339" | "unix_seconds" | "unix_millis" | "date" }
  | { readonly enum: () => EnumSchema }
  | { readonly message: () => MessageSchema };

export interface FieldSchema {
  /** The JSON key, and the proto name protojson also accepts. */
  readonly key: string;
  readonly name: string;
  readonly type: TypeSchema;
  readonly list?: boolean;
  /** A map, by its key's scalar type. */
  readonly map?: "string" | "bool" | "int32" | "uint32" | "int64" | "uint64";
  /** int64_encoding / enum_encoding NUMBER. */
  readonly number?: boolean;
  /** `null` is a value (nullable, or empty_behavior NULL), kept as `null`. */
  readonly nullable?: boolean;
  /** The name of the plain oneof the field belongs to. */
  readonly oneof?: string;
  /** flatten: the message's keys sit in the parent object, with this prefix. */
  readonly flatten?: string;
  /** A scalar with explicit presence (proto3 `optional`): written even when it holds its default. */
  readonly presence?: boolean;
  /** empty_behavior OMIT: an all-default message is left out. */
  readonly omitEmpty?: boolean;
}

export interface OneofSchema {
  readonly discriminator: string;
  readonly flatten: boolean;
  /** [discriminator value, field key] of each member. */
  readonly members: readonly (readonly [string, string])[];
}

export interface MessageSchema {
  readonly fields: readonly FieldSchema[];
  readonly oneofs?: readonly OneofSchema[];
  /** Written as the bare value of its only field. */
  readonly unwrap?: boolean;
}

/** Checks a JSON value against a message's schema and returns its normalised copy. */
export type Decoder<T> = (value: unknown) => T;

/** The decoder of a message: throws ValidationError listing every value that does not fit. */
export function decoder<T>(schema: MessageSchema): Decoder<T> {
  return (value: unknown): T => {
    const violations: FieldViolation[] = [];
    const result = decodeMessage(schema, value, "", violations);
    if (violations.length > 0) throw new ValidationError(violations);
    return result as T;
  };
}

/**
 * The encoder of a message: the value checked and normalised as `decoder` does it (throwing its
 * ValidationError when it does not fit), then written as the Go server writes the same message.
 * Fields follow in proto order; fields without presence that hold their default are left out;
 * unset nullable fields and unset or all-default empty_behavior NULL messages are `null`;
 * all-default empty_behavior OMIT messages are left out; a discriminator alone selects its
 * member with the member's default; base64 bytes take the standard alphabet with padding.
 */
export function encoder<T>(schema: MessageSchema): (value: T) => unknown {
  const decode = decoder<unknown>(schema);
  return (value: T): unknown => encodeMessage(schema, decode(value));
}

/** Like `decoder`, adding the problems to `violations` instead of throwing. */
export function decodeInto<T>(schema: MessageSchema, value: unknown, violations: FieldViolation[]): T {
  return decodeMessage(schema, value, "", violations) as T;
}

type Problems = FieldViolation[];
type JsonObject = Record<string, unknown>;

function fail(violations: Problems, path: string, description: string): undefined {
  violations.push({ field: path === "" ? "body" : path, description });
  return undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function own(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function join(path: string, key: string): string {
  return path === "" ? key : path + "." + key;
}

function decodeMessage(schema: MessageSchema, value: unknown, path: string, violations: Problems): unknown {
  const only = schema.fields[0];
  if (schema.unwrap && only !== undefined) return decodeField(only, value, path, violations);
  if (!isObject(value)) return fail(violations, path, "must be a JSON object");
  const out: JsonObject = {};
  members(schema, value, "", out, path, violations);
  return out;
}

function lookup(obj: JsonObject, prefix: string, field: FieldSchema): [unknown, string] {
  const byKey = own(obj, prefix + field.key);
  if (byKey !== undefined) return [byKey, prefix + field.key];
  return [own(obj, prefix + field.name), prefix + field.name];
}

// The annotated oneof of each member field's key, worked out once per schema (every message
// read or written asks).
const ONEOF_MEMBERS = new WeakMap<MessageSchema, ReadonlyMap<string, OneofSchema>>();
const NO_ONEOFS: ReadonlyMap<string, OneofSchema> = new Map();

function oneofMembers(schema: MessageSchema): ReadonlyMap<string, OneofSchema> {
  if (schema.oneofs === undefined) return NO_ONEOFS;
  let byKey = ONEOF_MEMBERS.get(schema);
  if (byKey === undefined) {
    const map = new Map<string, OneofSchema>();
    for (const oneof of schema.oneofs) for (const [, key] of oneof.members) map.set(key, oneof);
    ONEOF_MEMBERS.set(schema, map);
    byKey = map;
  }
  return byKey;
}

function members(schema: MessageSchema, obj: JsonObject, prefix: string, out: JsonObject, path: string, violations: Problems): void {
  const inOneof = oneofMembers(schema);
  let plainOneofs: Map<string, string> | undefined;
  for (const field of schema.fields) {
    if (inOneof.has(field.key)) continue;
    if (field.flatten !== undefined) {
      members(messageOf(field), obj, prefix + field.flatten, out, path, violations);
      continue;
    }
    const [raw, key] = lookup(obj, prefix, field);
    if (raw === undefined) continue;
    if (raw === null && !isJsonValue(field)) {
      if (field.nullable) out[prefix + field.key] = null;
      continue;
    }
    if (field.oneof !== undefined) {
      plainOneofs ??= new Map<string, string>();
      const other = plainOneofs.get(field.oneof);
      if (other !== undefined) {
        fail(violations, join(path, key), "only one of " + other + " and " + key + " may be set (oneof " + field.oneof + ")");
        continue;
      }
      plainOneofs.set(field.oneof, key);
    }
    const value = decodeField(field, raw, join(path, key), violations);
    if (value !== undefined) out[prefix + field.key] = value;
  }
  for (const oneof of schema.oneofs ?? []) decodeOneof(schema, oneof, obj, prefix, out, path, violations);
}

function decodeOneof(
  schema: MessageSchema,
  oneof: OneofSchema,
  obj: JsonObject,
  prefix: string,
  out: JsonObject,
  path: string,
  violations: Problems,
): void {
  const discPath = join(path, prefix + oneof.discriminator);
  const raw = own(obj, prefix + oneof.discriminator);
  let chosen = -1;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== "string") {
      fail(violations, discPath, "must be a string");
      return;
    }
    chosen = oneof.members.findIndex(([value]) => value === raw);
    if (chosen < 0) {
      fail(violations, discPath, JSON.stringify(raw) + " is not one of " + oneof.members.map(([v]) => v).join(", "));
      return;
    }
  }
  const fieldOf = (key: string): FieldSchema => schema.fields.find((f) => f.key === key) as FieldSchema;
  if (oneof.flatten) {
    const member = oneof.members[chosen];
    if (member === undefined) return;
    out[prefix + oneof.discriminator] = member[0];
    members(messageOf(fieldOf(member[1])), obj, prefix, out, path, violations);
    return;
  }
  oneof.members.forEach(([, memberKey], i) => {
    const field = fieldOf(memberKey);
    const [value, key] = lookup(obj, prefix, field);
    if (value === undefined || value === null) return;
    if (chosen >= 0 && chosen !== i) {
      const [expected] = oneof.members[chosen] as readonly [string, string];
      fail(violations, join(path, key), "does not match " + oneof.discriminator + " " + JSON.stringify(expected));
      return;
    }
    chosen = i;
    const decoded = decodeField(field, value, join(path, key), violations);
    if (decoded !== undefined) out[prefix + field.key] = decoded;
  });
  const member = oneof.members[chosen];
  if (member !== undefined) out[prefix + oneof.discriminator] = member[0];
}

function messageOf(field: FieldSchema): MessageSchema {
  return (field.type as { readonly message: () => MessageSchema }).message();
}

function isJsonValue(field: FieldSchema): boolean {
  return field.type === "json" && field.list !== true && field.map === undefined;
}

function decodeField(field: FieldSchema, raw: unknown, path: string, violations: Problems): unknown {
  if (field.list) {
    if (!Array.isArray(raw)) return fail(violations, path, "must be a JSON array");
    const out: unknown[] = [];
    raw.forEach((item, i) => {
      out.push(decodeSingle(field, item, path + "[" + i + "]", violations));
    });
    return out;
  }
  if (field.map !== undefined) {
    if (!isObject(raw)) return fail(violations, path, "must be a JSON object");
    const out: JsonObject = {};
    for (const key of Object.keys(raw).sort()) {
      if (!mapKeyFits(field.map, key)) {
        fail(violations, join(path, key), JSON.stringify(key) + " is not a valid " + field.map + " map key");
        continue;
      }
      out[key] = decodeSingle(field, raw[key], join(path, key), violations);
    }
    return out;
  }
  return decodeSingle(field, raw, path, violations);
}

function mapKeyFits(type: string, key: string): boolean {
  switch (type) {
    case "string":
      return !LONE_SURROGATE.test(key);
    case "bool":
      return key === "true" || key === "false";
    default:
      return integerFits(type, key);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INTEGER = /^-?[0-9]+$/;
const RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function integerFits(type: string, text: string): boolean {
  if (!INTEGER.test(text)) return false;
  const range = RANGES[type] as readonly [bigint, bigint];
  const n = BigInt(text);
  return n >= range[0] && n <= range[1];
}

// The decimal text of an integer given as a JSON number or a string holding one.
function integerText(raw: unknown): string | undefined {
  if (typeof raw === "number") {
    if (!Number.isInteger(raw)) return undefined;
    return BigInt(raw).toString();
  }
  if (typeof raw === "string" && INTEGER.test(raw)) return BigInt(raw).toString();
  return undefined;
}

const BYTES: Record<string, RegExp> = {
  base64: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  base64_raw: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$/,
  base64url: /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/,
  base64url_raw: /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/,
  hex: /^(?:[0-9A-Fa-f]{2})*$/,
};
const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DURATION = /^-?[0-9]+(?:\.[0-9]{1,9})?s$/;
// google.protobuf.Timestamp's range, in seconds: 0001-01-01 to 9999-12-31.
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

function validDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  date.setUTCFullYear(Number(year));
  return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function decodeSingle(field: FieldSchema, raw: unknown, path: string, violations: Problems): unknown {
  const type = field.type;
  if (raw === null && type !== "json") return fail(violations, path, "must not be null");
  if (typeof type === "string") return decodeScalar(type, field.number === true, raw, path, violations);
  if ("bytes" in type) {
    const encoding = type.bytes;
    const fits =
      typeof raw === "string" &&
      (encoding === "base64"
        ? [BYTES.base64, BYTES.base64_raw, BYTES.base64url, BYTES.base64url_raw].some((r) => r?.test(raw))
        : (BYTES[encoding] as RegExp).test(raw));
    return fits ? raw : fail(violations, path, "is not valid " + encoding.replace("_raw", " without padding"));
  }
  if ("timestamp" in type) return decodeTimestamp(type.timestamp, raw, path, violations);
  if ("enum" in type) return decodeEnum(type.enum(), field.number === true, raw, path, violations);
  return decodeMessage(type.message(), raw, path, violations);
}

function decodeScalar(type: ScalarJson, asNumber: boolean, raw: unknown, path: string, violations: Problems): unknown {
  switch (type) {
    case "string":
    case "fieldmask":
      if (typeof raw !== "string" || LONE_SURROGATE.test(raw)) return fail(violations, path, "must be a string of valid Unicode");
      return raw;
    case "bool":
      return typeof raw === "boolean" ? raw : fail(violations, path, "must be a boolean");
    case "int32":
    case "uint32":
    case "int64":
    case "uint64": {
      const text = integerText(raw);
      if (text === undefined || !integerFits(type, text)) {
        return fail(violations, path, "must be an integer in the range of " + type);
      }
      const sixtyFour = type === "int64" || type === "uint64";
      return sixtyFour && !asNumber ? text : Number(text);
    }
    case "float":
    case "double": {
      let n: number | undefined;
      if (typeof raw === "number") n = raw;
      else if (raw === "NaN") n = NaN;
      else if (raw === "Infinity") n = Infinity;
      else if (raw === "-Infinity") n = -Infinity;
      else if (typeof raw === "string" && raw.trim() !== "" && Number.isFinite(Number(raw))) n = Number(raw);
      if (n === undefined) return fail(violations, path, "must be a number");
      if (type === "float" && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) {
        return fail(violations, path, "is out of the range of float");
      }
      return n;
    }
    case "duration":
      return typeof raw === "string" && DURATION.test(raw) ? raw : fail(violations, path, "must be a duration such as \"1.5s\"");
    case "object":
      return isObject(raw) ? raw : fail(violations, path, "must be a JSON object");
    case "json":
      return raw;
  }
}

function decodeTimestamp(format: string, raw: unknown, path: string, violations: Problems): unknown {
  switch (format) {
    case "unix_seconds":
    case "unix_millis": {
      const seconds = typeof raw === "number" && Number.isInteger(raw) ? (format === "unix_millis" ? Math.floor(raw / 1000) : raw) : NaN;
      if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS)) {
        return fail(violations, path, "must be an integer (" + format.replace("_", " ") + ")");
      }
      return raw;
    }
    case "date": {
      const m = typeof raw === "string" ? DATE.exec(raw) : null;
      if (m === null || !validDate(m[1] as string, m[2] as string, m[3] as string)) {
        return fail(violations, path, "must be a date (YYYY-MM-DD)");
      }
      return raw;
    }
    default: {
      const m = typeof raw === "string" ? RFC3339.exec(raw) : null;
      const hours = m === null ? 99 : Number(m[4]);
      const minutes = m === null ? 99 : Number(m[5]);
      const secs = m === null ? 99 : Number(m[6]);
      if (m === null || !validDate(m[1] as string, m[2] as string, m[3] as string) || hours > 23 || minutes > 59 || secs > 59) {
        return fail(violations, path, "must be an RFC 3339 timestamp");
      }
      return raw;
    }
  }
}

function decodeEnum(schema: EnumSchema, asNumber: boolean, raw: unknown, path: string, violations: Problems): unknown {
  let index = -1;
  if (typeof raw === "string") {
    index = schema.names.indexOf(raw);
    if (index < 0) index = schema.protoNames.indexOf(raw);
    if (index < 0) return fail(violations, path, JSON.stringify(raw) + " is not one of " + schema.names.join(", "));
  } else if (typeof raw === "number" && Number.isInteger(raw) && integerFits("int32", String(raw))) {
    index = schema.numbers.indexOf(raw);
    // Open enums keep numbers they do not know, as protobuf does.
    if (index < 0) return raw;
  } else {
    return fail(violations, path, "must be a value name or number");
  }
  return asNumber ? schema.numbers[index] : schema.names[index];
}

// Encoding (of values the decoder normalised) ----------------------------------------------------

function encodeMessage(schema: MessageSchema, value: unknown): unknown {
  const only = schema.fields[0];
  if (schema.unwrap && only !== undefined) return encodeValue(only, value);
  const out: JsonObject = {};
  encodeMembers(schema, value as JsonObject, "", out);
  return out;
}

function encodeMembers(schema: MessageSchema, obj: JsonObject, prefix: string, out: JsonObject): void {
  const oneofOf = oneofMembers(schema);
  let written: Set<OneofSchema> | undefined;
  for (const field of schema.fields) {
    const oneof = oneofOf.get(field.key);
    if (oneof !== undefined) {
      // At the place of its first member, as Go writes it.
      written ??= new Set<OneofSchema>();
      if (!written.has(oneof)) encodeOneof(schema, oneof, obj, prefix, out);
      written.add(oneof);
      continue;
    }
    if (field.flatten !== undefined) {
      // Written only when the flattened message holds something, as Go leaves an empty one unset.
      const flat: JsonObject = {};
      encodeMembers(messageOf(field), obj, prefix + field.flatten, flat);
      if (Object.values(flat).some((v) => v !== null)) Object.assign(out, flat);
      continue;
    }
    const key = prefix + field.key;
    const raw = own(obj, key);
    if (raw === undefined || raw === null) {
      if (field.nullable) out[key] = null;
      continue;
    }
    const value = encodeValue(field, raw);
    if (isMessageField(field) && (field.nullable || field.omitEmpty) && isEmpty(value)) {
      if (field.nullable) out[key] = null;
      continue;
    }
    if (!hasPresence(field) && isDefault(field, value)) continue;
    out[key] = value;
  }
}

function encodeOneof(schema: MessageSchema, oneof: OneofSchema, obj: JsonObject, prefix: string, out: JsonObject): void {
  const chosen = oneof.members.find(([value]) => value === own(obj, prefix + oneof.discriminator));
  if (chosen === undefined) return;
  const [value, memberKey] = chosen;
  const field = schema.fields.find((f) => f.key === memberKey) as FieldSchema;
  out[prefix + oneof.discriminator] = value;
  if (oneof.flatten) {
    encodeMembers(messageOf(field), obj, prefix, out);
    return;
  }
  const raw = own(obj, prefix + memberKey);
  out[prefix + memberKey] = raw === undefined || raw === null ? defaultOf(field) : encodeValue(field, raw);
}

function encodeValue(field: FieldSchema, value: unknown): unknown {
  if (field.list) return (value as unknown[]).map((item) => encodeSingle(field, item));
  if (field.map !== undefined) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value as JsonObject)) out[key] = encodeSingle(field, item);
    return out;
  }
  return encodeSingle(field, value);
}

function encodeSingle(field: FieldSchema, value: unknown): unknown {
  const type = field.type;
  if (typeof type === "object" && "message" in type) return encodeMessage(type.message(), value);
  if (typeof type === "object" && "bytes" in type && type.bytes === "base64") return standardBase64(value as string);
  return value;
}

// base64 fields read every alphabet, with or without padding; they are written in the standard one.
function standardBase64(text: string): string {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return standard + "=".repeat((4 - (standard.length % 4)) % 4);
}

function isMessageField(field: FieldSchema): boolean {
  return typeof field.type === "object" && "message" in field.type && field.list !== true && field.map === undefined;
}

// A message that holds nothing: all its members unset (written as nulls), or an empty unwrapped value.
function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.values(value).every((v) => v === null);
}

const IMPLICIT_PRESENCE: ReadonlySet<string> = new Set(["string", "bool", "int32", "uint32", "int64", "uint64", "float", "double"]);

// Messages (timestamps and other well-known types included), oneof members and `optional`
// scalars are written whenever they are set.
function hasPresence(field: FieldSchema): boolean {
  if (field.list || field.map !== undefined) return false;
  if (field.presence || field.nullable || field.oneof !== undefined) return true;
  const type = field.type;
  if (typeof type === "string") return !IMPLICIT_PRESENCE.has(type);
  return "message" in type || "timestamp" in type;
}

function isDefault(field: FieldSchema, value: unknown): boolean {
  if (field.list) return (value as unknown[]).length === 0;
  if (field.map !== undefined) return Object.keys(value as JsonObject).length === 0;
  return Object.is(value, defaultOf(field));
}

// The default of a scalar or enum field, in its JSON form; a message's is the empty message.
function defaultOf(field: FieldSchema): unknown {
  const type = field.type;
  if (typeof type === "object") {
    if ("bytes" in type) return "";
    if ("enum" in type) {
      const schema = type.enum();
      return field.number ? 0 : (schema.names[schema.numbers.indexOf(0)] ?? 0);
    }
    if ("message" in type) return encodeMessage(type.message(), type.message().unwrap ? unwrappedEmpty(type.message()) : {});
    return undefined;
  }
  switch (type) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int64":
    case "uint64":
      return field.number ? 0 : "0";
    case "int32":
    case "uint32":
    case "float":
    case "double":
      return 0;
  }
  return undefined;
}

function unwrappedEmpty(schema: MessageSchema): unknown {
  return schema.fields[0]?.list ? [] : {};
}
</%text>
