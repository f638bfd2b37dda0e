//! `mpool`: the micropayment pool from a shell. Viewers create pools, prove them to peers and
//! sign vouchers; peers verify proofs and vouchers locally, keep the best voucher durably and
//! settle it.

mod args;
mod output;

use clap::{Args, Parser, Subcommand};
use micropayment_pool_client::{
	amount::Amount,
	AccountId, BundleExt, Chain, ChainError, HandshakeBundle,
	HandshakeError, Limits, Peer, PoolId, PoolTerms, SignedVoucher, Viewer, VoucherError, Wait,
};
use micropayment_pool_client::peering::{self, Admitted, PeerChainError, Settlement};
use micropayment_pool_client::viewer::{PromiseError, Promises};
use micropayment_pool_client::{
	api::{pool_events as ev, runtime::tx as calls, BoundedVec},
	chain::{to_account, to_api_account},
};
use output::{Failure, Report, EXIT_CODES, EXIT_USAGE};
use serde_json::json;
use sp_core::{crypto::Ss58Codec, Pair};

#[derive(Parser)]
#[command(name = "mpool", version, about, after_help = EXIT_CODES)]
struct Cli {
	/// WebSocket RPC endpoint of a node.
	#[arg(long, global = true, env = "MPOOL_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// Print one JSON object instead of text (`"ok": true|false`).
	#[arg(long, global = true)]
	json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Create, inspect, close and reap pools.
	#[command(subcommand)]
	Pool(PoolCmd),
	/// Sign, verify and accept vouchers.
	#[command(subcommand)]
	Voucher(VoucherCmd),
	/// Prove a pool to a peer (viewer) and check that proof (peer).
	#[command(subcommand)]
	Handshake(HandshakeCmd),
	/// Settle a voucher on chain: from the peer's store, or a given voucher token. Works until
	/// the pool's `settle_by` block (expiry + the runtime's settlement grace), after expiry too.
	Settle(SettleArgs),
	/// Long-running peer processes.
	#[command(subcommand)]
	Peer(PeerCmd),
}

#[derive(Subcommand)]
enum PeerCmd {
	/// Accept voucher tokens arriving on stdin, one per line, into the store; print one result
	/// line per token. Each accepted voucher is on disk before its line is printed, so killing
	/// the process loses none. Ends at end of input; exits 3 if any token was refused.
	Run {
		/// The peer's voucher store (a SQLite database with the handshakes of its pools; an
		/// earlier version's JSON store is moved into one).
		#[arg(long)]
		store: String,
		/// The peer's account.
		#[arg(long)]
		me: String,
		#[command(flatten)]
		limits: LimitsArgs,
	},
	/// List the pools in the store: each one's best voucher, what the chain paid for it, and
	/// whether the pool is closed (as the peer last saw it).
	Pools {
		/// The peer's voucher store.
		#[arg(long)]
		store: String,
		/// The peer's account.
		#[arg(long)]
		me: String,
	},
}

/// The peer's limits (docs/security.md says why each default is what it is).
#[derive(Args, Clone)]
struct LimitsArgs {
	/// Most blocks a bundle's block may lag behind this node's finalized head.
	#[arg(long, default_value_t = Limits::default().max_age)]
	max_age: u32,
	/// Blocks before expiry at which the peer stops serving and settles.
	#[arg(long, default_value_t = Limits::default().settle_margin)]
	settle_margin: u32,
	/// Blocks of serving a new pool must still have before that.
	#[arg(long, default_value_t = Limits::default().min_serving_blocks)]
	min_serving_blocks: u32,
	/// Least margin collateral − total deposit, in percent of the total deposit.
	#[arg(long, default_value_t = Limits::default().min_margin_ppm / 10_000)]
	min_margin_percent: u32,
	/// Most the peer leaves unsettled per pool (planck or e.g. `5MPT`); default: the pool's
	/// margin collateral − total deposit, never more than the deposit left.
	#[arg(long)]
	exposure_cap: Option<Amount>,
}

impl LimitsArgs {
	fn limits(&self, chain: &Chain) -> Result<Limits, Failure> {
		let exposure_cap = self
			.exposure_cap
			.as_ref()
			.map(|a| a.resolve(&chain.units))
			.transpose()
			.map_err(anyhow::Error::msg)?;
		Ok(Limits {
			max_age: self.max_age,
			settle_margin: self.settle_margin,
			min_serving_blocks: self.min_serving_blocks,
			min_margin_ppm: self.min_margin_percent.saturating_mul(10_000),
			exposure_cap,
			..Limits::default()
		})
	}
}

#[derive(Args)]
struct Signer {
	/// Secret URI of the signing key, e.g. `//Alice` or a mnemonic.
	#[arg(long, env = "MPOOL_SURI", hide_env_values = true)]
	suri: String,
	/// Wait for finality instead of inclusion in a block.
	#[arg(long)]
	finalized: bool,
}

impl Signer {
	fn wait(&self) -> Wait {
		if self.finalized {
			Wait::Finalized
		} else {
			Wait::InBlock
		}
	}
}

#[derive(Subcommand)]
enum PoolCmd {
	/// Lock a deposit and a collateral (> deposit) for a resource, until `duration` blocks.
	Create {
		#[command(flatten)]
		signer: Signer,
		/// What the pool pays for, e.g. a stream id.
		#[arg(long)]
		resource: String,
		/// Most the pool pays out: planck, or tokens in the chain's symbol, e.g. `10MPT`.
		#[arg(long)]
		deposit: Amount,
		/// Forfeited on double spending; must exceed the deposit (planck or e.g. `20MPT`).
		#[arg(long)]
		collateral: Amount,
		/// Blocks until expiry.
		#[arg(long)]
		duration: u32,
		/// The account whose key signs the pool's vouchers instead of the owner's (a player's
		/// session key): SS58, 0x-hex or //Name. Fixed for the pool's life.
		#[arg(long, value_name = "ACCOUNT")]
		voucher_signer: Option<String>,
	},
	/// Show a pool as the chain holds it.
	Show {
		#[command(flatten)]
		pool: PoolArg,
		/// Block hash to read at (default: best block).
		#[arg(long)]
		at: Option<String>,
	},
	/// Close a pool after its settlement window (expiry + grace) and release what is left to
	/// its owner.
	Close {
		#[command(flatten)]
		pool: PoolArg,
		#[command(flatten)]
		signer: Signer,
	},
	/// Remove the `Paid` records of a closed pool and release their storage deposits to their
	/// peers (anyone may call it; a peer has the reason to).
	Reap {
		#[command(flatten)]
		pool: PoolArg,
		/// Most records to remove in this call.
		#[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
		limit: u32,
		#[command(flatten)]
		signer: Signer,
	},
}

/// A pool id, as `POOL` or `--pool POOL`: every verb that names one pool takes both.
#[derive(Args)]
struct PoolArg {
	/// The pool's id.
	#[arg(value_name = "POOL", required_unless_present = "pool", conflicts_with = "pool")]
	id: Option<PoolId>,
	/// The pool's id (same as the positional `POOL`).
	#[arg(long = "pool", value_name = "POOL")]
	pool: Option<PoolId>,
}

impl PoolArg {
	fn id(&self) -> PoolId {
		// clap requires one of the two: `required_unless_present`.
		self.id.or(self.pool).unwrap_or_default()
	}
}

#[derive(Subcommand)]
enum VoucherCmd {
	/// Sign "pool owes TARGET a total of AMOUNT" (cumulative); prints a voucher token.
	Sign {
		/// Secret URI of the pool's owner.
		#[arg(long, env = "MPOOL_SURI", hide_env_values = true)]
		suri: String,
		#[command(flatten)]
		pool: PoolArg,
		/// The peer being paid.
		#[arg(long)]
		target: String,
		/// Cumulative total owed to the peer (planck, or e.g. `2.5MPT`).
		#[arg(long)]
		amount: Amount,
		/// Genesis hash of the chain; read from the node if absent.
		#[arg(long)]
		genesis: Option<String>,
		/// The viewer's record of what it signed to each peer of each pool: no voucher is signed
		/// that would promise more than the pool's total deposit across its peers. Default:
		/// `$XDG_DATA_HOME/mpool/promises.json` (`~/.local/share/mpool/promises.json`).
		#[arg(long, env = "MPOOL_PROMISES")]
		promises: Option<String>,
		/// The pool's total deposit, for signing offline (read from the chain otherwise).
		#[arg(long)]
		deposit: Option<Amount>,
		/// Sign even if the peers would be promised more than the deposit in total: a double
		/// spend, which forfeits the pool's collateral when they settle.
		#[arg(long)]
		allow_over_deposit: bool,
	},
	/// Check a voucher token's signature (owner read from the chain unless given).
	Verify {
		/// Voucher token (hex), a file holding one, or `-` for stdin.
		token: String,
		/// The pool owner's account; read from the chain if absent.
		#[arg(long)]
		owner: Option<String>,
	},
	/// Peer: check a voucher against the handshake in the store and keep it if it is the best.
	Accept {
		/// Voucher token (hex), a file holding one, or `-` for stdin.
		token: String,
		/// The peer's voucher store (a SQLite database).
		#[arg(long)]
		store: String,
		/// The peer's account.
		#[arg(long)]
		me: String,
		#[command(flatten)]
		limits: LimitsArgs,
	},
}

#[derive(Subcommand)]
enum HandshakeCmd {
	/// Viewer: prove pool POOL to peer TARGET at the last finalized block; writes a bundle.
	Prove {
		#[command(flatten)]
		pool: PoolArg,
		/// The peer the bundle is for.
		#[arg(long)]
		target: String,
		/// Block hash to prove at (default: the last finalized block).
		#[arg(long)]
		at: Option<String>,
		/// Write the bundle (hex) to this file instead of stdout.
		#[arg(long)]
		out: Option<String>,
	},
	/// Peer: check a bundle against this node's finalized chain and print the pool's terms.
	Verify {
		/// Bundle (hex), a file holding one, or `-` for stdin.
		bundle: String,
		/// The peer's account: the bundle must be made for it.
		#[arg(long)]
		me: String,
		/// The resource the peer serves: the pool must pay for it.
		#[arg(long)]
		resource: String,
		#[command(flatten)]
		limits: LimitsArgs,
		/// Trust this block hash instead of asking the node which block it finalized.
		#[arg(long)]
		trusted: Option<String>,
		/// Record the verified terms in this voucher store, ready for `voucher accept`.
		#[arg(long)]
		store: Option<String>,
	},
}

#[derive(Args)]
struct SettleArgs {
	#[command(flatten)]
	signer: Signer,
	/// Settle the best voucher of this pool from `--store`.
	#[arg(long, requires = "store", required_unless_present = "voucher")]
	pool: Option<PoolId>,
	/// The peer's voucher store.
	#[arg(long)]
	store: Option<String>,
	/// Settle this voucher token instead.
	#[arg(long, conflicts_with_all = ["pool", "store"])]
	voucher: Option<String>,
	/// Tip this much (planck or e.g. `0.01MPT`). Default: the peer policy's tip, zero until the
	/// last blocks of the settlement window, then enough that keeping the settlement out by
	/// stuffing blocks costs more than the pool's collateral and the amount owed.
	#[arg(long)]
	tip: Option<Amount>,
}

#[tokio::main]
async fn main() {
	let cli = match Cli::try_parse() {
		Ok(cli) => cli,
		Err(e) => usage_error(e),
	};
	let code = match run(&cli).await {
		Ok(report) => {
			output::print(&report, cli.json);
			0
		},
		Err(failure) => failure.print(cli.json),
	};
	std::process::exit(code);
}

/// clap's errors, in JSON too when `--json` is among the arguments; help and version exit 0.
fn usage_error(e: clap::Error) -> ! {
	use clap::error::ErrorKind;
	let informational = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
	if informational || !std::env::args().skip(1).any(|a| a == "--json") {
		if informational {
			e.exit();
		}
		let _ = e.print();
		std::process::exit(EXIT_USAGE);
	}
	// clap's message up to its usage lines, on one line: "… not provided: <POOL>".
	let rendered = e.render().to_string();
	let message = rendered
		.lines()
		.take_while(|line| !line.trim().is_empty())
		.map(str::trim)
		.collect::<Vec<_>>()
		.join(" ");
	let message = message.trim_start_matches("error: ");
	println!("{}", json!({ "ok": false, "error": "Usage", "message": message }));
	std::process::exit(EXIT_USAGE);
}

async fn run(cli: &Cli) -> Result<Report, Failure> {
	match &cli.command {
		Command::Pool(cmd) => pool(cli, cmd).await,
		Command::Voucher(cmd) => voucher(cli, cmd).await,
		Command::Handshake(cmd) => handshake(cli, cmd).await,
		Command::Settle(args) => settle(cli, args).await,
		Command::Peer(PeerCmd::Run { store, me, limits }) => peer_run(cli, store, me, limits).await,
		Command::Peer(PeerCmd::Pools { store, me }) => peer_pools(cli, store, me).await,
	}
}

async fn peer_pools(cli: &Cli, store: &str, me: &str) -> Result<Report, Failure> {
	let chain = connect(cli).await?;
	let peer = Peer::open(store, args::account(me)?, chain.genesis_bytes())?;
	let units = &chain.units;
	let pools: Vec<_> = peer
		.pools()
		.iter()
		.map(|(id, e)| {
			json!({
				"pool_id": id,
				"best": e.best_amount().to_string(),
				"settled": e.ledger.settled.to_string(),
				"unsettled": e.best_amount().saturating_sub(e.ledger.settled).to_string(),
				"expiry": e.ledger.pool.expiry,
				"closed": e.ledger.closed,
			})
		})
		.collect();
	let mut report = Report::new(json!({ "pools": pools }));
	for (id, e) in peer.pools() {
		report = report.line(format!(
			"pool {id}: best {}, paid {}{}",
			units.format(e.best_amount()),
			units.format(e.ledger.settled),
			if e.ledger.closed { ", closed" } else { "" }
		));
	}
	if peer.pools().is_empty() {
		report = report.line("no pools".to_string());
	}
	Ok(report)
}

async fn peer_run(cli: &Cli, store: &str, me: &str, limits: &LimitsArgs) -> Result<Report, Failure> {
	use std::io::BufRead;
	let chain = connect(cli).await?;
	let mut peer = Peer::open(store, args::account(me)?, chain.genesis_bytes())?;
	peer.set_limits(limits.limits(&chain)?);
	let (mut accepted, mut refused) = (0u32, 0u32);
	for line in std::io::stdin().lock().lines() {
		let line = line?;
		let token = line.trim();
		if token.is_empty() {
			continue;
		}
		let outcome = match SignedVoucher::from_hex(token) {
			Err(e) => Err(("MalformedVoucher".to_string(), e)),
			// Each voucher on the pool as the node's finalized head shows it now.
			Ok(signed) => match follow(&chain, &mut peer, signed.voucher.pool_id).await {
				Err(e) => Err((e.code().1.to_string(), e.message())),
				Ok(()) => peer.accept_voucher(&signed).map_err(|e| (e.name().to_string(), e.to_string())),
			},
		};
		let units = &chain.units;
		match outcome {
			Ok(a) => {
				accepted += 1;
				if cli.json {
					println!(
						"{}",
						json!({
							"ok": true,
							"pool_id": a.pool_id,
							"amount": a.amount.to_string(),
							"unsettled": a.unsettled.to_string(),
							"cap": a.cap.to_string(),
							"settle_now": a.settle_now.map(|r| format!("{r:?}")),
						})
					);
				} else {
					println!(
						"accepted: pool {} owes {} in all{}",
						a.pool_id,
						units.format(a.amount),
						if a.settle_now.is_some() { " — settle now" } else { "" }
					);
				}
			},
			Err((code, message)) => {
				refused += 1;
				if cli.json {
					println!("{}", json!({ "ok": false, "error": code, "message": message }));
				} else {
					println!("refused: {code}: {message}");
				}
			},
		}
	}
	if refused > 0 {
		return Err(Failure::refused("Refused", format!("{refused} of {} vouchers refused", accepted + refused)));
	}
	Ok(Report::new(json!({ "accepted": accepted })).line(format!("accepted {accepted} vouchers")))
}

/// The peer follows a pool it knows at the node's finalized head ([`peering::follow`]).
async fn follow(chain: &Chain, peer: &mut Peer, pool_id: PoolId) -> Result<(), Failure> {
	peering::follow(chain, peer, pool_id).await.map_err(peer_chain_err)
}

fn peer_chain_err(e: PeerChainError) -> Failure {
	match e {
		PeerChainError::Chain(e) => chain_err(e),
		PeerChainError::Refused(e) => handshake_failure(e),
		PeerChainError::Store(e) => e.into(),
	}
}

/// Chain errors: the chain saying no is a refusal (named by the pallet's error, with what the
/// runtime's metadata says it means), the rest are errors.
fn chain_err(e: ChainError) -> Failure {
	match &e {
		ChainError::Dispatch { docs, .. } => {
			let name = e.dispatch_error().unwrap_or("DispatchError");
			if name == "UnknownPool" {
				return Failure::not_found(name, &e);
			}
			if docs.is_empty() {
				Failure::refused(name, &e)
			} else {
				Failure::refused(name, format!("{e} ({docs})"))
			}
		},
		ChainError::Rejected(_) | ChainError::Dropped(_) => Failure::refused("Rejected", &e),
		_ => Failure::Error(e.into()),
	}
}

async fn connect(cli: &Cli) -> Result<Chain, Failure> {
	Chain::connect(&cli.url).await.map_err(|e| Failure::Error(anyhow::anyhow!("{}: {e}", cli.url)))
}

/// A pool that is not on chain.
fn no_pool(pool: PoolId) -> Failure {
	Failure::not_found("UnknownPool", format!("pool {pool} does not exist"))
}

async fn pool(cli: &Cli, cmd: &PoolCmd) -> Result<Report, Failure> {
	match cmd {
		PoolCmd::Create { signer, resource, deposit, collateral, duration, voucher_signer } => {
			let chain = connect(cli).await?;
			let max = chain.pallet().constants.max_resource_id_len;
			if resource.len() > max as usize {
				return Err(anyhow::anyhow!("resource id too long: {} bytes, at most {max}", resource.len()).into());
			}
			let resource_id = BoundedVec(resource.as_bytes().to_vec());
			let pair = args::pair(&signer.suri)?;
			let voucher_signer = voucher_signer.as_deref().map(args::account).transpose()?;
			let units = &chain.units;
			let deposit = deposit.resolve(units).map_err(anyhow::Error::msg)?;
			let collateral = collateral.resolve(units).map_err(anyhow::Error::msg)?;
			let pool_calls = calls().micropayment_pool();
			let included = match voucher_signer {
				None => {
					let call = pool_calls.create_pool(resource_id, deposit, collateral, *duration);
					chain.submit(&pair, &call, signer.wait()).await
				},
				Some(voucher_signer) => {
					let call = pool_calls.create_pool_with_signer(
						resource_id,
						deposit,
						collateral,
						*duration,
						to_api_account(&voucher_signer),
					);
					chain.submit(&pair, &call, signer.wait()).await
				},
			}
			.map_err(chain_err)?;
			let (pool_id, expiry, voucher_signer) = included
				.find_first::<ev::PoolCreated>()
				.map(|e| (e.pool_id, e.expiry, to_account(&e.signer).to_ss58check()))
				.ok_or_else(|| anyhow::anyhow!("no PoolCreated event"))?;
			Ok(Report::new(json!({
				"pool_id": pool_id,
				"expiry": expiry,
				"signer": voucher_signer,
				"block_hash": included.block_hash,
				"fee": included.fee.to_string(),
			}))
			.line(format!("created pool {pool_id} (expires at block {expiry})"))
			.line(format!("vouchers signed by {voucher_signer}"))
			.line(format!("in block {:?}, fee {}", included.block_hash, units.format(included.fee))))
		},
		PoolCmd::Show { pool, at } => {
			let pool = &pool.id();
			let at = at.as_deref().map(args::hash).transpose()?;
			let chain = connect(cli).await?;
			let units = &chain.units;
			let record = chain.pool(*pool, at).await.map_err(chain_err)?.ok_or_else(|| no_pool(*pool))?;
			let resource = String::from_utf8_lossy(&record.resource_id.0).into_owned();
			let deadline = chain.settle_by(record.expiry);
			Ok(Report::new(json!({
				"pool_id": pool,
				"owner": to_account(&record.owner).to_ss58check(),
				"signer": to_account(&record.signer).to_ss58check(),
				"resource_id": resource,
				"deposit": record.deposit.to_string(),
				"total_deposit": record.total_deposit.to_string(),
				"collateral": record.collateral.to_string(),
				"expiry": record.expiry,
				"settlement_grace": chain.pallet().constants.settlement_grace,
				"settle_by": deadline,
				"payees": record.payees,
				"overdrawn": record.overdrawn,
			}))
			.line(format!("pool {pool}"))
			.line(format!("  owner          {}", to_account(&record.owner).to_ss58check()))
			.line(format!("  signer         {}", to_account(&record.signer).to_ss58check()))
			.line(format!("  resource       {resource}"))
			.line(format!("  deposit        {} left", units.format(record.deposit)))
			.line(format!("  total deposit  {}", units.format(record.total_deposit)))
			.line(format!(
				"  collateral     {}{}",
				units.format(record.collateral),
				if record.overdrawn { " (compensation pot left)" } else { "" }
			))
			.line(format!("  expiry         block {} (no serving, top-up or extension from it)", record.expiry))
			.line(format!(
				"  settle by      block {deadline} (vouchers settle in blocks before it; closes from it)"
			))
			.line(format!("  payees         {}", record.payees))
			.line(format!("  overdrawn      {}", record.overdrawn)))
		},
		PoolCmd::Close { pool, signer } => {
			let pool = &pool.id();
			let pair = args::pair(&signer.suri)?;
			let chain = connect(cli).await?;
			let units = &chain.units;
			let call = calls().micropayment_pool().close_pool(*pool);
			let included = chain.submit(&pair, &call, signer.wait()).await.map_err(chain_err)?;
			let (deposit, collateral, slashed) = included
				.find_first::<ev::PoolClosed>()
				.map(|e| (e.refunded_deposit, e.refunded_collateral, e.slashed))
				.ok_or_else(|| anyhow::anyhow!("no PoolClosed event"))?;
			Ok(Report::new(json!({
				"pool_id": pool,
				"refunded_deposit": deposit.to_string(),
				"refunded_collateral": collateral.to_string(),
				"slashed": slashed.to_string(),
				"block_hash": included.block_hash,
			}))
			.line(format!(
				"closed pool {pool}: refunded {} deposit and {} collateral, slashed {}",
				units.format(deposit),
				units.format(collateral),
				units.format(slashed)
			)))
		},
		PoolCmd::Reap { pool, limit, signer } => {
			let pool = &pool.id();
			let pair = args::pair(&signer.suri)?;
			let chain = connect(cli).await?;
			let call = calls().micropayment_pool().reap_paid(*pool, *limit);
			let included = chain.submit(&pair, &call, signer.wait()).await.map_err(chain_err)?;
			let (removed, remaining) = included
				.find_first::<ev::PaidReaped>()
				.map(|e| (e.removed, e.remaining))
				.ok_or_else(|| anyhow::anyhow!("no PaidReaped event"))?;
			Ok(Report::new(json!({
				"pool_id": pool,
				"removed": removed,
				"remaining": remaining,
				"block_hash": included.block_hash,
				"fee": included.fee.to_string(),
			}))
			.line(format!(
				"reaped {removed} Paid records of pool {pool} and released their storage deposits to their peers{}",
				if remaining { "; more are left: run it again" } else { "; none left" }
			)))
		},
	}
}

fn voucher_json(signed: &SignedVoucher) -> serde_json::Value {
	let v = &signed.voucher;
	json!({
		"token": signed.to_hex(),
		"genesis_hash": format!("0x{}", hex::encode(v.genesis_hash)),
		"pool_id": v.pool_id,
		"target": AccountId::from(v.target).to_ss58check(),
		"amount": v.amount.to_string(),
		"payload": format!("0x{}", hex::encode(v.payload())),
	})
}

async fn voucher(cli: &Cli, cmd: &VoucherCmd) -> Result<Report, Failure> {
	match cmd {
		VoucherCmd::Sign { suri, pool, target, amount: value, genesis, promises, deposit, allow_over_deposit } => {
			let (pair, target) = (args::pair(suri)?, args::account(target)?);
			let pool = pool.id();
			let given = genesis.as_deref().map(args::hash).transpose()?;
			// Offline with `--genesis`, `--deposit` and amounts in planck; the node otherwise,
			// for the genesis hash, the token's decimals or the pool's total deposit.
			let (genesis, amount, deposit) = match (given, value, deposit) {
				(Some(hash), Amount::Planck(planck), Some(Amount::Planck(deposit))) =>
					(hash.0, *planck, *deposit),
				(given, value, deposit) => {
					let chain = connect(cli).await?;
					let amount = value.resolve(&chain.units).map_err(anyhow::Error::msg)?;
					let deposit = match deposit {
						Some(d) => d.resolve(&chain.units).map_err(anyhow::Error::msg)?,
						None =>
							chain
								.pool(pool, None)
								.await
								.map_err(chain_err)?
								.ok_or_else(|| no_pool(pool))?
								.total_deposit,
					};
					(given.map_or(chain.genesis_bytes(), |hash| hash.0), amount, deposit)
				},
			};
			let path = match promises {
				Some(path) => std::path::PathBuf::from(path),
				None => default_promises_path()?,
			};
			let promised = Promises::at(&path, genesis)
				.promise(pool, &target, amount, deposit, *allow_over_deposit)
				.map_err(|e| match e {
					PromiseError::OverDeposit(over) => Failure::refused(
						"ExceedsDeposit",
						format!("{over} (--allow-over-deposit signs it anyway)"),
					),
					other => Failure::Error(other.into()),
				})?;
			let viewer = Viewer::new(pair, genesis, pool);
			let signed = viewer.sign(&target, amount);
			let mut out = voucher_json(&signed);
			out["promised"] = json!(promised.to_string());
			out["deposit"] = json!(deposit.to_string());
			Ok(Report::new(out).line(signed.to_hex()))
		},
		VoucherCmd::Verify { token, owner } => {
			let signed = SignedVoucher::from_hex(&args::read_input(token)?)
				.map_err(|e| Failure::refused("MalformedVoucher", e))?;
			let chain = connect(cli).await?;
			if signed.voucher.genesis_hash != chain.genesis_bytes() {
				return Err(Failure::refused("WrongChain", "voucher is for another chain"));
			}
			let owner = match owner {
				Some(owner) => args::account(owner)?,
				None =>
					chain
						.pool(signed.voucher.pool_id, None)
						.await
						.map_err(chain_err)?
						.ok_or_else(|| no_pool(signed.voucher.pool_id))
						// The pool's voucher signer: its owner, or the session key it named.
						.map(|pool| to_account(&pool.signer))?,
			};
			if !signed.is_signed_by(&owner) {
				return Err(Failure::refused("BadSignature", "signature is not the pool owner's"));
			}
			let mut out = voucher_json(&signed);
			out["owner"] = json!(owner.to_ss58check());
			Ok(Report::new(out).line(format!(
				"valid: pool {} owes {} a total of {}",
				signed.voucher.pool_id,
				AccountId::from(signed.voucher.target).to_ss58check(),
				chain.units.format(signed.voucher.amount)
			)))
		},
		VoucherCmd::Accept { token, store, me, limits } => {
			let signed = SignedVoucher::from_hex(&args::read_input(token)?)
				.map_err(|e| Failure::refused("MalformedVoucher", e))?;
			let chain = connect(cli).await?;
			let mut peer = Peer::open(store, args::account(me)?, chain.genesis_bytes())?;
			peer.set_limits(limits.limits(&chain)?);
			follow(&chain, &mut peer, signed.voucher.pool_id).await?;
			let accepted = peer.accept_voucher(&signed).map_err(voucher_failure)?;
			let units = &chain.units;
			Ok(Report::new(json!({
				"pool_id": accepted.pool_id,
				"amount": accepted.amount.to_string(),
				"increment": accepted.increment.to_string(),
				"unsettled": accepted.unsettled.to_string(),
				"deposit": accepted.relied_on.to_string(),
				"cap": accepted.cap.to_string(),
				"settle_now": accepted.settle_now.map(|r| format!("{r:?}")),
			}))
			.line(format!(
				"accepted: pool {} now owes {} (+{}), unsettled {} (cap {}) of deposit {}{}",
				accepted.pool_id,
				units.format(accepted.amount),
				units.format(accepted.increment),
				units.format(accepted.unsettled),
				units.format(accepted.cap),
				units.format(accepted.relied_on),
				if accepted.settle_now.is_some() { " — settle now" } else { "" }
			)))
		},
	}
}

/// `$XDG_DATA_HOME/mpool/promises.json`, or under `~/.local/share`.
fn default_promises_path() -> Result<std::path::PathBuf, Failure> {
	let data = std::env::var_os("XDG_DATA_HOME")
		.map(std::path::PathBuf::from)
		.or_else(|| std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".local/share")))
		.ok_or_else(|| anyhow::anyhow!("no HOME: give --promises FILE"))?;
	Ok(data.join("mpool").join("promises.json"))
}

/// A refused voucher; one whose pool the store does not know is not found.
fn voucher_failure(e: VoucherError) -> Failure {
	match e {
		VoucherError::UnknownPool(_) => Failure::not_found(e.name(), e),
		VoucherError::Store(_) => Failure::Error(e.into()),
		_ => Failure::refused(e.name(), e),
	}
}

/// A refused bundle; one proving that the pool does not exist is not found, and one whose
/// block this node has not finalized yet may verify later.
fn handshake_failure(e: HandshakeError) -> Failure {
	match e {
		HandshakeError::Policy(micropayment_pool_client::handshake::PolicyError::UnknownPool(_)) =>
			Failure::not_found(e.name(), e),
		HandshakeError::UnfinalizedBlock { .. } => Failure::retry(e.name(), e),
		_ => Failure::refused(e.name(), e),
	}
}

async fn handshake(cli: &Cli, cmd: &HandshakeCmd) -> Result<Report, Failure> {
	match cmd {
		HandshakeCmd::Prove { pool, target, at, out } => {
			let pool = &pool.id();
			let at = at.as_deref().map(args::hash).transpose()?;
			let target = args::account(target)?;
			let chain = connect(cli).await?;
			if chain.pool(*pool, at).await.map_err(chain_err)?.is_none() {
				return Err(no_pool(*pool));
			}
			let bundle = chain.handshake_bundle(*pool, &target, at).await.map_err(chain_err)?;
			let hex = bundle.to_hex();
			let mut report = Report::new(json!({
				"pool_id": pool,
				"block_hash": bundle.block_hash,
				"proof_nodes": bundle.proof.len(),
				"proof_bytes": bundle.proof_size(),
				"bundle_bytes": bundle.to_bytes().len(),
			}));
			match out {
				Some(path) => {
					std::fs::write(path, &hex)?;
					report.json["file"] = json!(path);
					report = report.line(format!(
						"wrote {path}: pool {pool} at block {:?}, proof {} nodes / {} bytes",
						bundle.block_hash,
						bundle.proof.len(),
						bundle.proof_size()
					));
				},
				None => {
					report.json["bundle"] = json!(hex);
					report = report.line(hex);
				},
			}
			Ok(report)
		},
		HandshakeCmd::Verify { bundle, me, resource, limits, trusted, store } => {
			let me = args::account(me)?;
			let trusted = trusted.as_deref().map(args::hash).transpose()?;
			let bundle = HandshakeBundle::from_hex(&args::read_input(bundle)?).map_err(handshake_failure)?;
			let chain = connect(cli).await?;
			let units = &chain.units;
			let limits = limits.limits(&chain)?;
			let mut peer = match store {
				Some(store) => Some(Peer::open(store, me.clone(), chain.genesis_bytes())?),
				None => None,
			};
			let started = std::time::Instant::now();
			let admitted =
				peering::admit(&chain, &bundle, &me, resource.as_bytes(), &limits, trusted, peer.as_mut())
					.await
					.map_err(peer_chain_err)?;
			let elapsed = started.elapsed();
			let Admitted { verified, ledger, head, now } = admitted;
			let terms = &verified.terms;
			let at_head = PoolTerms::of(&ledger, Some(head));
			let mut out = serde_json::to_value(terms)?;
			out["resource"] = json!(String::from_utf8_lossy(&terms.resource_id));
			out["settle_by"] = json!(chain.settle_by(terms.expiry));
			out["verify_ms"] = json!(elapsed.as_secs_f64() * 1e3);
			out["head"] = serde_json::to_value(&at_head)?;
			out["relied_on"] = json!(ledger.relied_on().to_string());
			out["exposure_cap"] = json!(ledger.cap(&limits).to_string());
			out["serving_ends"] = json!(ledger.serving_ends(&limits));
			Ok(Report::new(out)
				.line(format!(
					"valid: pool {} of {} proven at finalized block {}, confirmed at the node's head {now}",
					terms.pool_id,
					terms.owner.to_ss58check(),
					terms.block_number
				))
				.line(format!("  signer       {} (vouchers must carry its signature)", terms.signer.to_ss58check()))
				.line(format!("  resource     {}", String::from_utf8_lossy(&terms.resource_id)))
				.line(format!("  deposit      {} left at the head", units.format(at_head.deposit)))
				.line(format!("  collateral   {} (margin {})", units.format(at_head.collateral), units.format(at_head.margin())))
				.line(format!("  exposure cap {}: settle before more is owed", units.format(ledger.cap(&limits))))
				.line(format!(
					"  expiry       block {}: serve until block {}, then settle",
					terms.expiry,
					ledger.serving_ends(&limits)
				))
				.line(format!(
					"  settle by    block {} (expiry + {} blocks of grace)",
					chain.settle_by(terms.expiry),
					chain.pallet().constants.settlement_grace
				))
				.line(format!("  paid to me   {}", units.format(at_head.paid_to_me)))
				.line(format!("  checked in   {:.2} ms", elapsed.as_secs_f64() * 1e3)))
		},
	}
}

async fn settle(cli: &Cli, args: &SettleArgs) -> Result<Report, Failure> {
	let pair = args::pair(&args.signer.suri)?;
	let chain = connect(cli).await?;
	let units = &chain.units;
	let me: AccountId = pair.public().into();
	let mut peer = match &args.store {
		Some(store) => Some(Peer::open(store, me.clone(), chain.genesis_bytes())?),
		None => None,
	};
	let signed = match (&args.voucher, &peer, args.pool) {
		(Some(token), _, _) => SignedVoucher::from_hex(&args::read_input(token)?)
			.map_err(|e| Failure::refused("MalformedVoucher", e))?,
		(None, Some(peer), Some(pool)) => peer
			.unsettled(pool)
			.ok_or_else(|| Failure::refused("NothingToSettle", format!("no unsettled voucher for pool {pool}")))?,
		// clap requires `--voucher`, or `--pool` with `--store`.
		_ => return Err(anyhow::anyhow!("give --voucher TOKEN, or --pool ID with --store FILE").into()),
	};
	let pool_id = signed.voucher.pool_id;
	let tip = args.tip.as_ref().map(|tip| tip.resolve(units)).transpose().map_err(anyhow::Error::msg)?;
	let settled = chain
		.settle_voucher(&pair, &signed, tip, &Limits::default(), args.signer.wait())
		.await
		.map_err(chain_err)?;
	if let Some(peer) = peer.as_mut().filter(|p| p.pools().contains_key(&pool_id)) {
		peer.mark_settled(pool_id, settled.amount, settled.paid)?;
	}
	let Settlement { amount, paid, fee, tip, overdrawn: short, block_hash, .. } = settled;
	let overdrawn = short.is_some();
	let (shortfall, compensation) = short.unwrap_or_default();
	Ok(Report::new(json!({
		"pool_id": pool_id,
		"amount": amount.to_string(),
		"paid": paid.to_string(),
		"fee": fee.to_string(),
		"tip": tip.to_string(),
		"overdrawn": overdrawn,
		"shortfall": shortfall.to_string(),
		"compensation": compensation.to_string(),
		"block_hash": block_hash,
	}))
	.line(format!(
		"settled pool {pool_id}: paid {} (voucher total {}), fee {}{}{}",
		units.format(paid),
		units.format(amount),
		units.format(fee),
		if tip > 0 { format!(" (tip {})", units.format(tip)) } else { String::new() },
		if overdrawn {
			format!(
				" — pool overdrawn: short {}, of which {} paid from the compensation pot",
				units.format(shortfall),
				units.format(compensation)
			)
		} else {
			String::new()
		}
	)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::CommandFactory;

	#[test]
	fn the_cli_definition_is_consistent() {
		Cli::command().debug_assert();
	}

	#[test]
	fn failures_take_their_codes_from_the_table() {
		use micropayment_pool_client::{handshake::PolicyError, Refusal};
		let cases = [
			(handshake_failure(HandshakeError::UnfinalizedBlock { number: 9, finalized: 7 }), 5, "UnfinalizedBlock"),
			(handshake_failure(PolicyError::UnknownPool(7).into()), 4, "UnknownPool"),
			(handshake_failure(PolicyError::TooOld { block: 1, now: 20, max_age: 10 }.into()), 3, "StaleBundle"),
			(handshake_failure(HandshakeError::WrongTarget), 3, "WrongTarget"),
			(voucher_failure(VoucherError::UnknownPool(7)), 4, "UnknownPool"),
			(voucher_failure(VoucherError::Refused(Refusal::Stale { amount: 1, best: 2 })), 3, "StaleVoucher"),
			(voucher_failure(VoucherError::Refused(Refusal::Exhausted)), 3, "Exhausted"),
			(voucher_failure(VoucherError::Store("x".into())), 1, "Error"),
			(no_pool(7), 4, "UnknownPool"),
		];
		for (failure, exit, name) in cases {
			assert_eq!(failure.code(), (exit, name));
		}
		for exit in 0..=5 {
			assert!(EXIT_CODES.contains(&format!("\n  {exit}  ")), "exit code {exit} is in the table");
		}
	}
}
