import path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');

export type AppName = 'udp-server' | 'udp-client' | 'tcp-server' | 'tcp-client';

/** The self-contained bundle `nx build <app>` writes: what users run with plain node. */
export function appMain(app: AppName): string {
  return path.join(WORKSPACE_ROOT, 'dist', 'apps', app, 'main.js');
}
