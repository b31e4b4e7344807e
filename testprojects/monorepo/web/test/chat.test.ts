// The chat API end to end over loopback HTTP: the generated ChatServiceClient (fetch, JSON, SSE
// parsing, reconnection) against the generated routes (binding, errors, SSE framing) serving
// ChatRooms through the Node adapter.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { ApiError, ChatServiceClient, ValidationError, type Message } from "../../proto/chat/v1/index.js";
import { ChatRooms } from "../src/chat_rooms.js";
import { serve, type NodeServer } from "../src/node_adapter.js";
import { chatHandler, startChatServer } from "../src/server.js";

let rooms: ChatRooms;
let server: NodeServer;
let client: ChatServiceClient;

beforeEach(async () => {
  rooms = new ChatRooms({ general: "General", random: "Random" });
  server = await startChatServer(rooms);
  client = new ChatServiceClient(server.url);
});

afterEach(() => server.close());

// The next item of a stream that must not have ended.
async function next<T>(items: AsyncIterator<T>): Promise<T> {
  const item = await items.next();
  assert.ok(!item.done, "the stream ended");
  return item.value;
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !condition(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > deadline) assert.fail(`still not ${what} after 5 s`);
  }
}

function post(text: string, roomId = "general", author = "ada"): Promise<Message> {
  return client.postMessage({ roomId, author, text });
}

describe("unary calls", () => {
  test("GetRoom answers the room with its message count", async () => {
    assert.deepEqual(await client.getRoom({ roomId: "general" }), { roomId: "general", title: "General", messageCount: "0" });
  });

  test("PostMessage stores the message and numbers it in its room", async () => {
    const before = Date.now();
    const first = await post("hello");
    const second = await post("again", "general", "grace");
    assert.deepEqual({ ...first, sentAt: undefined }, { id: "1", roomId: "general", author: "ada", text: "hello", sentAt: undefined });
    assert.deepEqual([second.id, second.author, second.text], ["2", "grace", "again"]);
    const sentAt = Date.parse(first.sentAt ?? "");
    assert.ok(sentAt >= before - 1000 && sentAt <= Date.now() + 1000, `sentAt ${first.sentAt} is not now`);
    assert.equal((await client.getRoom({ roomId: "general" })).messageCount, "2");
    assert.equal((await client.getRoom({ roomId: "random" })).messageCount, "0");
  });

  test("an unknown room is a 404 ApiError with the server's message", async () => {
    await assert.rejects(client.getRoom({ roomId: "nope" }), (error: unknown) => {
      assert.ok(error instanceof ApiError, String(error));
      assert.equal(error.status, 404);
      assert.equal(error.message, 'no room "nope"');
      return true;
    });
  });

  test("an empty message is a 400 ValidationError naming the field, and is not stored", async () => {
    await assert.rejects(post("  "), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.violations, [{ field: "text", description: "must not be empty" }]);
      return true;
    });
    assert.equal((await client.getRoom({ roomId: "general" })).messageCount, "0");
  });
});

describe("StreamMessages (Server-Sent Events)", () => {
  test("replays the room's messages, then delivers each one posted while streaming", async () => {
    const hello = await post("hello");
    const events = client.streamMessagesEvents({ roomId: "general" });
    assert.deepEqual(await next(events), { data: hello, event: "message", id: "1" });

    const [second, third] = [await post("second"), await post("third")];
    await post("elsewhere", "random");
    const fourth = await post("fourth");
    assert.deepEqual(await next(events), { data: second, event: "message", id: "2" });
    assert.deepEqual(await next(events), { data: third, event: "message", id: "3" });
    assert.deepEqual(await next(events), { data: fourth, event: "message", id: "4" }, "another room's message leaked");

    // Leaving the loop cancels the request; the server's stream sees its signal and ends.
    await events.return();
    await eventually(() => rooms.openStreams === 0, "released by the server");
  });

  test("after_id resumes after that message", async () => {
    for (const text of ["one", "two", "three"]) await post(text);
    const messages = client.streamMessages({ roomId: "general", afterId: "2" });
    assert.equal((await next(messages)).text, "three");
    await post("four");
    assert.equal((await next(messages)).text, "four");
    await messages.return();
  });

  test("Last-Event-ID resumes where a client left off", async () => {
    for (const text of ["one", "two", "three"]) await post(text);
    const events = client.streamMessagesEvents({ roomId: "general" }, { lastEventId: "1" });
    assert.deepEqual([(await next(events)).id, (await next(events)).id], ["2", "3"]);
    await events.return();
  });

  test("a dropped stream reconnects with Last-Event-ID and misses nothing, repeats nothing", async () => {
    const handler = chatHandler(rooms);
    const lastEventIds: (string | null)[] = [];
    const observed = await serve((request) => {
      if (request.method === "GET" && request.url.includes("/messages")) lastEventIds.push(request.headers.get("Last-Event-ID"));
      return handler(request);
    });
    try {
      const reconnecting = new ChatServiceClient(observed.url, { reconnect: { maxAttempts: 3, initialDelayMs: 10 } });
      for (const text of ["one", "two", "three"]) await post(text);
      // after_id stays in the URL of every attempt: the Last-Event-ID of a reconnection must win.
      const events = reconnecting.streamMessagesEvents({ roomId: "general", afterId: "1" });
      assert.deepEqual([(await next(events)).id, (await next(events)).id], ["2", "3"]);

      observed.dropConnections();
      const four = await post("four");
      assert.deepEqual(await next(events), { data: four, event: "message", id: "4" });
      assert.deepEqual(lastEventIds, [null, "3"]);
      await events.return();
    } finally {
      await observed.close();
    }
  });

  test("an unknown room fails with a 404 before any event", async () => {
    const messages = client.streamMessages({ roomId: "nope" });
    await assert.rejects(messages.next(), (error: unknown) => error instanceof ApiError && error.status === 404);
  });

  test("the generated binding rejects a malformed after_id with a 400", async () => {
    const messages = client.streamMessages({ roomId: "general", afterId: "soon" });
    await assert.rejects(messages.next(), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.violations.map((v) => v.field), ["after_id"]);
      return true;
    });
  });
});
