/**
 * The command blocks of a Markdown guide and the checks written beside them.
 *
 * Every fenced block whose info string names a shell (```sh) is a command a reader will type,
 * so each one carries an HTML comment right above it (invisible on the forge) that says how
 * the check runs it:
 *
 *   <!-- check start id="udp-server" wait="Listening at" -->      a program left running
 *   <!-- check run needs="udp-server" expect="HELLO" -->          a command run to its end
 *   <!-- check skip reason="installs packages" -->                not run, and why
 *
 * `start`: `id` (required), `wait` (text its output shows once it is ready), `needs`, `input`
 * (written to its stdin, which stays open, as a terminal's would).
 * `run`: `needs` (ids of `start` blocks it runs beside), `input` (its stdin), `expect` (text its
 * output holds; repeatable), `absent` (text it must not hold), `matches` (a regular
 * expression, multiline), `logs` (text the output of what it needs shows afterwards), `exit`
 * (its status, default 0), `poll` (re-run until the expectations hold: for `ss`, which shows
 * a moment), `terminal` (typed into a real terminal, `input` a line at a time, after `wait`),
 * `as-written` (run `npx nx serve` itself rather than the program it serves).
 * Values are in double quotes, `\"` standing for a quote. In text values `\n` is a newline;
 * a `matches` value is a regular expression as written (it reads `\n`, `\d`, `\.` itself).
 */

/** The shells a fenced block may name; such a block is a command and must carry a check. */
const SHELL_INFO = new Set(['sh', 'bash', 'shell', 'zsh', 'console']);

const KINDS = ['start', 'run', 'skip'] as const;
export type CheckKind = (typeof KINDS)[number];

const TEXT_ATTRIBUTES = ['id', 'wait', 'input', 'exit', 'reason'] as const;
const LIST_ATTRIBUTES = ['expect', 'absent', 'matches', 'logs'] as const;
const FLAG_ATTRIBUTES = ['poll', 'terminal', 'as-written'] as const;

/** What a check comment says about the block below it. */
export interface CheckAttributes {
  id?: string;
  /** Ids of `start` blocks to have running first (and their own needs). */
  needs: string[];
  wait?: string;
  input?: string;
  expect: string[];
  absent: string[];
  matches: string[];
  logs: string[];
  exit: number;
  poll: boolean;
  terminal: boolean;
  asWritten: boolean;
  reason?: string;
}

/** One command block of the guide with its check. */
export interface GuideBlock {
  /** 1-based line of the opening fence, for messages that point at the guide. */
  line: number;
  kind: CheckKind;
  /** The block's text: what the reader types. */
  command: string;
  check: CheckAttributes;
}

/** The guide breaks the rules above: the message names the line. */
export class GuideFormatError extends Error {
  override name = 'GuideFormatError';
}

const FENCE = /^(`{3,}|~{3,})([^\n`]*)\n([\s\S]*?)^\1[ \t]*$/gm;
const ATTRIBUTE = /([a-z][a-z-]*)(?:=("(?:[^"\\\n]|\\.)*"))?/y;

/** Every shell block of `markdown`, in order, with its parsed check. Throws GuideFormatError. */
export function readGuideBlocks(markdown: string): GuideBlock[] {
  const blocks: GuideBlock[] = [];
  for (const fence of markdown.matchAll(FENCE)) {
    const info = fence[2].trim().split(/\s+/)[0];
    if (!SHELL_INFO.has(info)) continue;
    const line = markdown.slice(0, fence.index).split('\n').length;
    const comment = commentAbove(markdown.slice(0, fence.index));
    if (comment === undefined) {
      throw new GuideFormatError(
        `line ${line}: a \`\`\`${info} block needs a <!-- check ... --> comment right above it`,
      );
    }
    const { kind, check } = parseCheck(comment, line);
    blocks.push({ line, kind, command: fence[3].replace(/\n$/, ''), check });
  }
  checkNeeds(blocks);
  return blocks;
}

/** The body of the `<!-- check ... -->` comment that ends right above a fence, if any. */
function commentAbove(before: string): string | undefined {
  const text = before.trimEnd();
  if (!text.endsWith('-->')) return undefined;
  const start = text.lastIndexOf('<!--');
  const body = text.slice(start + 4, -3).trim();
  return body.startsWith('check') ? body.slice('check'.length) : undefined;
}

function parseCheck(body: string, line: number): { kind: CheckKind; check: CheckAttributes } {
  const fail = (message: string): never => {
    throw new GuideFormatError(`line ${line}: ${message}`);
  };
  const words = body.trim();
  const kind = words.split(/\s/, 1)[0] as CheckKind;
  if (!KINDS.includes(kind)) fail(`a check is one of ${KINDS.join(', ')} (got "${kind}")`);
  const check: CheckAttributes = {
    needs: [],
    expect: [],
    absent: [],
    matches: [],
    logs: [],
    exit: 0,
    poll: false,
    terminal: false,
    asWritten: false,
  };
  let rest = words.slice(kind.length);
  for (;;) {
    rest = rest.trimStart();
    if (rest === '') break;
    ATTRIBUTE.lastIndex = 0;
    const match = ATTRIBUTE.exec(rest);
    if (!match) return fail(`cannot read the check from here: ${rest}`);
    rest = rest.slice(match[0].length);
    const [, name, quoted] = match;
    const raw = quoted?.slice(1, -1).replace(/\\"/g, '"');
    const value = name === 'matches' ? raw : raw?.replace(/\\n/g, '\n');
    if ((FLAG_ATTRIBUTES as readonly string[]).includes(name)) {
      if (value !== undefined) fail(`${name} takes no value`);
      if (name === 'poll') check.poll = true;
      else if (name === 'terminal') check.terminal = true;
      else check.asWritten = true;
      continue;
    }
    if (value === undefined) return fail(`${name} needs a value: ${name}="..."`);
    if ((LIST_ATTRIBUTES as readonly string[]).includes(name)) {
      check[name as (typeof LIST_ATTRIBUTES)[number]].push(value);
    } else if (name === 'needs') {
      check.needs.push(...value.split(/\s+/).filter(Boolean));
    } else if (name === 'exit') {
      check.exit = Number(value);
      if (!Number.isInteger(check.exit)) fail(`exit is a whole number (got "${value}")`);
    } else if ((TEXT_ATTRIBUTES as readonly string[]).includes(name)) {
      (check as unknown as Record<string, string>)[name] = value;
    } else {
      fail(`unknown check attribute "${name}"`);
    }
  }
  if (kind === 'start' && !check.id) fail('a start block needs an id');
  if (kind === 'skip' && !check.reason) fail('a skip block needs a reason');
  if (kind !== 'start' && check.id) fail('only a start block has an id');
  if (check.terminal && kind !== 'run') fail('terminal is for run blocks');
  for (const pattern of check.matches) {
    try {
      new RegExp(pattern, 'm');
    } catch {
      fail(`matches is not a regular expression: ${pattern}`);
    }
  }
  return { kind, check };
}

/** Ids are unique, and every need names a start block. */
function checkNeeds(blocks: readonly GuideBlock[]): void {
  const starts = new Map<string, GuideBlock>();
  for (const block of blocks) {
    if (block.kind !== 'start') continue;
    const id = block.check.id!;
    if (starts.has(id)) {
      throw new GuideFormatError(`line ${block.line}: id "${id}" is already used`);
    }
    starts.set(id, block);
  }
  for (const block of blocks) {
    for (const need of block.check.needs) {
      if (!starts.has(need)) {
        throw new GuideFormatError(`line ${block.line}: needs "${need}", which no start block is`);
      }
    }
  }
}

/**
 * The start blocks `block` needs, each after its own needs, each once: the order to start
 * them in. Throws GuideFormatError on a cycle.
 */
export function neededStarts(block: GuideBlock, blocks: readonly GuideBlock[]): GuideBlock[] {
  const byId = new Map(blocks.filter((b) => b.kind === 'start').map((b) => [b.check.id!, b]));
  const order: GuideBlock[] = [];
  const visiting = new Set<string>();
  const visit = (needs: readonly string[]): void => {
    for (const id of needs) {
      const start = byId.get(id)!;
      if (order.includes(start)) continue;
      if (visiting.has(id)) {
        throw new GuideFormatError(`line ${start.line}: "${id}" needs itself`);
      }
      visiting.add(id);
      visit(start.check.needs);
      visiting.delete(id);
      order.push(start);
    }
  };
  visit(block.check.needs);
  return order;
}
