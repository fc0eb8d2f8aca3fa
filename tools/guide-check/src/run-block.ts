import { Terminal, temporaryPath } from '@netlab-tools/app-harness';
import { neededStarts, type GuideBlock } from './guide-blocks';
import {
  freePorts,
  GUIDE_PORTS,
  substitute,
  substitutePattern,
  withoutNx,
  type Placeholders,
} from './guide-commands';
import { describeExit, ShellProcess } from './shell-process';

// Generous for a loaded CI machine; a command that needs longer does not belong in the guide.
const READY_TIMEOUT_MS = 15_000;
// `npx nx serve` as written starts Nx and checks the build cache first: seconds, not ms.
const NX_READY_TIMEOUT_MS = 45_000;
const RUN_TIMEOUT_MS = 20_000;
const POLL_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 200;

/** Where the guide's commands run, and what they are called in messages. */
export interface GuideContext {
  workspaceRoot: string;
  /** `docs/guide.md`, for messages. */
  guideName: string;
  blocks: readonly GuideBlock[];
}

/**
 * Runs one block of the guide as a reader would: the programs it needs started first (each
 * until it shows its `wait` text), then the block itself, then its expectations. Throws with
 * the command and its output when an expectation fails. Started programs are stopped after
 * the test (runCleanups).
 */
export async function checkBlock(block: GuideBlock, context: GuideContext): Promise<void> {
  const placeholders: Placeholders = {
    ports: new Map(
      (await freePorts(GUIDE_PORTS.length)).map((port, i) => [GUIDE_PORTS[i], port] as const),
    ),
    socketPath: temporaryPath('netlab.sock'),
  };
  const where = `${context.guideName}:${block.line}`;
  const commandOf = (b: GuideBlock): string => {
    const command = substitute(b.command, placeholders);
    return b.check.asWritten ? command : withoutNx(command, context.workspaceRoot);
  };
  const text = (value: string): string => substitute(value, placeholders);

  const started: ShellProcess[] = [];
  for (const start of [
    ...neededStarts(block, context.blocks),
    ...(block.kind === 'start' ? [block] : []),
  ]) {
    const shell = ShellProcess.start(commandOf(start), {
      cwd: context.workspaceRoot,
      input: start.check.input === undefined ? undefined : text(start.check.input),
      keepInputOpen: true,
    });
    started.push(shell);
    const wait = start.check.wait;
    if (wait !== undefined) {
      await shell
        .waitForOutput(
          (output) => output.includes(text(wait)),
          `"${text(wait)}"`,
          start.check.asWritten ? NX_READY_TIMEOUT_MS : READY_TIMEOUT_MS,
        )
        .catch((error: Error) => {
          throw new Error(
            `${context.guideName}:${start.line} (needed by ${where}): ${error.message}`,
          );
        });
    }
  }
  if (block.kind === 'start') return;

  if (block.check.terminal) {
    await checkInTerminal(block, commandOf(block), placeholders, where, context.workspaceRoot);
  } else {
    const deadline = Date.now() + POLL_TIMEOUT_MS;
    for (;;) {
      const problem = await runOnce(block, commandOf(block), placeholders, context.workspaceRoot);
      if (problem === undefined) break;
      if (!block.check.poll || Date.now() > deadline) throw new Error(`${where}: ${problem}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  for (const expected of block.check.logs.map(text)) {
    await waitForAny(started, expected).catch((error: Error) => {
      throw new Error(`${where}: ${error.message}`);
    });
  }
}

/** Runs the command to its end; returns what is wrong with its result, or undefined. */
async function runOnce(
  block: GuideBlock,
  command: string,
  placeholders: Placeholders,
  cwd: string,
): Promise<string | undefined> {
  const { input } = block.check;
  const shell = ShellProcess.start(command, {
    cwd,
    input: input === undefined ? undefined : substitute(input, placeholders),
  });
  const exit = await shell.finish(RUN_TIMEOUT_MS);
  const problem =
    exit.code !== block.check.exit
      ? `ended with ${describeExit(exit)}, not status ${block.check.exit}`
      : outputProblem(shell.output, block, placeholders);
  return problem && `${problem}\n$ ${command}\n${shell.output || '(no output)'}`;
}

/** What the output lacks (or holds and should not), or undefined. */
function outputProblem(
  output: string,
  block: GuideBlock,
  placeholders: Placeholders,
): string | undefined {
  for (const expected of block.check.expect.map((value) => substitute(value, placeholders))) {
    if (!output.includes(expected)) return `its output has no "${expected}"`;
  }
  for (const unwanted of block.check.absent.map((value) => substitute(value, placeholders))) {
    if (output.includes(unwanted)) return `its output has "${unwanted}", which it should not`;
  }
  for (const pattern of block.check.matches) {
    const source = substitutePattern(pattern, placeholders);
    if (!new RegExp(source, 'm').test(output)) return `its output does not match /${source}/m`;
  }
  return undefined;
}

/**
 * An interactive program in a real terminal (tmux): each line of `input` is typed once the
 * screen shows the `wait` text (a prompt) one more time; then the screen must show what is
 * expected and the program must end with the expected status.
 */
async function checkInTerminal(
  block: GuideBlock,
  command: string,
  placeholders: Placeholders,
  where: string,
  cwd: string,
): Promise<void> {
  const text = (value: string): string => substitute(value, placeholders);
  const terminal = Terminal.start(command, { cwd });
  const fail = (error: Error): never => {
    throw new Error(`${where}: ${error.message}\n$ ${command}`);
  };
  const prompt = block.check.wait === undefined ? undefined : text(block.check.wait);
  const lines = (block.check.input === undefined ? '' : text(block.check.input))
    .split('\n')
    .filter((line, i, all) => i < all.length - 1 || line !== '');
  for (const [i, line] of lines.entries()) {
    if (prompt !== undefined) {
      await terminal
        .waitFor((screen) => screen.split(prompt).length - 1 > i, READY_TIMEOUT_MS)
        .catch(fail);
    }
    terminal.type(line);
  }
  await terminal
    .waitFor((screen) => outputProblem(screen, block, placeholders) === undefined, READY_TIMEOUT_MS)
    .catch(fail);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let status = terminal.exitStatus();
  while (status === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    status = terminal.exitStatus();
  }
  if (status !== block.check.exit) {
    fail(
      new Error(
        `ended with status ${status ?? '(still running)'}, not ${block.check.exit}:\n${terminal.screen()}`,
      ),
    );
  }
}

/** Resolves once any of `shells` has printed `expected`. */
function waitForAny(shells: readonly ShellProcess[], expected: string): Promise<void> {
  if (shells.length === 0) return Promise.reject(new Error('logs needs a started program'));
  return new Promise((resolve, reject) => {
    let failed = 0;
    for (const shell of shells) {
      shell
        .waitForOutput((output) => output.includes(expected), `"${expected}"`, POLL_TIMEOUT_MS)
        .then(resolve, (error: Error) => {
          if (++failed === shells.length) reject(error);
        });
    }
  });
}
