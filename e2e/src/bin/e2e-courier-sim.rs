//! The courier simulator as a binary of this crate, so `cargo test -p e2e` builds it and the
//! harness starts it as a real process (`couriers::CourierSim`). Same code as `courier-sim`.

fn main() -> std::process::ExitCode {
    match courier_sim::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
