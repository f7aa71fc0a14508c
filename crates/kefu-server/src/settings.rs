//! The server's typed settings. The `kefu` command layers them: defaults → `kefu.toml` →
//! `KEFU_SECTION__KEY` environment variables → flags. Secrets never appear in `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the embedded database (by default) and uploaded files live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/kefu.db`.
    pub database_url: String,
    /// `nats://…` to fan events out across processes; empty means in-process only.
    pub nats_url: String,
    /// The key file that seals phone numbers and secrets in the database (issue #14);
    /// empty means `<data_dir>/kefu.keys`, created on first start. Every process on one
    /// database needs the same file.
    pub key_file: PathBuf,
    pub limits: Limits,
    pub auth: AuthSettings,
    pub http: HttpSettings,
    pub metrics: MetricsSettings,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Sites that may show kefu's pages in a frame (a shop that embeds the chat page), as
    /// CSP `frame-ancestors` sources, e.g. `https://shop.example.com`. Empty: kefu only.
    pub frame_ancestors: Vec<String>,
    /// The header a reverse proxy in front of kefu puts the client's address in
    /// (`X-Forwarded-For`, `X-Real-IP`), for per-address limits and logs; of a list, the last
    /// address (the one the proxy added) counts. Empty: the connection's own address. Set it
    /// only behind a proxy that sets the header, or clients choose their address.
    pub trusted_proxy_header: String,
    /// The address platforms and buyers reach kefu at (`https://kefu.example.com`), for the
    /// callback URLs a channel's console needs (issue #21). Empty: the UI uses its own.
    pub public_url: String,
    /// Lets a channel name its platform API's address (`api_base`), for a local test double
    /// of WeChat. Never in production: a shop admin could then make kefu call any address.
    pub channel_test_doubles: bool,
}

/// Where Prometheus scrapes `/metrics` (issue #15): never open to everyone on the main
/// listener.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// An address of its own for `/metrics` (`127.0.0.1:9187`, a private network's); the main
    /// listener then has no `/metrics`. Empty: served on the main listener, with the token.
    pub listen: String,
    /// With it, `/metrics` asks for `Authorization: Bearer <token>` (on either listener).
    /// Without it and without `listen`, `/metrics` is off.
    pub token: String,
}

impl fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("listen", &self.listen)
            .field("token", &(!self.token.is_empty()).then_some("***"))
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest picture upload, in bytes.
    pub max_image_bytes: usize,
    /// Largest file upload, in bytes.
    pub max_file_bytes: usize,
    /// Messages one WebSocket may send per second, sustained (bursts of twice that pass).
    pub messages_per_second: u32,
    /// Largest JSON request body, in bytes.
    pub max_json_bytes: usize,
    /// Uploads one buyer or agent may make per minute.
    pub uploads_per_minute: u32,
    /// Largest product or order file imported over HTTP, in bytes.
    pub max_import_bytes: usize,
    /// How long a client may take to send a request's headers, in seconds; then the
    /// connection is closed (slow clients must not hold connections forever).
    pub header_read_seconds: u64,
    /// How long a request body may stall between two pieces, in seconds; then the request
    /// fails with 408.
    pub body_read_seconds: u64,
    /// How long a WebSocket message may wait for a client that has stopped reading, in
    /// seconds; then the socket is dropped (its own buffer is all it ever holds, and the
    /// others' fan-out never waits for it).
    pub socket_send_seconds: u64,
    /// Buyer messages that may wait for the robot; past it, buyers go straight to people
    /// (issue #14: a bounded queue, and nobody left waiting behind it).
    pub robot_queue: usize,
    /// Buyer chat sessions one client address may start per minute (issue #15: nobody fills
    /// the database with buyers); bursts of as many pass.
    pub sessions_per_minute_per_ip: u32,
    /// Sign-in and first-run attempts one client address may make per minute.
    pub logins_per_minute_per_ip: u32,
    /// Uploads one client address may make per minute, whoever uploads.
    pub uploads_per_minute_per_ip: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// How long a UI login lasts, in hours.
    pub session_hours: i64,
    /// Failed-or-not login attempts allowed per username per minute.
    pub logins_per_minute: u32,
    /// Mark the session cookie `Secure` (serve behind TLS).
    pub secure_cookies: bool,
    /// Where phone verification codes go (ACC-2): kefu POSTs
    /// `{"phone", "code", "text"}` as JSON to this URL of the shop's SMS gateway. Empty: the
    /// code is written to kefu's log instead (for trying kefu out).
    pub sms_webhook_url: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./kefu-data"),
            database_url: String::new(),
            nats_url: String::new(),
            key_file: PathBuf::new(),
            limits: Limits::default(),
            auth: AuthSettings::default(),
            http: HttpSettings::default(),
            metrics: MetricsSettings::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_image_bytes: 10 * 1024 * 1024,
            max_file_bytes: 20 * 1024 * 1024,
            messages_per_second: 20,
            max_json_bytes: 256 * 1024,
            uploads_per_minute: 30,
            max_import_bytes: 64 * 1024 * 1024,
            header_read_seconds: 30,
            body_read_seconds: 30,
            socket_send_seconds: 20,
            robot_queue: 10_000,
            sessions_per_minute_per_ip: 60,
            logins_per_minute_per_ip: 30,
            uploads_per_minute_per_ip: 120,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            session_hours: 24 * 7,
            logins_per_minute: 10,
            secure_cookies: false,
            sms_webhook_url: String::new(),
        }
    }
}

impl Settings {
    /// The database URL, defaulting to the SQLite file in the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            kefu_store::Store::sqlite_url_in(&self.data_dir)
        } else {
            self.database_url.clone()
        }
    }

    /// The key file, defaulting to `kefu.keys` in the data directory.
    pub fn effective_key_file(&self) -> PathBuf {
        if self.key_file.as_os_str().is_empty() {
            self.data_dir.join("kefu.keys")
        } else {
            self.key_file.clone()
        }
    }

    /// Opens the database with the key file's vault.
    pub async fn open_store(&self) -> anyhow::Result<kefu_store::Store> {
        use anyhow::Context;
        let key_file = self.effective_key_file();
        let vault = kefu_store::Vault::open_file(&key_file)
            .with_context(|| format!("opening the key file {}", key_file.display()))?;
        let url = self.effective_database_url();
        kefu_store::Store::connect(&url, vault)
            .await
            .with_context(|| format!("opening {}", redact_url(&url)))
    }
}

/// Hides the password part of a URL (`postgres://user:secret@host` → `user:***@host`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("nats_url", &redact_url(&self.nats_url))
            .field("key_file", &self.key_file)
            .field("limits", &self.limits)
            .field("auth", &self.auth)
            .field("http", &self.http)
            .field("metrics", &self.metrics)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://kefu:hunter2@db:5432/kefu"),
            "postgres://kefu:***@db:5432/kefu"
        );
        assert_eq!(redact_url("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
        let s = Settings {
            database_url: "postgres://a:secret@h/d".into(),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("secret"));
    }
}
