//! kefu's domain: the nouns every other crate shares and the rules that need no IO.
//!
//! Nothing here touches a socket, a file or a database; every rule is a plain function over
//! plain data, so it is unit-tested without a runtime.

pub mod account;
pub mod anomaly;
pub mod appeal;
pub mod arbitration;
pub mod attachment_kinds;
pub mod automation;
pub mod channel;
pub mod cockpit;
pub mod commerce;
pub mod conversation;
pub mod error_code;
pub mod escalation;
pub mod frames;
pub mod guard;
pub mod health;
pub mod hours;
pub mod intake;
pub mod kpi;
pub mod message;
pub mod money;
pub mod notify;
pub mod phrases;
pub mod playbook;
pub mod profile;
pub mod qa;
pub mod questions;
pub mod rating;
pub mod robot;
pub mod role;
pub mod routing;
pub mod session;
pub mod tags;
pub mod time;
pub mod work_order;
