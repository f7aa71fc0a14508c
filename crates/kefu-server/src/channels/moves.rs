//! Moving a buyer to WeCom (issue #21, CH-3): an agent sends a buyer on Douyin, the web or
//! another platform the shop's WeCom 微信客服 contact link, with a token of the move as its
//! `scene_param`. When the buyer opens it, WeCom's `enter_session` names the token: the WeCom
//! buyer joins the old buyer's profile (audited, `buyer.link`), and their WeCom conversation
//! opens with the old one's team, given to the agent who moved them, with a note of where it
//! came from.

use kefu_domain::channel::Entry;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::message::MessageKind;
use kefu_domain::time::now_ms;
use kefu_store::{ChannelMove, ChannelRow, NewConversation};
use rand::Rng;
use uuid::Uuid;

use super::Kind;
use crate::AppState;
use crate::auth::Agent;
use crate::desk::inbound::{self, SendMessage};
use crate::error::ApiError;

/// How long a contact link sent to a buyer still moves them.
pub const MOVE_VALID_MS: i64 = 7 * 86_400_000;
/// The token's length: 16 of 62 characters, about 95 bits.
const TOKEN_LEN: usize = 16;

/// A move's answer: the link the buyer was sent, and the message.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Moved {
    /// The WeCom account moved to.
    pub channel_id: Uuid,
    pub channel_name: String,
    /// The contact link with the move's token (`scene_param`).
    pub link: String,
    pub message: kefu_domain::message::Message,
}

fn token() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..TOKEN_LEN)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// The contact link with the move's token.
pub fn link_with(contact_url: &str, token: &str) -> String {
    let joint = if contact_url.contains('?') { '&' } else { '?' };
    format!("{contact_url}{joint}scene_param={token}")
}

/// What the buyer is told, with the link.
pub fn invitation(link: &str) -> String {
    format!(
        "为了方便后续跟进，请点击下方链接添加我们的企业微信客服，我们会在那里继续为您服务：\n{link}"
    )
}

/// The longest contact link kept; WeCom's are about 60 characters, and a `scene_param` of
/// 128 bytes is added to it when a buyer is moved.
const MAX_CONTACT_URL: usize = 300;

/// A 微信客服 contact link (客服链接) as WeCom's console gives it, `https://…`; `None` for an
/// empty one (none kept).
pub fn check_contact_url(url: &str) -> Result<Option<String>, ApiError> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let valid = url.len() <= MAX_CONTACT_URL
        && url.strip_prefix("https://").is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && host.contains('.')
        })
        && !url.contains('#')
        && url.chars().all(|c| c.is_ascii_graphic());
    if !valid {
        return Err(ApiError::new(
            ErrorCode::InvalidChannel,
            "the contact link is the https:// address WeCom's console gives (客服链接)",
        ));
    }
    Ok(Some(url.to_owned()))
}

/// The account's contact link, if the shop gave one.
pub fn contact_url(channel: &ChannelRow) -> Option<&str> {
    channel.settings["contact_url"]
        .as_str()
        .filter(|u| !u.is_empty())
}

fn unavailable(why: &str) -> ApiError {
    ApiError::new(ErrorCode::ChannelMoveUnavailable, why.to_owned())
}

/// A WeCom 微信客服 account an agent may move a buyer to.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MoveTarget {
    pub id: Uuid,
    pub name: String,
}

/// The shop's WeCom 微信客服 accounts, paused ones too (a move to one is refused).
async fn wecom_accounts(state: &AppState, tenant_id: Uuid) -> Result<Vec<ChannelRow>, ApiError> {
    Ok(state
        .store
        .channels(tenant_id)
        .await?
        .into_iter()
        .filter(|c| c.kind == Kind::WecomKf.as_str())
        .collect())
}

/// The running WeCom 微信客服 accounts of the agent's shop, for them to choose from when
/// there are several.
pub async fn targets(state: &AppState, agent: &Agent) -> Result<Vec<MoveTarget>, ApiError> {
    Ok(wecom_accounts(state, agent.tenant_id())
        .await?
        .into_iter()
        .filter(|c| !c.paused)
        .map(|c| MoveTarget {
            id: c.id,
            name: c.name,
        })
        .collect())
}

/// The WeCom account to move to: the one named, or the shop's only one with a contact link.
async fn target(
    state: &AppState,
    tenant_id: Uuid,
    named: Option<Uuid>,
) -> Result<ChannelRow, ApiError> {
    let accounts: Vec<ChannelRow> = wecom_accounts(state, tenant_id)
        .await?
        .into_iter()
        .filter(|c| named.is_none_or(|id| c.id == id))
        .collect();
    if named.is_some() && accounts.is_empty() {
        return Err(ErrorCode::ChannelNotFound.into());
    }
    let mut ready: Vec<ChannelRow> = accounts.into_iter().filter(|c| !c.paused).collect();
    match ready.len() {
        0 => Err(unavailable(
            "no WeCom 微信客服 account is connected and running",
        )),
        1 => Ok(ready.remove(0)),
        _ => Err(unavailable(
            "the shop has several WeCom 微信客服 accounts: name one (channel_id)",
        )),
    }
}

/// Sends the buyer of `conversation_id` the WeCom contact link, as `agent`, on their own
/// channel (within its rules), and records the move.
pub async fn move_to_wecom(
    state: &AppState,
    agent: &Agent,
    conversation_id: Uuid,
    channel_id: Option<Uuid>,
) -> Result<Moved, ApiError> {
    let tenant_id = agent.tenant_id();
    let conversation = state
        .store
        .conversation(tenant_id, conversation_id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    if conversation.channel == kefu_domain::channel::Channel::Wecom {
        return Err(unavailable("the buyer is on WeCom already"));
    }
    let channel = target(state, tenant_id, channel_id).await?;
    let contact_url = match contact_url(&channel) {
        Some(url) if url.contains("enc_scene=") => url.to_owned(),
        console => match (contact_way(state, &channel).await, console) {
            (Ok(made), _) => made,
            // WeCom's API out of reach: the console's link still adds the account, though
            // the buyer's WeCom conversation will not know where they came from.
            (Err(error), Some(console)) => {
                super::wx_api::note_error(state, &channel, &error.to_string()).await;
                console.to_owned()
            }
            (Err(error), None) => return Err(error),
        },
    };
    let token = token();
    let link = link_with(&contact_url, &token);
    // Recorded first: the buyer never holds a link that names no move. One their platform
    // refuses now stays unused and lapses.
    state
        .store
        .create_channel_move(&ChannelMove {
            token: token.clone(),
            tenant_id,
            channel_id: channel.id,
            conversation_id,
            buyer_id: conversation.buyer_id,
            moved_by: Some(agent.user.id),
            created_at: now_ms(),
            taken_at: None,
            taken_by: None,
        })
        .await?;
    let appended = inbound::send_as_agent(
        state,
        agent,
        conversation_id,
        SendMessage {
            client_msg_id: Uuid::now_v7().to_string(),
            kind: MessageKind::Text,
            body: invitation(&link),
            attachment_id: None,
        },
    )
    .await?;
    Ok(Moved {
        channel_id: channel.id,
        channel_name: channel.name,
        link,
        message: appended.message,
    })
}

/// WeCom returns a link's `scene_param` only on links made with a scene by the API
/// (`kf/add_contact_way`, with `enc_scene`), not on the console's: kefu makes one for the
/// account's first kf account (`kf/account/list`) and keeps it as the channel's link.
async fn contact_way(state: &AppState, channel: &ChannelRow) -> Result<String, ApiError> {
    let client = &state.channel_outbox.client;
    let base = super::wx_api::api_base(channel);
    let failed = |why: String| unavailable(&format!("WeCom gave no contact link: {why}"));
    let token = super::wx_api::access_token(state, client, channel, &base, false)
        .await
        .map_err(|o| failed(o.error().to_owned()))?;
    let call = |path: &str| {
        client
            .post(format!("{base}/cgi-bin/kf/{path}"))
            .query(&[("access_token", token.as_str())])
            .timeout(std::time::Duration::from_secs(5))
    };
    let accounts: serde_json::Value = super::wx_api::post_json(
        call("account/list"),
        &serde_json::json!({"offset": 0, "limit": 100}),
    )
    .await
    .map_err(|o| failed(o.error().to_owned()))?;
    let Some(open_kfid) = accounts["account_list"]
        .as_array()
        .and_then(|list| list.first())
        .and_then(|a| a["open_kfid"].as_str())
    else {
        return Err(failed(format!("no kf account ({})", accounts["errmsg"])));
    };
    let made: serde_json::Value = super::wx_api::post_json(
        call("add_contact_way"),
        &serde_json::json!({"open_kfid": open_kfid, "scene": "kefu"}),
    )
    .await
    .map_err(|o| failed(o.error().to_owned()))?;
    let url = made["url"]
        .as_str()
        .and_then(|u| check_contact_url(u).ok().flatten())
        .ok_or_else(|| failed(format!("{} {}", made["errcode"], made["errmsg"])))?;
    let mut settings = channel.settings.clone();
    settings["contact_url"] = url.clone().into();
    let change = kefu_store::ChannelChange {
        settings: Some(&settings),
        ..Default::default()
    };
    state
        .store
        .update_channel(channel.tenant_id, channel.id, change, |row| {
            vec![crate::audit::by_actor(
                row.tenant_id,
                None,
                "kefu",
                "channel.change",
                format!("channel:{}", row.id),
                serde_json::json!({"contact_url": url, "made_by": "kf/add_contact_way"}),
            )]
        })
        .await?;
    super::forget(state, channel.tenant_id, channel.id);
    Ok(url)
}

/// A buyer came in on `channel` (WeCom) by a contact link with `scene_param`: when it names a
/// move of this shop to this account, made in the last week, they join the moved buyer's
/// profile and their conversation opens for the agent who moved them. Anything else is a
/// buyer who opened the link some other way: left to write as anyone does.
pub async fn entered(
    state: &AppState,
    channel: &ChannelRow,
    external_id: &str,
    scene_param: &str,
) -> Result<(), ApiError> {
    let token = scene_param.trim();
    if token.len() != TOKEN_LEN || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(());
    }
    let tenant_id = channel.tenant_id;
    let Some(moved) = state
        .store
        .channel_move(tenant_id, channel.id, token)
        .await?
        .filter(|m| m.created_at >= now_ms() - MOVE_VALID_MS)
    else {
        return Ok(());
    };
    let Some(old_buyer) = state.store.buyer(tenant_id, moved.buyer_id).await? else {
        return Ok(());
    };
    let buyer = super::inbox::buyer(
        state,
        channel,
        external_id,
        || old_buyer.display_name.clone(),
        Vec::new,
    )
    .await?;
    // The link is the buyer's: someone they passed it to is not them. A repeated event
    // (read again, or in two processes) finishes what the first began and notes nothing new.
    let Some(first) = state
        .store
        .take_channel_move(tenant_id, channel.id, token, buyer.id)
        .await?
    else {
        return Ok(());
    };
    let old = state
        .store
        .conversation(tenant_id, moved.conversation_id)
        .await?
        .ok_or(ErrorCode::ConversationNotFound)?;
    let theirs = state.store.buyer_profile(tenant_id, buyer.id).await?;
    let joined = theirs.iter().any(|b| b.id == old_buyer.id);
    // A WeCom buyer already someone's profile (a forwarded link opened by another person) is
    // not merged in: the agent sees the note and merges by hand if it is them.
    if !joined && theirs.len() <= 1 {
        state
            .store
            .merge_buyers(tenant_id, old_buyer.id, buyer.id, || {
                vec![crate::audit::by_actor(
                    tenant_id,
                    moved.moved_by,
                    "kefu",
                    "buyer.link",
                    format!("buyer:{}", old_buyer.id),
                    serde_json::json!({"linked": [buyer.id], "moved_from": old.id, "channel": channel.id}),
                )]
            })
            .await?;
    }
    let opened = state
        .opener
        .open(NewConversation {
            buyer: buyer.clone(),
            entry: Entry::ShopHome,
            team: old.team.clone(),
            robot_active: false,
        })
        .await?;
    crate::desk::intake::opened(state, tenant_id, buyer.id, opened.id).await?;
    let Some(agent_id) = moved.moved_by else {
        return Ok(());
    };
    let Some(agent) = state.store.user(tenant_id, agent_id).await? else {
        return Ok(());
    };
    let from_channel = channel_label(old.channel);
    if first {
        state
            .store
            .add_buyer_note(
                tenant_id,
                buyer.id,
                &agent,
                &format!(
                    "从{from_channel}会话转来企业微信（原会话 {}，{}）",
                    &old.id.simple().to_string()[..8],
                    old.buyer_name
                ),
            )
            .await?;
    }
    if opened.assignee_id.is_none() && !agent.disabled {
        let assigned = state
            .store
            .assign_conversation(tenant_id, opened.id, agent.id, agent.id)
            .await?;
        crate::desk::outbound::publish_conversation(state, &assigned).await;
    }
    Ok(())
}

fn channel_label(channel: kefu_domain::channel::Channel) -> &'static str {
    use kefu_domain::channel::Channel;
    match channel {
        Channel::Web => "网页",
        Channel::WechatMp => "公众号",
        Channel::Wecom => "企业微信",
        Channel::Douyin => "抖音",
        Channel::Email => "邮件",
        Channel::Phone => "电话",
    }
}
