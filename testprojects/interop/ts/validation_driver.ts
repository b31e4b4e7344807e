// Runs the buf.validate cases (testprojects/conformance/validation.json) with the generated TS
// client of validation.v1.OrderService against the server at the URL given last, printing
// `RESULT {"scenario", "ok", "detail"}` per case: a valid request must succeed (a stream: its one
// event, then the end), an invalid one must fail with the ValidationError of exactly the case's
// violations, decoded from the server's 400. With --standard-rules-only (a server that leaves CEL
// rules to the Go side, as the TS server does) a case that breaks only a CEL rule must succeed.
//
// The harness copies this file into the TS test package's src/.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

import { OrderServiceClient, ValidationError } from "../gen/validation/v1/index.js";

interface Violation {
  field: string;
  description: string;
}

interface Case {
  name: string;
  rpc: string;
  message?: string;
  request: Record<string, unknown>;
  violations: Violation[];
  left_to_go?: boolean;
}

async function drain(events: AsyncGenerator<unknown, void, undefined>): Promise<void> {
  let count = 0;
  for await (const _ of events) count++;
  if (count !== 1) throw new Error(`${count} events, want 1`);
}

async function call(client: OrderServiceClient, c: Case): Promise<void> {
  // The request is protojson, which the generated client reads (`as never`: one case type for
  // every method).
  const request = c.request as never;
  switch (c.rpc) {
    case "CreateOrder":
      await client.createOrder(request);
      return;
    case "ListOrders":
      await client.listOrders(request);
      return;
    case "UpdateContact":
      await client.updateContact(request);
      return;
    case "WatchOrders":
      return drain(client.watchOrders(request));
    case "StreamQuotes":
      return drain(client.streamQuotes(request));
  }
  throw new Error(`no client method for ${c.rpc}`);
}

async function run(client: OrderServiceClient, c: Case, want: Violation[]): Promise<string> {
  try {
    await call(client, c);
  } catch (err) {
    if (want.length === 0) return `want success, got ${String(err)}`;
    if (!(err instanceof ValidationError)) return `want a ValidationError, got ${String(err)}`;
    const got = err.violations.map((v) => ({ field: v.field, description: v.description }));
    return isDeepStrictEqual(got, want) ? "" : `violations ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  }
  return want.length === 0 ? "" : `want violations ${JSON.stringify(want)}, got success`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const standardOnly = args.includes("--standard-rules-only");
  const [path, baseUrl] = args.filter((a) => !a.startsWith("--"));
  if (path === undefined || baseUrl === undefined) throw new Error("usage: validation_driver CASES_JSON BASE_URL [--standard-rules-only]");
  const cases = (JSON.parse(readFileSync(path, "utf-8")) as { cases: Case[] }).cases;
  const client = new OrderServiceClient(baseUrl);
  for (const c of cases) {
    if (!c.message) continue;
    const want = standardOnly && c.left_to_go ? [] : c.violations;
    const detail = await run(client, c, want);
    console.log(`RESULT ${JSON.stringify({ scenario: c.name, ok: detail === "", detail })}`);
  }
}

void main();
