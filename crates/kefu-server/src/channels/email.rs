//! Email (issue #21, CHANNELS.md §7): one address per channel. In: a watcher per channel
//! holds an IMAP session on the inbox (RFC 3501), reads what came after the kept cursor
//! (`UIDVALIDITY:UID` in `channel_cursors`, moved by compare and set) and waits in IDLE
//! (RFC 2177) for more; each buyer's mail (`kefu_channels::email`: charsets, encoded words,
//! the quoted history folded, attachments) enters through `desk::inbound` as the buyer
//! `{address}` into the conversation it answers (kefu's reply address or `Message-ID`s) or
//! their current one, once per `Message-ID`. Out: a reply leaves by SMTP (RFC 5321) from the
//! channel's address, with `Reply-To: local+{conversation}@domain`, a `Message-ID` naming
//! the conversation, and `In-Reply-To`/`References` to the buyer's last mail, so the buyer's
//! client threads it and their answer comes back to the same conversation. Automatic answers
//! (out of office, bounces, lists) are read past: two robots never write to each other.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use futures::TryStreamExt;
use kefu_channels::email::{self as wire, Inbound};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::{Message, MessageKind};
use kefu_domain::profile::BuyerKey;
use kefu_domain::time::now_ms;
use kefu_store::{ChannelRow, Delivery};
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::wx_api::note_error;
use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::deliveries::Outcome;
use crate::desk::inbound::SendMessage;
use crate::error::ApiError;

/// The mailbox kefu reads.
const INBOX: &str = "INBOX";
/// The cursor's scope: `{UIDVALIDITY}:{last UID read}`.
const CURSOR: &str = "inbox";
/// Where the thread of a conversation is kept: the subject and the buyer's last mail's ids.
const THREAD_SCOPE: &str = "thread/";
/// An IDLE is renewed this often (servers drop it after 30 minutes).
const IDLE_FOR: Duration = Duration::from_secs(20 * 60);
/// How often a mailbox without IDLE is read.
const POLL_EVERY: Duration = Duration::from_secs(60);
/// Connecting, logging in, a command: each at most this long.
const STEP: Duration = Duration::from_secs(30);
/// The most mails read in one pass; the rest on the next.
const PASS: usize = 100;
/// The largest mail kefu reads whole (a bigger one enters as its subject and a note).
const MAX_MAIL_BYTES: usize = 25 * 1024 * 1024;
/// A mail that failed this many times for a passing reason is passed (noted).
const GIVE_UP: u32 = 3;
/// The longest text message (`kefu_domain::message`'s limit).
const MAX_TEXT_CHARS: usize = kefu_domain::message::MAX_TEXT_CHARS;

/// The mail servers' security: TLS from the start (IMAP 993, SMTP 465), STARTTLS (SMTP 587),
/// or none (only a test double's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Tls,
    StartTls,
    Plain,
}

impl Security {
    fn parse(s: &str) -> Option<Security> {
        match s {
            "" | "tls" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "plain" => Some(Security::Plain),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::Plain => "plain",
        }
    }
}

/// An email channel's servers, as the settings page and `kefu channel add email` give them.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(as = EmailServers)]
pub struct Servers {
    pub imap_host: String,
    /// 993 when absent.
    #[serde(default)]
    pub imap_port: Option<u16>,
    pub smtp_host: String,
    /// 465 when absent (587 with `starttls`).
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// The login at both; the address when absent.
    #[serde(default)]
    pub username: Option<String>,
    /// `tls` (the default), `starttls` (SMTP), or `plain` (only a test double's).
    #[serde(default)]
    pub security: Option<String>,
}

fn host_ok(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// Checks an email channel to connect: its address, the IMAP and SMTP servers, the login
/// and its password (for QQ and 163 mail, the 授权码).
pub fn check(input: &ChannelInput, test_doubles: bool) -> Result<Checked, ApiError> {
    let bad = |why: &str| ApiError::new(ErrorCode::InvalidChannel, why.to_owned());
    let address = input.app_id.trim().to_lowercase();
    let valid = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && local.len() <= 64
            && !local.contains('+')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && host_ok(domain)
            && domain.contains('.')
    });
    if !valid {
        return Err(bad("the address is one mailbox, e.g. support@shop.example"));
    }
    let servers = input
        .email
        .clone()
        .ok_or_else(|| bad("the IMAP and SMTP servers are required"))?;
    let imap = servers.imap_host.trim().to_lowercase();
    let smtp = servers.smtp_host.trim().to_lowercase();
    if !host_ok(&imap) || !host_ok(&smtp) {
        return Err(bad("the IMAP and SMTP servers are host names"));
    }
    let security = Security::parse(servers.security.as_deref().unwrap_or_default().trim())
        .ok_or_else(|| bad("security is tls or starttls"))?;
    if security == Security::Plain && !test_doubles {
        return Err(bad("security is tls or starttls"));
    }
    // `kefu channel add email --password …` gives it as the token.
    let password = match input.app_secret.trim() {
        "" => input.token.trim(),
        secret => secret,
    };
    if password.is_empty() || password.len() > 256 {
        return Err(bad(
            "the password (or the mail service's 授权码) is required",
        ));
    }
    let username = servers
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(&address)
        .to_owned();
    let smtp_default = match security {
        Security::StartTls => 587,
        _ => 465,
    };
    Ok(Checked {
        public_id: address,
        settings: json!({
            "mode": security.as_str(),
            "imap_host": imap, "imap_port": servers.imap_port.unwrap_or(993),
            "smtp_host": smtp, "smtp_port": servers.smtp_port.unwrap_or(smtp_default),
            "username": username,
        }),
        secrets: json!({"password": password}),
    })
}

/// The channel's servers and login as the settings page shows them (no password).
pub fn servers(channel: &ChannelRow) -> Servers {
    let security = security(channel);
    Servers {
        imap_host: setting(channel, "imap_host").to_owned(),
        imap_port: Some(port(channel, "imap_port", 993)),
        smtp_host: setting(channel, "smtp_host").to_owned(),
        smtp_port: Some(port(channel, "smtp_port", 465)),
        username: Some(setting(channel, "username").to_owned()),
        security: Some(security.as_str().to_owned()),
    }
}

fn setting<'a>(channel: &'a ChannelRow, key: &str) -> &'a str {
    channel.settings[key].as_str().unwrap_or_default()
}

fn port(channel: &ChannelRow, key: &str, default: u16) -> u16 {
    channel.settings[key]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(default)
}

fn security(channel: &ChannelRow) -> Security {
    Security::parse(setting(channel, "mode")).unwrap_or(Security::Tls)
}

fn password(channel: &ChannelRow) -> &str {
    channel.secrets["password"].as_str().unwrap_or_default()
}

/// A buyer's id on this channel: the channel's address and theirs.
pub fn buyer_id(channel_address: &str, address: &str) -> String {
    format!("{channel_address}/{address}")
}

/// The channel's address and the buyer's of a buyer's id.
pub fn split_buyer_id(external_id: &str) -> Option<(&str, &str)> {
    external_id.split_once('/')
}

/// The watchers running in this process, by channel, and the mails that failed to enter.
#[derive(Default, Clone)]
pub struct Watchers(
    Arc<Mutex<HashMap<Uuid, tokio::task::JoinHandle<()>>>>,
    Arc<Mutex<HashMap<(Uuid, u32), u32>>>,
);

impl Watchers {
    /// Counts a failure of the mail `uid`; how many it has had (a few kept at most).
    async fn failed(&self, channel: Uuid, uid: u32) -> u32 {
        let mut failures = self.1.lock().await;
        if failures.len() > 1_024 {
            failures.clear();
        }
        let tries = failures.entry((channel, uid)).or_insert(0);
        *tries += 1;
        *tries
    }
}

/// Starts the watchers of every email channel that has none running (the jobs' leader, once
/// a minute; a watcher ends on an error, to be started again here).
pub async fn sweep(state: &AppState) {
    let cursors = match state.store.channel_cursors(Kind::Email.as_str()).await {
        Ok(cursors) => cursors,
        Err(error) => {
            tracing::warn!(%error, "could not list the mailboxes to watch");
            return;
        }
    };
    for (channel_id, scope) in cursors {
        if scope == CURSOR {
            watch(state, channel_id).await;
        }
    }
}

/// Starts watching the channel's inbox in this process, unless a watcher already runs.
pub async fn watch(state: &AppState, channel_id: Uuid) {
    let mut running = state.channel_outbox.watchers.0.lock().await;
    running.retain(|_, task| !task.is_finished());
    if running.contains_key(&channel_id) {
        return;
    }
    let state = state.clone();
    let task = tokio::spawn(async move {
        if let Err(error) = watch_inbox(&state, channel_id).await
            && let Some(channel) = super::callback_channel(&state, channel_id)
                .await
                .ok()
                .flatten()
        {
            note_error(&state, &channel, &format!("the mailbox: {error}")).await;
        }
    });
    running.insert(channel_id, task);
}

/// Starts the channel's watcher again in this process (its servers or password changed);
/// one in another process reconnects when its session ends.
pub async fn rewatch(state: &AppState, channel_id: Uuid) {
    if let Some(running) = state
        .channel_outbox
        .watchers
        .0
        .lock()
        .await
        .remove(&channel_id)
    {
        running.abort();
    }
    watch(state, channel_id).await;
}

/// Marks a new channel for the watchers' sweep (its cursor's row, empty until the first
/// session reads the inbox's state).
pub async fn enlist(store: &kefu_store::Store, channel_id: Uuid) -> Result<(), ApiError> {
    store
        .save_channel_cursor(channel_id, CURSOR, "", "", now_ms())
        .await?;
    Ok(())
}

async fn step<T>(what: &str, f: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(STEP, f)
        .await
        .map_err(|_| format!("{what} took too long"))
}

fn tls_config() -> Arc<tokio_rustls::rustls::ClientConfig> {
    let roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Arc::new(
        tokio_rustls::rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// Refuses a mail server on kefu's own network (loopback, private, link-local), unless the
/// server allows test doubles: a shop's settings must not reach kefu's neighbours.
async fn outside(state: &AppState, host: &str, port: u16) -> Result<(), String> {
    if state.settings.http.channel_test_doubles {
        return Ok(());
    }
    let addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("could not resolve {host}: {e}"))?;
    for address in addresses {
        let inside = match address.ip() {
            std::net::IpAddr::V4(v4) => {
                v4.is_loopback()
                    || v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1])
            }
            std::net::IpAddr::V6(v6) => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || v6
                        .to_ipv4_mapped()
                        .is_some_and(|v4| v4.is_loopback() || v4.is_private())
            }
        };
        if inside {
            return Err(format!("{host} is on kefu's own network"));
        }
    }
    Ok(())
}

/// Watches the inbox until the channel is paused or gone, or an error (the sweep starts it
/// again).
async fn watch_inbox(state: &AppState, channel_id: Uuid) -> Result<(), String> {
    let Some(channel) = super::callback_channel_of(state, channel_id, Kind::Email)
        .await
        .ok()
    else {
        return Ok(());
    };
    if channel.paused {
        return Ok(());
    }
    let host = setting(&channel, "imap_host").to_owned();
    let port = port(&channel, "imap_port", 993);
    outside(state, &host, port).await?;
    let tcp = step("connecting to the IMAP server", async {
        tokio::net::TcpStream::connect((host.as_str(), port)).await
    })
    .await?
    .map_err(|e| format!("could not reach {host}:{port}: {e}"))?;
    match security(&channel) {
        Security::Plain => session(state, channel_id, tcp).await,
        _ => {
            let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|_| format!("{host} is not a host name"))?;
            let tls = step(
                "the IMAP server's TLS",
                tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp),
            )
            .await?
            .map_err(|e| format!("TLS with {host}: {e}"))?;
            session(state, channel_id, tls).await
        }
    }
}

/// How a pass over the inbox ended.
enum Pass {
    /// Everything there was read: wait for more.
    Done,
    /// It stopped at `PASS` mails, or mail came in meanwhile: read again at once.
    More,
    /// Another watcher moved the cursor, or the channel is paused or gone.
    Leave,
}

async fn session<T>(state: &AppState, channel_id: Uuid, stream: T) -> Result<(), String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let Some(channel) = super::callback_channel_of(state, channel_id, Kind::Email)
        .await
        .ok()
    else {
        return Ok(());
    };
    let mut client = async_imap::Client::new(stream);
    step("the IMAP greeting", client.read_response())
        .await?
        .map_err(|e| format!("the IMAP greeting: {e}"))?;
    let mut imap = step(
        "logging in",
        client.login(setting(&channel, "username"), password(&channel)),
    )
    .await?
    .map_err(|(e, _)| format!("the IMAP login was refused: {e}"))?;
    let capabilities = step("asking its capabilities", imap.capabilities())
        .await?
        .map_err(|e| format!("CAPABILITY: {e}"))?;
    let idles = capabilities.has_str("IDLE");
    // Some Chinese mail services (163, 126) refuse a client that does not say who it is
    // (RFC 2971) with "Unsafe Login".
    if capabilities.has_str("ID") {
        let version = env!("CARGO_PKG_VERSION");
        let said = [
            ("name", Some("kefu")),
            ("version", Some(version)),
            ("vendor", Some("kefu")),
        ];
        if let Ok(Err(error)) = step("saying who kefu is", imap.id(said)).await {
            tracing::info!(%error, channel = %channel_id, "the IMAP server refused ID");
        }
    }
    loop {
        match read_new(state, channel_id, &mut imap).await? {
            Pass::Leave => {
                let _ = step("logging out", imap.logout()).await;
                return Ok(());
            }
            Pass::More => continue,
            Pass::Done => {}
        }
        // Mail announced while the pass ran waits in the unsolicited responses: read again.
        let mut announced = false;
        while let Ok(response) = imap.unsolicited_responses.try_recv() {
            announced |= matches!(response, async_imap::types::UnsolicitedResponse::Exists(_));
        }
        if announced {
            continue;
        }
        if !idles {
            tokio::time::sleep(POLL_EVERY).await;
            continue;
        }
        // Mail that came since the pass is announced as IDLE starts, before the server says
        // it idles: it lands with the unsolicited responses, which the session (inside the
        // IDLE) still gets; IDLE is ended at once for it.
        let pending = imap.unsolicited_responses.clone();
        let mut idle = imap.idle();
        step("starting IDLE", idle.init())
            .await?
            .map_err(|e| format!("IDLE: {e}"))?;
        let mut arrived = false;
        while let Ok(response) = pending.try_recv() {
            arrived |= matches!(response, async_imap::types::UnsolicitedResponse::Exists(_));
        }
        let woke = match arrived {
            true => IdleResponse::Timeout,
            false => {
                // A hard limit: keep-alives restart the crate's own timeout, and a pause must
                // be noticed within minutes.
                let (waiting, _stop) = idle.wait_with_timeout(IDLE_FOR);
                tokio::time::timeout(IDLE_FOR, waiting)
                    .await
                    .unwrap_or(Ok(IdleResponse::Timeout))
                    .map_err(|e| format!("IDLE: {e}"))?
            }
        };
        imap = step("ending IDLE", idle.done())
            .await?
            .map_err(|e| format!("IDLE DONE: {e}"))?;
        if woke == IdleResponse::ManualInterrupt {
            return Ok(());
        }
    }
}

/// Reads what came after the cursor: each mail fetched (a big one only by its headers),
/// entered, and the cursor moved past it. A mail that failed for a passing reason (the
/// database, the file store) stops the pass where it is, to be read again; one that can
/// never be entered is noted and passed, and so is one that failed `GIVE_UP` times.
async fn read_new<T>(
    state: &AppState,
    channel_id: Uuid,
    imap: &mut async_imap::Session<T>,
) -> Result<Pass, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let Some(channel) = super::callback_channel_of(state, channel_id, Kind::Email)
        .await
        .ok()
        .filter(|c| !c.paused)
    else {
        return Ok(Pass::Leave);
    };
    let mailbox = step("selecting the inbox", imap.select(INBOX))
        .await?
        .map_err(|e| format!("SELECT {INBOX}: {e}"))?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let kept = state
        .store
        .channel_cursor(channel_id, CURSOR)
        .await
        .map_err(|e| e.to_string())?;
    let last = match kept.split_once(':') {
        Some((v, uid)) if v == validity.to_string() => uid.parse::<u32>().unwrap_or(0),
        // First session: only what comes next. A renumbered mailbox: read it again from the
        // start (mail keeps its Message-ID, so what was entered lands once).
        _ => {
            let from = match kept.is_empty() {
                true => mailbox
                    .uid_next
                    .map_or(mailbox.exists, |next| next.saturating_sub(1)),
                false => 0,
            };
            let next = format!("{validity}:{from}");
            let moved = state
                .store
                .save_channel_cursor(channel_id, CURSOR, &kept, &next, now_ms())
                .await
                .map_err(|e| e.to_string())?;
            if !moved {
                return Ok(Pass::Leave);
            }
            from
        }
    };
    let mut uids: Vec<u32> = step(
        "searching the inbox",
        imap.uid_search(format!("UID {}:*", last.saturating_add(1))),
    )
    .await?
    .map_err(|e| format!("UID SEARCH: {e}"))?
    .into_iter()
    // `UID n:*` names the last mail even when n is past it (RFC 3501).
    .filter(|uid| *uid > last)
    .collect();
    uids.sort_unstable();
    let more = uids.len() > PASS;
    uids.truncate(PASS);
    let mut cursor = format!("{validity}:{last}");
    for uid in uids {
        let key = format!("{validity}:{uid}");
        match read_one(state, &channel, imap, uid, &key).await {
            Ok(()) => {}
            Err(Failure::Never(error)) => {
                note_error(state, &channel, &format!("a mail was not taken: {error}")).await;
            }
            Err(Failure::Passing(error)) => {
                let tries = state.channel_outbox.watchers.failed(channel_id, uid).await;
                if tries < GIVE_UP {
                    return Err(format!("a mail could not be entered yet: {error}"));
                }
                note_error(
                    state,
                    &channel,
                    &format!("a mail was passed after {tries} tries: {error}"),
                )
                .await;
            }
        }
        let moved = state
            .store
            .save_channel_cursor(channel_id, CURSOR, &cursor, &key, now_ms())
            .await
            .map_err(|e| e.to_string())?;
        if !moved {
            // Another watcher read it: leave the inbox to it.
            return Ok(Pass::Leave);
        }
        cursor = key;
    }
    Ok(if more { Pass::More } else { Pass::Done })
}

/// Why a mail was not entered.
enum Failure {
    /// It never will be (unreadable, refused): pass it.
    Never(String),
    /// The database or the file store: try again.
    Passing(String),
}

/// One mail's `query` items.
async fn fetch<T>(
    imap: &mut async_imap::Session<T>,
    uid: u32,
    query: &str,
) -> Result<Vec<async_imap::types::Fetch>, Failure>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    step("fetching a mail", async {
        imap.uid_fetch(uid.to_string(), query)
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await
    .map_err(Failure::Passing)?
    .map_err(|e| Failure::Passing(format!("UID FETCH: {e}")))
}

/// Fetches one mail (by its size first: a big one by its headers only) and enters it.
async fn read_one<T>(
    state: &AppState,
    channel: &ChannelRow,
    imap: &mut async_imap::Session<T>,
    uid: u32,
    key: &str,
) -> Result<(), Failure>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let size = fetch(imap, uid, "(UID RFC822.SIZE)")
        .await?
        .first()
        .and_then(|f| f.size)
        .unwrap_or(0);
    let whole = usize::try_from(size).unwrap_or(usize::MAX) <= MAX_MAIL_BYTES;
    let query = if whole {
        "(UID BODY.PEEK[])"
    } else {
        "(UID BODY.PEEK[HEADER])"
    };
    let fetched = fetch(imap, uid, query).await?;
    let Some(raw) = fetched.iter().find_map(|f| f.body().or_else(|| f.header())) else {
        return Err(Failure::Never("the server sent no mail".into()));
    };
    let note = (!whole).then(|| {
        format!(
            "[邮件过大（{} MB），未收取正文和附件，请到邮箱查看]",
            size / 1_048_576
        )
    });
    take(state, channel, raw, key, note.as_deref())
        .await
        .map_err(|error| match error {
            ApiError::Refused { code, .. } if code.status() < 500 => {
                Failure::Never(error.to_string())
            }
            ApiError::Internal(detail) => Failure::Passing(detail),
            other => Failure::Passing(other.to_string()),
        })
}

/// The digest kefu keys a mail by (its `Message-ID`, else where it lies in the mailbox).
fn dedupe_key(mail: &Inbound, mailbox_key: &str) -> String {
    let id = mail.message_id.as_deref().unwrap_or(mailbox_key);
    super::inbox::client_id("mail", id)
}

/// Enters one raw mail from the inbox (with `note` when only its headers were fetched): its
/// text, then each file as a message of its own, each under its own client id, so a mail
/// entered halfway is finished when it is read again.
async fn take(
    state: &AppState,
    channel: &ChannelRow,
    raw: &[u8],
    mailbox_key: &str,
    note: Option<&str>,
) -> Result<(), ApiError> {
    let Ok(mail) = wire::read(raw) else {
        metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "email").increment(1);
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "a mail kefu cannot read (no sender)",
        ));
    };
    // Automatic answers, and the channel's own mail (a copy of kefu's reply): read past.
    if mail.automatic || mail.from == channel.public_id {
        return Ok(());
    }
    let external_id = buyer_id(&channel.public_id, &mail.from);
    let buyer = super::inbox::buyer(
        state,
        channel,
        &external_id,
        || mail.from_name.clone().unwrap_or_else(|| mail.from.clone()),
        Vec::new,
    )
    .await?;
    // Only a sender the mailbox's server vouched for is who the address says (CH-6): anyone
    // can write any From. Their first vouched-for mail links them.
    if mail.verified {
        crate::desk::profiles::link(
            state,
            &buyer,
            BuyerKey::email(&mail.from).into_iter().collect(),
        )
        .await;
    }
    let key = dedupe_key(&mail, mailbox_key);
    // The conversation it answers, if it is this buyer's; else their current one.
    let answered = match wire::thread_of(&mail, &channel.public_id) {
        Some(id) => state
            .store
            .conversation(channel.tenant_id, id)
            .await?
            .filter(|c| c.buyer_id == buyer.id)
            .map(|c| c.id),
        None => None,
    };
    let current = state
        .store
        .current_conversation(channel.tenant_id, buyer.id)
        .await?;
    let known = answered.or(current.as_ref().map(|c| c.id));
    // Replies (the robot's to this very mail too) name it from now on.
    keep_thread(state, channel, buyer.id, &mail).await?;
    let mut text = wire::line(&mail, known.is_none() || answered.is_none());
    if let Some(note) = note {
        text = format!("{text}\n{note}").trim().to_owned();
    }
    let mut sends = vec![];
    let mut refused = vec![];
    for (i, file) in mail.attachments.iter().enumerate() {
        let client_msg_id = format!("{key}-{i}");
        if state
            .store
            .buyer_sent(channel.tenant_id, buyer.id, &client_msg_id)
            .await?
        {
            continue;
        }
        match crate::files::keep(
            state,
            channel.tenant_id,
            ("buyer", buyer.id),
            &file.name,
            &file.bytes,
        )
        .await
        {
            Ok(kept) => sends.push(SendMessage {
                client_msg_id,
                kind: match kept.content_type.starts_with("image/") {
                    true => MessageKind::Image,
                    false => MessageKind::File,
                },
                body: String::new(),
                attachment_id: Some(kept.id),
            }),
            Err(error @ ApiError::Internal(_)) => return Err(error),
            Err(error) => refused.push(format!("{}（{}）", file.name, error.code().as_str())),
        }
    }
    if mail.more_attachments > 0 {
        refused.push(format!("另有 {} 个附件", mail.more_attachments));
    }
    if !refused.is_empty() {
        text = format!("{text}\n[未保存的附件] {}", refused.join("、"))
            .trim()
            .to_owned();
    }
    let text: String = match text.chars().count() > MAX_TEXT_CHARS {
        true => text.chars().take(MAX_TEXT_CHARS - 8).collect::<String>() + "…（已截断）",
        false => text,
    };
    // A mail of files only has no text message.
    if !text.is_empty()
        && !state
            .store
            .buyer_sent(channel.tenant_id, buyer.id, &key)
            .await?
    {
        sends.insert(
            0,
            SendMessage {
                client_msg_id: key.clone(),
                kind: MessageKind::Text,
                body: text,
                attachment_id: None,
            },
        );
    }
    let mut conversation = known;
    for send in sends {
        let appended = crate::desk::inbound::send_as_buyer(
            state,
            &buyer,
            kefu_domain::channel::Entry::ShopHome,
            conversation,
            send,
        )
        .await?;
        conversation = Some(appended.conversation.id);
    }
    super::seen_in(state, channel.id).await;
    Ok(())
}

/// Keeps what a reply to the buyer must name: the subject of their thread and their last
/// mail with its references (RFC 5322 §3.6.4: the parent's references, then the parent; the
/// first kept when trimmed).
async fn keep_thread(
    state: &AppState,
    channel: &ChannelRow,
    buyer: Uuid,
    mail: &Inbound,
) -> Result<(), ApiError> {
    let scope = format!("{THREAD_SCOPE}{buyer}");
    let kept = state.store.channel_cursor(channel.id, &scope).await?;
    let before: Value = serde_json::from_str(&kept).unwrap_or(Value::Null);
    let mut references: Vec<String> = mail.references.clone();
    if references.is_empty() {
        references.extend(mail.in_reply_to.iter().cloned());
    }
    if let Some(id) = &mail.message_id {
        references.push(id.clone());
    }
    let mut seen = std::collections::HashSet::new();
    references.retain(|id| seen.insert(id.clone()));
    if references.len() > 10 {
        let last = references.split_off(references.len() - 9);
        references.truncate(1);
        references.extend(last);
    }
    let subject = match (mail.subject.is_empty(), before["subject"].as_str()) {
        (true, Some(kept)) => kept.to_owned(),
        _ => mail.subject.clone(),
    };
    let next = json!({
        "subject": subject,
        "in_reply_to": mail.message_id,
        "references": references,
    })
    .to_string();
    state
        .store
        .save_channel_cursor(channel.id, &scope, &kept, &next, now_ms())
        .await?;
    Ok(())
}

/// The delivery's body for a reply in `conversation` to the buyer `external_id`.
pub async fn outgoing(
    state: &AppState,
    channel: &ChannelRow,
    (conversation, buyer): (Uuid, Uuid),
    external_id: &str,
    message: &Message,
) -> Result<Option<Value>, ApiError> {
    let Some((_, to)) = split_buyer_id(external_id) else {
        return Ok(None);
    };
    let thread: Value = serde_json::from_str(
        &state
            .store
            .channel_cursor(channel.id, &format!("{THREAD_SCOPE}{buyer}"))
            .await?,
    )
    .unwrap_or(Value::Null);
    let (text, attachment) = match message.kind {
        MessageKind::Text => (message.body.clone(), None),
        MessageKind::Image | MessageKind::File => {
            (String::new(), message.attachment.as_ref().map(|a| a.id))
        }
        MessageKind::Buttons => (super::wx_api::buttons_text(message)?, None),
        MessageKind::OrderCard | MessageKind::ProductCard => {
            (super::wx_api::card_text(message), None)
        }
        MessageKind::Rating => return Ok(None),
    };
    let domain = channel.public_id.split('@').nth(1).unwrap_or("kefu.local");
    Ok(Some(json!({
        "to": to,
        "subject": wire::reply_subject(thread["subject"].as_str().unwrap_or_default()),
        "text": text,
        "attachment": attachment,
        "message_id": wire::message_id(conversation, message.id, domain),
        "in_reply_to": thread["in_reply_to"],
        "references": thread["references"],
        "reply_to": wire::reply_address(&channel.public_id, conversation),
        // RFC 3834: what no person wrote is marked, so an auto-responder does not answer it.
        "automatic": message.sender_kind != kefu_domain::message::SenderKind::Agent,
    })))
}

/// Sends a reply by the channel's SMTP server.
pub async fn send(state: &AppState, channel: &ChannelRow, delivery: &Delivery) -> Outcome {
    let body: Value = match serde_json::from_str(&delivery.body) {
        Ok(body) => body,
        Err(_) => return Outcome::GiveUp(None, "not a mail".into()),
    };
    let mail = match compose(state, channel, &body).await {
        Ok(mail) => mail,
        Err(error) => return Outcome::GiveUp(None, error),
    };
    let host = setting(channel, "smtp_host");
    if let Err(error) = outside(state, host, port(channel, "smtp_port", 465)).await {
        return Outcome::GiveUp(None, error);
    }
    let credentials = Credentials::new(
        setting(channel, "username").to_owned(),
        password(channel).to_owned(),
    );
    let builder = match security(channel) {
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        Security::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    };
    let transport = match builder {
        Ok(b) => b
            .port(port(channel, "smtp_port", 465))
            .credentials(credentials)
            .timeout(Some(STEP))
            .build(),
        Err(error) => return Outcome::GiveUp(None, format!("the SMTP server: {error}")),
    };
    match transport.send(mail).await {
        // SMTP's "250 OK".
        Ok(_) => Outcome::Sent(250),
        // 5xx: the server refuses this mail for good; anything else may pass later.
        Err(error) if error.is_permanent() => {
            Outcome::GiveUp(None, format!("the SMTP server refused the mail: {error}"))
        }
        Err(error) => Outcome::Retry(None, format!("SMTP: {error}")),
    }
}

/// The reply as a mail: from the channel's address (named by the channel), threaded.
async fn compose(
    state: &AppState,
    channel: &ChannelRow,
    body: &Value,
) -> Result<lettre::Message, String> {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    let mailbox = |name: Option<String>, address: &str| -> Result<Mailbox, String> {
        let address = address
            .parse()
            .map_err(|_| format!("{address} is not an address"))?;
        Ok(Mailbox::new(name, address))
    };
    let mut builder = lettre::Message::builder()
        .from(mailbox(Some(channel.name.clone()), &channel.public_id)?)
        .reply_to(mailbox(None, &text("reply_to"))?)
        .to(mailbox(None, &text("to"))?)
        .subject(text("subject"))
        .message_id(Some(format!("<{}>", text("message_id"))));
    if let Some(id) = body["in_reply_to"].as_str().filter(|s| !s.is_empty()) {
        builder = builder.in_reply_to(format!("<{id}>"));
    }
    let references: Vec<String> = body["references"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(|id| format!("<{id}>"))
                .collect()
        })
        .unwrap_or_default();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    let plain = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(text("text"));
    let attachment = match body["attachment"]
        .as_str()
        .and_then(|a| a.parse::<Uuid>().ok())
    {
        Some(id) => {
            let stored = state
                .store
                .attachment(id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the attachment is gone")?;
            let bytes = state
                .files
                .read(&stored.storage_key)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("the attachment's file is gone")?;
            let kind = ContentType::parse(&stored.attachment.content_type).unwrap_or(
                ContentType::parse("application/octet-stream").map_err(|e| e.to_string())?,
            );
            Some(MailAttachment::new(stored.attachment.file_name.clone()).body(bytes, kind))
        }
        None => None,
    };
    let built = match attachment {
        Some(file) => builder.multipart(MultiPart::mixed().singlepart(plain).singlepart(file)),
        None => builder.singlepart(plain),
    };
    let mut built = built.map_err(|e| format!("the mail could not be built: {e}"))?;
    if body["automatic"].as_bool() == Some(true) {
        let name = lettre::message::header::HeaderName::new_from_ascii("Auto-Submitted".into())
            .map_err(|e| e.to_string())?;
        built
            .headers_mut()
            .insert_raw(lettre::message::header::HeaderValue::new(
                name,
                "auto-replied".into(),
            ));
    }
    Ok(built)
}
