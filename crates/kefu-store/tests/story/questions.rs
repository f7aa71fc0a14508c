//! Question mining (issue #19, DATA-5): the week's buyer questions with their products, the
//! topics kept week by week, a topic sent to the robot's review queue (which the training
//! loop's next run leaves alone) and to a product's owner as a problem, fixed and reopened.

use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::EntryContext;
use kefu_domain::message::SenderKind;
use kefu_domain::time::now_ms;
use kefu_store::{MinedWeek, NewProposal, NewTopic, NewTopicProblem, Store, TopicWeekRow};
use uuid::Uuid;

use crate::{send, text};

on_both_backends!(questions_are_mined_into_topics_kept_week_by_week);

async fn questions_are_mined_into_topics_kept_week_by_week(store: Store) {
    let shop = crate::shop(&store, "mining").await;
    let other = crate::shop(&store, "no-mining").await;
    let tenant = shop.tenant.id;
    let before = now_ms();
    // A buyer on the product page asks twice; the agent's reply is not a question.
    let context = EntryContext {
        product_code: Some("P-1".into()),
        ..EntryContext::default()
    };
    let c = store
        .open_conversation(tenant, &shop.buyer, Entry::ProductPage, &context)
        .await
        .unwrap();
    for (id, body) in [("q1", "什么时候发货"), ("q2", "奶粉怎么冲泡")] {
        send(
            &store,
            text(c.id, tenant, SenderKind::Buyer, shop.buyer.id, id, body),
        )
        .await;
    }
    send(
        &store,
        text(
            c.id,
            tenant,
            SenderKind::Agent,
            shop.agent.id,
            "a1",
            "今天发",
        ),
    )
    .await;
    // Another buyer, from the shop's home page: no product.
    let buyer = store
        .upsert_buyer(tenant, Channel::Web, "mining:b2", "访客2")
        .await
        .unwrap();
    let d = crate::conversation(&store, tenant, &buyer).await;
    send(
        &store,
        text(d.id, tenant, SenderKind::Buyer, buyer.id, "q3", "几天发货"),
    )
    .await;
    let after = now_ms() + 1;

    let asked = store
        .buyer_questions(tenant, before - 1, after, 100)
        .await
        .unwrap();
    let seen: Vec<(Uuid, &str, &str)> = asked
        .iter()
        .map(|q| (q.conversation_id, q.product_code.as_str(), q.text.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (c.id, "P-1", "什么时候发货"),
            (c.id, "P-1", "奶粉怎么冲泡"),
            (d.id, "", "几天发货"),
        ]
    );
    assert!(asked.iter().all(|q| q.at >= before - 1 && q.at < after));
    assert_eq!(
        store
            .buyer_questions(tenant, before - 1, after, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .buyer_questions(other.tenant.id, before - 1, after, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // Week one: two topics.
    let shipping = Uuid::now_v7();
    let formula = Uuid::now_v7();
    let topic = |id, label: &str| NewTopic {
        id,
        label: label.into(),
        keywords: vec!["发货".into()],
        centroid: vec![(7, 0.6), (9, 0.8)],
    };
    let example = |conversation: Uuid, text: &str| serde_json::json!([{"conversation": conversation, "text": text, "at": before}]);
    let week1 = "2026-11-23";
    store
        .save_question_week(
            tenant,
            &MinedWeek {
                week: week1,
                mined_at: 1,
                asked: &[("P-1".into(), 1), ("".into(), 1)],
                new_topics: &[
                    topic(shipping, "什么时候发货"),
                    topic(formula, "奶粉怎么冲泡"),
                ],
                rows: &[
                    TopicWeekRow {
                        topic_id: shipping,
                        product_code: "P-1".into(),
                        conversations: 1,
                        examples: example(c.id, "什么时候发货"),
                    },
                    TopicWeekRow {
                        topic_id: shipping,
                        product_code: "".into(),
                        conversations: 1,
                        examples: example(d.id, "几天发货"),
                    },
                    TopicWeekRow {
                        topic_id: formula,
                        product_code: "P-1".into(),
                        conversations: 1,
                        examples: example(c.id, "奶粉怎么冲泡"),
                    },
                ],
            },
        )
        .await
        .unwrap();
    // Week two: shipping again; a topic found by a first run of the week and not by the
    // second is forgotten.
    let week2 = "2026-11-30";
    let passing = Uuid::now_v7();
    let shipping_row = |n| TopicWeekRow {
        topic_id: shipping,
        product_code: "P-1".into(),
        conversations: n,
        examples: example(c.id, "发货"),
    };
    store
        .save_question_week(
            tenant,
            &MinedWeek {
                week: week2,
                mined_at: 2,
                asked: &[("P-1".into(), 5)],
                new_topics: &[topic(passing, "一时的")],
                rows: &[
                    shipping_row(2),
                    TopicWeekRow {
                        topic_id: passing,
                        product_code: "P-1".into(),
                        conversations: 2,
                        examples: example(c.id, "一时的"),
                    },
                ],
            },
        )
        .await
        .unwrap();
    store
        .save_question_week(
            tenant,
            &MinedWeek {
                week: week2,
                mined_at: 3,
                asked: &[("P-1".into(), 4)],
                new_topics: &[],
                rows: &[shipping_row(3)],
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .question_topic(tenant, passing)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.mined_weeks(tenant, week1).await.unwrap(),
        vec![(week1.to_owned(), 1), (week2.to_owned(), 3)],
        "the mark is there even when everyone asked about a product"
    );
    let topics = store.question_topics(tenant, week2).await.unwrap();
    assert_eq!(topics.len(), 1, "only shipping was asked in week two");
    assert_eq!(
        (
            topics[0].id,
            topics[0].first_week.as_str(),
            topics[0].last_week.as_str()
        ),
        (shipping, week1, week2)
    );
    assert_eq!(topics[0].centroid, vec![(7, 0.6), (9, 0.8)]);
    assert_eq!(store.question_topics(tenant, week1).await.unwrap().len(), 2);
    assert!(
        store
            .question_topics(other.tenant.id, week1)
            .await
            .unwrap()
            .is_empty()
    );

    let (counts, totals) = store
        .topic_counts(tenant, week1, week2, None)
        .await
        .unwrap();
    let mut counts: Vec<(Uuid, &str, i64)> = counts
        .iter()
        .map(|(t, w, n)| (*t, w.as_str(), *n))
        .collect();
    counts.sort();
    let mut expected = vec![
        (shipping, week1, 2),
        (formula, week1, 1),
        (shipping, week2, 3),
    ];
    expected.sort();
    assert_eq!(counts, expected);
    assert_eq!(
        totals,
        vec![(week1.to_owned(), 2), (week2.to_owned(), 4)],
        "every product's askers, the week-two mark's zero among them"
    );
    let (counts, totals) = store
        .topic_counts(tenant, week1, week1, Some(""))
        .await
        .unwrap();
    assert_eq!(counts, vec![(shipping, week1.to_owned(), 1)]);
    assert_eq!(totals, vec![(week1.to_owned(), 1)]);
    assert_eq!(
        store.asking_products(tenant, week1, week2).await.unwrap(),
        vec![("P-1".to_owned(), 5)]
    );
    let weeks = store
        .topic_weeks(tenant, shipping, week1, week2)
        .await
        .unwrap();
    assert_eq!(
        weeks
            .iter()
            .map(|w| (w.week.as_str(), w.product_code.as_str(), w.conversations))
            .collect::<Vec<_>>(),
        vec![(week2, "P-1", 3), (week1, "", 1), (week1, "P-1", 1)]
    );
    assert_eq!(weeks[1].examples[0]["text"], "几天发货");
    assert!(
        store
            .topic_weeks(other.tenant.id, shipping, week1, week2)
            .await
            .unwrap()
            .is_empty()
    );

    // To the robot's review queue: kept by the training loop's next run.
    let proposal = NewProposal {
        kind: "new_entry".into(),
        entry_id: None,
        body: serde_json::json!({"question": "什么时候发货", "similar": ["几天发货"],
            "answer": "", "examples": ["什么时候发货"], "human_answers": []}),
        asked: 5,
    };
    assert_eq!(
        store
            .propose_topic(other.tenant.id, shipping, &proposal)
            .await
            .unwrap(),
        None
    );
    let proposed = store
        .propose_topic(tenant, shipping, &proposal)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .question_topic(tenant, shipping)
            .await
            .unwrap()
            .unwrap()
            .proposal_id,
        Some(proposed)
    );
    store.replace_proposals(tenant, &[]).await.unwrap();
    let pending = store.proposals(tenant, "pending", 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, proposed);

    // To the product's owner as a problem; fixed, then open again.
    let problem = store
        .add_topic_problem(
            tenant,
            &NewTopicProblem {
                topic_id: formula,
                product_code: Some("P-1".into()),
                owner_id: shop.agent.id,
                note: "出个冲泡视频".into(),
                created_by: shop.boss.id,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (problem.status.as_str(), problem.fixed_on.as_deref()),
        ("open", None)
    );
    let fixed = store
        .set_problem_fixed(
            tenant,
            problem.id,
            Some("2026-11-25"),
            problem.created_at + 5,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            fixed.status.as_str(),
            fixed.fixed_on.as_deref(),
            fixed.updated_at
        ),
        ("fixed", Some("2026-11-25"), problem.created_at + 5)
    );
    assert!(
        store
            .set_problem_fixed(other.tenant.id, problem.id, None, 0)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .topic_problems(tenant, Some("fixed"), None, 10)
            .await
            .unwrap(),
        vec![fixed.clone()]
    );
    assert!(
        store
            .topic_problems(tenant, Some("open"), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .topic_problems(tenant, None, Some(formula), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let reopened = store
        .set_problem_fixed(tenant, problem.id, None, problem.created_at + 9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (reopened.status.as_str(), reopened.fixed_on.as_deref()),
        ("open", None)
    );
    assert_eq!(
        store.topic_problem(tenant, problem.id).await.unwrap(),
        Some(reopened)
    );
    assert!(
        store
            .topic_problem(other.tenant.id, problem.id)
            .await
            .unwrap()
            .is_none()
    );
    // A topic with a problem outlives a new mining of its first week that does not find it.
    store
        .save_question_week(
            tenant,
            &MinedWeek {
                week: week1,
                mined_at: 4,
                asked: &[],
                new_topics: &[],
                rows: &[],
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .question_topic(tenant, formula)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .question_topic(tenant, shipping)
            .await
            .unwrap()
            .is_some()
    );
}
