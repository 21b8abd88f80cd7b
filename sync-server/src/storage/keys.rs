//! HQ's signing keys, kept in the database so every instance signs with the same key.

use super::{StorageError, Tx};
use crate::params;

/// The key that signs customers' pickup passes (32 secret bytes). Created from `fresh` the
/// first time anyone asks; every later call, on any instance, gets that same key.
pub fn pickup_pass_key(tx: &mut dyn Tx, fresh: [u8; 32], now_ms: i64) -> Result<[u8; 32], StorageError> {
    let public = shared::secret::to_hex(&shared::pickup::pass_public_key(&fresh));
    tx.exec(
        "INSERT INTO hq_key (name, secret, public, created_ms) VALUES ('pickup_pass', $1, $2, $3)
         ON CONFLICT (name) DO NOTHING",
        params![shared::secret::to_hex(&fresh), public, now_ms],
    )?;
    let r = tx
        .query_opt("SELECT secret FROM hq_key WHERE name = 'pickup_pass'", params![])?
        .ok_or_else(|| StorageError::Decode("no pickup pass key".into()))?;
    shared::secret::from_hex(&r.text(0)?)
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| StorageError::Decode("the stored pickup pass key is not 32 bytes".into()))
}
