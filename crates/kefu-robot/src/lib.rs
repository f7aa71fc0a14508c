//! kefu's FAQ robot (BOT-1 … BOT-7), pure: no IO, no HTTP. A knowledge base and a lexicon
//! compile into a [`Robot`] that reads a buyer's message ([`text`]), finds and scores
//! candidates with a model trained on the knowledge base itself ([`model`]), and decides to
//! answer, clarify or hand off ([`robot`]); [`eval`] measures it on labelled questions.

pub mod classifier;
pub mod eval;
pub mod features;
pub mod kb;
pub mod lexicon;
pub mod model;
pub mod robot;
pub mod text;

pub use kb::{Answer, Entry, Tier, parse_jsonl};
pub use lexicon::Lexicon;
pub use robot::{Action, Context, Decision, HandoffReason, Robot, Thresholds};
