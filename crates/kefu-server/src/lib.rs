//! kefu's server. Three rooms and what they share:
//! - `desk`: the conversation orchestration (the one inbound door every channel calls, the
//!   live router, the robot and its flows, cards, the outbound door); it knows no HTTP;
//! - `http`: the JSON API, both WebSocket protocols, the embedded web UI, `/healthz` and
//!   `/metrics`, from one route list that also builds the OpenAPI document;
//! - `jobs`: housekeeping, sweeps and weekly training, run by one leader among processes;
//! - `cases`: what follows a problem past the chat: work orders (issue #20); no HTTP;
//! - `reports`: the event log read into daily rollups, scorecards, rankings and the QA
//!   sample (issue #18); it knows no HTTP;
//! - shared below them: `state` (`AppState`), `auth` (credentials and keys), `bus`,
//!   `audit`, `error`, `settings`; `accounts` (shops and accounts by the API's rules),
//!   `import` and `demo` for the command line too.
//!
//! [`Server::start`] opens storage and the bus; [`Server::serve`] runs until its shutdown
//! future resolves, then drains sessions and the message writer.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bus;
pub mod cases;
pub mod channels;
pub mod deliveries;
pub mod demo;
pub mod demo_questions;
pub mod demo_shop;
pub mod demo_work_orders;
pub mod desk;
pub mod error;
pub mod files;
pub mod http;
pub mod import;
pub mod jobs;
pub mod reports;
pub mod server;
pub mod settings;
pub mod setup;
pub mod state;

pub use server::{Server, launch_with_listener};
pub use settings::Settings;
pub use state::AppState;
