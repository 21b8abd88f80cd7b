//! The sync server's integration tests, one test binary: a module per area, each against a
//! real server (in-process, or the `sync-server` binary as a process) over a fresh database
//! on the backend `SYNC_TEST_BACKEND` names (`sqlite`, the default, or `postgres`). The
//! `pg_scale_out` tests always need PostgreSQL (`--skip pg_scale_out` leaves them out).
// A test fails by panicking, so its helpers unwrap as its `#[test]` functions may
// (clippy.toml allows that only inside them); and what talks to a real server or device
// reads the wall clock where only "about now" matters.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

mod abandoned_reads;
mod aisle;
mod allocation;
mod approvals_and_passes;
mod bad_input;
mod business_rules;
mod campaigns;
mod cli;
mod courier;
mod events;
mod framework_errors;
mod ledger_props;
mod notifications;
mod openapi;
mod pg_scale_out;
mod pin_policy;
mod pull_cursor;
mod push_races;
mod rate_limits;
mod reservations;
mod resolutions;
mod returns;
mod routing;
mod slow_clients;
mod staff_moves;
mod stock_arithmetic;
mod stock_facts;
mod store_lease;
mod sync_flow;
mod text_input;
