// Reconnection always ends, whatever the server does: servers written here by hand end streams
// without the end event, ignore Last-Event-ID, or close at once.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import type { ReconnectPolicy } from "../gen/market/v1/ssegen_client_runtime.js";
import { StreamInterruptedError } from "../gen/market/v1/ssegen_errors.js";
import { failOnUnhandled } from "./helpers.js";

failOnUnhandled();

const quick: ReconnectPolicy = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

// Answers the n-th request (from 1) with `id` + `data` blocks for events(n, Last-Event-ID), then
// ends the response without an end event. Records each request's Last-Event-ID.
async function rawStreamServer(
  events: (n: number, lastEventId: string) => number[],
  body: (url: string, lastIds: string[]) => Promise<void>,
): Promise<void> {
  const lastIds: string[] = [];
  const server = http.createServer((req, res) => {
    const last = String(req.headers["last-event-id"] ?? "");
    lastIds.push(last);
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    for (const id of events(lastIds.length, last)) res.write(`id: ${id}\ndata: {"symbol":"quote ${id}"}\n\n`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, lastIds);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function streamAll(url: string, reconnect: ReconnectPolicy): Promise<{ ids: string[]; error: unknown }> {
  const ids: string[] = [];
  const client = new MarketDataServiceClient(url);
  try {
    for await (const event of client.streamQuotesEvents({ symbol: "X" }, { reconnect })) ids.push(event.id);
  } catch (error) {
    return { ids, error };
  }
  return { ids, error: undefined };
}

const after = (last: string, ...ids: number[]): number[] => ids.filter((id) => id > Number(last || "0"));

test("reconnection ends when the server ends without the end event", async () => {
  // The server honours Last-Event-ID and has nothing after 3: every reconnect brings nothing.
  await rawStreamServer((_n, last) => after(last, 1, 2, 3), async (url, lastIds) => {
    const { ids, error } = await streamAll(url, quick);
    assert.deepEqual(ids, ["1", "2", "3"]);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.deepEqual(lastIds, ["", "3", "3", "3"], "the first request and maxAttempts (3) reconnects");
  });
});

test("events replayed by a server that ignores Last-Event-ID are skipped, and reconnection ends", async () => {
  await rawStreamServer(() => [1, 2, 3], async (url, lastIds) => {
    const { ids, error } = await streamAll(url, quick);
    assert.deepEqual(ids, ["1", "2", "3"], "each event once");
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.deepEqual(lastIds, ["", "3", "3", "3"]);
  });
});

test("reconnection ends when the server closes at once", async () => {
  await rawStreamServer(() => [], async (url, lastIds) => {
    const { ids, error } = await streamAll(url, quick);
    assert.deepEqual(ids, []);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(lastIds.length, 4, "the first request and maxAttempts (3) reconnects");
  });
});

test("maxReconnects caps reconnection even when every connection brings a new event", async () => {
  await rawStreamServer((n) => [n], async (url, lastIds) => {
    const { ids, error } = await streamAll(url, { ...quick, maxReconnects: 4 });
    assert.deepEqual(ids, ["1", "2", "3", "4", "5"]);
    assert.ok(error instanceof StreamInterruptedError, String(error));
    assert.equal(lastIds.length, 5, "the first request and maxReconnects (4) reconnects");
  });
});
