import { renderTemplate } from './render-template';

describe('renderTemplate', () => {
  it('fills every placeholder, each as often as it appears', () => {
    expect(
      renderTemplate('bind {{HOST}}:{{PORT}} # {{PORT}}', { HOST: '127.0.0.1', PORT: 80 }),
    ).toBe('bind 127.0.0.1:80 # 80');
  });

  it('refuses a placeholder without a value', () => {
    expect(() => renderTemplate('{{HOST}}:{{PORT}}', { HOST: 'h' })).toThrow(
      'template placeholder {{PORT}} has no value',
    );
  });

  it('refuses a value without a placeholder (a renamed placeholder)', () => {
    expect(() => renderTemplate('{{HOST}}', { HOST: 'h', PORTS: 1 })).toThrow(
      'no placeholder for PORTS',
    );
  });
});
