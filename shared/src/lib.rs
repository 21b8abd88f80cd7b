//! Domain types, sync protocol v1 and pure business rules.
//!
//! This crate does no I/O and compiles to `wasm32-unknown-unknown`, so the store app's UI,
//! the device engine and the sync server all speak the same types. Randomness is always
//! passed in by the caller (see [`pickup`]) so the rules stay deterministic and testable.

pub mod admin;
pub mod aisle;
pub mod allocation;
pub mod api_error;
pub mod app;
pub mod approval;
pub mod campaign;
pub mod catalogue;
pub mod clearance;
pub mod courier;
pub mod ean13;
pub mod fulfillment;
pub mod import;
pub mod input;
pub mod money;
pub mod node;
pub mod order;
pub mod pick;
pub mod pickup;
pub mod print;
pub mod promise;
pub mod protocol;
pub mod quantity;
pub mod returns;
pub mod routing;
pub mod routing_explanation;
pub mod rules;
pub mod scan;
pub mod secret;
pub mod staff;
pub mod stock;
pub mod text;

pub use money::Fen;
pub use quantity::{Count, Qty};
