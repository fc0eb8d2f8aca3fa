import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A relative link of the guide: `[text](../packages/x/src/y.ts)`. */
export interface GuideLink {
  line: number;
  text: string;
  target: string;
}

const LINK = /\[([^\]\n]+)\]\((\.{1,2}\/[^)\s#]*)(?:#[^)\s]*)?\)/g;

/** Every link of `markdown` to a file of the repository (relative), in order. */
export function relativeLinks(markdown: string): GuideLink[] {
  return [...markdown.matchAll(LINK)].map((match) => ({
    line: markdown.slice(0, match.index).split('\n').length,
    text: match[1],
    target: match[2],
  }));
}

/**
 * What is wrong with a link, or undefined. The target must exist. A link written as code
 * (`` [`ServerConnection.#onData`](../packages/tcp-transport/src/server-connection.ts) ``)
 * names code in that file: each dotted part must occur in it as a whole word, so renaming
 * a function breaks the check rather than the guide. A file's own name needs no search.
 */
export function linkProblem(link: GuideLink, fromDirectory: string): string | undefined {
  const file = path.resolve(fromDirectory, link.target);
  if (!existsSync(file)) return `line ${link.line}: ${link.target} does not exist`;
  const code = /^`([^`]+)`$/.exec(link.text)?.[1];
  if (code === undefined || statSync(file).isDirectory()) return undefined;
  const name = code.replace(/\(.*\)$/, '');
  if (name === path.basename(file)) return undefined;
  const source = readFileSync(file, 'utf8');
  for (const part of name.split('.')) {
    const word = new RegExp(`(?<![\\w$#])${part.replace(/[$#]/g, '\\$&')}(?![\\w$])`);
    if (!word.test(source)) {
      return `line ${link.line}: ${link.target} has no "${part}" (the link names \`${code}\`)`;
    }
  }
  return undefined;
}
