// Serves a fetch-style handler `(Request) => Promise<Response>` with node:http.
//
// The generated server speaks web standards only; on Deno, Bun or a workers runtime the platform
// serves such a handler itself, on Node this adapter does. It gives every Request a signal that
// aborts when the client goes away (which is how a stream learns its reader left), and writes the
// Response body as it is produced, one chunk at a time, waiting whenever the socket is full.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Promise<Response>;

export interface NodeServer {
  /** The origin the server listens on, e.g. "http://127.0.0.1:40123". */
  readonly url: string;
  /** Cuts every open connection, as a network failure would; the server keeps listening. */
  dropConnections(): void;
  /** Cuts every open connection and stops listening. */
  close(): Promise<void>;
}

/** Listens on `host` and `port` (default: loopback, a free port). */
export async function serve(handler: FetchHandler, host = "127.0.0.1", port = 0): Promise<NodeServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => void respond(handler, req, res));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    dropConnections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        dropConnections();
      }),
  };
}

async function respond(handler: FetchHandler, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const gone = new AbortController();
  // 'close' before the response finished means the client went away.
  res.on("close", () => {
    if (!res.writableFinished) gone.abort(new Error("the client went away"));
  });
  let response: Response;
  try {
    response = await handler(toRequest(req, gone.signal));
  } catch (error) {
    // Generated routes answer every failure with a Response; this is for handlers that do not.
    res.writeHead(500, { "Content-Type": "text/plain" }).end(String(error));
    return;
  }
  const headers: Record<string, string[]> = {};
  response.headers.forEach((value, name) => (headers[name] ??= []).push(value));
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  // The status line goes out now: a stream's first event may come much later.
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = (): void => void reader.cancel(gone.signal.reason).catch(() => {});
  gone.signal.addEventListener("abort", cancel, { once: true });
  // The client may have left while the handler was still answering.
  if (gone.signal.aborted) cancel();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (gone.signal.aborted) return;
    }
    res.end();
  } catch {
    // The body failed or was cancelled: the exchange cannot end cleanly.
    res.destroy();
  } finally {
    gone.signal.removeEventListener("abort", cancel);
  }
}

// Resolves when the socket has room again, or is gone.
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

function toRequest(req: http.IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (method !== "GET" && method !== "HEAD") {
    // Streamed rather than buffered: the generated server's body size limit bounds memory.
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`), init);
}
