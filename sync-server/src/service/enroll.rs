//! Device enrollment and authentication.

use super::{random_bytes, text, ErrorKind, ServiceError};
use crate::storage::devices::{self, Device};
use crate::storage::{catalogue, keys, Tx};
use shared::protocol::{EnrollRequest, EnrollResponse, PROTOCOL_VERSION};
use shared::secret::{to_hex, token_digest};
use uuid::Uuid;

/// Enrollment codes are valid this long.
pub const CODE_VALID_HOURS: i64 = 24;
// No 0/O, 1/I: the code is read aloud and typed on a shop floor.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Creates a one-time enrollment code for a store: 12 characters (60 bits), shown once.
pub fn create_code(tx: &mut dyn Tx, store: &str, now: i64) -> Result<String, ServiceError> {
    // Looked up, not stored: an unknown store is 404 below, a control character here.
    text::check("store_code", store, shared::text::Rule::ANY)?;
    let node = catalogue::node(tx, store)?.ok_or_else(|| ServiceError::not_found("store", store))?;
    if !node.kind.is_store() {
        return Err(ServiceError::invalid(
            "not_a_store",
            format!("{store} is a {}; devices enrol at stores", node.kind.as_str()),
        ));
    }
    let raw: String = random_bytes::<12>().iter().map(|b| ALPHABET[(*b & 31) as usize] as char).collect();
    let code = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
    devices::insert_enrollment_code(
        tx,
        &token_digest(&normalise(&code)),
        store,
        now,
        now + CODE_VALID_HOURS * 3_600_000,
    )?;
    Ok(code)
}

/// Exchanges a one-time code for a device token bound to the code's store.
pub fn enroll(tx: &mut dyn Tx, req: &EnrollRequest, now: i64) -> Result<EnrollResponse, ServiceError> {
    if req.protocol_version != PROTOCOL_VERSION {
        return Err(ServiceError::new(
            ErrorKind::BadRequest,
            "unsupported_protocol_version",
            format!(
                "this server speaks sync protocol v{PROTOCOL_VERSION}, the app v{}; update the app",
                req.protocol_version
            ),
        ));
    }
    text::check_as("invalid_device_name", "device_name", &req.device_name, shared::text::DEVICE_NAME)?;
    text::check("code", &req.code, shared::text::Rule::ANY)?;
    let name = req.device_name.trim();
    let device_id = Uuid::now_v7();
    let store =
        devices::consume_enrollment_code(tx, &token_digest(&normalise(&req.code)), &device_id.to_string(), now)?
            .ok_or_else(|| {
                ServiceError::new(
                    ErrorKind::Unauthorized,
                    "invalid_enrollment_code",
                    "this enrollment code is unknown, used or expired; ask HQ for a new one",
                )
            })?;
    let token = to_hex(&random_bytes::<32>());
    devices::insert_device(tx, &device_id.to_string(), &store, name, &token_digest(&token), now)?;
    let store = catalogue::node(tx, &store)?.ok_or_else(|| ServiceError::not_found("store", &store))?;
    let pass_key = keys::pickup_pass_key(tx, random_bytes::<32>(), now)?;
    let hq_public_key = Some(to_hex(&shared::pickup::pass_public_key(&pass_key)));
    Ok(EnrollResponse { device_id, token, store, protocol_version: PROTOCOL_VERSION, hq_public_key })
}

/// The device a bearer token belongs to, if enrolled and not revoked.
pub fn authenticate(tx: &mut dyn Tx, token: &str) -> Result<Device, ServiceError> {
    let device = devices::device_by_token(tx, &token_digest(token))?.ok_or_else(|| {
        ServiceError::new(
            ErrorKind::Unauthorized,
            "invalid_token",
            "this device is not enrolled (unknown token); enrol it with a code from HQ",
        )
    })?;
    if device.revoked_ms.is_some() {
        return Err(ServiceError::new(
            ErrorKind::Unauthorized,
            "device_revoked",
            "HQ revoked this device's access; enrol it again with a new code",
        ));
    }
    Ok(device)
}

/// Enrolled devices, revoked ones included, in enrolment order, optionally of one store.
pub fn devices(tx: &mut dyn Tx, store: Option<&str>) -> Result<Vec<shared::admin::Device>, ServiceError> {
    Ok(devices::devices(tx, store)?)
}

/// Revokes a device's token at once (a lost or stolen tablet); revoking again is harmless.
pub fn revoke(tx: &mut dyn Tx, id: &str, now: i64) -> Result<(), ServiceError> {
    if devices::revoke_device(tx, id, now)? {
        Ok(())
    } else {
        Err(ServiceError::not_found("device", id))
    }
}
