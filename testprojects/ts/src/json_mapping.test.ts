// sebuf's JSON mapping in TypeScript: the shared conformance cases against the generated
// decoders, and the generated server and client of json_mapping over loopback HTTP.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import type { GetItemRequest, Item, ItemList, Plain } from "../gen/jsonmap/v1/jsonmap.js";
import * as schemas from "../gen/jsonmap/v1/jsonmap.json.js";
import { JsonMapServiceClient } from "../gen/jsonmap/v1/jsonmap.client.js";
import { createJsonMapServiceRoutes } from "../gen/jsonmap/v1/jsonmap.server.js";
import { ApiError, ValidationError } from "../gen/jsonmap/v1/ssegen_errors.js";
import { decoder, type MessageSchema } from "../gen/jsonmap/v1/ssegen_json.js";
import { createRouter } from "../gen/jsonmap/v1/ssegen_server_runtime.js";
import { serve, type ServerHandle } from "./node_adapter.js";
import { jsonMappingCasesPath } from "./paths.js";
import { failOnUnhandled } from "./util.js";

failOnUnhandled();

interface Case {
  name: string;
  message: string;
  json?: unknown;
  text?: string;
  proto?: unknown;
  encoded?: unknown;
  error?: string;
}

const cases: Case[] = (JSON.parse(readFileSync(jsonMappingCasesPath(), "utf-8")) as { cases: Case[] }).cases;

function schemaOf(name: string): MessageSchema {
  const local = name.replace(/^jsonmap\.v1\./, "");
  const schema = (schemas as unknown as Record<string, MessageSchema>)[local];
  assert.ok(schema !== undefined, `no schema for ${name}`);
  return schema;
}

function input(c: Case): unknown {
  return c.text !== undefined ? JSON.parse(c.text) : c.json;
}

describe("JSON-mapping conformance (decoders)", () => {
  assert.ok(cases.length > 0);
  for (const c of cases) {
    test(c.name, () => {
      const decode = decoder<unknown>(schemaOf(c.message));
      if (c.error !== undefined) {
        assert.throws(
          () => decode(input(c)),
          (error: unknown) => {
            assert.ok(error instanceof ValidationError, String(error));
            assert.equal(error.violations[0]?.field, c.error === "" ? "body" : c.error, JSON.stringify(error.violations));
            return true;
          },
        );
        return;
      }
      decode(input(c));
      // What the Go server writes back is the wire form: the decoder keeps it as it is.
      const encoded = c.encoded ?? c.json;
      assert.deepEqual(decode(encoded), encoded);
    });
  }
});

// What the server writes for an Item's unset nullable and empty_behavior NULL fields, as Go does.
const UNSET = { middleName: null, rank: null, home: null, level: null };

// Echoes bodies, and sends each stream's request item twice.
const handler = {
  putItem: (req: Item) => req,
  getItem: (req: GetItemRequest): Item => ({ id: req.id ?? "", status: req.status, history: req.also ?? [] }),
  findByStatus: (req: { status?: Item["status"] }): ItemList => (req.status === undefined ? [] : [{ status: req.status }]),
  putItems: (req: ItemList) => req,
  getBars: (req: Plain) => ({ bars: { [req.id ?? ""]: [{ time: Number(req.n ?? "0"), price: 1.5 }] } }),
  getBarsBySymbol: <T>(req: T) => req,
  putPlace: <T>(req: T) => req,
  echo: (req: Plain) => req,
  lookup: <T>(req: T) => req,
  async *streamItems(req: ItemList): AsyncGenerator<Item> {
    yield* req;
  },
  async *watchItems(req: GetItemRequest): AsyncGenerator<Item> {
    yield { id: req.id ?? "", kind: "vid", video: { url: "u" }, type: "text", body: "hi", count: 7 };
    yield { id: req.id ?? "", status: "inactive", digest: "abcd", created: 1705312200 };
  },
};

describe("JSON-mapping over HTTP", () => {
  let server: ServerHandle;
  let client: JsonMapServiceClient;

  before(async () => {
    server = await serve(createRouter(createJsonMapServiceRoutes(handler)));
    client = new JsonMapServiceClient(server.url);
  });
  after(() => server.close());

  const post = async (path: string, body: string): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(server.url + path, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    return { status: response.status, json: await response.json() };
  };

  test("every option round-trips through a unary call", async () => {
    const item: Item = {
      id: "i1", count: 12, total: "18446744073709551615", priority: 2, status: "active", history: ["inactive"],
      byRegion: { eu: "active" }, middleName: null, rank: 3, home: null, other: {}, created: 1705312200,
      updated: 1705312200123, birthday: "2024-01-15", seen: "2024-01-15T09:50:00Z", raw: "+/8BSGk",
      token: "-_8BSGk=", tokenRaw: "-_8BSGk", digest: "fbff014869", plain: "+/8BSGk=", billing_street: "1 Main St",
      mainTag: { name: "m", status: "inactive" }, tags: [{ name: "a" }], samples: [1, -2], level: 0,
      kind: "vid", video: { url: "u", seconds: 3 }, type: "pic", uri: "p.png", photoStatus: "active",
    };
    assert.deepEqual(await client.putItem(item), item);
  });

  test("unwrapped messages round-trip", async () => {
    const list: ItemList = [{ id: "a" }, { status: "inactive" }];
    assert.deepEqual(await client.putItems(list), list.map((item) => ({ ...item, ...UNSET })));
    assert.deepEqual(await client.getBarsBySymbol({ AAPL: [{ time: 1, price: 2 }] }), { AAPL: [{ time: 1, price: 2 }] });
    assert.deepEqual(await client.getBars({ id: "MSFT", n: "5" }), { bars: { MSFT: [{ time: 5, price: 1.5 }] } });
    assert.deepEqual(await client.putPlace({ label: "x", street: "s" }), { label: "x", street: "s" });
  });

  test("custom enum names in path and query", async () => {
    assert.deepEqual(await client.getItem({ id: "x", status: "inactive", also: ["active"] }), {
      id: "x", status: "inactive", history: ["active"], ...UNSET,
    });
    assert.deepEqual(await client.findByStatus({ status: "active" }), [{ status: "active", ...UNSET }]);
    const response = await fetch(server.url + "/api/items/x?status=nope");
    assert.equal(response.status, 400);
  });

  test("int64 and enum NUMBER path and query values reach the handler as numbers", async () => {
    const response = await fetch(server.url + "/api/lookup/-12?priority=PRIORITY_HIGH&levels=1&levels=0&big=9007199254740991");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { n: -12, priority: 2, levels: [1, 0], big: 9007199254740991 });
    assert.deepEqual(await client.lookup({ n: 5, priority: 1, levels: [2] }), { n: 5, priority: 1, levels: [2] });
    assert.equal((await fetch(server.url + "/api/lookup/x")).status, 400);
  });

  test("handlers see normalised values", async () => {
    const { status, json } = await post("/api/items", '{"count":"12","total":7,"priority":"PRIORITY_LOW","video":{},"x":1}');
    assert.equal(status, 200);
    assert.deepEqual(json, { count: 12, total: "7", priority: 1, kind: "vid", video: {}, ...UNSET });
  });

  test("ill-typed bodies are 400 violations, never 500", async () => {
    for (const [body, field] of [
      ['{"id": 5, "count": "abc"}', "id"],
      ['{"tags": "a"}', "tags"],
      ['{"status": "STATUS_NOPE"}', "status"],
      ['{"tags": [{"status": "x"}]}', "tags[0].status"],
      ['{"video": {}, "image": {}}', "image"],
      ['{"total": "18446744073709551616"}', "total"],
      ['{"seen": "yesterday"}', "seen"],
      ['{"raw": "+/8="}', "raw"],
      ['{"id": "\\ud800"}', "id"],
      ["[1]", "body"],
    ] as const) {
      const { status, json } = await post("/api/items", body);
      assert.equal(status, 400, body);
      const violations = (json as { violations: { field: string }[] }).violations;
      assert.equal(violations[0]?.field, field, `${body}: ${JSON.stringify(violations)}`);
    }
    const { status, json } = await post("/api/items", '{"id": 5, "count": "abc"}');
    assert.equal(status, 400);
    assert.equal((json as { violations: unknown[] }).violations.length, 2);
  });

  test("a message without options is checked too", async () => {
    assert.equal((await post("/api/plain", '{"n": "x"}')).status, 400);
    assert.deepEqual((await post("/api/plain", '{"id": "a", "n": 5, "later": true}')).json, { id: "a", n: "5" });
  });

  test("every option round-trips through a stream", async () => {
    const events: Item[] = [];
    for await (const item of client.watchItems({ id: "s", status: "active" })) events.push(item);
    assert.deepEqual(events, [
      { id: "s", kind: "vid", video: { url: "u" }, type: "text", body: "hi", count: 7, ...UNSET },
      { id: "s", status: "inactive", digest: "abcd", created: 1705312200, ...UNSET },
    ]);
  });

  test("handler values are written in the mapping's form, as the Go server writes them", async () => {
    const item = {
      id: "", count: 0, total: "0", status: "unknown", history: [], byRegion: {}, rank: 0, home: {}, work: {}, other: {},
      raw: "", plain: "-_8", samples: [], billing_street: "", kind: "link",
    } as const;
    const text = await (await fetch(server.url + "/api/items", { method: "POST", body: JSON.stringify(item) })).text();
    // Defaults without presence left out, `optional` ones kept, all-default NULL / OMIT messages
    // null / left out, a discriminator alone selecting its member's default, in proto field order.
    assert.equal(text, '{"middleName":null,"rank":0,"home":null,"other":{},"plain":"+/8=","level":null,"kind":"link","link":""}');
  });

  test("the wire form of each conformance case is what the server writes", async () => {
    for (const c of cases.filter((c) => c.message === "jsonmap.v1.Item" && c.error === undefined)) {
      const { status, json } = await post("/api/items", JSON.stringify(input(c)));
      assert.equal(status, 200, c.name);
      assert.deepEqual(json, c.encoded ?? c.json, c.name);
    }
  });

  test("a handler value that does not fit its message is a safe 500 and an error event, seen by onError", async () => {
    const seen: unknown[] = [];
    const wrong = { count: "many", tags: "a" } as unknown as Item;
    const routes = createJsonMapServiceRoutes(
      {
        ...handler,
        putItem: () => wrong,
        async *streamItems(): AsyncGenerator<Item> {
          yield { id: "ok" };
          yield wrong;
        },
      },
      { onError: (error) => void seen.push(error) },
    );
    const bad = await serve(createRouter(routes));
    try {
      const response = await fetch(bad.url + "/api/items", { method: "POST", body: "{}" });
      assert.equal(response.status, 500);
      assert.deepEqual(await response.json(), { message: "internal server error" });
      const stream = await (await fetch(bad.url + "/api/items/stream", { method: "POST", body: "[]" })).text();
      assert.match(stream, /^data: \{"id":"ok",[^\n]*\n\nevent: error\ndata: \{"message":"internal server error"\}\n\n$/);
      assert.equal(seen.length, 2);
      for (const error of seen) {
        assert.ok(error instanceof Error && /count/.test(error.message) && /tags/.test(error.message), String(error));
      }
    } finally {
      await bad.close();
    }
  });

  test("a response that does not fit its message is an ApiError", async () => {
    const bad = await serve(async () => new Response('{"count": "abc"}', { headers: { "Content-Type": "application/json" } }));
    try {
      await assert.rejects(new JsonMapServiceClient(bad.url).putItem({}), (error: unknown) => {
        assert.ok(error instanceof ApiError && /count/.test(error.message), String(error));
        return true;
      });
    } finally {
      await bad.close();
    }
  });
});
