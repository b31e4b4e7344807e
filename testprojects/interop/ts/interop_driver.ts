// Runs the interop scenarios (scenarios.json) with the generated TS client against a server and
// prints one "RESULT {json}" line per scenario: name, ok, detail.
//
// Usage: node interop_driver.js <scenarios.json> <base url> [scenario name]
// The harness copies this file into the TS test package's src/.
import { isDeepStrictEqual } from "node:util";
import { readFileSync } from "node:fs";

import {
  MarketDataServiceClient,
  isApiError,
  isValidationError,
  type MarketDataServiceClientOptions,
  type StreamEvent,
} from "../gen/market/v1/index.js";

// Deadlines, not timing checks: a hung call fails its scenario instead of the whole run.
const SCENARIO_DEADLINE_MS = 60_000;
const OBSERVATION_DEADLINE_MS = 20_000;

interface ExpectedError {
  kind: "validation" | "api";
  status?: number;
  message?: string;
  violations?: { field: string; description?: string }[];
}

interface ExpectedEvent {
  event: string;
  id: string;
  data?: unknown;
  data_symbol_length?: number;
}

interface Scenario {
  name: string;
  kind: "unary" | "stream";
  method: string;
  request: unknown;
  headers?: Record<string, string>;
  omit_default_headers?: boolean;
  cancel_after?: number;
  concurrency?: number;
  reconnect?: { max_attempts: number; initial_delay_ms: number; max_delay_ms: number };
  wire?: WireExpectation;
  // Set on every request by a client interceptor.
  interceptor_headers?: Record<string, string>;
  expect: {
    response?: unknown;
    // Unary: headers of the answer (prefix match), as the client reports them.
    response_headers?: Record<string, string>;
    error?: ExpectedError;
    events?: ExpectedEvent[];
    end?: "clean" | "error" | "cancelled";
    observation?: Record<string, unknown>;
  };
}

// Checked on the raw response the client read (see recordingFetch).
interface WireExpectation {
  headers?: Record<string, string>;
  lines?: string[];
  comment_lines?: boolean;
}

interface Recording {
  headers: Headers;
  body: string;
}

// A fetch that keeps a copy of the response headers and the body text the client reads, so the
// wire format can be checked beside what the client decoded. The copy is taken in a pass-through
// TransformStream, so cancelling the client's body still cancels the real one.
function recordingFetch(recording: Recording): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    recording.headers = response.headers;
    if (response.body === null) return response;
    const decoder = new TextDecoder();
    const copy = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        recording.body += decoder.decode(chunk, { stream: true });
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(copy), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function checkWire(want: WireExpectation, recording: Recording): string {
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    const got = recording.headers.get(name) ?? "";
    if (!got.startsWith(value)) return `wire: header ${name} = ${JSON.stringify(got)}, want ${JSON.stringify(value)}`;
  }
  const lines = recording.body.split(/\r\n|\r|\n/);
  for (const line of want.lines ?? []) {
    if (!lines.includes(line)) return `wire: no line ${JSON.stringify(line)} in the body`;
  }
  if (want.comment_lines === true && !lines.some((l) => l.startsWith(":"))) {
    return "wire: no comment line (heartbeat) in the body";
  }
  return "";
}

type UnaryCall = (request: unknown, options: { headers: Record<string, string>; signal: AbortSignal }) => Promise<unknown>;
type StreamCall = (
  request: unknown,
  options: { headers: Record<string, string>; signal: AbortSignal },
) => AsyncGenerator<StreamEvent<unknown>, void, undefined>;

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? text.slice(0, 300) + "..." : text;
}

function matchError(want: ExpectedError | undefined, error: unknown): string {
  if (want === undefined) return "unexpected error: " + describe(error);
  if (want.kind === "validation") {
    if (!isValidationError(error)) return "want a ValidationError, got " + describe(error);
    const got = error.violations;
    const expected = want.violations ?? [];
    if (got.length !== expected.length) return `got violations ${short(got)}, want ${expected.length}`;
    for (const [i, w] of expected.entries()) {
      const g = got[i]!;
      if (g.field !== w.field || (w.description !== undefined && g.description !== w.description)) {
        return `violation ${i}: got ${short(g)}, want field ${w.field}`;
      }
    }
    return "";
  }
  if (!isApiError(error)) return "want an ApiError, got " + describe(error);
  if (want.status !== undefined && error.status !== want.status) {
    return `got status ${error.status}, want ${want.status} (${error.message})`;
  }
  if (want.message !== undefined && error.message !== want.message) {
    return `got message ${JSON.stringify(error.message)}, want ${JSON.stringify(want.message)}`;
  }
  return "";
}

class Runner {
  constructor(
    readonly baseUrl: string,
    readonly defaultHeaders: Record<string, string>,
    // "sebuf": the client reads streams with framing "sebuf".
    readonly framing: "ssegen" | "sebuf",
  ) {}

  // "" when the scenario passed, else what went wrong. Concurrent copies get their index
  // substituted for {i} in the scenario text.
  async run(text: string): Promise<string> {
    const probe = JSON.parse(text) as Scenario;
    const n = probe.concurrency ?? 1;
    const copies = Array.from({ length: n }, (_, i) =>
      this.runOne(JSON.parse(text.replaceAll("{i}", String(i))) as Scenario).catch(
        (error: unknown) => "driver error: " + describe(error),
      ),
    );
    const details = await Promise.all(copies);
    for (const [i, detail] of details.entries()) {
      if (detail !== "") return n > 1 ? `copy ${i}: ${detail}` : detail;
    }
    return "";
  }

  async runOne(sc: Scenario): Promise<string> {
    const options: MarketDataServiceClientOptions = { framing: this.framing };
    if (!sc.omit_default_headers) options.headers = { ...this.defaultHeaders };
    if (sc.reconnect !== undefined) {
      options.reconnect = {
        maxAttempts: sc.reconnect.max_attempts,
        initialDelayMs: sc.reconnect.initial_delay_ms,
        maxDelayMs: sc.reconnect.max_delay_ms,
      };
    }
    const recording: Recording = { headers: new Headers(), body: "" };
    if (sc.wire !== undefined) options.fetch = recordingFetch(recording);
    const interceptorHeaders = sc.interceptor_headers;
    if (interceptorHeaders !== undefined) {
      options.interceptors = [
        async (request, next) => {
          for (const [name, value] of Object.entries(interceptorHeaders)) request.init.headers.set(name, value);
          return next(request);
        },
      ];
    }
    const client = new MarketDataServiceClient(this.baseUrl, options);
    const methods = client as unknown as Record<string, unknown>;
    const headers = sc.headers ?? {};
    const deadline = AbortSignal.timeout(SCENARIO_DEADLINE_MS);
    if (sc.kind === "unary") {
      const call = methods[lowerFirst(sc.method)] as UnaryCall | undefined;
      if (call === undefined) return "unknown method " + sc.method;
      let response: unknown;
      let answer: Headers | undefined;
      const onResponse = (info: { headers: Headers }): void => void (answer = info.headers);
      try {
        response = await call.call(client, sc.request, { headers, signal: deadline, onResponse });
      } catch (error) {
        return matchError(sc.expect.error, error);
      }
      if (sc.expect.error !== undefined) return "expected an error, got response " + short(response);
      for (const [name, value] of Object.entries(sc.expect.response_headers ?? {})) {
        const got = answer?.get(name) ?? "";
        if (!got.startsWith(value)) return `response header ${name} = ${JSON.stringify(got)}, want ${JSON.stringify(value)}`;
      }
      return isDeepStrictEqual(response, sc.expect.response)
        ? ""
        : `got ${short(response)}, want ${short(sc.expect.response)}`;
    }
    const open = methods[lowerFirst(sc.method) + "Events"] as StreamCall | undefined;
    if (open === undefined) return "unknown stream method " + sc.method;
    const expected = sc.expect.events ?? [];
    let got = 0;
    let streamError: unknown;
    let failed = false;
    try {
      for await (const event of open.call(client, sc.request, { headers, signal: deadline })) {
        const want = expected[got];
        if (want === undefined) {
          return `unexpected event #${got + 1}: event=${event.event} id=${event.id} data=${short(event.data)}`;
        }
        if (event.event !== want.event || event.id !== want.id) {
          return `event #${got + 1}: got event=${event.event} id=${event.id}, want event=${want.event} id=${want.id}`;
        }
        if (want.data_symbol_length !== undefined) {
          const symbol = (event.data as { symbol?: string }).symbol ?? "";
          if (symbol.length !== want.data_symbol_length) {
            return `event #${got + 1}: symbol of ${symbol.length} characters, want ${want.data_symbol_length}`;
          }
        } else if (!isDeepStrictEqual(event.data, want.data)) {
          return `event #${got + 1}: got ${short(event.data)}, want ${short(want.data)}`;
        }
        got++;
        // The client goes away mid-stream: `break` must cancel the body and abort the fetch.
        if (sc.cancel_after !== undefined && got === sc.cancel_after) break;
      }
    } catch (error) {
      failed = true;
      streamError = error;
    }
    if (got !== expected.length) {
      return `got ${got} events, want ${expected.length} (stream error: ${failed ? describe(streamError) : "none"})`;
    }
    if (sc.expect.end === "error") {
      if (!failed) return "stream ended cleanly, want an error";
      const detail = matchError(sc.expect.error, streamError);
      if (detail !== "") return detail;
    } else if (failed) {
      return "stream did not end cleanly: " + describe(streamError);
    }
    if (sc.wire !== undefined) {
      const detail = checkWire(sc.wire, recording);
      if (detail !== "") return detail;
    }
    if (sc.expect.observation !== undefined) return this.awaitObservation(sc);
    return "";
  }

  // Polls the server's record of the stream until it matches or the deadline passes:
  // cancellation reaches the handler asynchronously.
  async awaitObservation(sc: Scenario): Promise<string> {
    const id = sc.headers?.["X-Request-ID"] ?? "";
    const deadline = Date.now() + OBSERVATION_DEADLINE_MS;
    let last = "";
    for (;;) {
      try {
        const response = await fetch(`${this.baseUrl}/interop/observations/${encodeURIComponent(id)}`);
        const got = (await response.json()) as Record<string, unknown>;
        last = "";
        for (const [key, want] of Object.entries(sc.expect.observation ?? {})) {
          if (!isDeepStrictEqual(got[key], want)) {
            last = `server observation: ${key} = ${short(got[key])}, want ${short(want)}`;
            break;
          }
        }
        if (last === "") return "";
      } catch (error) {
        last = "observations: " + describe(error);
      }
      if (Date.now() > deadline) return last;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function main(): Promise<void> {
  const [path, baseUrl, only] = process.argv.slice(2);
  if (baseUrl === undefined || path === undefined) throw new Error("usage: interop_driver <scenarios.json> <base url> [name]");
  const file = JSON.parse(readFileSync(path, "utf-8")) as {
    framing?: "sebuf";
    default_headers: Record<string, string>;
    scenarios: unknown[];
  };
  const runner = new Runner(baseUrl, file.default_headers, file.framing ?? "ssegen");
  for (const scenario of file.scenarios) {
    const name = (scenario as Scenario).name;
    if (only !== undefined && only !== name) continue;
    let detail: string;
    try {
      detail = await runner.run(JSON.stringify(scenario));
    } catch (error) {
      detail = "driver error: " + describe(error);
    }
    console.log("RESULT " + JSON.stringify({ scenario: name, ok: detail === "", detail }));
  }
}

// A stray rejection or exception (noise after a cancelled stream) is a failure of the run.
process.on("unhandledRejection", (error) => {
  console.log("RESULT " + JSON.stringify({ scenario: "(no unhandled rejections)", ok: false, detail: describe(error) }));
  process.exitCode = 1;
});

void main();
