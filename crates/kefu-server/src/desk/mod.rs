//! The service desk: what happens to a conversation, whichever channel it came from and
//! whoever answers it. No HTTP here (no axum, no handler types): `http` and, next, the
//! channel adapters call in; replies leave through `outbound`.
//!
//! - `inbound`: the one door every channel's buyer message and every agent reply enters by
//!   (parse, resolve cards, open or reopen the conversation, hand to the writer);
//! - `outbound`: what happens after the writer commits (publish to the tenant's sessions,
//!   wake the router and the robot), and presence;
//! - `dispatch`: the live router (WB-4): queue, claims, stranded conversations;
//! - `robot` and `flows`: the robot at the desk (BOT-3) and its multi-turn flows (BOT-4);
//! - `shop_cache`: what the desk keeps per shop for a few seconds (compiled rules, status);
//! - `service`: what the buyer sees before writing: agents online, the typical first
//!   response of the last 7 days, the next opening;
//! - `cards`: order and product cards, shown only to the buyer they belong to;
//! - `automation`: the shop's automatic replies (WB-2): welcome, keyword rules, idle nudge,
//!   off-hours, queue and closing messages;
//! - `intake`: the blocklist and the intake filter (WB-6): spam closes its conversation as
//!   invalid before it is stored;
//! - `profiles`: one person across channels (CH-6): buyers linked by a shared key;
//! - `hooks`: who hears of each committed message (the router, the robot, the automation).

pub mod automation;
pub mod cards;
pub mod dispatch;
pub mod flows;
pub mod hooks;
pub mod inbound;
pub mod intake;
pub mod opener;
pub mod outbound;
pub mod profiles;
pub mod robot;
pub mod service;
pub mod shop_cache;
