/**
 * `lw register`: VESSL-style registration from the command line. Parses the flags, reads
 * the data file for the stat spec, and calls the runner's `registerModel` (runner/register.ts).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Matrix } from "../../core/matrix.ts";
import { type RegisterOptions, registerModel } from "../../runner/register.ts";
import { resolveServer, resolveToken } from "../config.ts";
import { readTableFile } from "../readData.ts";

/**
 * `lw register --repository <id|name> --runner <file> --semantic <sem.json> --data <file.json|csv>
 *   [--create] [--number N] [--class Name] [--model <props.json>] [--requirement <line>]… [--requirements-file f]
 *   [--artifact <target>=<glob>]… [--server URL] [--token T]` — prints the result as JSON; returns the exit code.
 */
export async function runRegisterCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<number> {
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      io.err(`Unexpected argument '${a}'`);
      return 2;
    }
    const [k, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (k === "create") (flags.create ??= []).push("true");
    else (flags[k] ??= []).push(inline ?? argv[++i] ?? "");
  }
  const one = (k: string) => flags[k]?.[flags[k]!.length - 1];
  const need = ["repository", "runner", "semantic"].filter((k) => one(k) === undefined);
  if (need.length > 0) {
    io.err(`lw register: missing --${need.join(", --")}`);
    return 2;
  }
  try {
    const requirements = [...(flags.requirement ?? [])];
    if (one("requirements-file"))
      requirements.push(
        ...readFileSync(one("requirements-file")!, "utf8")
          .split(/\r?\n/)
          .filter((l) => l.trim() !== ""),
      );
    const artifacts: Record<string, string> = {};
    for (const a of flags.artifact ?? []) {
      const [target, glob] = a.includes("=") ? (a.split(/=(.*)/s, 2) as [string, string]) : [basename(a.replace(/\*$/, "")) + (a.endsWith("*") ? "/" : ""), a];
      artifacts[target] = glob;
    }
    let data: number[][] | Matrix | undefined;
    if (one("data")) {
      data = readTableFile(one("data")!);
    }
    const server = resolveServer(one("server"));
    if (!server) {
      io.err("lw register: no server (--server URL, LW_SERVER or lw login)");
      return 2;
    }
    const token = resolveToken(one("token"), server);
    if (!token) {
      io.err("lw register: no token (--token or LW_TOKEN)");
      return 2;
    }
    const opts: RegisterOptions = {
      repository: one("repository")!,
      runner: one("runner")!,
      semantic: JSON.parse(readFileSync(one("semantic")!, "utf8")) as Record<string, unknown>,
      requirements,
      artifacts,
      server,
      token,
    };
    if (data) opts.data = data;
    if (one("number")) opts.number = Number(one("number"));
    if (one("class")) opts.className = one("class")!;
    if (one("model")) opts.model = JSON.parse(readFileSync(one("model")!, "utf8"));
    if (flags.create) opts.create = true;
    const r = await registerModel(opts);
    io.out(JSON.stringify(r, null, 2));
    return 0;
  } catch (e) {
    io.err(`lw register: ${(e as Error).message}`);
    return 1;
  }
}
