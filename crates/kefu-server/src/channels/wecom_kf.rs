//! The WeCom 微信客服 adapter (CHANNELS.md §3). In: the callback (always encrypted with the
//! corp's key) only says there is something to read; kefu answers `success` at once and pulls
//! the messages with `kf/sync_msg` from the cursor it keeps per kf account, one pull at a
//! time per account in a process (a notice during a pull makes one more). Each buyer's
//! message enters by `desk::inbound` as the buyer `{CorpID}/{open_kfid}/{external_userid}`
//! (dedupe by WeCom's `msgid`: pages read twice land once). Out: `kf/send_msg` with the
//! corp's access token, within the 48-hour, five-message window (`wx_api`).

use std::collections::HashMap;
use std::sync::Arc;

use kefu_channels::wechat_mp::{ApiAnswer, fresh};
use kefu_channels::wecom_kf::{
    self as wire, KfContent, KfMessage, KfQuery, MAX_CURSOR_BYTES, Origin, SyncPage,
};
use kefu_channels::wxcrypt::{WxCrypt, signature};
use kefu_domain::message::{MAX_TEXT_CHARS, Message, MessageKind};
use kefu_domain::time::now_ms;
use kefu_store::ChannelRow;
use serde_json::Value;
use uuid::Uuid;

use super::wx_api::{self, Platform};
use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::desk::inbound::SendMessage;
use crate::error::ApiError;

/// The most pages one pull reads before it lets the next notice go on (1,000 messages each).
const MAX_PAGES: usize = 50;
/// The most kf accounts being pulled at once in a process; past it a notice waits for the
/// next one (WeCom sends one per new message).
const MAX_PULLS: usize = 1_024;
/// A failed pull is tried again this many times, after 5 s, 10 s, 15 s.
const RETRIES: u32 = 3;
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);
/// The largest callback body: WeCom's are a few hundred bytes.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;

/// Checks the settings of a corp's 微信客服 to connect (always encrypted: the key is needed).
pub fn check(input: &ChannelInput, test_doubles: bool) -> Result<Checked, ApiError> {
    let mut checked = wx_api::check(input, test_doubles, Platform::WecomKf, "safe")?;
    if let Some(url) =
        super::moves::check_contact_url(input.contact_url.as_deref().unwrap_or_default())?
    {
        checked.settings["contact_url"] = url.into();
    }
    Ok(checked)
}

/// A buyer's id on this channel: the corp, the kf account the buyer wrote to, and the
/// buyer's `external_userid` (replies go back through the same kf account).
pub fn buyer_id(corp_id: &str, open_kfid: &str, external_userid: &str) -> String {
    format!("{corp_id}/{open_kfid}/{external_userid}")
}

/// The CorpID, kf account and `external_userid` of a buyer's id.
pub fn split_buyer_id(external_id: &str) -> Option<(&str, &str, &str)> {
    let (corp_id, rest) = external_id.split_once('/')?;
    let (open_kfid, external_userid) = rest.split_once('/')?;
    Some((corp_id, open_kfid, external_userid))
}

fn crypt(channel: &ChannelRow) -> Result<WxCrypt, ApiError> {
    let secret = |k: &str| channel.secrets[k].as_str().unwrap_or_default();
    WxCrypt::new(secret("token"), secret("aes_key"), &channel.public_id)
        .map_err(|e| ApiError::Internal(format!("a stored channel's key: {e}")))
}

/// The URL check (接收事件服务器): the decrypted `echostr` when the signature holds.
pub async fn verify(state: &AppState, id: Uuid, query: &KfQuery) -> Result<String, ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::WecomKf).await?;
    let crypt = crypt(&channel)?;
    let checked =
        fresh(&query.timestamp, now_ms() / 1_000).and_then(|()| wire::verify_url(&crypt, query));
    match checked {
        Ok(echostr) => Ok(echostr),
        Err(error) => {
            let said = format!("URL check refused: {error}");
            wx_api::note_error(state, &channel, &said).await;
            Err(super::refused(Kind::WecomKf, error))
        }
    }
}

/// A callback: checked, answered `success` at once, and the kf account pulled after it.
pub async fn receive(
    state: &AppState,
    id: Uuid,
    query: &KfQuery,
    body: &[u8],
) -> Result<&'static str, ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::WecomKf).await?;
    let crypt = crypt(&channel)?;
    let text = String::from_utf8_lossy(body);
    let read = fresh(&query.timestamp, now_ms() / 1_000)
        .and_then(|()| wire::read_notice(&crypt, query, &text));
    let notice = match read {
        Ok(notice) => notice,
        Err(error) if error.is_refusal() => {
            let said = format!("a callback was refused: {error}");
            wx_api::note_error(state, &channel, &said).await;
            return Err(super::refused(Kind::WecomKf, error));
        }
        // Signed, but an event kefu does not read (a contact change…): answered `success`.
        Err(error) => {
            metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "wecom_kf")
                .increment(1);
            tracing::info!(%error, channel = %channel.id, "a WeCom callback kefu does not read");
            return Ok("success");
        }
    };
    // Paused, the account is still read (its messages are not taken), so that resuming does
    // not bring back what came meanwhile: as the Official Account's pushes while paused.
    schedule_pull(
        state,
        channel.id,
        notice.open_kfid.unwrap_or_default(),
        notice.token,
    );
    Ok("success")
}

/// A kf account being pulled: whether a notice came during the pull, and its token.
#[derive(Default)]
pub struct Pull {
    again: bool,
    token: String,
}

/// The kf accounts being pulled in this process, by channel and account.
pub type Pulls = Arc<std::sync::Mutex<HashMap<(Uuid, String), Pull>>>;

/// How one pull ended.
enum Pulled {
    /// WeCom has nothing more.
    Done,
    /// The page limit was reached with more to read.
    More,
    /// Another pull (in another process) moved the cursor first: it reads on.
    Overtaken,
}

/// Starts a pull of the kf account `scope` of `channel_id`, or, when one is under way in
/// this process, asks it for one more. `token` is the notice's (empty for the leader's sweep).
fn schedule_pull(state: &AppState, channel_id: Uuid, scope: String, token: String) {
    let key = (channel_id, scope.clone());
    {
        let Ok(mut pulls) = state.channel_outbox.pulls.lock() else {
            return;
        };
        if let Some(pull) = pulls.get_mut(&key) {
            pull.again = true;
            if !token.is_empty() {
                pull.token = token;
            }
            return;
        }
        if pulls.len() >= MAX_PULLS {
            metrics::counter!("kefu_channel_pulls_dropped_total").increment(1);
            tracing::warn!(channel = %channel_id, "too many WeCom pulls at once; the leader's sweep reads this account later");
            return;
        }
        pulls.insert(key.clone(), Pull::default());
    }
    let state = state.clone();
    tokio::spawn(async move {
        // Whatever ends this task early, the account is free to be pulled again.
        let mut free = Free(Some((state.channel_outbox.pulls.clone(), key.clone())));
        let mut token = token;
        let mut failures = 0u32;
        loop {
            let again = match pull(&state, channel_id, &scope, &token).await {
                Ok(Pulled::Done | Pulled::Overtaken) => false,
                Ok(Pulled::More) => true,
                Err(error) => {
                    if let Some(channel) = channel_row(&state, channel_id).await {
                        let said = format!("a pull failed: {error}");
                        wx_api::note_error(&state, &channel, &said).await;
                    }
                    failures += 1;
                    // A few tries with backoff; past them, the next notice or sweep.
                    if failures <= RETRIES {
                        tokio::time::sleep(RETRY_AFTER * failures).await;
                        true
                    } else {
                        false
                    }
                }
            };
            let Ok(mut pulls) = state.channel_outbox.pulls.lock() else {
                return;
            };
            match pulls.get_mut(&key) {
                Some(pull) if pull.again || again => {
                    if pull.again {
                        pull.again = false;
                        failures = 0;
                    }
                    if !pull.token.is_empty() {
                        token = std::mem::take(&mut pull.token);
                    }
                }
                _ => {
                    pulls.remove(&key);
                    free.0 = None;
                    return;
                }
            }
        }
    });
}

/// Frees an account whose pull ended early (an unwinding task): normally the loop frees it
/// under the same lock that found nothing more to do.
struct Free(Option<(Pulls, (Uuid, String))>);

impl Drop for Free {
    fn drop(&mut self) {
        if let Some((pulls, key)) = self.0.take()
            && let Ok(mut pulls) = pulls.lock()
        {
            pulls.remove(&key);
        }
    }
}

/// The leader's sweep (every minute): every kf account read before is pulled again, so
/// what a lost notice, a failed pull or a restart left on WeCom still comes in.
pub async fn sweep(state: &AppState) {
    let cursors = match state.store.channel_cursors(Kind::WecomKf.as_str()).await {
        Ok(cursors) => cursors,
        Err(error) => {
            tracing::warn!(%error, "could not list the channels to pull");
            return;
        }
    };
    for (channel_id, scope) in cursors {
        schedule_pull(state, channel_id, scope, String::new());
    }
}

/// The channel, as its callbacks read it, if it is still a WeCom channel.
async fn channel_row(state: &AppState, id: Uuid) -> Option<Arc<ChannelRow>> {
    super::callback_channel_of(state, id, Kind::WecomKf)
        .await
        .ok()
}

/// Reads the kf account `scope` from the kept cursor until WeCom has no more (or the page
/// limit), entering each buyer's message; the cursor moves after every page entered whole,
/// and only from where this pull found it.
async fn pull(
    state: &AppState,
    channel_id: Uuid,
    scope: &str,
    token: &str,
) -> Result<Pulled, String> {
    let Some(channel) = channel_row(state, channel_id).await else {
        return Ok(Pulled::Done);
    };
    let client = &state.channel_outbox.client;
    let base = wx_api::api_base(&channel);
    let mut cursor = state
        .store
        .channel_cursor(channel.id, scope)
        .await
        .map_err(|e| e.to_string())?;
    let open_kfid = (!scope.is_empty()).then_some(scope);
    for _ in 0..MAX_PAGES {
        let request = wire::sync_request(&cursor, token, open_kfid).to_string();
        let mut read = None;
        for fresh in [false, true] {
            let access = wx_api::access_token(state, client, &channel, &base, fresh)
                .await
                .map_err(|o| o.error().to_owned())?;
            let page: SyncPage = client
                .post(format!("{base}/cgi-bin/kf/sync_msg"))
                .query(&[("access_token", access.as_str())])
                .header("content-type", "application/json")
                .body(request.clone())
                .send()
                .await
                .map_err(|e| wx_api::plain_error(&e))?
                .json()
                .await
                .map_err(|e| format!("an unreadable page: {}", wx_api::plain_error(&e)))?;
            let answer = ApiAnswer {
                errcode: page.errcode,
                errmsg: page.errmsg.clone(),
            };
            if answer.errcode == 0 {
                read = Some(page);
                break;
            }
            if fresh || !answer.token_expired() {
                return Err(format!("WeCom {}: {}", answer.errcode, answer.errmsg));
            }
        }
        let page = read.ok_or("the access token was refused twice")?;
        for message in page.messages() {
            let Some(message) = message else {
                metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "wecom_kf")
                    .increment(1);
                continue;
            };
            // A message that cannot be entered now (the database, the writer) stops the page
            // before the cursor moves: the next try reads it again (deduped).
            take(state, &channel, &message)
                .await
                .map_err(|e| format!("a message was not entered: {e}"))?;
        }
        let next = page.next_cursor;
        if next.is_empty() || next.len() > MAX_CURSOR_BYTES || next == cursor {
            return match page.has_more {
                1 => Err("WeCom said there is more but gave no new cursor".into()),
                _ => Ok(Pulled::Done),
            };
        }
        let moved = state
            .store
            .save_channel_cursor(channel.id, scope, &cursor, &next, now_ms())
            .await
            .map_err(|e| e.to_string())?;
        if !moved {
            return Ok(Pulled::Overtaken);
        }
        cursor = next;
        if page.has_more != 1 {
            return Ok(Pulled::Done);
        }
    }
    Ok(Pulled::More)
}

/// Enters one pulled message: a buyer's as their message (once, however often it is read;
/// not one from before the channel was connected or past the reply window, nor while the
/// channel is paused); a failed send on the health line. Errors are the ones worth another
/// try: what cannot be entered at all is skipped, and said on the health line.
async fn take(state: &AppState, channel: &ChannelRow, message: &KfMessage) -> Result<(), ApiError> {
    let Some(content) = message.content() else {
        return Ok(());
    };
    match message.origin() {
        Origin::Customer => {}
        Origin::System => {
            if let KfContent::Event {
                event_type,
                open_kfid,
                external_userid,
                scene_param,
                ..
            } = &content
                && event_type == "enter_session"
                && !scene_param.is_empty()
                && !external_userid.is_empty()
                && !channel.paused
            {
                // The event names the kf account; the page's own field may be absent.
                let open_kfid = match open_kfid.is_empty() {
                    true => &message.open_kfid,
                    false => open_kfid,
                };
                if open_kfid.is_empty() {
                    return Ok(());
                }
                let external_id = buyer_id(&channel.public_id, open_kfid, external_userid);
                return super::moves::entered(state, channel, &external_id, scene_param).await;
            }
            if let KfContent::Event {
                event_type,
                fail_type,
                ..
            } = &content
                && event_type == "msg_send_fail"
            {
                let said = format!(
                    "WeCom did not deliver a message: {}",
                    wire::send_failure(*fail_type)
                );
                wx_api::note_error(state, channel, &said).await;
            }
            return Ok(());
        }
        // A servicer's reply from the WeCom app, or anything else: not the buyer's.
        Origin::Servicer | Origin::Other => return Ok(()),
    }
    let sent_at = message.send_time.saturating_mul(1_000);
    // `send_time` is in whole seconds: the second the channel was connected in counts.
    let too_old =
        sent_at < (channel.created_at - 1_000).max(now_ms() - kefu_channels::wechat_mp::WINDOW_MS);
    if channel.paused
        || too_old
        || message.external_userid.is_empty()
        || message.open_kfid.is_empty()
    {
        return Ok(());
    }
    let text = match &content {
        KfContent::Text(text) => text.clone(),
        KfContent::Image { .. } => "[图片]".to_owned(),
        KfContent::Voice => "[语音]".to_owned(),
        KfContent::Video => "[视频]".to_owned(),
        KfContent::File { .. } => "[文件]".to_owned(),
        KfContent::Location { name, address } => format!("[位置] {name} {address}"),
        KfContent::Link { title, url } => format!("[链接] {title} {url}"),
        KfContent::MiniProgram { title } => format!("[小程序] {title}"),
        KfContent::BusinessCard => "[名片]".to_owned(),
        KfContent::Event { .. } => return Ok(()),
    };
    // What the chat page takes: a longer text is cut, not lost.
    let text: String = text.trim().chars().take(MAX_TEXT_CHARS).collect();
    if text.is_empty() {
        return Ok(());
    }
    let external_id = buyer_id(
        &channel.public_id,
        &message.open_kfid,
        &message.external_userid,
    );
    let (buyer, current) = super::inbox::arrived(
        state,
        channel,
        &external_id,
        || format!("微信客户{}", super::inbox::tail(&message.external_userid)),
        Vec::new,
    )
    .await?;
    // WeCom's ids are short; one that is not still dedupes by its digest.
    let mut client_msg_id = message.dedupe_key();
    if client_msg_id.len() > 64 {
        client_msg_id = format!("wecom:{}", signature(&[&message.msgid]));
    }
    // Read before (perhaps into a conversation that has ended since): not again, and its
    // picture not fetched again.
    if state
        .store
        .buyer_sent(channel.tenant_id, buyer.id, &client_msg_id)
        .await?
    {
        return Ok(());
    }
    // A picture or file is fetched from WeCom and kept as the chat page's are (nobody waits:
    // the callback was answered); if WeCom cannot give it now (or kefu does not take its
    // type), the line saying what it was stands.
    let (mut kind, mut body, mut attachment_id) = (MessageKind::Text, text, None);
    if let KfContent::Image { media_id } | KfContent::File { media_id } = &content {
        match wx_api::fetch_media(state, channel, media_id, buyer.id, wx_api::FILE_TIMEOUT).await {
            Ok(fetched) => {
                kind = match fetched.is_image {
                    true => MessageKind::Image,
                    false => MessageKind::File,
                };
                (body, attachment_id) = (String::new(), Some(fetched.attachment_id));
            }
            Err(error) => {
                let said = format!("a buyer's file was not fetched: {error}");
                wx_api::note_error(state, channel, &said).await;
            }
        }
    }
    let send = SendMessage {
        client_msg_id,
        kind,
        body,
        attachment_id,
    };
    match super::inbox::enter(state, channel, &buyer, current, send).await {
        // Refused for what it is (not for an outage): reading it again would not help.
        Err(ApiError::Refused { message, .. }) => {
            let said = format!("a WeCom message was not taken: {message}");
            wx_api::note_error(state, channel, &said).await;
            Ok(())
        }
        other => other,
    }
}

/// `kf/send_msg`'s body for a message to `external_id`, if it is one WeCom can show. Its
/// `msgid` is kefu's message id, so a retry WeCom already took is not shown twice.
pub fn outgoing(
    state: &AppState,
    external_id: &str,
    message: &Message,
) -> Result<Option<Value>, ApiError> {
    let Some((_, open_kfid, external_userid)) = split_buyer_id(external_id) else {
        return Ok(None);
    };
    let body = wx_api::message_body(state, Platform::WecomKf, message)?;
    Ok(body.map(|body| {
        wire::send_request(
            external_userid,
            open_kfid,
            &message.id.simple().to_string(),
            &body,
        )
    }))
}
