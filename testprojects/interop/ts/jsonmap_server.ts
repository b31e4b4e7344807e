// Serves jsonmap.v1.JsonMapService with the generated TS server on a loopback port, printed as
// "LISTENING <url>", for the JSON-mapping interop scenarios (json_mapping_scenarios.json). Each
// call names its scenario in X-Interop-Scenario: the server checks that it decoded the request
// the scenario gives, then answers the scenario's response or events. It mirrors
// go/jsonmapserver/main.go, except that its handlers never return `null`s: like any handler,
// they leave unset fields out and the server writes them in the mapping's form.
//
// Usage: node jsonmap_server.js <json_mapping_scenarios.json>
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import {
  ApiError,
  createJsonMapServiceRoutes,
  createRouter,
  type HandlerContext,
  type JsonMapServiceHandler,
} from "../gen/jsonmap/v1/index.js";
import { serve } from "./node_adapter.js";

interface Value {
  wire: unknown;
  sent?: { wire: unknown };
}

interface Scenario {
  name: string;
  request: Value;
  response?: Value;
  events?: Value[];
}

const scenarios = new Map<string, Scenario>();
for (const sc of (JSON.parse(readFileSync(process.argv[2] ?? "", "utf-8")) as { scenarios: Scenario[] }).scenarios) {
  scenarios.set(sc.name, sc);
}

// A value with its null members left out, at every depth.
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

// What the handler returns for a value: its `sent` form when it has one.
function sent(value: Value): never {
  return withoutNulls(value.sent?.wire ?? value.wire) as never;
}

// The call's scenario, once the request the generated server decoded is the scenario's.
function scenario(request: unknown, context: HandlerContext): Scenario {
  const name = context.request.headers.get("X-Interop-Scenario") ?? "";
  const sc = scenarios.get(name);
  if (sc === undefined) throw new ApiError(404, { message: "no scenario " + name });
  if (!isDeepStrictEqual(request, sc.request.wire)) {
    throw new ApiError(422, {
      message: `the server decoded the request as ${JSON.stringify(request)}; want ${JSON.stringify(sc.request.wire)}`,
    });
  }
  return sc;
}

function answer(request: unknown, context: HandlerContext): never {
  return sent(scenario(request, context).response as Value);
}

async function* events(request: unknown, context: HandlerContext): AsyncGenerator<never> {
  for (const event of scenario(request, context).events ?? []) yield sent(event);
}

const handler: JsonMapServiceHandler = {
  putItem: answer,
  getItem: answer,
  findByStatus: answer,
  putItems: answer,
  getBars: answer,
  getBarsBySymbol: answer,
  putPlace: answer,
  echo: answer,
  lookup: answer,
  streamItems: events,
  watchItems: events,
};

async function main(): Promise<void> {
  const handle = await serve(createRouter(createJsonMapServiceRoutes(handler)));
  console.log(`LISTENING ${handle.url}`);
}

void main();
