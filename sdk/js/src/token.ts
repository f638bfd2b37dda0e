// The voucher token (docs/voucher.md): SCALE(Voucher) ++ SCALE(MultiSignature), 153 bytes for
// sr25519 and ed25519, 154 for ECDSA.
import { MpoolError } from './errors.js';
import { bytesOf, decodeExact, fixed, Struct, toHex, Variant } from './codec.js';
import { voucherCodec, type Signature, type SignedVoucher } from './voucher.js';

/** `sp_runtime::MultiSignature`, in its variants' order. */
const multiSignature = Variant({ Ed25519: fixed(64, 'signature'), Sr25519: fixed(64, 'signature'), Ecdsa: fixed(65, 'signature') });
const tokenCodec = Struct({ voucher: voucherCodec, signature: multiSignature });
const VARIANTS = ['Ed25519', 'Sr25519', 'Ecdsa'] as const;

/** The token's bytes. */
export function encodeToken(signed: SignedVoucher): Uint8Array {
  const { voucher, signature } = signed;
  if (!VARIANTS.includes(signature.type)) throw new MpoolError('UnsupportedSignature', `unknown signature type ${signature.type}`);
  return tokenCodec.enc({ voucher, signature: { type: signature.type, value: bytesOf(signature.bytes) } } as never);
}

/** Parses a token from a stranger: exact length, known signature scheme, no trailing bytes. */
export function decodeToken(token: Uint8Array | string): SignedVoucher {
  const bytes = typeof token === 'string' ? bytesOf(token) : token;
  if (bytes.length > 154) throw new MpoolError('TooLarge', `a token is at most 154 bytes, not ${bytes.length}`);
  // The variant index follows the 88 bytes of the voucher.
  if (bytes.length > 88 && (bytes[88] as number) >= VARIANTS.length) {
    throw new MpoolError('UnsupportedSignature', 'unknown MultiSignature variant');
  }
  const { voucher, signature } = decodeExact(tokenCodec, bytes, 'voucher token');
  return { voucher, signature: { type: signature.type, bytes: signature.value } as Signature };
}

/** The token as `0x` hex, as `mpool voucher sign` prints it. */
export function tokenHex(signed: SignedVoucher): string {
  return toHex(encodeToken(signed));
}
