#!/usr/bin/env bash
# README command: the local dev parachain. `mpool-para-node --dev` runs the parachain runtime in
# omni-node's dev mode: no relay chain and no files, a block sealed and finalized every 3 s,
# state in a temporary directory, RPC on ws://127.0.0.1:9944 (the same RPC as the solochain's,
# `state_getReadProof` included). Builds the node first if needed. Extra arguments go to the
# node, e.g. `scripts/dev-para.sh --rpc-port 9955`, `--dev-block-time 6000` or
# `--base-path DIR` (keeps the state).
MPOOL_CHAIN=para exec "$(dirname "${BASH_SOURCE[0]}")/dev-node.sh" "$@"
