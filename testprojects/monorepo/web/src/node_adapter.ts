// Serves a fetch-style handler `(Request) => Promise<Response>` with Node: the node:http adapter
// ssegen generates (the `ts_node` output of `:chat`), plus a way to cut connections on purpose.
import { serveNode, type FetchHandler } from "../../proto/chat/v1/ssegen_node.js";

export type { FetchHandler };

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
  const node = await serveNode(handler, { host, port });
  return { url: node.url, dropConnections: () => node.server.closeAllConnections(), close: () => node.close() };
}
