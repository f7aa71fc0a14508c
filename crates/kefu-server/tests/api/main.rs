//! kefu's API integration tests: one binary, one module per feature, each test against its
//! own spawned server on a fresh SQLite database with the demo data.

mod attachments;
mod auth;
mod conversations;
mod helpers;
mod identity;
mod isolation;
mod ops;
mod websocket;
