## The server runtime: binding, error answers, SSE streaming and a router, on web-standard
## Request and Response only.
${generated_notice}
// source: ${source}
<%text>
import {
  ApiError,
  SSE_END_EVENT,
  SSE_ERROR_EVENT,
  ValidationError,
  isApiError,
  isValidationError,
  type FieldViolation,
} from "./ssegen_errors.js";
import { decodeInto, encoder, type MessageSchema } from "./ssegen_json.js";

/** A route: method, path (with {variable} placeholders) and the fetch-style handler serving it. */
export interface RouteDescriptor {
  method: string;
  path: string;
  /** Matches the path from the end of the URL path, so the route works under any mount prefix. */
  handler: (request: Request) => Promise<Response>;
}

/** What a handler method gets besides the request message. */
export interface HandlerContext {
  request: Request;
  /** Aborts when the client goes away (or the response stream is cancelled). */
  signal: AbortSignal;
  /** The path variables, percent-decoded. */
  pathParams: Record<string, string>;
  /** The Last-Event-ID request header: where a resuming client left off. */
  lastEventId: string | undefined;
  /** Streams only: sends `retry: <ms>`, the client's reconnection delay, with the next frame. */
  setRetry(ms: number): void;
  /**
   * Headers sent with the response, errors included (Content-Type is the server's). A stream sends
   * them when it commits: set them before its first item.
   */
  responseHeaders: Headers;
}

/** One call as interceptors see it. */
export interface ServerCall {
  /** The full proto name of the method, e.g. "market.v1.MarketDataService.GetQuote". */
  readonly method: string;
  readonly streaming: boolean;
  readonly request: Request;
  /** The request message, bound and checked. */
  readonly message: unknown;
  /** The handler context's responseHeaders. */
  readonly responseHeaders: Headers;
}

/**
 * Runs around a call, the first of ServerOptions.interceptors outermost. `next` runs the next
 * interceptor, then the handler, and resolves to a unary call's response or a stream's source; an
 * interceptor may return its own instead. Throwing rejects the call (an ApiError or
 * ValidationError is sent as it is).
 */
export type ServerInterceptor = (call: ServerCall, next: () => Promise<unknown>) => Promise<unknown>;

export interface ServerOptions {
  /**
   * Sees every error that is neither ValidationError nor ApiError (a handler's throw of anything
   * else), and may answer it. Undefined (a hook that only logs) sends the default 500
   * `{"message":"internal server error"}`: nothing of such an error reaches the client unless the
   * hook, or the handler throwing an ApiError, sends it on purpose. After a stream started, the JSON
   * body of the answer becomes the data of the error event.
   */
  onError?: (error: unknown, request: Request) => Response | undefined | void | Promise<Response | undefined | void>;
  /** Milliseconds of silence after which a stream sends a comment line. Default 15000; 0 disables. */
  heartbeatIntervalMs?: number;
  /** Largest request body; a larger one is answered 413. Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * "sebuf": streams end the way sebuf's servers end them, for sebuf's clients: no end event (the
   * response just ends), and an error event whose data is a JSON string, the error's message (for
   * a ValidationError, its violations body as a string). Default "ssegen".
   */
  framing?: "ssegen" | "sebuf";
  /** Run around every call, unary and stream; see ServerInterceptor. */
  interceptors?: readonly ServerInterceptor[];
}

export interface RouterOptions {
  /** A path prefix the routes are mounted under, e.g. "/v2". */
  prefix?: string;
  /** Lets browser pages of other origins call the routes; see CorsOptions. */
  cors?: CorsOptions;
}

/**
 * CORS: preflight requests (OPTIONS) are answered for every route path, and every answer gets the
 * Access-Control headers. Preflights may ask for any request header (declared headers,
 * Content-Type, Last-Event-ID...), as the routes check their own headers.
 */
export interface CorsOptions {
  /** Origins such as "https://app.example.com"; "*" allows any origin. */
  allowedOrigins: readonly string[];
  /** Lets pages send cookies and HTTP authentication ("*" then answers with the request's origin). */
  allowCredentials?: boolean;
  /** Seconds a browser may cache a preflight answer. */
  maxAgeSeconds?: number;
  /** Response headers pages may read besides the CORS-safelisted ones (e.g. responseHeaders'). */
  exposedHeaders?: readonly string[];
}

/** A stream item with an event name and/or id; make one with serverEvent(). */
export interface ServerEvent<T> {
  readonly data: T;
  readonly event: string | undefined;
  readonly id: string | undefined;
}

/** What a streaming handler returns: each item is one event (a message, or a ServerEvent). */
export type StreamSource<T> = ReadableStream<T | ServerEvent<T>> | AsyncIterable<T | ServerEvent<T>>;

/** How a URL value is parsed: a proto scalar kind, or an enum's value names and numbers. */
export type ScalarType =
  | "string"
  | "bool"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float"
  | { readonly enum: Readonly<Record<string, number>> };

/** A path variable or query parameter bound to a request field. */
export interface ParamSpec {
  /** The variable or query parameter name. */
  readonly name: string;
  /** The request field's JSON name. */
  readonly field: string;
  readonly type: ScalarType;
  readonly repeated?: boolean;
  readonly required?: boolean;
  /** int64_encoding / enum_encoding NUMBER: the field holds a number (an enum's number). */
  readonly number?: boolean;
}

/** A header declared by the service or method (headers.proto). */
export interface HeaderSpec {
  readonly name: string;
  /** string, integer, number, boolean or array. */
  readonly type: string;
  readonly required: boolean;
  readonly format?: string;
}

/** The HTTP binding of one method, as generated. */
export interface MethodSpec {
  /** The full proto name of the method. */
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers: readonly HeaderSpec[];
  readonly pathParams: readonly ParamSpec[];
  readonly query: readonly ParamSpec[];
  /** Whether the request message is the JSON body (POST, PUT, PATCH). */
  readonly body: boolean;
  /**
   * The schema the body is checked against and normalised with (see ssegen_json.ts): a body that
   * does not fit is a 400 listing every value at fault.
   */
  readonly request?: MessageSchema;
  /**
   * The schema responses (each event of a stream) are written with, when the response uses sebuf's
   * JSON options: the handler's value is checked and written in the mapping's form; a value that
   * does not fit is an internal error. Without it the value is written as the handler returned it.
   */
  readonly response?: MessageSchema;
  /**
   * The buf.validate checks of the request (see <file>.validate.ts), run on the bound request
   * before the handler: violations are a 400, as protovalidate's are in the Go server.
   */
  readonly validate?: (request: never) => readonly FieldViolation[];
}

const DEFAULT_HEARTBEAT_INTERVAL_MS = 15000;
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const RESERVED_EVENT_NAMES: readonly string[] = [SSE_ERROR_EVENT, SSE_END_EVENT];
// A registered symbol, so events made by another directory's copy of this module are recognised.
const SERVER_EVENT = Symbol.for("ssegen.ServerEvent");

/**
 * A stream item with an event name and/or id. Names and ids containing CR, LF or NUL, and the
 * reserved names "error" and "end", fail the stream when the item is sent.
 */
export function serverEvent<T>(
  data: T,
  options: { event?: string | undefined; id?: string | undefined } = {},
): ServerEvent<T> {
  const event: ServerEvent<T> = { data, event: options.event, id: options.id };
  Object.defineProperty(event, SERVER_EVENT, { value: true });
  return event;
}

/** The route of a unary method: bind, call the handler, answer JSON or the error. */
export function unaryRoute<Req, Res>(
  spec: MethodSpec,
  call: (request: Req, context: HandlerContext) => Promise<Res> | Res,
  options: ServerOptions = {},
): RouteDescriptor {
  const template = parseTemplate(spec.path);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const encode = responseEncoder(spec);
  return {
    method: spec.method,
    path: spec.path,
    handler: async (request) => {
      const controller = new AbortController();
      const unlink = follow(request.signal, controller);
      const responseHeaders = new Headers();
      try {
        const bound = await bind(request, spec, template, maxBodyBytes);
        const context = handlerContext(request, controller.signal, bound.pathParams, () => {}, responseHeaders);
        const message = bound.message as unknown as Req;
        const result = await intercept(options, spec, false, context, message, async () => call(message, context));
        return withHeaders(jsonResponse(200, encode(result ?? {})), responseHeaders);
      } catch (error) {
        return withHeaders(await errorResponse(error, request, options), responseHeaders);
      } finally {
        unlink();
      }
    },
  };
}

/**
 * The route of a streaming method. Failures before the first event (binding, the handler throwing,
 * its first item failing) are ordinary HTTP errors; the stream commits (200) on the first event or
 * heartbeat. Then a failure becomes an `error` event, a clean end an `end` event. The handler's
 * stream is pulled only as the body is read (items it has already produced go out in one chunk),
 * and cancelled (with context.signal aborted) when the client goes away.
 */
export function streamRoute<Req, Res>(
  spec: MethodSpec,
  call: (request: Req, context: HandlerContext) => StreamSource<Res> | Promise<StreamSource<Res>>,
  options: ServerOptions = {},
): RouteDescriptor {
  const template = parseTemplate(spec.path);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const encode = responseEncoder(spec);
  return {
    method: spec.method,
    path: spec.path,
    handler: async (request) => {
      const controller = new AbortController();
      const unlink = follow(request.signal, controller);
      const retry: RetryState = { ms: undefined };
      const responseHeaders = new Headers();
      let source: Source<unknown>;
      try {
        const bound = await bind(request, spec, template, maxBodyBytes);
        const context = handlerContext(request, controller.signal, bound.pathParams, (ms) => {
          if (!Number.isSafeInteger(ms) || ms < 0) {
            throw new RangeError("retry must be a whole number of milliseconds >= 0");
          }
          retry.ms = ms;
        }, responseHeaders);
        const message = bound.message as unknown as Req;
        const opened = await intercept(options, spec, true, context, message, async () => call(message, context));
        source = openSource(opened as StreamSource<Res>);
      } catch (error) {
        unlink();
        return withHeaders(await errorResponse(error, request, options), responseHeaders);
      }
      return withHeaders(await streamResponse(source, encode, request, controller, unlink, options, retry), responseHeaders);
    },
  };
}

/**
 * A handler for the routes: 404 `{"message"}` when no route matches the path, 405 when one does
 * with another method. Literal segments win over variables. HEAD is served by a GET route, as
 * HTTP requires: its status and headers, without the body (a stream is cancelled at once). Throws
 * when two routes can match the same request and neither is more specific (e.g. two services with
 * one route), as Go's ServeMux refuses such a registration.
 */
export function createRouter(
  routes: RouteDescriptor[],
  options: RouterOptions = {},
): (request: Request) => Promise<Response> {
  const trimmed = (options.prefix ?? "").replace(/\/+$/, "");
  const prefix = trimmed === "" || trimmed.startsWith("/") ? trimmed : "/" + trimmed;
  const table = routes.map((route) => ({ route, template: parseTemplate(route.path) }));
  checkClashes(table);
  const dispatch = async (request: Request): Promise<Response> => {
    const pathname = new URL(request.url).pathname;
    if (prefix !== "" && pathname !== prefix && !pathname.startsWith(prefix + "/")) {
      return notFound(request.method, pathname);
    }
    const parts = pathname.slice(prefix.length).split("/").slice(1);
    const head = request.method === "HEAD";
    const method = head ? "GET" : request.method;
    let best: (typeof table)[number] | undefined;
    const allowed = new Set<string>();
    for (const entry of table) {
      if (parts.length !== entry.template.length || matchSegments(parts, entry.template) === undefined) continue;
      if (entry.route.method === "GET") allowed.add("HEAD");
      if (entry.route.method !== method) {
        allowed.add(entry.route.method);
      } else if (best === undefined || moreSpecific(entry.template, best.template)) {
        best = entry;
      }
    }
    if (best !== undefined) {
      let response: Response;
      try {
        response = await best.route.handler(head ? new Request(request, { method: "GET" }) : request);
      } catch {
        return internalError();
      }
      if (!head) return response;
      await response.body?.cancel().catch(() => {});
      return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    if (allowed.size > 0) {
      const methods = [...allowed].sort().join(", ");
      const message = "method " + request.method + " not allowed; use " + methods;
      return jsonResponse(405, { message }, { Allow: methods });
    }
    return notFound(request.method, pathname);
  };
  const cors = options.cors;
  return cors === undefined ? dispatch : (request) => withCors(request, dispatch, cors);
}

// Answers a preflight from the 405 the router gives OPTIONS (its Allow header lists the path's
// methods), and adds the CORS headers to every other answer.
async function withCors(request: Request, dispatch: (request: Request) => Promise<Response>, cors: CorsOptions): Promise<Response> {
  const origin = allowedOrigin(request, cors);
  const preflight = request.method === "OPTIONS" && request.headers.get("Access-Control-Request-Method") !== null;
  const response = await dispatch(request);
  const headers = new Headers(response.headers);
  headers.append("Vary", "Origin");
  if (preflight && response.status === 405) {
    const methods = headers.get("Allow") ?? "";
    headers.delete("Content-Type");
    headers.set("Allow", methods + ", OPTIONS");
    headers.append("Vary", "Access-Control-Request-Method");
    headers.append("Vary", "Access-Control-Request-Headers");
    if (origin !== undefined) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Methods", methods);
      const requested = request.headers.get("Access-Control-Request-Headers");
      if (requested !== null) headers.set("Access-Control-Allow-Headers", requested);
      if (cors.allowCredentials === true) headers.set("Access-Control-Allow-Credentials", "true");
      if (cors.maxAgeSeconds !== undefined) headers.set("Access-Control-Max-Age", String(cors.maxAgeSeconds));
    }
    await response.body?.cancel().catch(() => {});
    return new Response(null, { status: 204, headers });
  }
  if (origin !== undefined) {
    headers.set("Access-Control-Allow-Origin", origin);
    if (cors.allowCredentials === true) headers.set("Access-Control-Allow-Credentials", "true");
    if (cors.exposedHeaders !== undefined && cors.exposedHeaders.length > 0) {
      headers.set("Access-Control-Expose-Headers", cors.exposedHeaders.join(", "));
    }
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function allowedOrigin(request: Request, cors: CorsOptions): string | undefined {
  const origin = request.headers.get("Origin");
  if (origin === null) return undefined;
  for (const allowed of cors.allowedOrigins) {
    if (allowed === origin) return origin;
    if (allowed === "*") return cors.allowCredentials === true ? origin : "*";
  }
  return undefined;
}

// Paths ---------------------------------------------------------------------------------------------

interface Segment {
  text: string;
  variable: boolean;
}

function parseTemplate(path: string): Segment[] {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      const variable = s.startsWith("{") && s.endsWith("}");
      return { text: variable ? s.slice(1, -1) : s, variable };
    });
}

// The raw (still encoded) values of the variables when `parts` match the template, else undefined.
function matchSegments(parts: readonly string[], template: readonly Segment[]): string[] | undefined {
  const values: string[] = [];
  for (const [i, segment] of template.entries()) {
    const part = parts[i] ?? "";
    if (segment.variable) {
      if (part === "") return undefined;
      values.push(part);
    } else if (part !== segment.text) {
      return undefined;
    }
  }
  return values;
}

interface TableEntry {
  route: RouteDescriptor;
  template: Segment[];
}

// Routes of one method and length are compared pairwise: they clash when every segment pair is the
// same literal or has a variable, and neither route has a literal wherever the other has one.
function checkClashes(table: readonly TableEntry[]): void {
  const groups = new Map<string, TableEntry[]>();
  for (const entry of table) {
    const key = entry.route.method + " " + entry.template.length;
    const group = groups.get(key) ?? [];
    for (const other of group) {
      if (clash(other.template, entry.template)) {
        throw new Error(
          "routes clash: " + entry.route.method + " " + entry.route.path + " and " + other.route.path +
            " can match the same request, and neither is more specific",
        );
      }
    }
    group.push(entry);
    groups.set(key, group);
  }
}

function clash(a: readonly Segment[], b: readonly Segment[]): boolean {
  let aMore = false;
  let bMore = false;
  for (const [i, segment] of a.entries()) {
    const other = b[i] as Segment;
    if (!segment.variable && !other.variable) {
      if (segment.text !== other.text) return false;
    } else if (!segment.variable) {
      aMore = true;
    } else if (!other.variable) {
      bMore = true;
    }
  }
  return aMore === bMore;
}

function moreSpecific(a: readonly Segment[], b: readonly Segment[]): boolean {
  for (const [i, segment] of a.entries()) {
    const other = b[i];
    if (other !== undefined && segment.variable !== other.variable) return !segment.variable;
  }
  return false;
}

function notFound(method: string, pathname: string): Response {
  return jsonResponse(404, { message: "no route for " + method + " " + pathname });
}

// Binding -------------------------------------------------------------------------------------------

interface Bound {
  message: unknown;
  pathParams: Record<string, string>;
}

type Parsed = { ok: true; value: string | number | boolean } | { ok: false; problem: string };

async function bind(
  request: Request,
  spec: MethodSpec,
  template: readonly Segment[],
  maxBodyBytes: number,
): Promise<Bound> {
  const url = new URL(request.url);
  // The route's segments are the last segments of the URL path, whatever prefix precedes them.
  const parts = url.pathname.split("/").slice(1);
  const tail = parts.slice(Math.max(0, parts.length - template.length));
  const raw = tail.length === template.length ? matchSegments(tail, template) : undefined;
  if (raw === undefined) throw new ApiError(404, undefined, "no route for " + request.method + " " + url.pathname);

  const violations: FieldViolation[] = [];
  checkHeaders(request.headers, spec.headers, violations);

  const pathParams: Record<string, string> = {};
  for (const [i, segment] of template.filter((s) => s.variable).entries()) {
    try {
      pathParams[segment.text] = decodeURIComponent(raw[i] ?? "");
    } catch {
      violations.push({ field: segment.text, description: "is not a valid percent-encoded path segment" });
    }
  }
  const fromUrl: Record<string, unknown> = {};
  for (const param of spec.pathParams) {
    const text = pathParams[param.name];
    if (text === undefined) continue;
    const parsed = parseParam(text, param);
    if (parsed.ok) fromUrl[param.field] = parsed.value;
    else violations.push({ field: param.name, description: parsed.problem });
  }
  for (const param of spec.query) {
    // An empty value means the default, as an absent one does (repeated strings keep empty items).
    const texts = param.repeated
      ? url.searchParams.getAll(param.name).filter((t) => t !== "" || param.type === "string")
      : [url.searchParams.get(param.name) ?? ""].filter((t) => t !== "");
    if (texts.length === 0) {
      if (param.required) violations.push({ field: param.name, description: "is required" });
      continue;
    }
    const values: Array<string | number | boolean> = [];
    for (const text of texts) {
      const parsed = parseParam(text, param);
      if (parsed.ok) values.push(parsed.value);
      else violations.push({ field: param.name, description: parsed.problem });
    }
    fromUrl[param.field] = param.repeated ? values : values[0];
  }

  let message: unknown = {};
  if (spec.body) {
    const body = await readJsonBody(request, maxBodyBytes);
    if (typeof body === "string") violations.push({ field: "body", description: body });
    else if (spec.request !== undefined) message = decodeInto(spec.request, body.value, violations);
    else if (typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) {
      violations.push({ field: "body", description: "must be a JSON object" });
    } else message = body.value;
  }
  if (violations.length > 0) throw new ValidationError(violations);
  // Values bound from the URL win over the same fields in the body (a root-unwrapped body, an
  // array, has no fields for them: the model binds none then).
  const bound = Object.keys(fromUrl).length === 0 ? message : { ...(message as Record<string, unknown>), ...fromUrl };
  const invalid = spec.validate?.(bound as never) ?? [];
  if (invalid.length > 0) throw new ValidationError([...invalid]);
  return { message: bound, pathParams };
}

// The body's JSON value, or a description of why there is none. Too large a body is a 413.
async function readJsonBody(request: Request, limit: number): Promise<{ value: unknown } | string> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return "is not valid UTF-8";
  }
  if (text.trim() === "") return { value: {} };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return "is not valid JSON: " + messageOf(error);
  }
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, undefined, "the request body is larger than " + limit + " bytes");
}

const FLOAT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INT64_MAX = "9223372036854775807";
const INT64_MIN_ABS = "9223372036854775808";
const UINT64_MAX = "18446744073709551615";

// A URL value as its request field holds it, as the body would carry it.
function parseParam(text: string, param: ParamSpec): Parsed {
  const parsed = parseScalar(text, param.type);
  if (!parsed.ok || param.number !== true) return parsed;
  const type = param.type;
  return { ok: true, value: typeof type === "object" ? (type.enum[parsed.value as string] as number) : Number(parsed.value) };
}

function parseScalar(text: string, type: ScalarType): Parsed {
  if (typeof type === "object") {
    if (Object.prototype.hasOwnProperty.call(type.enum, text)) return { ok: true, value: text };
    if (/^-?[0-9]+$/.test(text)) {
      const number = Number(text);
      for (const [name, value] of Object.entries(type.enum)) {
        if (value === number) return { ok: true, value: name };
      }
    }
    return { ok: false, problem: "must be one of " + Object.keys(type.enum).join(", ") };
  }
  switch (type) {
    case "string":
      return { ok: true, value: text };
    case "bool":
      if (text === "true" || text === "1") return { ok: true, value: true };
      if (text === "false" || text === "0") return { ok: true, value: false };
      return { ok: false, problem: "must be true or false" };
    case "int32":
      return smallInteger(text, -2147483648, 2147483647);
    case "uint32":
      return smallInteger(text, 0, 4294967295);
    case "int64":
    case "uint64":
      return largeInteger(text, type === "uint64");
    case "float":
      if (text === "NaN" || text === "Infinity" || text === "-Infinity") return { ok: true, value: Number(text) };
      if (!FLOAT.test(text)) return { ok: false, problem: "must be a number" };
      if (!Number.isFinite(Number(text))) return { ok: false, problem: "is out of range" };
      return { ok: true, value: Number(text) };
  }
}

function smallInteger(text: string, min: number, max: number): Parsed {
  if (!/^-?[0-9]+$/.test(text)) {
    return { ok: false, problem: min < 0 ? "must be an integer" : "must be a non-negative integer" };
  }
  const value = Number(text);
  if (value < min || value > max) return { ok: false, problem: "is out of range" };
  return { ok: true, value: value === 0 ? 0 : value };
}

// 64-bit integers stay strings (their protojson form), checked and canonicalised digit by digit.
function largeInteger(text: string, unsigned: boolean): Parsed {
  if (!(unsigned ? /^[0-9]+$/ : /^-?[0-9]+$/).test(text)) {
    return { ok: false, problem: unsigned ? "must be a non-negative integer" : "must be an integer" };
  }
  const negative = text.startsWith("-");
  const digits = (negative ? text.slice(1) : text).replace(/^0+(?=[0-9])/, "");
  const limit = unsigned ? UINT64_MAX : negative ? INT64_MIN_ABS : INT64_MAX;
  if (digits.length > limit.length || (digits.length === limit.length && digits > limit)) {
    return { ok: false, problem: "is out of range" };
  }
  return { ok: true, value: negative && digits !== "0" ? "-" + digits : digits };
}

// RFC 3339.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const HEADER_FORMATS = new Map<string, RegExp>([
  ["uuid", /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/],
  ["date", /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/],
  ["date-time", DATE_TIME],
  ["email", /^[^@\s]+@[^@\s]+$/],
]);

function checkHeaders(headers: Headers, specs: readonly HeaderSpec[], violations: FieldViolation[]): void {
  for (const spec of specs) {
    const value = headers.get(spec.name);
    if (value === null || value === "") {
      if (spec.required) violations.push({ field: spec.name, description: "required header is missing" });
      continue;
    }
    const problem = headerProblem(value, spec);
    if (problem !== undefined) violations.push({ field: spec.name, description: problem });
  }
}

function headerProblem(value: string, spec: HeaderSpec): string | undefined {
  if (spec.type === "integer" && !/^[+-]?[0-9]+$/.test(value)) return "must be an integer";
  if (spec.type === "number" && !FLOAT.test(value)) return "must be a number";
  if (spec.type === "boolean" && value !== "true" && value !== "false") return "must be true or false";
  const format = spec.format === undefined ? undefined : HEADER_FORMATS.get(spec.format);
  if (format !== undefined && !format.test(value)) return "must be a " + spec.format;
  return undefined;
}

function handlerContext(
  request: Request,
  signal: AbortSignal,
  pathParams: Record<string, string>,
  setRetry: (ms: number) => void,
  responseHeaders: Headers,
): HandlerContext {
  const lastEventId = request.headers.get("Last-Event-ID") ?? undefined;
  return { request, signal, pathParams, lastEventId, setRetry, responseHeaders };
}

// Runs the call through the interceptors, the first outermost.
function intercept(
  options: ServerOptions,
  spec: MethodSpec,
  streaming: boolean,
  context: HandlerContext,
  message: unknown,
  handler: () => Promise<unknown>,
): Promise<unknown> {
  const interceptors = options.interceptors ?? [];
  const call: ServerCall = { method: spec.name, streaming, request: context.request, message, responseHeaders: context.responseHeaders };
  const run = (i: number): Promise<unknown> => {
    const interceptor = interceptors[i];
    return interceptor === undefined ? handler() : interceptor(call, () => run(i + 1));
  };
  return run(0);
}

// The response with the handler's headers added; the server's own (Content-Type...) win.
function withHeaders(response: Response, extra: Headers): Response {
  let empty = true;
  extra.forEach(() => (empty = false));
  if (empty) return response;
  const headers = new Headers(extra);
  response.headers.forEach((value, name) => headers.set(name, value));
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// Aborts `controller` when `signal` aborts; returns the function that stops following it.
function follow(signal: AbortSignal, controller: AbortController): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const abort = (): void => controller.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

// Answers ---------------------------------------------------------------------------------------------

type Encode = (value: unknown) => unknown;

// Writes handler values through the response's generated encoder. A value that does not fit is the
// server's fault, not the client's: a plain Error (so a 500 or an `error` event, and onError sees
// it), never the ValidationError a request gets.
function responseEncoder(spec: MethodSpec): Encode {
  if (spec.response === undefined) return (value) => value;
  const encode = encoder<unknown>(spec.response);
  return (value) => {
    try {
      return encode(value);
    } catch (error) {
      if (!isValidationError(error)) throw error;
      const problems = error.violations.map((v) => v.field + " " + v.description).join("; ");
      throw new Error("the " + spec.name + " handler returned a value that does not fit its message: " + problems);
    }
  };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...headers, "Content-Type": "application/json" } });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function errorResponse(error: unknown, request: Request, options: ServerOptions): Promise<Response> {
  if (isValidationError(error)) return jsonResponse(400, { violations: error.violations });
  if (isApiError(error)) {
    const status = Number.isInteger(error.status) && error.status >= 400 && error.status <= 599 ? error.status : 500;
    return jsonResponse(status, { message: error.message });
  }
  if (options.onError !== undefined) {
    try {
      const response = await options.onError(error, request);
      if (response instanceof Response) return response;
    } catch {
      // A failing error handler gets the default answer, like an absent one.
    }
  }
  return internalError();
}

// What a client learns of an error the server did not mean to show.
const INTERNAL_ERROR_MESSAGE = "internal server error";

function internalError(): Response {
  return jsonResponse(500, { message: INTERNAL_ERROR_MESSAGE });
}

// The data of an `error` event: the compact JSON body the same error gets before the stream starts.
// It never throws, whatever was thrown (a value whose toString throws, a hostile getter): the event
// must still reach the client.
async function errorEventData(error: unknown, request: Request, options: ServerOptions): Promise<string> {
  try {
    return await errorEventBody(error, request, options);
  } catch {
    return JSON.stringify({ message: INTERNAL_ERROR_MESSAGE });
  }
}

async function errorEventBody(error: unknown, request: Request, options: ServerOptions): Promise<string> {
  const response = await errorResponse(error, request, options);
  const text = await response.text().catch(() => "");
  let data = JSON.stringify({ message: text === "" ? "HTTP " + response.status : text });
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) data = JSON.stringify(body);
  } catch {
    // Not JSON: wrapped above.
  }
  return options.framing === "sebuf" ? sebufErrorData(data) : data;
}

// An error body as the data of sebuf's error event: a JSON string holding the body's message, or
// the whole body when it has none.
function sebufErrorData(body: string): string {
  const message = (JSON.parse(body) as { message?: unknown }).message;
  return JSON.stringify(typeof message === "string" ? message : body);
}

// Streams ---------------------------------------------------------------------------------------------

type Step<T> = { done: true } | { done: false; value: T };

interface Source<T> {
  next(): Promise<Step<T>>;
  cancel(reason: unknown): void;
}

interface RetryState {
  ms: number | undefined;
}

type Outcome =
  | { kind: "step"; step: Step<unknown> }
  | { kind: "error"; error: unknown }
  | { kind: "heartbeat" }
  | { kind: "aborted" };

const HEARTBEAT_FRAME = ": heartbeat\n\n";
// A chunk of the response body gathers ready items up to this many characters.
const BATCH_CHARS = 16 * 1024;
// Microtask turns a batch waits for the handler's next item: an async generator's next() settles
// in a few when the generator yields without awaiting anything else.
const READY_TURNS = 8;
const END_FRAME = "event: " + SSE_END_EVENT + "\ndata: {}\n\n";

function isReadableStream<T>(value: StreamSource<T>): value is ReadableStream<T | ServerEvent<T>> {
  return typeof (value as { getReader?: unknown }).getReader === "function";
}

function openSource<T>(value: StreamSource<T>): Source<unknown> {
  if (isReadableStream(value)) {
    const reader = value.getReader();
    return {
      next: async () => {
        const result = await reader.read();
        return result.done ? { done: true } : { done: false, value: result.value };
      },
      cancel: (reason) => {
        reader.cancel(reason).catch(() => {});
      },
    };
  }
  const iterator = value[Symbol.asyncIterator]();
  return {
    next: async () => {
      const result = await iterator.next();
      return result.done === true ? { done: true } : { done: false, value: result.value };
    },
    // Not awaited: an async generator runs return() only once its pending next() settles.
    cancel: () => {
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    },
  };
}

function isServerEvent(value: unknown): value is ServerEvent<unknown> {
  return typeof value === "object" && value !== null && (value as { [key: symbol]: unknown })[SERVER_EVENT] === true;
}

function frame(item: unknown, encode: Encode): string {
  if (!isServerEvent(item)) return "data: " + dataText(encode(item ?? {})) + "\n\n";
  let text = "";
  if (item.id !== undefined) text += "id: " + checkedField("id", item.id) + "\n";
  if (item.event !== undefined) {
    if (RESERVED_EVENT_NAMES.includes(item.event)) throw new Error('the event name "' + item.event + '" is reserved');
    text += "event: " + checkedField("event name", item.event) + "\n";
  }
  return text + "data: " + dataText(encode(item.data ?? {})) + "\n\n";
}

function checkedField(what: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new Error("an SSE " + what + " cannot contain CR, LF or NUL: " + JSON.stringify(value));
  }
  return value;
}

// Compact JSON is always one line: JSON.stringify escapes every line terminator SSE knows.
function dataText(data: unknown): string {
  const text: unknown = JSON.stringify(data ?? {});
  if (typeof text !== "string") throw new TypeError("an event's data cannot be serialised as JSON");
  return text;
}

// The handler's items, one at a time. Each item is subscribed to exactly once. One abort listener
// and at most one heartbeat timer serve the whole stream: a timer re-arms itself for what is left of
// the current wait instead of being set and cleared for every item (close() removes both).
class ItemQueue {
  private asked = false;
  private ready: Outcome | undefined;
  private waiter: ((outcome: Outcome) => void) | undefined;
  private waitStarted = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly source: Source<unknown>;
  private readonly interval: number;
  private readonly signal: AbortSignal;
  private readonly onAbort = (): void => this.settle({ kind: "aborted" });

  constructor(source: Source<unknown>, interval: number, signal: AbortSignal) {
    this.source = source;
    this.interval = interval;
    this.signal = signal;
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  // Resolves with whichever comes first: the next item, the heartbeat interval, the abort. The
  // next item is asked for only after the previous one was taken (backpressure).
  next(): Promise<Outcome> {
    const ready = this.poll();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.signal.aborted) return Promise.resolve({ kind: "aborted" });
    return new Promise((resolve) => {
      this.waiter = resolve;
      if (this.interval > 0) {
        this.waitStarted = performance.now();
        if (this.timer === undefined) this.arm(this.interval);
      }
    });
  }

  // The next item if it has arrived, without waiting (and without a heartbeat); asks for it if not.
  poll(): Outcome | undefined {
    if (!this.asked) {
      this.asked = true;
      this.source.next().then(
        (step) => this.deliver({ kind: "step", step }),
        (error: unknown) => this.deliver({ kind: "error", error }),
      );
    }
    const ready = this.ready;
    if (ready === undefined) return undefined;
    this.ready = undefined;
    if (ready.kind === "step") this.asked = false;
    return ready;
  }

  close(): void {
    this.signal.removeEventListener("abort", this.onAbort);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.waiter === undefined) return;
      const left = this.waitStarted + this.interval - performance.now();
      if (left > 0) this.arm(left);
      else this.settle({ kind: "heartbeat" });
    }, ms);
  }

  private settle(outcome: Outcome): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (outcome.kind === "step") this.asked = false;
    waiter(outcome);
  }

  private deliver(outcome: Outcome): void {
    if (this.waiter !== undefined) this.settle(outcome);
    else this.ready = outcome;
  }
}

async function streamResponse(
  source: Source<unknown>,
  encode: Encode,
  request: Request,
  controller: AbortController,
  unlink: () => void,
  options: ServerOptions,
  retry: RetryState,
): Promise<Response> {
  const interval = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const endFrame = options.framing === "sebuf" ? "" : END_FRAME;
  const utf8 = new TextEncoder();
  const items = new ItemQueue(source, interval, controller.signal);
  let body: ReadableStreamDefaultController<Uint8Array> | undefined;
  let finished = false;

  const next = (): Promise<Outcome> => items.next();
  const withRetry = (text: string): string => {
    if (retry.ms === undefined) return text;
    const line = "retry: " + retry.ms + "\n";
    retry.ms = undefined;
    return line + text;
  };
  // Ends the exchange once; `stop` cancels the handler's source and aborts context.signal.
  const finish = (stop: boolean, reason?: unknown): void => {
    if (finished) return;
    finished = true;
    unlink();
    items.close();
    try {
      body?.close();
    } catch {
      // Already closed or cancelled.
    }
    if (stop) {
      controller.abort(reason);
      source.cancel(reason);
    }
  };
  controller.signal.addEventListener("abort", () => finish(true, controller.signal.reason), { once: true });

  // Before the commit: an error is still an ordinary HTTP error.
  const first = await next();
  if (first.kind === "aborted") {
    finish(true, controller.signal.reason);
    return new Response(null, { status: 499 });
  }
  if (first.kind === "error") {
    finish(false);
    return errorResponse(first.error, request, options);
  }
  let initial: string;
  let ended = false;
  if (first.kind === "heartbeat") {
    initial = withRetry(HEARTBEAT_FRAME);
  } else {
    ended = first.step.done;
    try {
      initial = withRetry(first.step.done ? endFrame : frame(first.step.value, encode));
    } catch (error) {
      finish(true, error);
      return errorResponse(error, request, options);
    }
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      start: (streamController) => {
        body = streamController;
        streamController.enqueue(utf8.encode(initial));
        if (ended) finish(false);
      },
      pull: async (streamController) => {
        let outcome: Outcome | undefined = await next();
        // Items the handler has already produced join this chunk: one write for many small events.
        let text = "";
        for (;;) {
          if (finished) return;
          let last = false;
          let stop = false;
          switch (outcome.kind) {
            case "aborted":
              finish(true, controller.signal.reason);
              return;
            case "heartbeat":
              text += withRetry(HEARTBEAT_FRAME);
              break;
            case "error":
              text += withRetry(errorFrame(await errorEventData(outcome.error, request, options)));
              last = true;
              break;
            case "step":
              if (outcome.step.done) {
                text += withRetry(endFrame);
                last = true;
                break;
              }
              try {
                text += withRetry(frame(outcome.step.value, encode));
              } catch (error) {
                text += errorFrame(await errorEventData(error, request, options));
                last = true;
                stop = true;
              }
              break;
          }
          if (last) {
            if (finished) return;
            streamController.enqueue(utf8.encode(text));
            finish(stop, stop ? new Error("the stream failed") : undefined);
            return;
          }
          if (text.length >= BATCH_CHARS) break;
          // The next item, if the handler produces it within a few microtask turns (an async
          // generator yielding without awaiting I/O does); otherwise it waits for the next pull.
          outcome = items.poll();
          for (let turn = 0; outcome === undefined && turn < READY_TURNS; turn++) {
            await undefined;
            outcome = items.poll();
          }
          if (outcome === undefined) break;
        }
        if (finished) return;
        streamController.enqueue(utf8.encode(text));
      },
      cancel: (reason) => finish(true, reason),
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, {
    status: 200,
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no" },
  });
}

function errorFrame(data: string): string {
  return "event: " + SSE_ERROR_EVENT + "\ndata: " + data + "\n\n";
}
</%text>
