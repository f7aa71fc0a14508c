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

/// `kefu ARGS --data-dir DIR` with `stdin` on its standard input.
fn kefu_with_input(args: &[&str], data_dir: &std::path::Path, stdin: &str) -> (i32, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("KEFU_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
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
        .create_tenant(
            TenantKind::Shop,
            "cli-shop",
            "命令行小店",
            "secret",
            |_| vec![],
        )
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

    // Issue #16: a knowledge base, then a chat log teaching it a buyer's question.
    let kb = dir.join("kb.jsonl");
    std::fs::write(
        &kb,
        r#"{"id": "ship", "question": "多久发货", "answer": "现货付款后48小时内发货"}"#,
    )
    .unwrap();
    let (code, out) = kefu(
        &["import", "kb", kb.to_str().unwrap(), "--shop", "cli-shop"],
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    let log = dir.join("log.csv");
    std::fs::write(
        &log,
        "会话ID,发送方,内容\nc1,买家,拍了几天能寄\nc1,客服,亲，现货付款后48小时内发货哦\n",
    )
    .unwrap();
    let (code, out) = kefu(
        &[
            "import",
            "kb-questions",
            log.to_str().unwrap(),
            "--shop",
            "cli-shop",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 buyer questions: 1 added to 1 entries"),
        "{out}"
    );
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

/// Issue #16 (BOT-6): a knowledge base or query file with invalid lines is refused, every
/// problem listed, unless `--skip-invalid`; then the figures say how many were skipped.
#[test]
fn kefu_robot_eval_refuses_invalid_lines_unless_told_to_skip_them() {
    let dir = std::env::temp_dir().join(format!("kefu-eval-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let kb = dir.join("kb.jsonl");
    std::fs::write(
        &kb,
        concat!(
            r#"{"id": "ship", "question": "多久发货", "similar": ["什么时候发货", "几天能发"], "answer": {"text": "48 小时内发货"}}"#,
            "\n",
            r#"{"id": "refund", "question": "怎么退款", "similar": ["能退吗"], "answer": {"text": "订单页申请退款"}}"#,
            "\n",
            r#"{"id": "bad id!", "question": "坏的", "answer": {"text": "x"}}"#,
            "\n",
            "not json\n",
        ),
    )
    .unwrap();
    let queries = dir.join("queries.jsonl");
    std::fs::write(
        &queries,
        concat!(
            r#"{"text": "几天发货", "expect": "ship"}"#,
            "\n",
            r#"{"text": "我要退款", "expect": "refund"}"#,
            "\n",
        ),
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kefu"))
            .args(["robot", "eval", "--kb"])
            .arg(&kb)
            .arg("--queries")
            .arg(&queries)
            .args(extra)
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap()
    };
    let refused = eval(&[]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("kb.jsonl:3: invalid_kb_id"), "{said}");
    assert!(said.contains("kb.jsonl:4:"), "every problem listed: {said}");
    assert!(said.contains("2 invalid lines"), "{said}");
    assert!(refused.stdout.is_empty(), "no figures for a refused file");

    let skipped = eval(&["--skip-invalid"]);
    assert!(skipped.status.success(), "{skipped:?}");
    let stdout = String::from_utf8(skipped.stdout).unwrap();
    let figures: serde_json::Value =
        serde_json::from_str(stdout.trim_end().lines().last().unwrap()).unwrap();
    assert_eq!(figures["skipped_entries"], 2, "{figures}");
    assert_eq!(figures["skipped_queries"], 0, "{figures}");
    assert_eq!(figures["queries"], 2, "{figures}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue #15: a server set up from the command line alone: a shop, its super admin and a
/// password reset, each refused clearly when wrong, each in the audit log as the command
/// line's, and the new password the one that signs in.
#[tokio::test]
async fn kefu_shop_and_user_commands_set_a_server_up_from_nothing() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{}", uuid::Uuid::new_v4()));
    let (code, out) = kefu(&["shop", "list"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no shops yet"), "{out}");

    let (code, out) = kefu(
        &["shop", "create", "--slug", "my-shop", "--name", "我的小店"],
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("created shop `my-shop`"), "{out}");
    let (code, out) = kefu(
        &["shop", "create", "--slug", "my-shop", "--name", "又一个"],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tenant_slug_taken"), "{out}");
    let (code, out) = kefu(
        &["shop", "create", "--slug", "Bad Slug!", "--name", "x"],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid_slug"), "{out}");
    let (code, out) = kefu(
        &[
            "shop",
            "create",
            "--slug",
            "official",
            "--name",
            "官方客服",
            "--platform",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}");

    let add = [
        "user",
        "add",
        "--shop",
        "my-shop",
        "--username",
        "boss",
        "--role",
        "super_admin",
    ];
    let (code, out) = kefu(&add, &dir);
    assert_eq!(code, 1, "the password comes only on standard input: {out}");
    assert!(out.contains("--password-stdin"), "{out}");
    let with_stdin = [&add[..], &["--password-stdin"]].concat();
    let (code, out) = kefu_with_input(&with_stdin, &dir, "short\n");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("weak_password"), "{out}");
    let (code, out) = kefu_with_input(
        &[&with_stdin[..], &["--phone", "138 0013 8000"]].concat(),
        &dir,
        "first-password-1\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("added boss"), "{out}");
    let (code, out) = kefu_with_input(
        &[
            "user",
            "add",
            "--shop",
            "my-shop",
            "--username",
            "x",
            "--role",
            "boss",
            "--password-stdin",
        ],
        &dir,
        "whatever-1\n",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown role `boss`"), "{out}");
    let (code, out) = kefu_with_input(
        &[
            "user",
            "add",
            "--shop",
            "nowhere",
            "--username",
            "x",
            "--role",
            "agent",
            "--password-stdin",
        ],
        &dir,
        "whatever-1\n",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no shop `nowhere`"), "{out}");

    let (code, out) = kefu(&["user", "list", "--shop", "my-shop"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("boss") && out.contains("super_admin"), "{out}");
    assert!(
        out.contains("138****8000") && !out.contains("13800138000"),
        "{out}"
    );
    let (code, out) = kefu(&["shop", "list"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("my-shop") && out.contains("1 accounts"),
        "{out}"
    );

    let (code, out) = kefu_with_input(
        &[
            "user",
            "reset-password",
            "--shop",
            "my-shop",
            "--username",
            "boss",
            "--password-stdin",
        ],
        &dir,
        "second-password-2\n",
    );
    assert_eq!(code, 0, "{out}");

    let vault = Vault::open_file(&dir.join("kefu.keys")).unwrap();
    let store = Store::connect(&Store::sqlite_url_in(&dir), vault)
        .await
        .unwrap();
    let (user, hash) = store.user_for_login("boss").await.unwrap().unwrap();
    assert!(kefu_server::auth::verify_password("second-password-2".into(), hash.clone()).await);
    assert!(!kefu_server::auth::verify_password("first-password-1".into(), hash).await);
    let entries: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, actor_name FROM audit_log WHERE tenant_id = $1 ORDER BY seq",
    )
    .bind(user.tenant_id.to_string())
    .fetch_all(
        &sqlx::SqlitePool::connect(&Store::sqlite_url_in(&dir))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let actions: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["tenant.create", "account.create", "account.password_reset"]
    );
    assert!(
        entries.iter().all(|(_, actor)| actor == "命令行"),
        "{entries:?}"
    );
    store.close().await;
    let (code, out) = kefu(&["audit", "verify"], &dir);
    assert_eq!(code, 0, "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Issue #21 (CH-3): `kefu channel add` connects each kind with its own settings and prints
/// what the platform's console needs; `kefu channel list` shows them with their health.
#[test]
fn kefu_channel_add_prints_the_callback_and_list_shows_the_channels() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-{}", uuid::Uuid::new_v4()));
    let (code, out) = kefu(&["shop", "create", "--slug", "tea", "--name", "茶"], &dir);
    assert_eq!(code, 0, "{out}");
    let public = ["--public-url", "https://kefu.example"];
    let (code, out) = kefu(
        &[
            &["channel", "add", "douyin", "--shop", "tea"][..],
            &["--client-key", "awcli01", "--client-secret", "s3"],
            &public,
        ]
        .concat(),
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("connected douyin"), "{out}");
    assert!(
        out.contains("callback URL: https://kefu.example/hooks/douyin/"),
        "{out}"
    );
    assert!(
        out.contains("/oauth as the grant's redirect address"),
        "{out}"
    );
    assert!(!out.contains("token:"), "Douyin has no token: {out}");
    let (code, out) = kefu(
        &[
            &["channel", "add", "wecom-kf", "--shop", "tea"][..],
            &["--corp-id", "wwcli01", "--secret", "s", "--token", "T1"],
            &["--aes-key", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"],
            &public,
        ]
        .concat(),
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("/hooks/wecom-kf/"), "{out}");
    assert!(out.contains("token:        T1"), "{out}");
    // The same application again, or a kind not built yet: refused with the code.
    let (code, out) = kefu(
        &[
            "channel",
            "add",
            "douyin",
            "--shop",
            "tea",
            "--client-key",
            "awcli01",
            "--client-secret",
            "s3",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("channel_exists"), "{out}");
    // Email without its servers, and a kind kefu does not know, are refused.
    let (code, out) = kefu(
        &[
            "channel",
            "add",
            "email",
            "--shop",
            "tea",
            "--address",
            "support@tea.example",
            "--password",
            "s",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid_channel"), "{out}");
    let (code, out) = kefu(&["channel", "add", "fax", "--shop", "tea"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("channel_kind_unsupported"), "{out}");
    // CH-4: a phone line prints its push address and how to authenticate.
    let (code, out) = kefu(
        &[
            &[
                "channel",
                "add",
                "phone",
                "--shop",
                "tea",
                "--number",
                "400-800-1234",
            ][..],
            &[
                "--password",
                "cli-line-password-1",
                "--hours",
                "08:30-22:00",
            ],
            &public,
        ]
        .concat(),
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("/hooks/phone/"), "{out}");
    assert!(out.contains("password:     cli-line-password-1"), "{out}");
    let (code, out) = kefu(
        &[
            &["channel", "add", "widget", "--shop", "tea"][..],
            &["--origin", "https://tea.example.com", "--color", "#0f766e"],
            &public,
        ]
        .concat(),
        &dir,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("<script src=\"https://kefu.example/widget/")
            && out.contains(".js\" async></script>"),
        "{out}"
    );
    let (code, out) = kefu(&["channel", "list", "--shop", "tea"], &dir);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("douyin") && out.contains("awcli01"), "{out}");
    assert!(out.contains("wecom_kf") && out.contains("wwcli01"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
