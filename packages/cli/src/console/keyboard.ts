import { createInterface, type Interface } from 'node:readline';

/** The lecture's prompt, shown only when a person types at a terminal. */
export const PROMPT = 'Enter message to send or type Exit to disconnect: ';
/** How both clients print a reply. */
export const REPLY_PREFIX = 'Received Message from Server: ';

export interface Keyboard {
  /** The lines typed or piped, without their line ends. */
  readonly lines: Interface;
  /** True when stdin is a terminal: prompts are shown and Ctrl+C ends the session. */
  readonly interactive: boolean;
  /** Shows the prompt again (does nothing when stdin is piped). */
  prompt(): void;
  close(): void;
}

/**
 * Reads the user's lines from stdin. On a terminal it prompts; piped, it stays silent so
 * the output is only replies. Ctrl+C at the terminal reaches readline, not the process, so
 * `onInterrupt` is how a client ends the session as it would at end of input.
 */
export function openKeyboard(onInterrupt?: () => void): Keyboard {
  const interactive = process.stdin.isTTY === true;
  const lines = createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    crlfDelay: Infinity,
  });
  lines.setPrompt(PROMPT);
  lines.on('SIGINT', () => {
    onInterrupt?.();
    lines.close();
  });
  return {
    lines,
    interactive,
    prompt: () => {
      if (interactive) lines.prompt();
    },
    close: () => lines.close(),
  };
}
