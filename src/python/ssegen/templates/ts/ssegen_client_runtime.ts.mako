## The client runtime: the WHATWG SSE parser and the fetch transport the client classes share.
${generated_notice}
// source: ${source}
<%text>
import {
  ApiError,
  EventTooLargeError,
  SSE_END_EVENT,
  SSE_ERROR_EVENT,
  StreamInterruptedError,
  ValidationError,
  isValidationError,
  type FieldViolation,
} from "./ssegen_errors.js";

/** One dispatched SSE event. `type` is "message" unless named; `id` is the last event ID. */
export interface SseEvent {
  type: string;
  data: string;
  id: string;
}

export interface SseParserOptions {
  /**
   * Largest event data accepted, in UTF-8 bytes (its data lines joined with LF), as the Go client
   * counts; beyond it, or on a line longer than that plus "event: ", feed() throws
   * EventTooLargeError. Default 16 MiB; 0 means no limit.
   */
  maxEventSize?: number;
  /** The last event ID to start from: a resumed stream keeps the previous connection's id. */
  lastEventId?: string;
}

const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
// The room a line has beyond the event size limit: "event: " (as in the Go client).
const LONGEST_FIELD_NAME = 7;
// A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
const MAX_UTF8_PER_UNIT = 3;
const STREAM = { stream: true };
const BOM = 0xfeff;
// Chunks up to this size that are all ASCII skip the TextDecoder: its per-call cost is most of
// the work on chunks of a few bytes, and ASCII decodes to the same characters.
const SMALL_CHUNK = 8;

/** The length of `text` in UTF-8 (a lone surrogate encodes as U+FFFD, three bytes). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * An event-stream parser that follows the WHATWG HTML standard: LF, CR and CRLF line ends (also
 * across chunk boundaries), one leading BOM stripped, comments, `field: value` with one optional
 * space, multi-line data joined with LF, ids with NUL ignored, digits-only retry, dispatch on a
 * blank line, and a partial event at the end of the stream discarded.
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #maxEventSize: number;
  // Streaming decode: multi-byte characters may span chunks; invalid bytes become U+FFFD. The
  // leading BOM is stripped here, not by the decoder, as small chunks may bypass the decoder.
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  // The decoder may hold the start of a character: the last byte it got was not ASCII.
  #decoderPending = false;
  #atStreamStart = true;
  #lastEventId: string;
  #retry: number | undefined;
  #idBuffer: string;
  #eventType = "";
  // The data lines joined with LF so far, and how many there were.
  #data = "";
  #dataLines = 0;
  #line = "";
  // Sizes against maxEventSize: UTF-16 code units while 3 bytes a unit stays within the limit,
  // then (`...Exact`) UTF-8 bytes, counted from then on. Most events are never counted.
  #lineSize = 0;
  #lineExact = false;
  #dataSize = 0;
  #dataExact = false;
  // The last line ended with CR: an LF arriving next (maybe in the next chunk) is part of that end.
  #skipLF = false;

  constructor(onEvent: (event: SseEvent) => void, options: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    this.#maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.#lastEventId = options.lastEventId ?? "";
    this.#idBuffer = this.#lastEventId;
  }

  /** The stream's last event ID: updated when an event block ends, with or without data. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time the server set with `retry:`, in milliseconds. */
  get retry(): number | undefined {
    return this.#retry;
  }

  /** Parses the next bytes of the stream, dispatching every event they complete. */
  feed(chunk: Uint8Array): void {
    const length = chunk.length;
    if (length <= SMALL_CHUNK && !this.#decoderPending) {
      let text = "";
      let i = 0;
      for (; i < length && chunk[i]! < 0x80; i++) text += String.fromCharCode(chunk[i]!);
      if (i === length) {
        if (length > 0) this.#parse(text);
        return;
      }
    }
    if (length > 0) this.#decoderPending = chunk[length - 1]! >= 0x80;
    this.#parse(this.#decoder.decode(chunk, STREAM));
  }

  /** Ends the stream: a partial line or event is discarded. The parser can then take a new stream. */
  end(): void {
    this.#parse(this.#decoder.decode());
    this.#reset();
    this.#idBuffer = this.#lastEventId;
    this.#skipLF = false;
    this.#decoderPending = false;
    this.#atStreamStart = true;
  }

  #reset(): void {
    this.#line = "";
    this.#data = "";
    this.#dataLines = 0;
    this.#eventType = "";
    this.#lineSize = 0;
    this.#lineExact = false;
    this.#dataSize = 0;
    this.#dataExact = false;
  }

  #parse(text: string): void {
    const length = text.length;
    let start = 0;
    if (this.#atStreamStart && length > 0) {
      this.#atStreamStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (this.#skipLF && length > 0) {
      if (text.charCodeAt(0) === LF) start = 1;
      this.#skipLF = false;
    }
    if (text.indexOf("\r", start) === -1) {
      // LF line ends only, as most servers write: one search a line. (A loop that also tracks CR
      // positions ran 10x slower on 64 KiB chunks once V8 had optimized it for short ones.)
      for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
        this.#appendToLine(text.slice(start, end));
        start = end + 1;
        this.#endLine();
      }
    } else {
      // Next LF and CR positions, searched with indexOf (fast on long lines) and reused until passed.
      let lf = text.indexOf("\n", start);
      let cr = text.indexOf("\r", start);
      for (;;) {
        if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
        if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
        const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
        if (end === -1) break;
        this.#appendToLine(text.slice(start, end));
        start = end + 1;
        if (text.charCodeAt(end) === CR) {
          if (start === length) this.#skipLF = true;
          else if (text.charCodeAt(start) === LF) start += 1;
        }
        this.#endLine();
      }
    }
    if (start < length) this.#appendToLine(text.slice(start));
  }

  // The line read so far is complete: process it and start the next.
  #endLine(): void {
    const line = this.#line;
    const lineBytes = this.#lineExact ? this.#lineSize : -1;
    this.#line = "";
    this.#lineSize = 0;
    this.#lineExact = false;
    this.#processLine(line, lineBytes);
  }

  #appendToLine(piece: string): void {
    this.#line += piece;
    if (this.#maxEventSize === 0) return;
    const limit = this.#maxEventSize + LONGEST_FIELD_NAME;
    if (this.#lineExact) {
      this.#lineSize += utf8Length(piece);
    } else {
      this.#lineSize += piece.length;
      if (this.#lineSize * MAX_UTF8_PER_UNIT <= limit) return;
      this.#lineExact = true;
      this.#lineSize = utf8Length(this.#line);
    }
    if (this.#lineSize > limit) this.#tooLarge();
  }

  // Adds a data line's value to the event's size (its LF separator included).
  #countData(value: string, valueStart: number, lineBytes: number): void {
    const separator = this.#dataLines > 1 ? 1 : 0;
    if (this.#dataExact) {
      // What precedes the value ("data", ":" and a space) is ASCII: one byte a character.
      this.#dataSize += separator + (lineBytes === -1 ? utf8Length(value) : lineBytes - valueStart);
    } else {
      this.#dataSize += separator + value.length;
      if (this.#dataSize * MAX_UTF8_PER_UNIT <= this.#maxEventSize) return;
      this.#dataExact = true;
      this.#dataSize = utf8Length(this.#data);
    }
    if (this.#dataSize > this.#maxEventSize) this.#tooLarge();
  }

  #tooLarge(): never {
    this.#reset();
    throw new EventTooLargeError(this.#maxEventSize);
  }

  // `lineBytes`: the line's UTF-8 length if it was counted while it was read, else -1.
  #processLine(line: string, lineBytes: number): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.charCodeAt(0) === COLON) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const valueStart = colon === -1 ? line.length : line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    const value = line.slice(valueStart);
    switch (field) {
      case "event":
        this.#eventType = value;
        break;
      case "data":
        this.#data = this.#dataLines++ === 0 ? value : `${this.#data}\n${value}`;
        if (this.#maxEventSize > 0) this.#countData(value, valueStart, lineBytes);
        break;
      case "id":
        if (!value.includes("\0")) this.#idBuffer = value;
        break;
      case "retry":
        // Digits only; a value beyond what a number holds exactly is ignored too.
        if (/^[0-9]+$/.test(value) && Number.isSafeInteger(Number(value))) this.#retry = Number(value);
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    this.#lastEventId = this.#idBuffer;
    const data = this.#data;
    const lines = this.#dataLines;
    const type = this.#eventType === "" ? "message" : this.#eventType;
    this.#reset();
    if (lines === 0) return;
    this.#onEvent({ type, data, id: this.#lastEventId });
  }
}

/**
 * Reconnection after a dropped stream: exponential backoff with full jitter, never below `retry`.
 * After a reconnect, events whose id the stream already delivered (one of its last 4096 ids), and
 * the events without an id that follow them, are skipped: a server that ignores Last-Event-ID
 * replays them.
 */
export interface ReconnectPolicy {
  /**
   * Consecutive reconnects allowed that bring no event with a new id (a failed connection counts,
   * and so does one that ends without such an event); an event with a new id resets the count.
   */
  maxAttempts: number;
  /** Reconnects allowed in all, whatever they bring. Default 100. */
  maxReconnects?: number;
  /** Backoff ceiling of the first attempt, doubled per attempt. Default 1000. */
  initialDelayMs?: number;
  /** Largest backoff ceiling. Default 30000. */
  maxDelayMs?: number;
}

/** One event of a stream: its data (the response message), its event name and id. */
export interface StreamEvent<T> {
  data: T;
  event: string;
  id: string;
}

/** Options of a client: the transport and defaults for every call. */
export interface ClientOptions {
  /** The fetch implementation. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
  /** Reconnects dropped streams. Default: none (a drop throws StreamInterruptedError). */
  reconnect?: ReconnectPolicy;
  /** Largest SSE event accepted (see SseParserOptions). Default 16 MiB. */
  maxEventSize?: number;
  /**
   * "sebuf": streams are read the way sebuf's servers end them: an orderly end of the response is
   * the end of the stream (no end event needed, nothing to reconnect). A dropped connection is
   * still an error. Default "ssegen".
   */
  framing?: "ssegen" | "sebuf";
  /** Default timeoutMs of every call (see CallOptions). */
  timeoutMs?: number;
  /** fetch options of every request: credentials, mode, cache, keepalive, ... */
  requestInit?: ClientRequestInit;
  /** Run around every HTTP request, reconnections included; the first outermost. */
  interceptors?: readonly ClientInterceptor[];
  /**
   * Check each request against its buf.validate rules before sending it (the rules the generated
   * checks know; CEL rules are left to the server): a violation throws ValidationError, with the
   * violations the server would answer, and nothing is sent. Default false, as in the Go client.
   */
  validateRequests?: boolean;
}

/** The fetch options a caller may set; method, headers, body and signal are the client's own. */
export type ClientRequestInit = Omit<RequestInit, "method" | "headers" | "body" | "signal">;

/** One HTTP request of a call, as client interceptors see it. */
export interface ClientRequest {
  /** The full proto name of the method, e.g. "market.v1.MarketDataService.GetQuote". */
  readonly method: string;
  readonly streaming: boolean;
  readonly url: string;
  /** The fetch options; an interceptor may change init.headers (a Headers) before next. */
  readonly init: RequestInit & { headers: Headers };
}

/**
 * Runs around one HTTP request: it may change the request, fail it, or look at the Response (its
 * status and headers; leave the body to the client). `next` sends it through the next interceptor.
 */
export type ClientInterceptor = (request: ClientRequest, next: (request: ClientRequest) => Promise<Response>) => Promise<Response>;

/** The status and headers of an HTTP answer. */
export interface ResponseInfo {
  status: number;
  headers: Headers;
}

/** Options of one call. */
export interface CallOptions {
  /** Headers of this call; they override the client's. */
  headers?: Record<string, string>;
  /** Aborts the call; for a stream, also cancels the body and stops reconnecting. */
  signal?: AbortSignal;
  /**
   * Milliseconds a unary call may take in all; for a stream, how long each connection may take to
   * answer (a late one counts as a failed attempt of the reconnection policy). It rejects with a
   * DOMException named "TimeoutError". Overrides the client's; 0 or undefined: no limit.
   */
  timeoutMs?: number;
  /** fetch options of this call, over the client's. */
  requestInit?: ClientRequestInit;
  /** Called with the status and headers of every answer (each connection of a stream), errors included. */
  onResponse?: (response: ResponseInfo) => void;
}

/** Options of one stream call. */
export interface StreamOptions extends CallOptions {
  /** Resumes after this event: sent as Last-Event-ID. */
  lastEventId?: string;
  /** Overrides the client's reconnection policy. */
  reconnect?: ReconnectPolicy;
  /** Overrides the client's maxEventSize. */
  maxEventSize?: number;
}

/** A query parameter value; arrays repeat the key, undefined leaves it out. */
export type QueryValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

/** What a generated method asks the transport to send. */
export interface HttpCall {
  /** The full proto name of the method. */
  name: string;
  method: string;
  /** The path with its variables percent-encoded, from the base URL on. */
  path: string;
  query?: ReadonlyArray<readonly [string, QueryValue]>;
  /** Sent as JSON; generated methods set it only for POST, PUT and PATCH. */
  body?: unknown;
  /** The request's buf.validate checks, for ClientOptions.validateRequests. */
  validate?: () => readonly FieldViolation[];
}

/** A path variable's URL text: the value (or the field's default when unset), percent-encoded. */
export function pathSegment(value: string | number | boolean | undefined, zero: string): string {
  return encodeURIComponent(String(value ?? zero));
}

/** The data of each event of `events`. Ending the returned generator ends `events` too. */
export async function* eventData<T>(
  events: AsyncGenerator<StreamEvent<T>, void, undefined>,
): AsyncGenerator<T, void, undefined> {
  for await (const event of events) yield event.data;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

const DEFAULT_INITIAL_DELAY_MS = 1000;
const DEFAULT_MAX_DELAY_MS = 30000;

/** Sends the calls of a generated client: headers, URL, JSON, errors, and SSE streams. */
export class ClientTransport {
  readonly #baseUrl: string;
  readonly #fetch: Fetch;
  readonly #options: ClientOptions;
  readonly #headerProps: Readonly<Record<string, string>>;

  /** `headerProps` maps the typed header props of the client's option interfaces to header names. */
  constructor(baseUrl: string, options: ClientOptions, headerProps: Readonly<Record<string, string>>) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    // Called unbound (see #send): a browser's fetch must not be called as a method of another object.
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#options = options;
    this.#headerProps = headerProps;
  }

  /**
   * Sends a unary call; resolves with the JSON response, rejects with ValidationError or ApiError.
   * With `decode` (the response message's decoder) a response that does not fit is an ApiError.
   */
  async unary<T>(call: HttpCall, options: CallOptions | undefined, decode?: (value: unknown) => T): Promise<T> {
    this.#validate(call);
    const headers = this.#headers(options);
    headers.set("Accept", "application/json");
    const deadline = new Deadline(options?.signal, options?.timeoutMs ?? this.#options.timeoutMs);
    try {
      return await this.#unary<T>(call, headers, options, deadline.signal, decode);
    } finally {
      deadline.clear();
    }
  }

  async #unary<T>(
    call: HttpCall,
    headers: Headers,
    options: CallOptions | undefined,
    signal: AbortSignal | undefined,
    decode: ((value: unknown) => T) | undefined,
  ): Promise<T> {
    const response = await this.#send(call, headers, signal, options, false);
    if (!response.ok) throw await errorFromResponse(response, signal);
    const text = await readText(response, Number.POSITIVE_INFINITY, signal);
    let value: unknown = {};
    if (text !== "") {
      try {
        value = JSON.parse(text);
      } catch {
        throw new ApiError(response.status, text, "the response is not JSON");
      }
    }
    return decodeData(value, text, response.status, decode);
  }

  /**
   * Sends a stream call and yields its events until the server's end event. Throws the typed
   * error of a non-200 or non-event-stream response and of an `error` event; reconnects after a
   * dropped connection when a policy allows it, else throws StreamInterruptedError. Ending the
   * generator early, or aborting the signal, cancels the body and aborts the request.
   */
  async *stream<T>(
    call: HttpCall,
    options: StreamOptions | undefined,
    decode?: (value: unknown) => T,
  ): AsyncGenerator<StreamEvent<T>, void, undefined> {
    this.#validate(call);
    const signal = options?.signal;
    const policy = options?.reconnect ?? this.#options.reconnect;
    const maxEventSize = options?.maxEventSize ?? this.#options.maxEventSize;
    let lastEventId = options?.lastEventId ?? "";
    let retry: number | undefined;
    let failures = 0;
    let reconnects = 0;
    const seen = new Set<string>();
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      // Our own controller, so that ending the generator aborts the request even without a signal.
      const controller = new AbortController();
      const abort = (): void => controller.abort(signal?.reason);
      signal?.addEventListener("abort", abort);
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      let dropped: unknown;
      try {
        const headers = this.#headers(options);
        headers.set("Accept", "text/event-stream");
        if (lastEventId !== "") headers.set("Last-Event-ID", lastEventId);
        let response: Response | undefined;
        const connecting = new Deadline(controller.signal, options?.timeoutMs ?? this.#options.timeoutMs);
        try {
          response = await this.#send(call, headers, connecting.signal, options, true);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          dropped = error;
        } finally {
          // Only the timer: aborting the connection's controller must still end the body.
          connecting.stopTimer();
        }
        if (response !== undefined) {
          if (response.status !== 200) throw await errorFromResponse(response, controller.signal);
          const contentType = response.headers.get("Content-Type") ?? "";
          if (mediaType(contentType) !== "text/event-stream") {
            const body = await readText(response, ERROR_BODY_LIMIT, controller.signal);
            const message = "expected text/event-stream, got " + (contentType || "no content type");
            throw new ApiError(response.status, parseJson(body), message);
          }
          const events: SseEvent[] = [];
          const parser = new SseParser((event) => events.push(event), {
            lastEventId,
            ...(maxEventSize === undefined ? {} : { maxEventSize }),
          });
          reader = response.body?.getReader();
          let replaying = false;
          while (reader !== undefined) {
            let chunk;
            try {
              chunk = await reader.read();
            } catch (error) {
              if (signal?.aborted) throw signal.reason;
              dropped = error;
              break;
            }
            if (chunk.done) {
              parser.end();
              lastEventId = parser.lastEventId;
              // sebuf's servers end a stream by ending the response.
              if (this.#options.framing === "sebuf") return;
              break;
            }
            // A parse failure (an oversized event) is thrown after the events completed before it.
            let failed = false;
            let failure: unknown;
            try {
              parser.feed(chunk.value);
            } catch (error) {
              failed = true;
              failure = error;
            }
            retry = parser.retry ?? retry;
            for (const event of events.splice(0)) {
              const prevId = lastEventId;
              lastEventId = event.id;
              if (event.type === SSE_END_EVENT) return;
              if (event.type === SSE_ERROR_EVENT) throw errorFromEventData(event.data);
              if (policy !== undefined) {
                // An event without an id of its own follows the one before it.
                if (event.id !== prevId && event.id !== "") {
                  replaying = seen.has(event.id) && reconnects > 0;
                  if (!seen.has(event.id)) {
                    failures = 0;
                    remember(seen, event.id);
                  }
                }
                if (replaying) continue;
              }
              yield { data: parseEventData<T>(event.data, decode), event: event.type, id: event.id };
            }
            lastEventId = parser.lastEventId; // an id-only block moves it too
            if (failed) throw failure;
          }
        }
      } finally {
        signal?.removeEventListener("abort", abort);
        reader?.cancel().catch(() => {});
        controller.abort();
      }
      // An aborted signal ends the stream however the body ended (an in-process body may just close).
      if (signal?.aborted) throw signal.reason;
      failures += 1;
      reconnects += 1;
      if (policy === undefined || failures > policy.maxAttempts || reconnects > (policy.maxReconnects ?? 100)) {
        const why = dropped === undefined ? "the stream ended without its end event" : "the connection failed";
        const note = policy === undefined ? "" : " (no reconnection attempt left)";
        throw new StreamInterruptedError(why + note, dropped);
      }
      await sleep(backoff(policy, failures, retry), signal);
    }
  }

  #headers(options: CallOptions | undefined): Headers {
    const headers = new Headers(this.#options.headers);
    this.#typedHeaders(this.#options, headers);
    for (const [name, value] of Object.entries(options?.headers ?? {})) headers.set(name, value);
    if (options !== undefined) this.#typedHeaders(options, headers);
    return headers;
  }

  #typedHeaders(options: object, headers: Headers): void {
    const values = options as Readonly<Record<string, unknown>>;
    for (const [prop, name] of Object.entries(this.#headerProps)) {
      const value = values[prop];
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        headers.set(name, String(value));
      }
    }
  }

  #validate(call: HttpCall): void {
    if (this.#options.validateRequests !== true || call.validate === undefined) return;
    const violations = call.validate();
    if (violations.length > 0) throw new ValidationError([...violations]);
  }

  async #send(
    call: HttpCall,
    headers: Headers,
    signal: AbortSignal | undefined,
    options: CallOptions | undefined,
    streaming: boolean,
  ): Promise<Response> {
    const init: RequestInit & { headers: Headers } = {
      ...this.#options.requestInit,
      ...options?.requestInit,
      method: call.method,
      headers,
    };
    if (call.body !== undefined) {
      headers.set("Content-Type", "application/json");
      init.body = JSON.stringify(call.body);
    }
    if (signal !== undefined) init.signal = signal;
    const fetchImpl = this.#fetch;
    const interceptors = this.#options.interceptors ?? [];
    const run = (i: number, request: ClientRequest): Promise<Response> => {
      const interceptor = interceptors[i];
      if (interceptor === undefined) return fetchImpl(request.url, request.init);
      return interceptor(request, (next) => run(i + 1, next));
    };
    const url = this.#baseUrl + call.path + queryString(call.query);
    const response = await run(0, { method: call.name, streaming, url, init });
    options?.onResponse?.({ status: response.status, headers: response.headers });
    return response;
  }
}

function queryString(query: HttpCall["query"]): string {
  const params = new URLSearchParams();
  for (const [name, value] of query ?? []) {
    if (value === undefined) continue;
    if (typeof value === "object") {
      for (const item of value) params.append(name, String(item));
    } else {
      params.append(name, String(value));
    }
  }
  const text = params.toString();
  return text === "" ? "" : "?" + text;
}

function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseEventData<T>(data: string, decode?: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ApiError(200, data, "an event's data is not JSON");
  }
  if (decode !== undefined) return decodeData(value, data, 200, decode);
  // A message is a JSON object; `null`, numbers, strings and arrays are refused, as the Go client does.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError(200, data, "an event's data is not a JSON object");
  }
  return value as T;
}

// A response or event that does not fit its message is the server's fault: an ApiError naming
// the first value at fault.
function decodeData<T>(value: unknown, text: string, status: number, decode?: (value: unknown) => T): T {
  if (decode === undefined) return value as T;
  try {
    return decode(value);
  } catch (error) {
    if (!isValidationError(error)) throw error;
    const first = error.violations[0];
    const where = first === undefined ? "" : ": " + first.field + " " + first.description;
    throw new ApiError(status, text, "the response does not fit its message" + where);
  }
}

// As much of an error answer's body as is read (the Go client reads the same): a server that
// answers with an endless page must not hang the call or fill its memory.
const ERROR_BODY_LIMIT = 1024 * 1024;

async function errorFromResponse(response: Response, signal: AbortSignal | undefined): Promise<Error> {
  const text = await readText(response, ERROR_BODY_LIMIT, signal);
  return errorFromBody(response.status, text, response.status === 400);
}

// The body's first `limit` bytes as text; the rest is cancelled. An aborted signal rejects with its
// reason; a body that breaks otherwise gives what was read.
async function readText(response: Response, limit: number, signal: AbortSignal | undefined): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    while (size < limit) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      const part = value.byteLength > limit - size ? value.subarray(0, limit - size) : value;
      chunks.push(part);
      size += part.byteLength;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (limit === Number.POSITIVE_INFINITY) throw error;
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

// A signal that follows `signal` and also aborts after `timeoutMs` with a TimeoutError.
class Deadline {
  readonly signal: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #unlink: () => void = () => {};

  constructor(signal: AbortSignal | undefined, timeoutMs: number | undefined) {
    if (timeoutMs === undefined || timeoutMs <= 0) {
      this.signal = signal;
      return;
    }
    const controller = new AbortController();
    this.signal = controller.signal;
    if (signal?.aborted) controller.abort(signal.reason);
    const follow = (): void => controller.abort(signal?.reason);
    signal?.addEventListener("abort", follow, { once: true });
    this.#unlink = () => signal?.removeEventListener("abort", follow);
    const reason = new DOMException("the call timed out after " + timeoutMs + " ms", "TimeoutError");
    this.#timer = setTimeout(() => controller.abort(reason), timeoutMs);
  }

  /** Stops the timer; the signal still follows the one it was made from. */
  stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  clear(): void {
    this.stopTimer();
    this.#unlink();
  }
}

// An error body as the servers send it: `{"violations": [...]}` (400) or `{"message": ...}`. The
// data of an `error` event carries no status; its ApiError reports 500.
function errorFromBody(status: number, text: string, violationsAllowed: boolean): Error {
  const body = parseJson(text);
  if (violationsAllowed) {
    const violations = violationsOf(body);
    if (violations !== undefined) return new ValidationError(violations);
  }
  return new ApiError(status, body);
}

// The data of an error event: an error body, or the quoted string of sebuf's servers (JSON, or
// Go-quoted with %q), whose text may be a body itself.
function errorFromEventData(data: string): Error {
  if (!data.startsWith('"')) return errorFromBody(500, data, true);
  let text: string;
  try {
    text = String(JSON.parse(data));
  } catch {
    text = unquoteGo(data);
  }
  const error = errorFromBody(500, text, true);
  return error instanceof ApiError && typeof error.body === "string" ? new ApiError(500, { message: text }) : error;
}

const GO_ESCAPES: Readonly<Record<string, string>> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

// Go's %q (strconv.Quote) string syntax, which JSON does not always accept (\a, \v, \xNN).
function unquoteGo(quoted: string): string {
  return quoted
    .slice(1, quoted.endsWith('"') && quoted.length > 1 ? -1 : undefined)
    .replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, e: string) => {
      if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
      if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
      return GO_ESCAPES[e] ?? e;
    });
}

function violationsOf(body: unknown): FieldViolation[] | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const violations = (body as { violations?: unknown }).violations;
  if (!Array.isArray(violations)) return undefined;
  return violations.map((v: unknown) => {
    const item = (typeof v === "object" && v !== null ? v : {}) as { field?: unknown; description?: unknown };
    return {
      field: typeof item.field === "string" ? item.field : "",
      description: typeof item.description === "string" ? item.description : "",
    };
  });
}

const REMEMBERED_IDS = 4096;

function remember(seen: Set<string>, id: string): void {
  if (seen.size === REMEMBERED_IDS) {
    const oldest = seen.values().next();
    if (oldest.done !== true) seen.delete(oldest.value);
  }
  seen.add(id);
}

function backoff(policy: ReconnectPolicy, failures: number, retry: number | undefined): number {
  const initial = policy.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const ceiling = Math.min(policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, initial * 2 ** (failures - 1));
  return Math.max(Math.random() * ceiling, retry ?? 0);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
</%text>
