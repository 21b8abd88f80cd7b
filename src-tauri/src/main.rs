//! The store associate app's executable: hands over to [`store_app::run`].
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    store_app::run();
}
