import { CliError } from "../errors.ts";

/** `lw serve` (the runner daemon, from runner/) and `lw register` (VESSL-style registration, ./register.ts). */
export const serveHelp = `lw serve                    the runner daemon: model service on LW_RUNNER_PORT (8790) and, with LW_SERVER, check jobs`;
export const registerHelp = `lw register --repository <id|name> --runner <hooks.js> --semantic <sem.json> [--data X.csv] [--create] [--number N] [--artifact target=glob*]… [--requirement line]…`;

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new CliError(`lw serve takes no arguments (configure it with LW_* variables), got "${argv.join(" ")}"`);
  const { startDaemon } = await import("../../runner/daemon/main.ts");
  const daemon = await startDaemon();
  console.log(`runner daemon ready: ${daemon.address}`);
  await new Promise<void>((resolve) => {
    const stop = () => void daemon.stop().finally(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

export async function registerCommand(argv: string[]): Promise<number> {
  const { runRegisterCommand } = await import("./register.ts");
  return runRegisterCommand(argv, { out: (s) => console.log(s), err: (s) => console.error(`lw: ${s.replace(/^lw register: /, "")}`) });
}
