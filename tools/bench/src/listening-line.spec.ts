import { parseListeningPort } from './listening-line';

describe('parseListeningPort', () => {
  it('reads the port from a pino "Listening at" line', () => {
    const line =
      '{"level":30,"time":1,"pid":9,"name":"tcp-server","transport":"tcp","address":"127.0.0.1","port":40123,"msg":"Listening at"}';
    expect(parseListeningPort(line)).toBe(40123);
  });

  it('ignores other events, other text and a port that is not a real one', () => {
    expect(parseListeningPort('{"msg":"Connection accepted","port":1}')).toBeUndefined();
    expect(parseListeningPort('Listening at 127.0.0.1:80')).toBeUndefined();
    expect(parseListeningPort('{"msg":"Listening at","port":0}')).toBeUndefined();
    expect(parseListeningPort('{"msg":"Listening at","path":"/tmp/s.sock"}')).toBeUndefined();
  });
});
