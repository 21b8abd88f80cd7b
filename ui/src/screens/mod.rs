//! One module per screen.

pub mod enroll;
pub mod handover;
pub mod home;
pub mod inbox;
pub mod login;
pub mod order;
pub mod orders;
pub mod pack;
pub mod pick;
pub mod settings;
