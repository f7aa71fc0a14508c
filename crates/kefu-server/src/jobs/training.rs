//! The robot's training loop (BOT-5): the questions it missed in the last weeks, with what
//! agents answered them, are clustered (`kefu_robot::training`) into proposals, on demand
//! (`POST /api/v1/robot/proposals/run`) and weekly for every shop that uses the robot.

use std::collections::HashSet;

use kefu_domain::time::now_ms;
use kefu_robot::training::{Miss, propose};
use kefu_store::NewProposal;
use uuid::Uuid;

use crate::AppState;
use crate::desk::robot::{context_of_shop, robot_for};
use crate::error::ApiError;

/// Misses from this far back are analysed.
const WINDOW_MS: i64 = 28 * 86_400_000;
/// At most this many misses per run.
const MAX_MISSES: i64 = 5_000;
/// Each shop's misses are analysed again after a week.
const WEEK_MS: i64 = 7 * 86_400_000;

pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the shop's proposals from its robot's misses and replaces the pending ones.
pub async fn train(state: &AppState, tenant_id: Uuid) -> Result<u64, ApiError> {
    let robot = robot_for(state, tenant_id).await?;
    let misses: Vec<Miss> = state
        .store
        .robot_misses(tenant_id, now_ms() - WINDOW_MS, MAX_MISSES)
        .await?
        .into_iter()
        .map(|m| Miss {
            text: m.text,
            human_answer: m.human_answer,
        })
        .collect();
    // What a person rejected is not proposed again.
    let skip: HashSet<String> = state
        .store
        .proposals(tenant_id, "rejected", 1_000)
        .await?
        .iter()
        .flat_map(|p| strings(&p.body["examples"]))
        .map(|t| robot.analyze(&t).normalized.replace(' ', ""))
        .collect();
    let context = context_of_shop(state, tenant_id).await;
    let proposals = tokio::task::spawn_blocking(move || propose(&robot, &misses, &context, &skip))
        .await
        .map_err(|e| ApiError::Internal(format!("analysing misses: {e}")))?;
    let rows: Vec<NewProposal> = proposals
        .into_iter()
        .map(|p| NewProposal {
            kind: p.kind.as_str().to_owned(),
            entry_id: p.entry_id.clone(),
            asked: i64::from(p.count),
            body: serde_json::json!({
                "question": p.question,
                "similar": p.similar,
                "answer": p.answer,
                "examples": p.examples,
                "human_answers": p.human_answers,
                "entry_question": p.entry_question,
            }),
        })
        .collect();
    Ok(state.store.replace_proposals(tenant_id, &rows).await?)
}

/// Analyses the misses of every shop whose robot was last trained over a week ago.
pub async fn train_due(state: &AppState) {
    match state
        .store
        .robots_due_for_training(now_ms() - WEEK_MS)
        .await
    {
        Ok(due) => {
            for tenant_id in due {
                if let Err(error) = train(state, tenant_id).await {
                    tracing::warn!(%error, %tenant_id, "the weekly robot training failed");
                }
            }
        }
        Err(error) => tracing::warn!(%error, "listing robots due for training failed"),
    }
}
