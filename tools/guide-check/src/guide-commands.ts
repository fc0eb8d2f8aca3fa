import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import path from 'node:path';

/**
 * The ports the guide writes: the apps' defaults (udp 12000, tcp 1060) and the ones beside
 * them for a proxy or a textbook program. A check gives each a free port of its own, so it
 * never collides with whatever else runs on the machine (another test, the reader's server).
 */
export const GUIDE_PORTS = [1060, 1061, 1062, 12000, 12001, 12002] as const;
/** The Unix socket path the guide writes; a check uses a fresh temporary one. */
export const GUIDE_SOCKET_PATH = '/tmp/netlab.sock';

/** What the guide's ports and socket path stand for in one check. */
export interface Placeholders {
  ports: ReadonlyMap<number, number>;
  socketPath: string;
}

const PORT_PATTERN = new RegExp(`(?<![\\d.])(${GUIDE_PORTS.join('|')})(?!\\d)`, 'g');

/** `text` with the guide's ports and socket path replaced by this check's own. */
export function substitute(text: string, placeholders: Placeholders): string {
  return text
    .split(GUIDE_SOCKET_PATH)
    .join(placeholders.socketPath)
    .replace(PORT_PATTERN, (port) => String(placeholders.ports.get(Number(port)) ?? port));
}

/** A regular expression's source with the placeholders replaced (a port is digits either way). */
export function substitutePattern(pattern: string, placeholders: Placeholders): string {
  return substitute(pattern, {
    ...placeholders,
    socketPath: placeholders.socketPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  });
}

/**
 * `count` distinct ports free for both TCP and UDP right now, from the OS (port 0). All are
 * held until every one is found, so none is handed out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: (() => Promise<void>)[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const tcp = createServer();
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(0, resolve);
      });
      held.push(() => new Promise((resolve) => tcp.close(() => resolve())));
      const port = (tcp.address() as { port: number }).port;
      const udp = createSocket('udp4');
      const bound = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind(port, () => resolve(true));
      });
      held.push(() => new Promise((resolve) => (bound ? udp.close(() => resolve()) : resolve())));
      if (bound) ports.push(port);
    }
    return ports;
  } finally {
    for (const release of held) await release();
  }
}

const NX_SERVE = /npx nx serve ([\w-]+)(?: --(?= |$))?/g;

/**
 * `npx nx serve NAME -- ARGS` as the program Nx runs once NAME is built: the last step of
 * the `serve` target's command (`node dist/apps/NAME/main.js ARGS`; the steps before it
 * build), read from NAME's project.json. The check's dependencies have built everything
 * already, and starting Nx for each command would cost seconds apiece. (Guide commands
 * marked `as-written` run Nx itself, so that path is checked too.)
 */
export function withoutNx(command: string, workspaceRoot: string): string {
  return command.replace(NX_SERVE, (_, project: string) => serveCommand(project, workspaceRoot));
}

function serveCommand(project: string, workspaceRoot: string): string {
  for (const folder of ['apps', 'tools']) {
    let json: string;
    try {
      json = readFileSync(path.join(workspaceRoot, folder, project, 'project.json'), 'utf8');
    } catch {
      continue;
    }
    const config = JSON.parse(json) as {
      name?: string;
      targets?: { serve?: { options?: { command?: string } } };
    };
    const command = config.targets?.serve?.options?.command?.split('&&').at(-1)?.trim();
    if (config.name === project && command) return command;
    throw new Error(`${folder}/${project}/project.json has no serve target with a command`);
  }
  throw new Error(`no project "${project}" under apps/ or tools/ for "npx nx serve ${project}"`);
}
