// The generated node:http adapter (ssegen_node.ts, output ts_node) with what the tests observe.
//
// The adapter plays the role of a real host (Deno.serve, Bun.serve, a workers runtime): a Request
// whose signal aborts when the client goes away, the Response body streamed back honouring socket
// backpressure. Through its hooks this file adds test handles: the socket of a request (to drop it
// server-side), the open-connection count, and body statistics (to observe backpressure).
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

import { nodeListener, type FetchHandler } from "../gen/market/v1/ssegen_node.js";

export type { FetchHandler };

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

  const server = http.createServer(
    nodeListener(handler, {
      onRequest: (request, incoming) => {
        requests.push(request);
        socketOfRequest.set(request, incoming.socket);
      },
      onChunk: (request, chunk) => {
        options.onBodyChunk?.(request, chunk);
        stats.bytesWritten += chunk.byteLength;
      },
      onBackpressure: (_request, waiting) => {
        if (waiting) stats.drainWaits++;
        stats.waitingForDrain += waiting ? 1 : -1;
      },
      onCancel: () => {
        stats.cancelledBodies++;
      },
    }),
  );
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

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
