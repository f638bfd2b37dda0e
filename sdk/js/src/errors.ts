/** Every error this package throws: `code` names the failure, for programs to branch on. */
export class MpoolError extends Error {
  readonly code: MpoolErrorCode;

  constructor(code: MpoolErrorCode, message: string) {
    super(message);
    this.name = 'MpoolError';
    this.code = code;
  }
}

/** Why something was refused. The voucher codes are those of the Rust client's `VoucherError`. */
export type MpoolErrorCode =
  // Encodings.
  | 'BadHex'
  | 'Malformed'
  | 'TooLarge'
  | 'UnsupportedVersion'
  | 'UnsupportedSignature'
  // Handshake bundles (the Rust client's `HandshakeError` names).
  | 'HeaderMismatch'
  | 'WrongTarget'
  | 'UnknownBlock'
  | 'BadProof'
  | 'UnknownPool'
  | 'MalformedPool'
  | 'Expired'
  | 'ExpiresTooSoon'
  | 'WrongResource'
  | 'Overdrawn'
  | 'CollateralNotAboveDeposit'
  | 'Exhausted'
  | 'SelfPayment'
  | 'StaleBundle'
  | 'MarginTooSmall'
  | 'OtherPool'
  // Vouchers a peer is handed (the peer policy's refusals).
  | 'UnknownPool'
  | 'WrongChain'
  | 'BadSignature'
  | 'StaleVoucher'
  | 'PoolClosed'
  | 'ServingEnded'
  | 'ExposureCap'
  | 'Unconfirmed'
  | 'ExceedsDeposit'
  | 'Store'
  // A transaction the chain refused or whose dispatch failed, or a settlement kept out of its window.
  | 'Dispatch'
  | 'SettlementWindowEnded'
  // The node's JSON-RPC: an error it answered, a closed connection, a method it cannot serve.
  | 'Rpc'
  | 'Disconnected'
  | 'Unsupported'
  // A runtime without the pool pallet (or with two).
  | 'IncompatibleRuntime'
  // A player's segments (`@mpool/sdk/hls`): the origin's HTTP answer, bytes not in the hash list.
  | 'Http'
  | 'BadSegment';
