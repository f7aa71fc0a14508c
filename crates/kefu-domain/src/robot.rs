//! The robot as a shop configures it (BOT-3, BOT-7): whether it serves buyers first, only
//! suggests replies to agents, or stays off; night-only service; and the shop's lexicons.
//! The matching itself lives in the `kefu-robot` crate.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the robot takes part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RobotMode {
    /// Agents only.
    #[default]
    Off,
    /// The robot suggests replies to agents; buyers only ever talk to people.
    Assist,
    /// The robot answers first and hands off what it cannot.
    RobotFirst,
}

impl RobotMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RobotMode::Off => "off",
            RobotMode::Assist => "assist",
            RobotMode::RobotFirst => "robot_first",
        }
    }

    pub fn parse(s: &str) -> Option<RobotMode> {
        Some(match s {
            "off" => RobotMode::Off,
            "assist" => RobotMode::Assist,
            "robot_first" => RobotMode::RobotFirst,
            _ => return None,
        })
    }
}

/// A shop's robot settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RobotSettings {
    pub mode: RobotMode,
    /// With `robot_first`: only outside the shop's office hours (BOT-7, nights).
    #[serde(default)]
    pub night_only: bool,
    /// Lexicons (BOT-2): `synonyms`, `colloquial`, `negations`, `terms`, `blocked`.
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub lexicon: serde_json::Value,
    /// Bumped by every change to the knowledge base or lexicons.
    #[serde(default)]
    pub kb_version: i64,
    /// The confidence at or above which the robot answers, picked by the shop on its
    /// calibration curve (BOT-6); none: the robot's default.
    #[serde(default)]
    pub answer_threshold: Option<f32>,
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

/// One line of the robot's log: what it was asked and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RobotLogEntry {
    pub conversation_id: Option<uuid::Uuid>,
    pub at: i64,
    pub text: String,
    /// `answer`, `clarify`, `handoff`, `greet`.
    pub action: String,
    pub entry_id: Option<String>,
    pub reason: Option<String>,
    pub confidence: f64,
    /// Clarify: the entry ids offered.
    pub choices: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for mode in [RobotMode::Off, RobotMode::Assist, RobotMode::RobotFirst] {
            assert_eq!(RobotMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(RobotMode::parse("always"), None);
    }
}
