import { PassThrough } from 'node:stream';
import { LogCollector } from './log-lines';

describe('LogCollector', () => {
  it('resolves waitFor with a line that comes later, matching nested fields', async () => {
    const stream = new PassThrough();
    const logs = new LogCollector(stream);
    const accepted = logs.waitFor('Connection accepted', { remote: { port: 5 } });
    stream.write('{"msg":"Connection accepted","remote":{"address":"::1","port":4}}\n');
    stream.write('{"msg":"Connection accepted","remote":{"address":"::1","port":5}}\n');
    expect(await accepted).toMatchObject({ remote: { port: 5 } });
    expect(logs.find('Connection accepted')).toHaveLength(2);
  });

  it('keeps a line that is not JSON as text, so a stray print is seen', async () => {
    const stream = new PassThrough();
    const logs = new LogCollector(stream);
    stream.end('oops\n');
    expect(await logs.waitFor('(not JSON)')).toEqual({ msg: '(not JSON)', text: 'oops' });
  });

  it('resolves waitForCount once that many lines match, counting lines already seen', async () => {
    const stream = new PassThrough();
    const logs = new LogCollector(stream);
    stream.write('{"msg":"Listening at","worker":1}\n');
    await logs.waitFor('Listening at');
    const both = logs.waitForCount('Listening at', 2);
    let settled = false;
    void both.then(() => (settled = true));
    stream.write('{"msg":"Worker started","worker":0}\n');
    await logs.waitFor('Worker started');
    expect(settled).toBe(false);
    stream.write('{"msg":"Listening at","worker":2}\n');
    expect((await both).map((line) => line.worker)).toEqual([1, 2]);
  });
});
