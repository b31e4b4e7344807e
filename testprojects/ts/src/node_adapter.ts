// A minimal node:http adapter for fetch-style handlers `(Request) => Promise<Response>`.
//
// The generated server only speaks web standards, so the tests need something that plays the role
// of a real host (Deno.serve, Bun.serve, a workers runtime, or a Node framework): turn an incoming
// request into a `Request` whose signal aborts when the client goes away, and stream the `Response`
// body back honouring socket backpressure. It also offers test hooks: the socket of a request (to
// drop it server-side), the open-connection count, and body statistics (to observe backpressure).
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Promise<Response>;

export interface ServeOptions {
  // Called with every body chunk just before it is written to the socket.
  onBodyChunk?: (request: Request, chunk: Uint8Array) => void;
}

export interface BodyStats {
  // Bytes pulled from Response bodies and handed to sockets.
  bytesWritten: number;
  // Number of times a write returned false and the adapter waited for 'drain'.
  drainWaits: number;
  // Responses currently blocked waiting for 'drain'.
  waitingForDrain: number;
  // Response bodies cancelled because the client went away.
  cancelledBodies: number;
}

export interface ServerHandle {
  readonly url: string;
  readonly stats: BodyStats;
  // Every request the handler has seen, in arrival order.
  readonly requests: Request[];
  // Open client connections.
  openConnections(): number;
  // The connection a request arrived on, to drop it from the server side.
  socketOf(request: Request): Socket | undefined;
  // Destroys every open connection (a server-side network failure).
  destroyConnections(): void;
  close(): Promise<void>;
}

export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<ServerHandle> {
  const sockets = new Set<Socket>();
  const socketOfRequest = new WeakMap<Request, Socket>();
  const requests: Request[] = [];
  const stats: BodyStats = { bytesWritten: 0, drainWaits: 0, waitingForDrain: 0, cancelledBodies: 0 };

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const controller = new AbortController();
    // 'close' on the response fires when the exchange is over; before the response finished it
    // means the client went away, which is what the handler's signal must report.
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new Error("client disconnected"));
    });

    const request = toRequest(req, controller.signal);
    requests.push(request);
    socketOfRequest.set(request, req.socket);

    let response: Response;
    try {
      response = await handler(request);
    } catch (error) {
      // The generated routes turn every failure into a Response; reaching this is a bug.
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain" });
      }
      res.end(`adapter: handler threw: ${String(error)}`);
      return;
    }
    await writeResponse(request, response, res, controller.signal);
  }

  function toRequest(req: http.IncomingMessage, signal: AbortSignal): Request {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    }
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const method = req.method ?? "GET";
    const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
    // HTTP/1.1 framing: a request has a body only when it declares a length or transfer coding.
    const hasBody = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
    if (hasBody && method !== "GET" && method !== "HEAD") {
      // Streamed, not buffered, so the server's body size limit is what bounds memory.
      init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
      init.duplex = "half";
    }
    return new Request(url, init);
  }

  async function writeResponse(
    request: Request,
    response: Response,
    res: http.ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const headers: Record<string, string[]> = {};
    response.headers.forEach((value, name) => {
      (headers[name] ??= []).push(value);
    });
    if (response.statusText !== "") res.statusMessage = response.statusText;
    res.writeHead(response.status, headers);
    if (response.body === null) {
      res.end();
      return;
    }
    // Send the status line now: a committed stream may produce its first bytes much later.
    res.flushHeaders();

    const reader = response.body.getReader();
    const onAbort = (): void => {
      stats.cancelledBodies++;
      // Cancelling the reader is what reaches the handler's iterator return() / stream cancel().
      reader.cancel(signal.reason).catch(() => {});
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (signal.aborted) return;
        if (done) break;
        options.onBodyChunk?.(request, value);
        stats.bytesWritten += value.byteLength;
        if (!res.write(value)) {
          // Pull nothing more from the body until the socket has room: this is the backpressure
          // the generated server's pull-based stream relies on.
          stats.drainWaits++;
          stats.waitingForDrain++;
          try {
            await new Promise<void>((resolve) => {
              const done = (): void => {
                res.off("drain", done);
                res.off("close", done);
                resolve();
              };
              res.on("drain", done);
              res.on("close", done);
            });
          } finally {
            stats.waitingForDrain--;
          }
          if (signal.aborted) return;
        }
      }
      res.end();
    } catch {
      // The body errored (or was cancelled): the exchange cannot be completed cleanly.
      res.destroy();
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    requests,
    openConnections: () => sockets.size,
    socketOf: (request) => socketOfRequest.get(request),
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
