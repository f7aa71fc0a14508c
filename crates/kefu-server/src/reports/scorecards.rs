//! Scorecards and rankings (KPI-1, KPI-2, KPI-4, WB-10): rollup rows summed per agent, team
//! and shop over a range, metrics read off the sums, and scored with the shop's rules.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use kefu_domain::account::User;
use kefu_domain::kpi::{self, Grade, KpiRules, Metrics, Ranked, Scorecard, Tally};
use kefu_domain::role::Role;
use kefu_domain::time::now_ms;
use kefu_store::{KpiRow, RankingRow};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Range, day_key, today, zone_of};
use crate::AppState;
use crate::error::ApiError;

/// One day of an agent's trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayPoint {
    pub day: String,
    pub served: i64,
    pub first_response_avg_s: Option<f64>,
    pub quick_reply_rate: Option<f64>,
    pub bad_review_rate: Option<f64>,
    pub conversion_rate: Option<f64>,
    /// That day's score, when the agent served that day.
    pub score: Option<f64>,
}

/// An agent's numbers over the range, their scorecard and their daily trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentCard {
    pub agent_id: Uuid,
    pub name: String,
    pub team: Option<String>,
    pub metrics: Metrics,
    pub scorecard: Scorecard,
    /// The average QA score of their reviews in the range (KPI-3), and how many.
    pub qa_score: Option<f64>,
    pub qa_reviews: i64,
    /// Served per day against this (WB-10).
    pub daily_target: u32,
    pub trend: Vec<DayPoint>,
}

/// A team's numbers: its members' sums.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamCard {
    pub team: String,
    pub name: String,
    pub members: usize,
    pub metrics: Metrics,
    pub scorecard: Scorecard,
}

/// The shop over a range: its own numbers (everything, including what no agent owned), each
/// team's and each agent's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamReport {
    pub from: String,
    pub to: String,
    pub days: i64,
    pub shop: Metrics,
    pub shop_scorecard: Scorecard,
    pub teams: Vec<TeamCard>,
    pub agents: Vec<AgentCard>,
    pub rules: KpiRules,
    /// When the rollups last caught up with the event log (epoch ms; `None`: never yet).
    pub as_of: Option<i64>,
}

/// Whose numbers a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Everyone,
    Team(&'a str),
    Agent(Uuid),
}

/// The shop's report over `range`, as of the rollups' last catch-up (the jobs catch up every
/// half minute; `rollup::catch_up` on demand): reading never waits for a recomputation.
pub async fn report(
    state: &AppState,
    tenant_id: Uuid,
    range: Range,
    scope: Scope<'_>,
) -> Result<TeamReport, ApiError> {
    let as_of = state
        .store
        .kpi_progress(tenant_id)
        .await?
        .map(|(_, seen_at)| seen_at);
    let rows = state
        .store
        .kpi_rows(tenant_id, &day_key(range.from), &day_key(range.to))
        .await?;
    let (rules, _) = state.store.shop_document::<KpiRules>(tenant_id).await?;
    let users = state.store.accounts(tenant_id).await?;
    let teams = state.store.teams(tenant_id).await?;
    let qa: HashMap<Uuid, (f64, i64)> = state
        .store
        .qa_averages(tenant_id, &day_key(range.from), &day_key(range.to))
        .await?
        .into_iter()
        .map(|(agent, score, n)| (agent, (score, n)))
        .collect();

    let mut shop = Tally::default();
    let mut per_agent: BTreeMap<Uuid, BTreeMap<String, Tally>> = BTreeMap::new();
    for KpiRow {
        day,
        agent_id,
        tally,
    } in rows
    {
        shop.add(&tally);
        if let Some(agent) = agent_id {
            per_agent.entry(agent).or_default().insert(day, tally);
        }
    }
    // Everyone who serves buyers, and anyone else with numbers in the range.
    let listed: Vec<&User> = users
        .iter()
        .filter(|u| {
            matches!(u.role, Role::Agent | Role::Supervisor) && !u.disabled
                || per_agent.contains_key(&u.id)
        })
        .collect();
    let in_scope = |u: &User| match scope {
        Scope::Everyone => true,
        Scope::Team(team) => u.team.as_deref() == Some(team),
        Scope::Agent(id) => u.id == id,
    };
    let mut agents = Vec::new();
    let mut team_sums: BTreeMap<String, (Tally, usize, Vec<f64>)> = BTreeMap::new();
    for user in listed {
        let days = per_agent.remove(&user.id).unwrap_or_default();
        let mut total = Tally::default();
        days.values().for_each(|t| total.add(t));
        let qa_score = qa.get(&user.id).map(|(s, _)| *s);
        if let Some(team) = &user.team {
            let entry = team_sums.entry(team.clone()).or_default();
            entry.0.add(&total);
            entry.1 += 1;
            entry.2.extend(qa_score);
        }
        if !in_scope(user) {
            continue;
        }
        let team = user.team.as_deref();
        let lines = rules.lines_for(team);
        let trend = range
            .days()
            .map(|d| {
                let key = day_key(d);
                let m = days.get(&key).cloned().unwrap_or_default().metrics();
                DayPoint {
                    day: key,
                    served: m.served,
                    first_response_avg_s: m.first_response_avg_s,
                    quick_reply_rate: m.quick_reply_rate,
                    bad_review_rate: m.bad_review_rate,
                    conversion_rate: m.conversion_rate,
                    score: (m.served > 0).then(|| kpi::score(&m, None, &rules, team).score),
                }
            })
            .collect();
        let metrics = total.metrics();
        agents.push(AgentCard {
            agent_id: user.id,
            name: user.display_name.clone(),
            team: user.team.clone(),
            scorecard: kpi::score(&metrics, qa_score, &rules, team),
            metrics,
            qa_score,
            qa_reviews: qa.get(&user.id).map_or(0, |(_, n)| *n),
            daily_target: lines.daily_target,
            trend,
        });
    }
    agents.sort_by(|a, b| b.scorecard.score.total_cmp(&a.scorecard.score));
    let team_cards = teams
        .iter()
        .filter(|t| match scope {
            Scope::Everyone => true,
            Scope::Team(key) => t.key == key,
            Scope::Agent(_) => false,
        })
        .map(|t| {
            let (tally, members, qa_scores) = team_sums.remove(&t.key).unwrap_or_default();
            let metrics = tally.metrics();
            let qa_score = (!qa_scores.is_empty())
                .then(|| qa_scores.iter().sum::<f64>() / qa_scores.len() as f64);
            TeamCard {
                team: t.key.clone(),
                name: t.name.clone(),
                members,
                scorecard: kpi::score(&metrics, qa_score, &rules, Some(&t.key)),
                metrics,
            }
        })
        .collect();
    let shop = shop.metrics();
    Ok(TeamReport {
        from: day_key(range.from),
        to: day_key(range.to),
        days: (range.to - range.from).num_days() + 1,
        shop_scorecard: kpi::score(&shop, None, &rules, None),
        shop,
        teams: team_cards,
        agents,
        rules,
        as_of,
    })
}

/// One agent in a team's monthly ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingEntry {
    pub agent_id: Uuid,
    pub name: String,
    pub score: f64,
    pub rank: u32,
    pub top_decile: bool,
    /// In the top 10 % this month and the two before (KPI-4).
    pub bonus: bool,
    pub grade: Option<Grade>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamRanking {
    pub team: String,
    pub name: String,
    pub entries: Vec<RankingEntry>,
}

/// A month's rankings per team (KPI-4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rankings {
    pub month: String,
    /// The month is over and its ranking is kept as it was.
    pub kept: bool,
    pub teams: Vec<TeamRanking>,
}

/// The first day of a `YYYY-MM` month.
pub fn parse_month(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
}

fn month_key(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

fn month_range(first: NaiveDate) -> Range {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    Range {
        from: first,
        to: next.pred_opt().unwrap_or(first),
    }
}

/// A month's ranking rows: kept ones for a month that is over (kept now if they were not),
/// else computed from the rollups. Agents who served nobody take no part.
async fn ranking_rows(
    state: &AppState,
    tenant_id: Uuid,
    first: NaiveDate,
) -> Result<(Vec<RankingRow>, bool), ApiError> {
    let kept = state
        .store
        .kpi_ranking(tenant_id, &month_key(first))
        .await?;
    if !kept.is_empty() {
        return Ok((kept, true));
    }
    let range = month_range(first);
    let report = report(state, tenant_id, range, Scope::Everyone).await?;
    let grades: HashMap<Uuid, Option<Grade>> = report
        .agents
        .iter()
        .map(|a| (a.agent_id, a.scorecard.grade))
        .collect();
    let mut by_team: BTreeMap<String, Vec<(Uuid, f64)>> = BTreeMap::new();
    for card in report.agents.iter().filter(|c| c.metrics.served > 0) {
        if let Some(team) = &card.team {
            by_team
                .entry(team.clone())
                .or_default()
                .push((card.agent_id, card.scorecard.score));
        }
    }
    let rows: Vec<RankingRow> = by_team
        .into_iter()
        .flat_map(|(team, scores)| {
            let grades = &grades;
            kpi::rank(&scores).into_iter().map(move |r| RankingRow {
                agent_id: r.agent_id,
                team: team.clone(),
                score: r.score,
                grade: grades.get(&r.agent_id).copied().flatten(),
                rank: r.rank,
                top_decile: r.top_decile,
            })
        })
        .collect();
    let zone = zone_of(state, tenant_id).await;
    let over = range.to < today(zone);
    if over && !rows.is_empty() {
        state
            .store
            .keep_kpi_ranking(tenant_id, &month_key(first), &rows, now_ms())
            .await?;
    }
    let kept = over && !rows.is_empty();
    Ok((rows, kept))
}

/// The month's rankings, with the bonus flag for three months running in the top 10 %.
pub async fn rankings(
    state: &AppState,
    tenant_id: Uuid,
    first: NaiveDate,
) -> Result<Rankings, ApiError> {
    let (rows, kept) = ranking_rows(state, tenant_id, first).await?;
    let mut history: Vec<Vec<Ranked>> = Vec::new();
    for back in [2u32, 1] {
        let month = first
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(first);
        let (earlier, _) = ranking_rows(state, tenant_id, month).await?;
        history.push(earlier.iter().map(ranked).collect());
    }
    history.push(rows.iter().map(ranked).collect());
    let bonus = kpi::bonus_streak(&history, 3);
    let users = state.store.accounts(tenant_id).await?;
    let name = |id: Uuid| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_string(), |u| u.display_name.clone())
    };
    let teams = state.store.teams(tenant_id).await?;
    let mut out: Vec<TeamRanking> = teams
        .iter()
        .map(|t| TeamRanking {
            team: t.key.clone(),
            name: t.name.clone(),
            entries: Vec::new(),
        })
        .collect();
    for row in rows {
        let Some(team) = out.iter_mut().find(|t| t.team == row.team) else {
            continue;
        };
        team.entries.push(RankingEntry {
            agent_id: row.agent_id,
            name: name(row.agent_id),
            score: row.score,
            rank: row.rank,
            top_decile: row.top_decile,
            bonus: bonus.contains(&row.agent_id),
            grade: row.grade,
        });
    }
    out.retain(|t| !t.entries.is_empty());
    Ok(Rankings {
        month: month_key(first),
        kept,
        teams: out,
    })
}

fn ranked(row: &RankingRow) -> Ranked {
    Ranked {
        agent_id: row.agent_id,
        score: row.score,
        rank: row.rank,
        top_decile: row.top_decile,
    }
}

/// The month a day is in.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}
