//! `sync-server`: serve the API, enrol devices, import master data, run the demo.

fn main() -> anyhow::Result<()> {
    sync_server::cli::main()
}
