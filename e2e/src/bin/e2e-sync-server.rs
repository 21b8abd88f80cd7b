//! The sync server as a binary of this crate, so the harness can start, kill and restart
//! it as a real process (`server::SyncServer`). Same code as the `sync-server` binary.
//!
//! One addition for the harness: when a `couriers.toml` lies beside the SQLite database
//! (`--database sqlite://DIR/hq.sqlite`), the server reads it as its courier file
//! (`COURIERS_FILE`), so a scenario's server talks to its courier simulator and keeps doing
//! so across restarts (the harness starts the process with fixed arguments).

fn main() -> std::process::ExitCode {
    if std::env::var_os("COURIERS_FILE").is_none() {
        if let Some(file) = couriers_beside_database() {
            // Before any thread exists: nothing else reads the environment yet.
            std::env::set_var("COURIERS_FILE", file);
        }
    }
    match sync_server::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `DIR/couriers.toml` for `--database sqlite://DIR/…`, if that file exists.
fn couriers_beside_database() -> Option<std::path::PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    let database = args.iter().position(|a| a == "--database").and_then(|i| args.get(i + 1))?;
    let path = std::path::Path::new(database.strip_prefix("sqlite://")?);
    let file = path.parent()?.join(e2e::server::COURIERS_FILE_NAME);
    file.is_file().then_some(file)
}
