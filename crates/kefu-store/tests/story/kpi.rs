//! The team's numbers (issue #18): the event log read per day, daily rollups replaced whole,
//! rankings kept once; quality inspection's candidates, sample, scores, appeal and decision.

use kefu_domain::kpi::{self, Tally};
use kefu_domain::message::SenderKind;
use kefu_domain::qa::{ItemScore, ReviewStatus, Rubric, SampleReason, ScoreInput};
use kefu_domain::time::now_ms;
use kefu_store::{
    AuditFilter, DroppedRow, HourFilter, HourRow, KpiRow, NewAudit, NewQaReview, QaChange,
    QaFilter, RankingRow, Store,
};

use crate::{send, text};

on_both_backends!(the_log_rolls_up_per_day_and_qa_reviews_move_once);

async fn the_log_rolls_up_per_day_and_qa_reviews_move_once(store: Store) {
    let shop = crate::shop(&store, "kpi").await;
    let other = crate::shop(&store, "no-kpi").await;
    let tenant = shop.tenant.id;
    let before = now_ms();
    let c = crate::conversation(&store, tenant, &shop.buyer).await;
    send(
        &store,
        text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, "b1", "在吗"),
    )
    .await;
    send(
        &store,
        text(
            c.id,
            tenant,
            SenderKind::Agent,
            shop.agent.id,
            "a1",
            "这个我不知道",
        ),
    )
    .await;
    let after = now_ms() + 1;

    // What changed since nothing was read.
    assert_eq!(store.kpi_progress(tenant).await.unwrap(), None);
    let changes = store.kpi_changes(tenant, 0, 0).await.unwrap();
    assert!(changes.last_event_id > 0);
    let (first, last) = changes.events_span.unwrap();
    assert!(first >= before - 1 && last <= after);
    assert_eq!(changes.orders_span, None);
    let nothing = store
        .kpi_changes(tenant, changes.last_event_id, 0)
        .await
        .unwrap();
    assert_eq!(nothing.events_span, None);

    // The day's logs: every event of the conversation, in order; nothing of another shop.
    let logs = store.kpi_day_logs(tenant, before - 1, after).await.unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].conversation_id, c.id);
    let kinds: Vec<&str> = logs[0].log.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.starts_with(&["created", "buyer_message", "agent_message"]),
        "{kinds:?}"
    );
    assert!(
        store
            .kpi_day_logs(other.tenant.id, before - 1, after)
            .await
            .unwrap()
            .is_empty()
    );

    // Rollups are replaced a day at a time, with the progress.
    let zone = shop
        .tenant
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let parts = kpi::contributions(&logs[0].log, zone, None);
    let rows: Vec<KpiRow> = kpi::roll_up(parts)
        .into_iter()
        .map(|c| KpiRow {
            day: c.day.format("%Y-%m-%d").to_string(),
            agent_id: c.agent,
            tally: c.tally,
        })
        .collect();
    let day = rows[0].day.clone();
    // And the shop's hourly cells, by team, channel and entry (DATA-2).
    let cells: Vec<HourRow> = kpi::roll_up_hours(kpi::contributions(&logs[0].log, zone, None))
        .into_iter()
        .map(|c| HourRow {
            day: c.day.format("%Y-%m-%d").to_string(),
            hour: c.hour,
            team: logs[0].team.clone(),
            channel: logs[0].channel.clone(),
            entry: c.entry.map(|e| e.as_str().to_owned()),
            tally: c.tally,
        })
        .collect();
    assert!(!cells.is_empty());
    let dropped = [
        DroppedRow {
            day: day.clone(),
            conversation_id: uuid::Uuid::now_v7(),
            at: after - 2,
        },
        DroppedRow {
            day: day.clone(),
            conversation_id: uuid::Uuid::now_v7(),
            at: after - 1,
        },
    ];
    store
        .replace_kpi_days(
            tenant,
            std::slice::from_ref(&day),
            &rows,
            &cells,
            &dropped,
            Some((changes.last_event_id, after)),
            after,
        )
        .await
        .unwrap();
    store
        .replace_kpi_days(
            tenant,
            std::slice::from_ref(&day),
            &rows,
            &cells,
            &dropped,
            None,
            after,
        )
        .await
        .unwrap();
    let read = store.kpi_rows(tenant, &day, &day).await.unwrap();
    assert_eq!(read, rows);
    // Who left is kept with the day, newest first, and replaced with it (DATA-4).
    assert_eq!(
        store.funnel_dropped(tenant, &day, 10).await.unwrap(),
        vec![dropped[1].conversation_id, dropped[0].conversation_id]
    );
    assert_eq!(
        store.funnel_dropped(tenant, &day, 1).await.unwrap().len(),
        1
    );
    assert!(
        store
            .funnel_dropped(other.tenant.id, &day, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let hours = store
        .kpi_hours(tenant, &day, &day, &HourFilter::default())
        .await
        .unwrap();
    assert_eq!(hours, cells);
    let web = HourFilter {
        channel: Some(logs[0].channel.clone()),
        ..HourFilter::default()
    };
    assert_eq!(
        store.kpi_hours(tenant, &day, &day, &web).await.unwrap(),
        cells
    );
    let elsewhere = HourFilter {
        channel: Some("nowhere".to_owned()),
        ..HourFilter::default()
    };
    assert!(
        store
            .kpi_hours(tenant, &day, &day, &elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .kpi_hours(other.tenant.id, &day, &day, &HourFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let mut sum = Tally::default();
    read.iter().for_each(|r| sum.add(&r.tally));
    assert_eq!((sum.served, sum.received, sum.answered), (1, 1, 1));
    assert_eq!(
        store.kpi_progress(tenant).await.unwrap(),
        Some((changes.last_event_id, after))
    );
    assert!(
        store
            .kpi_rows(other.tenant.id, &day, &day)
            .await
            .unwrap()
            .is_empty()
    );

    // An agent's breaks are kept as periods: the one before ends when the next begins, or
    // when they are back.
    use kefu_domain::account::AgentStatus;
    let t0 = now_ms();
    store
        .set_user_status(
            tenant,
            shop.agent.id,
            AgentStatus::Away,
            Some(("吃饭", t0 + 1_800_000)),
        )
        .await
        .unwrap();
    let open = store
        .agent_breaks(tenant, t0 - 1, t0 + 1_000)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].0, open[0].2), (shop.agent.id, i64::MAX));
    crate::tick().await;
    store
        .set_user_status(tenant, shop.agent.id, AgentStatus::Online, None)
        .await
        .unwrap();
    let closed = store
        .agent_breaks(tenant, t0 - 1, now_ms() + 1)
        .await
        .unwrap();
    assert!(
        closed[0].2 >= closed[0].1 && closed[0].2 < i64::MAX,
        "{closed:?}"
    );
    assert!(
        store
            .agent_breaks(other.tenant.id, 0, i64::MAX)
            .await
            .unwrap()
            .is_empty()
    );

    // A month's ranking is kept once; keeping it again changes nothing.
    let ranked = vec![RankingRow {
        agent_id: shop.agent.id,
        team: "pre_sales".into(),
        score: 88.5,
        grade: Some(kefu_domain::kpi::Grade::Pass),
        rank: 1,
        top_decile: true,
    }];
    store
        .keep_kpi_ranking(tenant, "2026-11", &ranked, after)
        .await
        .unwrap();
    let mut changed = ranked.clone();
    changed[0].score = 10.0;
    store
        .keep_kpi_ranking(tenant, "2026-11", &changed, after)
        .await
        .unwrap();
    assert_eq!(store.kpi_ranking(tenant, "2026-11").await.unwrap(), ranked);
    assert!(
        store
            .kpi_ranking(other.tenant.id, "2026-11")
            .await
            .unwrap()
            .is_empty()
    );

    // QA: the day's candidate, the agent's words, the sample once.
    let candidates = store
        .qa_candidates(tenant, before - 1, after)
        .await
        .unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].agent_id, Some(shop.agent.id));
    let texts = store.agent_texts(tenant, before - 1, after).await.unwrap();
    assert_eq!(texts, vec![(c.id, 2, "这个我不知道".to_owned())]);
    let rubric = Rubric::default();
    let hits = kefu_domain::qa::forbidden_hits(
        &rubric.forbidden_matcher().unwrap(),
        &[(2, texts[0].2.clone())],
    );
    let new = NewQaReview {
        conversation_id: c.id,
        agent_id: Some(shop.agent.id),
        reasons: vec![SampleReason::ForbiddenWord],
        forbidden_hits: hits,
    };
    assert_eq!(
        store
            .add_qa_sample(tenant, &day, std::slice::from_ref(&new), after)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .add_qa_sample(tenant, &day, &[new], after)
            .await
            .unwrap(),
        0
    );
    let listed = store
        .qa_reviews(
            tenant,
            &QaFilter {
                day: Some(day.clone()),
                ..QaFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let review = &listed[0];
    assert_eq!(
        (review.status, review.forbidden_hits[0].word.as_str()),
        (ReviewStatus::Pending, "不知道")
    );
    assert_eq!(
        store.qa_review(other.tenant.id, review.id).await.unwrap(),
        None
    );
    assert!(
        store
            .qa_reviews(other.tenant.id, &QaFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    let score = ScoreInput {
        items: rubric
            .items
            .iter()
            .map(|i| ItemScore {
                key: i.key.clone(),
                points: i.points / 2,
                note: String::new(),
            })
            .collect(),
        comments: vec![],
    }
    .check(&rubric, 2)
    .unwrap();
    let scored = store
        .score_qa_review(tenant, review.id, shop.boss.id, &score, after)
        .await
        .unwrap();
    let QaChange::Done(scored) = scored else {
        panic!("{scored:?}")
    };
    assert_eq!(
        (scored.status, scored.score),
        (ReviewStatus::Scored, Some(50.0))
    );
    assert_eq!(
        store
            .appeal_qa_review(tenant, review.id, shop.boss.id, "不是我", after)
            .await
            .unwrap(),
        QaChange::NotFound,
        "only the agent reviewed appeals"
    );
    assert!(matches!(
        store
            .appeal_qa_review(
                tenant,
                review.id,
                shop.agent.id,
                "买家问的是未上架商品",
                after
            )
            .await
            .unwrap(),
        QaChange::Done(_)
    ));
    assert_eq!(
        store
            .appeal_qa_review(tenant, review.id, shop.agent.id, "again", after)
            .await
            .unwrap(),
        QaChange::Closed
    );
    let audit = |r: &kefu_domain::qa::QaReview| {
        vec![NewAudit {
            tenant_id: tenant,
            actor_id: Some(shop.boss.id),
            actor_name: shop.boss.display_name.clone(),
            action: "qa_review.decide".into(),
            target: r.id.to_string(),
            detail: serde_json::json!({"final_score": r.final_score}),
        }]
    };
    let decided = store
        .decide_qa_review(
            tenant,
            review.id,
            shop.boss.id,
            "申诉成立",
            Some(70.0),
            audit,
            after,
        )
        .await
        .unwrap();
    let QaChange::Done(decided) = decided else {
        panic!("{decided:?}")
    };
    assert_eq!(
        (decided.status, decided.final_score, decided.score),
        (ReviewStatus::Decided, Some(70.0), Some(50.0))
    );
    let entries = store
        .audit_entries(
            tenant,
            &AuditFilter {
                actor_id: None,
                action: Some("qa_review.decide"),
                from: None,
                to: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        store.qa_averages(tenant, &day, &day).await.unwrap(),
        vec![(shop.agent.id, 70.0, 1)]
    );
    assert!(
        store
            .qa_averages(other.tenant.id, &day, &day)
            .await
            .unwrap()
            .is_empty()
    );
}
