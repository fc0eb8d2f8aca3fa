import { findPortInTable } from './listening-socket';

const TCP_TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C4F 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 555003 1 0000000000000000 20 4 30 10 -1
`;

describe('findPortInTable', () => {
  it("finds the listening port of the process's own socket", () => {
    expect(findPortInTable(TCP_TABLE, new Set(['555002']), '0A')).toBe(0x1f90);
  });

  it('ignores sockets of other processes and sockets in another state', () => {
    expect(findPortInTable(TCP_TABLE, new Set(['999']), '0A')).toBeUndefined();
    expect(findPortInTable(TCP_TABLE, new Set(['555003']), '0A')).toBeUndefined();
  });
});
