/** The `lw` command line: spec generation, distances, search and checks, on files or a server. */
import { readFileSync } from "node:fs";
import { LearnwareError } from "../core/errors.ts";
import { getKernelBackend } from "../core/kernel/backend.ts";
import { checkCommand } from "./commands/check.ts";
import { searchCommand } from "./commands/search.ts";
import { specCommand } from "./commands/spec.ts";
import { downloadCommand } from "./commands/download.ts";
import { modelsCommand } from "./commands/models.ts";
import { tokensCommand } from "./commands/tokens.ts";
import { runnersCommand } from "./commands/runners.ts";
import { uploadCommand } from "./commands/upload.ts";
import { watchCommand } from "./commands/watch.ts";
import { registerCommand, serveCommand } from "./commands/runner.ts";
import { reuseCommand } from "./commands/reuse.ts";
import { deleteCommand } from "./commands/delete.ts";
import { loginCommand, logoutCommand } from "./commands/login.ts";
import { CliError } from "./errors.ts";
import { commandHelp, mainHelp } from "./help.ts";

type Command = (argv: string[]) => number | Promise<number>;
const commands: Record<string, Command> = {
  spec: specCommand,
  search: searchCommand,
  check: checkCommand,
  upload: uploadCommand,
  download: downloadCommand,
  models: modelsCommand,
  tokens: tokensCommand,
  runners: runnersCommand,
  watch: watchCommand,
  serve: serveCommand,
  register: registerCommand,
  reuse: reuseCommand,
  delete: deleteCommand,
  login: loginCommand,
  logout: logoutCommand,
};

/** The package's version (`lw --version`), read once from package.json. */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h") {
    process.stdout.write(`${mainHelp(version())}\n`);
    return 0;
  }
  if (cmd === "--version" || cmd === "-V" || cmd === "version") {
    process.stdout.write(`lw ${version()} (learnware-ts; Node ${process.versions.node}; kernels ${getKernelBackend().name})\n`);
    return 0;
  }
  // `lw help [cmd…]` and `lw cmd … --help|-h` (before a `--`): the declared help, exit 0.
  const end = argv.indexOf("--");
  const asked = (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
  if (cmd === "help" || asked) {
    const words = (cmd === "help" ? rest : argv).filter((a) => !a.startsWith("-"));
    if (words.length === 0) return (process.stdout.write(`${mainHelp(version())}\n`), 0);
    const text = commandHelp(words);
    if (text === null) throw new CliError(`Unknown command "${words.join(" ")}". Run "lw help" for the list.`);
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const fn = commands[cmd];
  if (!fn) throw new CliError(`Unknown command "${cmd}". Run "lw help" for the list.`);
  return await fn(rest);
}

function describe(e: unknown): [string, number] {
  if (e instanceof CliError) return [e.message, e.exitCode];
  if (e instanceof LearnwareError) return [`${e.message} (${e.code})`, 2];
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return [e.message, 2];
  if (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")) return [e.message, 2];
  if (e instanceof RangeError || e instanceof TypeError) return [e.message, 2];
  return [e instanceof Error ? e.message : String(e), 1];
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const [msg, code] = describe(e);
  process.stderr.write(`lw: ${msg}\n`);
  if (process.env["LW_DEBUG"] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exitCode = code;
}
