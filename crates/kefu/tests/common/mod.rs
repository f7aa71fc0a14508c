//! What the `kefu` binary's process tests share: starting it and reading the address it
//! printed.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Every buyer in these tests comes from 127.0.0.1: lift the per-address limits (issue #15).
pub const ONE_ADDRESS: [(&str, &str); 3] = [
    ("KEFU_LIMITS__SESSIONS_PER_MINUTE_PER_IP", "100000000"),
    ("KEFU_LIMITS__LOGINS_PER_MINUTE_PER_IP", "100000000"),
    ("KEFU_LIMITS__UPLOADS_PER_MINUTE_PER_IP", "100000000"),
];

/// `kefu ARGS --listen 127.0.0.1:0 --data-dir DIR`, quiet, with the limits lifted.
pub fn kefu(args: &[&str], data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kefu"));
    command
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("KEFU_LOG", "warn")
        .envs(ONE_ADDRESS)
        .kill_on_drop(true);
    command
}

/// Spawns `command` and returns it with the address it printed ("… is running at http://…");
/// its stdout is drained from then on, so it never blocks on a full pipe.
pub async fn listening(mut command: Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("is running at http://").nth(1) {
                return rest.trim().to_owned();
            }
        }
        panic!("kefu exited before it listened");
    })
    .await
    .unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}
