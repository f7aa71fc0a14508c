//! The two WebSocket protocols (`docs/websocket.md`). One task per connection owns its socket;
//! it reads client frames, forwards bus events, pings, and closes with 1012 on shutdown.

use std::future::Future;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use kefu_domain::account::{AgentStatus, Buyer};
use kefu_domain::channel::Entry;
use kefu_domain::error_code::ErrorCode;
use kefu_domain::frames::{ClientFrame, Party, ServerFrame};
use kefu_domain::role::Permission;
use kefu_store::writer::Pending;
use serde::Deserialize;
use tokio::sync::broadcast;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Agent, SESSION_COOKIE, authenticate_agent};
use crate::bus::{Audience, BusEvent, Subscription};
use crate::desk::inbound::{self, SendMessage};
use crate::desk::outbound;
use crate::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiQuery, ApiWebSocket};

const HEARTBEAT: Duration = Duration::from_secs(20);
/// Largest WebSocket message accepted at the transport; above `MAX_FRAME_BYTES` it is
/// answered with `frame_too_large` rather than a dropped connection.
const MAX_TRANSPORT_BYTES: usize = 1024 * 1024;
/// Close code 1012: service restart; clients reconnect and resume.
const CLOSE_RESTART: u16 = 1012;
/// Close code 1008: policy violation; here, the agent's session has ended.
const CLOSE_POLICY: u16 = 1008;
/// Bytes read from a socket at a time (tungstenite's default is 128 KiB, allocated up front
/// for every connection). A larger frame grows the buffer while it is read (issue #14: an
/// idle socket costs a few KB, not 194).
const READ_BUFFER_BYTES: usize = 2 * 1024;

/// The close code for a socket whose client broke the protocol (RFC 6455 §7.4.1): 1007 for
/// a text frame that is not UTF-8, 1009 for a message above `MAX_TRANSPORT_BYTES`, 1002 for
/// any other protocol error; `None` when the connection itself is gone.
fn close_code_for(error: &axum::Error) -> Option<u16> {
    use std::error::Error as _;
    use tokio_tungstenite::tungstenite::Error;
    match error.source()?.downcast_ref::<Error>()? {
        Error::Utf8(_) => Some(1007),
        Error::Capacity(_) => Some(1009),
        Error::Protocol(_) => Some(1002),
        _ => None,
    }
}

/// The socket settings both roles share: small buffers, and the transport's size limit.
fn tuned(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(MAX_TRANSPORT_BYTES)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BuyerWsQuery {
    /// The buyer token from `POST /api/v1/buyer/session`.
    // Required, but read as empty when missing: then `401 unauthenticated` like every route
    // that needs a caller (ACC-3), rather than `400 invalid_query`.
    #[serde(default)]
    #[param(required = true)]
    token: String,
    /// Replay stored messages after this seq before live ones.
    after_seq: Option<i64>,
}

/// The buyer's WebSocket (`docs/websocket.md`): upgrade, then `ClientFrame`s in and
/// `ServerFrame`s out.
#[utoipa::path(get, path = "/api/v1/buyer/ws", tag = "buyer", params(BuyerWsQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"), (status = 401, body = ErrorBody)))]
pub async fn buyer(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BuyerWsQuery>,
    ApiWebSocket(ws): ApiWebSocket,
) -> Result<Response, ApiError> {
    let claims = state
        .keys
        .verify_buyer_token(&query.token)
        .ok_or(ErrorCode::Unauthenticated)?;
    let buyer = state
        .store
        .buyer(claims.tenant, claims.sub)
        .await?
        .ok_or(ErrorCode::Unauthenticated)?;
    let tracker = state.sessions.clone();
    Ok(tuned(ws).on_upgrade(move |socket| {
        tracker.track_future(run(
            socket,
            state,
            Role::Buyer {
                buyer,
                entry: claims.entry,
                after_seq: query.after_seq,
            },
        ))
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentWsQuery {
    /// An API token; browsers use the session cookie instead.
    token: Option<String>,
}

/// The agent's WebSocket (`docs/websocket.md`): the tenant's live events.
#[utoipa::path(get, path = "/api/v1/agent/ws", tag = "conversations", params(AgentWsQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn agent(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AgentWsQuery>,
    headers: HeaderMap,
    ApiWebSocket(ws): ApiWebSocket,
) -> Result<Response, ApiError> {
    let agent = socket_agent(
        &state,
        query.token.as_deref(),
        &headers,
        Permission::ConversationRead,
    )
    .await?;
    let tracker = state.sessions.clone();
    Ok(tuned(ws)
        .on_upgrade(move |socket| tracker.track_future(run(socket, state, Role::Agent(agent)))))
}

/// The agent opening a WebSocket, by an API token or the session cookie, with `permission`.
pub(crate) async fn socket_agent(
    state: &AppState,
    token: Option<&str>,
    headers: &HeaderMap,
    permission: Permission,
) -> Result<Agent, ApiError> {
    let jar = CookieJar::from_headers(headers);
    let cookie = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    let agent = authenticate_agent(state, token, cookie.as_deref()).await?;
    if agent.by_cookie && !same_origin(headers) {
        // A cookie rides along on cross-site WebSocket requests: refuse them (CSWSH).
        return Err(ErrorCode::Forbidden.into());
    }
    agent.require(permission)?;
    Ok(agent)
}

/// A browser's WebSocket request comes from the page's own origin (or from no browser).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

enum Role {
    Buyer {
        buyer: Buyer,
        entry: Entry,
        after_seq: Option<i64>,
    },
    Agent(Agent),
}

struct Session {
    state: AppState,
    role: Role,
    /// The buyer's conversation, once there is one.
    conversation_id: Option<Uuid>,
    /// Every message of the buyer's conversation up to this seq has gone to this socket,
    /// when that is known: a live message past the next one means the bus lost some (core
    /// NATS delivers at most once), and the missing ones are sent from storage first.
    delivered_up_to: Option<i64>,
    limiter: DefaultDirectRateLimiter,
    /// Sends submitted and not yet answered, in the order the client sent them: a client
    /// may keep several in flight, and each is answered (`ack` or `error`) in that order.
    in_flight: FuturesOrdered<Answer>,
}

/// A send's answer once it is ready: when the frame came in, its client id, and the outcome.
type Answer =
    Pin<Box<dyn Future<Output = (Instant, String, Result<ServerFrame, ApiError>)> + Send + Sync>>;

/// How many sends one connection may have in flight; past it the session stops reading
/// until answers go out (backpressure rather than an unbounded queue).
const MAX_IN_FLIGHT: usize = 64;

enum Step {
    Continue,
    Close(Option<u16>),
}

/// A client's socket, and how long a message may wait for that client to read it.
struct Wire {
    socket: WebSocket,
    send_deadline: Duration,
}

impl Wire {
    async fn recv(&mut self) -> Option<Result<WsMessage, axum::Error>> {
        self.socket.recv().await
    }
}

async fn run(socket: WebSocket, state: AppState, role: Role) {
    let mut socket = Wire {
        socket,
        send_deadline: Duration::from_secs(state.settings.limits.socket_send_seconds.max(1)),
    };
    let label = match role {
        Role::Buyer { .. } => "buyer",
        Role::Agent(_) => "agent",
    };
    let subscription = match &role {
        Role::Buyer { buyer, .. } => Subscription::Buyer(buyer.id),
        Role::Agent(agent) => Subscription::Agents(agent.tenant_id()),
    };
    let bus = state.bus.clone();
    metrics::gauge!("kefu_ws_connections", "role" => label).increment(1.0);
    // Boxed, as are its opening and the steps inside it that touch storage or hold a frame:
    // an idle session's future holds only what waiting needs (2.7 KB, from 15 KB; issue #14).
    if let Err(error) = Box::pin(session(&mut socket, state, role)).await {
        tracing::debug!(%error, "websocket session ended with an error");
    }
    // The session's receiver is gone: free the channel if nobody else listens.
    bus.hub().release(subscription);
    metrics::gauge!("kefu_ws_connections", "role" => label).decrement(1.0);
}

async fn session(socket: &mut Wire, state: AppState, role: Role) -> anyhow::Result<()> {
    let mut events = match &role {
        Role::Buyer { buyer, .. } => state.bus.hub().subscribe_buyer(buyer.id),
        Role::Agent(agent) => state.bus.hub().subscribe_agents(agent.tenant_id()),
    };
    let per_second = NonZeroU32::new(state.settings.limits.messages_per_second.max(1))
        .unwrap_or(NonZeroU32::MIN);
    let burst = per_second.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
    let mut s = Session {
        limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
        conversation_id: None,
        delivered_up_to: None,
        in_flight: FuturesOrdered::new(),
        state,
        role,
    };

    Box::pin(greet(socket, &mut s)).await?;

    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.tick().await;
    let mut last_heard = Instant::now();
    let shutdown = s.state.shutdown.clone();
    loop {
        let step = tokio::select! {
            Some((received, client_msg_id, answer)) = s.in_flight.next() => {
                metrics::histogram!("kefu_ack_seconds").record(received.elapsed().as_secs_f64());
                Box::pin(answer_send(socket, client_msg_id, answer)).await?;
                Step::Continue
            }
            inbound = socket.recv(), if s.in_flight.len() < MAX_IN_FLIGHT => match inbound {
                None => return Ok(()),
                Some(Err(error)) => match close_code_for(&error) {
                    Some(code) => Step::Close(Some(code)),
                    None => return Ok(()),
                },
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    Box::pin(s.on_inbound(socket, message)).await?
                }
            },
            event = events.recv() => match event {
                Ok(event) => Box::pin(s.on_event(socket, &event)).await?,
                // Fell behind: close so the client resumes from its last seq, with no gap.
                Err(broadcast::error::RecvError::Lagged(_)) => Step::Close(Some(1013)),
                Err(broadcast::error::RecvError::Closed) => Step::Close(Some(CLOSE_RESTART)),
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > HEARTBEAT * 3 {
                    Step::Close(None)
                } else if !Box::pin(s.still_signed_in()).await {
                    // Logged out, disabled or expired since the upgrade.
                    Step::Close(Some(CLOSE_POLICY))
                } else {
                    transmit(socket, WsMessage::Ping(Default::default())).await?;
                    Step::Continue
                }
            }
            _ = shutdown.cancelled() => Step::Close(Some(CLOSE_RESTART)),
        };
        if let Step::Close(code) = step {
            let frame = code.map(|code| CloseFrame {
                code,
                reason: Utf8Bytes::from_static("reconnect"),
            });
            let _ = transmit(socket, WsMessage::Close(frame)).await;
            return Ok(());
        }
    }
}

/// The session's opening: `hello`, and for a buyer their conversation's replay and read
/// mark; an agent comes online first. Its own future, so what it holds (a conversation, frames)
/// is not carried by the idle session's.
async fn greet(socket: &mut Wire, s: &mut Session) -> anyhow::Result<()> {
    let session_id = Uuid::new_v4();
    if let Role::Buyer {
        buyer, after_seq, ..
    } = &s.role
    {
        let current = Box::pin(
            s.state
                .store
                .current_conversation(buyer.tenant_id, buyer.id),
        )
        .await?;
        s.conversation_id = current.as_ref().map(|c| c.id);
        // With no conversation yet, whichever starts is followed from its first message.
        s.delivered_up_to = current.is_none().then_some(0);
        // A waiting buyer hears their place in the queue again (WB-4).
        if let Some(waiting) = current.as_ref().filter(|c| c.assignee_id.is_none()) {
            s.state.dispatcher.retell(waiting.id);
        }
        send(socket, &hello(session_id, current.as_ref().map(|c| c.id))).await?;
        if let Some(current) = &current {
            if let Some(after) = *after_seq {
                let replayed = Box::pin(replay(socket, &s.state, buyer, current.id, after)).await?;
                // An `after_seq` past this conversation's end (the client's last seq of an
                // earlier one) must not hide its live messages.
                s.delivered_up_to = Some(match replayed > after {
                    true => replayed,
                    false => after.min(current.last_seq),
                });
            }
            // Where the team has read up to, so "read" ticks survive a reload.
            let read = ServerFrame::Read {
                conversation_id: current.id,
                party: Party::Agent,
                seq: current.agent_read_seq,
            };
            send(socket, &read).await?;
        }
    } else {
        // Online before `hello`: the client asks for its status once it hears `hello`, and
        // must not read the offline it had before this socket (WB-9).
        if let Role::Agent(agent) = &s.role {
            Box::pin(come_online(&s.state, agent)).await?;
        }
        send(socket, &hello(session_id, None)).await?;
    }

    Ok(())
}

/// An offline agent who opens the workbench becomes online (WB-9); the team, this session
/// included (it subscribed first), hears it.
async fn come_online(state: &AppState, agent: &Agent) -> anyhow::Result<()> {
    if agent.user.status != AgentStatus::Offline {
        return Ok(());
    }
    state
        .store
        .set_user_status(agent.tenant_id(), agent.user.id, AgentStatus::Online, None)
        .await?;
    state.dispatcher.wake();
    let presence = ServerFrame::Presence {
        user_id: agent.user.id,
        status: AgentStatus::Online.as_str().to_owned(),
        reason: None,
        until: None,
    };
    state
        .bus
        .publish(agent.tenant_id(), Audience::Agents, presence)
        .await;
    Ok(())
}

fn hello(session_id: Uuid, conversation_id: Option<Uuid>) -> ServerFrame {
    ServerFrame::Hello {
        session_id,
        conversation_id,
        heartbeat_ms: u64::try_from(HEARTBEAT.as_millis()).unwrap_or(20_000),
    }
}

/// Sends a queued send's answer: its ack, or its error.
async fn answer_send(
    socket: &mut Wire,
    client_msg_id: String,
    answer: Result<ServerFrame, ApiError>,
) -> anyhow::Result<()> {
    match answer {
        Ok(frame) => send(socket, &frame).await,
        Err(error) => send_error(socket, &error, Some(client_msg_id)).await,
    }
}

async fn send(socket: &mut Wire, frame: &ServerFrame) -> anyhow::Result<()> {
    let text = serde_json::to_string(frame)?;
    transmit(socket, WsMessage::Text(text.into())).await
}

/// Sends one message, giving up on a client that has stopped reading: a full socket must not
/// hold the session (and its heartbeat and shutdown) forever.
async fn transmit(socket: &mut Wire, message: WsMessage) -> anyhow::Result<()> {
    // Boxed: the deadline's timer would otherwise sit in every idle session's future.
    let sending = Box::pin(tokio::time::timeout(
        socket.send_deadline,
        socket.socket.send(message),
    ));
    match sending.await {
        Ok(sent) => Ok(sent?),
        Err(_) => anyhow::bail!("the client stopped reading"),
    }
}

async fn send_error(
    socket: &mut Wire,
    error: &ApiError,
    client_msg_id: Option<String>,
) -> anyhow::Result<()> {
    let body = error.body();
    send(
        socket,
        &ServerFrame::Error {
            code: body.code,
            message: body.message,
            client_msg_id,
        },
    )
    .await
}

/// Sends every stored message after `after_seq`, page by page; returns the last seq sent.
async fn replay(
    socket: &mut Wire,
    state: &AppState,
    buyer: &Buyer,
    conversation_id: Uuid,
    after_seq: i64,
) -> anyhow::Result<i64> {
    const PAGE: i64 = 500;
    let mut last = after_seq;
    loop {
        let page = state
            .store
            .messages(buyer.tenant_id, conversation_id, last, None, PAGE)
            .await?;
        let full = page.len() as i64 == PAGE;
        for message in page {
            last = message.seq;
            let message = outbound::present(state, message);
            send(socket, &ServerFrame::Message { message }).await?;
        }
        if !full {
            return Ok(last);
        }
    }
}

impl Session {
    /// Buyers hold signed tokens; an agent's session or API token must still exist.
    async fn still_signed_in(&self) -> bool {
        match &self.role {
            Role::Buyer { .. } => true,
            Role::Agent(agent) => {
                !matches!(self.state.store.session(&agent.token_hash).await, Ok(None))
            }
        }
    }

    async fn on_inbound(&mut self, socket: &mut Wire, message: WsMessage) -> anyhow::Result<Step> {
        let text = match message {
            WsMessage::Text(text) => text,
            WsMessage::Binary(_) => {
                let error = ApiError::new(
                    ErrorCode::BinaryNotSupported,
                    "frames are JSON text; upload files over HTTP",
                );
                send_error(socket, &error, None).await?;
                return Ok(Step::Continue);
            }
            WsMessage::Close(_) => return Ok(Step::Close(None)),
            WsMessage::Ping(_) | WsMessage::Pong(_) => return Ok(Step::Continue),
        };
        let frame = match ClientFrame::parse(text.as_str()) {
            Ok(frame) => frame,
            Err(error) => {
                send_error(socket, &error.into(), None).await?;
                return Ok(Step::Continue);
            }
        };
        match frame {
            ClientFrame::Ping => send(socket, &ServerFrame::Pong).await?,
            ClientFrame::Send {
                conversation_id,
                client_msg_id,
                kind,
                body,
                attachment_id,
            } => {
                let request = SendMessage {
                    client_msg_id: client_msg_id.clone(),
                    kind,
                    body,
                    attachment_id,
                };
                let received = Instant::now();
                let submitted = if self.limiter.check().is_err() {
                    Err(ErrorCode::RateLimited.into())
                } else {
                    self.submit(conversation_id, request).await
                };
                let answer: Answer = match submitted {
                    Ok(pending) => Box::pin(async move {
                        let answer = pending.await.map(outbound::ack).map_err(ApiError::from);
                        (received, client_msg_id, answer)
                    }),
                    Err(error) => Box::pin(async move { (received, client_msg_id, Err(error)) }),
                };
                self.in_flight.push_back(answer);
            }
            // Typing and read frames share the sender's budget; over it they are dropped.
            ClientFrame::Typing { .. } | ClientFrame::Read { .. }
                if self.limiter.check().is_err() => {}
            ClientFrame::Typing { conversation_id } => {
                if let Err(error) = self.typing(conversation_id).await {
                    send_error(socket, &error, None).await?;
                }
            }
            ClientFrame::Read {
                conversation_id,
                seq,
            } => {
                if let Err(error) = self.read(conversation_id, seq).await {
                    send_error(socket, &error, None).await?;
                }
            }
        }
        Ok(Step::Continue)
    }

    /// Queues a send behind this session's earlier ones; a buyer's first send opens their
    /// conversation first, so later sends go to the same one.
    async fn submit(
        &mut self,
        conversation_id: Option<Uuid>,
        request: SendMessage,
    ) -> Result<Pending, ApiError> {
        match &self.role {
            Role::Buyer { buyer, entry, .. } => {
                let (pending, conversation_id) = inbound::submit_as_buyer(
                    &self.state,
                    buyer,
                    *entry,
                    self.conversation_id,
                    request,
                )
                .await?;
                self.conversation_id = Some(conversation_id);
                Ok(pending)
            }
            Role::Agent(agent) => {
                let conversation_id = conversation_id.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::ConversationRequired,
                        "agents name the conversation",
                    )
                })?;
                inbound::submit_as_agent(&self.state, agent, conversation_id, request).await
            }
        }
    }

    async fn typing(&self, conversation_id: Option<Uuid>) -> Result<(), ApiError> {
        match &self.role {
            Role::Buyer { buyer, .. } => {
                if let Some(conversation_id) = self.conversation_id {
                    self.state
                        .bus
                        .publish(
                            buyer.tenant_id,
                            Audience::Agents,
                            ServerFrame::Typing {
                                conversation_id,
                                party: Party::Buyer,
                                user_id: None,
                            },
                        )
                        .await;
                }
            }
            Role::Agent(agent) => {
                agent.require(Permission::ConversationReply)?;
                let conversation_id = conversation_id.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::ConversationRequired,
                        "agents name the conversation",
                    )
                })?;
                let conversation = self
                    .state
                    .store
                    .conversation(agent.tenant_id(), conversation_id)
                    .await?
                    .ok_or(ErrorCode::ConversationNotFound)?;
                self.state
                    .bus
                    .publish(
                        agent.tenant_id(),
                        Audience::Buyer(conversation.buyer_id),
                        ServerFrame::Typing {
                            conversation_id,
                            party: Party::Agent,
                            user_id: Some(agent.user.id),
                        },
                    )
                    .await;
            }
        }
        Ok(())
    }

    async fn read(&self, conversation_id: Option<Uuid>, seq: i64) -> Result<(), ApiError> {
        match &self.role {
            Role::Buyer { buyer, .. } => {
                inbound::read_by_buyer(&self.state, buyer, seq).await?;
            }
            Role::Agent(agent) => {
                let conversation_id = conversation_id.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::ConversationRequired,
                        "agents name the conversation",
                    )
                })?;
                inbound::read_by_agent(&self.state, agent, conversation_id, seq).await?;
            }
        }
        Ok(())
    }

    async fn on_event(&mut self, socket: &mut Wire, event: &Arc<BusEvent>) -> anyhow::Result<Step> {
        if let (ServerFrame::Message { message }, Role::Buyer { buyer, .. }) =
            (&event.frame, &self.role)
        {
            if Some(message.conversation_id) != self.conversation_id {
                // Another conversation: one that starts here is followed from its first
                // message; one met midway (a late message of an earlier one) from this one,
                // never replayed whole.
                if self.conversation_id.is_some() {
                    self.delivered_up_to = (message.seq == 1).then_some(0);
                }
                self.conversation_id = Some(message.conversation_id);
            }
            match self.delivered_up_to {
                Some(delivered) if message.seq <= delivered => return Ok(Step::Continue),
                Some(delivered) if message.seq > delivered + 1 => {
                    // A gap: storage holds this message and the ones the bus lost.
                    metrics::counter!("kefu_ws_gaps_filled_total").increment(1);
                    let (state, conversation_id) = (self.state.clone(), message.conversation_id);
                    let last =
                        Box::pin(replay(socket, &state, buyer, conversation_id, delivered)).await?;
                    self.delivered_up_to = Some(last.max(message.seq));
                    if last >= message.seq {
                        return Ok(Step::Continue);
                    }
                }
                _ => self.delivered_up_to = Some(message.seq),
            }
        }
        // WB-8: a conversation up for grabs is shown to its team; WB-7: an alert to those who
        // manage teams.
        if let Role::Agent(agent) = &self.role {
            let shown = match &event.frame {
                ServerFrame::Grab { conversation } => {
                    conversation.team.is_some() && conversation.team == agent.user.team
                }
                ServerFrame::Alert { .. } => agent.may(Permission::TeamManage),
                ServerFrame::Notice { notice } => match notice.to {
                    Some(to) => to == agent.user.id,
                    None => agent.may(Permission::ReportView),
                },
                _ => true,
            };
            if !shown {
                return Ok(Step::Continue);
            }
        }
        // ACC-5: a request's amount and reason reach only those who may decide it, and its
        // requester.
        if let (ServerFrame::Approval { approval }, Role::Agent(agent)) = (&event.frame, &self.role)
            && !agent.may(approval.kind.approve_permission())
            && approval.requested_by != agent.user.id
        {
            return Ok(Step::Continue);
        }
        send(socket, &event.frame).await?;
        Ok(Step::Continue)
    }
}
