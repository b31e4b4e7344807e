## The Node.js adapter (output ts_node): serves a fetch-style handler with node:http.
${generated_notice}
// source: ${source}
<%text>
// Serves a fetch-style handler `(Request) => Promise<Response>`, such as createRouter's, with
// node:http. Each Request gets a signal that aborts when the client goes away (how a stream learns
// its reader left); the Response body is written as it is produced, one chunk at a time, waiting
// whenever the socket is full (the backpressure the server's streams rely on). This module alone
// needs Node.js (>= 18); the others use web standards only.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export type FetchHandler = (request: Request) => Promise<Response>;

/** Hooks into the adapter, for logging and metrics. */
export interface NodeAdapterOptions {
  /** Called with each Request and the node:http request it was made from (socket, remote address). */
  onRequest?: (request: Request, incoming: http.IncomingMessage) => void;
  /** Called with each chunk of a response body just before it is written. */
  onChunk?: (request: Request, chunk: Uint8Array) => void;
  /** Called when a write finds the socket full (true), and once it can take more (false). */
  onBackpressure?: (request: Request, waiting: boolean) => void;
  /** Called when a response body is cancelled because the client went away. */
  onCancel?: (request: Request) => void;
}

/** A node:http request listener: `http.createServer(nodeListener(handle))`, or a framework's. */
export function nodeListener(
  handler: FetchHandler,
  options: NodeAdapterOptions = {},
): (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => void {
  return (incoming, outgoing) => void respond(handler, options, incoming, outgoing);
}

export interface NodeServer {
  /** The origin the server listens on, e.g. "http://127.0.0.1:40123". */
  readonly url: string;
  readonly server: http.Server;
  /** Stops listening and cuts every open connection, streams included. */
  close(): Promise<void>;
}

/** Listens on `host` and `port` (default: loopback, a free port) and serves `handler`. */
export async function serveNode(
  handler: FetchHandler,
  options: NodeAdapterOptions & { host?: string; port?: number } = {},
): Promise<NodeServer> {
  const server = http.createServer(nodeListener(handler, options));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function respond(
  handler: FetchHandler,
  options: NodeAdapterOptions,
  incoming: http.IncomingMessage,
  outgoing: http.ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  // 'close' before the response finished means the client went away.
  outgoing.on("close", () => {
    if (!outgoing.writableFinished) controller.abort(new Error("the client went away"));
  });
  const request = toRequest(incoming, controller.signal);
  options.onRequest?.(request, incoming);
  let response: Response;
  try {
    response = await handler(request);
  } catch {
    // Generated routes answer every failure themselves; a throwing handler gets what they would send.
    response = new Response(JSON.stringify({ message: "internal server error" }), {
      status: 500,
      headers: { "Content-Type": "application/json" },
    });
  }
  await writeResponse(request, response, outgoing, controller.signal, options);
}

function toRequest(incoming: http.IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
    headers.append(incoming.rawHeaders[i] ?? "", incoming.rawHeaders[i + 1] ?? "");
  }
  const scheme = (incoming.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http";
  const url = new URL(incoming.url ?? "/", `${scheme}://${incoming.headers.host ?? "localhost"}`);
  const method = incoming.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  // HTTP/1.1 framing: a request has a body only when it declares a length or a transfer coding.
  const hasBody = incoming.headers["content-length"] !== undefined || incoming.headers["transfer-encoding"] !== undefined;
  if (hasBody && method !== "GET" && method !== "HEAD") {
    // Streamed, not buffered: the server's body size limit is what bounds memory.
    init.body = Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(url, init);
}

async function writeResponse(
  request: Request,
  response: Response,
  outgoing: http.ServerResponse,
  signal: AbortSignal,
  options: NodeAdapterOptions,
): Promise<void> {
  const headers: Record<string, string[]> = {};
  response.headers.forEach((value, name) => {
    (headers[name] ??= []).push(value);
  });
  if (response.statusText !== "") outgoing.statusMessage = response.statusText;
  outgoing.writeHead(response.status, headers);
  if (response.body === null) {
    outgoing.end();
    return;
  }
  // The status line now: a committed stream may produce its first bytes much later.
  outgoing.flushHeaders();
  const reader = response.body.getReader();
  const onAbort = (): void => {
    options.onCancel?.(request);
    // Cancelling the reader is what reaches the handler's iterator return() or stream cancel().
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
      options.onChunk?.(request, value);
      if (!outgoing.write(value)) {
        // Nothing more is pulled from the body until the socket has room.
        options.onBackpressure?.(request, true);
        await new Promise<void>((resolve) => {
          const resume = (): void => {
            outgoing.off("drain", resume);
            outgoing.off("close", resume);
            resolve();
          };
          outgoing.on("drain", resume);
          outgoing.on("close", resume);
        });
        options.onBackpressure?.(request, false);
        if (signal.aborted) return;
      }
    }
    outgoing.end();
  } catch {
    // The body failed: the exchange cannot end cleanly.
    outgoing.destroy();
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
</%text>
