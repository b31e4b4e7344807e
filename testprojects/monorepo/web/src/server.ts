// The chat server: the routes ssegen generates for ChatService, over ChatRooms, served by Node.
import { createChatServiceRoutes, createRouter } from "../../proto/chat/v1/index.js";
import type { ChatRooms } from "./chat_rooms.js";
import { serve, type FetchHandler, type NodeServer } from "./node_adapter.js";

/** The fetch-style handler of the chat API; any web-standard host can serve it. */
export function chatHandler(rooms: ChatRooms): FetchHandler {
  return createRouter(createChatServiceRoutes(rooms));
}

/** Serves the chat API with Node on `host` and `port` (default: loopback, a free port). */
export function startChatServer(rooms: ChatRooms, host?: string, port?: number): Promise<NodeServer> {
  return serve(chatHandler(rooms), host, port);
}
