//! Where a platform's buyer and message enter the desk, for every adapter: the buyer read
//! (or created on their first message) and the message entered through `desk::inbound`, the
//! chat page's door.

use kefu_domain::account::Buyer;
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::profile::BuyerKey;
use kefu_store::ChannelRow;
use uuid::Uuid;

use super::{Kind, seen_in};
use crate::AppState;
use crate::desk::inbound::{self, SendMessage};
use crate::error::ApiError;

/// The buyer `external_id` on `channel`: read when seen before (one write per message, the
/// writer's), else created as `name` gives, with the `keys` the channel knows them by (a
/// caller's number, a sender's address; a WeChat buyer's unionid, asked of the platform in
/// the background), linked to the shop's buyers with one (CH-6).
pub async fn buyer(
    state: &AppState,
    channel: &ChannelRow,
    external_id: &str,
    name: impl FnOnce() -> String,
    keys: impl FnOnce() -> Vec<BuyerKey>,
) -> Result<Buyer, ApiError> {
    Ok(arrived(state, channel, external_id, name, keys).await?.0)
}

/// As [`buyer`], with the conversation they are in (`None` when new), read in the same
/// breath, for [`enter`]: a platform's message costs one read before the writer.
pub async fn arrived(
    state: &AppState,
    channel: &ChannelRow,
    external_id: &str,
    name: impl FnOnce() -> String,
    keys: impl FnOnce() -> Vec<BuyerKey>,
) -> Result<(Buyer, Option<Uuid>), ApiError> {
    let kind = Kind::parse(&channel.kind)?.channel();
    if let Some((buyer, current)) = state
        .store
        .buyer_by_external(channel.tenant_id, kind, external_id)
        .await?
    {
        // A buyer from before their channel knew keys gets them now (one read when known).
        crate::desk::profiles::link(state, &buyer, keys()).await;
        return Ok((buyer, current));
    }
    let buyer = state
        .store
        .upsert_buyer(channel.tenant_id, kind, external_id, &name())
        .await?;
    crate::desk::profiles::link(state, &buyer, keys()).await;
    if matches!(kind, Channel::WechatMp | Channel::Wecom) {
        super::wx_api::learn_unionid(state, channel, &buyer);
    }
    // New (or just made by a push at the same moment): the opener finds their conversation.
    Ok((buyer, None))
}

/// A client id for a platform's own id of a message (any length, any characters): `prefix:`
/// and the first 16 bytes of its SHA-256 in hex, so a message pushed or read twice is
/// written once (the writer's retry key).
pub fn client_id(prefix: &str, platform_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(platform_id.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}:{hex}")
}

/// The last four characters of a platform's id, for a buyer's name until they give one.
pub fn tail(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// Enters a buyer's message from `channel` as the chat page's socket does: into `current`,
/// the conversation [`arrived`] found them in, or through the opener (theirs, or a new one on
/// the first message); then notes it on the health line.
pub async fn enter(
    state: &AppState,
    channel: &ChannelRow,
    buyer: &Buyer,
    current: Option<Uuid>,
    send: SendMessage,
) -> Result<(), ApiError> {
    inbound::send_as_buyer(state, buyer, Entry::ShopHome, current, send).await?;
    seen_in(state, channel.id).await;
    Ok(())
}
