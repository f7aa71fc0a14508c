//! The after-contact funnel (DATA-4): conversations that came with a product or an order,
//! asked → served → ordered → paid (within 24 hours of the service), read off the daily and
//! hourly rollups by team, agent, product and entry; and the buyers who left after an
//! agent's reply without ordering, to follow up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::kpi::Funnel;
use kefu_store::HourFilter;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Range, day_key};
use crate::AppState;
use crate::error::ApiError;

/// Products listed, most asked about first.
const TOP_PRODUCTS: usize = 30;
/// Buyers listed to follow up.
pub const DROPPED_LIMIT: usize = 200;

/// A funnel of one team, agent, product or entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelLine {
    /// The team's or product's key, the agent's id, the entry (`shop_home`, …; empty: none).
    pub key: String,
    pub name: String,
    pub funnel: Funnel,
}

/// The funnel over a range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelReport {
    pub from: String,
    pub to: String,
    pub shop: Funnel,
    pub teams: Vec<FunnelLine>,
    pub agents: Vec<FunnelLine>,
    pub products: Vec<FunnelLine>,
    pub entries: Vec<FunnelLine>,
}

/// The funnel of the shop's days `range`.
pub async fn report(
    state: &AppState,
    tenant_id: Uuid,
    range: Range,
) -> Result<FunnelReport, ApiError> {
    let (from, to) = (day_key(range.from), day_key(range.to));
    let rows = state.store.kpi_rows(tenant_id, &from, &to).await?;
    let users = state.store.accounts(tenant_id).await?;
    let teams = state.store.teams(tenant_id).await?;
    let mut shop = Funnel::default();
    let mut agents: BTreeMap<Uuid, Funnel> = BTreeMap::new();
    let mut products: BTreeMap<String, Funnel> = BTreeMap::new();
    for row in &rows {
        shop.add(&row.tally.funnel);
        if let Some(agent) = row.agent_id {
            agents.entry(agent).or_default().add(&row.tally.funnel);
        }
        for (code, funnel) in &row.tally.product_funnel {
            products.entry(code.clone()).or_default().add(funnel);
        }
    }
    let mut team_funnels: BTreeMap<String, Funnel> = BTreeMap::new();
    let mut agent_lines = Vec::new();
    for (agent, funnel) in agents.into_iter().filter(|(_, f)| !f.is_empty()) {
        let user = users.iter().find(|u| u.id == agent);
        if let Some(team) = user.and_then(|u| u.team.clone()) {
            team_funnels.entry(team).or_default().add(&funnel);
        }
        agent_lines.push(FunnelLine {
            key: agent.to_string(),
            name: user.map_or_else(|| agent.to_string(), |u| u.display_name.clone()),
            funnel,
        });
    }
    agent_lines.sort_by(|a, b| {
        b.funnel
            .served
            .cmp(&a.funnel.served)
            .then_with(|| a.name.cmp(&b.name))
    });
    let team_lines = team_funnels
        .into_iter()
        .map(|(key, funnel)| FunnelLine {
            name: teams
                .iter()
                .find(|t| t.key == key)
                .map_or_else(|| key.clone(), |t| t.name.clone()),
            key,
            funnel,
        })
        .collect();
    let mut product_lines: Vec<(String, Funnel)> = products.into_iter().collect();
    product_lines.sort_by(|a, b| b.1.asked.cmp(&a.1.asked).then_with(|| a.0.cmp(&b.0)));
    product_lines.truncate(TOP_PRODUCTS);
    let mut product_out = Vec::with_capacity(product_lines.len());
    for (code, funnel) in product_lines {
        let name = state
            .store
            .product(tenant_id, &code)
            .await?
            .map_or_else(|| code.clone(), |p| p.title);
        product_out.push(FunnelLine {
            key: code,
            name,
            funnel,
        });
    }
    let cells = state
        .store
        .kpi_hours(tenant_id, &from, &to, &HourFilter::default())
        .await?;
    let mut entries: BTreeMap<String, Funnel> = BTreeMap::new();
    for cell in &cells {
        if !cell.tally.funnel.is_empty() {
            entries
                .entry(cell.entry.clone().unwrap_or_default())
                .or_default()
                .add(&cell.tally.funnel);
        }
    }
    Ok(FunnelReport {
        from,
        to,
        shop,
        teams: team_lines,
        agents: agent_lines,
        products: product_out,
        entries: entries
            .into_iter()
            .map(|(key, funnel)| FunnelLine {
                name: key.clone(),
                key,
                funnel,
            })
            .collect(),
    })
}

/// The conversations served on `day` that came with a product or an order and whose buyer
/// did not order within 24 hours, newest first: kept by the rollups from the same walk of
/// the log as the funnel's numbers (`rollup.rs`), as of the last catch-up.
pub async fn dropped(
    state: &AppState,
    tenant_id: Uuid,
    day: NaiveDate,
) -> Result<Vec<ConversationSummary>, ApiError> {
    let ids = state
        .store
        .funnel_dropped(tenant_id, &day_key(day), DROPPED_LIMIT as i64)
        .await?;
    let mut out = state.store.conversations_by_ids(tenant_id, &ids).await?;
    let order: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    out.sort_by_key(|c| order.get(&c.id).copied().unwrap_or(usize::MAX));
    Ok(out)
}
