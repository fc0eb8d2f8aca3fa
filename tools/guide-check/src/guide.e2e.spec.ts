import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCleanups, WORKSPACE_ROOT } from '@netlab-tools/app-harness';
import { readGuideBlocks, type GuideBlock } from './guide-blocks';
import { checkBlock } from './run-block';

const GUIDE = 'docs/guide.md';
const blocks = readGuideBlocks(readFileSync(path.join(WORKSPACE_ROOT, GUIDE), 'utf8'));
const context = { workspaceRoot: WORKSPACE_ROOT, guideName: GUIDE, blocks };

/** Start blocks a run block needs are checked with it; the others get a test of their own. */
const needed = new Set(blocks.flatMap((block) => block.check.needs));
const checked = blocks.filter(
  (block) => block.kind === 'run' || (block.kind === 'start' && !needed.has(block.check.id!)),
);

function title(block: GuideBlock): string {
  const first = block.command.split('\n')[0];
  return `${GUIDE}:${block.line} ${block.kind === 'start' ? 'starts' : 'runs'}: ${first}`;
}

afterEach(runCleanups);

describe(`every command of ${GUIDE}, run as the guide says`, () => {
  it.each(checked.map((block) => [title(block), block] as const))('%s', (_, block) =>
    checkBlock(block, context),
  );
});
