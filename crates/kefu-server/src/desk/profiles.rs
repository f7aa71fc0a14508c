//! One person across channels (CH-6): a buyer's keys (the shop's member id, a phone number,
//! an email address, a WeChat unionid) as their channel knows them, and the profile they
//! link into. Linking is the desk's own doing, audited as kefu's (`buyer.link`); it never
//! holds up a buyer's message: a failure is logged and tried again with the key's next use
//! (a caller's next call, a sender's next mail, a member's next visit; a WeChat unionid is
//! asked when the buyer is first seen).

use kefu_domain::account::Buyer;
use kefu_domain::profile::BuyerKey;

use crate::AppState;

/// Gives `buyer` those of `keys` it lacks, linking it with the shop's buyers that have one.
/// One read when it has them all already (a member's every visit).
pub async fn link(state: &AppState, buyer: &Buyer, keys: Vec<BuyerKey>) {
    if keys.is_empty() {
        return;
    }
    let known = match state.store.buyer_keys(buyer.tenant_id, buyer.id).await {
        Ok(known) => known,
        Err(error) => {
            tracing::warn!(%error, "could not read a buyer's keys");
            return;
        }
    };
    let mut new: Vec<BuyerKey> = keys.into_iter().filter(|k| !known.contains(k)).collect();
    new.dedup();
    if new.is_empty() {
        return;
    }
    let shown: Vec<serde_json::Value> = new
        .iter()
        .map(|k| serde_json::json!({"kind": k.kind, "value": k.shown()}))
        .collect();
    let linked = state
        .store
        .link_buyer(buyer.tenant_id, buyer.id, &new, |linked| {
            vec![crate::audit::by_actor(
                buyer.tenant_id,
                None,
                "kefu",
                "buyer.link",
                format!("buyer:{}", buyer.id),
                serde_json::json!({"linked": linked, "keys": shown}),
            )]
        })
        .await;
    match linked {
        Ok(linked) if !linked.is_empty() => {
            tracing::info!(buyer = %buyer.id, linked = linked.len(), "buyers linked into one profile");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not link a buyer's profile"),
    }
}
