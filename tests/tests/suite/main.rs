//! End-to-end tests across processes, one test binary: a real sync-server process (this
//! crate's `hq` binary), device engines in their own directories and as processes (the
//! `device` binary), and faults: killed processes, cut connections, corrupt answers.
// A test fails by panicking, so its helpers unwrap as its `#[test]` functions may
// (clippy.toml allows that only inside them); and what talks to a real server or device
// reads the wall clock where only "about now" matters.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

mod devices;
mod faults;
mod inbox;
mod refused_ops;
mod restore;
mod staff;
