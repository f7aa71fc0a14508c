//! The phone line (400 电话, CH-4, CHANNELS.md §8). Connected with the line's number and a
//! password the CTI vendor's push authenticates with (HTTP Basic, or `Bearer`). The vendor
//! pushes one record per call when it ends (TCCC's CDR first, kefu's generic JSON second);
//! each call becomes a line in the caller's timeline (`[来电] 已接通 3分12秒 · 客服 小雨 ·
//! 按键 1 售前 · 录音 …`), written by kefu as a `system` message so no robot or automatic
//! reply answers it, once per call (the vendor's `SessionId`). A call the agent who took it
//! can be matched to (their kefu user name, or their address's name, else their name) gives them the
//! conversation, resolved in their name; a call in that no one answered, or one outside the line's
//! hours (09:00–21:00 every day unless the shop sets others), opens a callback work order
//! (ESC-3) with its deadline, one open at a time per caller. Nothing can be written to a
//! caller: agents call back.

use kefu_channels::phone::{self as wire, CallRecord, CallStatus, Direction};
use kefu_domain::account::mask_phone;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::conversation::{ConversationStatus, ConversationSummary};
use kefu_domain::error_code::ErrorCode;
use kefu_domain::hours::OfficeHours;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::profile::BuyerKey;
use kefu_domain::work_order::{Priority, Source, Status, WorkOrderDraft, WorkOrderKind};
use kefu_store::{AppendRequest, ChannelRow, NewConversation, WorkOrderQuery};
use serde_json::{Value, json};
use uuid::Uuid;

use super::wx_api::note_error;
use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::cases::work_orders::{self, Placement};
use crate::error::ApiError;

/// The largest body a push may have: a call record is a few kilobytes.
pub const MAX_PUSH_BYTES: usize = 64 * 1024;
/// What the timeline's call lines are signed with.
const SENDER: &str = "电话";
/// The push's answer TCCC reads as taken (anything else it tries again, three times).
fn taken() -> Value {
    json!({"ErrCode": 0, "ErrMsg": ""})
}

/// The line's hours when the shop sets none: every day 09:00–21:00 (CH-4).
pub fn default_hours() -> OfficeHours {
    OfficeHours {
        days: (1..=7).collect(),
        open: "09:00".into(),
        close: "21:00".into(),
    }
}

/// The records a line's vendor pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Tencent Cloud Contact Center's CDR push.
    Tccc,
    /// kefu's own call record (CHANNELS.md §8's shape), for any other vendor.
    Generic,
}

impl Format {
    fn parse(s: &str) -> Option<Format> {
        match s {
            "" | "tccc" => Some(Format::Tccc),
            "generic" => Some(Format::Generic),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Format::Tccc => "tccc",
            Format::Generic => "generic",
        }
    }
}

/// Checks a phone line to connect: its number, the push's password (16–64 printable
/// characters), the vendor's format and the line's hours.
pub fn check(input: &ChannelInput) -> Result<Checked, ApiError> {
    let bad = |why: &str| ApiError::new(ErrorCode::InvalidChannel, why.to_owned());
    let number = wire::normalize_number(&input.app_id)
        .ok_or_else(|| bad("the line's number is 3–20 digits (e.g. 4008001234)"))?;
    let password = input.token.trim();
    if !(16..=64).contains(&password.len()) || !password.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad(
            "the push password is 16–64 letters, digits or symbols, without spaces",
        ));
    }
    let format = Format::parse(input.mode.as_deref().unwrap_or_default().trim())
        .ok_or_else(|| bad("the call records' format is tccc or generic"))?;
    let hours = input.hours.clone().unwrap_or_else(default_hours);
    hours
        .check()
        .map_err(|_| bad("the line's hours: working days 1–7 and open before close (HH:MM)"))?;
    Ok(Checked {
        public_id: number,
        settings: json!({"format": format.as_str(), "hours": hours}),
        secrets: json!({"password": password}),
    })
}

/// A caller's id on this channel: the line's number and theirs.
pub fn buyer_id(line: &str, number: &str) -> String {
    format!("{line}/{number}")
}

/// The line and the caller's number of a buyer's id.
pub fn split_buyer_id(external_id: &str) -> Option<(&str, &str)> {
    external_id.split_once('/')
}

/// A caller's identity checked against an order's receiver (CH-4): by the number they call
/// from, and by the last four digits they tell the agent. Only masked numbers come back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CallerCheck {
    pub order_no: String,
    /// The order's receiver's phone, masked (`139****5678`); empty when it has none.
    pub order_phone: String,
    /// The number the buyer calls from, masked, on a phone conversation.
    pub caller: Option<String>,
    /// The caller's number ends as the order's phone does.
    pub caller_matches: Option<bool>,
    /// The four digits the caller told end the order's phone.
    pub told_matches: Option<bool>,
}

/// Compares the caller's number and the four digits they told with an order's phone.
pub fn check_caller(
    order_no: &str,
    order_phone: &str,
    caller: Option<&str>,
    told: Option<&str>,
) -> CallerCheck {
    let order_four = wire::last_four(order_phone);
    let same = |four: Option<String>| match (&order_four, four) {
        (Some(a), Some(b)) => Some(*a == b),
        (None, Some(_)) => Some(false),
        _ => None,
    };
    CallerCheck {
        order_no: order_no.to_owned(),
        order_phone: match order_phone.trim().is_empty() {
            true => String::new(),
            false => mask_phone(order_phone.trim()),
        },
        caller: caller.map(mask_phone),
        caller_matches: caller.and_then(|c| same(wire::last_four(c))),
        told_matches: told.and_then(|t| same(Some(t.to_owned()))),
    }
}

/// The line's hours as its settings keep them.
pub fn hours(channel: &ChannelRow) -> OfficeHours {
    serde_json::from_value(channel.settings["hours"].clone()).unwrap_or_else(|_| default_hours())
}

/// A push of the line's vendor: checked by its password, then read and entered. `action` is
/// TCCC's (`cdr`; `record`, a recording's own push, is answered and left: the CDR carries
/// its address). A record kefu cannot read is answered as taken (the vendor's retries would
/// not help) and noted on the health line.
pub async fn receive(
    state: &AppState,
    id: Uuid,
    authorization: &str,
    action: Option<&str>,
    body: &[u8],
) -> Result<Value, ApiError> {
    let channel = super::callback_channel_of(state, id, Kind::Phone).await?;
    let password = channel.secrets["password"].as_str().unwrap_or_default();
    if let Err(error) = wire::check_auth(password, authorization) {
        note_error(state, &channel, "a call record was refused: wrong password").await;
        return Err(ApiError::new(
            ErrorCode::Unauthenticated,
            format!("phone: {error}"),
        ));
    }
    if channel.paused || action.is_some_and(|a| a != "cdr") {
        return Ok(taken());
    }
    let format = Format::parse(channel.settings["format"].as_str().unwrap_or_default())
        .unwrap_or(Format::Tccc);
    let read = match format {
        Format::Tccc => wire::read_tccc(body),
        Format::Generic => wire::read_generic(body),
    };
    let call = match read {
        Ok(call) => call,
        Err(error) => {
            metrics::counter!("kefu_channel_unread_pushes_total", "channel" => "phone")
                .increment(1);
            let said = format!("a call record kefu cannot read: {error}");
            note_error(state, &channel, &said).await;
            return Ok(taken());
        }
    };
    match enter_call(state, &channel, &call).await {
        Err(ApiError::Refused { message, .. }) => {
            let said = format!("a call was not taken: {message}");
            note_error(state, &channel, &said).await;
            Ok(taken())
        }
        Err(error) => Err(error),
        Ok(()) => Ok(taken()),
    }
}

/// Puts a call in its caller's timeline and follows it up: resolved in the name of the
/// agent who took it, or a callback owed.
async fn enter_call(
    state: &AppState,
    channel: &ChannelRow,
    call: &CallRecord,
) -> Result<(), ApiError> {
    let Some(number) = wire::normalize_number(call.customer_number()) else {
        note_error(state, channel, "a call record without the caller's number").await;
        return Ok(());
    };
    let tenant_id = channel.tenant_id;
    let external_id = buyer_id(&channel.public_id, &number);
    let buyer = super::inbox::buyer(
        state,
        channel,
        &external_id,
        || format!("来电 {}", mask_phone(&number)),
        || BuyerKey::phone(&number).into_iter().collect(),
    )
    .await?;
    let conversation = match state
        .store
        .current_conversation(tenant_id, buyer.id)
        .await?
    {
        Some(current) => current,
        None => {
            let team = crate::desk::dispatch::team_for(
                state,
                tenant_id,
                buyer.vip_level,
                Entry::ShopHome,
                Channel::Phone,
                &Default::default(),
                None,
            )
            .await;
            // No robot: a call record is not a question to answer.
            let new = NewConversation {
                buyer: buyer.clone(),
                entry: Entry::ShopHome,
                team,
                robot_active: false,
            };
            let opened = state.opener.open(new).await?;
            crate::desk::intake::opened(state, tenant_id, buyer.id, opened.id).await?;
            opened
        }
    };
    let content = MessageContent::parse(MessageKind::Text, &call.line(), None)?;
    let appended = state
        .writer
        .append(AppendRequest {
            tenant_id,
            conversation_id: conversation.id,
            sender_kind: SenderKind::System,
            // The caller's call, written by kefu: under the caller's id, the writer keeps one
            // line per call id (its retry key is the sender's and the client id).
            sender_id: Some(buyer.id),
            sender_name: SENDER.to_owned(),
            client_msg_id: Some(dedupe_key(&call.id)),
            content,
            external_id: None,
        })
        .await?;
    super::seen_in(state, channel.id).await;
    // A repeated push runs the follow-ups again (each holds once): the first may have failed
    // after the line was written.
    state.dispatcher.wake();
    // A time a day past now, or before 2000, is a vendor's error: the call is taken as now.
    let now = kefu_domain::time::now_ms();
    let started_at = match call.started_at {
        at if (946_684_800_000..=now + 86_400_000).contains(&at) => at,
        _ => now,
    };
    let after_hours = call.direction == Direction::In
        && hours(channel)
            .schedule(&shop_zone(state, tenant_id).await)
            .is_some_and(|s| !s.is_open(started_at));
    let missed = call.direction == Direction::In && call.status != CallStatus::Answered;
    if missed || after_hours {
        owe_callback(state, &appended.conversation, &number, call, after_hours).await?;
    }
    if call.status == CallStatus::Answered
        && appended.conversation.status != ConversationStatus::Resolved
        && let Some(agent) = agent_of(state, tenant_id, call).await?
    {
        // The agent who took the call served it: theirs, then resolved in their name.
        if appended.conversation.assignee_id != Some(agent) {
            state
                .store
                .assign_conversation(tenant_id, conversation.id, agent, agent)
                .await?;
        }
        let resolved = state
            .store
            .resolve_conversation(tenant_id, conversation.id, agent)
            .await?;
        crate::desk::outbound::publish_conversation(state, &resolved).await;
    }
    Ok(())
}

/// The writer's key of a call's line: one line per call however often it is pushed.
fn dedupe_key(call_id: &str) -> String {
    super::inbox::client_id("phone", call_id)
}

async fn shop_zone(state: &AppState, tenant_id: Uuid) -> String {
    match state.store.tenant(tenant_id).await {
        Ok(Some(tenant)) => tenant.timezone,
        _ => String::new(),
    }
}

/// The kefu account of the agent who took the call: their user name is the vendor's agent
/// id (or its name before `@`), or their name is the one the vendor gives.
async fn agent_of(
    state: &AppState,
    tenant_id: Uuid,
    call: &CallRecord,
) -> Result<Option<Uuid>, ApiError> {
    let id = call.agent_id.as_deref().unwrap_or_default();
    let local = id.split('@').next().unwrap_or_default();
    let name = call.agent_name.as_deref().unwrap_or_default();
    if id.is_empty() && name.is_empty() {
        return Ok(None);
    }
    let team = state.store.team(tenant_id).await?;
    let found = team
        .iter()
        .find(|u| !id.is_empty() && (u.username == id || u.username == local))
        .or_else(|| {
            team.iter()
                .find(|u| !name.is_empty() && u.display_name == name)
        });
    Ok(found.map(|u| u.id))
}

/// Opens a callback work order for the caller, unless one is still open for them (the
/// call's line in the conversation is enough then).
async fn owe_callback(
    state: &AppState,
    conversation: &ConversationSummary,
    number: &str,
    call: &CallRecord,
    after_hours: bool,
) -> Result<(), ApiError> {
    let tenant_id = conversation.tenant_id;
    let open = WorkOrderQuery {
        statuses: vec![
            Status::New,
            Status::InProgress,
            Status::WaitingBuyer,
            Status::WaitingThirdParty,
        ],
        kind: Some(WorkOrderKind::Callback),
        buyer_id: Some(conversation.buyer_id),
        limit: 1,
        ..WorkOrderQuery::default()
    };
    if !state.store.work_orders(tenant_id, &open).await?.is_empty() {
        return Ok(());
    }
    let why = match (call.status == CallStatus::Answered, after_hours) {
        (false, true) => "非工作时间未接来电",
        (false, false) => "未接来电",
        (true, _) => "非工作时间来电",
    };
    let draft = WorkOrderDraft {
        kind: WorkOrderKind::Callback,
        title: format!("回拨 {}（{why}）", mask_phone(number)),
        description: call.line(),
        priority: Priority::Normal,
        order_no: None,
        items: vec![],
        amount_fen: None,
        fields: Default::default(),
    };
    let placement = Placement {
        conversation_id: Some(conversation.id),
        team: conversation.team.clone(),
        ..Placement::default()
    };
    match work_orders::open(state, tenant_id, draft, placement, Source::Phone, None).await {
        // The shop's callback kind asks for fields a call cannot fill: noted, not retried.
        Err(ApiError::Refused { message, .. }) => {
            tracing::warn!(%message, conversation = %conversation.id, "could not open a callback work order");
            Ok(())
        }
        Err(error) => Err(error),
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_is_checked_by_the_last_four_digits() {
        let check = check_caller("T1", "139 1234 5678", Some("13900005678"), Some("5678"));
        assert_eq!(check.order_phone, "139****5678");
        assert_eq!(check.caller.as_deref(), Some("139****5678"));
        assert_eq!(
            (check.caller_matches, check.told_matches),
            (Some(true), Some(true))
        );
        let check = check_caller("T1", "13912345678", Some("13700001111"), Some("1234"));
        assert_eq!(
            (check.caller_matches, check.told_matches),
            (Some(false), Some(false))
        );
        let check = check_caller("T1", "", None, Some("5678"));
        assert_eq!(
            (check.caller_matches, check.told_matches),
            (None, Some(false))
        );
        assert_eq!(check.order_phone, "");
    }

    #[test]
    fn a_line_is_checked_before_it_is_connected() {
        let input = |number: &str, password: &str, mode: Option<&str>| ChannelInput {
            kind: "phone".into(),
            app_id: number.into(),
            token: password.into(),
            mode: mode.map(str::to_owned),
            ..Default::default()
        };
        let ok = check(&input("400-800-1234", "a-long-push-password", None)).unwrap();
        assert_eq!(ok.public_id, "4008001234");
        assert_eq!(ok.settings["format"], "tccc");
        assert_eq!(ok.settings["hours"]["open"], "09:00");
        assert_eq!(ok.settings["hours"]["close"], "21:00");
        assert!(
            check(&input(
                "4008001234",
                "a-long-push-password",
                Some("generic")
            ))
            .is_ok()
        );
        for bad in [
            input("", "a-long-push-password", None),
            input("4008001234", "short", None),
            input("4008001234", "a long push password", None),
            input("4008001234", "a-long-push-password", Some("asterisk")),
        ] {
            assert_eq!(
                check(&bad).err().map(|e| e.code()),
                Some(ErrorCode::InvalidChannel)
            );
        }
        let night = ChannelInput {
            hours: Some(OfficeHours {
                days: vec![1],
                open: "21:00".into(),
                close: "09:00".into(),
            }),
            ..input("4008001234", "a-long-push-password", None)
        };
        assert!(check(&night).is_err());
    }
}
