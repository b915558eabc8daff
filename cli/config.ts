/**
 * The `lw` config file: `$XDG_CONFIG_HOME/lw/config.json` (default `~/.config/lw/config.json`,
 * `LW_CONFIG` overrides the path), written with mode 0600 by `lw login`. It holds a default
 * server and a token per server, as `gh auth login` and `hf auth login` do:
 *
 * ```json
 * { "server": "http://127.0.0.1:8787", "tokens": { "http://127.0.0.1:8787": "lw_…" } }
 * ```
 *
 * Precedence everywhere: the flag (`--server`, `--token`), then the environment (`LW_SERVER`,
 * `LW_TOKEN`), then this file. `LW_SERVER_URL` is still read, after `LW_SERVER`, with a
 * deprecation notice.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./errors.ts";

export interface LwConfig {
  server?: string;
  tokens?: Record<string, string>;
}

type Env = Record<string, string | undefined>;

export function configPath(env: Env = process.env): string {
  if (env["LW_CONFIG"]) return env["LW_CONFIG"];
  const base = env["XDG_CONFIG_HOME"] || join(env["HOME"] || homedir(), ".config");
  return join(base, "lw", "config.json");
}

export function readConfig(env: Env = process.env): LwConfig {
  const file = configPath(env);
  if (!existsSync(file)) return {};
  try {
    const doc = JSON.parse(readFileSync(file, "utf8")) as LwConfig;
    return doc !== null && typeof doc === "object" ? doc : {};
  } catch (e) {
    throw new CliError(`The lw config file ${file} is not valid JSON (${(e as Error).message}); fix or delete it, then run lw login again`);
  }
}

/** Writes the config atomically with mode 0600 (it holds secrets). */
export function writeConfig(cfg: LwConfig, env: Env = process.env): string {
  const file = configPath(env);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch (e) {
    throw new CliError(`Cannot write the lw config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
  return file;
}

export const normaliseServer = (s: string) => s.replace(/\/+$/, "");

let warnedDeprecated = false;

/** The server: flag, LW_SERVER, LW_SERVER_URL (deprecated), then the config's default. */
export function resolveServer(flag: string | undefined, env: Env = process.env): string | undefined {
  if (flag) return flag;
  if (env["LW_SERVER"]) return env["LW_SERVER"];
  if (env["LW_SERVER_URL"]) {
    if (!warnedDeprecated && env === process.env) process.stderr.write("lw: LW_SERVER_URL is deprecated; set LW_SERVER instead\n");
    warnedDeprecated = true;
    return env["LW_SERVER_URL"];
  }
  return readConfig(env).server;
}

/** The token: flag, LW_TOKEN, then the one `lw login` stored for this server. */
export function resolveToken(flag: string | undefined, server: string | undefined, env: Env = process.env): string | undefined {
  if (flag) return flag;
  if (env["LW_TOKEN"]) return env["LW_TOKEN"];
  if (!server) return undefined;
  return readConfig(env).tokens?.[normaliseServer(server)];
}
