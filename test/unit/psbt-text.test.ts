// The send screen's PSBT file reader (renderer/src/psbt-text.ts): binary and base64
// files become the contract's base64 text; a file over the contract's limit is refused unread.

import { describe, expect, it } from 'vitest';
import { psbtTextOf } from '../../renderer/src/psbt-text.js';
import { UiError } from '../../renderer/src/ui-error.js';

describe('PSBT file reader', () => {
  it('reads a binary PSBT as base64 and a text one as it is', async () => {
    const binary = Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff, 0x01, 0x00);
    expect(await psbtTextOf(new File([binary], 'a.psbt'))).toBe(Buffer.from(binary).toString('base64'));
    expect(await psbtTextOf(new File(['  cHNidP8BAAo=\n'], 'b.psbt'))).toBe('cHNidP8BAAo=');
  });

  it('refuses a file over 64 MiB with file-unreadable, without reading it', async () => {
    const huge = { size: 64 * 1024 * 1024 + 1, arrayBuffer: () => Promise.reject(new Error('read')) } as unknown as File;
    const e = await psbtTextOf(huge).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UiError);
    expect((e as UiError).wire).toMatchObject({ code: 'file-unreadable', details: { reason: 'too large', limitBytes: 64 * 1024 * 1024 } });
  });
});
