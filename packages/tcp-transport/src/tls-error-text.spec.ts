import { describeTlsError } from './tls-error-text';

describe('describeTlsError', () => {
  it('reads a verification failure the same on every Node: without the advice Node 24 appends', () => {
    const node20 = { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' };
    const node24 = {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      message:
        'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
    };
    expect(describeTlsError(node20)).toBe('certificate verify failed: self-signed certificate');
    expect(describeTlsError(node24)).toBe('certificate verify failed: self-signed certificate');
  });
});
