//! The event bus: how a stored message reaches every session that should see it. In-process
//! by default; with `--nats-url` every event goes through NATS so sessions on other processes
//! get it too. Either way, delivery to local sessions goes through one [`Hub`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use futures::StreamExt;
use kefu_domain::frames::ServerFrame;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events a session can fall behind by before it is dropped (and resumes on reconnect).
const SESSION_BUFFER: usize = 1024;
/// A buyer hears only their own conversation: a short buffer is plenty, and a buyer who
/// falls behind it is closed with 1013 and resumes from their last seq.
const BUYER_BUFFER: usize = 64;
const SUBJECT_PREFIX: &str = "kefu.events";

/// Who in a tenant an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every agent session of the tenant.
    Agents,
    /// Every session of one buyer.
    Buyer(Uuid),
    /// Both of the above.
    AgentsAndBuyer(Uuid),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BusEvent {
    pub tenant_id: Uuid,
    pub audience: Audience,
    pub frame: ServerFrame,
}

type Channels = RwLock<HashMap<Uuid, broadcast::Sender<Arc<BusEvent>>>>;

/// The channel a session listens on.
#[derive(Debug, Clone, Copy)]
pub enum Subscription {
    Agents(Uuid),
    Buyer(Uuid),
}

/// Local fan-out: one broadcast channel per tenant (agents) and per buyer.
#[derive(Default)]
pub struct Hub {
    agents: Channels,
    buyers: Channels,
}

impl Hub {
    pub fn subscribe_agents(&self, tenant_id: Uuid) -> broadcast::Receiver<Arc<BusEvent>> {
        subscribe(&self.agents, tenant_id, SESSION_BUFFER)
    }

    pub fn subscribe_buyer(&self, buyer_id: Uuid) -> broadcast::Receiver<Arc<BusEvent>> {
        subscribe(&self.buyers, buyer_id, BUYER_BUFFER)
    }

    /// Drops the channel once its last session has gone.
    pub fn release(&self, subscription: Subscription) {
        let (channels, key) = match subscription {
            Subscription::Agents(tenant) => (&self.agents, tenant),
            Subscription::Buyer(buyer) => (&self.buyers, buyer),
        };
        remove_if_unused(channels, key);
    }

    fn deliver(&self, event: BusEvent) {
        let event = Arc::new(event);
        match event.audience {
            Audience::Agents => send(&self.agents, event.tenant_id, &event),
            Audience::Buyer(buyer) => send(&self.buyers, buyer, &event),
            Audience::AgentsAndBuyer(buyer) => {
                send(&self.agents, event.tenant_id, &event);
                send(&self.buyers, buyer, &event);
            }
        }
    }
}

fn subscribe(
    channels: &Channels,
    key: Uuid,
    capacity: usize,
) -> broadcast::Receiver<Arc<BusEvent>> {
    if let Ok(map) = channels.read()
        && let Some(sender) = map.get(&key)
    {
        return sender.subscribe();
    }
    let mut map = channels
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.entry(key)
        .or_insert_with(|| broadcast::channel(capacity).0)
        .subscribe()
}

fn send(channels: &Channels, key: Uuid, event: &Arc<BusEvent>) {
    let nobody_listens = match channels.read() {
        Ok(map) => match map.get(&key) {
            Some(sender) => sender.send(event.clone()).is_err(),
            None => false,
        },
        Err(_) => false,
    };
    if nobody_listens {
        remove_if_unused(channels, key);
    }
}

fn remove_if_unused(channels: &Channels, key: Uuid) {
    let mut map = channels
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if map.get(&key).is_some_and(|s| s.receiver_count() == 0) {
        map.remove(&key);
    }
}

/// A disconnection or a slow consumer can lose events (core NATS delivers at most once; the
/// sockets fill such gaps from storage): each is logged and counted.
fn note_bus_event(event: &async_nats::Event) {
    let kind = match event {
        async_nats::Event::Connected => {
            tracing::info!("connected to NATS");
            return;
        }
        async_nats::Event::Disconnected => "disconnected",
        async_nats::Event::SlowConsumer(_) => "slow_consumer",
        async_nats::Event::LameDuckMode => "lame_duck",
        async_nats::Event::Draining | async_nats::Event::Closed => "closed",
        async_nats::Event::ServerError(_) | async_nats::Event::ClientError(_) => "error",
    };
    tracing::warn!(%event, "NATS connection");
    metrics::counter!("kefu_bus_incidents_total", "kind" => kind).increment(1);
}

/// Publishes events; local sessions receive them through the hub.
#[derive(Clone)]
pub enum Bus {
    Local(Arc<Hub>),
    Nats {
        client: async_nats::Client,
        hub: Arc<Hub>,
    },
}

impl Bus {
    /// Whether events reach the other processes: always in process, and over NATS while the
    /// connection is up (`/readyz`).
    pub fn is_connected(&self) -> bool {
        match self {
            Bus::Local(_) => true,
            Bus::Nats { client, .. } => {
                client.connection_state() == async_nats::connection::State::Connected
            }
        }
    }

    /// The NATS connection, when there is one (the object store shares it).
    pub fn nats_client(&self) -> Option<async_nats::Client> {
        match self {
            Bus::Local(_) => None,
            Bus::Nats { client, .. } => Some(client.clone()),
        }
    }

    pub fn local() -> Bus {
        Bus::Local(Arc::new(Hub::default()))
    }

    /// Connects to NATS and starts relaying every kefu event from it into the local hub.
    pub async fn nats(url: &str) -> anyhow::Result<Bus> {
        let client = async_nats::ConnectOptions::new()
            .event_callback(|event| async move { note_bus_event(&event) })
            .connect(url)
            .await?;
        let mut subscription = client.subscribe(format!("{SUBJECT_PREFIX}.>")).await?;
        let hub = Arc::new(Hub::default());
        let relay = hub.clone();
        tokio::spawn(async move {
            while let Some(message) = subscription.next().await {
                match serde_json::from_slice::<BusEvent>(&message.payload) {
                    Ok(event) => relay.deliver(event),
                    Err(error) => tracing::warn!(%error, "undecodable event on the bus"),
                }
            }
        });
        // The subscription must be live before this process publishes anything.
        client.flush().await?;
        Ok(Bus::Nats { client, hub })
    }

    pub fn hub(&self) -> &Hub {
        match self {
            Bus::Local(hub) | Bus::Nats { hub, .. } => hub,
        }
    }

    pub async fn publish(&self, tenant_id: Uuid, audience: Audience, frame: ServerFrame) {
        let event = BusEvent {
            tenant_id,
            audience,
            frame,
        };
        match self {
            Bus::Local(hub) => hub.deliver(event),
            Bus::Nats { client, hub } => {
                let subject = format!("{SUBJECT_PREFIX}.{tenant_id}");
                let published = match serde_json::to_vec(&event) {
                    Ok(payload) => client
                        .publish(subject, payload.into())
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(error) = published {
                    // Keep local sessions live even when NATS is down.
                    tracing::warn!(%error, "publishing to NATS failed; delivering locally");
                    hub.deliver(event);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_goes_when_its_last_session_does() {
        let hub = Hub::default();
        let buyer = Uuid::new_v4();
        let first = hub.subscribe_buyer(buyer);
        let second = hub.subscribe_buyer(buyer);
        drop(first);
        hub.release(Subscription::Buyer(buyer));
        assert!(
            hub.buyers.read().unwrap().contains_key(&buyer),
            "one session remains"
        );
        drop(second);
        hub.release(Subscription::Buyer(buyer));
        assert!(hub.buyers.read().unwrap().is_empty());
    }
}
