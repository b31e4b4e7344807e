// buf.validate in TypeScript: the shared cases of testprojects/conformance/validation.json against
// the generated server (every request answers exactly the violations protovalidate-go gives, or
// reaches the handler) and the generated client's validateRequests option (the same violations,
// and nothing sent; off by default).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import type {
  Contact,
  CreateOrderRequest,
  ListOrdersRequest,
  StreamQuotesRequest,
  WatchOrdersRequest,
} from "../gen/validation/v1/validation.js";
import { OrderServiceClient } from "../gen/validation/v1/validation.client.js";
import { createOrderServiceRoutes, type OrderServiceHandler } from "../gen/validation/v1/validation.server.js";
import { ValidationError, type FieldViolation } from "../gen/validation/v1/ssegen_errors.js";
import { createRouter } from "../gen/validation/v1/ssegen_server_runtime.js";
import { validationCasesPath } from "./paths.js";
import { failOnUnhandled } from "./util.js";

failOnUnhandled();

interface Case {
  name: string;
  rpc: string;
  method: string;
  path: string;
  body?: unknown;
  message: string;
  request: Record<string, unknown>;
  violations: FieldViolation[];
  left_to_go?: boolean;
}

const cases: Case[] = (JSON.parse(readFileSync(validationCasesPath(), "utf-8")) as { cases: Case[] }).cases;

// What TypeScript answers: protovalidate's violations, except for the CEL rules it leaves to Go.
function expected(c: Case): FieldViolation[] {
  return c.left_to_go === true ? [] : c.violations;
}

const reached: string[] = [];
const handler: OrderServiceHandler = {
  createOrder: (request) => {
    reached.push("CreateOrder");
    return { id: "o1", accountId: request.accountId ?? "" };
  },
  listOrders: () => {
    reached.push("ListOrders");
    return { orders: [] };
  },
  watchOrders: async function* () {
    reached.push("WatchOrders");
    yield { id: "o1" };
  },
  streamQuotes: async function* () {
    reached.push("StreamQuotes");
    yield { symbol: "A" };
  },
  updateContact: (request) => {
    reached.push("UpdateContact");
    return request;
  },
};

const serve = createRouter(createOrderServiceRoutes(handler));

describe("buf.validate conformance (TS server)", () => {
  assert.ok(cases.length > 0);
  for (const c of cases) {
    test(c.name, async () => {
      reached.length = 0;
      const init: RequestInit = { method: c.method, headers: { Accept: "application/json, text/event-stream" } };
      if (c.body !== undefined) init.body = JSON.stringify(c.body);
      const response = await serve(new Request("http://test" + c.path, init));
      const want = expected(c);
      if (want.length > 0) {
        assert.equal(response.status, 400);
        assert.deepEqual(await response.json(), { violations: want });
        assert.deepEqual(reached, [], "the handler ran for an invalid request");
      } else {
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.deepEqual(reached, [c.rpc]);
      }
    });
  }
});

// One call of the case's RPC through the generated client, to its end.
async function call(client: OrderServiceClient, c: Case): Promise<void> {
  switch (c.rpc) {
    case "CreateOrder":
      await client.createOrder(c.request as CreateOrderRequest);
      return;
    case "ListOrders":
      await client.listOrders(c.request as ListOrdersRequest);
      return;
    case "UpdateContact":
      await client.updateContact(c.request as Contact);
      return;
    case "WatchOrders":
      for await (const _ of client.watchOrders(c.request as WatchOrdersRequest));
      return;
    case "StreamQuotes":
      for await (const _ of client.streamQuotes(c.request as StreamQuotesRequest));
      return;
  }
  assert.fail(`unknown rpc ${c.rpc}`);
}

describe("buf.validate conformance (TS client, validateRequests)", () => {
  for (const c of cases) {
    test(c.name, async () => {
      let sent = 0;
      const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        sent++;
        return serve(new Request(input, init));
      };
      const client = new OrderServiceClient("http://test", { fetch, validateRequests: true });
      const want = expected(c);
      if (want.length === 0) {
        await call(client, c);
        assert.equal(sent, 1);
        return;
      }
      await assert.rejects(call(client, c), (error: unknown) => {
        assert.ok(error instanceof ValidationError, String(error));
        assert.deepEqual(error.violations, want);
        return true;
      });
      assert.equal(sent, 0, "an invalid request was sent");
    });
  }

  test("off by default: the server answers the violations", async () => {
    const invalid = cases.find((c) => c.rpc === "CreateOrder" && expected(c).length > 0);
    assert.ok(invalid !== undefined);
    let sent = 0;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      sent++;
      return serve(new Request(input, init));
    };
    const client = new OrderServiceClient("http://test", { fetch });
    await assert.rejects(call(client, invalid), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.violations, expected(invalid));
      return true;
    });
    assert.equal(sent, 1);
  });
});
