//! Build script: compiles the app's Tauri configuration and its capabilities (the
//! barcode-scanner plugin's only in phone and tablet builds).

fn main() {
    // The barcode-scanner plugin exists only in phone and tablet builds, so its capability
    // is only read there; a desktop build would reject the unknown permission.
    let mobile = matches!(std::env::var("CARGO_CFG_TARGET_OS").as_deref(), Ok("android" | "ios"));
    let pattern = if mobile { "./capabilities/**/*.json" } else { "./capabilities/*.json" };
    println!("cargo:rerun-if-changed=capabilities");
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern(pattern))
        .expect("tauri-build failed: check tauri.conf.json and capabilities/");
}
