//! A spawned kefu for each test (a fresh database, demo data, port 0) and small clients for
//! the agent and buyer APIs and WebSockets. The database is SQLite, or with
//! `KEFU_TEST_BACKEND=postgres` a fresh PostgreSQL database per test (`cargo xtask test`
//! runs the suite both ways).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kefu_server::{Server, Settings, demo};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use uuid::Uuid;

/// The `metrics.token` every test server is started with.
pub const METRICS_TOKEN: &str = "test-metrics-token";

pub struct TestApp {
    pub addr: SocketAddr,
    /// The server's state, for calling what has no HTTP route (housekeeping).
    pub state: Option<kefu_server::AppState>,
    pub http: reqwest::Client,
    pub data_dir: PathBuf,
    /// Empty for SQLite in `data_dir`; else the test's own PostgreSQL database.
    database_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = std::env::temp_dir().join(format!("kefu-test-{}", Uuid::new_v4()));
        let database_url = match std::env::var("KEFU_TEST_BACKEND").as_deref() {
            Ok("postgres") => kefu_store::scratch::create_database().await.unwrap(),
            Ok("sqlite") | Err(_) => String::new(),
            Ok(other) => panic!("KEFU_TEST_BACKEND is sqlite or postgres, not {other}"),
        };
        TestApp::start_in(data_dir, database_url, adjust, true).await
    }

    /// A server on an empty database, as `kefu serve` first meets one, with its setup
    /// link's token (issue #15).
    pub async fn spawn_empty() -> (TestApp, String) {
        let data_dir = std::env::temp_dir().join(format!("kefu-test-{}", Uuid::new_v4()));
        let database_url = match std::env::var("KEFU_TEST_BACKEND").as_deref() {
            Ok("postgres") => kefu_store::scratch::create_database().await.unwrap(),
            _ => String::new(),
        };
        let app = TestApp::start_in(data_dir, database_url, |_| {}, false).await;
        let state = app.state.as_ref().unwrap();
        let token = kefu_server::setup::open_if_empty(state)
            .await
            .unwrap()
            .unwrap();
        (app, token)
    }

    /// Stops the server and starts a new one on the same data: nothing held in memory
    /// survives, only what was stored.
    pub async fn restart(mut self) -> TestApp {
        let data_dir = std::mem::take(&mut self.data_dir);
        let database_url = std::mem::take(&mut self.database_url);
        self.stop().await;
        TestApp::start_in(data_dir, database_url, |_| {}, true).await
    }

    async fn start_in(
        data_dir: PathBuf,
        database_url: String,
        adjust: impl FnOnce(&mut Settings),
        seed: bool,
    ) -> TestApp {
        let mut settings = Settings {
            data_dir: data_dir.clone(),
            database_url: database_url.clone(),
            ..Settings::default()
        };
        settings.metrics.token = METRICS_TOKEN.to_owned();
        // Every test's buyers and agents come from 127.0.0.1: the per-address limits are
        // tested on their own (`limits.rs`).
        settings.limits.sessions_per_minute_per_ip = 1_000_000;
        settings.limits.logins_per_minute_per_ip = 1_000_000;
        settings.limits.uploads_per_minute_per_ip = 1_000_000;
        adjust(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Server::start(settings).await.unwrap();
        if seed {
            demo::seed(&server.state.store).await.unwrap();
        }
        let state = server.state.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            state: Some(state),
            http: reqwest::Client::new(),
            data_dir,
            database_url,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Runs SQL on the test's database behind kefu's back: for tests that make time pass or
    /// tamper with a row. Values go into the text (tests' own ids and numbers only).
    pub async fn tamper(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.database_url.is_empty() {
            let url = kefu_store::Store::sqlite_url_in(&self.data_dir);
            let db = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::raw_sql(sql).execute(&db).await.unwrap();
            db.close().await;
        } else {
            let db = sqlx::PgPool::connect(&self.database_url).await.unwrap();
            sqlx::raw_sql(sql).execute(&db).await.unwrap();
            db.close().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// Signs in and trades the session for an API token.
    pub async fn agent(&self, username: &str) -> AgentClient {
        let login = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), StatusCode::OK, "login {username}");
        let cookie = login
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let me: Value = login.json().await.unwrap();
        let token: Value = self
            .http
            .post(self.url("/api/v1/auth/tokens"))
            .header("cookie", &cookie)
            .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
            .json(&json!({"name": "tests"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        AgentClient {
            base: self.url(""),
            ws_base: self.ws_url(""),
            http: self.http.clone(),
            token: token["token"].as_str().unwrap().to_owned(),
            user_id: me["user"]["id"].as_str().unwrap().parse().unwrap(),
        }
    }

    /// The secret a shop's site signs identity and entry tokens with.
    pub async fn identity_secret(&self, shop: &str) -> String {
        let store = &self.state.as_ref().unwrap().store;
        let tenant = store.tenant_by_slug(shop).await.unwrap().unwrap();
        store
            .identity_secrets(tenant.id)
            .await
            .unwrap()
            .unwrap()
            .current
    }

    /// The Prometheus exposition at `/metrics`.
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// An order as the store holds it, its receiver in clear.
    pub async fn stored_order(&self, shop: &str, order_no: &str) -> kefu_domain::commerce::Order {
        let store = &self.state.as_ref().unwrap().store;
        let tenant = store.tenant_by_slug(shop).await.unwrap().unwrap();
        store.order(tenant.id, order_no).await.unwrap().unwrap()
    }

    pub async fn buyer(&self, shop: &str) -> BuyerClient {
        self.buyer_with(json!({"shop": shop})).await
    }

    pub async fn buyer_with(&self, body: Value) -> BuyerClient {
        let response = self
            .http
            .post(self.url("/api/v1/buyer/session"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let session: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{session}");
        BuyerClient {
            base: self.url(""),
            ws_base: self.ws_url(""),
            http: self.http.clone(),
            token: session["buyer_token"].as_str().unwrap().to_owned(),
            buyer_id: session["buyer"]["id"].as_str().unwrap().parse().unwrap(),
            session,
        }
    }

    pub async fn stop(mut self) {
        // The server waits for every holder of its state before it finishes.
        self.state = None;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if !self.data_dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}

pub struct AgentClient {
    pub base: String,
    ws_base: String,
    pub http: reqwest::Client,
    pub token: String,
    pub user_id: Uuid,
}

impl AgentClient {
    /// The channels of the buyers in `buyer`'s profile (CH-6), once it has `n` of them
    /// (linking runs in the background), the buyer's own first.
    pub async fn profile_channels(&self, buyer: Uuid, n: usize) -> Vec<String> {
        let mut profile = Value::Null;
        for _ in 0..200 {
            profile = self
                .get_json(&format!("/api/v1/buyers/{buyer}/profile"))
                .await;
            if profile["buyers"].as_array().is_some_and(|b| b.len() >= n) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        profile["buyers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| b["channel"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The buyer's messages in this shop's conversation on `channel`, once there are `n`
    /// (a platform's messages enter in the background): the conversation and them.
    pub async fn channel_buyer_messages(&self, channel: &str, n: usize) -> (String, Vec<Value>) {
        for _ in 0..200 {
            if let Some(c) = self
                .conversations("all")
                .await
                .into_iter()
                .find(|c| c["channel"] == channel)
            {
                let id = c["id"].as_str().unwrap().to_owned();
                let mine: Vec<Value> = self
                    .messages(&id)
                    .await
                    .into_iter()
                    .filter(|m| m["sender_kind"] == "buyer")
                    .collect();
                if mine.len() >= n {
                    return (id, mine);
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the {channel} buyer's {n} messages did not arrive");
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// A GET answered with JSON, read.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn conversations(&self, status: &str) -> Vec<Value> {
        let body: Value = self
            .get(&format!("/api/v1/conversations?status={status}"))
            .await
            .json()
            .await
            .unwrap();
        body["conversations"].as_array().unwrap().clone()
    }

    /// The open conversation of `buyer`.
    pub async fn open_conversation_of(&self, buyer: &BuyerClient) -> Value {
        self.conversations("open")
            .await
            .into_iter()
            .find(|c| c["buyer_id"] == buyer.buyer_id.to_string())
            .unwrap()
    }

    pub async fn messages(&self, conversation: &str) -> Vec<Value> {
        let body: Value = self
            .get(&format!("/api/v1/conversations/{conversation}/messages"))
            .await
            .json()
            .await
            .unwrap();
        body["messages"].as_array().unwrap().clone()
    }

    pub async fn reply(&self, conversation: &str, client_msg_id: &str, text: &str) -> Response {
        self.post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"client_msg_id": client_msg_id, "kind": "text", "body": text}),
        )
        .await
    }

    pub async fn event_kinds(&self, conversation: &str) -> Vec<String> {
        let body: Value = self
            .get(&format!("/api/v1/conversations/{conversation}/events"))
            .await
            .json()
            .await
            .unwrap();
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn socket(&self) -> Socket {
        Socket::connect(&format!(
            "{}/api/v1/agent/ws?token={}",
            self.ws_base, self.token
        ))
        .await
    }
}

pub struct BuyerClient {
    pub base: String,
    ws_base: String,
    pub http: reqwest::Client,
    pub token: String,
    pub buyer_id: Uuid,
    pub session: Value,
}

impl BuyerClient {
    pub async fn send(&self, client_msg_id: &str, text: &str) -> Response {
        self.http
            .post(format!("{}/api/v1/buyer/messages", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"client_msg_id": client_msg_id, "kind": "text", "body": text}))
            .send()
            .await
            .unwrap()
    }

    pub async fn messages(&self) -> Vec<Value> {
        let body: Value = self
            .http
            .get(format!("{}/api/v1/buyer/messages", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["messages"].as_array().unwrap().clone()
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        self.http
            .post(format!("{}/api/v1/buyer/attachments", self.base))
            .bearer_auth(&self.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
    }

    pub async fn socket(&self, after_seq: Option<i64>) -> Socket {
        let resume = after_seq
            .map(|s| format!("&after_seq={s}"))
            .unwrap_or_default();
        Socket::connect(&format!(
            "{}/api/v1/buyer/ws?token={}{resume}",
            self.ws_base, self.token
        ))
        .await
    }
}

type WsStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client that reads JSON frames, skipping transport pings.
pub struct Socket {
    stream: WsStream,
}

impl Socket {
    pub async fn connect(url: &str) -> Socket {
        let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut socket = Socket { stream };
        let hello = socket.next().await;
        assert_eq!(hello["type"], "hello");
        socket
    }

    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(WsMessage::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.stream.send(message).await.unwrap();
    }

    /// The next JSON frame, failing the test after 5 s.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s")
                .expect("the socket is open")
                .unwrap();
            match message {
                WsMessage::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                WsMessage::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The next frame of `kind`, skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Frames that arrive within `window`, for asserting that something did *not* happen.
    pub async fn drain(&mut self, window: Duration) -> Vec<Value> {
        let mut frames = vec![];
        while let Ok(Some(Ok(message))) = tokio::time::timeout(window, self.stream.next()).await {
            if let WsMessage::Text(text) = message {
                frames.push(serde_json::from_str(text.as_str()).unwrap());
            }
        }
        frames
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

pub fn text_frame(client_msg_id: &str, body: &str) -> Value {
    json!({"type": "send", "client_msg_id": client_msg_id, "kind": "text", "body": body})
}
