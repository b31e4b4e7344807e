// sebuf's stream framing, both ways: a server and a client written here to sebuf's wire behaviour
// (no end event; `event: error` with a Go %q-quoted string; clients that read only `data: ` lines,
// split on LF) against the generated client and server with `framing: "sebuf"`.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { MarketDataServiceClient } from "../gen/market/v1/market_data.client.js";
import { ApiError, StreamInterruptedError, ValidationError } from "../gen/market/v1/ssegen_errors.js";
import { API_KEY, failOnUnhandled, start } from "./helpers.js";

failOnUnhandled();

// Streams two quotes as sebuf's Go server does (one named), then ends the response; for LATE,
// first an error event whose data is Go-quoted (\a is not JSON).
async function withSebufServer(body: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.write('event: quote\ndata: {"symbol":"A","bid":1}\n\n');
    res.write('data: {"symbol":"B","bid":2}\n\n');
    if (req.url?.includes("LATE")) res.write('event: error\ndata: "halted: \\"venue\\" closed\\a"\n\n');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test("the sebuf-framing client reads a sebuf server: events, a clean end, the error text", async () => {
  await withSebufServer(async (url) => {
    const client = new MarketDataServiceClient(url, { framing: "sebuf", reconnect: { maxAttempts: 3, initialDelayMs: 1 } });
    const events: string[] = [];
    for await (const e of client.streamQuotesEvents({ symbol: "OK" })) events.push(`${e.event}:${e.data.symbol}`);
    assert.deepEqual(events, ["quote:A", "message:B"]);

    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of client.streamQuotes({ symbol: "LATE" })) count++;
      })(),
      (error: unknown) => error instanceof ApiError && error.message === 'halted: "venue" closed\x07',
    );
    assert.equal(count, 2);
  });
});

test("the default client calls a clean sebuf stream interrupted", async () => {
  await withSebufServer(async (url) => {
    const client = new MarketDataServiceClient(url);
    await assert.rejects(
      (async () => {
        for await (const _ of client.streamQuotes({ symbol: "OK" })) {
          // drain
        }
      })(),
      (error: unknown) => error instanceof StreamInterruptedError,
    );
  });
});

// Reads a stream as sebuf's clients do: every "data: " line JSON-decoded on its own.
async function sebufClient(url: string): Promise<unknown[]> {
  const response = await fetch(url, { headers: { Accept: "text/event-stream", "X-API-Key": API_KEY } });
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as unknown);
}

test("sebuf's client reads the sebuf-framing server: no extra message, the error as a string", async () => {
  const impl = {
    streamQuotes: async function* (request: { symbol?: string }) {
      yield { symbol: "A" };
      if (request.symbol === "LATE") throw new ApiError(503, { message: 'halted: "venue" closed' });
      if (request.symbol === "INVALID") throw new ValidationError([{ field: "symbol", description: "unknown" }]);
    },
  };
  const sebuf = await start(impl, { routes: { framing: "sebuf", heartbeatIntervalMs: 0 } });
  const plain = await start(impl, { routes: { heartbeatIntervalMs: 0 } });
  try {
    const stream = (h: typeof sebuf, symbol: string): string => `${h.url}/api/v1/quotes/${symbol}/stream`;
    assert.deepEqual(await sebufClient(stream(sebuf, "OK")), [{ symbol: "A" }]);
    assert.deepEqual(await sebufClient(stream(sebuf, "LATE")), [{ symbol: "A" }, 'halted: "venue" closed']);
    assert.deepEqual(await sebufClient(stream(sebuf, "INVALID")), [
      { symbol: "A" },
      '{"violations":[{"field":"symbol","description":"unknown"}]}',
    ]);
    // Without the option, sebuf's client reads the end event as one more (empty) message.
    assert.deepEqual(await sebufClient(stream(plain, "OK")), [{ symbol: "A" }, {}]);

    // The generated client with the option reads the same errors as typed errors.
    const client = new MarketDataServiceClient(sebuf.url, { headers: { "X-API-Key": API_KEY }, framing: "sebuf" });
    const drain = async (symbol: string): Promise<void> => {
      for await (const _ of client.streamQuotes({ symbol })) {
        // drain
      }
    };
    await drain("OK");
    await assert.rejects(drain("LATE"), (e: unknown) => e instanceof ApiError && e.message === 'halted: "venue" closed');
    await assert.rejects(drain("INVALID"), (e: unknown) => e instanceof ValidationError);
  } finally {
    await sebuf.close();
    await plain.close();
  }
});
