//! The `sync-server` binary as an operator uses it: import files, enrol, serve, revoke.

use crate::common;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sync-server"))
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

    // A file imported from the command line gets the text rules the API applies: a NUL
    // (which PostgreSQL cannot store) is refused naming the field, and nothing is imported.
    let nul = dir.path().join("nul.json");
    let mut styles = common::fixture().styles;
    styles[0].name = "跑鞋\u{0}".into();
    std::fs::write(
        &nul,
        serde_json::to_string(&shared::import::ImportBundle { styles, ..Default::default() }).unwrap(),
    )
    .unwrap();
    let out = bin().args(["--database", &db, "import"]).arg(&nul).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("styles[0].name") && err.contains("control"), "{err}");

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

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = rt.block_on(common::instance(&db));
    let result = rt.block_on(async {
        let client = reqwest::Client::new();
        let base = &server.base;
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
            .bearer_auth(common::ADMIN_TOKEN)
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(stock[0]["on_hand"], 7);
        assert_eq!(stock[0]["safety"], 1);
        Ok::<_, reqwest::Error>(enrolled["device_id"].as_str().unwrap().to_string())
    });
    drop(server);
    let device = result.unwrap();
    let out = bin().args(["--database", &db, "revoke-device", &device]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["--database", &db, "revoke-device", "no-such-device"]).output().unwrap();
    assert!(!out.status.success());
}

/// The files of `/tmp/brand/…` that the README's `sync-server -- import` line names, in order.
fn readme_import_files() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.contains("-p sync-server -- import "))
        .expect("the README shows how to import gen's files");
    line.split_whitespace().filter_map(|w| w.strip_prefix("/tmp/brand/")).map(str::to_string).collect()
}

#[test]
fn what_gen_write_writes_the_import_command_reads_in_the_readme_order() {
    let dir = tempfile::tempdir().unwrap();
    let database = common::Database::fresh();
    let data = gen::generate(&gen::GenConfig { seed: 3, styles: 2, stores: 2, orders: 8 });
    let written = gen::files::write(dir.path(), &data).unwrap();

    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(readme_import_files(), names, "the README imports every file gen writes, in gen's order");

    let out = bin().args(["--database", &database.url, "import"]).args(&written).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "import refused gen's files:\n{stdout}\n{stderr}");
    let b = &data.bundle;
    assert!(stdout.contains(&format!("{} nodes", b.nodes.len())), "{stdout}");
    assert!(stdout.contains(&format!("{} staff", b.staff.len())), "{stdout}");
    assert!(stdout.contains(&format!("{} stock rows", b.stock.len())), "{stdout}");

    let storage = sync_server::storage::open(&database.url).unwrap();
    let counts = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(
        sync_server::service::read(storage.as_ref(), |tx| {
            let mut out = Vec::new();
            for sql in [
                "SELECT COUNT(*) FROM node",
                "SELECT COUNT(*) FROM sku",
                "SELECT COUNT(*) FROM staff WHERE active = 1",
                "SELECT CAST(COALESCE(SUM(on_hand), 0) AS BIGINT) FROM stock_balance",
                "SELECT COUNT(*) FROM orders",
            ] {
                out.push(tx.query_opt(sql, &[])?.unwrap().i64(0)?);
            }
            Ok(out)
        }),
    );
    let on_hand: i64 = b.stock.iter().map(|r| r.on_hand.get()).sum();
    let counts = counts.unwrap();
    assert_eq!(
        counts[..4],
        [b.nodes.len() as i64, b.skus.len() as i64, b.staff.len() as i64, on_hand],
        "nodes, SKUs, active staff and on-hand as generated"
    );
    assert!(counts[4] > 0, "the channel orders were taken: {stdout}");
}
