//! One module per screen, and what they share ([`common`]). A screen uses `common` and the
//! modules below (components, state, ipc, i18n), never another screen or the app root.

pub mod aisle;
pub mod aisle_orders;
pub mod booking;
pub mod common;
pub mod courier_handover;
pub mod enroll;
pub mod handover;
pub mod home;
pub mod inbox;
pub mod login;
pub mod order;
pub mod orders;
pub mod pack;
pub mod parcels;
pub mod pick;
// --- print ---
pub mod print;
pub mod return_receipt;
pub mod returns;
pub mod settings;
pub mod ship;
