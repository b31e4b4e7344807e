// The chat service: rooms held in memory, implementing the handler interface that ssegen generates
// from proto/chat/v1/chat.proto.
import {
  ApiError,
  ValidationError,
  serverEvent,
  type ChatServiceHandler,
  type FieldViolation,
  type GetRoomRequest,
  type HandlerContext,
  type Message,
  type PostMessageRequest,
  type Room,
  type ServerEvent,
  type StreamMessagesRequest,
  type StreamSource,
} from "../../proto/chat/v1/index.js";

class RoomState {
  readonly messages: Message[] = [];
  // Open streams waiting for the next message.
  readonly #waiting = new Set<() => void>();

  constructor(readonly title: string) {}

  post(message: Message): void {
    this.messages.push(message);
    for (const wake of this.#waiting) wake();
  }

  /** Resolves when the next message is posted, or when `signal` aborts. */
  nextPost(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = (): void => {
        this.#waiting.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiting.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

export class ChatRooms implements ChatServiceHandler {
  readonly #rooms = new Map<string, RoomState>();
  #openStreams = 0;

  /** `titles`: room id -> title. Rooms cannot be created through the API. */
  constructor(titles: Readonly<Record<string, string>>) {
    for (const [id, title] of Object.entries(titles)) this.#rooms.set(id, new RoomState(title));
  }

  /** Streams being served; each ends when its client goes away. */
  get openStreams(): number {
    return this.#openStreams;
  }

  getRoom(request: GetRoomRequest): Room {
    const [roomId, room] = this.#room(request.roomId);
    return { roomId, title: room.title, messageCount: String(room.messages.length) };
  }

  postMessage(request: PostMessageRequest): Message {
    const [roomId, room] = this.#room(request.roomId);
    const violations: FieldViolation[] = [];
    const author = request.author?.trim() ?? "";
    const text = request.text?.trim() ?? "";
    if (author === "") violations.push({ field: "author", description: "must not be empty" });
    if (text === "") violations.push({ field: "text", description: "must not be empty" });
    if (violations.length > 0) throw new ValidationError(violations);
    const message: Message = {
      id: String(room.messages.length + 1),
      roomId,
      author,
      text,
      sentAt: new Date().toISOString(),
    };
    room.post(message);
    return message;
  }

  /**
   * The messages after the resume point, then each new one; every event's id is its message's.
   * The resume point is the Last-Event-ID of a reconnecting client, else `after_id`.
   */
  streamMessages(request: StreamMessagesRequest, context: HandlerContext): StreamSource<Message> {
    const [, room] = this.#room(request.roomId);
    const [field, resume] =
      context.lastEventId === undefined ? ["after_id", request.afterId ?? "0"] : ["Last-Event-ID", context.lastEventId];
    if (!/^[0-9]+$/.test(resume)) throw new ValidationError([{ field, description: "must be a message id" }]);
    return this.#follow(room, Number(resume), context.signal);
  }

  async *#follow(room: RoomState, after: number, signal: AbortSignal): AsyncGenerator<ServerEvent<Message>> {
    this.#openStreams++;
    try {
      // Message ids are positions from 1, so the next message to send is at index `next`.
      let next = after;
      while (!signal.aborted) {
        while (next < room.messages.length) {
          const message = room.messages[next++]!;
          yield serverEvent(message, { id: message.id });
        }
        await room.nextPost(signal);
      }
    } finally {
      this.#openStreams--;
    }
  }

  #room(roomId: string | undefined): [string, RoomState] {
    const room = this.#rooms.get(roomId ?? "");
    if (room === undefined) throw new ApiError(404, undefined, `no room ${JSON.stringify(roomId ?? "")}`);
    return [roomId!, room];
  }
}
