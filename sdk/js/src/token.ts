// The voucher token (docs/voucher.md): SCALE(Voucher) ++ SCALE(MultiSignature), 153 bytes for
// sr25519 and ed25519, 154 for ECDSA.
import { MpoolError } from './errors.js';
import { bytesOf, toHex } from './hex.js';
import { concat, Reader } from './scale.js';
import { encodeVoucher, type Signature, type SignedVoucher } from './voucher.js';

const VARIANTS = ['Ed25519', 'Sr25519', 'Ecdsa'] as const;
const SIG_LEN = { Ed25519: 64, Sr25519: 64, Ecdsa: 65 } as const;

/** The token's bytes. */
export function encodeToken(signed: SignedVoucher): Uint8Array {
  const { voucher: v, signature } = signed;
  const variant = VARIANTS.indexOf(signature.type);
  if (variant < 0) throw new MpoolError('UnsupportedSignature', `unknown signature type ${signature.type}`);
  return concat(
    encodeVoucher(v),
    Uint8Array.of(variant),
    bytesOf(signature.bytes, SIG_LEN[signature.type], 'signature'),
  );
}

/** Parses a token from a stranger: exact length, known signature scheme, no trailing bytes. */
export function decodeToken(token: Uint8Array | string): SignedVoucher {
  const bytes = typeof token === 'string' ? bytesOf(token) : token;
  if (bytes.length > 154) throw new MpoolError('TooLarge', `a token is at most 154 bytes, not ${bytes.length}`);
  const r = new Reader(bytes, 'voucher token');
  const genesisHash = r.bytesN(32);
  const poolId = r.uintLE(8);
  const target = r.bytesN(32);
  const amount = r.uintLE(16);
  const type = VARIANTS[r.u8()];
  if (type === undefined) throw new MpoolError('UnsupportedSignature', 'unknown MultiSignature variant');
  const signature: Signature = { type, bytes: r.bytesN(SIG_LEN[type]) };
  r.end();
  return { voucher: { genesisHash, poolId, target, amount }, signature };
}

/** The token as `0x` hex, as `mpool voucher sign` prints it. */
export function tokenHex(signed: SignedVoucher): string {
  return toHex(encodeToken(signed));
}
