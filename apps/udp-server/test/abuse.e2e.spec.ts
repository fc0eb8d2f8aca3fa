// The fault and abuse battery of the built udp-server (issue 7; the threat model in
// SECURITY.md). A UDP source address can be forged, so the server must never answer with
// more bytes than it received (no amplification) and must not let one source crowd out
// the others. A well-behaved sender is served beside every attack.
//
// Elsewhere: port in use (one stderr line, exit 1) in udp-server.e2e.spec.ts; the rate
// limiter's bounded table in packages/udp-transport/src/rate-limiter.spec.ts.
import { decodeEnvelope, encodeEnvelope } from '@netlab/protocol';
import {
  onCleanup,
  runCleanups,
  startServer,
  stopProcess,
  type RunningServer,
} from '@netlab-tools/app-harness';
import { DatagramPeer, wellBehavedSender } from './support/datagram-peer';

function start(args: string[] = []): Promise<RunningServer> {
  return startServer('udp-server', ['--host', '127.0.0.1', ...args]);
}

afterEach(runCleanups);

describe('udp-server (built app) under abuse: datagram sizes', () => {
  it('answers a 65,507-byte datagram, the most IPv4 carries, in full, plain and enveloped', async () => {
    const server = await start();
    const good = await wellBehavedSender(server.port);
    const peer = await DatagramPeer.open(server.port);
    const plain = await peer.exchange(Buffer.alloc(65_507, 'q'));
    expect(plain.equals(Buffer.alloc(65_507, 'Q'))).toBe(true);
    await good.check();
    const enveloped = await peer.exchange(encodeEnvelope(7, Buffer.alloc(65_501, 'q')));
    expect(enveloped).toHaveLength(65_507);
    expect(decodeEnvelope(enveloped)).toMatchObject({ id: 7, payload: Buffer.alloc(65_501, 'Q') });
    await good.check();
  });

  it('cannot be sent a 65,508-byte datagram over IPv4: the sender gets EMSGSIZE, the server never sees it', async () => {
    const server = await start();
    const good = await wellBehavedSender(server.port);
    const peer = await DatagramPeer.open(server.port);
    await expect(peer.send(Buffer.alloc(65_508, 'q'))).rejects.toMatchObject({ code: 'EMSGSIZE' });
    await good.check();
    await server.logs.waitFor('Received message from client');
    expect(server.logs.find('Received message from client').map((line) => line.bytes)).toEqual([
      Buffer.byteLength('still served 0'),
    ]);
  });

  // IPv6 counts its 40-byte header outside the payload length, so a UDP payload of up to
  // 65,527 bytes can be sent. The server answers it in full: the reply is no larger than a
  // datagram that just came over the same path, so it fits, and nothing is amplified.
  it.each([65_508, 65_527])('over IPv6 answers a %d-byte datagram in full', async (size) => {
    const server = await startServer('udp-server', ['--host', '::1']);
    const good = await wellBehavedSender(server.port, { host: '::1' });
    const peer = await DatagramPeer.open(server.port, { host: '::1' });
    const reply = await peer.exchange(Buffer.alloc(size, 'v'));
    expect(reply.equals(Buffer.alloc(size, 'V'))).toBe(true);
    await good.check();
  });

  it('over IPv6 cannot be sent 65,528 bytes: EMSGSIZE, and the server serves on', async () => {
    const server = await startServer('udp-server', ['--host', '::1']);
    const peer = await DatagramPeer.open(server.port, { host: '::1' });
    await expect(peer.send(Buffer.alloc(65_528))).rejects.toMatchObject({ code: 'EMSGSIZE' });
    const good = await wellBehavedSender(server.port, { host: '::1' });
    await good.check();
  });

  it('answers zero bytes with zero bytes, and an envelope of nothing with its 6-byte header', async () => {
    const server = await start();
    const good = await wellBehavedSender(server.port);
    const peer = await DatagramPeer.open(server.port);
    expect(await peer.exchange(Buffer.alloc(0))).toHaveLength(0);
    const reply = await peer.exchange(encodeEnvelope(0xffff_ffff, Buffer.alloc(0)));
    expect(decodeEnvelope(reply)).toMatchObject({ id: 0xffff_ffff, payload: Buffer.alloc(0) });
    expect(reply).toHaveLength(6);
    await good.check();
  });

  it('answers nothing to a truncated or unknown envelope, logging a warning, and serves on', async () => {
    const server = await start();
    const good = await wellBehavedSender(server.port);
    const peer = await DatagramPeer.open(server.port);
    await peer.send(Buffer.from([0xff])); // the envelope marker alone
    await peer.send(Buffer.from([0xff, 0x09, 0, 0, 0, 1])); // version 9
    // Datagrams are handled in order: had the junk been answered, those replies would
    // have come first.
    expect((await peer.exchange('after the junk')).toString()).toBe('AFTER THE JUNK');
    expect(peer.pending).toBe(0);
    // Logs are written asynchronously: they may come after the reply.
    await server.logs.waitUntil(() => server.logs.find('Dropped malformed envelope').length === 2);
    expect(server.logs.find('Dropped malformed envelope')).toEqual([
      expect.objectContaining({ level: 40, bytes: 1 }),
      expect.objectContaining({ level: 40, bytes: 6 }),
    ]);
    await good.check();
  });
});

describe('udp-server (built app) under abuse: no amplification', () => {
  it.each([
    ['ß', 'SS', 'uppercases to as many bytes (2)'],
    ['ΐ', 'ΐ', 'keeps a letter whose uppercase is longer (2 bytes, Ϊ́ is 6)'],
    ['ŉ', 'ŉ', 'keeps a letter whose uppercase is longer (2 bytes, ʼN is 3)'],
    ['\ufffd', '\ufffd', 'keeps U+FFFD'],
    ['straße ΐ ﬀ', 'STRASSE ΐ FF', 'mixes the rules in one message'],
  ])('answers %j with %j: it %s', async (request, expected) => {
    const server = await start();
    const reply = await (await DatagramPeer.open(server.port)).exchange(request);
    expect(reply.toString()).toBe(expected);
    expect(reply.length).toBeLessThanOrEqual(Buffer.byteLength(request));
  });

  it('passes bytes that are not UTF-8 through unchanged, uppercasing the letters around them', async () => {
    const server = await start();
    const reply = await (
      await DatagramPeer.open(server.port)
    ).exchange(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62])); // a 0xFF first marks an envelope
    expect(reply).toEqual(Buffer.from([0x41, 0xff, 0xc3, 0x28, 0x42]));
  });

  it('answers 65,507 bytes of letters that grow with exactly 65,507 bytes, plain and enveloped', async () => {
    const server = await start();
    const peer = await DatagramPeer.open(server.port);
    const request = Buffer.from(`${'ΐ'.repeat(32_753)}a`); // 2 x 32,753 + 1 = 65,507 bytes
    const plain = await peer.exchange(request);
    expect(plain.toString()).toBe(`${'ΐ'.repeat(32_753)}A`);
    const enveloped = await peer.exchange(encodeEnvelope(1, request.subarray(0, 65_501)));
    expect(enveloped).toHaveLength(65_507);
  });
});

describe('udp-server (built app) under abuse: a flood from one source', () => {
  it('with --rate-limit 50 answers a flooding source at most its burst plus 50 a second, while another source gets every reply', async () => {
    const server = await start(['--rate-limit', '50', '--log-level', 'debug']);
    const flooder = await DatagramPeer.open(server.port, { localAddress: '127.0.0.3' });
    const good = await wellBehavedSender(server.port, { localAddress: '127.0.0.2' });

    const started = Date.now();
    const flood = (async () => {
      for (let i = 0; i < 3000; i++) await flooder.send(`flood ${i}`);
    })();
    while (good.checks < 20) await good.check();
    await flood;

    const fromFlooder = (msg: string) =>
      server.logs.find(msg, { remote: { address: '127.0.0.3' } }).length;
    // Every flood datagram is either answered or dropped (at debug level: a flood must not
    // become a flood of log lines at the default level). waitUntil sees each line once.
    let settled = 0;
    await server.logs.waitUntil(
      (line) =>
        (line.remote as { address?: string } | undefined)?.address === '127.0.0.3' &&
        (line.msg === 'Received message from client' ||
          line.msg === 'Dropped datagram over rate limit') &&
        ++settled === 3000,
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    const answered = fromFlooder('Received message from client');
    for (let i = 0; i < answered; i++) await flooder.next();
    expect(answered).toBeGreaterThanOrEqual(50);
    expect(answered).toBeLessThanOrEqual(50 + Math.ceil(50 * elapsedSeconds));
    expect(fromFlooder('Dropped datagram over rate limit')).toBe(3000 - answered);
    expect(
      server.logs.find('Dropped datagram over rate limit', { remote: { address: '127.0.0.2' } }),
    ).toEqual([]);
    await good.check();
  }, 120_000);
});

describe('udp-server (built app) with --rate-limit, stopped while a well-behaved source sends', () => {
  it("answers every datagram a source sent at half its limit while the server was stopped: the backlog is the server's delay, not a burst", async () => {
    const server = await start(['--rate-limit', '10', '--log-level', 'debug']);
    const peer = await DatagramPeer.open(server.port, { localAddress: '127.0.0.2' });
    expect((await peer.exchange('first')).toString()).toBe('FIRST');

    // 20 datagrams at 5 a second (half of --rate-limit 10) reach the kernel while the server
    // does not run; it reads them in one go when continued. A bucket of 10 judged at that
    // moment would drop 10 of them for the server's own four seconds of delay.
    onCleanup(() => void server.child.kill('SIGCONT'));
    await stopProcess(server.child.pid ?? 0);
    for (let i = 0; i < 20; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      await peer.send(`steady ${i}`);
    }
    server.child.kill('SIGCONT');

    // Each datagram is either answered or dropped, and says which in the log.
    let settled = 0;
    await server.logs.waitUntil(
      (line) =>
        (line.msg === 'Received message from client' ||
          line.msg === 'Dropped datagram over rate limit') &&
        ++settled === 21,
    );
    expect(server.logs.find('Dropped datagram over rate limit')).toEqual([]);
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push((await peer.next()).toString());
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `STEADY ${i}`));
  }, 60_000);
});
