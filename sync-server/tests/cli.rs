//! The `sync-server` binary as an operator uses it: import files, enrol, serve, revoke.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sync-server"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn import_enrol_serve_and_revoke_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let database = common::Database::fresh();
    let db = database.url.clone();
    let bundle = common::fixture();
    let json = dir.path().join("master.json");
    std::fs::write(&json, serde_json::to_string(&shared::import::ImportBundle { stock: vec![], ..bundle }).unwrap())
        .unwrap();
    let csv = dir.path().join("stock.csv");
    std::fs::write(
        &csv,
        "node_code,sku_code,quality,on_hand,safety\nSTORE-A,SKU-1,sellable,7,1\nWH-1,SKU-2,sellable,40,\n",
    )
    .unwrap();

    let out = bin().args(["--database", &db, "import"]).arg(&json).arg(&csv).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 nodes") && text.contains("2 stock rows"), "{text}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "node_code,sku_code,quality,on_hand,safety\nSTORE-A,SKU-1,sellable,-4,\n").unwrap();
    let out = bin().args(["--database", &db, "import"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.csv:2"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = bin().args(["--database", &db, "enroll", "--store", "STORE-A"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 14 && l.matches('-').count() == 2)
        .expect("a printed code")
        .to_string();
    assert!(text.contains('█') || text.contains('▀'), "a QR code is drawn");

    let out = bin().args(["--database", &db, "enroll", "--store", "WH-1"]).output().unwrap();
    assert!(!out.status.success(), "a warehouse cannot enrol devices");

    let out = bin().args(["--database", &db, "serve"]).env_remove("SYNC_ADMIN_TOKEN").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no admin token"));

    let port = free_port();
    let mut server = bin()
        .args(["--database", &db, "serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("SYNC_ADMIN_TOKEN", common::ADMIN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            server.kill().unwrap();
            panic!("the server did not start listening within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let result = rt.block_on(async {
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let health: serde_json::Value = client.get(format!("{base}/healthz")).send().await?.json().await?;
        assert!(db.starts_with(health["database"].as_str().unwrap()), "{health}");
        let enrolled: serde_json::Value = client
            .post(format!("{base}/api/v1/enroll"))
            .json(&serde_json::json!({"code": code.to_lowercase(), "device_name": "counter", "protocol_version": 1}))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(enrolled["store"]["code"], "STORE-A", "{enrolled}");
        let stock: serde_json::Value = client
            .get(format!("{base}/api/v1/stock?node=STORE-A&sku=SKU-1"))
            .bearer_auth(common::ADMIN)
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(stock[0]["on_hand"], 7);
        assert_eq!(stock[0]["safety"], 1);
        Ok::<_, reqwest::Error>(enrolled["device_id"].as_str().unwrap().to_string())
    });
    server.kill().unwrap();
    server.wait().unwrap();
    let device = result.unwrap();
    let out = bin().args(["--database", &db, "revoke-device", &device]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["--database", &db, "revoke-device", "no-such-device"]).output().unwrap();
    assert!(!out.status.success());
}
