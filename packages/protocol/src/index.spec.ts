import { placeholder } from './index';
it('exists', () => expect(placeholder).toBe('protocol'));
