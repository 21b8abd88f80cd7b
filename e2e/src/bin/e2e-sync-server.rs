//! The sync server as a binary of this crate, so the harness can start, kill and restart
//! it as a real process (`server::SyncServer`). Same code as the `sync-server` binary.

fn main() -> std::process::ExitCode {
    match sync_server::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
