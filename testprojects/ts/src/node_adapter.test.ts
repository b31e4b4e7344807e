// The test adapter itself: if it did not abort, cancel and honour backpressure, the end-to-end
// suites could not tell a generated-server bug from an adapter bug.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { aborted, deferred, failOnUnhandled, waitFor } from "./util.js";
import { serve } from "./node_adapter.js";

failOnUnhandled();

describe("node adapter", () => {
  test("passes method, URL, headers and a streamed body; returns status, headers and body", async () => {
    const server = await serve(async (request) => {
      const body = await request.text();
      return new Response(JSON.stringify({ method: request.method, path: new URL(request.url).pathname, h: request.headers.get("x-a"), body }), {
        status: 201,
        headers: { "content-type": "application/json", "x-b": "2" },
      });
    });
    try {
      const response = await fetch(`${server.url}/p/q?x=1`, { method: "PATCH", headers: { "X-A": "1" }, body: "hello" });
      assert.equal(response.status, 201);
      assert.equal(response.headers.get("x-b"), "2");
      assert.deepEqual(await response.json(), { method: "PATCH", path: "/p/q", h: "1", body: "hello" });
    } finally {
      await server.close();
    }
  });

  test("aborts request.signal and cancels the body when the client goes away", async () => {
    const cancelled = deferred<unknown>();
    let signalled = false;
    const server = await serve(async (request) => {
      request.signal.addEventListener("abort", () => (signalled = true));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("first\n"));
        },
        cancel(reason) {
          cancelled.resolve(reason);
        },
      });
      return new Response(stream, { headers: { "content-type": "text/plain" } });
    });
    try {
      const controller = new AbortController();
      const response = await fetch(server.url, { signal: controller.signal });
      const reader = response.body!.getReader();
      const { value } = await reader.read();
      assert.equal(new TextDecoder().decode(value), "first\n");
      controller.abort();
      await reader.read().catch(() => {});
      await cancelled.promise;
      await waitFor(() => signalled, "request.signal aborted");
      assert.equal(server.stats.cancelledBodies, 1);
    } finally {
      await server.close();
    }
  });

  test("does not pull from the body while the socket is full", async () => {
    let pulled = 0;
    let written = 0;
    const chunk = new Uint8Array(256 * 1024);
    const server = await serve(
      async (request) =>
        new Response(
          new ReadableStream<Uint8Array>(
            {
              async pull(controller) {
                pulled++;
                if (request.signal.aborted) return;
                controller.enqueue(chunk);
              },
            },
            { highWaterMark: 0 },
          ),
        ),
      { onBodyChunk: () => written++ },
    );
    try {
      const controller = new AbortController();
      const response = await fetch(server.url, { signal: controller.signal });
      // Never read the body: undici stops reading the socket, the kernel buffers fill.
      await waitFor(() => server.stats.waitingForDrain > 0, "the adapter waits for 'drain'");
      for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(pulled - written <= 2, `pulled ${pulled}, written ${written}`);
      controller.abort();
      await response.body?.cancel().catch(() => {});
    } finally {
      await server.close();
    }
  });

  test("exposes the socket of a request so tests can drop it", async () => {
    const entered = deferred();
    const server = await serve(async (request) => {
      entered.resolve();
      await aborted(request.signal);
      return new Response(null, { status: 204 });
    });
    try {
      const pending = fetch(server.url).then(
        () => "answered",
        (error: unknown) => `failed: ${String(error)}`,
      );
      await entered.promise;
      const request = server.requests[0];
      assert.ok(request);
      server.socketOf(request)?.destroy();
      assert.match(await pending, /^failed/);
      await waitFor(() => request.signal.aborted, "request.signal aborted");
    } finally {
      await server.close();
    }
  });
});
