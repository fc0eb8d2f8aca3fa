// Configuration from the environment (issue 15): the client finds its server from
// NETLAB_HOST and NETLAB_PORT; a flag on the command line still wins.
import { runApp, runCleanups, startServer } from '@netlab-tools/app-harness';

/** The test's environment without any netlab variable or PORT it may have inherited. */
function environment(variables: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('NETLAB_') && name !== 'PORT'),
  );
  return { ...clean, ...variables };
}

afterEach(runCleanups);

describe('tcp-client (built app): configuration from the environment', () => {
  it('reaches the server NETLAB_HOST and NETLAB_PORT name', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const result = await runApp('tcp-client', [], 'Hi\n', {
      env: environment({ NETLAB_HOST: '127.0.0.1', NETLAB_PORT: String(server.port) }),
    });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'Received Message from Server: Your data was 2 bytes\n',
    });
  }, 60_000);

  it('prefers --port to NETLAB_PORT, and refuses a bad NETLAB_PORT with exit 2', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const flagged = await runApp('tcp-client', ['--port', String(server.port)], 'Hi\n', {
      env: environment({ NETLAB_HOST: '127.0.0.1', NETLAB_PORT: '1' }),
    });
    expect(flagged).toMatchObject({
      code: 0,
      stdout: 'Received Message from Server: Your data was 2 bytes\n',
    });
    const bad = await runApp('tcp-client', [], '', { env: environment({ NETLAB_PORT: '0' }) });
    expect(bad).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'tcp-client: NETLAB_PORT must be an integer from 1 to 65535 (got "0")\n',
    });
  }, 60_000);
});
