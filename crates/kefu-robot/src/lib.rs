//! kefu's FAQ robot (BOT-1 … BOT-7), pure: no IO, no HTTP. A knowledge base and a lexicon
//! compile into a [`Robot`] that reads a buyer's message ([`text`]), finds and scores
//! candidates with a model trained on the knowledge base itself ([`model`]), and decides to
//! answer, clarify or hand off ([`robot`]); [`eval`] measures it on labelled questions.
//! Multi-turn flows ([`flow`]) start from the same decision, and [`training`] turns the
//! robot's misses into proposed entries; [`harvest`] adds real buyers' questions from chat
//! logs to the entries people answered them with; [`mining`] groups a week of buyers' questions
//! into topics (DATA-5).

pub mod classifier;
pub mod eval;
pub mod features;
pub mod flow;
pub mod harvest;
pub mod kb;
pub mod lexicon;
pub mod mining;
pub mod model;
pub mod robot;
pub mod text;
pub mod training;

pub use flow::Flow;
pub use kb::{Answer, Entry, Tier, parse_jsonl};
pub use lexicon::Lexicon;
pub use robot::{
    Action, AlsoAnswer, Context, Decision, HandoffReason, Robot, Thresholds, sounds_angry,
};
