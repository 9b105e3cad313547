import { MAX_LOGO_BYTES, logoProblem } from './LogoCard';

describe('logoProblem', () => {
  const file = (size: number, type: string) => new File([new Uint8Array(size)], 'logo', { type });
  it('refuses what the server would refuse, at its limit of 512 KiB', () => {
    expect(MAX_LOGO_BYTES).toBe(512 * 1024);
    expect(logoProblem(file(MAX_LOGO_BYTES, 'image/png'))).toBeUndefined();
    expect(logoProblem(file(MAX_LOGO_BYTES + 1, 'image/png'))).toBe('logo.tooLarge');
    expect(logoProblem(file(1 << 20, 'image/webp'))).toBe('logo.tooLarge');
    expect(logoProblem(file(100, 'image/svg+xml'))).toBe('logo.wrongType');
    expect(logoProblem(file(100, ''))).toBeUndefined(); // the server sniffs the bytes
  });
});
