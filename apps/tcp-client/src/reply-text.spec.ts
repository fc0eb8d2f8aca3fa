import { isCommand, replyText, serverNotice } from './reply-text';

describe('replyText', () => {
  it('prints a reply after "Received Message from Server: "', () => {
    expect(replyText('Hi', 'Your data was 2 bytes')).toBe(
      'Received Message from Server: Your data was 2 bytes\n',
    );
  });

  it('shows the reply to History one message a line', () => {
    expect(replyText('History', 'History: ["Hi","Testing Connection"]')).toBe(
      'Received Message from Server: History (2 messages)\n  1. Hi\n  2. Testing Connection\n',
    );
  });

  it('recognises History as the server does: any case, surrounding spaces', () => {
    expect(replyText('  hiSTORY ', 'History: []')).toBe(
      'Received Message from Server: History (no messages)\n',
    );
  });

  it('prints a History-looking reply to any other line as it came', () => {
    expect(replyText('history please', 'History: ["x"]')).toBe(
      'Received Message from Server: History: ["x"]\n',
    );
  });

  it('prints a reply to History that is not a history list as it came', () => {
    expect(replyText('History', 'HISTORY')).toBe('Received Message from Server: HISTORY\n');
  });
});

describe('isCommand', () => {
  it.each(['Exit', 'exit', ' EXIT ', '\texit'])('takes %j as Exit', (line) => {
    expect(isCommand(line, 'exit')).toBe(true);
  });

  it.each(['Exit now', 'exi', 'e x i t'])('does not take %j as Exit', (line) => {
    expect(isCommand(line, 'exit')).toBe(false);
  });
});

describe('serverNotice', () => {
  it("gives the text of the transport's notices", () => {
    expect(serverNotice('Error: server busy')).toBe('server busy');
    expect(serverNotice('Error: line too long (limit 16 bytes)')).toBe(
      'line too long (limit 16 bytes)',
    );
  });

  it('gives nothing for the replies of either service', () => {
    expect(serverNotice('Your data was 2 bytes')).toBeUndefined();
    expect(serverNotice('ERROR: SERVER BUSY')).toBeUndefined();
  });
});
