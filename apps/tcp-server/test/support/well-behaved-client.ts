import { LineSocket } from '@netlab-tools/app-harness';

/** The task service keeps this many messages for History. */
const HISTORY_LIMIT = 100;

/**
 * A client that behaves, connected before the trouble starts: at every check it sends a
 * numbered line and expects its exact answer, and its History must hold every line it sent.
 * Interleaved with an attack, it shows the attack cost nobody but the attacker.
 */
export interface WellBehavedClient {
  /** Sends one line and expects `Your data was N bytes` for it. */
  check(): Promise<void>;
  /** Expects History to list the lines it sent, oldest first (the last 100). */
  checkHistory(): Promise<void>;
  /**
   * A check every `intervalMs` (to stay inside a short --idle-timeout, and to be served
   * *during* an attack, not only before and after) until the returned stop() is awaited,
   * which rethrows the first failed check.
   */
  keepChecking(intervalMs: number): () => Promise<void>;
  /** Checks that passed. */
  readonly checks: number;
}

export async function wellBehavedClient(port: number): Promise<WellBehavedClient> {
  const client = await LineSocket.connect({ port });
  const sent: string[] = [];
  const check = async (): Promise<void> => {
    const line = `still served ${sent.length}`;
    sent.push(line);
    await client.write(`${line}\n`);
    expect(await client.readLine()).toBe(`Your data was ${Buffer.byteLength(line)} bytes`);
  };
  return {
    check,
    async checkHistory() {
      await client.write('History\n');
      expect(await client.readLine()).toBe(
        `History: ${JSON.stringify(sent.slice(-HISTORY_LIMIT))}`,
      );
    },
    keepChecking(intervalMs) {
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          await check();
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      // A failure is reported by stop(); until then it must not count as unhandled.
      loop.catch(() => undefined);
      return async () => {
        stopped = true;
        await loop;
      };
    },
    get checks() {
      return sent.length;
    },
  };
}
