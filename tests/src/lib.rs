//! End-to-end tests across processes live in `tests/`: a real sync-server process (the
//! `hq` binary of this crate, the same code as `sync-server`), several device engines
//! (`replica`), and faults: killed processes, cut connections, corrupt answers.
