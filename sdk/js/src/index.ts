// @mpool/sdk: the browser-safe entry. Node's file store is in '@mpool/sdk/node', the
// IndexedDB store in '@mpool/sdk/indexeddb'.
export { MpoolError, type MpoolErrorCode } from './errors.js';
export { fromHex, toHex, equalBytes } from './codec.js';
export { accountId, ss58 } from './account.js';
export {
  PAYLOAD_LEN,
  VOUCHER_DOMAIN,
  Payer,
  type PromiseRule,
  SessionKey,
  encodeVoucher,
  voucher,
  voucherPayload,
  verifyVoucher,
  wrappedPayload,
  type PayloadForm,
  type Signature,
  type SignedVoucher,
  type Voucher,
} from './voucher.js';
export { decodeToken, encodeToken, tokenHex } from './token.js';
export {
  BUNDLE_VERSION,
  MAX_BUNDLE_LEN,
  blake2_256,
  checkBundleHeader,
  decodeBundle,
  decodeHeader,
  decodePoolRecord,
  encodeBundle,
  type HandshakeBundle,
  type HeaderInfo,
  type PoolRecord,
} from './bundle.js';
export { MemoryStore, VoucherBook, type StoredPool, type VoucherStore } from './book.js';
export { HandshakeVerifier, type Policy, type VerifiedPool } from './handshake.js';
export {
  OP,
  type Accepted,
  type LedgerStatus,
  type Limits,
  type RawView,
  type SettleReason,
  type Source,
} from './policy.js';
