//! The sync server as a process of this crate, so tests can start, kill and restart it.

fn main() -> anyhow::Result<()> {
    sync_server::cli::main()
}
