//! kefu's API integration tests: one binary, one module per feature, each test against its
//! own spawned server on a fresh SQLite database with the demo data.

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

mod attachments;
mod auth;
mod automation;
mod blocklist;
mod channels;
mod cockpit;
mod commerce;
mod conversations;
mod dispatch;
mod douyin;
mod email;
mod escalations;
mod guard;
mod helpers;
mod identity;
mod isolation;
mod kpi;
mod ops;
mod permissions;
mod phone;
mod phrases;
mod presence;
mod questions;
mod ratings;
mod robot;
mod routing;
mod setup;
mod tags;
mod transfer;
mod websocket;
mod wecom;
mod widget;
mod work_orders;
