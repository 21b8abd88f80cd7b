//! The `courier-sim` binary: see `courier_sim::cli`.

fn main() -> std::process::ExitCode {
    match courier_sim::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
