// Runs the JSON-mapping interop scenarios (json_mapping_scenarios.json) with the generated TS
// client of jsonmap.v1.JsonMapService against a server and prints one "RESULT {json}" line per
// scenario: name, ok, detail. Each answer must decode to the scenario's `wire`, and its raw JSON
// (the body, or each event's data) must be that `wire` too.
//
// Usage: node jsonmap_driver.js <json_mapping_scenarios.json> <base url>
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { JsonMapServiceClient } from "../gen/jsonmap/v1/index.js";

// A deadline, not a timing check: a hung call fails its scenario instead of the whole run.
const SCENARIO_DEADLINE_MS = 60_000;

interface Value {
  wire: unknown;
}

interface Scenario {
  name: string;
  kind: "unary" | "stream";
  method: string;
  request: Value;
  response?: Value;
  events?: Value[];
}

type Options = { headers: Record<string, string>; signal: AbortSignal };
type Unary = (request: unknown, options: Options) => Promise<unknown>;
type Stream = (request: unknown, options: Options) => AsyncGenerator<unknown, void, undefined>;

// The data of each unnamed event of an SSE body (the terminal `end` event and heartbeats left out).
function eventData(body: string): string[] {
  const data: string[] = [];
  for (const block of body.replace(/\r\n/g, "\n").split("\n\n")) {
    const lines = block.split("\n");
    const values = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
    if (values.length > 0 && !lines.some((l) => l.startsWith("event:"))) data.push(values.join("\n"));
  }
  return data;
}

function check(what: string, got: unknown, want: unknown): string {
  return isDeepStrictEqual(got, want) ? "" : `${what}: ${JSON.stringify(got)}; want ${JSON.stringify(want)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function run(baseUrl: string, sc: Scenario): Promise<string> {
  let body = "";
  // Keeps the body text the client reads, to check the wire beside the decoded values.
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.body === null) return response;
    const decoder = new TextDecoder();
    const copy = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        body += decoder.decode(chunk, { stream: true });
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(copy), { status: response.status, headers: response.headers });
  };
  const client = new JsonMapServiceClient(baseUrl, { fetch: recording });
  const name = sc.method.charAt(0).toLowerCase() + sc.method.slice(1);
  const options: Options = { headers: { "X-Interop-Scenario": sc.name }, signal: AbortSignal.timeout(SCENARIO_DEADLINE_MS) };
  const method = (client as unknown as Record<string, (request: unknown, options: Options) => unknown>)[name];
  if (method === undefined) return "unknown method " + sc.method;
  if (sc.kind === "unary") {
    const response = await (method.bind(client) as Unary)(sc.request.wire, options);
    const want = sc.response?.wire;
    return check("the response", response, want) || check("the response on the wire", JSON.parse(body), want);
  }
  const got: unknown[] = [];
  for await (const event of (method.bind(client) as Stream)(sc.request.wire, options)) got.push(event);
  const want = (sc.events ?? []).map((e) => e.wire);
  const wire = eventData(body).map((d) => JSON.parse(d) as unknown);
  return check("the events", got, want) || check("the events on the wire", wire, want);
}

async function main(): Promise<void> {
  const [path, baseUrl] = process.argv.slice(2);
  const scenarios = (JSON.parse(readFileSync(path ?? "", "utf-8")) as { scenarios: Scenario[] }).scenarios;
  for (const sc of scenarios) {
    const detail = await run(baseUrl ?? "", sc).catch((error: unknown) => describe(error));
    console.log("RESULT " + JSON.stringify({ scenario: sc.name, ok: detail === "", detail }));
  }
}

void main();
