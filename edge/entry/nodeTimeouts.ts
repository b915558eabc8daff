/**
 * Timeouts of the Node HTTP server (Node's defaults let a request whose body never arrives hold
 * its socket for 300 s): headers must arrive within `LW_HEADERS_TIMEOUT_SECONDS`, a socket that
 * sends nothing for `LW_IDLE_TIMEOUT_SECONDS` is closed (a stalled body included), and a whole
 * request may take at most `LW_REQUEST_TIMEOUT_SECONDS` (large uploads on slow links).
 */
import type { Server } from "node:http";
import type { ServerConfig } from "../config.ts";

export function applyTimeouts(server: unknown, config: Pick<ServerConfig, "headersTimeoutSeconds" | "requestTimeoutSeconds" | "idleTimeoutSeconds">): void {
  const s = server as Server;
  if (config.headersTimeoutSeconds > 0) s.headersTimeout = config.headersTimeoutSeconds * 1000;
  s.requestTimeout = config.requestTimeoutSeconds * 1000;
  if (config.idleTimeoutSeconds > 0) s.setTimeout(config.idleTimeoutSeconds * 1000, (socket) => socket.destroy());
}
