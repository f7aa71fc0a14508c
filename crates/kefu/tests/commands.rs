//! The data commands as an operator runs them: `kefu import` (report, exit code, idempotence)
//! and `kefu audit verify` (intact, then tampered underneath).

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use std::process::Command;

use kefu_domain::account::TenantKind;
use kefu_store::{NewAudit, Store, Vault};

fn kefu(args: &[&str], data_dir: &std::path::Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("KEFU_LOG", "warn")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

async fn shop(dir: &std::path::Path) -> (Store, uuid::Uuid) {
    std::fs::create_dir_all(dir).unwrap();
    let vault = Vault::open_file(&dir.join("kefu.keys")).unwrap();
    let store = Store::connect(&Store::sqlite_url_in(dir), vault)
        .await
        .unwrap();
    let tenant = store
        .create_tenant(TenantKind::Shop, "cli-shop", "命令行小店", "secret")
        .await
        .unwrap();
    (store, tenant.id)
}

#[tokio::test]
async fn kefu_import_reports_refused_lines_and_repeats_idempotently() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{}", uuid::Uuid::new_v4()));
    let (store, _) = shop(&dir).await;
    store.close().await;
    let file = dir.join("orders.csv");
    std::fs::write(
        &file,
        "order_no,buyer_id,placed_at,payment_status,shipping_status,product_code,sku_code,item_title,quantity,unit_price\n\
         C1,m1,2026-11-20 10:00,paid,delivered,P,P-1,茶,1,10\n\
         C2,m2,someday,paid,delivered,P,P-1,茶,1,10\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, out) = kefu(&["import", "orders", path, "--shop", "cli-shop"], &dir);
    assert_eq!(code, 2, "some rows were refused: {out}");
    assert!(out.contains("1 records accepted (1 new"), "{out}");
    assert!(out.contains("line 3: bad_time"), "{out}");
    let (_, again) = kefu(&["import", "orders", path, "--shop", "cli-shop"], &dir);
    assert!(again.contains("(0 new, 0 updated, 1 unchanged)"), "{again}");
    let (code, out) = kefu(&["import", "orders", path, "--shop", "nope"], &dir);
    assert_ne!(code, 0);
    assert!(out.contains("no shop `nope`"), "{out}");
}

#[tokio::test]
async fn kefu_audit_verify_passes_an_intact_log_and_fails_a_tampered_one() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{}", uuid::Uuid::new_v4()));
    let (store, tenant) = shop(&dir).await;
    for n in 0..5 {
        store
            .append_audit(&NewAudit {
                tenant_id: tenant,
                actor_id: None,
                actor_name: "店铺管理员".to_owned(),
                action: "refund.request".to_owned(),
                target: format!("order:T{n}"),
                detail: serde_json::json!({ "amount_fen": 100 * n }),
            })
            .await
            .unwrap();
    }
    store.close().await;
    let (code, out) = kefu(&["audit", "verify"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact: 5 entries checked"), "{out}");

    let db = sqlx::SqlitePool::connect(&Store::sqlite_url_in(&dir))
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET detail = '{\"amount_fen\":1}' WHERE seq = 3")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let (code, out) = kefu(&["audit", "verify"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("audit log BROKEN in cli-shop at entry 3"),
        "{out}"
    );
}

/// Issue #14: `kefu keys` lists what each key seals, rotates (reseals under a new key) and
/// retires a key nothing uses; the database file never holds a phone number in clear, and
/// `kefu` refuses a key file that does not open it.
#[tokio::test]
async fn kefu_keys_rotate_and_retire_and_the_database_holds_no_phone_in_clear() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{}", uuid::Uuid::new_v4()));
    let (store, tenant) = shop(&dir).await;
    store
        .create_user(
            &kefu_store::NewUser {
                tenant_id: tenant,
                username: "keys-agent",
                display_name: "客服",
                password_hash: "hash",
                role: kefu_domain::role::Role::Agent,
                team: None,
                phone: Some("13812345678"),
                probation_until: None,
                created_by: None,
            },
            |_| vec![],
        )
        .await
        .unwrap();
    store.close().await;
    let (code, out) = kefu(&["keys", "status"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("seals and opens"), "{out}");
    assert!(out.contains("users.phone 1"), "{out}");
    let old = out
        .lines()
        .find(|l| l.contains("seals and opens"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();

    let (code, out) = kefu(&["keys", "rotate"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("`kefu keys retire {old}`")), "{out}");
    let (code, out) = kefu(&["keys", "retire", &old], &dir);
    assert_eq!(code, 0, "{out}");
    let (code, out) = kefu(&["keys", "status"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(&old), "{out}");
    let new = out
        .lines()
        .find(|l| l.contains("seals and opens"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let (code, out) = kefu(&["keys", "retire", &new], &dir);
    assert_eq!(code, 1, "the sealing key stays: {out}");
    assert!(out.contains("rotate first"), "{out}");

    for file in ["kefu.db", "kefu.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            let clear = bytes.windows(11).any(|w| w == b"13812345678");
            assert!(!clear, "{file} holds the phone number in clear");
        }
    }

    let other = dir.join("other.keys");
    let (code, out) = kefu(
        &["keys", "status", "--key-file", other.to_str().unwrap()],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("sealed with key {new}")), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// BOT-6: `kefu robot eval` on the project's own evaluation set: a report, and as the last
/// line of stdout the figures the release process reads. `kefu robot ask` explains one.
#[test]
fn kefu_robot_eval_prints_the_figures_last_and_ask_explains() {
    let eval = concat!(env!("CARGO_MANIFEST_DIR"), "/../kefu-robot/eval");
    let output = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["robot", "eval", "--now", "2026-11-20T00:00:00Z"])
        .args(["--kb", &format!("{eval}/kb.jsonl")])
        .args(["--lexicon", &format!("{eval}/lexicon.json")])
        .args(["--queries", &format!("{eval}/queries-dev.jsonl")])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("hand-off recall"), "{stdout}");
    let figures: serde_json::Value =
        serde_json::from_str(stdout.trim_end().lines().last().unwrap()).unwrap();
    for key in [
        "queries",
        "top1_accuracy",
        "answered",
        "answer_precision",
        "answer_coverage",
        "handoff_recall",
        "p50_us",
        "p99_us",
        "build_ms",
    ] {
        assert!(figures.get(key).is_some(), "{key} missing: {figures}");
    }
    assert!(figures["queries"].as_u64().unwrap() >= 450);
    // Floors well under today's figures: a regression in matching fails here.
    assert!(
        figures["top1_accuracy"].as_f64().unwrap() > 0.75,
        "{figures}"
    );
    assert!(
        figures["answer_precision"].as_f64().unwrap() > 0.85,
        "{figures}"
    );
    assert!(
        figures["handoff_recall"].as_f64().unwrap() > 0.85,
        "{figures}"
    );

    let asked = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "robot",
            "ask",
            "--kb",
            &format!("{eval}/kb.jsonl"),
            "转人工",
        ])
        .output()
        .unwrap();
    let decision: serde_json::Value = serde_json::from_slice(&asked.stdout).unwrap();
    assert_eq!(decision["action"], "handoff");
    assert_eq!(decision["reason"], "asked_for_human");
}
